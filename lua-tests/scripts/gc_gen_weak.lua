-- Generational mode and weak tables: old weak tables and ephemerons that receive young
-- entries. Entries whose referents stay reachable survive minor collections; after a full
-- collection, entries whose referents died are gone. (Only full collections are used to
-- check removals: which minor collection frees a young object depends on its age.)
collectgarbage("generational")

local function churn(n)
  local t
  for i = 1, n do t = { i, { i } } end
  return t
end
local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- weak values, old table, young values
local wv = setmetatable({}, { __mode = "v" })
local keep = {}
collectgarbage()
for i = 1, 100 do
  local v = { i }
  wv[i] = v
  if i % 2 == 0 then keep[#keep + 1] = v end
  churn(10)
end
collectgarbage("step", 0)
collectgarbage("step", 0)
local ok = true
for i = 2, 100, 2 do if wv[i] == nil or wv[i][1] ~= i then ok = false end end
print("weak values kept:", ok)
collectgarbage()
print("weak values after full:", count(wv))

-- gengc.lua's all-weak case: an old all-weak table written again after becoming old
local t = setmetatable({}, { __mode = "kv" })
collectgarbage()
t[1] = { 10 }
collectgarbage("step", 0)
collectgarbage("step", 0)
t[1] = { 10 }
collectgarbage("step", 0)
collectgarbage()
print("all-weak cleared:", t[1] == nil)

-- ephemerons: an old ephemeron table, young keys and values (values refer to their keys)
local eph = setmetatable({}, { __mode = "k" })
local anchors = {}
collectgarbage()
for i = 1, 100 do
  local k = { i }
  eph[k] = { key = k, n = i }
  if i % 4 == 0 then anchors[#anchors + 1] = k end
  churn(10)
end
for _ = 1, 4 do collectgarbage("step", 0); churn(200) end
ok = true
for _, k in ipairs(anchors) do
  if eph[k] == nil or eph[k].key ~= k or eph[k].n ~= k[1] then ok = false end
end
print("ephemerons kept:", ok)
collectgarbage()
print("ephemerons after full:", count(eph))
anchors = nil
collectgarbage()
print("ephemerons after dropping keys:", count(eph))

-- a young weak-keyed table inside an old one, strings as weak keys stay
local holder = {}
collectgarbage()
holder.cache = setmetatable({}, { __mode = "k" })
holder.cache["str"] = { 1 }
holder.cache[holder] = { 2 }
collectgarbage("step", 0)
collectgarbage("step", 0)
collectgarbage()
print("cache:", holder.cache.str[1], holder.cache[holder][1])

-- a weak-valued cache filled and read while minor collections run
local cache = setmetatable({}, { __mode = "v" })
local hits, misses = 0, 0
local live = {}
collectgarbage()
for i = 1, 1500 do
  local k = i % 37
  local v = cache[k]
  if v and v.k == k then hits = hits + 1 else
    misses = misses + 1
    v = { k = k }
    cache[k] = v
  end
  live[k] = v
  if i % 100 == 0 then collectgarbage("step", 0) end
end
print("cache consistent:", hits + misses == 1500, misses >= 37)
