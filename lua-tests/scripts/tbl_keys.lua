-- Keys: float normalisation, tables and functions as keys, nil/NaN keys.
local t = {}
t[1] = "int"
t[1.0] = "float one"
print(t[1], #t)
assert(t[1] == "float one")
t[2^53] = "big"
print(t[2^53], t[math.tointeger(2^53)])
t[1.5] = "one and a half"
print(t[1.5], t[3/2])
local k1, k2 = {}, {}
t[k1] = "k1"; t[k2] = "k2"
print(t[k1], t[k2], t[{}])
t[print] = "print"
print(t[print])
t[true] = "T"; t[false] = "F"
print(t[true], t[false])
-- string keys vs number keys
t["1"] = "string one"
print(t[1], t["1"])
-- nil and NaN keys
print(pcall(function() t[nil] = 1 end))
print(pcall(function() t[0/0] = 1 end))
print(t[nil], t[0/0])
print(pcall(rawset, t, nil, 1))
-- -0.0 and 0 are the same key
t[0] = "zero"
print(t[-0.0], t[0.0])
-- integer-valued float keys are stored as integers
local u = {}
u[3.0] = true
for k in pairs(u) do print(k, math.type(k)) end
