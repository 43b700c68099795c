-- Integer overflow in hot loops: + and * wrap around at iteration 1, 2, 57, 300; - and unary minus at mininteger; mininteger // -1 and % -1; for loops ending at maxinteger / starting at mininteger.  -- jit-traces>=13
local max, min = math.maxinteger, math.mininteger

-- start so that adding 1 each iteration wraps at iteration k
local function wrap_at(k, n)
  local x = max - (k - 1)
  local wrapped = 0
  for _ = 1, n do
    local before = x
    x = x + 1
    if x < before then wrapped = wrapped + 1 end
  end
  return x, wrapped
end
for _, k in ipairs({ 300, 1, 2, 57, 600 }) do
  local x, w = wrap_at(k, 600)
  print(k, x, w, math.type(x))
  assert(x == min + (600 - k) and w == 1 and math.type(x) == "integer")
end

-- subtraction below mininteger
local y = min + 350
for _ = 1, 700 do y = y - 1 end
print(y)
assert(y == max - 349)

-- multiplication wraps (checked against shifts and adds, which wrap the same way)
local m, m2 = 1, 1
for i = 1, 500 do
  m = m * 3
  m2 = (m2 << 1) + m2
  assert(m == m2, i)
end
print(m, m == m2)

local p = 7
for _ = 1, 400 do p = p * 1000003 + 1 end
print(p)
assert(p == -2333650901491933849)

-- unary minus and abs of mininteger stay mininteger
local negs = 0
for i = 1, 600 do
  local v = (i == 300) and min or -i
  local n = -v
  if n == v then negs = negs + 1 end
  if i == 300 then assert(math.abs(v) == min) end
end
print(negs)
assert(negs == 1)

-- mininteger // -1 wraps, mininteger % -1 is 0 (no trap), both at iteration 57
local q, r = 0, 0
for i = 1, 400 do
  local a = (i == 57) and min or i * 1000
  q = q ~ (a // -1)
  r = r + a % -1
end
print(q, r)
assert(r == 0)
local q2 = 0
for i = 1, 400 do q2 = q2 ~ ((i == 57) and min or -(i * 1000)) end
assert(q == q2)

-- integer sum overflowing while a float sum does not
local isum, fsum = max - 1000, (max - 1000) + 0.0
for i = 1, 300 do isum = isum + i; fsum = fsum + i end
print(isum, fsum, math.type(isum), math.type(fsum))
assert(isum < 0 and fsum > 9.2e18)
assert(isum == min + (299 * 300 // 2 + 300 - 1001))

-- numeric for loops near the ends of the integer range terminate without wrapping
local c, last = 0, nil
for i = max - 700, max do c = c + 1; last = i end
print(c, last == max)
assert(c == 701 and last == max)
c, last = 0, nil
for i = min + 700, min, -1 do c = c + 1; last = i end
print(c, last == min)
assert(c == 701 and last == min)
c = 0
for i = max - 1000, max, 7 do c = c + 1; last = i end
print(c, max - last)
assert(c == 143 and max - last == 6)
-- a step that would overflow the control variable
local seen = {}
for k = 1, 300 do
  local n = 0
  for i = 1, max, max // 3 do n = n + 1; seen[n] = i end
  assert(n == 4, k)
end
print(seen[1], seen[4] == max)
for k = 1, 300 do
  local n = 0
  for _ = min, min + 10, max do n = n + 1 end
  assert(n == 1, k)
end

-- integer times a power of two turns into a huge float when forced through float math
local big = 0
for i = 1, 300 do big = big + i * 2.0 ^ 62 end
print(string.format("%.6g", big), math.type(big))
assert(big == 45150 * 2.0 ^ 62)
