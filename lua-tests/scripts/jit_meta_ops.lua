-- Operator metamethods set mid-loop (at iteration 1, 57, 300): __add (left and right operand), __concat, __len, __eq, __lt, __le, __unm, __call; operations that fail until the metamethod exists, and results that change once it does.  -- jit-traces>=1
local function try(f, ...)
  local ok, v = pcall(f, ...)
  return ok and v or "error"
end

-- __add: errors until iteration k sets it, then works with the table on either side
local function adds(k)
  local mt = {}
  local a = setmetatable({ n = 5 }, mt)
  local errs, sum, lastmsg = 0, 0, nil
  for i = 1, 600 do
    if i == k then mt.__add = function(x, y) return (type(x) == "table" and x.n or x) + (type(y) == "table" and y.n or y) end end
    local ok, v = pcall(function() return (i % 2 == 0) and a + i or i + a end)
    if ok then sum = sum + v else errs = errs + 1; lastmsg = v end
  end
  return errs, sum, lastmsg
end
for _, k in ipairs({ 300, 1, 57 }) do
  local errs, sum, msg = adds(k)
  print(k, errs, sum, msg)
  assert(errs == k - 1)
end

-- __concat and __unm appear at iteration 300
local mt = {}
local v = setmetatable({}, mt)
local cat, neg = 0, 0
for i = 1, 600 do
  if i == 300 then
    mt.__concat = function(x, y) return (type(x) == "table" and "V" or x) .. (type(y) == "table" and "V" or y) end
    mt.__unm = function() return -1 end
  end
  local s = try(function() return "x" .. v .. i end)
  if s ~= "error" then cat = cat + #s end
  if try(function() return -v end) ~= "error" then neg = neg + 1 end
end
print(cat, neg, "a" .. v, 1 .. v, -v)
assert(neg == 301 and cat == 301 * #"xV600")

-- __len changes what # returns, from the raw length to the metamethod's value
local lmt = {}
local arr = setmetatable({ 1, 2, 3 }, lmt)
local lens = 0
for i = 1, 600 do
  if i == 57 then lmt.__len = function() return 100 end end
  if i == 400 then lmt.__len = function(t) return rawlen(t) * 2 end end
  lens = lens + #arr
end
print(lens)
assert(lens == 56 * 3 + 343 * 100 + 201 * 6)

-- __eq: two different tables become equal when both share an __eq; not for raw equality
local emt = {}
local p, q = setmetatable({ id = 1 }, emt), setmetatable({ id = 1 }, emt)
local eqs, raw = 0, 0
for i = 1, 600 do
  if i == 300 then emt.__eq = function(x, y) return x.id == y.id end end
  if i == 500 then q.id = 2 end
  if p == q then eqs = eqs + 1 end
  if rawequal(p, q) then raw = raw + 1 end
end
print(eqs, raw)
assert(eqs == 200 and raw == 0)

-- __lt and __le: comparisons error until __lt is set; then a <= b is not (b < a) (PUC's default
-- build keeps this 5.3 fallback, LUA_COMPAT_LT_LE) until __le is set
local cmt = {}
local lo, hi = setmetatable({ r = 1 }, cmt), setmetatable({ r = 2 }, cmt)
local lt, le, errs = 0, 0, 0
for i = 1, 600 do
  if i == 200 then cmt.__lt = function(x, y) return x.r < y.r end end
  if i == 400 then cmt.__le = function(x, y) return x.r <= y.r end end
  if try(function() return lo < hi end) == true then lt = lt + 1 end
  local r = try(function() return lo <= hi end)
  if r == "error" then errs = errs + 1 elseif r then le = le + 1 end
end
print(lt, le, errs)
assert(lt == 401 and le == 401 and errs == 199)

-- __call set mid-loop: calling the table fails, then works, then changes behaviour
local callmt = {}
local callee = setmetatable({}, callmt)
local called, failed, lastmsg = 0, 0, nil
for i = 1, 600 do
  if i == 57 then callmt.__call = function(self, x) return x end end
  if i == 300 then callmt.__call = function(self, x, y) return x + (y or 0) + 1 end end
  local ok, r = pcall(callee, i)
  if ok then called = called + r else failed = failed + 1; lastmsg = r end
end
print(called, failed, lastmsg)
assert(failed == 56 and called == (57 + 299) * 243 // 2 + (300 + 600) * 301 // 2 + 301)
