-- load with string and function sources, chunk names, modes, and env.
local f = load("return 1 + 2")
print(f())
local g = load("local a, b = ...; return a * b, select('#', ...)")
print(g(6, 7, 8))
-- a function source is called until it returns nil or ""
local pieces = { "return ", "'pie", "ces'", " .. 1" }
local i = 0
local h = load(function() i = i + 1; return pieces[i] end)
print(h(), i)
-- pieces returning an empty string also end the chunk
local j = 0
local h2 = load(function() j = j + 1; if j == 1 then return "return 'first'" end return "" end)
print(h2())
-- a reader returning a non-string is an error. (Called through pcall: at top level the
-- script's message handler would also run for the reader's error and add a traceback.)
print(pcall(load, function() return {} end))
-- errors in the reader become load's nil + message
print(pcall(load, function() error("reader failed", 0) end))
-- chunk names
print(select(2, pcall(load("error('x')", "=custom"))))
print(select(2, pcall(load("error('x')", "@script.lua"))))
print(select(2, pcall(load("error('x')"))))
print(select(2, pcall(load("\n\nerror('x')", "multi\nline"))))
print(select(2, pcall(load("error('x')", string.rep("n", 100)))))
-- mode: text only, binary only
print(load("return 1", "m", "t") ~= nil)
print(load("return 1", "m", "b"))
print(load("return 1", "m", "x"))
local dumped = string.dump(function() return "from binary" end)
print(load(dumped, "bin", "t"))
print(load(dumped, "bin", "b")())
print(load(dumped)())
-- env parameter: globals resolve in the given table
local env = { x = 5 }
local e = load("y = x * 2; return x", "env", "t", env)
print(e(), env.y, y)
local empty_env = load("return print", "env2", "t", {})
print(empty_env())
-- load returns nil plus a message on syntax errors
local nf, msg = load("return +", "=bad")
print(nf, msg)
-- the loaded chunk is a vararg function
print(load("return select('#', ...)")(1, 2, 3))
-- upvalue _ENV of a loaded chunk is the global table by default
print(load("return _ENV")() == _G)
