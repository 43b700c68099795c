-- next, pairs and ipairs; keys are sorted before printing so order never matters.
local t = { 10, 20, 30, a = 1, b = 2, c = 3, [100] = "h" }
local keys = {}
for k in pairs(t) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print(#keys, table.concat(keys, " "))
assert(#keys == 7)
-- ipairs stops at the first nil
local seq = { 1, 2, nil, 4 }
local n = 0
for i, v in ipairs(seq) do n = n + 1; print(i, v) end
assert(n == 2)
-- next on an empty table and past the end
print(next({}), next({ 5 }))
print(select("#", next({})))
-- clearing fields during traversal is allowed
local d = {}
for i = 1, 20 do d["k" .. i] = i end
local count = 0
for k in pairs(d) do d[k] = nil; count = count + 1 end
print(count, next(d))
-- next with an invalid key errors
print(pcall(next, {}, "nope"))
-- pairs returns next, the table, nil
local f, s, init = pairs(t)
print(f == next, s == t, init)
-- ipairs respects __index (5.4)
local proxy = setmetatable({}, { __index = function(_, i) if i <= 3 then return i * 10 end end })
for i, v in ipairs(proxy) do print("proxy", i, v) end
-- sum of values is order-independent
local sum = 0
for _, v in pairs({ 1, 2, 3, x = 4, y = 5 }) do sum = sum + v end
print(sum)
