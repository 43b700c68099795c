-- nondeterministic: prints addresses, times and pairs order; only the exit status is compared
local t = {}
print(tostring(t), tostring(print), tostring(coroutine.create(print)))
print(os.time() > 0, os.clock() >= 0, type(os.date()))
local h = { alpha = 1, beta = 2, gamma = 3, delta = 4 }
for k, v in pairs(h) do print(k, v) end
assert(tostring(t):match("^table: "))
print(string.format("%p", t) ~= string.format("%p", {}))
