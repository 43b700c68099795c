-- Branches in hot loops that flip: never taken for 300 iterations then always (the side exit gets hot), taken at iteration 1 only, alternating patterns of period 2, 3 and 57, a branch whose body changes a variable's type, and if-chains where each arm becomes hot in turn.  -- jit-traces>=7 -- jit-side>=7
-- never taken, then always taken from iteration k on
local function flip(k)
  local a, b = 0, 0
  for i = 1, 900 do
    if i >= k then b = b + i else a = a + 1 end
  end
  return a, b
end
for _, k in ipairs({ 300, 1, 2, 57, 899 }) do
  local a, b = flip(k)
  print(k, a, b)
  assert(a == k - 1 and b == (k + 900) * (901 - k) // 2)
end

-- taken at the first iteration only, then never
local once = 0
for i = 1, 600 do
  if i == 1 then once = once + 1000 else once = once + 1 end
end
print(once)
assert(once == 1599)

-- periodic branches: period 2, 3 and 57 in one loop
local p2, p3, p57 = 0, 0, 0
for i = 1, 1140 do
  if i % 2 == 0 then p2 = p2 + 1 end
  if i % 3 == 0 then p3 = p3 + 1 elseif i % 3 == 1 then p3 = p3 - 1 end
  if i % 57 == 0 then p57 = p57 + i end
end
print(p2, p3, p57)
assert(p2 == 570 and p3 == 0 and p57 == 57 * 210)

-- an if-chain whose arms become hot one after another
local arms = { 0, 0, 0, 0 }
for i = 1, 1200 do
  if i <= 300 then arms[1] = arms[1] + 1
  elseif i <= 600 then arms[2] = arms[2] + 2
  elseif i <= 900 then arms[3] = arms[3] + 3
  else arms[4] = arms[4] + 4 end
end
print(arms[1], arms[2], arms[3], arms[4])
assert(arms[1] == 300 and arms[2] == 600 and arms[3] == 900 and arms[4] == 1200)

-- a rarely taken branch changes the type of a variable the hot path uses
local v, sum = 1, 0
for i = 1, 900 do
  if i % 300 == 0 then
    if math.type(v) == "integer" then v = v + 0.5 else v = math.floor(v) end
  end
  sum = sum + v
end
print(v, sum, math.type(v), math.type(sum))
assert(sum == 900 + 300 * 0.5 + 1 * 0.5 and math.type(v) == "float")

-- a comparison whose outcome flips at iteration k, inside a function called in a hot loop
local function clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end
local cs = 0
for i = 1, 900 do cs = cs + clamp(i, 300, 600) end
print(cs)
assert(cs == 299 * 300 + (300 + 600) * 301 // 2 + 300 * 600)

-- a loop exit test that is true early for some calls and late for others
local function until_over(limit, step)
  local x, n = 0, 0
  while true do
    x = x + step
    n = n + 1
    if x > limit then return n end
  end
end
local ns = {}
for _, args in ipairs({ { 600, 1 }, { 600, 599 }, { 0, 1 }, { 600, 0.5 }, { 1e3, 300 } }) do
  ns[#ns + 1] = until_over(args[1], args[2])
end
print(table.concat(ns, " "))
assert(table.concat(ns, " ") == "601 2 1 1201 4")
