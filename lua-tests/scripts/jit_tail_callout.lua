-- `return f(...)` from an inlined function where the recorder does not inline f (a native it does not compile, a value with __call, a function with a loop past the inlining limits, untested here: recording aborts before the limits at depth): called out as the interpreter's TAILCALL (a native runs above the inlined frame, which returns its results; a Lua function replaces the frame), and the trace goes on in the caller. Every number of wanted results, errors raised by the callee (message and position), tracebacks taken inside, yields through it.  -- jit-traces>=3 -- jit-callouts>=1500 -- jit-nested>=100
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

-- a value with __call in tail position: its Lua handler replaces the frame
local obj = setmetatable({}, { __call = function(self, n) local s = 0 for i = 1, n do s = s + i end return s, n end })
local function viaobj(n) return obj(n) end
local t1, t2 = 0, 0
for i = 1, 200 do
  local a, b = viaobj(i % 20 + 1)
  t1, t2 = t1 + a, t2 + b
end
print("__call", t1, t2)

-- a tail-called Lua function that raises: the traceback shows the tail call
local function raiser(n) if n % 40 == 0 then error("raised " .. n) end local s = 0 for i = 1, 3 do s = s + i end return s end
local robj = setmetatable({}, { __call = function(_, n) return raiser(n) end })
local function viarobj(n) return robj(n) end
local errs2, msg2, tbl = 0, nil, nil
local function handler(m) tbl = debug.traceback(m, 1) return m end
for i = 1, 200 do
  local ok, e = xpcall(viarobj, handler, i)
  if not ok then errs2 = errs2 + 1; msg2 = e end
end
print("raised", errs2, msg2, select(2, tbl:gsub("tail call", "")))
