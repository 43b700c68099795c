-- pcall/xpcall: return values, handlers, nesting.
print(pcall(function(...) return ... end, 1, 2, 3))
print(pcall(function() end))
print(pcall(pcall, error, "x"))
print(select("#", pcall(error)))
-- xpcall passes extra arguments and uses the handler's result
print(xpcall(function(a, b) return a + b end, print, 2, 3))
print(xpcall(function() error("raw message", 0) end, function(m) return "handled: " .. m end))
print(xpcall(function() error({ 1, 2 }) end, function(m) return type(m), #m end))
-- the handler receives the original error object
local got
xpcall(function() error({ id = 7 }) end, function(m) got = m.id end)
print(got)
-- handler sees runtime error messages with positions
print(xpcall(function() local x; return x + 1 end, function(m) return "H(" .. m .. ")" end))
-- nested pcall: inner error does not escape
print(pcall(function()
  local ok, e = pcall(error, "inner", 0)
  return "outer ok", ok, e
end))
-- error inside the handler
print(xpcall(function() error("first", 0) end, function(m) error("second", 0) end))
-- pcall with a non-callable
print(pcall(42))
print(pcall(pcall))
print(pcall(xpcall))
print(pcall(xpcall, print))
-- deeply nested pcalls
local function nest(n)
  if n == 0 then error("bottom", 0) end
  local ok, e = pcall(nest, n - 1)
  return e .. "<" .. n
end
print(nest(5))
-- error in a __index metamethod propagates through pcall
local t = setmetatable({}, { __index = function(_, k) error("no field " .. k) end })
print(pcall(function() return t.missing end))
-- errors in __add, __eq, __tostring
print(pcall(function() return setmetatable({}, { __add = function() error("add failed", 0) end }) + 1 end))
print(pcall(tostring, setmetatable({}, { __tostring = function() error("tostring failed", 0) end })))
