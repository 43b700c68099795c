-- Generic for with custom iterators, stateless and stateful, and the closing value.
local function range(n)
  local i = 0
  return function() i = i + 1; if i <= n then return i end end
end
local out = {}
for i in range(4) do out[#out + 1] = i end
print(table.concat(out, ","))
-- stateless iterator using the state and control variable
local function iter(limit, ctl) if ctl < limit then return ctl + 1, ctl * ctl end end
for i, sq in iter, 3, 0 do print(i, sq) end
-- multiple values, extra ones ignored
local function triples()
  local k = 0
  return function() k = k + 1; if k <= 2 then return k, k * 2, k * 3, "extra" end end
end
for a, b, c in triples() do print(a, b, c) end
-- the closing value is closed when the loop ends normally, by break, or by error
local log = {}
local function closing(n, tag)
  local tbc = setmetatable({}, { __close = function(_, e) log[#log + 1] = tag .. (e and ":err" or "") end })
  local i = 0
  return function() i = i + 1; if i <= n then return i end end, nil, nil, tbc
end
for _ in closing(2, "normal") do end
for i in closing(5, "break") do if i == 1 then break end end
pcall(function() for i in closing(5, "error") do error("x") end end)
local function ret() for i in closing(5, "return") do return i end end
ret()
print(table.concat(log, " "))
-- iterating over a string with gmatch and over a table with next directly
for w in ("one two"):gmatch("%a+") do io.write("[", w, "]") end
print()
local keys = {}
for k in next, { x = 1, y = 2 } do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys))
-- calling a non-function iterator
print(pcall(function() for x in 5 do end end))
print(pcall(function() local t = {}; for x in t do end end))
