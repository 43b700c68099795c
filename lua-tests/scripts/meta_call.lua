-- __call with extra arguments, multiple results, and callable chains.
local callable = setmetatable({ tag = "C" }, { __call = function(self, a, b, ...)
  return self.tag, a, b, select("#", ...)
end })
print(callable(1, 2, 3, 4))
print(callable())
print(pcall(callable, "x"))
local t, a = callable("q")
assert(t == "C" and a == "q")
-- a functor used as an iterator
local counter = setmetatable({ n = 0 }, { __call = function(self)
  self.n = self.n + 1
  if self.n <= 3 then return self.n end
end })
for i in counter do print("iter", i) end
-- a callable whose __call is itself a callable table
local inner = setmetatable({}, { __call = function(self, o, ...) return "inner", type(o), ... end })
local outer = setmetatable({}, { __call = inner })
print(pcall(outer, 1))
-- method call on a callable field
local obj = { f = callable }
local tag, self_, m, extra = obj:f("m")
print(tag, self_ == obj, m, extra)
-- calling a table without __call
print(pcall(function() local x = {}; x() end))
print(pcall(function() local x = setmetatable({}, {}); return x(1) end))
