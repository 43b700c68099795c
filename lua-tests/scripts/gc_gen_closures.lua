-- Generational mode: old closures, upvalues and coroutines that come to point to young
-- objects. Closed upvalues of old closures receive fresh tables; old coroutines keep fresh
-- values on their stacks across minor collections; debug.setupvalue and debug.upvaluejoin
-- write into old closures.
collectgarbage("generational")

local function churn(n)
  local t
  for i = 1, n do t = { i, { i } } end
  return t
end

-- a closed upvalue of an old closure
local function make()
  local box
  return function(v) box = v end, function() return box end
end
local set, get = make()
collectgarbage()
for i = 1, 150 do
  set({ i, { i * 2 } })
  if i % 25 == 0 then collectgarbage("step", 0) end
  churn(2)
end
collectgarbage("step", 0)
print("upvalue:", get()[1], get()[2][1])

-- fresh closures stored in an old table, capturing fresh tables
local funcs = {}
collectgarbage()
for i = 1, 100 do
  local data = { i }
  funcs[i] = function() return data[1] end
  churn(3)
end
collectgarbage("step", 0)
collectgarbage("step", 0)
local s = 0
for i = 1, 100 do s = s + funcs[i]() end
print("closures:", s)

-- an old coroutine whose stack receives fresh values between resumes
local co = coroutine.wrap(function()
  local acc = {}
  while true do
    local v = coroutine.yield(#acc)
    acc[#acc + 1] = v
    local tmp = { v }        -- a young local on the coroutine's stack
    coroutine.yield(tmp)
  end
end)
co()
collectgarbage()
local last, n
for i = 1, 60 do
  last = co({ i })           -- the coroutine's young `tmp`
  churn(5)
  collectgarbage("step", 0)
  n = co()
end
print("coroutine:", last[1][1], n)

-- gengc.lua's coroutine case: an upvalue of a suspended coroutine gets a new value
do
  local oldt = { 10 }
  collectgarbage()
  local c = coroutine.create(function()
    local x = nil
    local f = function() return x[1] end
    x = coroutine.yield(f)
    coroutine.yield()
  end)
  local _, f = coroutine.resume(c)
  collectgarbage("step", 0)
  oldt[1] = { "hello" }
  coroutine.resume(c, { 123 })
  c = nil
  collectgarbage("step", 0)
  print(f() == 123 and oldt[1][1] == "hello")
  collectgarbage("step", 0)
  print(f() == 123 and oldt[1][1] == "hello")
end

-- debug.setupvalue and debug.upvaluejoin on old closures
local function holder()
  local a, b = {}, {}
  return function() return a, b end
end
local h = holder()
local other = holder()
collectgarbage()
debug.setupvalue(h, 1, { "fresh a" })
debug.upvaluejoin(h, 2, function() return other end, 1)
churn(100)
collectgarbage("step", 0)
collectgarbage("step", 0)
local a, b = h()
print(a[1], b == other)

-- native closures: coroutine.wrap over a fresh function, string.gmatch iterators
local gens = {}
collectgarbage()
for i = 1, 50 do
  gens[i] = coroutine.wrap(function() local t = { i } while true do coroutine.yield(t[1]) end end)
  gens[i]()
end
local words = {}
collectgarbage()
for i = 1, 50 do words[i] = string.gmatch("w" .. i .. " x", "%a%d*") end
churn(100)
collectgarbage("step", 0)
local gs, ws = 0, {}
for i = 1, 50 do gs = gs + gens[i]() end
for i = 1, 50, 7 do ws[#ws + 1] = words[i]() end
print("native:", gs, table.concat(ws, " "))
