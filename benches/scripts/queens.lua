-- queens: count the solutions of the N-queens problem by backtracking. Integer-heavy: array
-- reads and writes of column/diagonal occupancy flags, small loops, recursion.
local n = tonumber(arg and arg[1]) or 12

local function solve(size)
  local cols, diag1, diag2 = {}, {}, {}
  for i = 1, 2 * size do cols[i], diag1[i], diag2[i] = false, false, false end
  local count = 0
  local function place(row)
    if row > size then
      count = count + 1
      return
    end
    for c = 1, size do
      local d1, d2 = row + c, row - c + size
      if not cols[c] and not diag1[d1] and not diag2[d2] then
        cols[c], diag1[d1], diag2[d2] = true, true, true
        place(row + 1)
        cols[c], diag1[d1], diag2[d2] = false, false, false
      end
    end
  end
  place(1)
  return count
end

local total = 0
for size = 4, n do
  total = total * 31 + solve(size)
end
print("queens n=" .. n .. " checksum=" .. total)
