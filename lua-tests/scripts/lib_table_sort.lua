-- table.sort: results, comparator errors, invalid order functions, and the placement of
-- equal elements (which follows PUC's quicksort exactly).

local s = {5, 2, 8, 1, 9, 3, 7, 4, 6, 0}
table.sort(s)
print(table.concat(s, " "))
table.sort(s, function(a, b) return a > b end)
print(table.concat(s, " "))
local w = {"pear", "apple", "fig", "banana", "Apple", ""}
table.sort(w)
print(table.concat(w, " "))

print(pcall(table.sort, {3, 2, 1, 4, 5}, function(a, b) return true end))
print(pcall(table.sort, {1, "x", 2}))
print(pcall(table.sort, {{}, {}}))
print(pcall(table.sort, {3, 1, 2}, 1))
print(pcall(table.sort, {3, 2, 1}, function() error("boom", 0) end))

-- records with many equal keys: the resulting order must match PUC's algorithm
local recs = {}
for i = 1, 200 do recs[i] = {k = (i * 7919) % 13, id = i} end
table.sort(recs, function(a, b) return a.k < b.k end)
local ids = {}
for i = 1, 200 do ids[i] = recs[i].id end
print(table.concat(ids, " "))

-- equal integers and floats keep PUC's placement
local m = {3, 1.0, 1, 2, 2.0, 3.0, 1}
table.sort(m)
local o = {}
for i, v in ipairs(m) do o[i] = math.type(v) end
print(table.concat(o, " "))

-- the number of comparator calls matches PUC's
local cnt = 0
table.sort({5, 4, 3, 2, 1, 6, 7, 8, 9, 0, 11, 12, 13}, function(a, b) cnt = cnt + 1; return a < b end)
print(cnt)

local big = {}
for i = 1, 1000 do big[i] = (i * 7907) % 1009 end
table.sort(big)
for i = 2, 1000 do assert(big[i - 1] <= big[i]) end
print(pcall(table.sort, big, function(a, b) return a <= b end))

-- elements with __lt
local mt = {__lt = function(a, b) return a.k < b.k end}
local e = {}
for i = 1, 50 do e[i] = setmetatable({k = (i * 13) % 51}, mt) end
table.sort(e)
for i = 2, 50 do assert(not (e[i].k < e[i - 1].k)) end

-- a comparator that rewrites the table while sorting must not crash
local t = {}
for i = 1, 300 do t[i] = {v = (i * 37) % 101} end
local calls = 0
local ok = pcall(table.sort, t, function(a, b)
  calls = calls + 1
  if calls % 50 == 0 then
    for i = 1, #t do t[i] = {v = i % 7} end
    collectgarbage()
  end
  return a.v < b.v
end)
print(ok, #t)

print(pcall(table.sort, setmetatable({}, {__len = function() return math.maxinteger end})))
table.sort({})
table.sort({1})
print("done")
