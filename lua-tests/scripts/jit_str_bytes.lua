-- string.byte and string.char in hot loops: byte sums over strings that change length, indices that run past the end (byte returns nothing) and start at 0 or below, method calls s:byte(i), the default index, a float index, byte ranges and extra arguments, char of computed bytes, char of 256 or -1 failing at iteration k, and string.byte replaced by a Lua function mid-run.  -- jit-traces>=8 -- jit-side>=2
-- a weighted byte sum over strings of growing length
local acc = 0
for r = 1, 30 do
  local s = string.rep("ab" .. r, r)
  local w = 0
  for i = 1, #s do w = w + string.byte(s, i) * (i % 7 + 1) end
  acc = (acc * 7 + w) % 1000003
end
print("hash", acc)

-- indices past the end and at or below zero: byte gives no value there
local s = "the quick brown fox"
local got, missing = 0, 0
for i = -3, 40 do
  local b = s:byte(i)
  if b then got = got + b else missing = missing + 1 end
end
print("range", got, missing)

-- the default index, a float index with an integer value, a string that is empty sometimes
local words = { "alpha", "", "beta", "gamma", "", "z" }
local firsts = {}
for i = 1, 120 do
  local w = words[i % #words + 1]
  local b = w:byte()
  local c = string.byte(w, 1.0)
  firsts[#firsts + 1] = tostring(b) .. "/" .. tostring(c)
end
print("firsts", table.concat(firsts, " ", 1, 12))

-- ranges and multiple results keep their meaning
local t = {}
for i = 1, 60 do
  local a, b, c = string.byte("xyz", 1, i % 4)
  t[#t + 1] = (a or 0) + (b or 0) * 2 + (c or 0) * 3
end
print("ranges", table.concat(t, ",", 1, 8))

-- char of computed bytes: lower-case letters swapped for upper-case ones, digits mirrored
local src = string.rep("Hello, World 2026! ", 20)
local out = {}
for i = 1, #src do
  local b = src:byte(i)
  if b >= 97 and b <= 122 then
    b = b - 32
  elseif b >= 48 and b <= 57 then
    b = 105 - b
  end
  out[#out + 1] = string.char(b)
end
print("swap", table.concat(out):sub(1, 40), #out)

-- char out of range at iteration k: the error is the interpreter's
for _, k in ipairs({ 1, 2, 57, 200 }) do
  local ok, err = pcall(function()
    local n = 0
    for i = 1, 300 do
      local b = i == k and 256 or i % 200
      n = n + #string.char(b)
    end
    return n
  end)
  print("char", k, ok, err)
end
print(pcall(function() local x; for i = 1, 100 do x = string.char(i - 50) end return x end))

-- string.byte replaced mid-run by a Lua function
local real = string.byte
local sum = 0
for i = 1, 200 do
  if i == 150 then string.byte = function(str, j) return 1000 end end
  sum = sum + string.byte("abc", i % 3 + 1)
end
string.byte = real
print("replaced", sum)

-- a non-string argument: numbers are converted, tables fail as the library says
local n = 0
for i = 1, 100 do n = n + string.byte(i, 1) end
print("number", n)
print(pcall(function() for i = 1, 100 do local x = string.byte(i < 90 and "a" or {}) end end))
