-- Deep non-tail recursion overflows the stack; pcall catches the error.
local function rec(n) return 1 + rec(n + 1) end
local ok, err = pcall(rec, 1)
print(ok, type(err), (string.find(err, "stack overflow", 1, true) ~= nil))
assert(not ok and string.find(err, "stack overflow", 1, true))
-- the interpreter is usable afterwards
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(1000))
-- overflow through a metamethod chain
local t = setmetatable({}, {})
getmetatable(t).__index = function(tbl, k) return tbl[k .. "x"] end
local ok2, err2 = pcall(function() return t.a end)
print(ok2, (string.find(err2, "stack overflow", 1, true) ~= nil))
-- overflow inside a coroutine is reported by resume
local co = coroutine.create(function() return rec(1) end)
local ok3, err3 = coroutine.resume(co)
print(ok3, (string.find(err3, "stack overflow", 1, true) ~= nil), coroutine.status(co))
-- xpcall's handler runs on the overflowed stack and still returns its value
print(xpcall(rec, function(m) return "handled" end, 1))
