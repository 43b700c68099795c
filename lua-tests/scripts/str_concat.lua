-- Concatenation of strings and numbers, chains, and errors.
print(1 .. 2, 1 .. "", 1.5 .. "", 1.0 .. "|", -0.0 .. "", "a" .. 10 .. "b")
assert(1 .. 2 == "12")
assert(1.5 .. "" == "1.5")
assert(2^63 .. "" == "9.2233720368548e+18")
assert(math.mininteger .. "" == "-9223372036854775808")
local parts = {}
for i = 1, 10 do parts[#parts + 1] = i end
print(table.concat(parts, ","), table.concat(parts, ", ", 3, 5), table.concat({}, "x"))
-- long chains are right associative and evaluate all operands first
local n = 0
local function f() n = n + 1; return tostring(n) end
print(f() .. f() .. f() .. f())
-- a long string built by repeated concatenation
local s = ""
for i = 1, 200 do s = s .. (i % 10) end
print(#s, s:sub(1, 12), s:sub(-5))
assert(#s == 200)
-- errors name the offending operand
local function try(fn) print(pcall(fn)) end
try(function() local x; return "a" .. x end)
try(function() return "a" .. {} end)
try(function() return true .. "b" end)
local t = { }
try(function() return t.field .. "z" end)
try(function() return 1 .. print end)
-- __concat on either side
local mt = { __concat = function(a, b)
  local function v(x) return type(x) == "table" and "<T>" or tostring(x) end
  return v(a) .. "+" .. v(b)
end }
local obj = setmetatable({}, mt)
print(obj .. "s", "s" .. obj, 1 .. obj, obj .. obj)
print("a" .. "b" .. obj .. "c")
