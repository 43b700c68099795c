-- goto and labels: continue idiom, nested loops, backward jumps, scoping rules.
local odds = {}
for i = 1, 10 do
  if i % 2 == 0 then goto continue end
  odds[#odds + 1] = i
  ::continue::
end
print(table.concat(odds, " "))
assert(#odds == 5)
-- breaking out of nested loops
local found
for i = 1, 5 do
  for j = 1, 5 do
    if i * j == 12 then found = i .. "x" .. j; goto done end
  end
end
::done::
print(found)
-- a backward goto as a loop
local n, acc = 0, {}
::top::
n = n + 1
acc[#acc + 1] = n
if n < 4 then goto top end
print(table.concat(acc, ","))
-- continue in while and repeat
local i, s = 0, 0
while i < 10 do
  i = i + 1
  if i % 3 == 0 then goto cont end
  s = s + i
  ::cont::
end
print(s)
local k, evens = 0, 0
repeat
  k = k + 1
  if k % 2 == 1 then goto next end
  evens = evens + 1
  ::next::
until k >= 10
print(evens)
-- compile-time errors
print(load("goto nowhere", "=g1"))
print(load("do ::a:: end goto a", "=g2"))
print(load("::a:: ::a::", "=g3"))
print(load("goto f; local x; ::f:: print(x)", "=g4"))
-- jumping to a label at the end of a block past a local is allowed
print(load("do goto f; local x; ::f:: end", "=g5") ~= nil)
-- labels in nested functions are separate
local function inner() goto x; do return "skipped" end ::x:: return "inner" end
print(inner())
