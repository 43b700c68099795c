-- loadfile/dofile on a temporary file written with io.open.
local name = os.tmpname()
local fh = assert(io.open(name, "w"))
fh:write("#!/usr/bin/env lua\n", "local a, b = ...\n", "counter = (counter or 0) + 1\n", "return (a or 1) + (b or 2), 'from file'\n")
fh:close()
local f = assert(loadfile(name))
print(f(10, 20))
print(f())
print(dofile(name))
print(counter)
-- loadfile with an env table
local env = {}
local fe = assert(loadfile(name, "t", env))
fe()
print(env.counter, counter)
-- syntax errors in a file name the file
local bad = os.tmpname()
local bh = assert(io.open(bad, "w"))
bh:write("x = = 1\n")
bh:close()
local nf, msg = loadfile(bad)
print(nf, (msg:gsub("^.-:(%d+):", "FILE:%1:")))
-- dofile propagates errors
local ok, err = pcall(dofile, bad)
print(ok, (err:gsub("^.-:(%d+):", "FILE:%1:")))
-- a missing file
local mf, merr = loadfile(name .. ".missing")
print(mf, merr ~= nil)
-- runtime errors in dofile'd chunks carry the file's chunkname
local rt = os.tmpname()
local rh = assert(io.open(rt, "w"))
rh:write("\nlocal t = nil\nreturn t.x\n")
rh:close()
local ok2, err2 = pcall(dofile, rt)
print(ok2, (err2:gsub("^.-:(%d+):", "FILE:%1:")))
os.remove(name); os.remove(bad); os.remove(rt)
print(io.open(name) == nil)
