-- A loop allocating lots of garbage finishes and memory stays bounded.
collectgarbage()
local base = collectgarbage("count")
local peak = base
local keep = 0
for i = 1, 200000 do
  local t = { i, tostring(i), { i } }
  keep = keep + #t
  if i % 20000 == 0 then
    local now = collectgarbage("count")
    if now > peak then peak = now end
  end
end
print(keep)
-- string garbage
local s = 0
for i = 1, 50000 do
  local str = "item" .. i .. ("x"):rep(i % 50)
  s = s + #str
end
print(s)
-- closures as garbage
local total = 0
for i = 1, 50000 do
  local f = function() return i end
  total = total + f()
end
print(total)
collectgarbage()
local final = collectgarbage("count")
print(final < base + 1000, peak < base + 100000)
