-- sieve: the sieve of Eratosthenes over a boolean array, run several times. Integer loops with
-- strided array stores; the checksum folds the prime count and the sum of the primes.
local n = tonumber(arg and arg[1]) or 2000000

local function sieve(limit)
  local composite = {}
  for i = 1, limit do composite[i] = false end
  local count, sum = 0, 0
  for i = 2, limit do
    if not composite[i] then
      count = count + 1
      sum = sum + i
      for j = i * i, limit, i do composite[j] = true end
    end
  end
  return count, sum
end

local check = 0
for rep = 1, 12 do
  local count, sum = sieve(n - rep)
  check = (check * 1000003 + count * 7 + sum) % 2147483647
end
print("sieve n=" .. n .. " checksum=" .. check)
