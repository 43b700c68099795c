-- Float values turning into inf, -inf, nan and -0.0 inside hot loops (at varying iterations): %g and math.type of the results, the sign of -0.0 through 1/x, nan never equal to itself, -0.0 as a table key.  -- jit-traces>=10
local function sign(z) return (1 / z > 0) and "+" or "-" end
local function show(x)
  if x ~= x then return "nan" end
  return string.format("%g", x)
end

-- growing by 10 each step reaches inf after about 308 steps, shrinking reaches 0
local g, at = 1.0, nil
for i = 1, 400 do
  g = g * 10
  if not at and g == math.huge then at = i end
end
print(show(g), math.type(g), at)
assert(g == math.huge and at == 309)
local s, zero_at = 1.0, nil
for i = 1, 400 do
  s = s / 10
  if not zero_at and s == 0 then zero_at = i end
end
print(show(s), sign(s), zero_at)
assert(s == 0 and sign(s) == "+" and zero_at == 324)

-- a divisor that becomes zero at iteration k: inf, -inf, nan for float division
local function divs(k)
  local pinf, ninf, nans, fin = 0, 0, 0, 0
  for i = 1, 500 do
    local d = (i == k) and 0 or i
    for _, a in ipairs({ 1, -1, 0 }) do
      local q = a / d
      if q == math.huge then pinf = pinf + 1
      elseif q == -math.huge then ninf = ninf + 1
      elseif q ~= q then nans = nans + 1
      else fin = fin + 1 end
    end
  end
  return pinf, ninf, nans, fin
end
for _, k in ipairs({ 300, 1, 2, 57 }) do
  local a, b, c, d = divs(k)
  print(k, a, b, c, d)
  assert(a == 1 and b == 1 and c == 1 and d == 1497)
end

-- inf arithmetic inside a loop: inf - inf is nan, inf * 0 is nan, inf + 1 is inf
local nan_count = 0
for i = 1, 300 do
  local v = (i < 200) and i + 0.0 or math.huge
  local w = v - v
  if w ~= w then nan_count = nan_count + 1 end
  if (v * 0) ~= (v * 0) then nan_count = nan_count + 1 end
  assert(v + 1 > v or v == math.huge)
end
print(nan_count)
assert(nan_count == 202)

-- -0.0 from multiplying zero by a negative number, and from negating 0.0
local negzeros, poszeros = 0, 0
local z = 0.0
for i = 1, 600 do
  z = -z
  local m = (i % 3) * -1.0
  if m == 0 and sign(m) == "-" then negzeros = negzeros + 1 end
  if z == 0 and sign(z) == "+" then poszeros = poszeros + 1 end
end
print(negzeros, poszeros, show(-0.0), tostring(-0.0), sign(z))
assert(negzeros == 200 and poszeros == 300 and sign(z) == "+")
assert(0.0 == -0.0 and tostring(-0.0) == "-0.0")

-- an integer zero becomes -0.0 at iteration k (integer 0 has no sign)
for _, k in ipairs({ 300, 1, 57 }) do
  local x, last
  for i = 1, 400 do
    x = (i >= k) and -0.0 or 0
    last = 1 / x
  end
  print(k, math.type(x), show(last))
  assert(math.type(x) == "float" and last == -math.huge)
end

-- -0.0 and 0.0 as table keys are the integer key 0
local t = {}
for i = 1, 300 do
  local key = (i % 2 == 0) and -0.0 or 0.0
  t[key] = (t[key] or 0) + 1
end
local n = 0
for k, v in pairs(t) do n = n + 1; print(k, math.type(k), v) end
assert(n == 1 and t[0] == 300)

-- nan is never equal to itself, nor less, nor greater; math.huge compares as expected
local eq, lt, gt = 0, 0, 0
for i = 1, 400 do
  local v = (i > 100) and (0 / 0) or i + 0.5
  if v == v then eq = eq + 1 end
  if v < 1e300 then lt = lt + 1 end
  if v > -math.huge then gt = gt + 1 end
end
print(eq, lt, gt)
assert(eq == 100 and lt == 100 and gt == 100)

-- huge floats have no integer representation
local conv = 0
for i = 1, 400 do
  local v = (i > 250) and 2.0 ^ 63 or i + 0.0
  if math.tointeger(v) then conv = conv + 1 end
end
print(conv, math.tointeger(2.0 ^ 62), math.tointeger(math.huge))
assert(conv == 250)
