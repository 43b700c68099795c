-- Upvalues are closed when their scope exits (block, loop, function return, break, goto).
local saved = {}
do
  local a = "block"
  saved[1] = function() return a end
end
local function make()
  local b = "function"
  saved[2] = function() return b end
  b = "function (modified)"
end
make()
for i = 1, 10 do
  local c = "loop " .. i
  if i == 3 then
    saved[3] = function() return c end
    break
  end
end
do
  local k = 0
  ::again::
  local d = "goto " .. k
  saved[#saved + 1] = function() return d end
  k = k + 1
  if k < 3 then goto again end
end
for i, f in ipairs(saved) do print(i, f()) end
assert(saved[3]() == "loop 3")
assert(saved[4]() == "goto 0" and saved[6]() == "goto 2")
-- a closure outliving several stack frames
local function deep(n)
  if n == 0 then
    local secret = "bottom"
    return function() return secret end
  end
  local r = deep(n - 1)
  return r
end
print(deep(50)())
-- upvalue of an upvalue: closed twice over
local function gen()
  local x = 0
  return function()
    return function() x = x + 1; return x end
  end
end
local inner = gen()()
print(inner(), inner())
