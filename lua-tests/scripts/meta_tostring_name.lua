-- __tostring and __name in tostring and error messages.
local T = setmetatable({}, { __tostring = function(t) return "<T object>" end })
print(tostring(T), T)
print(string.format("%s|%s", T, 1))
local Named = setmetatable({}, { __name = "Widget" })
print((tostring(Named):gsub("0x%x+", "ADDR")))
-- __name in "bad argument" messages
print(pcall(string.rep, Named))
print(pcall(math.floor, Named))
print(pcall(setmetatable, Named, 5))
-- __name must be a string to be used
local BadName = setmetatable({}, { __name = 42 })
print((tostring(BadName):gsub("0x%x+", "ADDR")))
-- __tostring wins over __name
local Both = setmetatable({}, { __name = "N", __tostring = function() return "S" end })
print(tostring(Both))
-- error objects with __tostring at the top level are shown through it by lua.c;
-- inside pcall the object itself comes back
local ok, e = pcall(error, T)
print(ok, e == T, tostring(e))
