-- Side traces that return out of their trace's frame into the caller (RETF) and link to loops of other frames: recursive backtracking, results of every count, callers of other kinds (pcall, vararg, a different call site), and errors after such a return.  -- jit-traces>=4 -- jit-side>=16

-- recursive search: each level's loop is the same trace, entered at many depths
local function queens(n)
  local cols, d1, d2 = {}, {}, {}
  local count = 0
  local function place(row)
    if row > n then
      count = count + 1
      return
    end
    for c = 1, n do
      if not cols[c] and not d1[row + c] and not d2[row - c + n] then
        cols[c], d1[row + c], d2[row - c + n] = true, true, true
        place(row + 1)
        cols[c], d1[row + c], d2[row - c + n] = false, false, false
      end
    end
  end
  place(1)
  return count
end
for n = 4, 8 do print("queens", n, queens(n)) end

-- a function with a loop returning 0, 1, 2 or all of several results to loops that call it
local function scan(t, k)
  local s, m = 0, 0
  for i = 1, #t do
    s = s + t[i]
    if t[i] > m then m = t[i] end
  end
  if k == 0 then return end
  if k == 1 then return s end
  return s, m, #t
end
local data = {}
for i = 1, 9 do data[i] = (i * 7) % 5 end
local acc = 0
for i = 1, 300 do
  local k = i % 4
  local a, b, c = scan(data, k)
  acc = acc + (a or 0) + (b or 0) * 3 + (c or 0) * 5
  local all = { scan(data, k) }
  acc = acc + #all
end
print("scan", acc)

-- the same function called from a loop, from pcall and from a vararg function
local function sumto(n)
  local s = 0
  for i = 1, n do s = s + i end
  return s
end
local function va(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + sumto(select(i, ...)) end
  return s
end
local tot = 0
for i = 1, 200 do
  tot = tot + sumto(i % 13)
  local ok, v = pcall(sumto, i % 7)
  tot = tot + (ok and v or 0)
  tot = tot + va(i % 5, 3)
end
print("sumto", tot)

-- recursion that returns through several frames, then an error below them
local function depth(n, acc)
  for i = 1, 2 do acc = acc + i end
  if n == 0 then return acc end
  return (depth(n - 1, acc))
end
local d = 0
for i = 1, 200 do d = d + depth(i % 6, 0) end
print("depth", d)

local function bad(t, i)
  for j = 1, 3 do t[j] = j end
  if i % 50 == 49 then return nil end
  return t
end
local errs = 0
for i = 1, 200 do
  local ok, e = pcall(function()
    local r = bad({}, i)
    return r[1] + r[2]
  end)
  if not ok then
    errs = errs + 1
    if errs == 1 then print((string.gsub(e, "^.-:%d+: ", ""))) end
  end
end
print("errors", errs)

-- a side trace that ends at a tail call (or return) reading a variable number of values
local cnt, sumr = 0, 0
local tt = { 5, 7, 9, 11 }
repeat
  cnt = cnt + 1
  local ok, r = pcall(function()
    for j = 1, #tt do sumr = sumr + tt[j] end
    return math.min(3, rawlen(tt))
  end)
  sumr = sumr + (ok and r or -1000)
  local function all(...) return select("#", ...), ... end
  local ok2, n = pcall(function()
    for j = 1, 2 do sumr = sumr + j end
    return all(table.unpack(tt))
  end)
  sumr = sumr + (ok2 and n or -1000)
until cnt >= 40
print("tail", cnt, sumr)
