-- Mixed integer/float comparisons in hot loops near 2^53 and 2^63 (exact, never through a rounded float), nan operands, and a compared value changing type or becoming a string (error) mid-loop.  -- jit-traces>=7
local two53 = 2 ^ 53 -- float
local i53 = math.tointeger(two53)

-- integers around 2^53 against their own float conversion, which rounds above 2^53
local eq, lt, gt = 0, 0, 0
for i = i53 - 300, i53 + 300 do
  local f = i + 0.0
  if i == f then eq = eq + 1 end
  if i < f then lt = lt + 1 end
  if i > f then gt = gt + 1 end
  assert((i <= f) == (i < f or i == f) and (i >= f) == (i > f or i == f))
end
print(eq, lt, gt)
assert(eq == 451 and lt == 75 and gt == 75)
assert(i53 + 1 > two53 and i53 + 1 ~= two53 and two53 < i53 + 1)

-- integers near 2^63 against floats: the float 2^63 is above every integer
local below, equal = 0, 0
local top = 2.0 ^ 63
for i = math.maxinteger - 400, math.maxinteger do
  if i < top then below = below + 1 end
  if i == top or i + 0.0 == i and i ~= i + 0.0 then equal = equal + 1 end
end
print(below, equal)
assert(below == 401 and equal == 0)
assert(math.maxinteger + 0.0 == top and math.maxinteger ~= top and math.maxinteger < top)
assert(math.mininteger == -top and math.mininteger <= -top and not (math.mininteger < -top))

-- the same comparison with an integer, then a float, then an integer operand
local function count_le(limit)
  local n = 0
  for i = 1, 600 do if i <= limit then n = n + 1 end end
  return n
end
for _, lim in ipairs({ 300, 300.5, 299.9999, 2 ^ 63, -(2 ^ 63), math.mininteger, 57, 1 }) do
  local n = count_le(lim)
  print(lim, n)
  assert(n == math.max(0, math.min(600, math.floor(lim))))
end

-- a loop that compares against a float limit close to a large integer
local hits = 0
local lim = 2.0 ^ 60 + 2048.0 -- exactly representable
for i = (1 << 60) + 1800, (1 << 60) + 2300 do
  if i < lim then hits = hits + 1 end
end
print(hits)
assert(hits == 248)

-- nan compares false every way, then a normal number again
local t, f = 0, 0
for i = 1, 500 do
  local v = (i >= 200 and i < 300) and 0 / 0 or i
  if v < 1000 then t = t + 1 else f = f + 1 end
  if not (v >= 1000) then t = t + 1 end
end
print(t, f)
assert(t == 900 and f == 100)

-- comparing numbers with a string is an error, raised at iteration k
for _, k in ipairs({ 300, 1, 57 }) do
  local ok, e = pcall(function()
    local n = 0
    for i = 1, 400 do
      local v = (i == k) and "5" or i
      if v < 200 then n = n + 1 end
    end
    return n
  end)
  print(k, ok, e)
  assert(not ok)
end

-- strings compare with strings (bytewise), not numerically
local sless = 0
for i = 1, 300 do
  if tostring(i) < "5" then sless = sless + 1 end
end
print(sless, "10" < "9", "a" < "b")
assert(sless == 245) -- "1".."4", "10".."49", "100".."300"
