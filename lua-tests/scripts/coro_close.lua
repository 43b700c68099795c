-- coroutine.close: closing suspended coroutines and their pending to-be-closed variables.
local log = {}
local function tbc(name)
  return setmetatable({}, { __close = function(_, err) log[#log + 1] = name .. ":" .. tostring(err) end })
end
local co = coroutine.create(function()
  local a <close> = tbc("a")
  local b <close> = tbc("b")
  coroutine.yield("suspended with two pending")
  log[#log + 1] = "never"
end)
print(coroutine.resume(co))
print(coroutine.close(co), coroutine.status(co))
print(table.concat(log, " "))
assert(table.concat(log, " ") == "b:nil a:nil")
-- closing a dead or never-started coroutine
print(coroutine.close(coroutine.create(print)))
local finished = coroutine.create(function() return 1 end)
coroutine.resume(finished)
print(coroutine.close(finished))
-- closing a coroutine that died with an error returns false and the error
local failed = coroutine.create(function() error("oops", 0) end)
print(coroutine.resume(failed))
print(coroutine.close(failed))
-- an error in __close while closing is reported by close
log = {}
local co2 = coroutine.create(function()
  local x <close> = setmetatable({}, { __close = function() error("close failed", 0) end })
  local y <close> = tbc("y")
  coroutine.yield()
end)
coroutine.resume(co2)
print(coroutine.close(co2))
print(table.concat(log, " "))
-- cannot close a running coroutine
print(pcall(coroutine.close, coroutine.running()))
local co3
co3 = coroutine.create(function() return pcall(coroutine.close, co3) end)
print(coroutine.resume(co3))
-- a closed coroutine is dead
print(coroutine.resume(co))
