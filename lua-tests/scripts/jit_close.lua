-- To-be-closed variables in traces: TBC (marking, with its __close check) and a CLOSE with something to close are call-outs, so `__close` handlers run as nested callees while the loop stays compiled. Handlers that loop (nested traces), raise errors, yield from a coroutine, see errors unwinding; non-closable values; false and nil; break; an inlined function returning with a variable to close.  -- jit-traces>=10 -- jit-callouts>=1000 -- jit-nested>=500
local log = {}
local closed = 0
local mt = { __close = function(o, e) closed = closed + o.v end }
local function res(v) return setmetatable({ v = v }, mt) end

-- plain: every iteration marks and closes
local sum = 0
for i = 1, 300 do
  local r <close> = res(i)
  sum = sum + r.v
end
print("plain", sum, closed)
assert(closed == sum)

-- a handler with a loop of its own (a nested trace below the loop's)
local spun = 0
local loopy = { __close = function(o) for j = 1, o.v % 13 + 20 do spun = spun + j % 3 end end }
for i = 1, 200 do
  local r <close> = setmetatable({ v = i }, loopy)
end
print("loopy", spun)

-- false and nil are not closed; a value without __close is an error from TBC
closed = 0
for i = 1, 200 do
  local r <close> = (i % 3 == 0) and res(1) or ((i % 3 == 1) and false or nil)
end
print("falsy", closed)
assert(closed == 66)
local bad = 0
local function maybe_bad(i)
  local r <close> = (i % 50 == 0) and {} or res(1)
  return i
end
for i = 1, 150 do
  local ok, err = pcall(maybe_bad, i)
  if not ok then bad = bad + 1; log[#log + 1] = err end
end
print("bad", bad, log[#log])
local ok, e = pcall(function()
  for i = 1, 200 do local r <close> = (i == 170) and {} or res(1) end
end)
print("bad in loop", ok, e)

-- a handler that raises: caught inside the loop and outside it
local function boom(o) if o.v % 40 == 0 then error("close error " .. o.v) end closed = closed + 1 end
local bmt = { __close = boom }
local function close_one(i) local r <close> = setmetatable({ v = i }, bmt) end
local caught = 0
for i = 1, 200 do
  local ok, e = pcall(close_one, i)
  if not ok then caught = caught + 1; log[#log + 1] = e end
end
print("caught inside", caught, log[#log])
ok, e = pcall(function()
  for i = 1, 200 do local r <close> = setmetatable({ v = i + 100 }, bmt) end
end)
print("caught outside", ok, e)

-- handlers see the error that unwinds through their block
local seen = {}
local emt = { __close = function(o, err) seen[#seen + 1] = err and "err" or "ok" end }
local function fails_sometimes(i)
  local r <close> = setmetatable({}, emt)
  if i % 30 == 0 then error("x") end
end
for i = 1, 120 do pcall(fails_sometimes, i) end
local nerr = 0
for _, s in ipairs(seen) do if s == "err" then nerr = nerr + 1 end end
print("seen", #seen, nerr)

-- break leaves the block through its CLOSE
closed = 0
for i = 1, 200 do
  for j = 1, 5 do
    local r <close> = res(j)
    if j == 3 then break end
  end
end
print("break", closed)
assert(closed == 200 * 6)

-- an inlined function whose return closes a variable
local function with_res(v)
  local r <close> = res(v)
  return r.v * 2
end
closed = 0
local acc = 0
for i = 1, 200 do acc = acc + with_res(i) end
print("inlined", acc, closed)
assert(acc == 2 * closed)

-- a handler that yields: the loop runs in a coroutine
local ymt = { __close = function(o) coroutine.yield(o.v) end }
local co = coroutine.wrap(function()
  for i = 1, 150 do local r <close> = setmetatable({ v = i }, ymt) end
  return "done"
end)
local ys, last = 0, nil
repeat
  last = co()
  if last ~= "done" then ys = ys + last end
until last == "done"
print("yields", ys, last)
assert(ys == 150 * 151 / 2)

-- jit.flush() and collectgarbage() inside __close handlers and tail-called callees while the
-- calling trace runs
local flush = jit and jit.flush or function() end
local nf = 0
local fmt = { __close = function() nf = nf + 1 if nf % 37 == 0 then flush() end if nf % 53 == 0 then collectgarbage() end end }
local fs = 0
for i = 1, 600 do
  local r <close> = setmetatable({}, fmt)
  fs = fs + i
end
local fobj = setmetatable({}, { __call = function(_, i)
  if i % 29 == 0 then flush() end
  local t = 0 for j = 1, 5 do t = t + j end
  return t
end })
local function via(i) return fobj(i) end
for i = 1, 600 do fs = fs + via(i) end
print("flushes", fs, nf)
