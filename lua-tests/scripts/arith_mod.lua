-- Modulo: the result takes the sign of the divisor, for integers and floats.
local function row(a, b)
  local r = a % b
  print(a, b, r, math.type(r))
  return r
end
assert(row(7, 3) == 1)
assert(row(-7, 3) == 2)
assert(row(7, -3) == -2)
assert(row(-7, -3) == -1)
assert(row(6, -3) == 0)
assert(row(5.5, 2) == 1.5)
assert(row(-5.5, 2) == 0.5)
assert(row(5.5, -2) == -0.5)
assert(row(-5.5, -2) == -1.5)
assert(row(3, math.huge) == 3)
assert(row(-3, math.huge) == math.huge)
assert(row(3, -math.huge) == -math.huge)
assert(row(math.mininteger, -1) == 0)
assert(row(math.maxinteger, math.mininteger) == -1)
local nan = 1 % 0.0
print(nan ~= nan, math.huge % 2 ~= math.huge % 2)
assert(nan ~= nan)
-- modulo of -0.0 keeps a zero
print(-0.0 % 1, 0.0 % -1)
-- float modulo precision
print(string.format("%.17g", 0.3 % 0.1))
print(5.3 % 1 < 0.31, -5.3 % 1 > 0.69)
