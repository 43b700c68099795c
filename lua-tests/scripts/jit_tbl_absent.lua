-- Reads of string keys a table lacks (the method lookups of objects whose class holds the methods): instances of many sizes whose chains collide, a key that appears in one instance from iteration k on, a key deleted again, instances that grow and rehash while the loop runs, and keys absent from an empty table.  -- jit-traces>=6
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:norm1() return math.abs(self.x) + math.abs(self.y) end

-- 1. method lookups through instances of the same shape
local pts = {}
for i = 1, 100 do pts[i] = Point.new(i, -i) end
local s = 0
for r = 1, 30 do
  for i = 1, #pts do s = s + pts[i]:norm1() end
end
print("methods", s)

-- 2. an instance gains its own norm1 at iteration k, and loses it again
for _, k in ipairs({ 1, 2, 57, 90 }) do
  local t = 0
  for i = 1, 100 do
    if i == k then pts[i % 7 + 1].norm1 = function() return 1000 end end
    if i == k + 5 then pts[i % 7 + 1].norm1 = nil end
    t = t + pts[i % 7 + 1]:norm1()
  end
  print("own", k, t)
end

-- 3. tables of every size up to 70 keys, a present key and an absent one in each
local ts = {}
for i = 0, 70 do
  local t = {}
  for j = 1, i do t["key" .. j] = j end
  ts[#ts + 1] = t
end
local found, missing = 0, 0
for r = 1, 20 do
  for i = 1, #ts do
    local t = ts[i]
    if t.key5 then found = found + t.key5 end
    if t.absent == nil then missing = missing + 1 end
    if t.key70 then found = found + 1 end
  end
end
print("sizes", found, missing)

-- 4. a table that grows (and rehashes) inside the loop that reads an absent key
local g = {}
local hits = 0
for i = 1, 300 do
  g["f" .. i] = i
  if g.target then hits = hits + 1 end
  if i == 200 then g.target = true end
end
print("grow", hits)

-- 5. many keys share a chain: the absent key's main position is crowded
local crowd = {}
for i = 1, 16 do crowd[string.rep("c", i)] = i end
local c = 0
for i = 1, 400 do
  if crowd.nothere == nil then c = c + 1 end
  if crowd[string.rep("c", i % 16 + 1)] then c = c + 1 end
end
print("crowd", c)
