-- while, repeat-until (locals visible in the condition), break, nested loops.
local i, s = 0, 0
while i < 10 do i = i + 1; s = s + i end
print(i, s)
local n = 0
repeat
  local sq = n * n
  n = n + 1
until sq >= 50   -- sq is the body's local
print(n)
assert(n == 9)
-- break in while, repeat and nested loops only leaves the innermost
local pairs_found = 0
for a = 1, 10 do
  local b = 0
  while true do
    b = b + 1
    if b > a then break end
    if (a + b) % 7 == 0 then pairs_found = pairs_found + 1 end
  end
end
print(pairs_found)
local r = 0
repeat
  r = r + 1
  if r == 5 then break end
until false
print(r)
-- while false never runs, repeat runs once
local ran = 0
while false do ran = ran + 1 end
repeat ran = ran + 1 until true
print(ran)
-- conditions use Lua truthiness: 0 and "" are true
local c = 0
while c do c = nil end
print(c)
local loops = 0
while 0 and loops < 3 do loops = loops + 1 end
print(loops)
-- collatz
local function collatz(x)
  local steps = 0
  while x ~= 1 do
    if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
    steps = steps + 1
  end
  return steps
end
print(collatz(27), collatz(97))
-- break as the last statement needs no semicolon; break inside if inside repeat
local k = 0
repeat k = k + 1; if k == 3 then break end until k > 10
print(k)
