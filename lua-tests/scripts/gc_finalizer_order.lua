-- __gc finalizers: order (reverse of registration), resurrection, at most one call per
-- object, the 5.4 registration rule, finalizers that collect, errors in finalizers.
local log = {}
local function logger(name)
  return { __gc = function(o) log[#log + 1] = name .. ":" .. tostring(o.id) end }
end

-- reverse order of setmetatable, whatever the creation order
local function make(order)
  local objs = {}
  for i = 1, 5 do objs[i] = { id = i } end
  for _, i in ipairs(order) do setmetatable(objs[i], logger("o")) end
end
make({ 1, 2, 3, 4, 5 })
collectgarbage()
print(table.concat(log, " "))
log = {}
make({ 3, 1, 5, 2, 4 })
collectgarbage()
print(table.concat(log, " "))

-- finalizers of objects that refer to each other: still reverse registration order
log = {}
local function linked()
  local a = setmetatable({ id = "a" }, logger("l"))
  local b = setmetatable({ id = "b", a = a }, logger("l"))
  local c = setmetatable({ id = "c", b = b }, logger("l"))
  a.c = c
end
linked()
collectgarbage()
print(table.concat(log, " "))

-- resurrection: the finalizer stores its object; it stays usable; no second call
local saved
local calls = 0
local function phoenix()
  local o = { id = "phoenix", data = { 1, 2, 3 } }
  setmetatable(o, { __gc = function(x) calls = calls + 1; saved = x end })
end
phoenix()
collectgarbage()
print("resurrected:", saved ~= nil, saved and saved.id, saved and #saved.data, calls)
saved.data[4] = 4
print("usable:", #saved.data, getmetatable(saved) ~= nil)
saved = nil
collectgarbage()
collectgarbage()
print("calls after second death:", calls)

-- a resurrected object's children are kept as well, even ones in weak tables
local weak = setmetatable({}, { __mode = "v" })
local keep
local function resurrect_children()
  local child = { "child" }
  weak[1] = child
  local o = setmetatable({ child = child }, { __gc = function(o) keep = o end })
  return o ~= nil -- o stays alive until the function returns, whatever the GC timing
end
resurrect_children()
collectgarbage()
print("child kept:", keep.child[1])
-- values of weak tables are cleared before resurrection (5.4): the weak entry went
print("weak entry:", weak[1])
keep = nil
collectgarbage()

-- __gc added to the metatable after setmetatable: not registered
local late_ran = false
local function late()
  local mt = {}
  setmetatable({}, mt)
  mt.__gc = function() late_ran = true end
end
late()
collectgarbage()
collectgarbage()
print("late __gc ran:", late_ran)

-- __gc present at setmetatable time, replaced later: the current field is called
local which
local function replaced()
  local mt = { __gc = function() which = "first" end }
  local o = setmetatable({}, mt)
  mt.__gc = function() which = "second" end
  return o ~= nil -- o stays alive until here, whatever the GC timing
end
replaced()
collectgarbage()
print("replaced __gc:", which)

-- __gc present at setmetatable time, removed later: nothing is called
local removed_ran = false
local function removed()
  local mt = { __gc = function() removed_ran = true end }
  local o = setmetatable({}, mt)
  mt.__gc = nil
  return o ~= nil -- o stays alive until here, whatever the GC timing
end
removed()
collectgarbage()
print("removed __gc ran:", removed_ran)

-- a non-function __gc is ignored silently
do setmetatable({}, { __gc = true }) end
collectgarbage()
print("non-function __gc: ok")

-- finalizers calling collectgarbage (nested collections are ignored or harmless)
log = {}
-- (objects are held until the function returns, so they die together even when a
-- collection runs at every allocation, as under LUA_GC_STRESS)
local function nested()
  local objs = {}
  for i = 1, 3 do
    objs[i] = setmetatable({ id = i }, { __gc = function(o)
      collectgarbage()
      collectgarbage("step")
      log[#log + 1] = "n:" .. o.id
    end })
  end
end
nested()
collectgarbage()
print(table.concat(log, " "))

-- a finalizer creating new finalizable objects: they are collected in a later cycle
log = {}
local function spawner()
  setmetatable({ id = "parent" }, { __gc = function()
    log[#log + 1] = "parent"
    setmetatable({ id = "kid" }, logger("k"))
  end })
end
spawner()
collectgarbage()
collectgarbage()
print(table.concat(log, " "))

-- errors in finalizers become warnings; the program and other finalizers continue
warn("@off")
log = {}
local function failing()
  local a = setmetatable({ id = 1 }, logger("ok"))
  local b = setmetatable({}, { __gc = function() error("boom in gc") end })
  local c = setmetatable({}, { __gc = function() error({}) end })
  local d = setmetatable({ id = 2 }, logger("ok"))
end
failing()
collectgarbage()
print(table.concat(log, " "), "continued")

-- the finalizer gets the object itself, with its metatable
local got
local function identity()
  local mt = {}
  mt.__gc = function(o) got = (getmetatable(o) == mt) end
  setmetatable({}, mt)
end
identity()
collectgarbage()
print("finalizer sees metatable:", got)

-- objects still referenced are not finalized by collectgarbage
local alive_ran = false
local alive = setmetatable({}, { __gc = function() alive_ran = true end })
collectgarbage()
collectgarbage()
print("alive finalized:", alive_ran, alive ~= nil)
