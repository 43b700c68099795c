-- Generational mode and finalizers: objects with __gc created young or made old, found
-- unreachable by minor or major collections; resurrection into old tables; finalizers that
-- allocate and collect. Checks use full collections, which find every unreachable object.
collectgarbage("generational")

local function churn(n)
  local t
  for i = 1, n do t = { i, { i } } end
  return t
end

-- order: newest registration first, in a full collection
local order = {}
for i = 1, 5 do setmetatable({}, { __gc = function() order[#order + 1] = i end }) end
collectgarbage()
print("order:", table.concat(order, " "))

-- old objects with finalizers die only in a major collection; every finalizer runs once
local count = 0
local objs = {}
for i = 1, 200 do objs[i] = setmetatable({ i }, { __gc = function() count = count + 1 end }) end
collectgarbage()
collectgarbage()
for i = 1, 200 do objs[i] = nil end
for _ = 1, 5 do collectgarbage("step", 0) end
churn(200)
collectgarbage()
print("old finalized:", count)

-- young objects finalized by allocation-driven collections
count = 0
for i = 1, 200 do
  setmetatable({ i }, { __gc = function() count = count + 1 end })
  churn(2)
end
collectgarbage()
print("young finalized:", count)

-- resurrection into an old table; the object and what it refers to stay intact
local saved = {}
collectgarbage()
do
  local o = setmetatable({ payload = { "p", { "deep" } } }, {
    __gc = function(o) saved[#saved + 1] = o end,
  })
end
collectgarbage()
for _ = 1, 5 do collectgarbage("step", 0); churn(100) end
print("resurrected:", #saved, saved[1].payload[1], saved[1].payload[2][1])
local probe = setmetatable({ saved[1] }, { __mode = "v" })
saved[1] = nil
collectgarbage()
collectgarbage()
print("then collected:", probe[1] == nil)

-- gengc.lua's third case: a finalizer anchors its object in an old table and runs a minor
-- collection; the object's fresh metatable must survive
do
  local A = { false }
  local out
  local function gcf(o)
    A[1] = o
    o = nil
    collectgarbage("step", 0)
    out = getmetatable(A[1]).x
  end
  collectgarbage()
  local obj = {}
  collectgarbage("step", 0)
  setmetatable(obj, { __gc = gcf, x = "+" })
  obj = nil
  collectgarbage()
  print("metatable kept:", out)
end

-- a finalizer that allocates a lot
local made = 0
do
  setmetatable({}, { __gc = function()
    local t = {}
    for i = 1, 1000 do t[i] = { i } end
    made = #t
  end })
end
collectgarbage()
print("finalizer allocated:", made)

-- finalizers pending at exit run newest first
setmetatable({}, { __gc = function() print("exit 1") end })
x = setmetatable({}, { __gc = function() print("exit 2") end })
print("end")
