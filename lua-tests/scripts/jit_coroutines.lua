-- Hot loops inside coroutines: yielding every k iterations (k = 1, 2, 57, 300) from inside the loop, values passed in by resume changing type, wrap-based generators driving for-in loops, a generator that errors mid-loop, nested coroutines, yield across pcall inside the loop.  -- jit-traces>=2
-- a loop that yields every k iterations; the resumer sums what it gets
local function chunked(n, k)
  return coroutine.wrap(function()
    local s = 0
    for i = 1, n do
      s = s + i
      if i % k == 0 then coroutine.yield(s) end
    end
    return -1
  end)
end
for _, k in ipairs({ 300, 1, 2, 57 }) do
  local gen = chunked(900, k)
  local count, last = 0, nil
  while true do
    local v = gen()
    if v == -1 then break end
    count, last = count + 1, v
  end
  print(k, count, last)
  assert(count == 900 // k and last == (900 // k * k) * (900 // k * k + 1) // 2)
end

-- values sent in by resume become the loop's input; their type changes mid-stream
local co = coroutine.create(function(first)
  local acc, x = 0, first
  for _ = 1, 900 do
    acc = acc + x
    x = coroutine.yield(acc)
  end
  return "done", acc
end)
local last, final
for i = 1, 901 do
  local input = (i <= 300) and i or (i <= 600 and i + 0.5 or tostring(i))
  local ok, v, extra = coroutine.resume(co, input)
  assert(ok, v)
  last, final = v, extra
end
print(last, final, math.type(final), coroutine.status(co))
assert(last == "done" and final == 45150 + (135150 + 150) + 225150 and coroutine.status(co) == "dead")

-- generators made with coroutine.wrap in for-in loops
local function range(n, step)
  return coroutine.wrap(function()
    for i = 1, n, step do coroutine.yield(i, i * i) end
  end)
end
local s1, s2 = 0, 0
for i, sq in range(600, 1) do s1 = s1 + i; s2 = s2 + sq end
print(s1, s2)
assert(s1 == 180300 and s2 == 600 * 601 * 1201 // 6)
local function words(list)
  return coroutine.wrap(function()
    for _, w in ipairs(list) do
      for c in w:gmatch(".") do coroutine.yield(c) end
    end
  end)
end
local letters = {}
for i = 1, 200 do letters[i] = (i % 3 == 0) and "xyz" or "ab" end
local n, lastc = 0, nil
for c in words(letters) do n = n + 1; lastc = c end
print(n, lastc)
assert(n == 66 * 3 + 134 * 2)

-- a generator that raises an error partway: the for-in loop is left by the error
local function failing(at)
  return coroutine.wrap(function()
    for i = 1, 1000 do
      if i == at then error("generator broke at " .. i) end
      coroutine.yield(i)
    end
  end)
end
for _, at in ipairs({ 300, 1, 57 }) do
  local got = 0
  local ok, e = pcall(function() for v in failing(at) do got = got + v end end)
  print(at, ok, e, got)
  assert(not ok and got == (at - 1) * at // 2)
end

-- nested coroutines: an inner generator consumed by an outer one that also yields
local function inner() return coroutine.wrap(function() for i = 1, 300 do coroutine.yield(i) end end) end
local outer = coroutine.wrap(function()
  for _ = 1, 3 do
    local t = 0
    for v in inner() do t = t + v end
    coroutine.yield(t)
  end
end)
local o1, o2, o3 = outer(), outer(), outer()
print(o1, o2, o3)
assert(o1 == 45150 and o3 == 45150)

-- yield across pcall inside the hot loop; an error every 100 iterations is caught inside
local yp = coroutine.wrap(function()
  local caught = 0
  for i = 1, 600 do
    local ok = pcall(function()
      if i % 100 == 0 then error("x") end
      coroutine.yield(i)
    end)
    if not ok then caught = caught + 1 end
  end
  return -caught
end)
local tot, r = 0, nil
repeat r = yp(); if r > 0 then tot = tot + r end until r < 0
print(tot, r)
assert(tot == 180300 - 2100 and r == -6)
