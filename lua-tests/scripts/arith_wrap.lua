-- Integer arithmetic wraps around modulo 2^64; float arithmetic does not.
local max, min = math.maxinteger, math.mininteger
print(max + 1, min - 1, max * 3, min * -1, -min)
assert(max + 1 == min)
assert(max * 3 == max - 2 + max * 2 + 2)
assert(min * -1 == min)
print(max + 1.0, min - 1.0)
assert(math.type(max + 1.0) == "float")
-- multiplication wraps bit-exactly
local x = 0x123456789
print(x * x, (x * x) & 0xffffffff)
assert(x * x == 0x14b66dc326fb98751 - 0x10000000000000000)
-- large loops of additions wrap consistently
local acc = 0
for i = 1, 1000 do acc = acc + max end
print(acc)
assert(acc == max * 1000)
-- unary minus on mininteger
print(-min == min, - -min)
-- exponentiation always produces floats
print(2 ^ 2, 2 ^ 63, 2 ^ -1, (-2) ^ 2, -2 ^ 2)
assert(math.type(2 ^ 2) == "float")
assert(-2 ^ 2 == -4)
-- shifts never wrap into sign-extension surprises
print(1 << 63, 1 << 64, -1 >> 1, -1 >> 63, -1 << 70)
assert(1 << 63 == min and 1 << 64 == 0)
assert(-1 >> 1 == max)
