-- Rarely taken branches inside hot loops (side exits), and loops that exit early.  -- jit-traces>=4 -- jit-side>=2
local counts = { a = 0, b = 0, c = 0 }
for i = 1, 5000 do
  if i % 1000 == 0 then counts.c = counts.c + 1
  elseif i % 7 == 0 then counts.b = counts.b + 1
  else counts.a = counts.a + 1 end
end
print(counts.a, counts.b, counts.c)
assert(counts.a + counts.b + counts.c == 5000)
-- early exit from a hot loop by break and by return
local function find(limit, target)
  for i = 1, limit do if i * i >= target then return i end end
  return nil
end
local r = {}
for k = 1, 200 do r[#r + 1] = find(1000, k * 37) end
print(#r, r[1], r[100], r[200])
local first
for i = 1, 10000 do if i % 4999 == 0 then first = i; break end end
print(first)
-- nested hot loops with the inner one exiting at varying points
local sum = 0
for i = 1, 300 do
  for j = 1, 300 do
    if j > i then break end
    sum = sum + j
  end
end
print(sum)
assert(sum == 4545100)
-- a loop whose body calls a function that errors once, caught by pcall
local errors = 0
for i = 1, 3000 do
  local ok = pcall(function() if i == 2500 then error("once") end return i end)
  if not ok then errors = errors + 1 end
end
print(errors)
