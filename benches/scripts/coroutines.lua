-- coroutines: generators and pipelines. A coroutine.wrap generator yields a number sequence,
-- a producer/filter/consumer pipeline passes values through chained coroutines, and a
-- round-robin of many small coroutines is resumed in turn. Measures resume/yield switches
-- and passing values across them.
local n = tonumber(arg and arg[1]) or 2000000

local function range(limit)
  return coroutine.wrap(function()
    for i = 1, limit do coroutine.yield(i) end
  end)
end

local function producer(limit)
  return coroutine.create(function()
    for i = 1, limit do coroutine.yield(i * 7 % 1000) end
    return nil
  end)
end

local function filter(source, pred)
  return coroutine.create(function()
    while true do
      local ok, v = coroutine.resume(source)
      if not ok then error(v) end
      if v == nil then return nil end
      if pred(v) then coroutine.yield(v) end
    end
  end)
end

local function consume(source)
  local sum, count = 0, 0
  while true do
    local ok, v = coroutine.resume(source)
    if not ok then error(v) end
    if v == nil then break end
    sum = sum + v
    count = count + 1
  end
  return sum, count
end

-- 1. a generator in a for loop
local gsum = 0
for i in range(n) do gsum = gsum + i % 13 end

-- 2. a three-stage pipeline
local psum, pcount = consume(filter(producer(n), function(v) return v % 3 ~= 0 end))

-- 3. round-robin over 100 tasks, each yielding its running total
local tasks = {}
for t = 1, 100 do
  tasks[t] = coroutine.create(function(step)
    local total = 0
    while true do
      total = total + step
      step = coroutine.yield(total)
    end
  end)
end
local rsum = 0
for round = 1, n // 100 do
  for t = 1, #tasks do
    local _, v = coroutine.resume(tasks[t], (t + round) % 17)
    rsum = (rsum + v) % 1000000007
  end
end
print("coroutines n=" .. n .. " gen=" .. gsum .. " pipe=" .. psum .. "/" .. pcount
  .. " rr=" .. rsum)
