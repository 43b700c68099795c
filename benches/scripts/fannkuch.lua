-- fannkuch: the "pancake flipping" benchmark. Walks all permutations of 1..n in a fixed
-- order and counts prefix reversals until 1 reaches the front. Small integer arrays, swaps,
-- tight loops; the checksum alternates sign over the permutation index.
local n = tonumber(arg and arg[1]) or 9

local function fannkuch(size)
  local perm, perm1, count = {}, {}, {}
  for i = 1, size do perm1[i] = i end
  local maxflips, checksum, permindex = 0, 0, 0
  local r = size
  while true do
    while r ~= 1 do
      count[r] = r
      r = r - 1
    end
    for i = 1, size do perm[i] = perm1[i] end
    local flips = 0
    local k = perm[1]
    while k ~= 1 do
      local i, j = 1, k
      while i < j do
        perm[i], perm[j] = perm[j], perm[i]
        i, j = i + 1, j - 1
      end
      flips = flips + 1
      k = perm[1]
    end
    if flips > maxflips then maxflips = flips end
    if permindex % 2 == 0 then checksum = checksum + flips else checksum = checksum - flips end
    -- next permutation: rotate prefixes, counting like a mixed-radix odometer
    while true do
      if r == size then return checksum, maxflips end
      local first = perm1[1]
      for i = 1, r do perm1[i] = perm1[i + 1] end
      perm1[r + 1] = first
      count[r + 1] = count[r + 1] - 1
      if count[r + 1] > 0 then break end
      r = r + 1
    end
    permindex = permindex + 1
  end
end

local checksum, maxflips = fannkuch(n)
print("fannkuch(" .. n .. ") checksum=" .. checksum .. " maxflips=" .. maxflips)
