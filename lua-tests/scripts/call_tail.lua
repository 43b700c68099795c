-- Proper tail calls: deep tail recursion runs in constant stack space.
local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print(loop(100000, 0))
assert(loop(100000, 0) == 100000)
-- mutual tail recursion
local even, odd
function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print(even(100001), odd(100001))
-- tail calls through varargs and multiple results
local function count(n, ...)
  if n == 0 then return select("#", ...), ... end
  return count(n - 1, ...)
end
print(count(100000, "a", "b", "c"))
-- a tail call to a method
local obj = { n = 0 }
function obj:step(k) if k == 0 then return self.n end self.n = self.n + 1; return self:step(k - 1) end
print(obj:step(100000))
-- tail call into a C function and into a callable table
local function tc() return select("#", 1, 2, 3) end
print(tc())
local callable = setmetatable({}, { __call = function(_, x) return x * 2 end })
local function tcall(x) return callable(x) end
print(tcall(21))
-- a state machine written with tail calls
local s1, s2, s3
local visits = 0
function s1(n) visits = visits + 1; if n == 0 then return "s1" end return s2(n - 1) end
function s2(n) visits = visits + 1; if n == 0 then return "s2" end return s3(n - 1) end
function s3(n) visits = visits + 1; if n == 0 then return "s3" end return s1(n - 1) end
print(s1(300000), visits)
