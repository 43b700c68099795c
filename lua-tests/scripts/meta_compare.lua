-- __eq, __lt and __le.
local log = {}
local P = {}
P.__eq = function(a, b) log[#log + 1] = "eq"; return a.k == b.k end
P.__lt = function(a, b) log[#log + 1] = "lt"; return a.k < b.k end
P.__le = function(a, b) log[#log + 1] = "le"; return a.k <= b.k end
local function p(k) return setmetatable({ k = k }, P) end
local x, y, z = p(1), p(2), p(1)
print(x == z, x ~= z, x == y, x < y, y < x, x <= z, x > y, x >= y)
print(table.concat(log, ","))
-- __eq is not called for identical objects or different types
log = {}
print(x == x, x == 1, x == "x", x == nil)
print(#log)
assert(#log == 0)
-- __eq result is converted to a boolean
local E = setmetatable({}, { __eq = function() return "yes" end })
local F = setmetatable({}, { __eq = function() return nil end })
print(E == F, F == E, E ~= F)
-- __eq from the second operand when the first has none
local plain = {}
print(plain == E, E == plain)
-- rawequal bypasses __eq
print(rawequal(x, z), x == z)
-- __lt is used for mixed table/number comparisons
local N = setmetatable({}, { __lt = function(a, b)
  local av = type(a) == "table" and 5 or a
  local bv = type(b) == "table" and 5 or b
  return av < bv
end })
print(N < 10, 3 < N, N > 1)
-- 5.4 no longer emulates __le with not __lt
local OnlyLt = setmetatable({}, { __lt = function() return true end })
print(pcall(function() return OnlyLt <= OnlyLt end))
-- errors without metamethods
print(pcall(function() return {} < {} end))
print(pcall(function() return {} <= 1 end))
print(pcall(function() return 1 < "2" end))
print(pcall(function() local n; return n > 1 end))
-- sort uses __lt
local list = { p(3), p(1), p(2) }
table.sort(list)
print(list[1].k, list[2].k, list[3].k)
