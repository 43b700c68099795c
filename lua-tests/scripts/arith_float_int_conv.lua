-- Conversions between floats and integers.
print(3.0 == 3, 3 == 3.0000000000000001, math.type(3.0), math.type(3))
assert(3.0 == 3)
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63), math.tointeger(-2^63))
assert(math.tointeger(3.0) == 3 and math.type(math.tointeger(3.0)) == "integer")
assert(math.tointeger(3.5) == nil)
assert(math.tointeger(2^63) == nil)
assert(math.tointeger(-2^63) == math.mininteger)
print(1e100 // 1, math.type(1e100 // 1), 7 // 1.0)
print(math.floor(3.7), math.ceil(3.2), math.floor(-3.7), math.ceil(-3.2))
assert(math.type(math.floor(3.7)) == "integer")
print(math.floor(1e100) == 1e100, math.type(math.floor(1e100)))
print(math.floor(-0.0), math.ceil(-0.5))
-- float keys that are integral become integer keys
local t = {}
t[2.0] = "two"
print(t[2], next(t), math.type((next(t))))
-- integer arguments where floats with exact integer values are accepted
print(string.rep("ab", 2.0), ("xyz"):sub(2.0, 3.0))
local ok, err = pcall(string.rep, "ab", 2.5)
print(ok, err)
-- string.format %d needs an integer representation
print(string.format("%d", 3.0))
print(pcall(string.format, "%d", 3.1))
-- mixed arithmetic produces floats
print(1 + 2.0, 3 - 1.0, 2 * 0.5, 6 / 2, 7 // 2, 7.0 // 2)
print(math.type(6 / 2), math.type(1 + 1))
-- math.fmod / modf keep their types
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7.5, 2), math.modf(3.7))
print(math.modf(-3.7))
print(math.max(1, 2.5), math.min(3, 1.0), math.type(math.max(1, 2)))
