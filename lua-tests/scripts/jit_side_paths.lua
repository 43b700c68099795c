-- Side traces on the paths issue 13 names: an outer loop around a call whose inner loop has its own trace (side traces record on through the outer loop and link back), branch bias that changes mid-run, side traces of side traces, side traces whose own guards fail, exits deep inside inlined calls, and objects that each have their own metatable.  -- jit-traces>=6 -- jit-side>=6

-- 1. heapsort: the outer loops call sift, whose while loop is traced on its own
local function heapsort(a, n)
  local function sift(start, stop)
    local root, v = start, a[start]
    while true do
      local child = 2 * root
      if child > stop then break end
      if child < stop and a[child] < a[child + 1] then child = child + 1 end
      if v >= a[child] then break end
      a[root] = a[child]
      root = child
    end
    a[root] = v
  end
  for start = n // 2, 1, -1 do sift(start, n) end
  for stop = n, 2, -1 do
    a[1], a[stop] = a[stop], a[1]
    sift(1, stop - 1)
  end
end
local seed = 7
local a = {}
for i = 1, 3000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  a[i] = seed % 1000
end
heapsort(a, #a)
local sorted, sum = true, 0
for i = 1, #a - 1 do
  if a[i] > a[i + 1] then sorted = false end
  sum = (sum * 7 + a[i]) % 1000003
end
print("heapsort", sorted, sum)

-- 2. the branch taken changes every 500 iterations, several times
local function phases(n)
  local x, y = 0, 0
  for i = 1, n do
    if (i // 500) % 2 == 0 then x = x + i % 7 else y = y + i % 11 end
    if (i // 1500) % 2 == 1 then x = x - 1 end
  end
  return x, y
end
print("phases", phases(6000))

-- 3. nested conditions: each exit of a side trace gets hot in turn (side of side)
local function classify(n)
  local c = {0, 0, 0, 0, 0}
  for i = 1, n do
    local k
    if i % 3 == 0 then
      if i % 5 == 0 then k = 1 elseif i % 7 == 0 then k = 2 else k = 3 end
    elseif i % 4 == 0 then
      k = 4
    else
      k = 5
    end
    c[k] = c[k] + 1
  end
  return table.concat(c, " ")
end
print("classify", classify(20000))

-- 4. the types change under a side trace: its own guards fail and the interpreter goes on
local function mixed(n)
  local vals = {}
  for i = 1, n do
    if i % 2 == 0 then vals[i] = i else vals[i] = i + 0.5 end
    if i > n // 2 and i % 3 == 0 then vals[i] = tostring(i) end
  end
  local acc, strs = 0, 0
  for i = 1, n do
    local v = vals[i]
    if math.type(v) == "integer" then
      acc = acc + v
    elseif type(v) == "number" then
      acc = acc + v * 2
    else
      strs = strs + #v
    end
  end
  return acc, strs
end
print("mixed", mixed(4000))

-- 5. exits deep inside inlined calls: the guard that fails is three calls down
local function leaf(x) if x % 97 == 0 then return -x end return x end
local function mid(x) return leaf(x) + leaf(x + 1) end
local function top(x) return mid(x) * 2 end
local function deep(n)
  local s = 0
  for i = 1, n do s = s + top(i) end
  return s
end
print("deep", deep(10000))

-- 6. objects that each have their own metatable {__index = Class}
local Point = {}
function Point.new(x, y) return setmetatable({x = x, y = y}, {__index = Point}) end
function Point:norm1() return math.abs(self.x) + math.abs(self.y) end
function Point:shift(d) self.x = self.x + d; return self end
local pts = {}
for i = 1, 300 do pts[i] = Point.new(i, -i) end
local total = 0
for round = 1, 20 do
  for i = 1, #pts do total = total + pts[i]:shift(round % 3 - 1):norm1() end
end
print("points", total)

-- 7. a queue whose integer keys live in the hash part: stores of nil over present keys
-- (a store to a present hash key writes its node; it is no insertion)
local function drain(n)
  local q, head, tail = {}, 1000, 999
  local out = 0
  for i = 1, n do
    tail = tail + 1
    q[tail] = i
    if i % 3 == 0 then
      local v = q[head]
      q[head] = nil
      head = head + 1
      out = out + v
    end
  end
  local left = 0
  for k, v in pairs(q) do left = left + v end
  return out, left, head, tail
end
print("queue", drain(5000))

-- 8. after a return out of the trace's frame, a local of the caller is written and read back
-- through a closure's upvalue (the open upvalue points below the trace's base)
local function inner(n)
  local s = 0
  for i = 1, n do s = s + i end
  return s
end
local function outer(rounds)
  local count = 0
  local function get() return count end
  local acc = 0
  for r = 1, rounds do
    count = count + inner(r % 5 + 3)
    acc = acc + get()
  end
  return acc, count
end
local function driver()
  local t = 0
  for _ = 1, 50 do local a, c = outer(40); t = t + a + c end
  return t
end
print("upvalue below", driver())

-- 9. stores of new keys and lengths of objects with their own metatables: most have none of
-- __newindex and __len, some have them (same class, other metatable shapes)
local C = {}
local logged = 0
local function newobj(i)
  local mt = {__index = C}
  if i % 7 == 0 then
    mt.__newindex = function(t, k, v) logged = logged + 1; rawset(t, k, v * 2) end
  end
  if i % 11 == 0 then mt.__len = function() return 100 end end
  return setmetatable({i}, mt)
end
local objs = {}
for i = 1, 200 do objs[i] = newobj(i) end
local lens = 0
for r = 1, 5 do
  for i = 1, #objs do
    local o = objs[i]
    o["k" .. (r % 3)] = r + i
    lens = lens + #o
  end
end
local vals = 0
for i = 1, #objs do vals = vals + (objs[i].k0 or 0) + objs[i].k1 + objs[i].k2 end
print("meta shapes", logged, lens, vals)

-- 10. returns into vararg callers (a main chunk's loop calling a function with loops; a
-- vararg driver called with different numbers of extra arguments)
local function work(n)
  local s = 0
  for i = 1, n do s = s + i % 7 end
  for i = 1, 3 do s = s + i end
  return s
end
local function vdrive(rounds, ...)
  local extra = select("#", ...)
  local t = 0
  for r = 1, rounds do t = t + work(r % 9 + 2) + extra end
  return t, ...
end
local vt = 0
for k = 1, 30 do
  if k % 3 == 0 then vt = vt + vdrive(50)
  elseif k % 3 == 1 then vt = vt + vdrive(50, 1, 2)
  else vt = vt + vdrive(50, "a", "b", "c", "d") end
end
local mt = 0
for r = 1, 400 do mt = mt + work(r % 5 + 1) end
print("vararg callers", vt, mt, select("#", vdrive(3, 1, 2, 3)))
