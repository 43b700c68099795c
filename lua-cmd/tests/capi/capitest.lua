-- Drives capitest.c; run with the directory holding capitest.so as arg[1].
local dir = arg[1]
package.cpath = dir .. "/?.so"
local t = require "capitest"
local function show(...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    out[#out + 1] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  print(table.concat(out, "  "))
end
local function tab(t) -- sorted contents of a table
  local ks = {}
  for k, v in pairs(t) do ks[#ks + 1] = tostring(k) .. "=" .. tostring(v) end
  table.sort(ks)
  return "{" .. table.concat(ks, ",") .. "}"
end

print("-- stack"); show(t.stack(10, "s", true))
print("-- types")
for _, line in ipairs({t.types(nil, false, 0, 3.0, 2.5, "12", "0x10", "x", {1, 2}, print)}) do
  print(line)
end
print("-- tables")
show(select(2, t.tables()))
print(capi_global)
print("-- meta")
local log = {}
local proxy = setmetatable({}, {__index = function(_, k) return "idx:" .. k end,
                                __newindex = function(tb, k, v) rawset(tb, k, v * 2) end})
show(t.meta(proxy))
print("-- userdata")
local p = t.point(1.5, 2)
local q = t.point(3)
print(p, q, p + q, p:x(), q:x())
show(p:uv("user value"))
show(t.test(p)); show(t.test({})); show(t.test(io.stdout ~= nil and 1 or 0))
print(pcall(p.x, {}))
print(pcall(t.point))
print(getmetatable(p).__name, getmetatable(p).placeholder)
gc_log = {}
do local _ = t.point(99) end
collectgarbage(); collectgarbage()
print("gc", #gc_log >= 1, gc_log[1])
print("-- closures")
local c1, c2 = t.counter(10), t.counter(100, "other")
show(c1()); show(c1(5)); show(c2()); show(c1())
print(pcall(t.counter, "x"))
print("-- calls")
show(t.call(function(a, b) return a + b, a * b, "three" end, 6, 7))
show(t.call(print, "printed by lua_call"))
show(t.pcall(function() error("boom") end))
do local st, e = t.pcall(function() error({}) end); print(st, type(e)) end
show(t.pcall(function() return "fine" end))
show(t.pcall(function() error("boom", 0) end, true))
show(t.pcall(function() local x = nil; return x.y end, true))
print("-- errors")
for _, w in ipairs({"fmt", "arg", "type", "int", "udata", "any", "option"}) do
  print(w, pcall(t.error, w, w == "int" and 1.5 or nil))
end
print("value", select(2, pcall(t.error, "value")).msg)
print("int-str", pcall(t.error, "int", "z"))
print("option-ok", pcall(t.error, "option", "gamma"))
print("option-bad", pcall(t.error, "option", "delta"))
print("through", pcall(t.error, "through", function() error("from lua") end))
print("index", pcall(t.error, "index", setmetatable({}, {__index = function() error("idx err") end})))
print("nested", pcall(t.call, t.error, "fmt"))
print("-- buffers")
for _, n in ipairs({0, 10, 1000, 5000}) do
  local s, len, g = t.buffer(n)
  print(n, len, #s, s:sub(1, 30), s:sub(-12), g)
end
print("-- refs"); show(t.refs())
print("-- ops")
show(t.ops(7, 2)); show(t.ops(7.5, 2.5)); print(pcall(t.ops, 7.5, "2")); print(pcall(t.ops, "a", "b"))
print(pcall(t.ops, {}, 1))
local mt = {__add = function(a, b) return "added" end, __lt = function() return true end,
            __le = function() return false end, __eq = function() return true end,
            __concat = function() return "cat" end, __tostring = function() return "OBJ" end,
            __unm = function() return "neg" end, __idiv = function() return "idiv" end}
local o1, o2 = setmetatable({}, mt), setmetatable({}, mt)
show(t.ops(o1, o2))
print("-- subtable")
local holder = {}
local a, b, same = t.subtable(holder)
print(type(a), b, same, type(holder.sub))
print("-- coroutines")
local function body(x)
  local a = coroutine.yield("first", x)
  local b, c = t.yield("from C", a)
  local d = coroutine.yield(b, c or "none")
  return "done", d
end
for _, e in ipairs(t.coro(body, 1)) do print(e) end
for _, e in ipairs(t.coro(function() error("in coroutine") end, 0)) do print(e) end
print(pcall(t.yield, 1))
local co = coroutine.wrap(function(...) print("yieldable", t.yield(...)); return "end" end)
print(co("a", "b")); print(co("resumed"))
print("-- continuations")
local function twice(x)
  local a = coroutine.yield("yielded", x)
  local b = coroutine.yield("again", a)
  return "r1:" .. tostring(b), "r2"
end
local co2 = coroutine.wrap(function() return t.callk(twice) end)
local function drop1(f, ...) return type(f), ... end
show(co2()); show(co2("A")); show(drop1(co2("B")))
show(drop1(t.callk(function(x) return x * 2, "no yield" end)))
print(pcall(coroutine.wrap(function() return t.callk(function() error("after k") end) end)))
local co3 = coroutine.wrap(function()
  return t.callk(function() coroutine.yield(1); error("error after the yield") end)
end)
co3(); print(pcall(co3))
print("-- upvalues")
do
  local a, b = 1, "two"
  local function f() return a, b end
  local function g() return a end
  local other = 5
  local function h() return other end
  show(t.upvalues(f, 10))
  print(f())
  show(t.upvalues(h, nil, g))
  print(g(), h())
  local c = t.counter(3, "cc")
  show(t.upvalues(c, 100))
  show(c())
end
print("-- load and dump")
show(t.load(function(x) return x + 1 end))
print(select(2, t.load(function() end)) and "ok")
show(t.fileresult("/nonexistent/file"))
show(t.fileresult(dir .. "/capitest.so"))
print("-- loadlib")
local f, e, w = package.loadlib(dir .. "/capitest.so", "luaopen_capitest_extra")
print(type(f), e, w, f and f())
f, e, w = package.loadlib(dir .. "/capitest.so", "no_such_function")
print(f, w, e ~= nil)
f, e, w = package.loadlib(dir .. "/nonexistent.so", "x")
print(f, w, e ~= nil)
print(package.loadlib(dir .. "/capitest.so", "*"))
print(require("capitest.extra"))
print(require("capitest-v2") ~= nil, package.loaded["capitest-v2"] ~= t)
print(select(2, pcall(require, "capitest.nothing")):gsub(dir, "DIR"))
