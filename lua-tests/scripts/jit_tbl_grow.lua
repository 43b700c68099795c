-- Tables changing layout under hot loops: appending with t[#t+1], writes far beyond the array part (hash), nil holes appearing while an array is read (at iteration 1, 57, 300), reading past the end, table.insert/remove at both ends, rawget/rawset next to a __newindex.  -- jit-traces>=18
-- append, then jump far beyond the end (hash part), then keep appending
local t = {}
for i = 1, 600 do
  t[#t + 1] = i
  if i == 300 then t[100000] = "far" end
end
print(#t, t[600], t[100000])
assert(#t == 600 and t[600] == 600 and t[100000] == "far")
local s = 0
for i = 1, 600 do s = s + t[i] end
print(s)
assert(s == 180300)

-- sparse writes: every other key, read back with integer and float indices
local sp = {}
for i = 1, 600 do sp[i * 2] = i end
local found, missing = 0, 0
for i = 1, 1200 do
  local v = sp[i]
  if v then found = found + v else missing = missing + 1 end
end
print(found, missing)
assert(found == 180300 and missing == 600)

-- holes appear in an array that is being read, at iteration k
local function read_with_holes(k)
  local a = {}
  for i = 1, 500 do a[i] = i end
  local sum, nils = 0, 0
  for i = 1, 500 do
    if i == k then
      for j = k + 1, 500, 10 do a[j] = nil end
    end
    local v = a[i]
    if v == nil then nils = nils + 1 else sum = sum + v end
  end
  return sum, nils
end
for _, k in ipairs({ 300, 1, 57, 499 }) do
  local sum, nils = read_with_holes(k)
  print(k, sum, nils)
  local expect_nils = 0
  for j = k + 1, 500, 10 do expect_nils = expect_nils + 1 end
  assert(nils == expect_nils)
end

-- reading past the end of an array inside a hot loop
local arr = { 10, 20, 30 }
local nil_reads = 0
for i = 1, 400 do if arr[i % 5 + 1] == nil then nil_reads = nil_reads + 1 end end
print(nil_reads)
assert(nil_reads == 160)

-- table.insert and table.remove at the front and the back
local q = {}
for i = 1, 400 do
  if i % 3 == 0 then table.insert(q, 1, i) else table.insert(q, i) end
end
print(#q, q[1], q[2], q[#q])
assert(#q == 400 and q[1] == 399 and q[#q] == 400)
local removed = 0
for i = 1, 300 do
  local v = (i % 2 == 0) and table.remove(q, 1) or table.remove(q)
  removed = removed + v
end
print(#q, removed, q[1], q[#q])
assert(#q == 100)
local rest = 0
for _, v in ipairs(q) do rest = rest + v end
assert(rest + removed == 80200)
while #q > 0 do table.remove(q) end
print(#q, table.remove(q), #q)
assert(#q == 0)

-- a table gains a __newindex mid-loop; rawset and rawget bypass it
local log = {}
local obj = {}
for i = 1, 600 do
  if i == 300 then
    setmetatable(obj, { __newindex = function(tb, k, v) log[#log + 1] = k; rawset(tb, k, v * 10) end })
  end
  obj[i] = i -- new key: goes through __newindex from 300 on
  if i % 2 == 0 then rawset(obj, -i, i) end
end
local plain, tenfold = 0, 0
for i = 1, 600 do
  if rawget(obj, i) == i then plain = plain + 1 elseif obj[i] == i * 10 then tenfold = tenfold + 1 end
end
print(plain, tenfold, #log, log[1], log[#log], rawget(obj, -600))
assert(plain == 299 and tenfold == 301 and #log == 301 and rawget(obj, -600) == 600)
-- existing keys do not go through __newindex
for i = 1, 600 do obj[i] = -i end
print(#log, obj[600])
assert(#log == 301 and obj[600] == -600)

-- a table used as a stack and a queue by index arithmetic, shrinking to empty and growing again
local st, top = {}, 0
for round = 1, 3 do
  for i = 1, 300 do top = top + 1; st[top] = i * round end
  local sum2 = 0
  while top > 0 do sum2 = sum2 + st[top]; st[top] = nil; top = top - 1 end
  print(round, sum2, next(st))
  assert(sum2 == 45150 * round and next(st) == nil)
end
