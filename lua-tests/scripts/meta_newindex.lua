-- __newindex with tables and functions; it fires only for absent keys.
local log = {}
local store = {}
local proxy = setmetatable({}, {
  __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v); store[k] = v end,
  __index = store,
})
proxy.a = 1
proxy.b = 2
print(proxy.a, proxy.b, rawget(proxy, "a"), table.concat(log, ","))
assert(rawget(proxy, "a") == nil and store.a == 1)
-- __newindex as a table redirects the assignment
local target = {}
local redirect = setmetatable({}, { __newindex = target })
redirect.x = "X"
print(rawget(redirect, "x"), target.x)
-- existing keys are assigned directly
local present = setmetatable({ k = 1 }, { __newindex = function() error("should not fire") end })
present.k = 2
print(present.k)
-- a read-only table
local function readonly(t)
  return setmetatable({}, { __index = t, __newindex = function(_, k)
    error("attempt to update a read-only table (key " .. tostring(k) .. ")", 2)
  end })
end
local ro = readonly({ pi = 3 })
print(ro.pi, pcall(function() ro.pi = 4 end))
-- chained __newindex tables
local final = {}
local m2 = setmetatable({}, { __newindex = final })
local m1 = setmetatable({}, { __newindex = m2 })
m1.deep = "value"
print(rawget(m1, "deep"), rawget(m2, "deep"), final.deep)
-- __newindex with integer keys and in loops
local seen = {}
local arr = setmetatable({}, { __newindex = function(t, k, v) seen[#seen + 1] = k; rawset(t, k, v * 10) end })
for i = 1, 5 do arr[i] = i end
print(table.concat(arr, " "), table.concat(seen, " "))
