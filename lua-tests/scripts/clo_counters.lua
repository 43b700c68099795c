-- Closures as counters; each closure has its own state, siblings share.
local function counter(start, step)
  local n = start
  return function() n = n + step; return n end
end
local c1, c2 = counter(0, 1), counter(100, 10)
print(c1(), c1(), c2(), c1(), c2())
assert(c1() == 4)
local function pair()
  local v = 0
  local function get() return v end
  local function set(x) v = x end
  local function inc() v = v + 1 end
  return get, set, inc
end
local get, set, inc = pair()
set(10); inc(); inc()
print(get())
assert(get() == 12)
local get2 = pair()
print(get2())
-- closures over parameters
local function adder(x) return function(y) return x + y end end
local add5 = adder(5)
print(add5(1), add5(10), adder(-1)(1))
-- nested closures three levels deep, all sharing one upvalue
local function outer()
  local count = 0
  return function()
    return function()
      count = count + 1
      return count
    end
  end
end
local mk = outer()
local f1, f2 = mk(), mk()
print(f1(), f2(), f1())
assert(f2() == 4)
-- upvalue modified after closure creation is seen by the closure
local late = 1
local function see() return late end
late = 2
print(see())
