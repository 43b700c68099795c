-- Calls in hot loops whose target changes: a local callee swapped at iteration 1, 2, 57, 300 (Lua, another Lua, a C function, a callable table), varargs with a varying count, multiple results adjusted to 0/1/many, recursion of varying depth inside a loop, obj:m() where the method changes on the object, on the class, or through __index.  -- jit-traces>=7
local function double(x) return x * 2 end
local function square(x) return x * x end
local callable = setmetatable({}, { __call = function(_, x) return x + 1 end })

local function run(k)
  local f = double
  local s = 0
  for i = 1, 800 do
    if i == k then f = square end
    if i == k + 200 then f = math.abs end
    if i == k + 400 then f = callable end
    s = s + f(i % 50 - 25)
  end
  return s
end
for _, k in ipairs({ 300, 1, 2, 57 }) do print(k, run(k)) end
assert(run(1) == 41700 + 2500 + 200 and run(300) == 43976)

-- varargs: the argument count changes every iteration and in phases
local function count(...) return select("#", ...) end
local function sum(...)
  local t = 0
  for j = 1, select("#", ...) do t = t + (select(j, ...) or 0) end
  return t
end
local function pack_len(...) local p = table.pack(...) return p.n end
local c, vs, pl = 0, 0, 0
for i = 1, 600 do
  local n = i % 5
  if n == 0 then c = c + count()
  elseif n == 1 then c = c + count(i); vs = vs + sum(i)
  elseif n == 2 then c = c + count(i, nil); vs = vs + sum(i, nil)
  elseif n == 3 then c = c + count(nil, nil, i); vs = vs + sum(nil, nil, i)
  else c = c + count(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, i); vs = vs + sum(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, i) end
  if i > 300 then pl = pl + pack_len(table.unpack({ 1, 2, 3 }, 1, n)) end
end
print(c, vs, pl)
assert(c == 120 * (0 + 1 + 2 + 3 + 11) and pl == 60 * (0 + 1 + 2 + 3 + 4))

-- multiple results adjusted to what the call site wants; the callee returns 0 to 3 values
local function results(n)
  if n == 0 then return end
  if n == 1 then return 1 end
  if n == 2 then return 1, 2 end
  return 1, 2, 3
end
local firsts, seconds, packed, nils = 0, 0, 0, 0
for i = 1, 800 do
  local n = (i < 300) and 3 or i % 4
  local a, b = results(n)
  if a == nil then nils = nils + 1 else firsts = firsts + a end
  seconds = seconds + (b or 0)
  packed = packed + #{ results(n) } + #{ results(n), 10 } + select("#", (results(n)))
end
print(firsts, seconds, nils, packed)
assert(nils == 126 and firsts == 299 + 375 and seconds == 299 * 2 + 250 * 2 and packed == 4047)

-- recursion inside a loop, with a depth that varies per iteration
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
local ds, fs = 0, 0
for i = 1, 500 do
  ds = ds + depth(i % 30)
  fs = fs + fact(i % 21) % 1000003
end
print(ds, fs)
assert(ds == 16 * 435 + 210 and fs == 103555271)

-- obj:m() where the method changes: on the object, on the class, through __index
local Class = {}
Class.__index = Class
function Class:get() return self.v end
local obj = setmetatable({ v = 3 }, Class)
local total = 0
for i = 1, 900 do
  if i == 150 then function Class:get() return self.v * 10 end end
  if i == 300 then obj.get = function(self) return -self.v end end
  if i == 450 then obj.get = nil end
  if i == 600 then Class.__index = { get = function() return 1000 end } end
  if i == 750 then setmetatable(obj, { __index = function(_, key) return function() return #key end end }) end
  total = total + obj:get()
end
print(total)
assert(total == 149 * 3 + 150 * 30 + 150 * -3 + 150 * 30 + 150 * 1000 + 151 * 3)

-- a method that is a string method (s:rep) then a table method, same call site
local items = { "ab", { rep = function(self, n) return n end } }
local lens = 0
for i = 1, 600 do
  local it = items[(i <= 400) and 1 or 2]
  local r = it:rep(2)
  lens = lens + ((type(r) == "string") and #r or r)
end
print(lens)
assert(lens == 400 * 4 + 200 * 2)
