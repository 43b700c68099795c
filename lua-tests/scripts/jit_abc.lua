-- Array bound checks of a numeric for loop's variable are hoisted out of the loop (one check of the first and the last key before it): keys with constant offsets, re-entries with more iterations than the array holds, offsets that reach below 1, a bound that moves inside the loop, steps other than 1, and reads past the array part. Every answer is computed a second way without indexing.  -- jit-traces>=6
local function sum_range(t, lo, hi, ofs)
  local s = 0
  for i = lo, hi do s = s + (t[i + ofs] or 1000) end
  return s
end
-- sum of (i + ofs) for i in lo..hi where 1 <= i+ofs <= n (t[k] == k), 1000 elsewhere
local function expect(n, lo, hi, ofs)
  local s = 0
  for i = lo, hi do
    local k = i + ofs
    s = s + ((k >= 1 and k <= n) and k or 1000)
  end
  return s
end
local t = {}
for i = 1, 100 do t[i] = i end
local cases = {
  { 1, 100, 0 }, { 1, 99, 1 }, { 2, 100, -1 }, { 1, 50, 50 },
  { 1, 101, 0 },    -- one past the array part
  { 0, 100, 0 },    -- key 0
  { 1, 100, -1 },   -- keys from 0
  { 1, 120, 0 },    -- re-entered with a count beyond the array
  { 90, 110, -5 },
  { 1, 0, 0 },      -- no iteration
}
local total = 0
for rep = 1, 40 do
  for _, c in ipairs(cases) do
    local got = sum_range(t, c[1], c[2], c[3])
    local want = expect(100, c[1], c[2], c[3])
    if got ~= want then
      error(("rep %d case %d..%d%+d: %d ~= %d"):format(rep, c[1], c[2], c[3], got, want))
    end
    total = total + got
  end
end
print("offsets", total)

-- the bound moves inside the loop: the array shrinks (a rehash while keys are removed and
-- new hash keys arrive) and the checks must see it
local function drain(n)
  local a = {}
  for i = 1, n do a[i] = i end
  local s = 0
  for i = 1, n do
    s = s + (a[i] or 0)
    a[n - i + 1] = nil
    a["k" .. i] = i -- new string keys: rehashes shrink the array part
  end
  return s
end
local ds = 0
for rep = 1, 30 do ds = ds + drain(64) end
-- a[i] is present until the loop removes it from the top: present for i <= 32
print("drain", ds)
assert(ds == 30 * (32 * 33 // 2))

-- steps other than 1 keep their checks (and stay right)
local function stride(t, step)
  local s = 0
  for i = 1, 100, step do s = s + t[i] end
  return s
end
local ss = 0
for rep = 1, 60 do ss = ss + stride(t, rep % 3 + 1) end
local want = 0
for rep = 1, 60 do
  local step = rep % 3 + 1
  for i = 1, 100, step do want = want + i end
end
print("stride", ss)
assert(ss == want)

-- a table whose array part is shorter than the loop on some entries
local function partial(n)
  local u = {}
  for i = 1, n do u[i] = 2 end
  local s = 0
  for i = 1, 40 do s = s + (u[i] or 3) end
  return s
end
local ps, pw = 0, 0
for rep = 1, 80 do
  local n = rep % 50
  ps = ps + partial(n)
  pw = pw + 2 * math.min(n, 40) + 3 * (40 - math.min(n, 40))
end
print("partial", ps)
assert(ps == pw)
