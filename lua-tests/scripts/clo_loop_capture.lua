-- Each loop iteration gets a fresh local; closures capture different variables.
local fs = {}
for i = 1, 5 do fs[i] = function() return i end end
local out = {}
for k = 1, 5 do out[k] = fs[k]() end
print(table.concat(out, " "))
assert(table.concat(out, " ") == "1 2 3 4 5")
-- same for generic for
local gs = {}
for _, name in ipairs({ "a", "b", "c" }) do gs[#gs + 1] = function() return name end end
print(gs[1](), gs[2](), gs[3]())
-- locals declared inside while/repeat bodies are fresh per iteration
local hs = {}
local j = 0
while j < 3 do
  j = j + 1
  local captured = j * 10
  hs[j] = function() captured = captured + 1; return captured end
end
print(hs[1](), hs[1](), hs[2](), hs[3]())
local rs = {}
local r = 0
repeat
  r = r + 1
  local x = r
  rs[r] = function() return x end
until x >= 3
print(rs[1](), rs[2](), rs[3]())
-- a loop variable modified inside the body only affects that iteration's copy
local ms = {}
for i = 1, 3 do
  ms[i] = function() return i end
  i = i * 100
end
print(ms[1](), ms[2](), ms[3]())
-- closures created in the same iteration share the variable
local get, set
for i = 1, 1 do
  get = function() return i end
  set = function(v) i = v end
end
set(42)
print(get())
