-- __concat (both operand orders, chains) and __len.
local S = {}
S.__concat = function(a, b)
  local function s(x) return type(x) == "table" and ("[" .. x.v .. "]") or tostring(x) end
  return setmetatable({ v = s(a) .. s(b) }, S)
end
local function sv(v) return setmetatable({ v = v }, S) end
local a = sv("a")
print((a .. "x").v, ("x" .. a).v, (1 .. a).v, (a .. 2.5).v, (a .. a).v)
-- in a chain, plain strings are joined first, right to left
print(("p" .. "q" .. a .. "r" .. "s").v)
-- __len returns anything, and only the first value
local L = setmetatable({ 1, 2, 3 }, { __len = function(t) return rawlen(t) * 10, "ignored" end })
print(#L, rawlen(L))
local W = setmetatable({}, { __len = function() return "weird" end })
print(#W)
-- __len on a userdata-less value: strings ignore it, tables use it
print(#"abc")
-- errors when there is no __concat
print(pcall(function() return {} .. "x" end))
print(pcall(function() return "x" .. setmetatable({}, {}) end))
