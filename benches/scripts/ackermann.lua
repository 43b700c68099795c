-- ackermann: the Ackermann function A(m, k), mostly with m = 2 and 3. Deep, non-tail recursion
-- (the stack grows to thousands of frames) mixed with tail calls.
local n = tonumber(arg and arg[1]) or 8

local function ack(m, k)
  if m == 0 then return k + 1 end
  if k == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, k - 1))
end

local sum = 0
for k = 1, n do
  sum = sum + ack(3, k)
end
for k = 1, 50 * n do
  sum = sum + ack(2, k % 200)
end
print("ackermann n=" .. n .. " sum=" .. sum)
