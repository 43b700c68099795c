-- Numeric literals: integers, floats, hex, hex floats, and their subtypes.
local function show(x) return string.format("%s %s", math.type(x), tostring(x)) end
local cases = {
  {3, "integer 3"}, {3.0, "float 3.0"}, {3., "float 3.0"}, {.5, "float 0.5"},
  {1e2, "float 100.0"}, {1E-2, "float 0.01"}, {5e+3, "float 5000.0"},
  {0xff, "integer 255"}, {0XA, "integer 10"}, {0x.8, "float 0.5"},
  {0x1p4, "float 16.0"}, {0x1P-1, "float 0.5"}, {0xA.8p1, "float 21.0"},
  {0x.1p4, "float 1.0"}, {0e0, "float 0.0"}, {00012, "integer 12"},
}
for i, c in ipairs(cases) do
  local got = show(c[1])
  print(i, got)
  assert(got == c[2], got)
end

-- hex integers wrap around modulo 2^64
print(0xffffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000)
assert(0xffffffffffffffff == -1)
assert(0x10000000000000000 == 0)
assert(0x8000000000000000 == math.mininteger)

-- decimal integers that overflow become floats
print(9223372036854775807, math.type(9223372036854775807))
print(9223372036854775808, math.type(9223372036854775808))
print(-9223372036854775808, math.type(-9223372036854775808))
assert(math.type(9223372036854775808) == "float")
assert(9223372036854775807 == math.maxinteger)
assert(-9223372036854775807 - 1 == math.mininteger)
print(math.maxinteger, math.mininteger)
print(math.maxinteger + 0.0, math.mininteger + 0.0)

-- malformed numbers are lexer errors
for _, src in ipairs { "3x", "0x", "1e", "1..2", "0xg", "3.4.5", "08a" } do
  local f, msg = load("return " .. src, "=num")
  print(src, f, msg)
  assert(f == nil)
end
-- but these are fine
assert(load("return 1 .. 2")() == "12")
assert(load("return 0x1P+2")() == 4.0)
