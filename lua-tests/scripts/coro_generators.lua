-- Generators: recursive traversal, infinite sequences, interleaving.
local function tree_walk(node)
  return coroutine.wrap(function()
    local function walk(n)
      if not n then return end
      walk(n.left)
      coroutine.yield(n.value)
      walk(n.right)
    end
    walk(node)
  end)
end
local function insert(root, v)
  if not root then return { value = v } end
  if v < root.value then root.left = insert(root.left, v) else root.right = insert(root.right, v) end
  return root
end
local root
for _, v in ipairs({ 50, 30, 70, 20, 40, 60, 80, 35, 65 }) do root = insert(root, v) end
local sorted = {}
for v in tree_walk(root) do sorted[#sorted + 1] = v end
print(table.concat(sorted, " "))
-- infinite fibonacci generator, take the first 15
local function fib()
  return coroutine.wrap(function()
    local a, b = 0, 1
    while true do coroutine.yield(a); a, b = b, a + b end
  end)
end
local f, first = fib(), {}
for i = 1, 15 do first[i] = f() end
print(table.concat(first, ","))
-- primes by a sieve of chained coroutines
local function gen_from(n)
  return coroutine.wrap(function() while true do coroutine.yield(n); n = n + 1 end end)
end
local function filter_multiples(p, g)
  return coroutine.wrap(function()
    while true do local n = g(); if n % p ~= 0 then coroutine.yield(n) end end
  end)
end
local primes, g = {}, gen_from(2)
for i = 1, 15 do
  local p = g()
  primes[i] = p
  g = filter_multiples(p, g)
end
print(table.concat(primes, " "))
-- interleaving two generators
local function letters() return coroutine.wrap(function() for c in ("abc"):gmatch(".") do coroutine.yield(c) end end) end
local function numbers() return coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) end
local l, n, mixed = letters(), numbers(), {}
for _ = 1, 3 do mixed[#mixed + 1] = l(); mixed[#mixed + 1] = n() end
print(table.concat(mixed))
