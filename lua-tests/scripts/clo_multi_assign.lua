-- Multiple assignment: all expressions are evaluated before assigning.
local a, b, c = 1, 2
print(a, b, c)
a, b = b, a
print(a, b)
assert(a == 2 and b == 1)
local x, y, z = (function() return 1, 2, 3 end)()
print(x, y, z)
local p, q = 1, 2, 3, 4
print(p, q)
-- a[i], i = ... uses the old i for the index
local t = {}
local i = 1
i, t[i] = i + 1, 20
print(i, t[1], t[2])
assert(t[1] == 20)
-- swapping table fields
local s = { 1, 2, 3 }
s[1], s[3] = s[3], s[1]
print(table.concat(s, " "))
-- function calls in the middle are truncated, at the end expanded
local function two() return "a", "b" end
local m1, m2, m3, m4 = two(), two()
print(m1, m2, m3, m4)
local n1, n2, n3 = two(), 10
print(n1, n2, n3)
-- parenthesised calls give one value
local o1, o2 = (two())
print(o1, o2)
-- globals and locals mixed
g1, g2 = 5, 6
local l1
l1, g1 = g1, l1
print(l1, g1, g2)
-- nested field assignment targets are evaluated left to right before assigning
local log = {}
local obj = setmetatable({}, { __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. v; rawset(t, k, v) end })
obj.a, obj.b, obj.c = 1, 2, 3
print(#log, obj.a, obj.b, obj.c)
