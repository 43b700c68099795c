-- The `lua` command runs the main chunk from a C function (lua.c's pmain): debug.getinfo(2)
-- from the main chunk is that C frame, and tracebacks end with "[C]: in ?".
local i = debug.getinfo(2, "Sln")
print(i.what, i.source, i.short_src, i.currentline, i.linedefined, i.name)
assert(i.what == "C")
print(debug.getinfo(3))
print(debug.traceback("from main"))
local function inner() return debug.traceback("from inner", 1) end
print(inner())
local levels = 0
while debug.getinfo(levels + 1, "S") do levels = levels + 1 end
print("levels", levels)
print(select("#", ...))
