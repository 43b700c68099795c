-- string.dump + load round trips: dumped functions behave like the originals.
-- (Dumped bytes differ between implementations, so only behaviour is printed.)

local function roundtrip(f, strip)
  local s = string.dump(f, strip)
  assert(type(s) == "string")
  local g = assert(load(s, "=dumped", "b"))
  return g
end

local function same(name, f, ...)
  local want = table.pack(pcall(f, ...))
  for _, strip in ipairs({ false, true }) do
    local got = table.pack(pcall(roundtrip(f, strip), ...))
    assert(got.n == want.n, name)
    for i = 1, want.n do
      local a, b = want[i], got[i]
      if a ~= a then
        assert(b ~= b, name)
      else
        assert(a == b and math.type(a) == math.type(b), name .. ": " .. tostring(b))
      end
    end
  end
  print(name, table.unpack(want, 1, want.n))
end

same("constants", function()
  return 1, 1.0, -0.0, 1 / 0, -1 / 0, math.maxinteger, math.mininteger, 2 ^ 53, 0.1, nil, true, false
end)
same("strings", function()
  return "", "a\0b", ("x"):rep(3), "a long string constant that is longer than forty bytes ........"
end)
same("params", function(a, b, c) return c, b, a end, 1, 2, 3)
same("varargs", function(...) return select("#", ...), ... end, 1, nil, 3)
same("vararg table", function(...) local t = { ... } return #t, t[1], t[#t] end, "p", "q", "r")
same("arith", function(x, y)
  return x + y, x - y, x * y, x / y, x // y, x % y, x ^ 2, -x, x & y, x | y, x ~ y, x << 2, x >> 1, ~x
end, 13, 5)
same("compare", function(x, y) return x < y, x <= y, x > y, x >= y, x == y, x ~= y, x == 3, x < 100 end, 3, 4)
same("logic", function(a, b) return a and b, a or b, not a, a and 1 or 2 end, nil, 7)
same("concat", function(a) return a .. "-" .. 1 .. "-" .. 2.5 end, "s")
same("len", function(t) return #t, #"abc" end, { 1, 2, 3, 4 })
same("numeric for", function()
  local s = 0
  for i = 1, 100 do s = s + i end
  for i = 10, 1, -3 do s = s + i end
  for x = 0.5, 2, 0.5 do s = s + x end
  return s
end)
same("generic for", function()
  local keys = {}
  for _, v in ipairs({ "a", "b", "c" }) do keys[#keys + 1] = v end
  return table.concat(keys, ",")
end)
same("while repeat goto", function()
  local n, m = 0, 0
  while n < 10 do n = n + 1 if n == 7 then break end end
  repeat m = m + 2 until m > 9
  local i = 0
  ::top::
  i = i + 1
  if i < 5 then goto top end
  return n, m, i
end)
same("closures", function(n)
  local function counter()
    local c = 0
    return function() c = c + 1 return c end
  end
  local a, b = counter(), counter()
  a() a()
  return a(), b(), n
end, 42)
same("recursion", function(n)
  local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end
  return fib(n)
end, 20)
same("tail call", function(n)
  local function loop(k, acc) if k == 0 then return acc end return loop(k - 1, acc + k) end
  return loop(n, 0)
end, 10000)
same("methods", function()
  local obj = { v = 10 }
  function obj:get(d) return self.v + d end
  return obj:get(5)
end)
same("table constructor", function()
  local t = { 1, 2, 3, x = "x", [10] = "ten", f = function() return "f" end }
  local big = {}
  for i = 1, 300 do big[i] = i end
  local lit = { table.unpack(big) }
  return #t, t.x, t[10], t.f(), #lit, lit[300]
end)
same("to-be-closed", function()
  local log = {}
  do
    local x <close> = setmetatable({}, { __close = function() log[#log + 1] = "closed" end })
    local y <const> = 5
    log[#log + 1] = "body" .. y
  end
  return table.concat(log, " ")
end)
same("pcall inside", function() return pcall(error, "inner") end)
same("integer vs float", function() return math.type(3), math.type(3.0), 7 // 2, 7.0 // 2, 3 | 0 end)

-- Globals are reached through the loaded function's first upvalue (_ENV).
dumped_global = "global value"
print("global", roundtrip(function() return dumped_global end)())

-- Upvalues are not saved: the first one becomes the environment, the others nil.
local up1, up2 = "one", "two"
local function uses_upvalues() return up1, up2 end
local g = roundtrip(uses_upvalues)
local a, b = g()
print("upvalues", a == _G, b)

-- The env argument of load replaces _ENV.
local env = { dumped_global = "from env" }
local s = string.dump(function() return dumped_global end)
print("env", load(s, "=e", "b", env)())
print("env t", load(s, "=e", "bt", env)())

-- A loaded function can be dumped again.
local twice = roundtrip(roundtrip(function(x) return x * 2 end))
print("twice", twice(21), roundtrip(twice, true)(4))

-- Nested functions dumped on their own.
local function outer()
  return function(p) return p .. "!" end
end
print("nested", roundtrip(outer())("hi"))

-- string.dump of a function loaded from text with a chunk name.
local fromtext = load("local a = ... return a * 3", "=text")
print("from text", roundtrip(fromtext)(5), roundtrip(fromtext, true)(6))

-- Main chunks with varargs.
local main = load("return select('#', ...), ...")
print("main varargs", roundtrip(main)(1, 2, 3))
