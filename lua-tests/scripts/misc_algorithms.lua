-- Small algorithms mixing tables, recursion, strings and arithmetic.
local function quicksort(t, lo, hi)
  lo, hi = lo or 1, hi or #t
  if lo >= hi then return t end
  local p, i = t[hi], lo - 1
  for j = lo, hi - 1 do
    if t[j] <= p then i = i + 1; t[i], t[j] = t[j], t[i] end
  end
  t[i + 1], t[hi] = t[hi], t[i + 1]
  quicksort(t, lo, i)
  quicksort(t, i + 2, hi)
  return t
end
local data = {}
local seed = 12345
for i = 1, 200 do seed = (seed * 1103515245 + 12345) % 2147483648; data[i] = seed % 1000 end
quicksort(data)
local sorted = true
for i = 2, #data do if data[i - 1] > data[i] then sorted = false end end
print(sorted, data[1], data[100], data[200])
-- binary search
local function bsearch(t, v)
  local lo, hi = 1, #t
  while lo <= hi do
    local mid = (lo + hi) // 2
    if t[mid] == v then return mid elseif t[mid] < v then lo = mid + 1 else hi = mid - 1 end
  end
end
print(bsearch(data, data[137]) ~= nil, bsearch(data, 5000))
-- n-queens count
local function queens(n)
  local cols, d1, d2, count = {}, {}, {}, 0
  local function place(r)
    if r > n then count = count + 1; return end
    for c = 1, n do
      if not cols[c] and not d1[r + c] and not d2[r - c + n] then
        cols[c], d1[r + c], d2[r - c + n] = true, true, true
        place(r + 1)
        cols[c], d1[r + c], d2[r - c + n] = nil, nil, nil
      end
    end
  end
  place(1)
  return count
end
print(queens(6), queens(8))
assert(queens(8) == 92)
-- matrix multiplication
local function matmul(a, b)
  local n, m, p = #a, #b, #b[1]
  local c = {}
  for i = 1, n do
    c[i] = {}
    for j = 1, p do
      local s = 0
      for k = 1, m do s = s + a[i][k] * b[k][j] end
      c[i][j] = s
    end
  end
  return c
end
local m = matmul({ { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } })
print(m[1][1], m[1][2], m[2][1], m[2][2])
-- word frequency with sorted output
local text = "the cat and the hat and the bat"
local freq = {}
for w in text:gmatch("%a+") do freq[w] = (freq[w] or 0) + 1 end
local words = {}
for w in pairs(freq) do words[#words + 1] = w end
table.sort(words, function(x, y) if freq[x] ~= freq[y] then return freq[x] > freq[y] end return x < y end)
for _, w in ipairs(words) do io.write(w, "=", freq[w], " ") end
print()
-- gcd / lcm with integers and a big product
local function gcd(x, y) while y ~= 0 do x, y = y, x % y end return x end
print(gcd(48, 18), gcd(17, 5), 48 * 18 // gcd(48, 18))
-- string reversal by words, and a Caesar cipher
local rev = {}
for w in ("one two three"):gmatch("%S+") do table.insert(rev, 1, w) end
print(table.concat(rev, " "))
print((("Hello, Lua"):gsub("%a", function(ch)
  local base = ch:match("%l") and 97 or 65
  return string.char((ch:byte() - base + 13) % 26 + base)
end)))
