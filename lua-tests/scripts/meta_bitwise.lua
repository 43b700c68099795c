-- Bitwise metamethods.
local B = {}
local function box(v) return setmetatable({ v = v }, B) end
local function unbox(a) return type(a) == "table" and a.v or a end
B.__band = function(a, b) return box(unbox(a) & unbox(b)) end
B.__bor = function(a, b) return box(unbox(a) | unbox(b)) end
B.__bxor = function(a, b) return box(unbox(a) ~ unbox(b)) end
B.__shl = function(a, b) return box(unbox(a) << unbox(b)) end
B.__shr = function(a, b) return box(unbox(a) >> unbox(b)) end
B.__bnot = function(a) return box(~unbox(a)) end
local x, y = box(12), box(10)
print((x & y).v, (x | y).v, (x ~ y).v, (x << 2).v, (x >> 1).v, (~x).v)
print((3 & x).v, (1 << box(4)).v, (0xff ~ y).v)
assert((x & y).v == 8)
-- floats with non-integral values: metamethods are tried before the conversion error
local F = setmetatable({}, { __bor = function(a, b) return "called" end })
print(F | 1.5, 1.5 | F)
-- without metamethods
print(pcall(function() return {} & 1 end))
print(pcall(function() return 1.5 & 1 end))
print(pcall(function() local s = "a"; return s << 1 end))
