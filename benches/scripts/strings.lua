-- strings: everyday string work. Each round builds a report with string.format and
-- table.concat, rewrites it with gsub (pattern and function replacements), scans it with
-- find/match/gmatch, and runs a byte-level checksum and a string.char/byte round trip.
-- Measures the string library and the interning/allocation of many short strings.
local n = tonumber(arg and arg[1]) or 700

local words = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
  "iota", "kappa", "lambda", "mu" }

local function build(round)
  local parts = {}
  for i = 1, 200 do
    local w = words[(i + round) % #words + 1]
    parts[#parts + 1] = string.format("%05d:%s=%d;%.2f", i, w, i * round % 997, i / 7)
  end
  return table.concat(parts, ",")
end

local function hash(s)
  local h = 0
  for i = 1, #s do h = (h * 31 + string.byte(s, i)) & 0x7fffffff end
  return h
end

local check = 0
for round = 1, n do
  local s = build(round)
  -- upper-case every word, double every digit run with a function replacement
  local t, c1 = s:gsub("%a+", string.upper)
  local u, c2 = t:gsub("(%d+)%.(%d+)", function(a, b) return b .. "." .. a end)
  local count = 0
  for key, value in u:gmatch("(%u+)=(%d+)") do
    if #key > 4 then count = count + tonumber(value) end
  end
  local first = u:find("ETA=", 1, true) or 0
  local tail = u:match("([^,]+)$")
  -- byte-level work: caesar-shift the letters of a slice via byte/char
  local slice = u:sub(1, 400)
  local shifted = {}
  for i = 1, #slice do
    local b = slice:byte(i)
    if b >= 65 and b <= 90 then b = (b - 65 + round) % 26 + 65 end
    shifted[i] = string.char(b)
  end
  local r = table.concat(shifted):rep(2, "|"):reverse():lower()
  check = (check + hash(u) + c1 + c2 + count + first + #tail + hash(r)) % 1000000007
end
print("strings n=" .. n .. " checksum=" .. check)
