-- Strings in hot loops: numeric strings coerced by arithmetic ("10" + 1) from iteration 1, 2, 57, 300 on, concatenation of integers and floats, # on strings that grow and on a value that becomes a table, and arithmetic on non-numeric strings (the string metamethod's error) or bitwise ops on numeric ones, string equality for short strings and long strings built apart.  -- jit-traces>=8
-- a number that is a string from iteration k on
local function sum_with_strings(k)
  local s = 0
  for i = 1, 500 do
    local v = (i >= k) and tostring(i) or i
    s = s + v
  end
  return s
end
for _, k in ipairs({ 300, 1, 2, 57, 501 }) do
  local s = sum_with_strings(k)
  print(k, s, math.type(s))
  assert(s == 125250 and math.type(s) == "integer")
end

-- the kind of numeral in the string decides the result's type
local forms = { "10", "10.0", "0x10", " 7 ", "1e2", "-3", "0.5" }
local acc, ints = 0, 0
for i = 1, 700 do
  local v = forms[i % #forms + 1] + 1
  if math.type(v) == "integer" then ints = ints + 1 end
  acc = acc + v
end
print(acc, math.type(acc), ints)
assert(acc == 100 * (11 + 11 + 17 + 8 + 101 - 2 + 1.5) and ints == 400)
print("10" * "2", "3" - 1.5, -"2", "2" ^ "3", "7" // "2", "7.0" % "2", "9" / "3")

-- concatenation of numbers: integers print without a dot, floats with one
local parts, total_len = {}, 0
for i = 1, 600 do
  local piece = (i % 4 == 0) and (i / 4) .. "" or i .. ","
  total_len = total_len + #piece
  if i <= 8 then parts[#parts + 1] = piece end
end
print(table.concat(parts, " "), total_len)
assert(table.concat(parts) == "1,2,3,1.05,6,7,2.0" and total_len == 2360)
local s = ""
for i = 1, 400 do s = s .. (i % 10) end
print(#s, s:sub(1, 12), s:sub(-5))
assert(#s == 400 and s:sub(1, 12) == "123456789012")
local mixed = ""
for i = 1, 300 do mixed = 1 .. mixed .. 2.5 end
print(#mixed, mixed:sub(1, 6), mixed:sub(-6))
assert(#mixed == 300 * 4)
print(math.maxinteger .. "", math.mininteger .. "", -0.0 .. "", 1e100 .. "", 2 ^ 63 .. "")

-- # on a string that grows, then on a value that becomes a table at iteration k
local function lens(k)
  local v, t = "", 0
  for i = 1, 400 do
    if i == k then v = { 1, 2, 3 } end
    if type(v) == "string" then v = v .. "x" else v[#v + 1] = i end
    t = t + #v
  end
  return t, #v
end
for _, k in ipairs({ 300, 1, 57, 401 }) do
  local t, last = lens(k)
  print(k, t, last)
  assert(last == ((k <= 400) and 401 - k + 3 or 400))
end

-- numeric strings are not numbers for the bitwise operators
local ok, e = pcall(function() return "3" | 0 end)
print(ok, e)
assert(not ok)

-- arithmetic on a string that is not a numeral fails at iteration k (string metamethod)
for _, k in ipairs({ 300, 2 }) do
  local ok2, e2 = pcall(function()
    local t = 0
    for i = 1, 400 do
      local word = (i == k) and "ten" or "10"
      t = t + word
    end
    return t
  end)
  print(k, ok2, e2)
  assert(not ok2)
end

-- tostring / tonumber round trips in a hot loop
local rt = 0
for i = 1, 600 do
  local f = i / 8
  if tonumber(tostring(f)) == f then rt = rt + 1 end
  if tonumber(tostring(i)) == i and math.type(tonumber(tostring(i))) == "integer" then rt = rt + 1 end
end
print(rt)
assert(rt == 1200)

-- string equality where the compared string changes at iteration 300; long strings built
-- in different ways are equal by content
local key, matches = "alpha", 0
local long1 = string.rep("abcdefghij", 5)
for i = 1, 600 do
  if i == 300 then key = "beta" end
  if key == "alpha" then matches = matches + 1 end
  local long2 = string.rep("abcde", 5, "fghij") .. "fghij"
  if long1 == long2 then matches = matches + 1000 end
end
print(matches)
assert(matches == 299 + 600 * 1000)
