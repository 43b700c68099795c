-- `return native(...)` from an inlined function, a native the recorder does not compile: called out, the native runs above the inlined frame, which returns its results, and the trace goes on in the caller. Every number of wanted results, errors raised by the native (message and position), a traceback taken inside it, yields through it, and hooks.  -- jit-traces>=3 -- jit-callouts>=1000
local function fmt(i) return string.format("%d:%s", i, "x") end
local function cat(t) return table.concat(t, ",") end
local function bytes(i) return string.byte("abcdef", 1, i % 6 + 1) end
local function nothing(t) return table.sort(t) end

local acc, n, m, z = 0, 0, 0, 0
for i = 1, 300 do
  acc = acc + #fmt(i)                       -- one result
  n = n + #cat({ i, i + 1 })
  m = m + select("#", bytes(i))             -- all results
  local a, b, c = bytes(i)                  -- three
  m = m + a + (b or 0) + (c or 0)
  bytes(i)                                  -- none
  z = z + select("#", nothing({ 3, 1, 2 }))  -- a native returning nothing
end
print("results", acc, n, m, z)

-- errors from the native, caught inside the loop: message with the inlined function's line
local function fmt_checked(v) return string.format("%d", v) end
local function try(v) local ok, e = pcall(fmt_checked, v) return ok, e end
local errs, last = 0, nil
for i = 1, 200 do
  local v = (i % 50 == 0) and "bad" or i
  local ok, e = try(v)
  if not ok then errs = errs + 1; last = e end
end
print("errors", errs, last)
local ok, e = pcall(function()
  local s = 0
  for i = 1, 200 do s = s + #fmt_checked(i < 150 and i or {}) end
  return s
end)
print("caught outside", ok, e)

-- a traceback taken inside the native sees the inlined function's frame
local function tb() return debug.traceback("here", 1) end
local lines = 0
for i = 1, 100 do
  local t = tb()
  lines = lines + select(2, t:gsub("\n", "\n"))
end
print("traceback lines", lines)

-- a yield through the native (pcall of a yielding function) in a coroutine
local function yielder(x) coroutine.yield(x) return x * 2 end
local function through(x) return pcall(yielder, x) end
local co = coroutine.wrap(function()
  local s = 0
  for i = 1, 120 do
    local ok2, v = through(i)
    s = s + v
  end
  return "done", s
end)
local ys = 0
while true do
  local a, b = co()
  if a == "done" then print("yields", ys, b) break end
  ys = ys + a
end
