-- Recursion through local functions, mutual recursion, and memoisation.
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(10), fact(20), fact(21))
assert(fact(20) == 2432902008176640000)
local fib
fib = function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
assert(fib(20) == 6765)
-- `local function` sees itself; `local f = function` does not
local f = function() return type(f) end
print(f())
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print(is_even(10), is_odd(7), is_even(7))
local memo = {}
local function mfib(n)
  if n < 2 then return n end
  local v = memo[n]
  if v then return v end
  v = mfib(n - 1) + mfib(n - 2)
  memo[n] = v
  return v
end
print(mfib(90))
assert(mfib(90) == 2880067194370816120)
-- Ackermann (small)
local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end
print(ack(2, 3), ack(3, 3))
-- recursion depth of a few thousand is fine
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(5000))
-- Towers of Hanoi count
local moves = 0
local function hanoi(n, a, b, c)
  if n == 0 then return end
  hanoi(n - 1, a, c, b); moves = moves + 1; hanoi(n - 1, c, b, a)
end
hanoi(10, "A", "B", "C")
print(moves)
