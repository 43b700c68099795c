-- closures: functional-style code. Creates closures in loops (each capturing fresh upvalues),
-- shares upvalues between sibling closures, composes and curries functions, and folds arrays
-- through higher-order map/filter/reduce. Measures closure creation, upvalue access (open and
-- closed) and calls through function values.
local n = tonumber(arg and arg[1]) or 6000

local function counter(start)
  local c = start
  return function() c = c + 1 return c end, function() return c end
end

local function compose(f, g) return function(x) return f(g(x)) end end
local function curry(f) return function(a) return function(b) return f(a, b) end end end

local function map(t, f)
  local r = {}
  for i = 1, #t do r[i] = f(t[i]) end
  return r
end

local function filter(t, p)
  local r = {}
  for i = 1, #t do
    local v = t[i]
    if p(v) then r[#r + 1] = v end
  end
  return r
end

local function reduce(t, f, acc)
  for i = 1, #t do acc = f(acc, t[i]) end
  return acc
end

local add = curry(function(a, b) return a + b end)
local check = 0
for round = 1, n do
  local data = {}
  for i = 1, 500 do data[i] = (i * round) % 1009 end
  -- a fresh closure per element, each with its own upvalue
  local fs = {}
  for i = 1, #data do
    local k = data[i]
    fs[i] = function(x) return x * 3 + k end
  end
  local inc, get = counter(round)
  for i = 1, #fs do
    if fs[i](i) % 3 == 0 then inc() end
  end
  local f = compose(add(round), function(x) return x * 2 end)
  local mapped = map(data, f)
  local odd = filter(mapped, function(v) return v % 2 == 1 end)
  local sum = reduce(odd, function(a, b) return a + b end, 0)
  check = (check * 7 + sum + get()) % 1000000007
end
print("closures n=" .. n .. " checksum=" .. check)
