-- bignum: arbitrary-precision natural numbers as little-endian arrays of base-10^7 limbs,
-- with __add, __mul, __eq, __lt and __tostring metamethods whose bodies are loops over the
-- limbs. Computes Fibonacci numbers and a factorial with them, so most of the time is spent
-- inside metamethods that themselves run loops (a trace through `a + b` must follow the call
-- into the metamethod and its loop).
local n = tonumber(arg and arg[1]) or 3400

local BASE = 10000000
local Big = {}
Big.__index = Big

local function big(v)
  local limbs = {}
  repeat
    limbs[#limbs + 1] = v % BASE
    v = v // BASE
  until v == 0
  return setmetatable(limbs, Big)
end

Big.__add = function(a, b)
  local r = {}
  local carry = 0
  local na, nb = #a, #b
  local len = na > nb and na or nb
  for i = 1, len do
    local s = (a[i] or 0) + (b[i] or 0) + carry
    if s >= BASE then
      r[i] = s - BASE
      carry = 1
    else
      r[i] = s
      carry = 0
    end
  end
  if carry > 0 then r[len + 1] = carry end
  return setmetatable(r, Big)
end

-- bignum * small integer (< BASE) or bignum * bignum (schoolbook)
Big.__mul = function(a, b)
  if type(b) == "number" then
    local r, carry = {}, 0
    for i = 1, #a do
      local p = a[i] * b + carry
      r[i] = p % BASE
      carry = p // BASE
    end
    local k = #a
    while carry > 0 do
      k = k + 1
      r[k] = carry % BASE
      carry = carry // BASE
    end
    return setmetatable(r, Big)
  end
  local r = {}
  local na, nb = #a, #b
  for i = 1, na + nb do r[i] = 0 end
  for i = 1, na do
    local carry, ai = 0, a[i]
    for j = 1, nb do
      local p = r[i + j - 1] + ai * b[j] + carry
      r[i + j - 1] = p % BASE
      carry = p // BASE
    end
    r[i + nb] = r[i + nb] + carry
  end
  while #r > 1 and r[#r] == 0 do r[#r] = nil end
  return setmetatable(r, Big)
end

Big.__eq = function(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

Big.__lt = function(a, b)
  if #a ~= #b then return #a < #b end
  for i = #a, 1, -1 do
    if a[i] ~= b[i] then return a[i] < b[i] end
  end
  return false
end

Big.__tostring = function(a)
  local parts = { tostring(a[#a]) }
  for i = #a - 1, 1, -1 do parts[#parts + 1] = string.format("%07d", a[i]) end
  return table.concat(parts)
end

local function digitsum(s)
  local d = 0
  for i = 1, #s do d = d + s:byte(i) - 48 end
  return d
end

-- Fibonacci by repeated addition
local x, y = big(0), big(1)
for _ = 1, 10 * n do x, y = y, x + y end
-- factorial by repeated small multiplication
local f = big(1)
for i = 2, n do f = f * i end
-- a few full multiplications, checked against repeated addition
local sq = y * y
local ok = (x + y) * big(3) == (x + y) + (x + y) + (x + y) and x < y and not (sq < y)
local fs, ys, sqs = tostring(f), tostring(y), tostring(sq)
print("bignum n=" .. n .. " fib=" .. #ys .. "/" .. digitsum(ys) .. " fact=" .. #fs .. "/"
  .. digitsum(fs) .. " sq=" .. #sqs .. "/" .. digitsum(sqs) .. " ok=" .. tostring(ok))
