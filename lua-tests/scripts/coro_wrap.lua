-- coroutine.wrap: generators and error propagation.
local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i) end
  return "last"
end)
print(gen(), gen(), gen(), gen())
print(pcall(gen))
-- errors inside wrap propagate to the caller with position information
local bad = coroutine.wrap(function() local x = nil; return x.field end)
local ok, err = pcall(bad)
print(ok, err)
-- error objects pass through unchanged
local tbl = {}
local bad2 = coroutine.wrap(function() error(tbl) end)
local ok2, err2 = pcall(bad2)
print(ok2, err2 == tbl)
-- string errors raised with level 0 keep their text
local bad3 = coroutine.wrap(function() error("plain", 0) end)
print(pcall(bad3))
-- wrap passes arguments on each call
local acc = coroutine.wrap(function(first)
  local total = first
  while true do
    local v = coroutine.yield(total)
    total = total + v
  end
end)
print(acc(1), acc(2), acc(3), acc(4))
-- permutations generator
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local function permutations(a)
  return coroutine.wrap(function() permgen(a) end)
end
local results = {}
for p in permutations({ "a", "b", "c" }) do results[#results + 1] = table.concat(p) end
table.sort(results)
print(#results, table.concat(results, " "))
