-- Switching collector modes and stepping; the mode names come back as strings.
local prev = collectgarbage("incremental")
print(prev == "generational" or prev == "incremental")
print(collectgarbage("incremental"))
print(collectgarbage("generational"))
print(collectgarbage("generational"))
print(collectgarbage("incremental"))
-- a full step cycle eventually reports completion
local done = false
for _ = 1, 10000 do
  if collectgarbage("step", 0) then done = true; break end
end
print(done)
-- memory from weak tables is reclaimed
local weak = setmetatable({}, { __mode = "k" })
do
  for i = 1, 100 do weak[{}] = i end
end
collectgarbage()
local n = 0
for _ in pairs(weak) do n = n + 1 end
print(n)
local weakv = setmetatable({}, { __mode = "v" })
weakv[1] = {}
weakv[2] = "strings are values, not collected"
local anchor = {}
weakv[3] = anchor
collectgarbage()
print(weakv[1], weakv[2], weakv[3] == anchor)
