-- The string metatable: __index is the string table; arithmetic metamethods coerce numeric
-- strings (PUC's lstrlib arith/trymt) and word their errors like PUC.
local function try(...) print(pcall(...)) end
local m = getmetatable("")
print(m.__index == string, getmetatable("abc") == getmetatable(""), rawequal(getmetatable("x"), m))
print(("abc"):len(), ("%s-%s"):format(1, 2), ("x").rep("y", 3), #("abc"):upper())
-- coercion by the VM and through the metamethods
print("10" + 1, "10" - "3", "2" * "3", "7" / "2", "7" // "2", "7" % "3", "2" ^ "3", -"2", -"2.5")
print("0x10" + 0, " 5 " * 2, "1e2" + 0, "10" + 1.5, math and math.type("10" + 1) or "integer")
print(m.__add("10", 2), m.__sub("10", "2.5"), m.__mul(" 3 ", "4"), m.__div("1", "2"), m.__mod("-7", "3"))
print(m.__idiv("7.5", 2), m.__pow("2", "0.5"), m.__unm("3"), m.__unm("3", 5), m.__add("3", 5, 7), m.__add("10"))
print(m.__add(3, 5), m.__sub(1.5, 1), m.__unm(2))
-- operand without a numeric meaning
try(function() return "abc" + 1 end)
try(function() local x = "abc" return 1 + x end)
try(function() return -"abc" end)
try(function() return "abc" + {} end)
try(function() return {} + "abc" end)
try(function() return "1" + "abc" end)
try(function() return "abc" * "2" end)
try(function() return "abc" .. 1 + "x" end)
try(function() return "10" + true end)
try(m.__add, "x", 1)
try(m.__add, 1, "x")
try(m.__add, "1", "2\0")
try(m.__add, {}, 5)
try(m.__add, "1", setmetatable({}, { __name = "X" }))
try(m.__unm, "x")
try(m.__unm, "3", "x")
try(m.__unm, "3", {})
try(m.__add)
try(m.__idiv, "10", "0")
try(m.__mod, "10", "0")
try(m.__idiv, "10.0", "0")
try(m.__mod, "10", "0.0")
-- the other operand's metamethod is used when the string is not numeric
local T = setmetatable({}, { __add = function(a, b) return "T.add" end, __mul = function() return "T.mul" end,
                             __unm = function() return "T.unm" end })
print("abc" + T, T + "abc", "10" + T, "abc" * T, m.__add("x", T), m.__add(5, T), m.__mul("x", T))
-- bitwise operations have no string metamethods
try(function() return "abc" & 1 end)
-- __index of strings with a non-existent method
try(function() local r = ("x"):nosuchmethod() return r end)
print(("x").nosuchfield)
