-- debug.traceback: messages, levels, threads, non-string messages

local function lvl3() return debug.traceback("msg", 1) end
local function lvl2() return lvl3() .. "" end
local function lvl1() local r = lvl2() return r end
print(lvl1())
print(debug.traceback())
print(debug.traceback("only level 2", 2))
print(debug.traceback("level 0", 0))
print(debug.traceback("big level", 50))
print(debug.traceback("negative level", -1))
print(debug.traceback(42))
print(debug.traceback(4.5, 1))
print(debug.traceback(nil, 1))
local t = {}
print(debug.traceback(t) == t)
print(debug.traceback(true, 1))
print(select("#", debug.traceback(nil)))
print(pcall(debug.traceback, "x", "y"))

-- methods, fields, tail calls in the traceback
local obj = {}
function obj:m() return debug.traceback("method") end
print(obj:m())
local function tail() return debug.traceback("tail") end
local function calltail() return tail() end
print(calltail())
print(pcall(function() return debug.traceback("in pcall") end))

-- deep stacks are abbreviated (the skip count itself is checked nowhere: see the report)
local function rec(n) if n == 0 then return debug.traceback("deep") end return (rec(n - 1)) end
print((rec(30):gsub("skipping %d+ levels", "skipping N levels")))

-- another thread
local co = coroutine.create(function(x)
  local function inner() coroutine.yield(x) end
  inner()
end)
print(debug.traceback(co))
print(debug.traceback(co, "not started"))
coroutine.resume(co, 1)
print(debug.traceback(co))
print(debug.traceback(co, "suspended"))
print(debug.traceback(co, "suspended 1", 1))
print(debug.traceback(co, "suspended 2", 2))
print(debug.traceback(co, nil, 1))
print(debug.traceback(co, {}) ~= nil)
coroutine.resume(co)
print(debug.traceback(co, "dead"))
local co2 = coroutine.wrap(function() print(debug.traceback("inside co")) end)
co2()
-- a coroutine that errored keeps its frames
local co3 = coroutine.create(function() local x = nil; x() end)
print(coroutine.resume(co3))
print(debug.traceback(co3))
