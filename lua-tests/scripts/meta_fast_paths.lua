-- The interpreter's fast paths around metatables and calls must behave as the general paths:
-- writes to present keys of a table with a metatable skip __newindex, absent (or nil) keys
-- reach it; calls return the results each call site wants, through tail calls too.
local log = {}
local mt = { __newindex = function(t, k, v) log[#log + 1] = tostring(k) .. "=" .. tostring(v); rawset(t, k, v) end }
local obj = setmetatable({ x = 1, [1] = "a" }, mt)
for i = 1, 3 do
  obj.x = i            -- present: plain write
  obj[1] = "b" .. i    -- present integer key (SETI)
  local k = "x"
  obj[k] = i * 10      -- present, SETTABLE with a string key
end
obj.y = 5              -- absent: __newindex
obj[2] = "c"           -- absent integer key: __newindex
obj.x = nil            -- present: plain write of nil
obj.x = 7              -- now absent again: __newindex
print(obj.x, obj[1], obj.y, obj[2], table.concat(log, " "))

-- a proxy whose keys never exist: every write goes to __newindex
local store = {}
local proxy = setmetatable({}, { __newindex = store, __index = store })
for i = 1, 4 do proxy[i] = i * i; proxy.k = i end
print(rawget(proxy, 1), store[4], store.k, proxy.k)

-- results wanted by the caller, through RETURN1/RETURN0/RETURN and tail calls
local function one(x) return x end
local function none() end
local function two(a, b) return a, b end
local function tail1(x) return one(x) end
local function tailmany(a, b) return two(a, b) end
local function count(...) return select("#", ...) end
print(count(one(1)), count(none()), count(two(1, 2)), count(tail1(3)), count(tailmany(4, 5)))
local a, b, c = one(9)
local d, e, f = tailmany(7, 8)
print(a, b, c, d, e, f)
print(({ one(1), one(2) })[2], #{ two(1, 2), two(3, 4) }, count(none(), none()))
-- deep recursion mixing calls and tail calls (ackermann's shape: the inner call is a last argument)
local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end
print(ack(2, 3), ack(3, 3))
