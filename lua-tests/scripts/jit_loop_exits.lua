-- Leaving hot loops in every way: break at iteration 1, 2, 57, 300, goto continue, return from inside doubly nested loops, pcall/error inside the loop body, an error (string, table, nil) propagating out of a hot loop into pcall, error in a metamethod called by the loop, a repeat-until whose condition reads a body local.  -- jit-traces>=11
-- break at iteration k
local function first_at_least(k)
  local found
  for i = 1, 1000 do
    if i >= k then found = i; break end
  end
  return found
end
for _, k in ipairs({ 300, 1, 2, 57, 1000 }) do
  local f = first_at_least(k)
  print(k, f)
  assert(f == k)
end
assert(first_at_least(5000) == nil)

-- goto continue skipping parts of the body, with a changing pattern
local odd, skipped = 0, 0
for i = 1, 900 do
  if i % 2 == 0 then skipped = skipped + 1; goto continue end
  if i > 600 and i % 3 == 0 then skipped = skipped + 1; goto continue end
  odd = odd + i
  ::continue::
end
print(odd, skipped)
assert(skipped == 450 + 50 and odd == 202500 - (603 + 897) * 50 // 2)

-- return from inside two nested loops, at varying depths of the search
local function find(grid, target)
  for r = 1, #grid do
    local row = grid[r]
    for c = 1, #row do
      if row[c] == target then return r, c end
    end
  end
  return nil
end
local grid = {}
for r = 1, 30 do grid[r] = {} for c = 1, 30 do grid[r][c] = r * 100 + c end end
local hits = 0
for _, t in ipairs({ 101, 102, 1530, 3030, 2001, 9999, 1010, 3001 }) do
  local r, c = find(grid, t)
  print(t, r, c)
  if r then hits = hits + 1 end
end
assert(hits == 7)

-- pcall in the loop body: errors at some iterations, value results at the others
local errs, oks, msgs = 0, 0, {}
for i = 1, 600 do
  local ok, v = pcall(function()
    if i % 97 == 0 then error("bad " .. i) end
    if i % 113 == 0 then error({ code = i }) end
    if i == 450 then error() end
    return i
  end)
  if ok then oks = oks + v
  else
    errs = errs + 1
    msgs[#msgs + 1] = type(v) == "table" and ("code " .. v.code) or tostring(v)
  end
end
print(errs, oks, table.concat(msgs, "; "))
assert(errs == 6 + 5 + 1)

-- an error thrown from iteration k of a hot loop propagates out of the loop into pcall
local function loop_until_error(k, kind)
  local s = 0
  for i = 1, 800 do
    if i == k then
      if kind == "string" then error("stop at " .. i, 1)
      elseif kind == "table" then error({ at = i, partial = s })
      else local nothing; s = s + nothing end
    end
    s = s + i
  end
  return s
end
for _, k in ipairs({ 300, 1, 57 }) do
  for _, kind in ipairs({ "string", "table", "arith" }) do
    local ok, e = pcall(loop_until_error, k, kind)
    local shown = type(e) == "table" and (e.at .. "/" .. e.partial) or e
    print(k, kind, ok, shown)
    assert(not ok)
  end
end
assert(pcall(loop_until_error, 900, "string"))

-- an error raised in an __index metamethod called by the loop, caught outside
local trap = setmetatable({}, { __index = function(_, key)
  if key > 250 then error("no key " .. key) end
  return key
end })
local partial = 0
local ok, e = pcall(function() for i = 1, 600 do partial = partial + trap[i] end end)
print(ok, e, partial)
assert(not ok and partial == 250 * 251 // 2)

-- repeat-until: the condition sees the body's locals; exits at different points
local function rep(limit)
  local n, total = 0, 0
  repeat
    n = n + 1
    local sq = n * n
    total = total + sq
  until sq >= limit
  return n, total
end
for _, lim in ipairs({ 90000, 1, 4, 3250 }) do
  local n, t = rep(lim)
  print(lim, n, t)
  assert(n * n >= lim and (n - 1) * (n - 1) < lim)
end

-- while with a break inside an inner loop only leaves the inner loop
local outer_iters, inner_iters = 0, 0
local w = 0
while w < 300 do
  w = w + 1
  outer_iters = outer_iters + 1
  for j = 1, 10 do
    if j > w % 7 then break end
    inner_iters = inner_iters + 1
  end
end
print(outer_iters, inner_iters)
assert(outer_iters == 300 and inner_iters == 42 * 21 + 21)
