-- Nested tables, shared references, and tables as containers.
local matrix = {}
for i = 1, 4 do
  matrix[i] = {}
  for j = 1, 4 do matrix[i][j] = i * j end
end
for i = 1, 4 do print(table.concat(matrix[i], " ")) end
local trace = 0
for i = 1, 4 do trace = trace + matrix[i][i] end
print(trace)
assert(trace == 30)
-- shared references
local shared = { v = 1 }
local a, b = { s = shared }, { s = shared }
a.s.v = 42
print(b.s.v)
-- a linked list
local list
for i = 1, 5 do list = { value = i, next = list } end
local out = {}
local node = list
while node do out[#out + 1] = node.value; node = node.next end
print(table.concat(out, ","))
-- table.sort with a comparator and on records
local people = { { name = "b", age = 30 }, { name = "a", age = 25 }, { name = "c", age = 25 } }
table.sort(people, function(x, y)
  if x.age ~= y.age then return x.age < y.age end
  return x.name < y.name
end)
for _, p in ipairs(people) do print(p.name, p.age) end
-- table.pack / unpack
local pk = table.pack(1, nil, 3)
print(pk.n, pk[1], pk[2], pk[3])
print(table.unpack({ 1, 2, 3 }, 2), table.unpack({ 1, 2, 3 }, 2, 5))
-- deep nesting via a loop
local root = {}
local cur = root
for i = 1, 100 do cur.child = { depth = i }; cur = cur.child end
local depth = 0
cur = root
while cur.child do cur = cur.child; depth = depth + 1 end
print(depth, cur.depth)
