-- Cycles through closures, upvalues, coroutines and metatables are collected. Each object is
-- put in a weak-value table as a probe; after the last reference goes and a full collection,
-- the probe must be empty.
local probe = setmetatable({}, { __mode = "v" })
local function alive()
  local n = 0
  for _ in pairs(probe) do n = n + 1 end
  return n
end
local function check(what)
  collectgarbage()
  print(what, alive())
  for k in pairs(probe) do probe[k] = nil end
end

-- a table cycle
local function tables()
  local a, b = {}, {}
  a.b, b.a = b, a
  probe.a, probe.b = a, b
end
tables()
check("table cycle:")

-- a closure capturing the table that holds it
local function closure_cycle()
  local t = {}
  t.f = function() return t end
  probe.t, probe.f = t, t.f
end
closure_cycle()
check("closure/upvalue cycle:")

-- two closures sharing an upvalue that refers back to them
local function shared_upvalue()
  local box
  local function get() return box end
  local function set(v) box = v end
  set({ get, set })
  probe.get, probe.set, probe.box = get, set, box
end
shared_upvalue()
check("shared upvalue cycle:")

-- a metatable referring to its table
local function meta_cycle()
  local t = {}
  local mt = { __index = t, self = t }
  setmetatable(t, mt)
  mt.__metatable = mt
  probe.t, probe.mt = t, mt
end
meta_cycle()
check("metatable cycle:")

-- an __index function closing over the table
local function meta_closure()
  local t = setmetatable({}, {})
  getmetatable(t).__index = function(_, k) return t, k end
  probe.t = t
  probe.idx = getmetatable(t).__index
end
meta_closure()
check("metamethod closure cycle:")

-- a suspended coroutine whose stack refers to itself
local function coro_cycle()
  local co
  co = coroutine.create(function()
    local me = co
    local t = { me }
    coroutine.yield(t)
  end)
  local _, t = coroutine.resume(co)
  probe.co, probe.t = co, t
end
coro_cycle()
check("suspended coroutine cycle:")

-- a coroutine never started, referring to itself through an upvalue
local function coro_unstarted()
  local co
  co = coroutine.create(function() return co end)
  probe.co = co
end
coro_unstarted()
check("unstarted coroutine:")

-- a dead coroutine
local function coro_dead()
  local co = coroutine.create(function() return {} end)
  local _, r = coroutine.resume(co)
  probe.co, probe.r = co, r
end
coro_dead()
check("dead coroutine:")

-- a coroutine dead by error, holding its error object
local function coro_err()
  local co = coroutine.create(function() error({}) end)
  local _, e = coroutine.resume(co)
  probe.co, probe.e = co, e
end
coro_err()
check("errored coroutine:")

-- a coroutine with an open upvalue shared with a closure that escapes into a cycle
local function coro_open_upvalue()
  local escaped
  local co = coroutine.create(function()
    local x = {}
    escaped = function() return x end
    coroutine.yield()
  end)
  coroutine.resume(co)
  probe.co, probe.f, probe.x = co, escaped, escaped()
end
coro_open_upvalue()
check("open upvalue into dead coroutine:")

-- a coroutine.wrap generator abandoned mid-iteration
local function wrap_gen()
  local gen = coroutine.wrap(function()
    local state = {}
    for i = 1, 10 do state[i] = i; coroutine.yield(state) end
  end)
  probe.gen, probe.s = gen, gen()
end
wrap_gen()
check("abandoned wrap generator:")

-- nested coroutines suspended inside each other
local function nested_coros()
  local outer = coroutine.create(function()
    local inner = coroutine.create(function() coroutine.yield({}) end)
    local _, v = coroutine.resume(inner)
    coroutine.yield(inner, v)
  end)
  local _, inner, v = coroutine.resume(outer)
  probe.outer, probe.inner, probe.v = outer, inner, v
end
nested_coros()
check("nested suspended coroutines:")

-- a long linked list with a back edge
local function long_cycle()
  local first = {}
  local node = first
  for _ = 1, 1000 do
    local n = {}
    node.next = n
    node = n
  end
  node.next = first
  probe.first, probe.last = first, node
end
long_cycle()
check("long cycle:")

-- cycles survive while one member is referenced from a local
local held
local function held_cycle()
  local a, b = {}, {}
  a.b, b.a = b, a
  probe.a, probe.b = a, b
  held = a
end
held_cycle()
collectgarbage()
print("held cycle:", alive())
held = nil
check("released cycle:")

-- objects referenced only from a registered-but-dead finalizable object go after its finalizer
local fin_ran = false
local function fin_cycle()
  local t = {}
  t.self = t
  t.child = {}
  probe.child = t.child
  setmetatable(t, { __gc = function() fin_ran = true end })
end
fin_cycle()
collectgarbage()
print("finalizer ran:", fin_ran, "child kept during finalization:", alive())
collectgarbage()
check("after finalization:")
