-- Stores to empty integer slots compile to ASLOT (the array slot inline, a helper that grows the array or finds the key in the hash part otherwise): many small tables built by appending, an append into a table whose hash part already holds later keys, reads of the table being grown in the same loop, a metatable that gains __newindex mid-loop, nil stores that must not create keys, GC values stored while growing.  -- jit-traces>=8
-- many small tables, each built by appending (each grows several times inside the trace)
local function build(n, seed)
  local t = {}
  for i = 1, n do t[i] = (i * seed) % 97 end
  return t
end
local sum = 0
for rep = 1, 300 do
  local t = build(rep % 40 + 1, rep)
  for i = 1, #t do sum = sum + t[i] end
  assert(#t == rep % 40 + 1)
end
print("small", sum)
assert(sum == 284475)

-- the keys past the array part are already in the hash part: appending meets them
local h = { [5] = "five", [6] = "six", [9] = "nine" }
for i = 1, 200 do
  if h[i] == nil then h[i] = i end
end
local strs, ints = 0, 0
for i = 1, 200 do
  if type(h[i]) == "string" then strs = strs + 1 else ints = ints + i end
end
print("hash", strs, ints, #h)
assert(strs == 3 and ints == 200 * 201 // 2 - 5 - 6 - 9 and #h == 200)

-- the loop reads what it appended (the array moves when it grows)
local fibs = { 1, 1 }
for i = 3, 90 do fibs[i] = fibs[i - 1] + fibs[i - 2] end
print("fib", fibs[90])
assert(fibs[90] == 2880067194370816120)

-- two tables grown in the same loop, one read from the other
local a, b = {}, {}
for i = 1, 500 do
  a[i] = i
  b[i] = a[i] * 2 + (b[i - 1] or 0)
end
print("pair", b[500])
assert(b[500] == 500 * 501)

-- the metatable gains __newindex (at iteration k): the stores after it call it
local function gains(k)
  local mt = {}
  local t = setmetatable({}, mt)
  local calls = 0
  for i = 1, 300 do
    if i == k then mt.__newindex = function(tt, key, v) calls = calls + 1; rawset(tt, key, v * 10) end end
    t[i] = i
  end
  return calls, t[k], t[k - 1] or 0
end
for _, k in ipairs({ 2, 57, 299 }) do
  local calls, at, before = gains(k)
  print("gains", k, calls, at, before)
  assert(calls == 301 - k and at == k * 10 and before == (k - 1))
end

-- storing nil into an empty slot creates no key (and a later append still grows)
local holes = {}
for i = 1, 300 do
  holes[i] = (i % 3 ~= 0) and i or nil
end
local count = 0
for _ in pairs(holes) do count = count + 1 end
print("holes", count)
assert(count == 200)

-- strings and tables stored while the array grows stay alive through collections
local objs = {}
for i = 1, 2000 do
  objs[i] = { i, tostring(i) }
  if i % 500 == 0 then collectgarbage() end
end
local ok = 0
for i = 1, 2000 do
  if objs[i][1] == i and objs[i][2] == tostring(i) then ok = ok + 1 end
end
print("objs", ok)
assert(ok == 2000)

-- a trace that appends to one table while reading another proves them different objects
-- (a guard, once before the loop) so the other's array bound and pointer stay in registers;
-- called later with the same table for both, the guard must fail: the array being read is
-- the one that moves as it grows
local function copy_into(r, a, off)
  for i = 1, #a do r[i + off] = a[i] * 2 end
  return r
end
local total = 0
for rep = 1, 200 do
  local src = {}
  for i = 1, rep % 30 + 5 do src[i] = i end
  local r = copy_into({}, src, 0)
  total = total + #r + r[#r]
end
local same = { 1, 2, 3, 4, 5, 6, 7, 8 }
copy_into(same, same, 8) -- reads 1..8, appends 9..16 (growing from 8 to 16 on the way)
local s = 0
for i = 1, #same do s = s + same[i] end
print("aliased", total, #same, s)
assert(total == 11460 and #same == 16 and s == 36 + 72)
