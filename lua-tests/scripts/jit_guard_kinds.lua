-- One hot loop per kind of trace guard, each made to fail mid-loop so the trace exits and the interpreter resumes exactly there: slot types, comparisons, integer-valued floats, array bounds, hash shape, loaded value types, present keys, metatable identity, callee prototypes, upvalue locations, loop ends, GC checks.  -- jit-traces>=12
local N = 400

-- stack slot type: an integer accumulator becomes a float (SLOAD / type of an operand)
local acc = 0
for i = 1, N do
  acc = acc + (i == 300 and 0.5 or 1)
end
print("slot type", acc, math.type(acc))
assert(acc == 399.5)

-- comparison: a branch taken 299 times, then the other way
local lo, hi = 0, 0
for i = 1, N do
  if i < 300 then lo = lo + 1 else hi = hi + 1 end
end
print("compare", lo, hi)
assert(lo == 299 and hi == 101)

-- integer-valued float used as a key: exact until it is not (NTOI)
local arr = {}
for i = 1, 10 do arr[i] = i * 10 end
local ksum = 0
for i = 1, N do
  local k = (i % 10) + 1.0
  if i == 350 then k = 2.5 end
  ksum = ksum + (arr[k] or 1000)
end
print("float key", ksum)

-- array bound: reads run past the array part (ULT on the bound)
local short = {}
for i = 1, 300 do short[i] = 1 end
local cnt = 0
for i = 1, N do
  if short[i] then cnt = cnt + 1 end
end
print("bound", cnt)
assert(cnt == 300)

-- hash shape: a new key rehashes the table whose field the loop reads (node count, HREFK)
local obj = { a = 1, b = 2 }
local s = 0
for i = 1, N do
  if i == 200 then obj.c = 3; obj.d = 4; obj.e = 5 end
  s = s + obj.b
end
print("shape", s)
assert(s == 2 * N)

-- loaded value type: a field changes from integer to string to float (VLOAD)
local rec = { v = 1 }
local vs = 0
for i = 1, N do
  if i == 150 then rec.v = "2" end
  if i == 250 then rec.v = 2.5 end
  vs = vs + rec.v
end
print("field type", vs)

-- present key: with a metatable, a store skips __newindex only while the key is present
local seen = 0
local m = setmetatable({ k = 0 }, { __newindex = function(t, k, v) seen = seen + 1; rawset(t, k, v) end })
for i = 1, N do
  if i == 300 then m.k = nil end
  m.k = i
end
print("present key", seen, m.k)
assert(seen == 1 and m.k == N)

-- metatable identity: the metatable (and its __index) is swapped mid-loop
local A = { __index = { val = 1 } }
local B = { __index = { val = 2 } }
local o = setmetatable({}, A)
local ms = 0
for i = 1, N do
  if i == 200 then setmetatable(o, B) end
  ms = ms + o.val
end
print("metatable", ms)
assert(ms == 199 + 2 * 201)

-- callee prototype: the function called changes (same closure slot, another prototype)
local function one() return 1 end
local function two() return 2 end
local f = one
local cs = 0
for i = 1, N do
  if i == 250 then f = two end
  cs = cs + f()
end
print("callee", cs)
assert(cs == 249 + 2 * 151)

-- upvalue location: a counter captured while open, then closed (UPINFRAME/UPOUTFRAME)
local getters = {}
local total = 0
for round = 1, 3 do
  local c = 0
  local function bump() c = c + 1 end
  for i = 1, N do bump() end
  getters[round] = function() return c end
  total = total + c
end
print("upvalues", total, getters[1](), getters[3]())
assert(total == 3 * N)

-- loop end inside a trace, and a loop entered from a trace (FORLOOP count, links)
local grid = 0
for y = 1, 30 do
  for x = 1, 20 + y % 3 do grid = grid + x * y end
end
print("nested", grid)

-- GC check: an allocating loop runs long enough for collections to be due (GCCHECK)
local keep = 0
for i = 1, 20000 do
  local t = { i, i + 1 }
  keep = keep + t[2] - t[1]
end
print("gc", keep)
assert(keep == 20000)
