-- Globals changing under hot loops: a global function replaced (by the loop, by a callee, by a C function), a global number becoming a numeric string then a table, a global removed (call error naming it), _ENV replaced in a function, an _ENV table with __index.  -- jit-traces>=8
function step(x) return x + 1 end

-- the loop replaces the global function at iteration k
local function run(k)
  step = function(x) return x + 1 end
  local v = 0
  for i = 1, 600 do
    if i == k then step = function(x) return x + 10 end end
    v = step(v)
  end
  return v
end
for _, k in ipairs({ 300, 1, 2, 57 }) do
  local v = run(k)
  print(k, v)
  assert(v == (k - 1) + (601 - k) * 10)
end

-- a called function replaces the global; then a C function takes its place
local function swap() step = math.abs end
step = function(x) return x + 1 end
local t = 0
for i = 1, 600 do
  if i == 400 then swap() end
  t = t + step(-i)
end
print(t)
assert(t == -(399 * 400 // 2) + 399 + (400 + 600) * 201 // 2)

-- a global number that becomes a numeric string, then a table with __add
count = 0
for i = 1, 900 do
  if i == 300 then count = tostring(count) end
  if i == 600 then count = setmetatable({ n = count }, { __add = function(a, b) return a.n + b end }) end
  count = count + 1
end
print(count, math.type(count))
assert(count == 900 and math.type(count) == "integer")

-- a global removed mid-loop: the call fails with the global's name
helper = function(x) return x * 2 end
local ok, e = pcall(function()
  local s = 0
  for i = 1, 600 do
    if i == 300 then helper = nil end
    s = s + helper(i)
  end
  return s
end)
print(ok, e)
assert(not ok)

-- globals read through an _ENV local that is replaced at iteration k
local function with_env(k)
  local env1 = { base = 1 }
  local env2 = { base = 1000 }
  local _ENV = env1
  local s = 0
  for i = 1, 600 do
    if i == k then _ENV = env2 end
    s = s + base
  end
  return s
end
for _, k in ipairs({ 300, 1, 57 }) do
  local s = with_env(k)
  print(k, s)
  assert(s == (k - 1) + (601 - k) * 1000)
end

-- a function whose own _ENV upvalue is swapped from outside (debug.setupvalue) between calls
local getx = load("return x")
local function readx(n)
  local s = 0
  for _ = 1, n do s = s + getx() end
  return s
end
local up = 1
assert(debug.getupvalue(getx, up) == "_ENV")
x = 3
local r1 = readx(500)
debug.setupvalue(getx, up, { x = 5 })
local r2 = readx(500)
debug.setupvalue(getx, up, _G)
local r3 = readx(500)
print(r1, r2, r3)
assert(r1 == 1500 and r2 == 2500 and r3 == 1500)

-- an _ENV with __index on _G: new globals go to the sandbox, reads fall through
local sandbox = setmetatable({}, { __index = _G })
local run_in = load("local s = 0 for i = 1, 600 do if i == 300 then math = { floor = function() return 1 end } end s = s + math.floor(i / 2) end return s", "=sandboxed", "t", sandbox)
local sres = run_in()
print(sres, rawget(sandbox, "math") ~= nil, math.floor(2.5))
assert(sres == 22350 + 301 and math.floor(2.5) == 2)

-- globals written in the loop, read back through _G
for i = 1, 400 do _G["g" .. (i % 4)] = i end
print(g0, g1, g2, g3)
assert(g0 == 400 and g1 == 397 and g2 == 398 and g3 == 399)
