-- Side traces through tail calls out of the frame their trace runs in (the callee takes the frame over, as in the interpreter): method chains ending in `return obj:method()`, tail calls of natives, tail calls after which a guard fails, tail calls from frames with captured locals, and equality of objects that each have their own metatable.  -- jit-traces>=4 -- jit-side>=4

-- 1. a scheduler: each task's run ends in a tail call to the scheduler, which returns the
-- next task to the dispatch loop (richards' shape)
local Sched = {}
Sched.__index = Sched
local Task = {}
Task.__index = Task
function Sched:next(t) self.steps = self.steps + 1; return t.link end
function Task:work(n)
  local s = self.sched
  local acc = 0
  for i = 1, n do acc = acc + (i * self.id) % 7 end
  self.total = self.total + acc
  if acc % 2 == 0 then return s:next(self) end
  return self.sched:next(self)
end
function Task:run() return self:work(self.id % 5 + 3) end
local s = setmetatable({steps = 0}, Sched)
local first, prev
for id = 1, 12 do
  local t = setmetatable({id = id, total = 0, sched = s}, Task)
  if prev then prev.link = t else first = t end
  prev = t
end
local function dispatch(rounds)
  for _ = 1, rounds do
    local t = first
    while t do t = t:run() end
  end
end
dispatch(300)
local sum = 0
local t = first
while t do sum = sum + t.total; t = t.link end
print("sched", s.steps, sum)

-- 2. tail calls of natives: results returned out of the frame
local Obj = {}
local function make(i) return setmetatable({v = i}, {__index = Obj}) end
local function label(i) return tostring(i * 3) end
local function pick(t, i) return rawget(t, i % 4 + 1) end
local n, len, picks = 0, 0, 0
local arr = {10, 20, 30, 40}
for i = 1, 2000 do
  local o = make(i)
  n = n + o.v
  len = len + #label(i)
  picks = picks + pick(arr, i)
end
print("natives", n, len, picks)

-- 3. a guard fails after the tail call: the callee's types change late in the run
local function sq(x) return x * x end
local function via(x) return sq(x) end
local acc = 0
for i = 1, 3000 do
  local x = i
  if i > 2000 then x = i + 0.5 end
  acc = acc + via(x)
end
print("late", acc)

-- 4. tail calls from frames whose locals are captured: the interpreter closes them
local keep = {}
local function capture(i)
  local v = i * 2
  if i % 50 == 0 then keep[#keep + 1] = function() return v end end
  return sq(v)
end
local tot = 0
for i = 1, 2000 do tot = tot + capture(i) end
local ks = 0
for _, f in ipairs(keep) do ks = ks + f() end
print("captured", tot, #keep, ks)

-- 5. equality of objects with their own metatables (no __eq: identity decides)
local P = {}
local function point(x) return setmetatable({x = x}, {__index = P}) end
local pts = {}
for i = 1, 50 do pts[i] = point(i) end
local same, diff = 0, 0
for r = 1, 40 do
  for i = 1, #pts do
    local a, b = pts[i], pts[(i * r) % #pts + 1]
    if a == b then same = same + 1 else diff = diff + 1 end
  end
end
print("eq", same, diff)
