-- How floats print: %.14g, with ".0" added to integral values.
print(1e15, 1e16, 0.1, 1/3, 100.0, -0.0, 2^63, 1e100, 123456789012345.0)
print(1/0, -1/0, 0/0 ~= 0/0)
print(2^53, 2^24, 1e-5, 1e-300 * 1e-300, 5e-324, 1.7976931348623157e308)
print(3.14159265358979, -1.5, 12.0, 0.5, 255 / 5, 1e14, 1e15 + 0.5)
print(tostring(1e15), tostring(-1e16), tostring(2^-10))
assert(tostring(1e15) == "1e+15")
assert(tostring(100.0) == "100.0")
assert(tostring(-0.0) == "-0.0")
assert(tostring(1/0) == "inf" and tostring(-1/0) == "-inf")
assert(tostring(2^63) == "9.2233720368548e+18")
assert(tostring(0.1) == "0.1")
assert(tostring(1/3) == "0.33333333333333")
-- integers print without a decimal point
print(1, -1, 0, math.maxinteger, 2^31 | 0)
-- string.format with explicit precision shows more digits
print(string.format("%.17g %.3f %g %e", 0.1, 2/3, 1e20, 12345.678))
print(string.format("%5.2f|%-8.3f|%+d|%05d", 3.14159, 2.5, 7, 42))
print(string.format("%a", 1.0))
-- -0.0 equals 0.0 but prints differently
print(-0.0 == 0.0, 0.0, -0.0, 0 * -1.0, 0 * -1)
-- nan's sign is platform-specific, so only check that it is not equal to itself
local nan = 0/0
print(nan ~= nan, tostring(nan):find("nan") ~= nil)
