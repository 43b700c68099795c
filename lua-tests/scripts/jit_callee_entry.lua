-- A call-out's callee is a control point at its first instruction: the code before a metamethod's loop runs as a trace of its own, linked to the loop's trace. Its guards fail on later calls (other operand types), it raises errors (caught inside and outside the hot loop), it yields from a coroutine, and it allocates.  -- jit-traces>=5 -- jit-callouts>=200 -- jit-nested>=200
local V = {}
V.__index = V
local function new(n, tag) return setmetatable({ n = n, tag = tag }, V) end

local function spin(n) local s = 0 for i = 1, n do s = s + i % 5 end return s end
local function spin_expect(n) local s = 0 local i = 1 while i <= n do s = s + i % 5 i = i + 1 end return s end

V.__add = function(a, b)
  local r = new(a.n, "sum")        -- the prologue: a call, an allocation, table stores
  if type(b) == "number" then      -- a branch the first calls do not take
    r.n = r.n + b
  else
    r.n = r.n + b.n
  end
  if a.tag == "boom" then error("prologue error " .. a.n) end
  if a.tag == "yield" then coroutine.yield(a.n) end
  local s = 0
  for i = 1, 20 do s = s + i end   -- the loop that makes the metamethod a call-out
  r.n = r.n + s
  return r
end

-- plain: the same answers as computed without metamethods
local acc = 0
for k = 1, 300 do
  local v = new(k) + new(2 * k)
  acc = acc + v.n
end
local want = 0
for k = 1, 300 do want = want + 3 * k + 210 end
print("plain", acc)
assert(acc == want)

-- the prologue's branch flips (numbers as the right operand after many tables)
local mixed = 0
for k = 1, 300 do
  local b = (k > 150) and k or new(k)
  mixed = mixed + (new(k) + b).n
end
print("mixed", mixed)
local mw = 0
for k = 1, 300 do mw = mw + 2 * k + 210 end -- (k + k + 210 either way)
assert(mixed == mw)

-- errors from the prologue: caught inside the hot loop, and outside it
local caught = 0
for k = 1, 200 do
  local a = new(k, (k % 10 == 0) and "boom" or nil)
  local ok, v = pcall(function() return a + new(1) end)
  if ok then caught = caught + v.n else
    assert(v:find("prologue error " .. k, 1, true), v)
    caught = caught + 1000
  end
end
print("errors", caught)
local ew = 0
for k = 1, 200 do ew = ew + ((k % 10 == 0) and 1000 or (k + 1 + 210)) end
assert(caught == ew)
local ok, msg = pcall(function()
  local s = 0
  for k = 1, 200 do s = s + (new(k, k == 180 and "boom" or nil) + new(0)).n end
  return s
end)
print("outside", ok, msg)
assert(not ok and msg:find("prologue error 180", 1, true))

-- a yield from the prologue of a callee called out by a trace in a coroutine
local co = coroutine.wrap(function()
  local s = 0
  for k = 1, 200 do
    s = s + (new(k, (k % 50 == 0) and "yield" or nil) + new(1)).n
  end
  return "done", s
end)
local yields = {}
while true do
  local a, b = co()
  if a == "done" then
    print("coroutine", #yields, b)
    assert(#yields == 4 and b == 200 * 201 // 2 + 200 + 200 * 210)
    break
  end
  yields[#yields + 1] = a
end
assert(spin(10) == spin_expect(10))
