-- metaindex: lookups that go through __index and __newindex. A five-level class hierarchy
-- resolves inherited methods and constants through __index chains; a proxy with __index and
-- __newindex functions counts reads and writes of a hidden table; a table with a default
-- value function supplies missing keys. Measures the metatable fallback paths of table access.
local n = tonumber(arg and arg[1]) or 3000000

-- A class hierarchy: each level's methods table falls back to its parent's.
local Base = { kind = "base", scale = 1 }
Base.__index = Base
function Base:value() return self.v * self.scale end
function Base:bump() self.v = self.v + 1 end

local function subclass(parent, fields)
  local c = fields
  c.__index = c
  return setmetatable(c, parent)
end

local L1 = subclass(Base, { level = 1 })
local L2 = subclass(L1, { scale = 2 })
local L3 = subclass(L2, { level = 3 })
local L4 = subclass(L3, { kind = "leaf" })
local obj = setmetatable({ v = 0 }, L4)

-- A proxy that forwards to a hidden table and counts accesses.
local reads, writes = 0, 0
local hidden = {}
local proxy = setmetatable({}, {
  __index = function(_, k)
    reads = reads + 1
    return hidden[k]
  end,
  __newindex = function(_, k, v)
    writes = writes + 1
    hidden[k] = v
  end,
})

-- Missing keys computed on demand (not cached, so every miss calls the function).
local squares = setmetatable({}, { __index = function(_, k) return k * k end })

local sum = 0
for i = 1, n do
  obj:bump()
  sum = sum + obj:value() + obj.level
  if obj.kind == "leaf" then sum = sum + 1 end
  local k = i % 64
  proxy[k] = (proxy[k] or 0) + i
  sum = sum + squares[i % 1000]
end
local hsum = 0
for k = 0, 63 do hsum = hsum + (hidden[k] or 0) end
sum = (sum + hsum) % 1000000007
print("metaindex n=" .. n .. " checksum=" .. sum .. " reads=" .. reads .. " writes=" .. writes)
