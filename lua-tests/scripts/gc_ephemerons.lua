-- Ephemerons: in a weak-key table, a value is reachable only through its key, so a value
-- that refers to its own key (or to keys of other entries) does not keep the key alive.
local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- a value referring to its own key
local e = setmetatable({}, { __mode = "k" })
local function self_ref(n)
  for i = 1, n do
    local k = {}
    e[k] = { key = k, i = i }
  end
end
self_ref(20)
collectgarbage()
print("self-referring values:", count(e))

-- a closure value capturing its key
local function closure_ref()
  local k = {}
  e[k] = function() return k end
end
closure_ref()
collectgarbage()
print("closure capturing key:", count(e))

-- a chain k1 -> v1 holds k2 -> v2 holds k3 ...: all collected together
local chain = setmetatable({}, { __mode = "k" })
local function make_chain(n)
  local first = {}
  local k = first
  for i = 1, n do
    local nextk = {}
    chain[k] = { next = nextk, i = i }
    k = nextk
  end
  chain[k] = { last = true }
  return first
end
make_chain(50)
collectgarbage()
print("dead chain:", count(chain))

-- the same chain, first key held: every link stays (the marking converges through it)
local head = make_chain(50)
collectgarbage()
print("held chain:", count(chain))
local links, k = 0, head
while chain[k] do
  links = links + 1
  k = chain[k].next
  if not k then break end
end
print("links walked:", links)
-- insertion in reverse order (the collector must iterate to a fixed point)
head = nil
collectgarbage()
print("released chain:", count(chain))
local rev = setmetatable({}, { __mode = "k" })
local keys = {}
for i = 1, 30 do keys[i] = {} end
for i = 30, 1, -1 do rev[keys[i]] = { nxt = keys[i + 1] } end
local root = keys[1]
keys = nil
collectgarbage()
print("reverse chain held:", count(rev))
root = nil
collectgarbage()
print("reverse chain released:", count(rev))

-- chains across two ephemeron tables
local t1 = setmetatable({}, { __mode = "k" })
local t2 = setmetatable({}, { __mode = "k" })
local function cross(keep)
  local a, b, c = {}, {}, {}
  t1[a] = b
  t2[b] = c
  t1[c] = { a }
  return keep and a or nil
end
local held = cross(true)
cross(false)
collectgarbage()
print("cross tables:", count(t1), count(t2))
held = nil
collectgarbage()
print("cross tables released:", count(t1), count(t2))

-- an ephemeron key reachable only from a weak-value table is dead
local wv = setmetatable({}, { __mode = "v" })
local eph = setmetatable({}, { __mode = "k" })
local function weak_only()
  local k = {}
  wv[1] = k
  eph[k] = "v"
end
weak_only()
collectgarbage()
print("key only weakly held:", count(eph), wv[1])

-- a strong table value holding a key keeps the ephemeron entry alive
local strong = {}
local function strongly()
  local k = {}
  strong[1] = k
  eph[k] = { k }
end
strongly()
collectgarbage()
print("key strongly held:", count(eph))
strong[1] = nil
collectgarbage()
print("released:", count(eph))

-- ephemeron values that are themselves weak tables
local outer = setmetatable({}, { __mode = "k" })
local okey = {}
outer[okey] = setmetatable({ {} }, { __mode = "v" })
collectgarbage()
print("nested weak:", count(outer), count(outer[okey]))
