-- Hot loops that grow, shrink and rehash tables, and read through holes.  -- jit-traces>=4
local t = {}
for i = 1, 10000 do t[i] = i * 2 end
print(#t, t[10000])
for i = 10000, 5001, -1 do t[i] = nil end
print(#t)
local h = {}
for i = 1, 5000 do h["k" .. (i % 100)] = i end
local keys = 0
for _ in pairs(h) do keys = keys + 1 end
print(keys, h.k0, h.k99)
-- array with a hole read in a loop
local sparse = { 1, 2, 3 }
sparse[100] = 100
local nils = 0
for i = 1, 200 do if sparse[i] == nil then nils = nils + 1 end end
print(nils)
-- float and integer keys mixed in a loop
local m = {}
for i = 1, 2000 do m[i / 2] = true end
local ints = 0
for k in pairs(m) do if math.type(k) == "integer" then ints = ints + 1 end end
print(ints)
-- table of tables built and summed in a loop
local rows = {}
for i = 1, 500 do rows[i] = { i, i + 1, i + 2 } end
local s = 0
for _, r in ipairs(rows) do s = s + r[1] + r[2] + r[3] end
print(s)
-- string building with table.concat in a loop
local parts = {}
for i = 1, 3000 do parts[#parts + 1] = i % 10 end
local str = table.concat(parts)
print(#str, str:sub(1, 10), str:sub(-10))
