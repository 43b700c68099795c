-- Hot loops whose integer accumulator turns float (at iteration 1, 2, 57, 300, 599) and back to integer through math.floor; values alternating int/float every iteration; / always float.  -- jit-traces>=6
local function tri(n) return n * (n + 1) // 2 end

-- acc gets + 0.5 at iteration k (float from then on) and, if back is given, is floored there
local function run(n, k, back)
  local acc = 0
  for i = 1, n do
    if i == k then acc = acc + 0.5 end
    if i == back then acc = math.floor(acc) end
    acc = acc + i
  end
  return acc
end

for _, k in ipairs({ 300, 1, 2, 57, 599, 1000 }) do
  local a = run(600, k)
  local b = run(600, k, k + 1)
  print(k, a, math.type(a), b, math.type(b))
  if k <= 600 then
    assert(a == tri(600) + 0.5 and math.type(a) == "float")
  else
    assert(a == tri(600) and math.type(a) == "integer")
  end
  -- floored one iteration after the change: the 0.5 is gone, integer again when k + 1 <= 600
  assert(b == tri(600))
  assert(math.type(b) == "integer")
end

-- the same loop with a float starting value, then an integer one again (trace entered with
-- the other type)
local function sum_from(start, n)
  local s = start
  for i = 1, n do s = s + i end
  return s
end
for _, start in ipairs({ 0, 0.0, 0, 1.5, -3, 2.0 }) do
  local s = sum_from(start, 500)
  print(start, s, math.type(s))
  assert(s == start + tri(500))
  assert(math.type(s) == math.type(start))
end

-- a value that is an integer on even iterations and a float on odd ones
local mixed, floats = 0, 0
for i = 1, 800 do
  local v = (i % 2 == 0) and i or i + 0.0
  if math.type(v) == "float" then floats = floats + 1 end
  mixed = mixed + v
end
print(mixed, math.type(mixed), floats)
assert(mixed == tri(800) and math.type(mixed) == "float" and floats == 400)

-- integer every 100th iteration only: the float path is the hot one, then it flips
local x, ints = 0.0, 0
for i = 1, 700 do
  if i % 100 == 0 then x = math.floor(x); ints = ints + 1 else x = x + 0.25 end
end
print(x, math.type(x), ints)
assert(x == 168 and math.type(x) == "integer" and ints == 7)

-- division always gives a float; math.tointeger brings integral quotients back
local whole, frac = 0, 0.0
for i = 1, 600 do
  local q = i / 4
  assert(math.type(q) == "float")
  local iq = math.tointeger(q)
  if iq then whole = whole + iq else frac = frac + q end
end
print(whole, math.type(whole), frac)
assert(whole == tri(150) and math.type(whole) == "integer")
assert(frac == (tri(600) - 4 * tri(150)) / 4)

-- a float that reaches integral values: math.floor gives an integer, // 1 keeps a float
local f, fl, fd = 0.0, 0, 0.0
for i = 1, 400 do
  f = f + 0.5
  if i == 399 then f = f + 0.0 end
  fl = fl + math.floor(f)
  fd = fd + f // 1
end
print(f, fl, math.type(fl), fd, math.type(fd))
assert(f == 200.0 and fl == fd and math.type(fl) == "integer" and math.type(fd) == "float")
