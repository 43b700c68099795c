-- Arithmetic metamethods, both operand orders, and result adjustment.
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
local function val(a) return type(a) == "table" and a or vec(a, a) end
V.__add = function(a, b) a, b = val(a), val(b); return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) a, b = val(a), val(b); return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b) a, b = val(a), val(b); return vec(a.x * b.x, a.y * b.y) end
V.__div = function(a, b) a, b = val(a), val(b); return vec(a.x / b.x, a.y / b.y) end
V.__mod = function(a, b) a, b = val(a), val(b); return vec(a.x % b.x, a.y % b.y) end
V.__pow = function(a, b) a, b = val(a), val(b); return vec(a.x ^ b.x, a.y ^ b.y) end
V.__idiv = function(a, b) a, b = val(a), val(b); return vec(a.x // b.x, a.y // b.y) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
local p, q = vec(6, 9), vec(4, 2)
print(tostring(p + q), tostring(p - q), tostring(p * q), tostring(p / q))
print(tostring(p % q), tostring(p ^ vec(2, 0)), tostring(p // q), tostring(-p))
print(tostring(p + 1), tostring(1 + p), tostring(10 - p), tostring(p * "2"))
-- __unm receives the operand twice (the second is a dummy)
local seen
local u = setmetatable({}, { __unm = function(a, b) seen = rawequal(a, b); return "neg" end })
print(-u, seen)
-- only the first operand with a metamethod is consulted
local A = setmetatable({}, { __add = function() return "A" end })
local B = setmetatable({}, { __add = function() return "B" end })
print(A + B, B + A, A + 1, 1 + B)
-- only one result is kept
local multi = setmetatable({}, { __add = function() return 1, 2, 3 end })
print(multi + multi)
-- missing metamethod errors
print(pcall(function() return {} + 1 end))
print(pcall(function() local t = setmetatable({}, { __sub = V.__sub }); return t * 2 end))
-- strings with numeric content use the string metamethods
print("10" + 5, "3" * "4", -"2", "2" ^ 2, "7" // 2, "7" % "4")
