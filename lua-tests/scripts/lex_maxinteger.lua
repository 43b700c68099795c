-- math.maxinteger / mininteger edges and how literals near them are read.
local max, min = math.maxinteger, math.mininteger
print(max, min, math.type(max), math.type(min))
assert(max == 0x7fffffffffffffff and min == -max - 1)
print(max + 1 == min, min - 1 == max, -min == min, max * 2)
assert(max + 1 == min)
assert(min - 1 == max)
assert(-min == min)
-- the float view rounds to 2^63
print(max + 0.0 == 2^63, max + 0.0, min + 0.0 == -2^63)
assert(max + 0.0 == 2^63)
-- math.abs(mininteger) wraps
print(math.abs(min) == min)
-- integer division and modulo at the edges
print(min // -1, min % -1, max // 1, max % 2)
assert(min // -1 == min)
assert(min % -1 == 0)
-- tostring round trips
assert(math.tointeger(tostring(max)) == max)
print(tonumber("9223372036854775807"), tonumber("9223372036854775808"), tonumber("-9223372036854775808"))
print(math.type(tonumber("-9223372036854775808")))
print(string.format("%d %d", max, min))
print(max // -1, (max + 1) // -1)
print(math.ult(1, -1), math.ult(max, min), math.ult(min, max))
