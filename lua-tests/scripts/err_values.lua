-- error with tables and other values, levels 1 and 2, and position prefixes.
local ok, e = pcall(error, { code = 1, msg = "table error" })
print(ok, type(e), e.code, e.msg)
print(pcall(error, 42))
print(pcall(error, nil))
print(pcall(error, true))
print(pcall(error))
-- level 1 (default) adds the position of the error call
print(pcall(function() error("level one") end))
-- level 2 blames the caller
local function check(x) if type(x) ~= "number" then error("expected number", 2) end return x end
print(pcall(function()
  check("nope")   -- this line is reported
end))
-- level 0 adds nothing
print(pcall(function() error("level zero", 0) end))
-- non-string messages never get a position
print(pcall(function() error(12) end))
-- error objects keep identity
local obj = {}
local ok2, e2 = pcall(function() error(obj) end)
print(ok2, e2 == obj)
-- error with a number message at level 1 stays a number
local ok3, e3 = pcall(function() error(3.5) end)
print(ok3, e3, math.type(e3))
-- assert with and without a message
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert message"))
local okA, eA = pcall(assert, false, { 1 })
print(okA, type(eA), eA[1])
print(select("#", assert(1, 2, 3)), assert("v", "ignored"))
print(pcall(assert))
