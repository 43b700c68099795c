-- Call-outs: hot loops calling what a trace does not inline (library functions it does not know, calls past the inlining limits, values with __call) go on in compiled code after the call; the callees change what the loop reads, raise errors, yield, flush the JIT, collect garbage and set hooks.  -- jit-traces>=12 -- jit-callouts>=100

-- library functions the recorder does not know
local parts = {}
for i = 1, 300 do
  parts[#parts + 1] = string.format("%d:%s", i % 7, tostring(i * 2))
end
print(#parts, parts[1], parts[300], table.concat(parts, ",", 295, 300))

-- all the results of a call, as many as it returns this time
local cnt, src = 0, { 1, 2, 3 }
for i = 1, 300 do cnt = cnt + select("#", table.unpack(src, 1, i % 4)) end
print(cnt)

-- results of changing types: the trace's type guards after the call
local kinds = {}
local function pick(i)
  if i % 50 == 0 then return "s" .. i end
  if i % 7 == 0 then return i + 0.5 end
  return i
end
local sum = 0
for i = 1, 400 do
  local v = select(1, pick(i), 0)
  local t = math.type(v) or type(v)
  kinds[t] = (kinds[t] or 0) + 1
  if type(v) == "number" then sum = sum + v end
end
print(kinds.integer, kinds.float, kinds.string, sum)

-- a recursive function called from a loop: inlined twice, then called out
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
local facts = 0
for i = 1, 200 do facts = facts + fact(i % 15) end
print(facts)

-- a table with __call
local counter = setmetatable({ n = 0 }, { __call = function(self, d) self.n = self.n + d; return self.n end })
local last
for i = 1, 300 do last = counter(i % 3) end
print(counter.n, last)

-- the callee writes a local of the loop's frame through an upvalue, and a table the loop reads
local total, seen = 0, 0
local box = { v = 1 }
local function bump(d) seen = seen + d; box.v = box.v + 1 end
for i = 1, 300 do
  pcall(bump, 2)
  total = total + seen + box.v
end
print(seen, box.v, total)

-- the callee changes a global and a metatable the loop depends on
G_STEP = 1
local obj = setmetatable({}, { __index = function() return 10 end })
local acc = 0
for i = 1, 300 do
  if i == 150 then
    pcall(function()
      G_STEP = 3
      setmetatable(obj, { __index = function() return 100 end })
    end)
  else
    pcall(tostring, i)
  end
  acc = acc + G_STEP + obj.x
end
print(acc)

-- errors inside the call: caught inside the callee, and caught outside the loop
local caught = 0
for i = 1, 300 do
  local ok = pcall(error, "e" .. i)
  if not ok then caught = caught + 1 end
end
print(caught)
local function run(limit)
  local n = 0
  for i = 1, 300 do
    n = n + #tostring(i)
    if i == limit then string.rep("x", -1, {}) end -- a bad argument: raises
  end
  return n
end
print(pcall(run, 250))
print(run(1000))

-- a yield through a call-out (pcall of coroutine.yield inside a coroutine's hot loop)
local co = coroutine.wrap(function()
  local s = 0
  for i = 1, 300 do
    local ok, v = pcall(coroutine.yield, i)
    s = s + v
  end
  return "done", s
end)
local got = co()
local steps = 1
while got ~= "done" do
  got = co(got * 2)
  steps = steps + 1
end
print(steps)

-- jit.flush() and collectgarbage() inside a call-out while the trace runs
local flush = jit and jit.flush or function() end
local strs = {}
for i = 1, 400 do
  strs[i % 10 + 1] = tostring(i) .. "x"
  if i == 200 then pcall(flush) end
  if i % 100 == 0 then pcall(collectgarbage) end
end
print(strs[1], strs[10])

-- a hook set inside a call-out: the trace must stop and the hook see the loop's lines
local lines = 0
local function hooker(ev) lines = lines + 1 end
local hs = 0
for i = 1, 200 do
  if i == 100 then pcall(debug.sethook, hooker, "l") end
  hs = hs + select("#", i, i)
end
debug.sethook()
print(hs, lines > 0)

-- recursion through call-outs deeper than call-outs nest (a loop in a recursive function)
local function depth(n)
  if n == 0 then return 0 end
  local best = 0
  for i = 1, 2 do
    local d = depth(n - 1)
    if d > best then best = d end
  end
  return best + 1
end
print(depth(12))
local function chain(n)
  local s = 0
  for i = 1, 1 do
    if n > 0 then s = s + chain(n - 1) end
  end
  return s + 1
end
print(chain(150))

-- generic for over Lua iterators (inlined) and library iterators (called out)
local function iter(t, k) k = k + 1 local v = t[k] if v then return k, v end end
local arr = {}
for i = 1, 60 do arr[i] = i * 3 end
local isum = 0
for r = 1, 20 do
  for k, v in iter, arr, 0 do isum = isum + k * v end
  for w in string.gmatch("a bb ccc dddd", "%a+") do isum = isum + #w end
  for k, v in pairs(arr) do isum = isum + v end
end
print(isum)
