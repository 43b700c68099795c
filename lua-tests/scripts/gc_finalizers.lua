-- __gc finalizers run for collected objects (order is by reverse creation within a cycle).
local log = {}
do
  for i = 1, 3 do
    setmetatable({}, { __gc = function() log[#log + 1] = i end })
  end
end
collectgarbage()
collectgarbage()
table.sort(log)
print(#log, table.concat(log, " "))
-- a finalizer can resurrect its object
local saved
do
  setmetatable({ name = "phoenix" }, { __gc = function(o) saved = o end })
end
collectgarbage()
print(saved and saved.name)
-- __gc set after setmetatable is ignored
local ran = false
do
  local mt = {}
  setmetatable({}, mt)
  mt.__gc = function() ran = true end
end
collectgarbage()
print(ran)
-- errors in finalizers become warnings, not errors
do setmetatable({}, { __gc = function() error("in gc") end }) end
collectgarbage()
print("still running")
