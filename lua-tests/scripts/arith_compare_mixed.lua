-- Integer/float comparisons are exact, even where floats cannot represent the integer.
local big = 2^53
print(big == 2^53 + 1, math.tointeger(big) + 1 == big, math.tointeger(big) + 1 > big)
assert(2^53 + 1 == 2^53)              -- float arithmetic rounds
assert(9007199254740993 ~= 2^53)      -- the integer is exact
assert(9007199254740993 > 2^53)
assert(9007199254740992 == 2^53)
print(9007199254740993 < 2^53 + 2, 9007199254740993 <= 2^53)
local max, min = math.maxinteger, math.mininteger
print(max < 2^63, max == 2^63, max + 0.0 == 2^63, max <= 2^63)
assert(max < 2^63 and max ~= 2^63)
print(min == -2^63, min < -2^63, min <= -2^63)
assert(min == -2^63)
print(max > 1e308, min < -1e308, max < math.huge, min > -math.huge)
local nan = 0 / 0
print(1 < nan, 1 > nan, nan == nan, max < nan, nan <= min)
assert(not (1 < nan) and not (nan == nan))
-- integer vs float near the edges, in all operators
local pairs_ = {
  {max, 2^63}, {max - 1, 2^63 - 1024}, {min, -2^63}, {min + 1, -2^63},
  {1, 1.0}, {-1, -0.5}, {0, -0.0}, {3, 2.9999999999999996},
}
for i, p in ipairs(pairs_) do
  local a, b = p[1], p[2]
  print(i, a == b, a < b, a <= b, a > b, a >= b, b < a, b <= a)
end
-- equality of numbers used as table keys follows the same rule
local t = {}
t[2^53] = "float key"
print(t[9007199254740992], t[9007199254740993])
