-- matmul: multiply two dense n-by-n float matrices stored as arrays of row arrays, with the
-- classic i-k-j loop order (row of A times row of B accumulated into a row of C). Measures
-- nested numeric loops over 2-D arrays.
local n = tonumber(arg and arg[1]) or 400

local function matgen(size, scale)
  local m = {}
  local tmp = scale / size / size
  for i = 1, size do
    local row = {}
    for j = 1, size do row[j] = tmp * (i - j) * (i + j - 2) end
    m[i] = row
  end
  return m
end

local function matmul(a, b, size)
  local c = {}
  for i = 1, size do
    local crow = {}
    for j = 1, size do crow[j] = 0.0 end
    local arow = a[i]
    for k = 1, size do
      local aik, brow = arow[k], b[k]
      for j = 1, size do crow[j] = crow[j] + aik * brow[j] end
    end
    c[i] = crow
  end
  return c
end

local a = matgen(n, 1.0)
local b = matgen(n, 2.0)
local c = matmul(a, b, n)
local trace, sum = 0.0, 0.0
for i = 1, n do
  trace = trace + c[i][i]
  for j = 1, n do sum = sum + c[i][j] end
end
print(string.format("matmul n=%d trace=%.6f sum=%.6f mid=%.9f", n, trace, sum, c[n // 2 + 1][n // 2 + 1]))
