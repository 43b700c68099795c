-- To-be-closed variables and __close.
local log = {}
local function closer(name)
  return setmetatable({}, { __close = function(_, err)
    log[#log + 1] = name .. (err and ("!" .. tostring(err)) or "")
  end })
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <close> = nil   -- nil and false are allowed and ignored
  log[#log + 1] = "body"
end
print(table.concat(log, " "))
assert(table.concat(log, " ") == "body b a")
-- closed on return, after the return values are computed
log = {}
local function f()
  local x <close> = closer("x")
  log[#log + 1] = "returning"
  return "result"
end
print(f(), table.concat(log, " "))
-- closed on error, receiving the error object; the error continues
log = {}
local ok, err = pcall(function()
  local y <close> = closer("y")
  error("boom", 0)
end)
print(ok, err, table.concat(log, " "))
-- closed on break and goto out of a block
log = {}
for i = 1, 3 do
  local z <close> = closer("z" .. i)
  if i == 2 then break end
end
print(table.concat(log, " "))
-- const variables
local K <const> = 10
print(K * 2)
print(load("local c <const> = 1; c = 2", "=const"))
print(load("local c <foo> = 1", "=attrib"))
-- a value without __close is an error
print(pcall(function() local bad <close> = {} end))
print(pcall(function() local bad <close> = 42 end))
-- an error inside __close replaces the original error
local ok2, err2 = pcall(function()
  local w <close> = setmetatable({}, { __close = function() error("in close", 0) end })
  error("original", 0)
end)
print(ok2, err2)
-- generic for closes its 4th value when the loop ends early
log = {}
local function iter()
  local i = 0
  return function() i = i + 1; if i <= 5 then return i end end, nil, nil, closer("iter")
end
for i in iter() do if i == 2 then break end end
print(table.concat(log, " "))
