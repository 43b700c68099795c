-- Yields through natives that call Lua with a continuation (dofile, pairs's __pairs),
-- and natives whose Lua calls are not yieldable (load readers, gsub, sort, finalizers).

-- dofile: the chunk yields twice, then returns three values through dofile.
local fname = os.tmpname()
local fh = assert(io.open(fname, "w"))
fh:write("local a = coroutine.yield('first', coroutine.isyieldable())\n",
         "local b, c = coroutine.yield(a * 2)\n",
         "return a, b + c, 'chunk done'\n")
fh:close()
local co = coroutine.wrap(dofile)
print(co(fname))
print(co(21))
print(co(5, 6))
-- dofile inside a coroutine body, its results used by the caller
co = coroutine.wrap(function()
  local x, y, z = dofile(fname)
  return "body got", x, y, z
end)
print(co())
print(co(1))
print(co(2, 3))
os.remove(fname)

-- __pairs yields before returning the iterator triple
local t = setmetatable({}, {__pairs = function(self)
  local limit = coroutine.yield("pairs wants a limit")
  return function(_, i)
    i = i + 1
    if i <= limit then return i, i * i end
  end, self, 0
end})
co = coroutine.wrap(function()
  local out = {}
  for k, v in pairs(t) do out[#out + 1] = k .. ":" .. v end
  return table.concat(out, " ")
end)
print(co())
print(co(4))

-- __pairs is a native that yields: its resume values become pairs's results
local t2 = setmetatable({}, {__pairs = coroutine.yield})
co = coroutine.wrap(function()
  local f, s, c = pairs(t2)
  return f == next, type(s), c
end)
print(co() == t2)
print(co(next, {}, "ctl"))

-- __pairs returning fewer or more values than three
local t3 = setmetatable({}, {__pairs = function() coroutine.yield(); return next end})
co = coroutine.wrap(function() return select("#", pairs(t3)) end)
co()
print(co())

-- outside coroutines pairs and dofile behave as always
print(pcall(pairs, setmetatable({}, {__pairs = function() coroutine.yield() end})))

-- these natives call Lua without continuations: yielding there is an error
local function try(f)
  return coroutine.wrap(function() return pcall(f) end)()
end
print(try(function() return string.gsub("ab", "%w", function() coroutine.yield() end) end))
print(try(function() table.sort({3, 2, 1}, function() coroutine.yield() end) end))
print(try(function() return load(function() coroutine.yield() end) end))
print(coroutine.wrap(function()
  setmetatable({}, {__gc = function() print("finalizer yieldable:", coroutine.isyieldable()) end})
  collectgarbage()
  return "after gc"
end)())

-- isyieldable
print(coroutine.isyieldable())
print(coroutine.wrap(function()
  return coroutine.isyieldable(), select(2, pcall(coroutine.isyieldable))
end)())
print(coroutine.wrap(function()
  return string.gsub("x", "x", function() return tostring(coroutine.isyieldable()) end)
end)())
