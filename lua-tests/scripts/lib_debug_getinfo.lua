-- debug.getinfo: fields for Lua, C and main functions, levels, options

local keys = {"source", "short_src", "linedefined", "lastlinedefined", "what",
  "currentline", "name", "namewhat", "nups", "nparams", "isvararg", "istailcall",
  "ftransfer", "ntransfer"}

local function show(label, t)
  local parts = {}
  for _, k in ipairs(keys) do
    if t[k] ~= nil then parts[#parts + 1] = k .. "=" .. tostring(t[k]) end
  end
  print(label, table.concat(parts, " "))
end

-- the main chunk
show("main", debug.getinfo(1))
local mi = debug.getinfo(1, "f")
assert(type(mi.func) == "function")

-- a Lua function by level and by value
local up1, up2 = 1, 2
local function lf(a, b, ...)
  local x = up1 + up2
  show("lf level1", debug.getinfo(1))
  show("lf caller", debug.getinfo(2, "nSl"))
  return x
end
lf(1, 2, 3)
show("lf value", debug.getinfo(lf))
show("lf value S", debug.getinfo(lf, "S"))
show("lf value u", debug.getinfo(lf, "u"))
assert(debug.getinfo(lf, "f").func == lf)

-- C functions
show("print", debug.getinfo(print))
show("gmatch iter", debug.getinfo(string.gmatch("a", "a")))
local function callsC()
  return select(2, pcall(function() return debug.getinfo(2, "nSl") end))
end
show("pcall as level2", callsC())

-- level 0 is getinfo itself
show("level0", debug.getinfo(0))

-- names of functions by how they were called
local M = {}
function M.field() return debug.getinfo(1, "n") end
function M:method() return debug.getinfo(1, "n") end
gfun = function() return debug.getinfo(1, "n") end
local function loc() return debug.getinfo(1, "n") end
local up = function() return debug.getinfo(1, "n") end
local function viaup() return up() end
for _, r in ipairs{M.field(), M:method(), gfun(), loc(), (viaup())} do
  print("name", r.name, r.namewhat)
end
local mt = setmetatable({}, {__index = function() return debug.getinfo(1, "n") end,
  __add = function() return debug.getinfo(1, "n") end})
local r = mt.foo
print("meta", r.name, r.namewhat)
r = mt + 1
print("meta", r.name, r.namewhat)
for k in function() local i = debug.getinfo(1, "n"); print("iter", i.name, i.namewhat) end do end

-- tail calls
local function tailee() return debug.getinfo(1, "nSlt") end
local function tailer() return tailee() end
show("tail", tailer())
local function deep() return debug.getinfo(2, "t") end
local function notail() local r = deep() return r end
print("notail", notail().istailcall)

-- activelines
local function lines(a)
  local b = a + 1

  return b
end
local al = debug.getinfo(lines, "L").activelines
local ks = {}
for k in pairs(al) do ks[#ks + 1] = k end
table.sort(ks)
print("activelines", table.concat(ks, ","))
local function vlines(...)
  local n = select("#", ...)
  return n
end
ks = {}
for k in pairs(debug.getinfo(vlines, "L").activelines) do ks[#ks + 1] = k end
table.sort(ks)
print("vararg activelines", table.concat(ks, ","))
print("C activelines", debug.getinfo(print, "L").activelines)
ks = {}
for k in pairs(debug.getinfo(1, "L").activelines) do ks[#ks + 1] = k end
print("main activelines count", #ks > 10)

-- options and errors
print(pcall(debug.getinfo, 1, "x"))
print(pcall(debug.getinfo, 1, ">S"))
print(pcall(debug.getinfo, print, "S>"))
print(pcall(debug.getinfo))
print(pcall(debug.getinfo, "a"))
print(pcall(debug.getinfo, {}))
print(debug.getinfo(1000))
print(debug.getinfo(-1))
print(pcall(debug.getinfo, 1, 2))
local t = debug.getinfo(1, "")
print("empty opts", next(t))
print(debug.getinfo(1, "l").currentline)
print(debug.getinfo(print, "l").currentline)

-- loaded chunks: source strings
local f = load("return debug.getinfo(1, 'S')")
show("load string", f())
f = load("return debug.getinfo(1, 'S')", "=custom")
show("load =name", f())
f = load("return debug.getinfo(1, 'S')", "@some/file.lua")
show("load @name", f())
f = load("\n\nlocal function g() return debug.getinfo(1, 'S') end return g()", string.rep("x", 100))
show("load long", f())

-- coroutines
local co = coroutine.create(function(a)
  local x = a * 2
  coroutine.yield(x)
end)
print("fresh co", debug.getinfo(co, 0))
coroutine.resume(co, 5)
show("co level0", debug.getinfo(co, 0))
show("co level1", debug.getinfo(co, 1))
print("co level2", debug.getinfo(co, 2))
print(pcall(debug.getinfo, co))
