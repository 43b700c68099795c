-- debug hooks: line events (loops, branches, coroutines), getlocal/getinfo inside line and
-- count hooks, tail-call events

local events = {}
local function record(ev, line)
  events[#events + 1] = line and (ev .. " " .. line) or ev
end
local function flush(label)
  print(label, table.concat(events, ", "))
  events = {}
end

local function loop()
  local s = 0
  for i = 1, 3 do
    s = s + i
  end
  return s
end
debug.sethook(record, "l")
loop()
debug.sethook()
flush("lines")

-- line events of while/repeat/if
local function branches(n)
  local c = 0
  while c < n do
    c = c + 1
  end
  repeat c = c - 1 until c == 0
  if n > 1 then
    c = 10
  else
    c = 20
  end
  return c
end
debug.sethook(record, "l")
branches(2)
debug.sethook()
flush("branches")

-- call and return events with the name of the function called
local names = {}
local function named(ev)
  local info = debug.getinfo(2, "nS")
  names[#names + 1] = ev .. ":" .. tostring(info.name) .. ":" .. info.what
end
local function leaf() return 1 end
local function mid() return leaf() + 1 end
local function tailer() return leaf() end
debug.sethook(named, "cr")
mid()
tailer()
debug.sethook()
print("calls", table.concat(names, " "))

-- the hook sees the hooked function's locals and line
local seen = {}
local function peek(ev, line)
  local name, value = debug.getlocal(2, 1)
  if name == "p" then seen[#seen + 1] = line .. ":" .. tostring(value) end
end
local function target(p)
  p = p + 1
  p = p * 2
  return p
end
debug.sethook(peek, "l")
target(1)
debug.sethook()
print("peek", table.concat(seen, " "))

-- hooks are per thread
local co = coroutine.create(function()
  debug.sethook(record, "l")
  local x = 1
  coroutine.yield()
  x = 2
  debug.sethook()
end)
coroutine.resume(co)
print("main thread hook", debug.gethook())
print("co hook set", debug.gethook(co) == record)
coroutine.resume(co)
flush("co lines")
local co2 = coroutine.create(function() local a = 1 coroutine.yield() a = 2 end)
debug.sethook(co2, record, "l")
print("other thread hook", debug.gethook(co2) == record, select(2, debug.gethook(co2)))
coroutine.resume(co2)
coroutine.resume(co2)
debug.sethook(co2)
flush("co2 lines")


-- what a hook sees of the hooked frame: its current line and its own name
local out = {}
local function h(ev, line)
  local i = debug.getinfo(2, "l")
  local me = debug.getinfo(1, "n")
  out[#out + 1] = ev .. ":" .. tostring(line) .. ":" .. i.currentline .. ":" .. tostring(me.name) .. ":" .. me.namewhat
end
local function f3()
  local a = 1
  local b = 2
  return a + b
end
debug.sethook(h, "l")
f3()
debug.sethook()
print(table.concat(out, " "))
out = {}
debug.sethook(h, "", 1)
local x = 1
debug.sethook()
print(table.concat(out, " "))
