-- Small differences from PUC found by fuzzing and by a new user (issue 18): load's reader,
-- next's message, select's '#', resume's result limit, read counts, GC parameters, the
-- __index/__newindex chain limit, NUL in chunk names, load's stack overflow under xpcall,
-- and many labels.

-- load with a reader returning numbers: converted as strings.
local parts = {"return ", 1, "+", 2.5, nil}
local i = 0
local f = assert(load(function() i = i + 1 return parts[i] end))
print("reader numbers", f())
assert(f() == 3.5)
i = 0
parts = {"return ", true}
print("reader boolean", pcall(load, function() i = i + 1 return parts[i] end))
i = 0
local function handler(m) return "handled: " .. m end
print("reader boolean, xpcall", xpcall(function()
  return load(function() i = i + 1 return parts[i] end)
end, handler))
print("reader error", xpcall(function() return load(function() error("in reader") end) end,
  handler))

-- next with a key that is not in the table: no position in the message.
print(pcall(next, {}, "nokey"))
print(pcall(next, {1, 2}, 3))

-- select counts with any string starting with '#'.
print(select("#x", 1, 2, 3), select("#", nil, nil), select("##", 1))
assert(select("#x", 1, 2, 3) == 3)
print(pcall(select, "x#", 1))

-- A coroutine returning more values than the resumer's stack takes.
local co = coroutine.create(function() return table.unpack({}, 1, 999990) end)
print("resume", coroutine.resume(co))
print("status", coroutine.status(co))
local w = coroutine.wrap(function() return table.unpack({}, 1, 999990) end)
print("wrap", pcall(w))

-- read with a count no buffer can hold.
local fh = assert(io.open("misc_fuzz_finds.lua"))
print("read -1", pcall(fh.read, fh, -1))
print("read 5", fh:read(5))
fh:close()

-- GC parameters are kept as PUC keeps them (a byte of value/4).
collectgarbage("incremental", -1, -1, -1)
print("setpause", collectgarbage("setpause", 100), collectgarbage("setpause"))
print("setstepmul", collectgarbage("setstepmul", 1024), collectgarbage("setstepmul", 100))
print("setpause", collectgarbage("setpause", 1000), collectgarbage("setpause", 200))
collectgarbage("generational")

-- The __index chain stops after 2000 links whatever the key; the last table is looked in.
local function chain(n, last)
  local t = last or {}
  for _ = 1, n do t = setmetatable({}, {__index = t, __newindex = t}) end
  return t
end
for _, k in ipairs{"x", 1, 2.5, true, ("long"):rep(20)} do
  local r = {}
  for _, n in ipairs{1999, 2000} do
    r[#r + 1] = tostring(pcall(function() return chain(n)[k] end))
    r[#r + 1] = tostring(pcall(function() return chain(n, {[k] = "v"})[k] end))
    r[#r + 1] = tostring(pcall(function() chain(n)[k] = 1 end))
    r[#r + 1] = tostring(pcall(function() chain(n, {[k] = 0})[k] = 1 end))
  end
  print("chain", type(k), table.concat(r, " "))
end
print(pcall(function() return chain(2001).x end))

-- A chunk name ends at its first NUL, as a C string does.
print(pcall(load("error('in chunk')", "name\0hidden")))
print(load("x = ", "=name\0hidden"))
print(debug.getinfo(load("return 1", "@file\0rest"), "S").source)

-- "C stack overflow" while parsing goes through the message handler of an xpcall.
local deep = "return " .. ("{"):rep(300) .. ("}"):rep(300)
print(pcall(load, deep))
print(xpcall(function() return load(deep) end, function(m) return "handled: " .. m end))
print(xpcall(load, function(m) return "handled directly: " .. m end, deep))

-- Many labels and gotos load in linear time.
local src = {}
for n = 1, 30000 do src[n] = "goto l" .. n .. " ::l" .. n .. "::" end
print("labels", load(table.concat(src, " ")) ~= nil)
src = {}
for n = 1, 20000 do src[n] = "::l" .. n .. ":: do goto l" .. n .. " end" end
print("backward", load(table.concat(src, " ")) ~= nil)

-- assert's message gets the position of its caller, as error's does (PUC's assert calls it).
print(pcall(function() assert(false, "with position") end))
print(pcall(function() assert(nil) end))
print(pcall(assert, false, "called from C: no position"))
print(pcall(function() assert(false, 42) end))
print(pcall(function() assert(false, {}) end) == false)
