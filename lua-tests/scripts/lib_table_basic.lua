-- table library: insert, remove, concat, pack, unpack, move, with PUC's error messages.

local function errmsg(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok)
  return e
end

local t = {1, 2, 3}
table.insert(t, 4)
table.insert(t, 1, 0)
assert(table.concat(t, ",") == "0,1,2,3,4")
print(table.concat(t, ","))
print(errmsg(table.insert, t, 9, 1))
print(errmsg(table.insert, t, 0, 1))
print(errmsg(table.insert, t))
print(errmsg(table.insert, t, 1, 2, 3))
print(errmsg(table.insert, nil, 1))
print(errmsg(table.insert, t, 1, 2, 3))

assert(table.remove(t) == 4 and table.remove(t, 1) == 0)
assert(table.concat(t, ",") == "1,2,3")
assert(not pcall(table.remove, t, 7))
assert(table.remove({}) == nil and table.remove({}, 0) == nil and table.remove({5}, 2) == nil)
local r = {1, 2, 3}
assert(table.remove(r, 4) == nil and #r == 3)

assert(table.concat({1, 2.5, "x"}, "-", 2, 3) == "2.5-x")
assert(table.concat({}, "x") == "")
assert(table.concat({1, 2, 3}, ", ", 3, 2) == "")
assert(table.concat({1, 2, 3}, 0) == "10203")
print(errmsg(table.concat, {1, {}, 3}))
print(errmsg(table.concat, {1, 2}, ",", 1, 5))
print(errmsg(table.concat, {}, {}))

local p = table.pack(1, nil, 3)
assert(p.n == 3 and p[1] == 1 and p[2] == nil and p[3] == 3)
assert(table.pack().n == 0)
print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 5))
assert(select("#", table.unpack({1, 2, 3}, 3, 2)) == 0)
assert(select("#", table.unpack({}, math.maxinteger, math.maxinteger)) == 1)
assert(select("#", table.unpack({}, math.mininteger, math.mininteger)) == 1)
print(errmsg(table.unpack, {}, 1, 1e8))
print(errmsg(table.unpack, {}, math.mininteger, math.maxinteger))
print(errmsg(table.unpack, {}, 1.5))

print(table.concat(table.move({1, 2, 3, 4, 5}, 2, 4, 1), ","))
print(table.concat(table.move({1, 2, 3, 4, 5}, 1, 3, 3), ","))
print(table.concat(table.move({1, 2, 3}, 1, 3, 1, {}), ","))
local dst = {}
assert(table.move({1, 2}, 1, 0, 5, dst) == dst and next(dst) == nil)
print(errmsg(table.move, {}, math.mininteger, 0, 1))
print(errmsg(table.move, {}, 1, math.maxinteger, 2))
print(errmsg(table.move, {}, 1, 2))
print(errmsg(table.move, {}, 1, 2, 3, 4))
