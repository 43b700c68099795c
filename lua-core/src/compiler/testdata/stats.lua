local function f(a, b, ...)
  local x = a or b and 3
  if a < b and b <= 3 or a > 10.5 then x = 1 elseif b then x = 2 else x = 3 end
  while x < 10 do x = x + 1; if x == 5 then break end end
  repeat local q = x; x = x * 2; local g = function() return q end until q < 0
  return select('#', ...), ...
end
local t = {}
t.a, t.b, t[1] = f(1, 2)
local u, v = 1
u, v = v, u
local a, b, c = (f(1))
a.x, a = 1, 2
a[b], b = 1, 2
u, u.x = 3, 4
for i = 10, 1, -1 do local w = i end
for i = 1.5, 3 do end
for k, v in pairs(t) do print(k, v) end
for k in next, t, nil, 5 do end
while true do if a then break end; b = 1 end
do local k = 1; local function h() return k end end
local s = ("x"):rep(3):upper()
local w = f()()(1)
print(a.b.c.d, a.b[1][2], a[300], a[-1], a[1.0], a[1.5], a["k"])
local o = {}; o.f(o.g(o):h())
function obj.a.b:meth(u, ...) self.u = u; return ... end
function glob(...) local a, b = ... ; return a end
local function tail(x) return tail(x) end
local function many() return 1, 2, f() end
local function none() return end
local function one() return (f()) end
return t:m(), f{1,2}, f"str", ...
