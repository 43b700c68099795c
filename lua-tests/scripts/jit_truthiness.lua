-- Conditions in hot loops on values whose type changes (nil, false, true, 0, "", table, function) at iteration 1, 57, 300: if/while/and/or/not, and a while loop whose condition stops being a number.  -- jit-traces>=8 -- jit-side>=10
-- only nil and false are false; 0, "" and empty tables are true
local values = { 1, 0, "", {}, false, nil, true, 0.0, print }
local function truth_counts(k)
  local t, f = 0, 0
  for i = 1, 900 do
    local v = (i < k) and i or values[(i - k) % 9 + 1]
    if v then t = t + 1 else f = f + 1 end
  end
  return t, f
end
for _, k in ipairs({ 300, 1, 57, 901 }) do
  local t, f = truth_counts(k)
  print(k, t, f)
  local rest = 901 - k
  local falsy = 0
  for j = 0, rest - 1 do if j % 9 == 4 or j % 9 == 5 then falsy = falsy + 1 end end
  assert(f == falsy and t + f == 900)
end

-- and/or return one of their operands, whatever its type
local picks = { number = 0, string = 0, boolean = 0, table = 0, ["nil"] = 0 }
local default = {}
for i = 1, 700 do
  local v
  if i <= 200 then v = i
  elseif i <= 300 then v = nil
  elseif i <= 400 then v = false
  elseif i <= 500 then v = "s"
  else v = (i % 2 == 0) end
  local r = v and v or default
  local r2 = v or (i > 600 and "late") or nil
  picks[type(r)] = picks[type(r)] + 1
  picks[type(r2)] = picks[type(r2)] + 1
end
print(picks.number, picks.string, picks.boolean, picks.table, picks["nil"])
assert(picks.number == 400 and picks.string == 250 and picks.boolean == 200 and picks.table == 300)
assert(picks["nil"] == 250)

-- not flips a changing operand
local nots = 0
for i = 1, 600 do
  local v = (i % 3 == 0) and nil or ((i % 3 == 1) and i or false)
  if not v then nots = nots + 1 end
  if not not v then nots = nots + 10 end
end
print(nots)
assert(nots == 400 + 200 * 10)

-- a while loop whose condition value goes from numbers to a string, then nil
local list = {}
for i = 1, 300 do list[i] = i end
list[301] = "end"
local idx, nums, strs = 1, 0, 0
while list[idx] do
  if type(list[idx]) == "number" then nums = nums + list[idx] else strs = strs + 1 end
  idx = idx + 1
end
print(idx, nums, strs)
assert(idx == 302 and nums == 45150 and strs == 1)

-- equality tests against values of other types are false, never errors
local eqs = 0
local probe = { 1, "1", 1.0, true, {}, nil }
for i = 1, 600 do
  local v = probe[i % 6 + 1]
  if v == 1 then eqs = eqs + 1 end
  if v ~= "1" then eqs = eqs + 100 end
end
print(eqs)
assert(eqs == 200 + 500 * 100)

-- a flag that changes from boolean to number to nil controlling a branch
local flag, taken = true, 0
for i = 1, 900 do
  if i == 300 then flag = 0 end
  if i == 600 then flag = nil end
  if flag then taken = taken + 1 end
end
print(taken)
assert(taken == 599)
