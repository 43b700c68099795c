-- `^` and `/` give the same result on every path: folded constants, registers, K operands, string coercion, load.
-- PUC's luai_numpow computes a^2 as a*a (integer operands converted to float first); C pow(a, 2)
-- is not correctly rounded for every a, so a path using pow for b == 2 prints other digits.
local function g(x) return string.format("%.17g", x) end

-- integers whose square is not exact in a double (glibc pow(a, 2) differs from a*a for some)
local bases = {
  108813735, 133646893, 3765694977, 7028163776, 14053813888, 46178933485,
  11207741864680, 79572635668647, 86830523097287, 204096498943437936,
  -108813735, 94906267, 94906265,
}
for i, a in ipairs(bases) do
  local af = a + 0.0
  local sq = af * af
  local two, twof = 2, 2.0
  local results = {
    a ^ two,           -- POW, two integer registers
    a ^ 2,             -- POWK, integer constant
    a ^ 2.0,           -- POWK, float constant
    af ^ two,          -- mixed float/integer registers
    a ^ twof,          -- mixed integer/float registers
    tostring(a) ^ 2,   -- string arithmetic metamethod
    a ^ "2",
    load("return (" .. a .. ") ^ 2")(),    -- folded by the compiler
    load("local c <const> = (" .. a .. "); local d <const> = c ^ 2; return d")(),  -- parser constants
  }
  local line = { i, g(sq) }
  for j, r in ipairs(results) do
    assert(math.type(r) == "float", j)
    assert(r == sq, string.format("base %d path %d: %s ~= %s", a, j, g(r), g(sq)))
    line[#line + 1] = g(r)
  end
  print(table.concat(line, " "))
end

-- literal folding in this chunk itself
print(g(108813735 ^ 2), g(133646893 ^ 2), g(3765694977 ^ 2), g(-108813735 ^ 2))
assert(108813735 ^ 2 == 108813735.0 * 108813735.0)
assert(133646893 ^ 2 == 133646893.0 * 133646893.0)

-- other exponents go to pow on every path
for _, e in ipairs({ 0, 1, 3, -1, -2, 0.5, 53, 64 }) do
  local r1 = 3 ^ e
  local r2 = load("return 3 ^ " .. e)()
  local r3 = "3" ^ e
  assert(r1 == r2 and r2 == r3)
  print(e, g(r1), math.type(r1))
end
print(g(2 ^ 63), g(2 ^ -1074), 0 ^ 0, 0 ^ -1, g((-2) ^ 2), g((-2.5) ^ 2))

-- `/` on integers converts both operands to float first, on every path
local nums = { 1, 3, 7, -7, 10, 9007199254740993, math.maxinteger, math.mininteger }
for _, x in ipairs(nums) do
  for _, y in ipairs({ 3, -3, 7, 9007199254740993 }) do
    local a, b = x, y
    local r = a / b
    local f = load("return " .. string.format("%d", x) .. " / " .. string.format("%d", y))()
    local s = tostring(x) / tostring(y)
    assert(r == f and f == s and r == (x + 0.0) / (y + 0.0))
    print(x, y, g(r))
  end
end
print(1 / 0, -1 / 0, 0 / 0 ~= 0 / 0, g(7 / 2), g(-7 / 2))
