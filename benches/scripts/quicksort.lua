-- quicksort: a hand-written recursive quicksort (median-of-three pivot, insertion sort for
-- short runs) over arrays of pseudo-random integers, repeated on fresh data. Integer
-- compares, array swaps and recursion; a final pass verifies the order.
local n = tonumber(arg and arg[1]) or 700000

local seed = 12345
local function nextrand()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed
end

local function insertion(a, lo, hi)
  for i = lo + 1, hi do
    local v = a[i]
    local j = i - 1
    while j >= lo and a[j] > v do
      a[j + 1] = a[j]
      j = j - 1
    end
    a[j + 1] = v
  end
end

local function quicksort(a, lo, hi)
  while hi - lo > 12 do
    local mid = (lo + hi) // 2
    if a[mid] < a[lo] then a[mid], a[lo] = a[lo], a[mid] end
    if a[hi] < a[lo] then a[hi], a[lo] = a[lo], a[hi] end
    if a[hi] < a[mid] then a[hi], a[mid] = a[mid], a[hi] end
    local pivot = a[mid]
    local i, j = lo, hi
    while i <= j do
      while a[i] < pivot do i = i + 1 end
      while a[j] > pivot do j = j - 1 end
      if i <= j then
        a[i], a[j] = a[j], a[i]
        i, j = i + 1, j - 1
      end
    end
    -- recurse into the smaller half, loop on the larger one
    if j - lo < hi - i then
      quicksort(a, lo, j)
      lo = i
    else
      quicksort(a, i, hi)
      hi = j
    end
  end
  insertion(a, lo, hi)
end

local check = 0
for _ = 1, 3 do
  local a = {}
  for i = 1, n do a[i] = nextrand() % 1000000 end
  quicksort(a, 1, n)
  for i = 1, n - 1 do
    if a[i] > a[i + 1] then error("not sorted at " .. i) end
  end
  for i = 1, n, 101 do check = (check * 31 + a[i]) % 1000000007 end
end
print("quicksort n=" .. n .. " checksum=" .. check)
