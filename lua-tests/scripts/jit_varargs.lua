-- Vararg functions inlined into traces: fewer and more arguments than parameters, select('#') and select(n) with positive and negative n, {...}, ... forwarded through calls and returned, exits inside vararg frames (debug.getlocal sees the varargs), and argument types changing mid-loop.  -- jit-traces>=7

local function sum(...)
  local n = select("#", ...)
  local a, b, c = ...
  if n == 2 then return a + b end
  return a + b + c
end

-- a loop over select(i, ...) with a variable index (not compiled: NYI) and over {...}
local function loopsum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + select(i, ...) end
  for _, v in ipairs({ ... }) do s = s + v end
  return s
end
local ls = 0
for i = 1, 100 do ls = ls + loopsum(i, 1, 2, 3) end
print("loopsum", ls)

local function count(a, ...)
  return select("#", ...), a
end

local function last(...)
  return (select(-1, ...))
end

local function pack(...)
  return { n = select("#", ...), ... }
end

local function forward(...)
  return sum(...), count(...)
end

local function pass(...)
  return ...
end

local total, cnt, lst, packed, fwd, passed = 0, 0, 0, 0, 0, 0
for i = 1, 300 do
  total = total + sum(i, 2, 3)
  local c, a = count(i)
  cnt = cnt + c + a
  c = count(i, nil, nil)
  cnt = cnt + c
  lst = lst + last(1, 2, i)
  local t = pack(i, i * 2, nil, i * 3)
  packed = packed + t.n + t[1] + t[2] + t[4]
  local s, n2 = forward(1, i, 5)
  fwd = fwd + s + n2
  local x, y, z = pass(i, i + 1)
  passed = passed + x + y + (z == nil and 1 or 0)
end
print("basic", total, cnt, lst, packed, fwd, passed)

-- fixed parameters missing, varargs empty
local function opt(a, b, ...)
  local n = select("#", ...)
  if b == nil then return a * 100 + n end
  return a + b + n
end
local o = 0
for i = 1, 300 do
  o = o + opt(i) + opt(i, 1) + opt(i, 2, 3, 4)
end
print("opt", o)

-- argument types change mid-loop: integer, then float, then a string (sum errors)
local acc = 0
for i = 1, 300 do
  local v = i
  if i > 150 then v = i + 0.5 end
  acc = acc + sum(v, 1)
end
print("types", acc)
local ok, err = pcall(function()
  local s = 0
  for i = 1, 300 do
    s = s + sum(i, i == 250 and {} or 1)
  end
  return s
end)
print("error", ok, err)

-- an exit inside a vararg frame, seen by debug.getlocal (varargs are locals -1, -2...)
local seen = {}
local function probe(k, ...)
  if k == 200 then
    local _, v1 = debug.getlocal(1, -1)
    local _, v2 = debug.getlocal(1, -2)
    seen[#seen + 1] = tostring(v1) .. "," .. tostring(v2) .. "," .. select("#", ...)
  end
  return k + select("#", ...)
end
local pr = 0
for i = 1, 300 do pr = pr + probe(i, "x", i) end
print("probe", pr, table.concat(seen, ";"))

-- a vararg method and varargs through a metamethod
local V = {}
V.__index = V
function V:add(...)
  local s = self.base
  for _, x in ipairs({ ... }) do s = s + x end
  return s
end
V.__call = nil
V.__add = function(a, b) return a:add(b, 1, 2) end
local obj = setmetatable({ base = 10 }, V)
local m = 0
for i = 1, 300 do m = m + obj:add(i, i) + (obj + i) end
print("method", m)

-- select out of range raises as the interpreter does
local ok2, err2 = pcall(function()
  local s = 0
  for i = 1, 300 do s = s + (select(i < 200 and 1 or -5, i, 2)) end
  return s
end)
print("select range", ok2, err2)

-- a vararg function with a loop of its own inside the loop of the caller
local function inner(...)
  local s = 0
  local t = { ... }
  for j = 1, #t do s = s + j * t[j] end
  return s
end
local outer = 0
for i = 1, 200 do outer = outer + inner(i, i + 1, i + 2, i + 3) end
print("inner loop", outer)
