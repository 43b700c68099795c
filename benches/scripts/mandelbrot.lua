-- mandelbrot: iterate z = z^2 + c over an n-by-n grid of the complex plane, one bit per point
-- packed into bytes as the classic benchmark does. Pure float arithmetic in a tight inner
-- loop with an early exit; the checksum folds the packed bytes with integer bit operations.
local n = tonumber(arg and arg[1]) or 1200
local maxiter = 50

local inside, sum = 0, 0
for y = 0, n - 1 do
  local ci = 2.0 * y / n - 1.0
  local bits, nbits = 0, 0
  for x = 0, n - 1 do
    local cr = 2.0 * x / n - 1.5
    local zr, zi, zr2, zi2 = 0.0, 0.0, 0.0, 0.0
    local escaped = false
    for _ = 1, maxiter do
      zi = 2.0 * zr * zi + ci
      zr = zr2 - zi2 + cr
      zr2 = zr * zr
      zi2 = zi * zi
      if zr2 + zi2 > 4.0 then
        escaped = true
        break
      end
    end
    bits = bits << 1
    if not escaped then
      bits = bits | 1
      inside = inside + 1
    end
    nbits = nbits + 1
    if nbits == 8 or x == n - 1 then
      bits = bits << (8 - nbits)
      sum = (sum * 31 + bits) % 1000000007
      bits, nbits = 0, 0
    end
  end
end
print("mandelbrot n=" .. n .. " inside=" .. inside .. " checksum=" .. sum)
