local x <const> = 10
local y <const> = "str"
local z <const> = x * 2 + 1
local w <const> = {}
local n <const> = nil
print(x, y, z, w, n, x + z)
local function outer(p)
  local q = p
  local function mid()
    local r = q
    return function() q = q + r; return p, q, r, x, y end
  end
  return mid
end
function obj.a.b:meth(u, ...) self.u = u; return ... end
function glob(...) local a, b = ... ; return a end
local _ENV = {print = print}
print(gx)
gx = 1
do
  local _ENV <const> = {}
  hh = 2
end
local t = {}
t[300] = 1; t[255] = 2; t[-1] = 3; t[1.0] = 4; t[1.5] = 5; t.x = t[256]
local k = t[t]
t[k] = t[k]
local longkey = t.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
t.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1
do
  local c <close> = setmetatable({}, {__close = print})
  local d = 1
  if d then return d end
end
local function tbc()
  local c <close> = nil
  return tbc()
end
local function va(...)
  return 1
end
local function va2(a, ...)
  return va2(...)
end
