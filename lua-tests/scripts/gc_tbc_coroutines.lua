-- To-be-closed variables, coroutine.close and the collector: closing a suspended coroutine
-- runs its pending __close handlers; collecting one does not (only __gc runs).
local log = {}
local function closer(name)
  return setmetatable({}, { __close = function(_, err)
    log[#log + 1] = name .. (err and ("(" .. tostring(err) .. ")") or "")
  end })
end

-- coroutine.close on a suspended coroutine runs pending __close, innermost first
local co = coroutine.create(function()
  local a <close> = closer("a")
  do
    local b <close> = closer("b")
    coroutine.yield(1)
  end
  coroutine.yield(2)
end)
print(coroutine.resume(co))
print(coroutine.close(co), coroutine.status(co))
print(table.concat(log, " "))

-- a suspended coroutine that becomes garbage: its __close does NOT run when collected
log = {}
local probe = setmetatable({}, { __mode = "v" })
local function abandon()
  local c = coroutine.create(function()
    local x <close> = closer("never")
    coroutine.yield()
  end)
  coroutine.resume(c)
  probe.co = c
end
abandon()
collectgarbage()
collectgarbage()
print("collected:", probe.co == nil, "closed:", #log)

-- ...but a __gc on the closing value still runs when the coroutine is collected
log = {}
local function abandon_with_gc()
  local c = coroutine.create(function()
    local x <close> = setmetatable({}, {
      __close = function() log[#log + 1] = "close" end,
      __gc = function() log[#log + 1] = "gc" end,
    })
    coroutine.yield()
  end)
  coroutine.resume(c)
end
abandon_with_gc()
collectgarbage()
collectgarbage()
print(table.concat(log, " "))

-- an error in __close during coroutine.close is returned by close
log = {}
local co2 = coroutine.create(function()
  local a <close> = closer("outer")
  local b <close> = setmetatable({}, { __close = function() error("close failed", 0) end })
  coroutine.yield()
end)
coroutine.resume(co2)
print(coroutine.close(co2))
print(table.concat(log, " "))

-- to-be-closed values are collectable after their scope ends
local wk = setmetatable({}, { __mode = "k" })
local function scoped()
  local v <close> = closer("scoped")
  wk[v] = true
end
log = {}
scoped()
collectgarbage()
local n = 0
for _ in pairs(wk) do n = n + 1 end
print(table.concat(log, " "), n)

-- a to-be-closed variable alive across a collection inside its scope is not closed early
log = {}
do
  local keep <close> = closer("late")
  collectgarbage()
  log[#log + 1] = "body"
end
print(table.concat(log, " "))

-- __close running collectgarbage, and a finalizer running while closing
log = {}
do
  local function make_garbage()
    setmetatable({}, { __gc = function() log[#log + 1] = "fin" end })
  end
  local c <close> = setmetatable({}, { __close = function()
    make_garbage()
    collectgarbage()
    log[#log + 1] = "closed"
  end })
end
print(table.concat(log, " "))

-- pcall + error unwinding closes variables, and the error object survives a collection
log = {}
local ok, e = pcall(function()
  local a <close> = setmetatable({}, { __close = function(_, err)
    collectgarbage()
    log[#log + 1] = type(err) == "table" and err.msg or tostring(err)
  end })
  error({ msg = "error object" })
end)
print(ok, type(e), e.msg, table.concat(log, " "))

-- a coroutine closed from inside a finalizer
log = {}
local pending = coroutine.create(function()
  local a <close> = closer("from-gc")
  coroutine.yield()
end)
coroutine.resume(pending)
do
  local p = pending
  setmetatable({}, { __gc = function() coroutine.close(p) end })
end
pending = nil
collectgarbage()
print(table.concat(log, " "))

-- coroutine.close of dead and never-started coroutines
print(coroutine.close(coroutine.create(print)))
local done = coroutine.create(function() return 1 end)
coroutine.resume(done)
print(coroutine.close(done))
