-- // and % in hot loops: negative operands, integer and float division by zero (error vs inf/nan) at iteration 1, 57, 300, floats, mixed types, ^ on integers.  -- jit-traces>=8
-- integer floor division and modulo for every sign combination
local qs, rs = 0, 0
for a = -300, 300 do
  for _, b in ipairs({ 7, -7, 1, -1, 300 }) do
    local q, r = a // b, a % b
    assert(q * b + r == a, a)
    assert(r == 0 or (r < 0) == (b < 0), a)
    qs = qs + q
    rs = rs + r
  end
end
print(qs, rs)
assert(qs == -815 and rs == 89700)

-- a divisor that becomes 0 at iteration k: integer // and % raise errors, float ones do not
local function idiv_at(k)
  local msgs = {}
  for i = 1, 400 do
    local d = (i == k) and 0 or i
    local ok, e = pcall(function() return 1000 // d end)
    if not ok then msgs[#msgs + 1] = e end
    ok, e = pcall(function() return 1000 % d end)
    if not ok then msgs[#msgs + 1] = e end
  end
  return msgs
end
for _, k in ipairs({ 300, 1, 57 }) do
  local msgs = idiv_at(k)
  print(k, #msgs, msgs[1], msgs[2])
  assert(#msgs == 2)
end
local finf, fnan = 0, 0
for i = 1, 400 do
  local d = (i == 300) and 0.0 or i + 0.0
  local q, r = 1000 // d, 1000 % d
  if q == math.huge then finf = finf + 1 end
  if r ~= r then fnan = fnan + 1 end
  if (-5) // d == -math.huge then finf = finf + 1 end
end
print(finf, fnan)
assert(finf == 2 and fnan == 1)

-- floats: // floors, % takes the sign of the divisor
local fq, fr = 0.0, 0.0
for i = 1, 500 do
  local a = (i - 250) * 0.75
  local q1, r1 = a // 2, a % 2
  local q2, r2 = a // -2.5, a % -2.5
  assert(math.type(q1) == "float" and q1 == math.floor(a / 2))
  assert(r1 >= 0 and r1 < 2 and r2 <= 0 and r2 > -2.5)
  fq = fq + q1 + q2
  fr = fr + r1 + r2
end
print(fq, fr)
assert(fq == -425.0 and fr == -125.0)

-- the divisor changes type mid-loop: integer, then float, then integer again
local mixed = {}
for i = 1, 600 do
  local d = (i > 200 and i <= 400) and 3.0 or 3
  local v = i // d + i % d
  mixed[math.type(v)] = (mixed[math.type(v)] or 0) + v
end
print(mixed.integer, mixed.float)
assert(mixed.integer == 40334 and mixed.float == 20166.0)

-- ^ always gives a float, even for integer operands
local pw, allfloat = 0.0, true
for i = 1, 300 do
  local v = (i % 10) ^ 2
  allfloat = allfloat and math.type(v) == "float"
  pw = pw + v
end
print(pw, allfloat, 2 ^ 10, (-2) ^ 3, 2 ^ -1, 2 ^ 63 == math.maxinteger + 1.0)
assert(pw == 8550.0 and allfloat and 2 ^ 53 == 9007199254740992)
local roots = 0
for i = 1, 300 do
  local v = (-8) ^ (1 / 3)
  if v ~= v then roots = roots + 1 end
  if i == 150 then assert(8 ^ (1 / 3) == 2.0) end
end
print(roots)
assert(roots == 300)

-- float modulo of huge and tiny numbers stays in range
local tot = 0
for i = 1, 300 do
  local r = (1e307 * (i % 3 + 1)) % 7
  assert(r >= 0 and r < 7)
  tot = tot + (math.huge % 2 ~= math.huge % 2 and 1 or 0)
  tot = tot + ((5.5 % math.huge == 5.5) and 1 or 0) + ((-5.5 % math.huge == math.huge) and 1 or 0)
end
print(tot)
assert(tot == 900)
