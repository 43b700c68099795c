-- Shapes PUC generates with swapped/negated operands (compared in PUC-shapes mode).
local a, b = ...
print(a - 1, 1 + a, 2 * a, 2.5 * a, 1.5 + a, a << 2, 2 << a, a - 200, 300 + a, a - -127, a - 128)
print(1 & a, 0xff | a, 7 ~ a, 1.0 & a, a + 1.0, a - 1.5, 2^a, 1 // a, 3 % a, 1 / a)
for i = 1, 10 do a = a - 1; b = 1 + b end
