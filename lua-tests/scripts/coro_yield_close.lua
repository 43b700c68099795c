-- Yields inside __close handlers: on block exit (CLOSE), on return (RETURN with values),
-- and while a pcall/xpcall closes variables after an error.
local function closer(name, opts)
  opts = opts or {}
  return setmetatable({}, {__close = function(_, e)
    print("close", name, e)
    if opts.yield then print("resumed", name, coroutine.yield(name)) end
    if opts.err then error(opts.err, 0) end
  end})
end

-- drive a coroutine to its end, printing every yield
local function run(f, ...)
  local co = coroutine.create(f)
  local r = table.pack(coroutine.resume(co, ...))
  local n = 0
  while true do
    print("->", table.unpack(r, 1, r.n))
    if coroutine.status(co) == "dead" then break end
    n = n + 1
    r = table.pack(coroutine.resume(co, "r" .. n))
  end
end

print("block exit and return")
run(function(...)
  do
    local a <close> = closer("a", {yield = true})
    local b <close> = closer("b", {yield = true})
  end
  local c <close> = closer("c", {yield = true})
  local d <close> = closer("d", {yield = true})
  return ...
end, 1, nil, 3)

print("many results")
run(function()
  local a <close> = closer("a", {yield = true})
  return table.unpack({}, 1, 40)
end)

print("native handler")
do
  local co = coroutine.wrap(function()
    local x <close> = setmetatable({}, {__close = coroutine.yield})
    return "x1", "x2"
  end)
  local o, e = co()
  print(type(o), e)
  print(co())
end

print("break out of generic for")
run(function()
  local function iter(_, i) if i < 3 then return i + 1 end end
  for i in iter, nil, 0, closer("loop", {yield = true}) do
    if i == 2 then break end
  end
  return "after loop"
end)

print("goto out of block")
run(function()
  do
    local g <close> = closer("g", {yield = true})
    goto out
  end
  ::out::
  return "out"
end)

print("pcall closing after an error")
run(function()
  return pcall(function()
    local a <close> = closer("a", {yield = true})
    local b <close> = closer("b", {yield = true, err = "from b"})
    error("body", 0)
  end)
end)

print("xpcall: the handler sees errors of closing methods too")
run(function()
  return xpcall(function()
    local a <close> = closer("a", {yield = true, err = "from a"})
    local b <close> = closer("b", {yield = true})
    coroutine.yield("mid")
    error("body", 0)
  end, function(m) return "H:" .. tostring(m) end)
end)
print(xpcall(function()
  local a <close> = closer("a", {err = "ea"})
  local b <close> = closer("b", {err = "eb"})
  error("body", 0)
end, function(m) return "H(" .. tostring(m) .. ")" end))

print("runtime error, then the caller goes on")
run(function()
  local outer <close> = closer("outer", {yield = true})
  local ok, e = pcall(function()
    local a <close> = closer("a", {err = "ea"})
    local b <close> = closer("b", {yield = true})
    local z = nil
    return z.field
  end)
  print("pcall gave", ok, e)
  return "fin"
end)

print("a protected call inside a closing method")
run(function()
  return pcall(function()
    local a <close> = setmetatable({}, {__close = function(_, e)
      print("inner", e, pcall(function() coroutine.yield("inner yield"); error("inner error", 0) end))
      coroutine.yield("after inner")
    end})
    error("E", 0)
  end)
end)

print("an error in a coroutine closes its variables when wrapped")
local co = coroutine.wrap(function()
  local a <close> = closer("a")
  error("boom", 0)
end)
print(pcall(co))
