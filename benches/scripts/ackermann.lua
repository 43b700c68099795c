-- ackermann: the Ackermann function A(m, k) with m = 3 and m = 2. Deep, non-tail recursion
-- (A(3, 7) nests about a thousand frames) mixed with tail calls; nothing is allocated.
local n = tonumber(arg and arg[1]) or 180

local function ack(m, k)
  if m == 0 then return k + 1 end
  if k == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, k - 1))
end

local sum = 0
for i = 1, n do
  sum = sum + ack(3, 5 + i % 3) + ack(2, i % 300)
end
print("ackermann n=" .. n .. " sum=" .. sum)
