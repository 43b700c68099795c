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

-- nil stored to keys that are absent (no key is created), then to keys that exist
do
  local t = { a = 1, [5] = 5 }
  local cleared = 0
  for i = 1, 300 do
    t["k" .. (i % 4)] = nil
    t[100 + i % 3] = nil
    if i == 200 then t.k1 = "back"; t[101] = "back" end
    if i == 250 then rawset(t, "k2", true) end
    if t.k1 == nil then cleared = cleared + 1 end
  end
  local keys = 0
  for _ in pairs(t) do keys = keys + 1 end
  print("nil stores", cleared, keys, t.a, t[5], t.k1, t[101])
end
