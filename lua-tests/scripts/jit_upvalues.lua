-- Upvalues under hot loops: closures created per iteration capturing the loop variable and a per-iteration local, an upvalue closed while a loop (in a coroutine) still uses it, upvalues written by a callee and read by the loop and the other way round, two closures sharing one upvalue, an upvalue changing type.  -- jit-traces>=7
-- a closure per iteration: the loop variable and a fresh local are captured each time
local getters, setters = {}, {}
for i = 1, 500 do
  local cell = i * 2
  getters[i] = function() return i + cell end
  setters[i] = function(v) cell = v end
end
setters[57](0)
local s = 0
for i = 1, 500 do s = s + getters[i]() end
print(s, getters[57](), getters[500]())
assert(s == 3 * 125250 - 114 and getters[57]() == 57)

-- a loop in a coroutine uses an upvalue of a function that returns mid-loop (the upvalue is
-- open while the outer frame lives, closed after)
local co
local function outer()
  local u = 0
  co = coroutine.wrap(function()
    for i = 1, 600 do
      u = u + 1
      if i == 300 then coroutine.yield(u) end
    end
    return u
  end)
  local mid = co()
  u = u + 1000 -- still open: the coroutine sees this
  return mid, function() return u end
end
local mid, get = outer()
local final = co()
print(mid, final, get())
assert(mid == 300 and final == 1600 and get() == 1600)

-- a callee writes an upvalue the loop reads; the loop writes one the callee reads
local shared = 0
local seen_by_callee = 0
local function bump(i) if i % 100 == 0 then shared = shared + 1 end end
local function observe() seen_by_callee = seen_by_callee + shared end
local acc = 0
for i = 1, 700 do
  bump(i)
  acc = acc + shared
  if i == 350 then shared = -10 end
  observe()
end
print(shared, acc, seen_by_callee)
assert(shared == -6 and acc == -2443 and seen_by_callee == acc - 13)

-- two closures sharing one upvalue, used alternately in a hot loop
local function counter()
  local n = 0
  return function(d) n = n + d; return n end, function() return n end
end
local inc, get2 = counter()
local inc2, get3 = counter()
local check = 0
for i = 1, 600 do
  if i % 2 == 0 then inc(1) else inc(2) end
  if i % 3 == 0 then inc2(i) end
  check = check + get2() - get3() // 1000
end
print(get2(), get3(), check)
assert(get2() == 900 and get3() == 60300)

-- an upvalue changing type: integer, float, string, nil
local val = 0
local function addval(x)
  if val == nil then return x end
  return x + val
end
local total = 0
for i = 1, 800 do
  if i == 200 then val = 0.5 end
  if i == 400 then val = "2" end
  if i == 600 then val = nil end
  total = total + addval(1)
end
print(total, math.type(total))
assert(total == 199 + 200 * 1.5 + 200 * 3 + 201)

-- nested closures: an upvalue two levels out, modified inside the innermost loop
local function make()
  local depth = 0
  return function()
    return function(n)
      for _ = 1, n do depth = depth + 1 end
      return depth
    end
  end
end
local f = make()()
local d
for _ = 1, 300 do d = f(3) end
print(d)
assert(d == 900)

-- a closure captured inside a while loop whose local is re-declared each time
local fns, i = {}, 0
while i < 400 do
  i = i + 1
  local k = i
  if k % 100 == 0 then fns[#fns + 1] = function() k = k + 1; return k end end
end
print(#fns, fns[1](), fns[1](), fns[4]())
assert(fns[1]() == 103 and fns[4]() == 402)
