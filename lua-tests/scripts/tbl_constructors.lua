-- Table constructors: positional, named, bracketed, mixed, trailing multi-results.
local function three() return 1, 2, 3 end
local function none() end
local t = { 10, 20, x = "x", [30] = "thirty", 30, ["y z"] = 5; 40 }
print(t[1], t[2], t[3], t[4], t.x, t[30], t["y z"], #t)
assert(#t == 4 and t[3] == 30)
local a = { three() }
local b = { three(), three() }
local c = { three(), 10 }
local d = { (three()) }
local e = { none() }
local f = { none(), none() }
print(#a, #b, #c, #d, #e, #f)
print(table.concat(a, ","), table.concat(b, ","), table.concat(c, ","))
assert(#b == 4 and b[1] == 1 and b[2] == 1)
assert(#c == 2 and c[2] == 10)
assert(#e == 0 and f[1] == nil)
-- varargs at the end expand, elsewhere they are truncated
local function pack(...) return { ... }, { ..., "end" } end
local p, q = pack("a", "b", "c")
print(#p, #q, q[1], q[2])
-- positional items override earlier bracketed keys with the same index
local o = { [1] = "bracket", "positional" }
print(o[1])
-- nested constructors and trailing separators
local n = { { 1, 2, }, { x = { y = { z = "deep" } } }, }
print(n[1][2], n[2].x.y.z, #n)
-- a large constructor (more than one SETLIST batch)
local big = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
  21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, three() }
local sum = 0
for i = 1, #big do sum = sum + big[i] end
print(#big, sum)
assert(#big == 63 and sum == 1836)
-- nil values in constructors
local holes = { nil, nil, 3 }
print(holes[3], select("#", table.unpack(holes, 1, 3)))
-- expressions as keys
local k = "key"
local kt = { [k .. 1] = 1, [2 * 3] = 6, [true] = "yes" }
print(kt.key1, kt[6], kt[true])
