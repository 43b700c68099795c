-- Errors in finalizers with warnings on: reported as "error in __gc" warnings on stderr
-- (not compared by the runner), never raised; the program and later finalizers go on.
warn("@on")
local log = {}
local function failing(n)
  local objs = {}  -- held until return: all die in the same cycle, in every GC mode
  for i = 1, n do
    objs[i] = setmetatable({ id = i }, { __gc = function(o)
      log[#log + 1] = o.id
      if o.id % 2 == 0 then error("even " .. o.id) end
    end })
  end
end
failing(6)
collectgarbage()
print(table.concat(log, " "))

-- a non-string error object
log = {}
do setmetatable({}, { __gc = function() log[#log + 1] = "t"; error(setmetatable({}, {})) end }) end
collectgarbage()
print(table.concat(log, " "))

-- an error inside a pcall inside a finalizer is the finalizer's business
local caught
do setmetatable({}, { __gc = function()
  caught = select(2, pcall(error, "inner"))
end }) end
collectgarbage()
print("caught:", caught)

-- a finalizer error during an automatic (allocation-driven) collection
log = {}
local fails = 0
for i = 1, 2000 do
  setmetatable({ i }, { __gc = function() fails = fails + 1; error("auto " .. i) end })
  local junk = { i, i, i }
end
collectgarbage()
print("all finalized:", fails == 2000)

-- errors in finalizers do not disturb a running pcall
local ok, msg = pcall(function()
  do setmetatable({}, { __gc = function() error("inside pcall") end }) end
  collectgarbage()
  return "fine"
end)
print(ok, msg)
warn("@off")
do setmetatable({}, { __gc = function() error("silent") end }) end
collectgarbage()
print("done")
