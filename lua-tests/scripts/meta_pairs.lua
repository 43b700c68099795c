-- __pairs, and that next/ipairs behave without it.
local hidden = { a = 1, b = 2, c = 3 }
local proxy = setmetatable({}, { __pairs = function(t)
  local keys = {}
  for k in next, hidden do keys[#keys + 1] = k end
  table.sort(keys)
  local i = 0
  return function()
    i = i + 1
    local k = keys[i]
    if k then return k, hidden[k] * 100 end
  end, t, nil
end })
for k, v in pairs(proxy) do print(k, v) end
-- next ignores __pairs
print(next(proxy))
-- __pairs can return extra values; only three are used (plus the closing value)
local three = setmetatable({}, { __pairs = function() return function(_, k) if not k then return 1, "one" end end, "state", nil end })
for k, v in pairs(three) do print(k, v) end
-- __index does not affect pairs
local inherited = setmetatable({ own = true }, { __index = { inherited = true } })
local n = 0
for k in pairs(inherited) do n = n + 1; print("key", k) end
print(n)
