-- The deprecated math functions PUC's default build keeps (LUA_COMPAT_MATHLIB).
assert(math.atan2(1, 1) == math.atan(1, 1))
assert(math.pow(2, 10) == 1024.0 and math.type(math.pow(2, 10)) == "float")
assert(math.log10(1000) == 3.0)
assert(math.cosh(0) == 1.0 and math.sinh(0) == 0.0 and math.tanh(0) == 0.0)

local function show(...) print(string.format("%.17g %s", ...)) end

for _, x in ipairs({1, 0.5, -3, 1024, 1e300, 5e-324, 2.2250738585072014e-308, 0.1}) do
  local m, e = math.frexp(x)
  assert(math.type(e) == "integer")
  assert(math.ldexp(m, e) == x)
  show(m, e)
end
local m, e = math.frexp(0)
assert(m == 0 and e == 0)
assert(math.frexp(math.huge) == math.huge)

print(math.ldexp(1, 1023), math.ldexp(1, 1024), math.ldexp(1, -1074), math.ldexp(1, -1075))
print(math.ldexp(3, -1076), math.ldexp(0.75, 2), math.ldexp(1, 3.0))
assert(math.ldexp(2^-1074, 2098) == 2^1023 * 2)
assert(not pcall(math.ldexp, 1, 1.5))
print(math.pow(-8, 1/3) ~= math.pow(-8, 1/3), math.cosh(1), math.tanh(-1), math.atan2(-1, -1))
