-- Write-barrier workout: the collector runs in small incremental steps (short pause, small
-- step multiplier) while fresh objects are stored, by every path we know, into old objects
-- that the marker has already traversed. A missing barrier loses the fresh object: under
-- LUA_GC_VERIFY=1 the heap verifier reports it; otherwise the checks below read freed memory
-- or find a wrong value.
collectgarbage("incremental")
collectgarbage("setpause", 10)
collectgarbage("setstepmul", 10)

local N = 3000
local old = {}
local old_arr = {}
local oldmeta = {}
local keyed = setmetatable({}, { __mode = "k" })   -- ephemeron, written while black
local upv = {}
local function set_upv(v) upv = v end
local function get_upv() return upv end
local proxy = setmetatable({}, { __newindex = old })   -- writes land in `old`
local sum = 0

local function churn(i)
  -- allocation that drives the incremental collector between the stores
  local g = { i, { i } }
  return g[2][1]
end

for i = 1, N do
  local slot = i % 64
  old["f" .. slot] = { v = i }                 -- SETTABLE with a fresh string key and table
  old_arr[slot + 1] = { v = i }                -- SETI / array part
  rawset(old, slot, { v = i })                 -- rawset
  proxy["p" .. slot] = { v = i }               -- __newindex table redirection
  set_upv({ v = i })                           -- closed upvalue (SETUPVAL)
  local k = old_arr[slot + 1]
  keyed[k] = { v = i, k = k }                  -- ephemeron value
  table.insert(old_arr, { v = i })             -- table library store
  table.remove(old_arr)
  oldmeta.__index = { v = i }                  -- a metatable field
  if i % 7 == 0 then setmetatable(old, { tag = i }) end   -- metatable pointer
  if i % 5 == 0 then
    table.move({ { v = i }, { v = i } }, 1, 2, 65, old_arr)   -- table.move into an old table
  end
  sum = sum + churn(i)
end

-- every stored object is still there and intact
local ok = true
for slot = 0, 63 do
  local last = N - (N - slot) % 64
  if old["f" .. slot].v ~= last or old[slot].v ~= last or old["p" .. slot].v ~= last then
    ok = false
  end
  if old_arr[slot + 1].v ~= last then ok = false end
end
print("stores intact:", ok, get_upv().v, oldmeta.__index.v, getmetatable(old).tag)
print("moved:", old_arr[65].v, old_arr[66].v)
collectgarbage()   -- entries with dead keys go (how many are left before depends on pacing)
local n = 0
for k, v in pairs(keyed) do
  n = n + 1
  if v.k ~= k then ok = false end
end
print("ephemerons:", n, ok, sum)

-- closures created in a loop capture fresh tables; the closures go into an old table
local fns = {}
for i = 1, 2000 do
  local captured = { i }
  fns[i % 50 + 1] = function() return captured[1] end
  churn(i)
end
local total = 0
for i = 1, 50 do total = total + fns[i]() end
print("closures:", total)

-- coroutines that keep fresh objects on their stacks across yields
local cos = {}
for i = 1, 20 do
  cos[i] = coroutine.wrap(function()
    local acc = {}
    while true do
      acc[#acc + 1] = { #acc }
      if #acc > 50 then acc = { acc[#acc] } end
      coroutine.yield(#acc)
    end
  end)
end
local steps = 0
for r = 1, 200 do
  for i = 1, 20 do steps = steps + cos[i]() end
  churn(r)
end
print("coroutine stacks:", steps)

-- strings built at run time as keys of an old table
local strs = {}
for i = 1, 3000 do
  strs[("k%d"):format(i % 100)] = ("value %d"):format(i)
  churn(i)
end
local cnt = 0
for k, v in pairs(strs) do
  if v:sub(1, 6) == "value " then cnt = cnt + 1 end
end
print("string keys:", cnt)
collectgarbage("setpause", 200)
collectgarbage("setstepmul", 100)
collectgarbage()
print("done")
