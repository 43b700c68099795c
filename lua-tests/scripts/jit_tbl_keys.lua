-- Table keys in hot loops: integer keys written and read as floats (t[1.0]), key 0 and negative keys, float keys that are not integral, 2^53 and 2^63 as keys, "1" versus 1, and nil/NaN keys failing at iteration k.  -- jit-traces>=10
-- writes with float keys that have an integer value land on the integer keys
local t = {}
for i = 1, 600 do t[i + 0.0] = i end
local n = 0
for i, v in ipairs(t) do n = n + 1; assert(math.type(i) == "integer" and v == i) end
print(n, #t, t[1], t[1.0], t[600.0])
assert(n == 600 and #t == 600)
-- reads alternate between integer and float keys for the same slots
local s = 0
for i = 1, 600 do
  local k = (i % 2 == 0) and i / 1 or i
  s = s + t[k]
end
print(s)
assert(s == 180300)
-- a float key that is not integral is a different key
for i = 1, 300 do t[i + 0.5] = -i end
local halves = 0
for i = 1, 300 do halves = halves + t[i + 0.5] + t[i] end
print(halves, #t)
assert(halves == 0 and #t == 600)

-- key 0 and negative keys are not part of the sequence
local z = {}
for i = -300, 300 do z[i] = i * 2 end
local cnt = 0
for _ in ipairs(z) do cnt = cnt + 1 end
local neg = 0
for i = -300, 0 do neg = neg + z[i] end
print(cnt, #z, neg, z[0], z[-300])
assert(cnt == 300 and #z == 300 and neg == -90300 and z[0] == 0)
local keys = 0
for k in pairs(z) do assert(math.type(k) == "integer"); keys = keys + 1 end
print(keys)
assert(keys == 601)

-- big keys: 2^53 as a float is the integer key 2^53; 2^63 as a float stays a float key
local big = {}
for i = 1, 300 do
  big[2 ^ 53 + 0.0] = i
  big[2 ^ 63] = -i
end
local ik = math.tointeger(2 ^ 53)
print(big[ik], big[2 ^ 63], big[math.maxinteger])
assert(big[ik] == 300 and big[2 ^ 63] == -300 and big[math.maxinteger] == nil)

-- the string "1" is not the number 1
local sk = {}
for i = 1, 400 do
  local key = (i % 2 == 0) and tostring(i % 10) or (i % 10)
  sk[key] = (sk[key] or 0) + 1
end
local num_keys, str_keys = 0, 0
for k, v in pairs(sk) do
  if type(k) == "number" then num_keys = num_keys + v else str_keys = str_keys + v end
end
print(num_keys, str_keys, sk[1], sk["2"], sk[2])
assert(num_keys == 200 and str_keys == 200 and sk[2] == nil)

-- booleans and tables as keys next to numbers
local mk = {}
local key_t = {}
for i = 1, 300 do
  mk[true] = (mk[true] or 0) + 1
  mk[key_t] = i
  mk[i % 2 == 0] = i
end
print(mk[true], mk[false], mk[key_t])
assert(mk[true] == 300 and mk[false] == 299 and mk[key_t] == 300)

-- assigning with a nil or NaN key fails at iteration k; reading with them gives nil
for _, k in ipairs({ 300, 1, 57 }) do
  for _, bad in ipairs({ "nil", "nan" }) do
    local ok, e = pcall(function()
      local tt = {}
      for i = 1, 400 do
        local key = i
        if i == k then key = (bad == "nan") and 0 / 0 or nil end
        assert(tt[key] == nil)
        tt[key] = i
      end
    end)
    print(k, bad, ok, e)
    assert(not ok)
  end
end
