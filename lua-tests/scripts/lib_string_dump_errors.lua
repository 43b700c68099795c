-- string.dump and binary chunks: argument errors, modes, stripped debug info, malformed and
-- truncated chunks. (Dumped bytes and their length differ between implementations, so
-- only behaviour and messages that do not depend on them are printed.)

-- Only Lua functions can be dumped.
print(pcall(string.dump, print))
print(pcall(string.dump, string.dump))
print(pcall(string.dump))
print(pcall(string.dump, {}))
print(pcall(string.dump, "return 1"))

local function f(a) return a + 1 end
local s = string.dump(f)
local stripped = string.dump(f, true)
print("starts with signature", s:sub(1, 4) == "\27Lua", stripped:sub(1, 4) == "\27Lua")
print("strip makes it shorter", #stripped < #s)
print("strip flag is a boolean test", string.dump(f, nil) == s, string.dump(f, 1) == stripped)

-- Modes.
print(load(s, "bin", "t"))
print(load(s, "=bin", "t"))
print(load("return 1", "txt", "b"))
print(load(s, "bin", "b")(1), load(s, "bin", "bt")(2), load(s)(3))

-- Reader functions can deliver a binary chunk in pieces.
local pos = 0
local pieces = load(function()
  if pos >= #s then return nil end
  local p = s:sub(pos + 1, pos + 3)
  pos = pos + 3
  return p
end, "=pieces", "b")
print("pieces", pieces(41))

-- Errors in stripped functions: no line numbers, no variable names.
local function idx() local t = nil; return t.x end
print(pcall(load(string.dump(idx, true))))
local function arith(a) return a + {} end
print(pcall(load(string.dump(arith, true)), 1))
print(pcall(load(string.dump(function() return undefined_global.x end, true))))
-- Not stripped: line and names survive the round trip.
print(pcall(load(string.dump(idx))))
print(pcall(load(string.dump(function() return undefined_global.x end))))

-- Every truncation of a chunk is an error (never a crash); header prefixes give
-- the same message in every implementation.
for _, chunk in ipairs({ s, stripped, string.dump(load("local t = {} for i = 1, 3 do t[i] = i end return t")) }) do
  local all = true
  for i = 1, #chunk - 1 do
    local g = load(chunk:sub(1, i), "=trunc", "b")
    if g then all = false end
  end
  print("all truncations fail", all)
end
for i = 1, 20 do
  print(i, load(s:sub(1, i)))
end
print(load(s:sub(1, 10), "@file.lua"))
print(load(s:sub(1, 10), "=name"))
print(load(s:sub(1, 10), "plain name"))

-- Malformed headers.
print(load("\27Lua\83"))
print(load("\27Lua\84"))
print(load("\27LuX"))
print(load("\27hello world"))
print(load("\27"))
print(pcall(load, "\27Lua\82 and more", "=h"))
