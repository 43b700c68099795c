-- Bitwise operators in hot loops on operands that change kind: integral floats (converted), non-integral or huge floats (error at iteration k), numeric strings (error), shift counts of 64 and beyond or negative, and >> being a logical shift of negative numbers.  -- jit-traces>=6
-- integral floats take part in bitwise operations as integers
local acc, fl = 0, 0
for i = 1, 600 do
  local v = (i > 300) and i + 0.0 or i
  local r = v & 0xFF | (v << 8) ~ (v >> 1)
  assert(math.type(r) == "integer")
  acc = acc ~ r
  if math.type(v) == "float" then fl = fl + 1 end
end
print(acc, fl)
local acc2 = 0
for i = 1, 600 do acc2 = acc2 ~ (i & 0xFF | (i << 8) ~ (i >> 1)) end
assert(acc == acc2 and fl == 300)

-- a float without an integer value appears at iteration k: error, naming the local
for _, k in ipairs({ 300, 1, 57 }) do
  for _, bad in ipairs({ 0.5, 2 ^ 63, math.huge }) do
    local ok, e = pcall(function()
      local x = 0
      for i = 1, 400 do
        local v = (i == k) and bad or i
        x = x | v
      end
      return x
    end)
    print(k, bad, ok, e)
    assert(not ok)
  end
end

-- numeric strings are not coerced by bitwise operators
local ok, e = pcall(function()
  local x = 0
  for i = 1, 400 do x = x ~ ((i == 350) and "7" or i) end
  return x
end)
print(ok, e)
assert(not ok)

-- shift counts: 0..70 and negative; 64 or more shifts everything out
local bits = 0
for n = -70, 70 do
  local l, r = 1 << n, -1 >> n
  if l ~= 0 then bits = bits + 1 end
  if r ~= 0 then bits = bits + 100 end
end
print(bits, 1 << 63, 1 << 64, -1 >> 1, -1 >> 63, -1 << -1, 5 >> -2)
-- 1 << n survives for n = 0..63; -1 >> n for n = 0..63 and (as -1 << -n) for n = -63..-1
assert(bits == 64 + 127 * 100 and 1 << 64 == 0 and -1 >> 63 == 1)

-- unary ~ and math.ult on a value switching between integer and integral float
local nots, ults = 0, 0
for i = 1, 600 do
  local v = (i % 2 == 0) and -i or -i + 0.0
  nots = nots + ~v
  if math.ult(1, math.tointeger(v)) then ults = ults + 1 end
end
print(nots, ults)
assert(nots == 180300 - 600 and ults == 600)
