-- io.popen (read and write ends, exit statuses), io.tmpfile, io.input/io.output defaults.
local p = assert(io.popen("echo hello; echo world"))
print(io.type(p))
print(p:read("l"))
print(p:read("L"))
print(p:read("l"))
print(p:close())

p = assert(io.popen("printf '1 2.5 0x10'", "r"))
print(p:read("n", "n", "n", "n"))
print(p:close())

p = assert(io.popen("exit 3"))
print(p:read("a"))
print(p:close())

p = assert(io.popen("kill -9 $$"))
print(p:close())

-- lines over a pipe
p = assert(io.popen("printf 'a\\nb\\nc\\n'"))
local t = ""
for l in p:lines() do t = t .. l end
print(t)
p:close()

-- a write end: the child's output goes to our stdout, in order
io.write("before\n")
p = assert(io.popen("cat", "w"))
print(p:write("from cat ", 1, " ", 2.5, "\n") == p)
print(p:close())
io.write("after\n")

-- tmpfile: read/write, removed automatically
local f = assert(io.tmpfile())
print(io.type(f))
f:write("tmp data\n", 123)
print(f:seek("set"))
print(f:read("l", "n"))
print(f:seek("cur"), f:seek("end"))
print(f:close())

-- io.input/io.output with file names and handles
local name = os.tmpname()
print(io.output() == io.stdout, io.input() == io.stdin)
local out = io.output(name)
print(io.type(out), out ~= io.stdout, io.output() == out)
print(io.write("line 1\n", 2, "\n") == out)
io.output():close()
print(io.type(out))
io.output(io.stdout)
local inp = io.input(name)
print(io.read("l"), io.read("n"), io.read("L"), io.read("l"))
io.input():close()
io.input(io.stdin)
local g = assert(io.open(name, "a"))
io.output(g)
io.write("line 3")
io.output(io.stdout)
g:close()
for l in io.lines(name) do print(l) end

print(os.remove(name))
print("done")
