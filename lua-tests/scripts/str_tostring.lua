-- tostring of every basic type (addresses are masked), and __tostring / __name.
print(tostring(nil), tostring(true), tostring(false), tostring(12), tostring(-1.25))
local function kind(v)
  local s = tostring(v)
  return (s:gsub("0x%x+", "ADDR"):gsub(": [%x]+$", ": ADDR"))
end
print(kind({}), kind(print), kind(function() end), kind(coroutine.create(print)))
assert(kind({}) == "table: ADDR")
assert(kind(print) == "function: ADDR")
local t = setmetatable({}, { __tostring = function() return "custom!" end })
print(tostring(t), t)
local named = setmetatable({}, { __name = "MyType" })
print(kind(named))
assert(kind(named) == "MyType: ADDR")
-- __tostring must return a string
local bad = setmetatable({}, { __tostring = function() return 42 end })
print(pcall(tostring, bad))  -- a number is acceptable (it is convertible)
local worse = setmetatable({}, { __tostring = function() return {} end })
print(pcall(tostring, worse))
-- print calls tostring on each argument, separated by tabs
print(1, nil, "x", false)
print()
print(pcall(tostring))
-- tostring keeps strings as they are
local s = "abc"
assert(tostring(s) == s)
-- integers vs floats
print(tostring(10 // 1), tostring(10 / 1), tostring(-0.0), tostring(1e300 * 10))
