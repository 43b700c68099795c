-- debug hooks turned on and off while Lua code runs: in the middle of a function, from a
-- metamethod, from a called function (seen after the return), inside a coroutine, and from
-- inside a hook; line and count events must start and stop at exactly the same instructions

local lines = {}
local function linehook(_, l)
  lines[#lines + 1] = l
end
local function flush(label)
  print(label, #lines, table.concat(lines, ","))
  lines = {}
end

-- on and off within one function body
local function f(x)
  local y = x + 1
  debug.sethook(linehook, "l")
  local z = y * 2
  z = z + 1
  debug.sethook()
  return z
end
print(f(1))
flush("mid-function")

-- on from a metamethod, off from a later statement
local count = 0
local mt = {
  __add = function()
    debug.sethook(function()
      count = count + 1
    end, "", 1)
    return 7
  end,
}
local t = setmetatable({}, mt)
local s = 0
for i = 1, 10 do
  s = s + i
end
local r = t + 1
for i = 1, 10 do
  s = s + i
end
debug.sethook()
print("metamethod", r, s, count)

-- on in a called function: the caller sees line events after the return
local function enable()
  debug.sethook(linehook, "l")
end
local function caller()
  local a = 1
  enable()
  a = a + 1
  a = a * 3
  debug.sethook()
  return a
end
print(caller())
flush("after return")

-- off from inside a hook: no events after the one that turned it off
local seen = 0
debug.sethook(function(_, l)
  seen = seen + 1
  lines[#lines + 1] = l
  if seen == 3 then
    debug.sethook()
  end
end, "l")
local u = 0
for i = 1, 5 do
  u = u + i
end
flush("off in hook")
print("seen", seen, u)

-- a coroutine's own hooks
local co = coroutine.wrap(function()
  local n = 0
  debug.sethook(function()
    n = n + 1
  end, "", 1)
  for _ = 1, 5 do
    n = n + 0
  end
  debug.sethook()
  coroutine.yield(n)
  return "done"
end)
print("coroutine", co())
print("coroutine", co())

-- a hook set on a coroutine from outside, seen when it resumes
local events = 0
local co2 = coroutine.create(function()
  local k = 0
  for i = 1, 4 do
    k = k + i
    coroutine.yield(k)
  end
  return k
end)
print(coroutine.resume(co2))
debug.sethook(co2, function()
  events = events + 1
end, "l")
print(coroutine.resume(co2))
print(coroutine.resume(co2))
debug.sethook(co2)
print(coroutine.resume(co2))
print("outside", events)

-- repeated on/off in a hot loop
local total = 0
for i = 1, 200 do
  if i % 50 == 0 then
    debug.sethook(function()
      total = total + 1
    end, "", 7)
  elseif i % 50 == 10 then
    debug.sethook()
  end
end
debug.sethook()
print("loop", total)

-- call and return hooks turned on mid-function: the calls and returns right after see them
local calls = {}
local function leaf(x)
  return x + 1
end
local function tail(x)
  return leaf(x)
end
local function body()
  local v = leaf(1)
  debug.sethook(function(ev)
    local info = debug.getinfo(2, "n")
    calls[#calls + 1] = ev .. ":" .. tostring(info and info.name)
  end, "cr")
  v = v + leaf(2)
  v = v + tail(3)
  debug.sethook()
  v = v + leaf(4)
  return v
end
print("call hooks", body())
print(table.concat(calls, " "))

-- a count hook and a call hook together, then only the call hook
local n, c = 0, 0
debug.sethook(function(ev)
  if ev == "count" then
    n = n + 1
  else
    c = c + 1
  end
end, "c", 3)
for i = 1, 30 do
  leaf(i)
end
debug.sethook(function()
  c = c + 1
end, "c")
for i = 1, 10 do
  leaf(i)
end
debug.sethook()
print("count and call", n, c)
