-- The length operator on sequences and strings.
local t = {}
print(#t)
for i = 1, 100 do t[i] = i end
print(#t)
assert(#t == 100)
t[#t + 1] = "x"
print(#t, t[#t])
t[#t] = nil
t[#t] = nil
print(#t)
assert(#t == 99)
-- table.insert / remove keep sequences
local s = { "a", "b", "c" }
table.insert(s, "d")
table.insert(s, 1, "z")
print(#s, table.concat(s))
print(table.remove(s), table.remove(s, 1), #s, table.concat(s))
-- # on strings counts bytes
print(#"", #"abc", #"\0\0", #"héllo")
-- # on a table built backwards
local r = {}
for i = 10, 1, -1 do r[i] = i end
print(#r)
assert(#r == 10)
-- a sequence with a hash part too
local m = { 1, 2, 3, x = 1, y = 2 }
print(#m)
-- length after clearing
for i = 1, 3 do m[i] = nil end
print(#m)
-- # on non-tables without __len errors
print(pcall(function() local n = 5; return #n end))
print(pcall(function() return #nil end))
