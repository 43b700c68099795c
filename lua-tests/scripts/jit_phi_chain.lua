-- Loop-carried values that chain: a value stored in one iteration and read in the next (the recorder forwards t[1] to the stored i, so the loop keeps "the previous i" beside "i", and the back-edge must read i before the new i replaces it). Each loop checks every iteration against values computed a second way.  -- jit-traces>=3
local t = {0}
for i = 1, 300 do
  if t[1] ~= i - 1 then error("t[1] is " .. t[1] .. " at i = " .. i) end
  t = {i}
end
print("table carried", t[1])

-- Two chains of different lengths, and a float beside the integers.
local a, b, f = {0}, {-1}, {0.5}
local sum = 0
for i = 1, 200 do
  if a[1] + 1 ~= i or b[1] + 2 ~= i or f[1] ~= i - 0.5 then
    error(("chain broken at %d: %s %s %s"):format(i, a[1], b[1], f[1]))
  end
  sum = sum + a[1] * 3 + b[1]
  a, b, f = {i}, {i - 1}, {i + 0.5}
end
print("two chains", a[1], b[1], f[1], sum)

-- The previous value read only on some iterations (a side exit and its trace).
local prev, hits = {0}, 0
for i = 1, 400 do
  if i % 3 == 0 then
    assert(prev[1] == i - 1, i)
    hits = hits + 1
  end
  prev = {i}
end
print("sometimes read", prev[1], hits)
