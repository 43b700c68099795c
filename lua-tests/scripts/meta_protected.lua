-- __metatable protects a metatable.
local mt = { __metatable = "locked", __index = { x = 1 } }
local t = setmetatable({}, mt)
print(getmetatable(t), t.x)
assert(getmetatable(t) == "locked")
print(pcall(setmetatable, t, {}))
print(pcall(setmetatable, t, nil))
-- a false __metatable is still a protection? no: only non-nil values count
local mt2 = { __metatable = false }
local u = setmetatable({}, mt2)
print(getmetatable(u))
print(pcall(setmetatable, u, {}))
-- strings have a shared metatable
print(getmetatable("abc") == getmetatable("x"), type(getmetatable("")))
-- setmetatable argument checks
print(pcall(setmetatable, nil, {}))
print(pcall(setmetatable, {}, 5))
print(pcall(setmetatable, {}))
print(pcall(setmetatable, 1, {}))
print(getmetatable(1), getmetatable(nil), getmetatable(print))
-- setmetatable returns its first argument; nil removes the metatable
local v = {}
print(setmetatable(v, { __index = { a = 1 } }) == v, v.a)
setmetatable(v, nil)
print(v.a, getmetatable(v))
