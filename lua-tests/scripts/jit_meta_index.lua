-- Metatables swapped under hot loops: setmetatable at iteration k (1, 2, 57, 300) going __index table -> __index function -> no metatable, the same metatable's __index field reassigned, chained __index, and __newindex appearing and disappearing mid-loop.  -- jit-traces>=7 -- jit-side>=3
local base = { v = 1 }
local function getter(_, key) return key == "v" and 100 or nil end

-- the metatable of the object is replaced as the loop runs
local function run(k)
  local o = setmetatable({}, { __index = base })
  local sum = 0
  for i = 1, 900 do
    if i == k then setmetatable(o, { __index = getter }) end
    if i == k + 300 then setmetatable(o, nil) end
    sum = sum + (o.v or 1000)
  end
  return sum
end
for _, k in ipairs({ 300, 1, 2, 57, 601 }) do
  local sum = run(k)
  print(k, sum)
  local before = k - 1
  local as_fn = math.min(300, 901 - k)
  local none = 900 - before - as_fn
  assert(sum == before * 1 + as_fn * 100 + none * 1000)
end

-- one metatable whose __index field is reassigned (the metatable object stays the same)
local mt = { __index = base }
local objs = {}
for i = 1, 10 do objs[i] = setmetatable({}, mt) end
local total = 0
for i = 1, 600 do
  if i == 200 then mt.__index = function() return 7 end end
  if i == 400 then mt.__index = { v = 3 } end
  total = total + objs[i % 10 + 1].v
end
print(total)
assert(total == 199 * 1 + 200 * 7 + 201 * 3)

-- a chain of __index tables that grows and has a link cut mid-loop
local top = { deep = "top" }
local mid = setmetatable({}, { __index = top })
local leaf = setmetatable({}, { __index = mid })
local found = { top = 0, mid = 0, leaf = 0, none = 0 }
for i = 1, 800 do
  if i == 200 then mid.deep = "mid" end
  if i == 400 then rawset(leaf, "deep", "leaf") end
  if i == 600 then leaf.deep = nil; mid.deep = nil; getmetatable(mid).__index = nil end
  local d = leaf.deep or "none"
  found[d] = found[d] + 1
end
print(found.top, found.mid, found.leaf, found.none)
assert(found.top == 199 and found.mid == 200 and found.leaf == 200 and found.none == 201)

-- __newindex appears at iteration k, then is replaced by a table, then removed
local function writes(k)
  local store = {}
  local o = {}
  local calls = 0
  local m = {}
  setmetatable(o, m)
  for i = 1, 800 do
    if i == k then m.__newindex = function(t, key, val) calls = calls + 1; rawset(t, key, val) end end
    if i == k + 200 then m.__newindex = store end
    if i == k + 400 then m.__newindex = nil end
    o[i] = i -- a new key every time
  end
  local in_o, in_store = 0, 0
  for i = 1, 800 do
    if rawget(o, i) then in_o = in_o + 1 end
    if store[i] then in_store = in_store + 1 end
  end
  return calls, in_o, in_store
end
for _, k in ipairs({ 300, 1, 57 }) do
  local calls, in_o, in_store = writes(k)
  print(k, calls, in_o, in_store)
  assert(calls == 200 and in_store == 200 and in_o == 600)
end

-- __index on a string's metatable is the string table: methods looked up in a hot loop
local up = 0
for i = 1, 400 do
  local s = (i % 2 == 0) and "ab" or "xyz"
  up = up + #s:upper() + s:len()
end
print(up)
assert(up == 2 * (200 * 2 + 200 * 3))

-- __index functions receive the original table and key; rawget sees nothing
local proxied = setmetatable({}, { __index = function(t, key) return rawget(t, "n") or key end })
local acc = 0
for i = 1, 500 do
  if i == 250 then rawset(proxied, "n", 0) end
  acc = acc + proxied[i]
end
print(acc, rawget(proxied, 1))
assert(acc == 249 * 250 // 2 and rawget(proxied, 1) == nil)

-- The trace tests a metatable's cached "no __newindex" bit instead of looking the key up:
-- stores of string keys into the metatable from the same trace (a variable key that turns out
-- to be "__newindex", a rawset, a key that comes back after being cleared) must invalidate it.
local function cached_bit(k, how)
  local m = {}
  local hits = 0
  local function nf(t, key, val) hits = hits + 1 end
  local objs = {}
  for i = 1, 400 do
    local o = setmetatable({}, m)
    o[1] = i -- raw while m has no __newindex
    local name = (i == k) and "__newindex" or ("k" .. i % 7)
    if how == "set" then
      m[name] = nf
    elseif how == "rawset" then
      rawset(m, name, nf)
    else
      m[name] = nil -- clears, then the key comes back below
      if i == k then m.__newindex = nf end
    end
    objs[i] = o
  end
  local raw = 0
  for i = 1, 400 do
    if rawget(objs[i], 1) == i then raw = raw + 1 end
  end
  return hits, raw
end
for _, how in ipairs({ "set", "rawset", "revive" }) do
  for _, k in ipairs({ 1, 2, 60, 399 }) do
    local hits, raw = cached_bit(k, how)
    print(how, k, hits, raw)
    assert(hits == 400 - k and raw == k)
  end
end
