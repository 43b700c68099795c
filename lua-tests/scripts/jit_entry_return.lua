-- Returns out of a call-out's callee: the loop trace's exit at the callee's RETURN does the return itself and ends the nested run loop (State::jit_return_from_entry). Every return shape and every number of wanted results, a callee that is also called from interpreted Lua (not an entry frame there), returns from inside the loop, and a return that closes an upvalue.  -- jit-traces>=6 -- jit-callouts>=500 -- jit-nested>=500
local V = {}
V.__index = V
local function vec(n) local r = setmetatable({}, V) for i = 1, n do r[i] = i end return r end

V.__add = function(a, b)          -- RETURN1 after the loop
  local r = setmetatable({}, V)
  for i = 1, rawlen(a) do r[i] = a[i] + b[i] end
  return r
end
V.__len = function(a)              -- a count, through len_of
  local s = 0
  for i = 1, rawlen(a) do s = s + a[i] end
  return s
end

-- Callable objects: a trace calls them out through __call (plain Lua functions with loops
-- are inlined instead, their loops linked by side traces).
local function callable(f) return setmetatable({}, { __call = f }) end
local three = callable(function(_, n)      -- RETURN with three values
  local s = 0
  for i = 1, n do s = s + i end
  return s, s * 2, n
end)
local none = callable(function(_, t, n)    -- RETURN0
  for i = 1, n do t[#t + 1] = i end
end)
local varres = callable(function(_, t)     -- RETURN with B == 0 (values up to the top)
  local s = 0
  for i = 1, rawlen(t) do s = s + t[i] end
  return s, table.unpack(t, 1, 3)
end)
local find = callable(function(_, t, x)    -- returns from inside its loop
  for i = 1, rawlen(t) do
    if t[i] == x then return i end
  end
  return nil
end)
local closes = callable(function(_, n)     -- a return that closes an upvalue
  local acc = 0
  local f = function() return acc end
  for i = 1, n do acc = acc + i end
  return f()
end)

local p, q = vec(20), vec(20)
local total, c1, c2, c3, c4, c5, c6, c7, c8 = 0, 0, 0, 0, 0, 0, 0, 0, 0
for k = 1, 400 do
  local d = p + q
  total = total + #d + #p
  local a, b = three(k % 30 + 1)    -- wants 2
  c1 = c1 + a + b
  local t1, _, t3 = three(5)       -- wants 3
  c2 = c2 + 3 + t1 + t3
  three(3)                         -- wants none
  local acc = {}
  none(acc, k % 7 + 2)
  c3 = c3 + #acc
  local v1, _, _, v4 = varres(p)
  c4 = c4 + 4 + v1 + v4
  c5 = c5 + (find(p, k % 25) or -1)
  c6 = c6 + closes(k % 12 + 3)
  if k % 3 == 0 then c7 = c7 + (three(4)) end
  c8 = c8 + select("#", three(2))   -- wants all
end
-- the same callees called from interpreted code (frames that are not entry frames)
local direct = 0
for _ = 1, 3 do direct = direct + (three(10)) + #(p + q) + (find(q, 7) or 0) end

local function sum(n) local s = 0 for i = 1, n do s = s + i end return s end
local want1, want3, want5, want6, want7 = 0, 0, 0, 0, 0
for k = 1, 400 do
  local n = k % 30 + 1
  want1 = want1 + 3 * sum(n)
  want3 = want3 + k % 7 + 2
  local x = k % 25
  want5 = want5 + ((x >= 1 and x <= 20) and x or -1)
  want6 = want6 + sum(k % 12 + 3)
  if k % 3 == 0 then want7 = want7 + sum(4) end
end
print(total, c1, c2, c3, c4, c5, c6, c7, c8, direct)
assert(total == 400 * (420 + 210), "total " .. total)
assert(c1 == want1, "c1")
assert(c2 == 400 * (3 + 15 + 5), "c2")
assert(c3 == want3, "c3")
assert(c4 == 400 * (4 + 210 + 3), "c4")
assert(c5 == want5, "c5")
assert(c6 == want6, "c6")
assert(c7 == want7, "c7")
assert(c8 == 400 * 3, "c8")
assert(direct == 3 * (55 + 420 + 7), "direct")
print("ok")
