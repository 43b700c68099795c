-- Numeric for near math.maxinteger / mininteger never overflows or loops forever.
local max, min = math.maxinteger, math.mininteger
local function count(a, b, c)
  local n, last = 0, nil
  for i = a, b, c or 1 do n = n + 1; last = i; if n > 10 then break end end
  return n, last
end
print(count(max - 2, max))
print(count(min + 2, min, -1))
print(count(max - 1, max, 10))
print(count(min, min + 1, max))
print(count(max, max))
print(count(min, min, -1))
print(count(1, max, max))
print(count(-1, min, min))
print(count(0, max, max // 2))
-- float limits beyond the integer range are clipped
print(count(max - 1, 1e100))
print(count(min + 1, -1e100, -1))
print(count(1, -1e100))
print(count(1, 0.5))
print(count(-1, -0.5, -1))
-- NaN limit: the loop does not run
print(count(1, 0/0))
-- float loops accumulate exactly as repeated addition
local n = 0
for x = 1, 2, 0.1 do n = n + 1 end
print(n)
-- a float loop with a huge step runs once
print(count(1.0, 2.0, 1e308))
