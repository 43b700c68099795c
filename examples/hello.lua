-- A first script: run it with
--   cargo run --release -p repl --bin lua -- examples/hello.lua
local function greet(name)
  return ("Hello, %s!"):format(name)
end

print(greet("Lua"))

-- A little of everything: closures, tables, metatables, coroutines.
local counter = (function()
  local n = 0
  return function() n = n + 1; return n end
end)()
counter(); counter()

local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({ x = a.x + b.x, y = a.y + b.y }, V) end
V.__tostring = function(v) return "(" .. v.x .. ", " .. v.y .. ")" end
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end

local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i * i) end
end)

print("counter:", counter(), "vector:", tostring(vec(1, 2) + vec(3, 4)), "squares:", gen(), gen(), gen())
