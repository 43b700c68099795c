-- 5.4 semantics: the loop variable is a copy; changing it does not affect iteration.
local seen = {}
for i = 1, 5 do
  seen[#seen + 1] = i
  i = i + 10   -- only changes the local copy
  seen[#seen + 1] = i
end
print(table.concat(seen, " "))
assert(#seen == 10)
-- modifying the limit variable after the loop starts has no effect
local limit = 3
local iters = 0
for i = 1, limit do limit = 100; iters = iters + 1 end
print(iters)
-- the step too
local step = 1
iters = 0
for i = 1, 5, step do step = 3; iters = iters + 1 end
print(iters)
-- the iteration count is computed up front for integers
local t = {}
for i = 10, 1, -3 do t[#t + 1] = i end
print(table.concat(t, " "))
-- a float limit with an integer start keeps integer values
for i = 1, 3.7 do io.write(i, " ") end
print()
-- the loop variable is not visible after the loop
local i = "outer"
for i = 1, 2 do end
print(i)
-- generic for: control variable reassignment is a copy as well
local items = { "a", "b", "c" }
local order = {}
for idx, v in ipairs(items) do
  order[#order + 1] = idx .. v
  idx = 10
end
print(table.concat(order, " "))
