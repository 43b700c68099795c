-- metaloops: vector arithmetic through operator metamethods that each run a loop of their
-- own. A Vec holds 100 integers; __add, __sub and __mul (by a scalar) build a new Vec in a
-- loop over the elements, __len sums them in a loop. The hot loop only combines vectors, so
-- with the JIT its trace calls the metamethods out and their loops run as nested traces.
local n = tonumber(arg and arg[1]) or 100000
local N = 100

local Vec = {}
Vec.__index = Vec

local function vec() return setmetatable({}, Vec) end

Vec.__add = function(a, b)
  local r = vec()
  for i = 1, N do r[i] = a[i] + b[i] end
  return r
end
Vec.__sub = function(a, b)
  local r = vec()
  for i = 1, N do r[i] = a[i] - b[i] end
  return r
end
Vec.__mul = function(a, s)
  local r = vec()
  for i = 1, N do r[i] = a[i] * s end
  return r
end
Vec.__len = function(a)
  local s = 0
  for i = 1, N do s = s + a[i] end
  return s
end

local p, q = vec(), vec()
for i = 1, N do p[i] = i; q[i] = i * i % 17 end
local sum = 0
for k = 1, n do
  local d = (p + q) * (k % 7 + 1) - q
  sum = (sum + #d) % 1000000007
  if k % 1000 == 0 then p = d end
end
print(("metaloops n=%d sum=%d"):format(n, sum))
