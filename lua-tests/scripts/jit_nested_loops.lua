-- Nested hot loops: the inner loop gets hot first and then meets values from the outer loop of another type (float bounds, a string element, a float accumulator), inner loops running 0, 1 or many times, loops in a called function, a loop in a loop in a loop with break at each level.  -- jit-traces>=14 -- jit-side>=10
-- the inner loop's bound becomes a float, its accumulator a float, its data a string
local function inner_sum(row, limit)
  local s = 0
  for j = 1, limit do s = s + row[j] end
  return s
end
local row = {}
for j = 1, 50 do row[j] = j end
local total = 0
for i = 1, 400 do
  if i == 100 then row[10] = 10.5 end
  if i == 200 then row[20] = "20" end
  if i == 300 then row[10] = 10 end
  local limit = (i % 2 == 0) and 50 or 50.5
  total = total + inner_sum(row, limit)
end
print(total, math.type(total))
assert(total == 400 * 1275 + 200 * 0.5)

-- inner loops with 0, 1 and many iterations from the same code
local trips = 0
for i = 1, 600 do
  local n = (i % 3 == 0) and 0 or ((i % 3 == 1) and 1 or i)
  for _ = 1, n do trips = trips + 1 end
end
print(trips)
assert(trips == 200 + (2 + 599) * 200 // 2)

-- three levels, break at each level at varying points
local visits, exits = 0, 0
for a = 1, 30 do
  if a > 25 then exits = exits + 1; break end
  for b = 1, 30 do
    if b > a then break end
    for c = 1, 30 do
      if c > b then break end
      visits = visits + 1
    end
  end
end
print(visits, exits)
assert(visits == 2925 and exits == 1)

-- the outer loop's variable is captured and used as the inner loop's step
local steps = 0
for st = 1, 12 do
  for _ = 1, 600, st do steps = steps + 1 end
  for _ = 600, 1, -st do steps = steps + 1 end
end
print(steps)
local expect = 0
for st = 1, 12 do expect = expect + 2 * ((600 - 1) // st + 1) end
assert(steps == expect)

-- a matrix product: three nested loops with float entries appearing in the middle
local N = 12
local A, B = {}, {}
for i = 1, N do
  A[i], B[i] = {}, {}
  for j = 1, N do
    A[i][j] = i + j
    B[i][j] = (i == 6 and j == 6) and 0.5 or (i - j)
  end
end
local C = {}
for i = 1, N do
  C[i] = {}
  for j = 1, N do
    local s = 0
    for k = 1, N do s = s + A[i][k] * B[k][j] end
    C[i][j] = s
  end
end
local tr, floats = 0, 0
for i = 1, N do
  tr = tr + C[i][i]
  for j = 1, N do if math.type(C[i][j]) == "float" then floats = floats + 1 end end
end
print(tr, floats, C[1][1], C[6][6])
-- only column 6 meets the float B[6][6]; C[1][1] = sum of (1 + k) * (k - 1) = sum of k^2 - 1
assert(floats == N and C[1][1] == 650 - 12 and math.type(C[1][1]) == "integer" and C[6][6] == 224.0)
assert(tr == 6.0)

-- an inner while loop whose exit condition flips type (number -> nil) per outer iteration
local lens, count = 0, 0
for i = 1, 300 do
  local chain = { i % 5 + 1, nil }
  local pos = 1
  while chain[pos] do
    count = count + chain[pos]
    pos = pos + 1
  end
  lens = lens + pos
end
print(lens, count)
assert(lens == 600 and count == 60 * 15)
