-- Hot loops reading fields whose type changes (integer, float, string, table, nil, function), a table replaced mid-loop by one of another shape (at iteration 1, 2, 57, 300), a base that turns into a string, rehashing while a field is read.  -- jit-traces>=11 -- jit-side>=5
-- a field changing type at fixed points of one loop
local obj = { x = 0 }
local kinds = {}
for i = 1, 700 do
  if i == 100 then obj.x = 0.5 end
  if i == 200 then obj.x = "7" end
  if i == 300 then obj.x = { 1 } end
  if i == 400 then obj.x = nil end
  if i == 500 then obj.x = function() return 2 end end
  if i == 600 then obj.x = 3 end
  local v = obj.x
  local ty = type(v)
  kinds[ty] = (kinds[ty] or 0) + 1
  if ty == "number" or ty == "string" then obj.y = (obj.y or 0) + v
  elseif ty == "table" then obj.y = obj.y + v[1]
  elseif ty == "function" then obj.y = obj.y + v() end
end
print(kinds.number, kinds.string, kinds.table, kinds["nil"], kinds["function"], obj.y, math.type(obj.y))
assert(kinds.number == 300 and kinds.string == 100 and kinds.table == 100 and kinds["nil"] == 100)
assert(obj.y == 0 + 50 + 700 + 100 + 200 + 303 and math.type(obj.y) == "float")

-- the table read in the loop is replaced by one with other keys, other sizes, an array part
local function shapes(k)
  local p = { x = 1, y = 2 }
  local alts = {
    { y = 20, x = 10 },                                  -- same keys, other order
    { a = 0, b = 0, c = 0, d = 0, e = 0, x = 10, y = 20 }, -- bigger hash
    { 5, 6, 7, x = 10, y = 20 },                          -- with an array part
    setmetatable({}, { __index = { x = 10, y = 20 } }),   -- fields inherited
  }
  local sum = 0
  for i = 1, 600 do
    if i >= k then p = alts[(i - k) // 50 % #alts + 1] end
    sum = sum + p.x + p.y
  end
  return sum
end
for _, k in ipairs({ 300, 1, 2, 57, 601 }) do
  local sum = shapes(k)
  print(k, sum)
  assert(sum == (k - 1) * 3 + (601 - k) * 30)
end

-- a table that loses its field (nil) and gets it back
local opt = { v = 1 }
local hits = 0
for i = 1, 600 do
  if i % 150 == 0 then opt.v = nil elseif i % 150 == 1 then opt.v = i end
  if opt.v then hits = hits + 1 end
end
print(hits)
assert(hits == 596)

-- many fields added at iteration 300 (the hash part is rebuilt) while one field is read
local r = { keep = 1 }
local sum = 0
for i = 1, 600 do
  if i == 300 then for j = 1, 200 do r["f" .. j] = j end end
  if i == 450 then for j = 1, 200 do r["f" .. j] = nil end end
  sum = sum + r.keep + (r.f100 or 0)
end
print(sum, r.f1)
assert(sum == 600 + 150 * 100)

-- the base switches from a table to a string: s.len is then string.len through the metatable
local bases = { { len = function() return 100 end }, "abcd" }
local lsum = 0
for i = 1, 600 do
  local b = bases[(i > 300) and 2 or 1]
  lsum = lsum + b.len(b)
end
print(lsum)
assert(lsum == 300 * 100 + 300 * 4)
-- indexing a number at iteration k fails, naming the local
for _, k in ipairs({ 300, 1 }) do
  local ok, e = pcall(function()
    local list = {}
    for i = 1, 400 do list[i] = (i == k) and 42 or { n = i } end
    local t = 0
    for i = 1, 400 do local item = list[i]; t = t + item.n end
    return t
  end)
  print(k, ok, e)
  assert(not ok)
end

-- objects of two shapes alternating every iteration (both paths stay hot)
local pts = {}
for i = 1, 600 do
  if i % 2 == 0 then pts[i] = { x = i, y = -i } else pts[i] = { y = -i, x = i, z = 0 } end
end
local dot = 0
for _, pt in ipairs(pts) do dot = dot + pt.x * pt.y + (pt.z or 1) end
print(dot)
assert(dot == 300 - 72180100)
