-- Weak tables (__mode "k", "v", "kv"): collectable entries go once unreachable; strings,
-- numbers, booleans and light values are values, never removed.
local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- weak values
local wv = setmetatable({}, { __mode = "v" })
local keep = {}
local function fill_values()
  for i = 1, 10 do wv[i] = {} end            -- garbage
  wv.kept = keep
  wv.s = "a string value"
  wv.long = string.rep("long string ", 10)  -- a long (non-interned) string
  wv.n = 42
  wv.f = 3.5
  wv.b = true
  wv.fn = function() end                    -- a closure with no other reference
  wv.print = print                          -- reachable from _G
end
fill_values()
collectgarbage()
print("weak v:", count(wv), wv.kept == keep, wv.s, #wv.long, wv.n, wv.f, wv.b, wv.fn, wv.print == print)
assert(wv[1] == nil and wv.fn == nil)

-- weak keys
local wk = setmetatable({}, { __mode = "k" })
local anchor = {}
local function fill_keys()
  for i = 1, 10 do wk[{}] = i end
  wk[anchor] = "anchored"
  wk["str"] = {}          -- string key: entry stays, value is strong
  wk[7] = {}              -- number key
  wk[true] = "bool"
  wk[function() end] = 1  -- collectable key
end
fill_keys()
collectgarbage()
print("weak k:", count(wk), wk[anchor], type(wk.str), type(wk[7]), wk[true])

-- a strong value does not keep its weak key alive, even when it is the same table elsewhere
local wk2 = setmetatable({}, { __mode = "k" })
local function fill_k2()
  local k = {}
  wk2[k] = { note = "value" }
end
fill_k2()
collectgarbage()
print("weak k value strong, key dead:", count(wk2))

-- weak keys and values
local wkv = setmetatable({}, { __mode = "kv" })
local a, b = {}, {}
local function fill_kv()
  wkv[a] = {}        -- value dead -> entry removed
  wkv[{}] = b        -- key dead -> entry removed
  wkv[a] = nil
  wkv[b] = a         -- both alive
  wkv.x = {}         -- value dead
  wkv.y = "s"        -- both values
  wkv[1] = 2
end
fill_kv()
collectgarbage()
print("weak kv:", count(wkv), wkv[b] == a, wkv.x, wkv.y, wkv[1])

-- entries of a weak table stay while reachable otherwise; go after the last reference
local wv2 = setmetatable({}, { __mode = "v" })
local holder = { {}, {}, {} }
for i = 1, 3 do wv2[i] = holder[i] end
collectgarbage()
print("held:", count(wv2))
holder[2] = nil
collectgarbage()
print("one dropped:", count(wv2), wv2[1] == holder[1], wv2[2], wv2[3] == holder[3])
holder = nil
collectgarbage()
print("all dropped:", count(wv2))

-- the mode is read at collection time: a table made weak later is weak from then on
local late = {}
local function fill_late() for i = 1, 5 do late[i] = {} end end
fill_late()
collectgarbage()
print("strong first:", count(late))
setmetatable(late, { __mode = "v" })
collectgarbage()
print("then weak:", count(late))

-- coroutines and userdata-like objects (tables with metatables) as weak values
local wco = setmetatable({}, { __mode = "v" })
local function fill_co()
  wco[1] = coroutine.create(function() coroutine.yield() end)
  local co = coroutine.create(function() coroutine.yield(1) end)
  coroutine.resume(co)
  wco[2] = co                      -- suspended, unreachable
  wco[3] = setmetatable({}, { __index = function() return 1 end })
end
fill_co()
collectgarbage()
print("weak threads:", count(wco))

-- a weak table with many entries, partially kept
local big = setmetatable({}, { __mode = "k" })
local kept = {}
for i = 1, 1000 do
  local k = {}
  big[k] = i
  if i % 10 == 0 then kept[#kept + 1] = k end
end
collectgarbage()
local sum = 0
for _, v in pairs(big) do sum = sum + v end
print("big:", count(big), sum)

-- weak tables remain usable after collection (insert, iterate, length)
local wt = setmetatable({}, { __mode = "v" })
for i = 1, 5 do wt[i] = {} end
collectgarbage()
for i = 1, 5 do wt[i] = i * i end
collectgarbage()
print("reuse:", #wt, wt[5])
