-- Producer/consumer pipelines with filters.
local function producer(items)
  return coroutine.create(function()
    for _, v in ipairs(items) do coroutine.yield(v) end
  end)
end
local function receive(prod)
  local ok, v = coroutine.resume(prod)
  assert(ok)
  return v
end
local function filter(prod, pred)
  return coroutine.create(function()
    while true do
      local v = receive(prod)
      if v == nil then return end
      if pred(v) then coroutine.yield(v) end
    end
  end)
end
local function map(prod, f)
  return coroutine.create(function()
    while true do
      local v = receive(prod)
      if v == nil then return end
      coroutine.yield(f(v))
    end
  end)
end
local nums = {}
for i = 1, 20 do nums[i] = i end
local pipeline = map(filter(producer(nums), function(x) return x % 3 == 0 end), function(x) return x * x end)
local out = {}
while true do
  local v = receive(pipeline)
  if v == nil then break end
  out[#out + 1] = v
end
print(table.concat(out, " "))
assert(#out == 6 and out[6] == 324)
-- a consumer-driven version: the consumer passes values into the coroutine
local sink = coroutine.wrap(function()
  local total, count = 0, 0
  while true do
    local v = coroutine.yield(count)
    if v == nil then break end
    total, count = total + v, count + 1
  end
  return "total " .. total .. " of " .. count
end)
sink()
for i = 1, 10 do sink(i) end
print(sink(nil))
-- many coroutines alive at once
local cos = {}
for i = 1, 100 do
  cos[i] = coroutine.wrap(function() local x = i; while true do x = x + i; coroutine.yield(x) end end)
end
local sum = 0
for round = 1, 3 do for i = 1, 100 do sum = sum + cos[i]() end end
print(sum)
