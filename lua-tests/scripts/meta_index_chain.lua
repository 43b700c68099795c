-- __index with tables, functions and chains of both.
local base = { greet = function(self) return "hello from " .. self.name end, kind = "base" }
local mid = setmetatable({ kind = "mid" }, { __index = base })
local obj = setmetatable({ name = "obj" }, { __index = mid })
print(obj.name, obj.kind, obj:greet(), obj.missing)
assert(obj.kind == "mid" and obj:greet() == "hello from obj")
-- function __index receives the original table and key
local calls = {}
local dyn = setmetatable({}, { __index = function(t, k)
  calls[#calls + 1] = tostring(k)
  return type(k) == "number" and k * 2 or nil
end })
print(dyn[21], dyn.x, dyn[1.5], #calls)
-- a chain ending in a function
local chain = setmetatable({}, { __index = setmetatable({}, { __index = function(_, k) return "fn:" .. k end }) })
print(chain.abc)
-- raw fields win over __index
local r = setmetatable({ a = 1 }, { __index = function() return "meta" end })
print(r.a, r.b)
-- __index on a nil-valued existing key still fires (the field is absent)
r.a = nil
print(r.a)
-- a long chain of 50 tables
local top = { deep = "found" }
for i = 1, 50 do top = setmetatable({}, { __index = top }) end
print(top.deep)
-- strings use __index = string
print(("abc"):upper(), ("x").len == string.len)
-- inheritance with methods and super calls
local Animal = {}
Animal.__index = Animal
function Animal.new(name) return setmetatable({ name = name }, Animal) end
function Animal:speak() return self.name .. " makes a sound" end
local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name) return setmetatable(Animal.new(name), Dog) end
function Dog:speak() return Animal.speak(self) .. ": woof" end
local d = Dog.new("rex")
print(d:speak(), getmetatable(d) == Dog)
-- __index loop detection
local loop1, loop2 = {}, {}
setmetatable(loop1, { __index = loop2 })
setmetatable(loop2, { __index = loop1 })
local ok, err = pcall(function() return loop1.x end)
print(ok, err)
