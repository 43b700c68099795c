-- An inlined function's RETURN that closes a to-be-closed variable is a call-out: its `__close` handlers run as the call-out's callees (a loop in one becomes a nested trace), the results reach the caller (fixed and variable counts), errors and yields from a handler pass through.  -- jit-traces>=4 -- jit-callouts>=600 -- jit-nested>=100
local closed = 0
local mt = { __close = function(o, e) closed = closed + o.v end }
local function with(v)
  local r <close> = setmetatable({ v = v }, mt)
  return v * 2, v + 1
end
local s = 0
for i = 1, 300 do
  local a, b = with(i)
  s = s + a + b
end
print("values", s, closed)
assert(closed == 300 * 301 / 2)

-- a handler with a loop of its own (a nested trace below the loop's)
local spun = 0
local loopy = { __close = function(o) for j = 1, 25 do spun = spun + (j * o.v) % 7 end end }
local function spin(v)
  local r <close> = setmetatable({ v = v }, loopy)
  return v
end
local t = 0
for i = 1, 200 do t = t + spin(i) end
print("loopy", t, spun)

-- all the results of a call (a variable count)
closed = 0
local function multi(...)
  local r <close> = setmetatable({ v = 1 }, mt)
  return ...
end
local cnt = 0
for i = 1, 200 do
  cnt = cnt + select("#", multi(i, i, i % 3 == 0 and i or nil))
end
print("multi", cnt, closed)

-- an error in a handler: caught outside the loop, and around each call
local bad = { __close = function(o) if o.v % 50 == 0 then error("close " .. o.v) end end }
local function risky(v)
  local r <close> = setmetatable({ v = v }, bad)
  return v
end
local ok, err = pcall(function()
  local u = 0
  for i = 1, 300 do u = u + risky(i) end
  return u
end)
print("error", ok, err)
local caught, got = 0, 0
for i = 1, 300 do
  local ok2, v = pcall(function() return risky(i) + 1 end)
  if ok2 then got = got + v else caught = caught + 1 end
end
print("caught", caught, got)

-- a handler that yields (in a coroutine): the value comes back after the resume
local ymt = { __close = function(o) coroutine.yield(o.v) end }
local function yielder(v)
  local r <close> = setmetatable({ v = v }, ymt)
  return v * 10
end
local co = coroutine.wrap(function()
  local acc = 0
  for i = 1, 200 do acc = acc + yielder(i) end
  return "done", acc
end)
local ys = 0
while true do
  local x, y = co()
  if x == "done" then print("yield", y, ys) break end
  ys = ys + x
end
