-- math.random / math.randomseed reproduce PUC 5.4's xoshiro256** sequence exactly.

local function errmsg(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok)
  return e
end

print(math.randomseed(42))
print(math.random(1, 100), math.random(1, 100), math.random(0))
local s = ""
for _ = 1, 20 do s = s .. math.random(1, 7) .. " " end
print(s)
print(math.random(-5, 5), math.random(10), math.random(math.mininteger, math.maxinteger))
math.randomseed(42)
local f = math.random()
assert(f >= 0 and f < 1)
print(math.floor(f * 2^53))
print(math.randomseed(7, 9))
print(math.random(3), math.random(1000000), math.random(0))
math.randomseed(-1, 123456789)
print(math.random(0))
for _ = 1, 1000 do
  local x = math.random(3, 5)
  assert(x >= 3 and x <= 5 and math.type(x) == "integer")
  local y = math.random()
  assert(y >= 0 and y < 1)
end
print(math.random(5, 5), math.random(math.maxinteger, math.maxinteger))
print(errmsg(math.random, 2, 1))
print(errmsg(math.random, 1, 2, 3))
print(errmsg(math.random, 1.5))
print(errmsg(math.randomseed, nil))
print(errmsg(math.randomseed, 1.5))
local a, b = math.randomseed()
assert(math.type(a) == "integer" and math.type(b) == "integer")
math.randomseed(42)
print(math.random(), math.random(), math.random(1, 100))
math.randomseed(123, 456)
print(math.random(), math.random(0), math.random(-10, 10))
