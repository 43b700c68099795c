-- Numeric for loops: float steps, negative steps, huge bounds, float limits with integer start, the same loop run with integer then float bounds, loop variables captured by closures, step zero and bad bounds as errors.  -- jit-traces>=14
-- float step: 0, 0.25, ..., 150 (exact in binary)
local n, s = 0, 0.0
for x = 0, 150, 0.25 do n = n + 1; s = s + x end
print(n, s)
assert(n == 601 and s == 601 * 75.0)
-- float step that is not exact in binary: the count follows the accumulated value
n = 0
local last
for x = 1, 0, -0.1 do n = n + 1; last = x end
print(n, string.format("%.17g", last))
assert(n == 10 or n == 11)
n = 0
for x = 0, 60, 0.1 do n = n + 1; last = x end
print(n, string.format("%.17g", last))
assert(n >= 600 and n <= 601)

-- negative integer steps
local cnt, sum = 0, 0
for i = 300, -300, -3 do cnt = cnt + 1; sum = sum + i end
print(cnt, sum)
assert(cnt == 201 and sum == 0)
cnt = 0
for _ = -1, -500, -1 do cnt = cnt + 1 end
print(cnt)
assert(cnt == 500)

-- integer start with a float limit: the variable stays an integer, the limit is floored
local kinds = {}
for i = 1, 400.9 do kinds[math.type(i)] = (kinds[math.type(i)] or 0) + 1 end
print(kinds.integer, kinds.float)
assert(kinds.integer == 400 and kinds.float == nil)
cnt = 0
for i = 1, math.huge do cnt = cnt + 1; if i >= 500 then break end end
print(cnt)
assert(cnt == 500)
cnt = 0
for _ = 400, -math.huge, -1 do cnt = cnt + 1; if cnt == 450 then break end end
print(cnt)
assert(cnt == 450)
-- a float start makes every value a float
for i = 1.0, 3 do assert(math.type(i) == "float") end

-- the same loop with integer, then float, then integer bounds and steps
local function run(a, b, c)
  local t, ty = 0, nil
  for i = a, b, c do t = t + i; ty = math.type(i) end
  return t, ty
end
for _, args in ipairs({ { 1, 600, 1 }, { 1, 600, 0.5 }, { 1.0, 600, 1 }, { 600, 1, -1 },
  { 1, 600.5, 2 }, { 0.5, 300, 0.5 }, { 1, 600, 1 } }) do
  local t, ty = run(args[1], args[2], args[3])
  print(args[1], args[2], args[3], t, ty)
end
assert(run(1, 600, 1) == 180300 and run(1.0, 600, 1) == 180300.0)
assert(run(1, 600, 0.5) == 360299.5)

-- loop variables captured by closures: one fresh variable per iteration
local fns = {}
for i = 1, 500 do fns[i] = function() return i end end
local ok = true
for i = 1, 500 do ok = ok and fns[i]() == i end
print(ok, fns[1](), fns[57](), fns[500]())
assert(ok)
local ffns = {}
for x = 0.5, 300, 0.5 do ffns[#ffns + 1] = function() return x end end
print(#ffns, ffns[1](), ffns[600]())
assert(#ffns == 600 and ffns[600]() == 300.0)
-- assigning to the loop variable does not change the iteration
local iters = 0
for i = 1, 400 do
  iters = iters + 1
  i = i * 1000
  assert(i % 1000 == 0)
end
print(iters)
assert(iters == 400)

-- zero iterations, then many, from the same loop inside an outer hot loop
local total = 0
for outer = -2, 300 do
  for j = 1, outer do total = total + j end
end
print(total)
assert(total == 4545100)

-- errors: step zero, non-number bounds; raised after the loop was hot in other calls
local function loop(a, b, c)
  local k = 0
  for _ = a, b, c do k = k + 1 end
  return k
end
for _ = 1, 3 do loop(1, 300, 1) end
-- (a numeric string is accepted as a bound: the reference converts it)
for _, args in ipairs({ { 1, 10, 0 }, { 1, 10, 0.0 }, { "1", 10, 1 }, { 1, {}, 1 }, { 1, 10, "x" },
  { nil, 10, 1 } }) do
  local ok2, e = pcall(loop, args[1], args[2], args[3])
  print(ok2, e)
  assert(ok2 == (args[1] == "1"))
end

-- inner loops whose step is a variable other than a power of two (the count is a division),
-- including a negative step, a step changing sign, and a range wider than an integer
do
  local acc = 0
  for i = 1, 60 do
    local st = (i % 7) + 3
    if i > 40 then st = -st end
    if st > 0 then
      for j = i, 200, st do acc = acc + j end
    else
      for j = 200, i, st do acc = acc - j end
    end
  end
  local wide = 0
  for i = 1, 30 do
    local st = i < 20 and 3 or math.maxinteger // 3
    for j = math.mininteger + 5, math.maxinteger - 5, st do
      wide = wide + 1
      if wide % 1000 == 0 then break end
    end
  end
  print("variable steps", acc, wide)
end
