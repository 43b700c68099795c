-- binarytrees: allocate and walk many complete binary trees of small tables (the GC benchmark).
-- One long-lived tree survives the whole run while short-lived trees of every depth are built
-- and dropped, so both allocation speed and collector throughput show.
local n = tonumber(arg and arg[1]) or 15

local function make(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return { make(depth), make(depth) }
end

local function check(tree)
  if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
  return 1
end

local mindepth = 4
local maxdepth = n
if maxdepth < mindepth + 2 then maxdepth = mindepth + 2 end

local total = check(make(maxdepth + 1))
local longlived = make(maxdepth)
for depth = mindepth, maxdepth, 2 do
  local iters = 1 << (maxdepth - depth + mindepth)
  local c = 0
  for _ = 1, iters do c = c + check(make(depth)) end
  total = total + c
end
total = total + check(longlived)
print("binarytrees n=" .. n .. " checksum=" .. total)
