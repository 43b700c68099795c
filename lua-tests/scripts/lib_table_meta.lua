-- table library functions honour __index, __newindex and __len (lua_geti/lua_seti/luaL_len).

local log = {}
local store = {10, 20, 30}
local proxy = setmetatable({}, {
  __index = function(_, k) return store[k] end,
  __newindex = function(_, k, v) log[#log + 1] = k; store[k] = v end,
  __len = function() return #store end,
})
table.insert(proxy, 40)
table.insert(proxy, 1, 5)
print(table.concat(store, ","), table.concat(log, ","))
assert(table.concat(store, ",") == "5,10,20,30,40")
print(table.remove(proxy, 2), table.concat(store, ","))
table.sort(proxy, function(a, b) return a > b end)
print(table.concat(store, ","))
print(table.unpack(proxy))
print(table.concat(proxy, "+"))
print(select("#", table.unpack(proxy)))

-- a userdata-like proxy: any value with the needed metamethods is accepted
local ok, e = pcall(table.insert, setmetatable({}, {__len = function() return 1.5 end}), 1)
print(ok, e)
ok = pcall(table.insert, setmetatable({}, {__len = function() return "2" end}), 1)
assert(ok)

-- move between proxies, in both directions of overlap
local src = setmetatable({}, {__index = function(_, k) return k * 10 end})
local out = {}
table.move(src, 1, 4, 2, out)
print(out[1], out[2], out[3], out[4], out[5])

-- __eq decides whether move treats source and destination as the same table
local a = {1, 2, 3, 4}
table.move(a, 1, 3, 2)
print(table.concat(a, ","))

-- length that is a float with an integral value is accepted
local f = setmetatable({}, {__len = function() return 2.0 end, __index = function(_, k) return "v" .. k end})
print(table.concat(f, " "))
