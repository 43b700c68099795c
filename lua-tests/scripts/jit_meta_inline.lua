-- Metamethods inlined into traces: __index and __newindex functions, arithmetic metamethods that tail-call constructors, guards failing inside a metamethod (the exit rebuilds its frame and finishes the instruction), errors and yields raised inside them.  -- jit-traces>=6

-- __index function with a type change inside it at iteration 300
local calls = 0
local defaults = setmetatable({}, { __index = function(t, k)
  calls = calls + 1
  if calls == 300 then return k * 0.5 end
  return k * 2
end })
local s = 0
for i = 1, 600 do s = s + defaults[i % 7] end
print("index fn", s, calls)

-- __newindex function counting writes, then a key that exists
local log = {}
local proxy = setmetatable({}, { __newindex = function(t, k, v) log[#log + 1] = k; rawset(t, "seen", v) end })
for i = 1, 400 do
  proxy[i % 5] = i
  if i == 250 then rawset(proxy, 3, "own") end
end
print("newindex fn", #log, proxy.seen, proxy[3])

-- arithmetic metamethods that build new objects through a tail-called constructor
local V = {}
V.__index = V
function V.new(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function(a, b) return V.new(a.x + b.x, a.y + b.y) end
V.__mul = function(a, k) return V.new(a.x * k, a.y * k) end
V.__unm = function(a) return V.new(-a.x, -a.y) end
local acc, one = V.new(0, 0), V.new(1, 2)
for i = 1, 500 do
  acc = acc + one * 2
  if i == 333 then acc = -acc end
end
print("vectors", acc.x, acc.y, getmetatable(acc) == V)
assert(acc.x == -332 and acc.y == -664 and getmetatable(acc) == V)

-- a guard failing inside the metamethod: the field type changes under it
local cell = { v = 1 }
local wrap = setmetatable({}, { __index = function(_, k) return cell[k] end })
local t = 0
for i = 1, 500 do
  if i == 200 then cell.v = 1.5 end
  if i == 400 then cell.v = 2 end
  t = t + wrap.v
end
print("inside", t)

-- an error raised inside an inlined metamethod, caught outside the loop
local bad = setmetatable({}, { __index = function(_, k)
  if k == 450 then error("no key " .. k) end
  return k
end })
local ok, err = pcall(function()
  local u = 0
  for i = 1, 500 do u = u + bad[i] end
  return u
end)
print("error", ok, err)

-- a yield from inside an __index function called by a hot loop in a coroutine
local co = coroutine.wrap(function()
  local lazy = setmetatable({}, { __index = function(_, k)
    if k % 100 == 0 then coroutine.yield(k) end
    return 1
  end })
  local n = 0
  for i = 1, 450 do n = n + lazy[i] end
  return "done " .. n
end)
local got = {}
for _ = 1, 6 do
  local r = co()
  got[#got + 1] = tostring(r)
  if type(r) == "string" then break end
end
print("yield", table.concat(got, " "))
