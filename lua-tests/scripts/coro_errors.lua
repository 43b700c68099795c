-- Errors inside coroutines, resuming dead coroutines, yield outside a coroutine.
local co = coroutine.create(function(x)
  coroutine.yield(x)
  error("failure inside")
end)
print(coroutine.resume(co, "first"))
print(coroutine.resume(co))
print(coroutine.status(co))
print(coroutine.resume(co))
-- runtime errors carry position information
local co2 = coroutine.create(function() local t; t.x = 1 end)
print(coroutine.resume(co2))
-- non-string error values
local co3 = coroutine.create(function() error({ code = 42 }) end)
local ok, e = coroutine.resume(co3)
print(ok, type(e), e.code)
local co4 = coroutine.create(function() error() end)
print(coroutine.resume(co4))
-- yield outside a coroutine
print(pcall(coroutine.yield, 1))
-- wrap: resuming dead coroutine through wrap raises an error
local w = coroutine.wrap(function() return 1 end)
w()
print(pcall(w))
-- error after several yields, then the caller continues
local gen = coroutine.wrap(function()
  coroutine.yield(1)
  coroutine.yield(2)
  error("exhausted", 0)
end)
local got = {}
while true do
  local ok2, v = pcall(gen)
  if not ok2 then got[#got + 1] = "error: " .. v; break end
  got[#got + 1] = v
end
print(table.concat(got, ", "))
-- errors with levels inside coroutines
local co5 = coroutine.create(function()
  local function check(v) if not v then error("check failed", 2) end end
  check(false)
end)
print(coroutine.resume(co5))
