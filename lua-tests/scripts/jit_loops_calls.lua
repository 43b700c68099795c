-- Hot loops calling Lua functions, closures, methods and metamethods.  -- jit-traces>=2
local function sq(x) return x * x end
local s = 0
for i = 1, 5000 do s = s + sq(i) end
print(s)
assert(s == 41679167500)
-- closures with upvalues updated in a loop
local function make()
  local n = 0
  return function(d) n = n + d; return n end
end
local inc = make()
for i = 1, 4000 do inc(i % 3) end
print(inc(0))
-- method calls on objects with __index
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:len2() return self.x * self.x + self.y * self.y end
local total = 0
for i = 1, 3000 do total = total + Point.new(i, -i):len2() end
print(total)
-- __add and __index metamethods in a hot loop
local V = {}
V.__add = function(a, b) return setmetatable({ v = a.v + b.v }, V) end
local acc = setmetatable({ v = 0 }, V)
local one = setmetatable({ v = 1 }, V)
for _ = 1, 3000 do acc = acc + one end
print(acc.v)
local defaults = setmetatable({}, { __index = function(_, k) return k * 2 end })
local d = 0
for i = 1, 3000 do d = d + defaults[i] end
print(d)
-- recursive function called from a hot loop
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local f = 0
for i = 1, 200 do f = f + fib(i % 15) end
print(f)
-- varargs in a hot loop
local function count(...) return select("#", ...) end
local c = 0
for i = 1, 3000 do c = c + count(i, nil, i) end
print(c)
