-- Division by zero: integers raise errors for // and %, floats give inf/nan.
local function try(f, ...)
  local ok, msg = pcall(f, ...)
  print(ok, msg)
  return msg
end
local m1 = try(function(a, b) return a // b end, 1, 0)
-- (5.4 says "divide by zero" for //; 5.3 said 'n//0')
assert(m1:find("attempt to divide by zero", 1, true))
local m2 = try(function(a, b) return a % b end, 1, 0)
assert(m2:find("attempt to perform 'n%0'", 1, true))
try(function(a) return a // 0 end, 5)
try(function(a) return a % 0 end, 5)
-- float operands never error
print(1 / 0, -1 / 0, 1 // 0.0, -1 // 0.0, 1.0 % 0 ~= 1.0 % 0)
print(0 / 0 ~= 0 / 0, 1 / 0 == math.huge, -1 / 0 == -math.huge)
assert(1 / 0 == math.huge)
print(1 % math.huge, 1.0 // 0 == math.huge)
-- integer division by zero inside a table constructor and an expression
try(function() local z = 0; return { 1 // z } end)
try(function() local t = { n = 0 }; return 10 % t.n end)
-- mininteger // -1 and % -1 are fine
print(math.mininteger // -1, math.mininteger % -1)
-- string operands are converted first
try(function() return "4" // "0" end)
print("4" // "0.0", "4" / "0")
