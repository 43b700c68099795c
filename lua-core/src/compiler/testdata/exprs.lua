local a, b, c
local x = a and 1 or 2
local y = a or b or c
local z = (a and b) or (not c)
local w = not not a
local v = a == nil, nil == a, a ~= "s", "s" == a, 1 == a, a == 1.0, a == 1.5, a == 300, a ~= -127, a == -128
local u = a < 1, 1 < a, a <= 2.0, 2.0 >= a, a > b, a >= b, a < 1000, 1000 < a, "x" < a
if not a then c = 1 end
if a == b then c = 2 end
if a and b then c = 3 end
if a or b then c = 4 end
if nil then c = 5 end
if true then c = 6 end
if 1 then c = 7 else c = 8 end
local r = a and b == c
local s = (a or b) and c
local t = { a and b, x = a or b, [a == b] = not a }
c = a .. (b or c) .. "x"
local q = a + (b and c or 1)
local m = -a + #b * ~c
print(a + b, a * 2, a / 2, a // 2, a % 3, a ^ 2, a / 2.0, a & 1, a | 0xff, a ~ 7, a >> 3, 1 << a)
print(a + 1, a + 1.5, a + 300, a * 1.0, a & 1.0, a >> b, a << b)
print(2^53, 1 // 0, 1 % 0, 3 // 2, 7.5 // 2, -(-3), - 0, - 0.0, ~5, 1 << 62, 1 >> 1, "a" .. "b", 10 / 2, 0/0)
print(a & 1.5, 3 | 2.0, 1 / 0.0, -9223372036854775807 - 1, 9223372036854775807 + 1, 5 % -3, -5 // 2, 2^-1)
print(1e308 * 10, -(1e308 * 10), 100000 * 100000, 70000 + 0, 65536.0, -65535.0, 1e100)
return a and b, not a
