-- rawget, rawset, rawequal, rawlen bypass metamethods.
local log = {}
local mt = {
  __index = function(_, k) log[#log + 1] = "index " .. tostring(k); return "dflt" end,
  __newindex = function(t, k, v) log[#log + 1] = "newindex " .. tostring(k); rawset(t, k, v) end,
  __len = function() return 99 end,
  __eq = function() return true end,
}
local t = setmetatable({}, mt)
local u = setmetatable({}, mt)
print(t.x, rawget(t, "x"))
t.y = 1
rawset(t, "z", 2)
print(t.y, t.z, rawget(t, "y"))
print(#t, rawlen(t), rawlen({ 1, 2 }), rawlen("abc"))
print(t == u, rawequal(t, u), rawequal(t, t), rawequal(1, 1.0), rawequal("a", "a"))
print(table.concat(log, "; "))
assert(rawequal(t, u) == false and t == u)
print(pcall(rawlen, 5))
print(pcall(rawget, "str", 1))
print(pcall(rawset, {}, 0/0, 1))
print(rawset(t, "w", 3) == t)
