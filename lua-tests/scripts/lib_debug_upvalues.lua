-- debug.getupvalue / setupvalue / upvalueid, metatables, registry, user values

local a, b = 10, "bee"
local function f() return a, b end
for i = 0, 3 do print("getupvalue", i, debug.getupvalue(f, i)) end
print("set", debug.setupvalue(f, 2, "new"))
print("set missing", debug.setupvalue(f, 5, 1))
print("after", f(), b)

-- _ENV is an upvalue of the main chunk's functions that use globals
local function g() return print end
local gn, gv = debug.getupvalue(g, 1)
print("g upvalue", gn, gv == _ENV)

-- native closures: name is ""
local it = string.gmatch("a b", "%a")
local n, v = debug.getupvalue(it, 1)
print("C upvalue", n == "", v)
print("light C", debug.getupvalue(print, 1))
print("C set", debug.setupvalue(it, 1, "x y") == "")

-- upvalueid: shared variables have the same id
local shared = 0
local function inc() shared = shared + 1 end
local function get() return shared end
local function other() return a end
print("same id", debug.upvalueid(inc, 1) == debug.upvalueid(get, 1))
print("different id", debug.upvalueid(inc, 1) ~= debug.upvalueid(other, 1))
print("id type", type(debug.upvalueid(inc, 1)))
print("bad index", debug.upvalueid(inc, 2), debug.upvalueid(inc, 0))
print("C id", debug.upvalueid(print, 1))
print("C closure id", type(debug.upvalueid(it, 1)), debug.upvalueid(it, 1) == debug.upvalueid(it, 1))
print("C closure ids differ", debug.upvalueid(it, 1) ~= debug.upvalueid(it, 2))

-- errors
print(pcall(debug.getupvalue, f))
print(pcall(debug.getupvalue, 1, 1))
print(pcall(debug.getupvalue, {}, 1))
print(pcall(debug.setupvalue, f, 1))
print(pcall(debug.setupvalue, f, "x", 1))
print(pcall(debug.upvalueid, f))
print(pcall(debug.upvalueid, 1, 1))
print(pcall(debug.upvaluejoin, f, 5, f, 1))
print(pcall(debug.upvaluejoin, f, 1, f, 7))
print(pcall(debug.upvaluejoin, print, 1, f, 1))
print(pcall(debug.upvaluejoin, it, 1, f, 1))
print(pcall(debug.upvaluejoin, f, 1, it, 1))
print(pcall(debug.upvaluejoin, f, 1))

-- metatables of any type, bypassing __metatable
local prot = setmetatable({}, {__metatable = "locked"})
print("protected", getmetatable(prot), type(debug.getmetatable(prot)))
print("setmetatable returns", debug.setmetatable(prot, nil) == prot, getmetatable(prot))
print("string mt", debug.getmetatable("x").__index == string)
print("number mt", debug.getmetatable(1))
local nmt = {__index = function(n, k) return k .. n end, __call = function(self, x) return self + x end}
print("set number mt", debug.setmetatable(5, nmt))
print("int", (3).abc, "float", (2.5).xyz, (10)(5))
print("float shares mt", debug.getmetatable(1.5) == nmt)
debug.setmetatable(0, nil)
print("number mt cleared", debug.getmetatable(1), pcall(function() return (1).x end))
debug.setmetatable(nil, {__index = function() return "nilidx" end})
print("nil index", (nil).foo)
debug.setmetatable(nil, nil)
debug.setmetatable(print, {__index = {name = "fn"}})
print("function mt", print.name, (function() end).name)
debug.setmetatable(print, nil)
debug.setmetatable(true, {__len = function() return 42 end})
print("bool len", #true, #false)
debug.setmetatable(true, nil)
print(pcall(debug.setmetatable, 1))
print(pcall(debug.setmetatable, 1, 2))
print(pcall(debug.getmetatable))
print("nil mt", debug.getmetatable(nil))

-- registry
local reg = debug.getregistry()
print("registry", type(reg), reg[2] == _G, type(reg._LOADED), reg._LOADED.string == string)

-- user values: io files have none
print("uservalue", debug.getuservalue(io.stdout))
print("uservalue n", debug.getuservalue(io.stdout, 2))
print("uservalue non-ud", debug.getuservalue(1), select("#", debug.getuservalue({})))
print("setuservalue", debug.setuservalue(io.stdout, 1))
print(pcall(debug.setuservalue, {}, 1))
print(pcall(debug.setuservalue, io.stdout))
print(pcall(debug.getuservalue, io.stdout, "x"))

print("setcstacklimit", debug.setcstacklimit(1000))
