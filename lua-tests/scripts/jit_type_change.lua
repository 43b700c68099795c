-- Hot loops whose values change type mid-loop (integer -> float -> string coercion),  -- jit-traces>=3
-- forcing guards to fail and execution to resume in the interpreter.
local acc = 0
for i = 1, 3000 do
  if i == 1000 then acc = acc + 0.5 end        -- acc becomes a float
  if i == 2000 then acc = math.floor(acc) end  -- back to an integer
  acc = acc + i
end
print(acc, math.type(acc))
assert(acc == 4501500)
-- a variable that is sometimes a string
local total = 0
for i = 1, 2000 do
  local v = (i % 500 == 0) and tostring(i) or i
  total = total + v
end
print(total)
assert(total == 2001000)
-- a table slot that changes type
local t = { 0 }
for i = 1, 2000 do
  if i == 1500 then t[1] = t[1] * 1.0 end
  t[1] = t[1] + 1
end
print(t[1], math.type(t[1]))
-- integer overflow inside a hot loop wraps
local w = math.maxinteger - 1000
for _ = 1, 2000 do w = w + 1 end
print(w, w == math.mininteger + 999)
-- a float loop whose accumulator goes to inf and nan
local f = 1.0
for _ = 1, 2000 do f = f * 1.5 end
print(f, f - f ~= f - f)
