-- heapsort: sort an array of pseudo-random floats in place with a binary heap (sift-down
-- loops of array reads, compares and writes), then verify the order and fold a checksum.
-- The numbers come from an integer linear congruential generator so every Lua agrees.
local n = tonumber(arg and arg[1]) or 900000

local seed = 42
local function random(max)
  seed = (seed * 3877 + 29573) % 139968
  return max * seed / 139968
end

local function heapsort(a, count)
  local function sift(start, stop)
    local root = start
    local v = a[root]
    while true do
      local child = 2 * root
      if child > stop then break end
      if child < stop and a[child] < a[child + 1] then child = child + 1 end
      if v >= a[child] then break end
      a[root] = a[child]
      root = child
    end
    a[root] = v
  end
  for start = count // 2, 1, -1 do sift(start, count) end
  for stop = count, 2, -1 do
    a[1], a[stop] = a[stop], a[1]
    sift(1, stop - 1)
  end
end

local a = {}
for i = 1, n do a[i] = random(1.0) end
heapsort(a, n)
local check = 0
for i = 1, n - 1 do
  if a[i] > a[i + 1] then error("not sorted at " .. i) end
end
for i = 1, n, 97 do check = (check * 31 + (a[i] * 1000000) // 1) % 1000000007 end
print("heapsort n=" .. n .. " checksum=" .. math.tointeger(check))
