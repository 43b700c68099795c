-- Nested traces through metamethod call-outs (the meta_framegap shape): hot loops whose metamethods run loops of their own on some calls, for every event; the outer trace's own guards fail later; three levels; errors and yields inside; jit.flush and collectgarbage inside; recursion through metamethods to a stack overflow.  -- jit-traces>=10 -- jit-callouts>=100 -- jit-nested>=10 -- jit-depth>=3

local function spin(n) -- a loop of its own in every metamethod that calls it
  local s = 0
  for i = 1, n do s = s + i % 7 end
  return s
end

local M = {}
local function box(v) return setmetatable({ v = v }, M) end
local function val(x) return type(x) == "table" and x.v or x end
M.__add = function(a, b) local r = val(a) + val(b) if r % 3 == 0 then r = r + spin(20) * 0 end return box(r) end
M.__sub = function(a, b) for i = 1, 3 do a = val(a) end return box(val(a) - val(b)) end
M.__mul = function(a, b) return box(val(a) * val(b) + spin(val(b) % 5) * 0) end
M.__band = function(a, b) local r = 0 for i = 1, 8 do r = r + (val(a) & val(b) & (1 << i)) end return r end
M.__unm = function(a) local r = 0 for i = 1, 4 do r = r - val(a) end return box(r / 4) end
M.__len = function(a) local n = 0 while n < val(a) % 9 do n = n + 1 end return n end
M.__concat = function(a, b) local s = "" for i = 1, 2 do s = s .. "" end return tostring(val(a)) .. s .. tostring(val(b)) end
M.__lt = function(a, b) local c = 0 for i = 1, 2 do c = c + 1 end return val(a) < val(b) end
M.__le = function(a, b) local c = 0 for i = 1, 2 do c = c + 1 end return val(a) <= val(b) end
M.__eq = function(a, b) local c = 0 for i = 1, 2 do c = c + 1 end return val(a) % 5 == val(b) % 5 end
M.__index = function(t, k) local s = 0 for i = 1, 3 do s = s + i end return k * 2 + s end
M.__newindex = function(t, k, v) for i = 1, 2 do end rawset(t, k, v + 1) end
M.__call = function(self, x) local s = 0 for i = 1, x % 4 do s = s + i end return s end

-- every event from one hot loop; at iteration 250 a number turns into a float, so the outer
-- trace's own guards fail after its call-outs have returned
local function events(n)
  local acc, s = 0, ""
  local a, b = box(3), box(5)
  local step = 1
  for k = 1, n do
    if k == 250 then step = 0.5 end
    local c = a + k
    local d = c - b
    local e = d * box(2)
    acc = acc + val(e) + (a & box(k)) + val(-e) + #box(k) + step
    if a < box(k) then acc = acc + 1 end
    if box(k) <= b then acc = acc + 2 end
    if box(k) == box(k + 5) then acc = acc + 3 end
    local t = box(k)
    acc = acc + t[k % 10 + 1]
    t[k] = k
    acc = acc + rawget(t, k) + t(k)
    if k % 50 == 0 then s = s .. (box(k) .. "|") end
  end
  return acc, s
end
for round = 1, 3 do print(events(400)) end

-- three levels: a metamethod's loop calls a metamethod whose loop calls another
local L3 = {}
L3.__index = function(t, k) local s = 0 for i = 1, 4 do s = s + i * k end return s end
local L2 = {}
L2.__index = function(t, k) local inner = setmetatable({}, L3) local s = 0 for i = 1, 3 do s = s + inner[k + i] end return s end
local L1 = {}
L1.__add = function(a, b) local mid = setmetatable({}, L2) local s = 0 for i = 1, 3 do s = s + mid[i] end return s + b end
local deep = setmetatable({}, L1)
local dsum = 0
for k = 1, 300 do dsum = dsum + (deep + k) end
print(dsum)

-- an inner trace that errors: caught inside the metamethod, and caught outside the loop
local E = {}
E.__index = function(t, k)
  local ok, msg = pcall(function()
    for i = 1, 10 do if i == k % 11 then error("inner " .. i) end end
    return "none"
  end)
  return ok and msg or msg:match("inner %d+")
end
local ebox = setmetatable({}, E)
local seen = {}
for k = 1, 300 do local m = ebox[k] seen[m] = (seen[m] or 0) + 1 end
print(seen.none, seen["inner 1"], seen["inner 10"])
local F = {}
F.__index = function(t, k) for i = 1, 10 do if k == 277 and i == 5 then error("boom at " .. k) end end return k end
local fbox = setmetatable({}, F)
local function outer()
  local s = 0
  for k = 1, 400 do s = s + fbox[k] end
  return s
end
print(pcall(outer))

-- an inner trace that yields: the loop runs in a coroutine, the metamethod's loop yields
local Y = {}
Y.__add = function(a, b) local s = 0 for i = 1, 3 do s = s + i if i == 2 and b % 10 == 0 then coroutine.yield(b) end end return s + b end
local ybox = setmetatable({}, Y)
local co = coroutine.wrap(function()
  local s = 0
  for k = 1, 300 do s = s + (ybox + k) end
  return "done " .. s
end)
local yields, r = 0, co()
while type(r) == "number" do yields = yields + 1 r = co() end
print(yields, r)

-- jit.flush() and collectgarbage() from inside a metamethod while the outer trace runs
local flush = jit and jit.flush or function() end
local G = {}
G.__index = function(t, k)
  for i = 1, 2 do end
  if k % 97 == 0 then flush() end
  if k % 61 == 0 then collectgarbage() end
  return tostring(k)
end
local gbox = setmetatable({}, G)
local glen = 0
for k = 1, 400 do glen = glen + #gbox[k] end
print(glen)

-- recursion through metamethods to a stack overflow, caught
local R = {}
R.__index = function(t, k) for i = 1, 1 do end return t[k + 1] end
local rbox = setmetatable({}, R)
local ok, msg = pcall(function() local s = 0 for k = 1, 300 do s = s + rbox[k] end return s end)
print(ok, (msg:match("stack overflow")))
