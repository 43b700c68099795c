-- Yields inside metamethods and inside for-in iterators.
local log = {}
local mt = {
  __index = function(t, k) local v = coroutine.yield("index " .. k); return v end,
  __add = function(a, b) return coroutine.yield("add") end,
  __lt = function(a, b) return coroutine.yield("lt") end,
  __le = function(a, b) return coroutine.yield("le") end,
  __eq = function(a, b) return coroutine.yield("eq") end,
  __concat = function(a, b) return coroutine.yield("concat") end,
  __len = function(a) return coroutine.yield("len") end,
  __newindex = function(t, k, v) coroutine.yield("newindex " .. k); rawset(t, k, v) end,
  __call = function(self, x) return coroutine.yield("call " .. x) end,
}
local a = setmetatable({}, mt)
local b = setmetatable({}, mt)
local co = coroutine.wrap(function()
  log[#log + 1] = "field=" .. tostring(a.foo)
  log[#log + 1] = "sum=" .. tostring(a + 1)
  log[#log + 1] = "lt=" .. tostring(a < b)
  log[#log + 1] = "le=" .. tostring(a <= b)
  log[#log + 1] = "eq=" .. tostring(a == b)
  log[#log + 1] = "cat=" .. tostring(a .. "s")
  log[#log + 1] = "len=" .. tostring(#a)
  a.newkey = "v"
  log[#log + 1] = "new=" .. tostring(rawget(a, "newkey"))
  log[#log + 1] = "call=" .. tostring(a("x"))
  return "finished"
end)
print(co())
print(co("FOO"))
print(co(42))
print(co(true))
print(co(false))
print(co(nil))   -- __eq result false
print(co("CAT"))
print(co(7))
print(co())
print(co("called"))
print(table.concat(log, " "))
-- yields inside a generic-for iterator
local function yielding_iter(n)
  local i = 0
  return function()
    i = i + 1
    coroutine.yield("iter " .. i)
    if i <= n then return i end
  end
end
local co2 = coroutine.wrap(function()
  local s = 0
  for v in yielding_iter(3) do s = s + v end
  return "sum " .. s
end)
for _ = 1, 5 do print(co2()) end
