-- spectralnorm: the spectral norm of an infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1),
-- truncated to n-by-n, by ten rounds of the power method on A'A. Nested float loops over
-- arrays with a small function call (the matrix element) in the innermost loop.
local n = tonumber(arg and arg[1]) or 800

local function a(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end

local function av(x, y, size)
  for i = 1, size do
    local s = 0.0
    for j = 1, size do s = s + a(i, j) * x[j] end
    y[i] = s
  end
end

local function atv(x, y, size)
  for i = 1, size do
    local s = 0.0
    for j = 1, size do s = s + a(j, i) * x[j] end
    y[i] = s
  end
end

local function atav(x, y, t, size)
  av(x, t, size)
  atv(t, y, size)
end

local u, v, t = {}, {}, {}
for i = 1, n do u[i] = 1.0 end
for _ = 1, 10 do
  atav(u, v, t, n)
  atav(v, u, t, n)
end
local vbv, vv = 0.0, 0.0
for i = 1, n do
  local ui, vi = u[i], v[i]
  vbv = vbv + ui * vi
  vv = vv + vi * vi
end
print(string.format("spectralnorm n=%d norm=%.9f", n, math.sqrt(vbv / vv)))
