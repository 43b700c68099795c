-- Long allocation loops finish with memory bounded: the collector keeps up on its own (no
-- explicit collectgarbage in the loops). Only comparisons of counts are printed.
collectgarbage()
local base = collectgarbage("count")
local limit = base + 64 * 1024   -- 64 MB above the start: generous, but finite

local peak = base
local function sample()
  local c = collectgarbage("count")
  if c > peak then peak = c end
end

-- tables of tables
local acc = 0
for i = 1, 300000 do
  local t = { i, { i + 1 }, x = i }
  acc = acc + t[2][1]
  if i % 10000 == 0 then sample() end
end
print("tables:", acc, peak < limit)

-- strings: short interned ones and long ones
local len = 0
for i = 1, 200000 do
  local s = "k" .. (i % 5000)
  local l = string.rep("z", 100 + i % 50) .. i
  len = len + #s + #l
  if i % 10000 == 0 then sample() end
end
print("strings:", len, peak < limit)

-- closures with upvalues
local sum = 0
for i = 1, 200000 do
  local a = { i }
  local f = function() return a[1] end
  sum = sum + f()
  if i % 10000 == 0 then sample() end
end
print("closures:", sum, peak < limit)

-- coroutines created and abandoned while suspended
local resumed = 0
for i = 1, 20000 do
  local co = coroutine.create(function(x) coroutine.yield(x + 1) end)
  local _, v = coroutine.resume(co, i)
  resumed = resumed + (v - i)
  if i % 1000 == 0 then sample() end
end
print("coroutines:", resumed, peak < limit)

-- a growing-then-shrinking structure: memory comes back after it is dropped
local big = {}
for i = 1, 100000 do big[i] = { i } end
local with_big = collectgarbage("count")
big = nil
collectgarbage()
local after = collectgarbage("count")
print("released:", with_big > after, after < base + 2048)

-- objects with finalizers in a loop: all finalized, memory bounded
local finalized = 0
local mt = { __gc = function() finalized = finalized + 1 end }
for i = 1, 50000 do
  setmetatable({ i }, mt)
  if i % 5000 == 0 then sample() end
end
collectgarbage()
collectgarbage()
print("finalizers:", finalized, peak < limit)

-- a weak cache that would grow forever if weak entries were kept
local cache = setmetatable({}, { __mode = "v" })
for i = 1, 100000 do
  cache[i] = { i }
  if i % 10000 == 0 then sample() end
end
collectgarbage()
local n = 0
for _ in pairs(cache) do n = n + 1 end
print("weak cache:", n, peak < limit)

-- with the collector stopped memory grows; after restart it is reclaimed
collectgarbage()
local before_stop = collectgarbage("count")
collectgarbage("stop")
for i = 1, 20000 do local _ = { i } end
local stopped = collectgarbage("count")
print("stopped grows:", stopped > before_stop, collectgarbage("isrunning"))
collectgarbage("restart")
collectgarbage()
print("restarted:", collectgarbage("count") < stopped, collectgarbage("isrunning"))

-- explicit steps make progress: some step eventually completes a cycle (in incremental
-- mode; `lua` starts in generational mode, where PUC's steps never report one)
collectgarbage("incremental")
local completed = false
for _ = 1, 100000 do
  local _ = { {}, {} }
  if collectgarbage("step", 1) then completed = true; break end
end
print("step completes a cycle:", completed)
