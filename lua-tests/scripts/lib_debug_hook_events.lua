-- Hook event sequences (call/return/line/count, tail calls), as reference Lua reports them,
-- and what debug.getinfo says inside hooks (transfer values, "hook" names).

local events = {}
local function rec(ev, line)
  local info = debug.getinfo(2, "Sl")
  events[#events + 1] = ev .. (line and (" " .. line) or "")
    .. "@" .. info.what .. ":" .. info.linedefined .. ":" .. info.currentline
end
local function show(name)
  print(name .. ": " .. table.concat(events, ", "))
  events = {}
end

local function leaf(x) return x + 1 end
local function va(...)
  local a = ...
  return a
end
local function va1(...) return ... end
local function tail(x) return leaf(x) end
local function ntail(x) return tostring(x) end
local function loop(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end

-- the hook is set and cleared on the same line as the code it traces
debug.sethook(rec, "l"); local x = 1; debug.sethook()
show("same line")
debug.sethook(rec, "crl"); va(1); va1(2); leaf(3); debug.sethook()
show("vararg and plain calls")
debug.sethook(rec, "cr"); tail(1); ntail(2); debug.sethook()
show("tail calls")
debug.sethook(rec, "l"); loop(2); debug.sethook()
show("numeric loop")
debug.sethook(rec, "crl"); local s = math.abs(-1); local t = s
  + 1; debug.sethook()
show("native then next line")

-- line events of chunks: `then` lines, loops, one-line vararg chunks
local chunks = {
  "if\nmath.sin(1)\nthen\n  a=1\nelse\n  a=2\nend\n",
  "local a\nif a\nthen a = 1\nelseif not a\nthen a = 2\nend\n",
  "while math.sin(1) do\n  if math.sin(1)\n  then break\n  end\nend\na=1",
  "for i,v in pairs{'a','b'} do\n  a=tostring(i) .. v\nend\n",
  "local a = 1 local b = 2",
  "\n\nlocal a = 1\nrepeat\n  a = a + 1\nuntil a\n  > 2\n",
}
for i, src in ipairs(chunks) do
  local f = load(src)
  debug.sethook(rec, "l"); f(); debug.sethook()
  show("chunk " .. i)
end

-- count hooks: counted instructions do not include VARARGPREP
local counts = 0
debug.sethook(function() counts = counts + 1 end, "", 1)
va1(1, 2, 3)
debug.sethook()
print("count events", counts)

-- stripped code has no lines: the hook gets nil
local stripped = load(string.dump(function()
  local a = 1
  for i = 1, 2 do a = a + i end
  return a
end, true))
debug.sethook(rec, "l"); stripped(); debug.sethook()
show("stripped")

-- transfer information: arguments on call, results on return
local on = false
local function transfer(ev)
  if not on then return end
  local ar = debug.getinfo(2, "rS")
  local vals = {}
  for i = ar.ftransfer, ar.ftransfer + ar.ntransfer - 1 do
    local name, v = debug.getlocal(2, i)
    vals[#vals + 1] = name .. "=" .. tostring(v)
  end
  events[#events + 1] = ev .. "/" .. ar.what .. "/" .. ar.ftransfer .. "/" .. ar.ntransfer
    .. "[" .. table.concat(vals, " ") .. "]"
end
local function two(a, b) local c = a * b; return c, a end
debug.sethook(transfer, "cr")
on = true; math.max(3, 7); on = false
on = true; two(4, 5); on = false
on = true; va(7, 8, 9); on = false
on = true; select(2, "a", "b", "c"); on = false
debug.sethook()
show("transfer")
print("no transfer outside hooks", debug.getinfo(1, "r").ftransfer, debug.getinfo(1, "r").ntransfer)

-- inside a hook, the hook function is called "hook" (getinfo and tracebacks)
debug.sethook(function()
  local info = debug.getinfo(1, "n")
  events[#events + 1] = tostring(info.namewhat) .. " " .. tostring(info.name)
  local tb = debug.traceback()
  events[#events + 1] = (tb:match("\n%s*(.-)\n") or ""):gsub("^[^:]*:%d+: ", "")
end, "l")
local y = 2
debug.sethook()
show("hook names")
print("registry hook table is weak", getmetatable(debug.getregistry()._HOOKKEY).__mode)

-- a finalizer is named metamethod __gc
local finname
setmetatable({}, {__gc = function()
  local info = debug.getinfo(1, "n")
  finname = info.namewhat .. " " .. info.name
end})
collectgarbage()
print("finalizer", finname)

-- a hooked coroutine: the yield native returns when it is resumed
local co = coroutine.create(function()
  coroutine.yield(10)
  return 20
end)
debug.sethook(co, rec, "crl")
repeat until not coroutine.resume(co)
show("coroutine")

-- a metamethod (run by a nested loop) returning: no new line event for the rest of the line
local mt = {__index = function(t, k) return k .. "!" end}
local obj = setmetatable({}, mt)
debug.sethook(rec, "crl"); local v1, v2 = obj.a, obj.b; debug.sethook()
show("metamethod return")

-- a constructor's last SETLIST (and what follows) belongs to the line of its `}`
local ctor = load("local t = {\n  1,\n  2,\n}\nlocal u = {\n  x = 1,\n  [2] = 3 }\n")
debug.sethook(rec, "l"); ctor(); debug.sethook()
show("constructor lines")

-- generic for: TFORCALL right after TFORPREP and TFORLOOP are not traced
counts = 0
debug.sethook(function() counts = counts + 1 end, "", 1)
for _, _ in ipairs({1, 2, 3}) do end
for _ in next, {1, 2} do end
debug.sethook()
print("generic for count events", counts)

-- instructions run by a Lua hook count towards the count hook (without calling it), and
-- a count hook moves the line tracing state, so the line hook may fire again on a line
debug.sethook(rec, "l", 1); local z = 1; z = z + 1; debug.sethook()
show("count and line")
