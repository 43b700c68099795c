-- Bitwise operators on integers and on floats with exact integer values.
print(0xF0 & 0x3C, 0xF0 | 0x0F, 0xF0 ~ 0xFF, ~0, ~5)
assert((0xF0 & 0x3C) == 0x30)
print(2.0 & 3, 1.0 << 4, 255.0 >> 4.0, ~1.0, 6.0 ~ 3.0)
assert(2.0 & 3 == 2 and math.type(2.0 & 3) == "integer")
print(1 << 62, 1 << 63, 1 << 64, 1 << -1, 2 >> -1, 1 >> 64)
assert(1 << -1 == 0 and 2 >> -1 == 4)
print(-1 >> 60, -8 >> 1, (-8) // 2)
print(math.mininteger >> 63, math.maxinteger << 1)
print(2^62 | 0, math.type(2^62 | 0))
-- errors for floats without an exact integer value
local function try(f, ...)
  local ok, msg = pcall(f, ...)
  print(ok, msg)
end
try(function() return 1.5 & 1 end)
try(function() return 2^63 | 0 end)
try(function() return 1 << 0.5 end)
try(function(x) return x ~ 1 end, 0/0)
try(function(x) return ~x end, math.huge)
try(function(t) return t | 1 end, {})
try(function(b) return 1 & b end, true)
local nv
try(function() return nv >> 1 end)
-- precedence: shifts bind tighter than &, which binds tighter than ~, then |
print(1 | 2 ~ 3 & 4 << 1, 1 << 2 + 1, 5 & 3 == 1)
assert((1 | 2 ~ 3 & 4 << 1) == (1 | (2 ~ (3 & (4 << 1)))))
