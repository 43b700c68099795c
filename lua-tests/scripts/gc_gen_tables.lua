-- Generational mode: old tables that come to point to young objects. A table made old by a
-- full collection receives fresh tables (array part, hash part, as keys, as metatable) and
-- must keep them alive through minor collections (collectgarbage("step", 0)) and
-- allocation-driven ones. A missing old->young barrier shows as a wrong value here or, under
-- LUA_GC_VERIFY=1, as a verifier report.
collectgarbage("incremental")
print(collectgarbage("generational"))
print(collectgarbage("generational"))

local function churn(n)
  local t
  for i = 1, n do t = { i, { i } } end
  return t
end

-- the shape of gengc.lua's first test: U old, U[1] new, then two minor collections
local U = {}
collectgarbage()
U[1] = { x = { 234 } }
print(collectgarbage("step", 0))
collectgarbage("step", 0)
print(U[1].x[1])

-- array part, hash part and table keys of an old table
local old = {}
for i = 1, 50 do old[i] = false end
collectgarbage()
local keys = {}
for round = 1, 6 do
  for i = 1, 50 do
    old[i] = { round, i }
    old["k" .. i] = { name = "k" .. i, round = round }
    local k = { i }
    keys[i] = k
    old[k] = round * 1000 + i
  end
  collectgarbage("step", 0)
  churn(60)
  collectgarbage("step", 0)
end
local ok = true
for i = 1, 50 do
  if old[i][1] ~= 6 or old[i][2] ~= i then ok = false end
  if old["k" .. i].name ~= "k" .. i or old["k" .. i].round ~= 6 then ok = false end
  if old[keys[i]] ~= 6000 + i then ok = false end
end
print("array, hash, keys:", ok)

-- a chain of fresh tables hanging off an old one, grown across minor collections
local root = {}
collectgarbage()
local tail = root
for i = 1, 300 do
  tail.next = { v = i }
  tail = tail.next
  if i % 50 == 0 then churn(20) end
end
collectgarbage("step", 0)
local n, sum = 0, 0
local p = root.next
while p do n = n + 1; sum = sum + p.v; p = p.next end
print("chain:", n, sum)

-- an old table gets a fresh metatable (gengc.lua's second test), then __index functions
local obj = { 10 }
collectgarbage()
setmetatable(obj, {})
collectgarbage("step", 0)
setmetatable(getmetatable(obj), { __gc = function() end })
collectgarbage("step", 0)
setmetatable(obj, { __index = function(_, k) return "idx:" .. k end })
churn(100)
collectgarbage("step", 0)
print(obj[1], obj.foo)

-- the barrier fires again after the table became old again
local again = {}
collectgarbage()
for round = 1, 5 do
  again.v = { round }
  collectgarbage("step", 0)
  collectgarbage("step", 0)
  collectgarbage("step", 0)
  churn(50)
end
print("again:", again.v[1])

-- switching modes keeps everything
print(collectgarbage("incremental"))
churn(100)
print(collectgarbage("generational"))
churn(100)
print(old[7][2], root.next.next.v, obj.bar, U[1].x[1])
print(collectgarbage("incremental"), collectgarbage("incremental"))
print(collectgarbage("generational", 10, 50), collectgarbage("generational", 0, 0))
churn(100)
print(old.k3.name, again.v[1])
