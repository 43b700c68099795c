-- The stack limit is PUC's LUAI_MAXSTACK (1,000,000 slots), not a frame count: a recursion
-- with small frames goes nearly a million calls deep, one with big frames fewer; each
-- overflow leaves room for the next one's message handler.
local depth = 0
local function small() depth = depth + 1 return 1 + small() end
local function big(a, b, c, d, e, f, g, h)
  depth = depth + 1
  local x, y, z = 1, 2, 3
  return 1 + big(a, b, c, d, e, f, g, h)
end
for round = 1, 1 do
  depth = 0
  local ok, err = pcall(small)
  print(round, ok, err, depth > 990000, depth <= 1000000)
  depth = 0
  print(round, pcall(big))
  print(round, depth > 80000, depth < 90000)
  depth = 0
  print(round, xpcall(small, function(m) return "handled: " .. m end))
  print(round, depth > 990000)
end
local co = coroutine.create(function() depth = 0 return small() end)
print(coroutine.resume(co))
print(depth > 990000, coroutine.status(co))
-- Still usable afterwards.
local function sum(n) if n == 0 then return 0 end return n + sum(n - 1) end
print(sum(100000))
