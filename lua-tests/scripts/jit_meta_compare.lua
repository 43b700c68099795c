-- Comparison and length metamethods inlined into traces: __eq, __lt, __le (also against immediates, with the operands flipped for > and >=), __len; their results change truth mid-loop, metatables are swapped, a repeat loop closes on a metamethod comparison, and errors and yields happen inside them.  -- jit-traces>=8

local P = {}
P.__index = P
P.__eq = function(a, b) return a.v == b.v end
P.__lt = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  return x < y
end
P.__le = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  return x <= y
end
P.__len = function(a) return a.v * 10 end
local function p(v) return setmetatable({ v = v }, P) end

-- __eq whose result flips as the loop runs
local eq, ne = 0, 0
local ref = p(5)
for i = 1, 300 do
  local q = p(i % 10)
  if q == ref then eq = eq + 1 else ne = ne + 1 end
  if q ~= ref then ne = ne + 1000 end
end
print("eq", eq, ne)

-- the same table never calls __eq; a table without __eq in its metatable compares unequal
local same, calls = 0, 0
local Q = { __eq = function() calls = calls + 1; return true end }
local a1, a2 = setmetatable({}, Q), setmetatable({}, Q)
for i = 1, 200 do
  local b = (i % 3 == 0) and a1 or a2
  if a1 == b then same = same + 1 end
end
print("same", same, calls)

-- __lt and __le, table against table and against immediates (GTI/GEI flip the operands)
local lt, le, gt, ge, imm = 0, 0, 0, 0, 0
for i = 1, 400 do
  local x, y = p(i % 7), p(i % 5)
  if x < y then lt = lt + 1 end
  if x <= y then le = le + 1 end
  if x > y then gt = gt + 1 end
  if x >= y then ge = ge + 1 end
  if x < 3 then imm = imm + 1 end
  if x <= 3 then imm = imm + 10 end
  if x > 3 then imm = imm + 100 end
  if x >= 3 then imm = imm + 1000 end
  if 2 < x then imm = imm + 10000 end
end
print("order", lt, le, gt, ge, imm)

-- __len, and the metatable swapped for one without __len at iteration 250
local total = 0
local t = p(3)
for i = 1, 400 do
  if i == 250 then setmetatable(t, { __index = P }) ; t[1] = 1 ; t[2] = 2 end
  total = total + #t
end
print("len", total)

-- a repeat loop closed by a metamethod comparison (its backward jump)
local c = p(0)
local one = p(1)
local steps = 0
repeat
  c = p(c.v + 1)
  steps = steps + 1
until c >= p(500) or c == one and steps > 1000
print("repeat", steps, c.v)

-- a while loop whose condition is a metamethod comparison
local w = p(0)
local lim = p(300)
local n = 0
while w < lim do
  w = p(w.v + 1)
  n = n + 1
end
print("while", n, w.v)

-- __lt whose result is not a boolean (truthiness), then returns nothing
local R = { __lt = function(a, b)
  if a.k > 350 then return end
  return a.k % 4 == 0 and "yes" or nil
end }
local cnt = 0
for i = 1, 400 do
  if setmetatable({ k = i }, R) < setmetatable({}, R) then cnt = cnt + 1 end
end
print("truthy", cnt)

-- an error raised inside __lt at iteration 300 (message and traceback as the interpreter's)
local E = { __lt = function(a, b)
  if a.n == 300 then error("boom at " .. a.n) end
  return a.n < b.n
end }
local ok, err = pcall(function()
  local s = 0
  local big = setmetatable({ n = 1000 }, E)
  for i = 1, 400 do
    if setmetatable({ n = i }, E) < big then s = s + 1 end
  end
  return s
end)
print("error", ok, err)

-- comparing tables with no __lt: the interpreter's error
local ok2, err2 = pcall(function()
  local s = 0
  for i = 1, 200 do
    local x = i < 150 and p(i) or {}
    if x < p(100) then s = s + 1 end
  end
  return s
end)
print("no __lt", ok2, err2)

-- a yield inside __le, from a coroutine running the loop
local Y = { __le = function(a, b)
  if a.n % 50 == 0 then coroutine.yield(a.n) end
  return a.n <= b.n
end }
local co = coroutine.wrap(function()
  local s = 0
  local mid = setmetatable({ n = 120 }, Y)
  for i = 1, 250 do
    if setmetatable({ n = i }, Y) <= mid then s = s + 1 end
  end
  return "done " .. s
end)
local ys = {}
for _ = 1, 10 do
  local r = co()
  ys[#ys + 1] = tostring(r)
  if type(r) == "string" then break end
end
print("yield", table.concat(ys, " "))
