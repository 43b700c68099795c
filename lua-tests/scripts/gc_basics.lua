-- collectgarbage options; only booleans and types are printed (sizes vary).
local kb = collectgarbage("count")
print(type(kb), math.type(kb), kb > 0)
assert(type(kb) == "number")
print(collectgarbage("isrunning"))
collectgarbage("stop")
print(collectgarbage("isrunning"))
collectgarbage("restart")
print(collectgarbage("isrunning"))
print(collectgarbage("collect"), collectgarbage())
print(type(collectgarbage("step")), type(collectgarbage("step", 100)))
print(pcall(collectgarbage, "bogus"))
-- collecting frees unreachable cycles
collectgarbage()
local before = collectgarbage("count")
do
  local nodes = {}
  for i = 1, 20000 do
    local a, b = {}, {}
    a.other, b.other = b, a   -- a cycle
    nodes[i] = a
  end
  local mid = collectgarbage("count")
  print(mid > before)
  nodes = nil
end
collectgarbage()
collectgarbage()
local after = collectgarbage("count")
print(after < before + 100)
assert(after < before + 100, "cycles were not collected")
