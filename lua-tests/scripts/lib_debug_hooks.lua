-- debug.sethook / gethook: call, return and count events, masks, per-thread hooks

local events = {}
local function record(ev, line)
  events[#events + 1] = line and (ev .. " " .. line) or ev
end

-- call and return events with the name of the function called
local names = {}
local function named(ev)
  local info = debug.getinfo(2, "nS")
  names[#names + 1] = ev .. ":" .. tostring(info.name) .. ":" .. info.what
end
local function leaf() return 1 end
local function mid() return leaf() + 1 end
debug.sethook(named, "cr")
mid()
debug.sethook()
print("calls", table.concat(names, " "))

-- count hook
local count = 0
debug.sethook(function(ev) assert(ev == "count"); count = count + 1 end, "", 10)
for i = 1, 100 do local _ = i * 2 end
debug.sethook()
print("count hook ran", count > 5)

-- gethook
print("no hook", debug.gethook())
local h = function() end
debug.sethook(h, "crl", 7)
local gh, gm, gc = debug.gethook()
debug.sethook()
print("gethook", gh == h, gm, gc)
debug.sethook(h, "l")
print("mask l", select(2, debug.gethook()))
debug.sethook(h, "", 0)
print("empty mask turns off", debug.gethook())
debug.sethook(h, "xyz")
print("unknown letters", debug.gethook())
debug.sethook(h, "", 3)
gh, gm, gc = debug.gethook()
debug.sethook()
print("count only", gh == h, gm == "", gc)
debug.sethook(nil, "crl")
print("nil hook", debug.gethook())

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
events = {}
local co2 = coroutine.create(function() local a = 1 coroutine.yield() a = 2 end)
debug.sethook(co2, record, "l")
print("other thread hook", debug.gethook(co2) == record, select(2, debug.gethook(co2)))
coroutine.resume(co2)
coroutine.resume(co2)
debug.sethook(co2)
events = {}

-- errors
print(pcall(debug.sethook, 1, "l"))
print(pcall(debug.sethook, print))
print(pcall(debug.sethook, print, {}))
print(pcall(debug.sethook, print, "l", "x"))
print(debug.gethook())
