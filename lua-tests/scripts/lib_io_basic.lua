-- io: open modes, write (strings and numbers), read formats, seek, close, type, tostring.
local name = os.tmpname()

print(io.type(io.stdout), io.type(42), io.type({}))
assert(io.type(io.stdout) == "file" and io.type(42) == nil)
print(#tostring(io.stdout) > #"file ()")

local f = assert(io.open(name, "w"))
print(io.type(f))
-- write returns the file; numbers use "%.14g" / integer format (no ".0")
assert(f:write("hello\n", 42, " ", 1.5, " ", 1.0, " ", -0.25, " ", 2^63, "\n") == f)
assert(f:write("line3\n", "0x1F -7 .5e1 +3", "\n", "last") == f)
print(f:close())
print(io.type(f), tostring(f))
assert(io.type(f) == "closed file" and tostring(f) == "file (closed)")

f = assert(io.open(name, "r"))
print(f:read())                 -- default: a line without newline
print(f:read("n", "n", "n", "n", "n"))
print(f:read("L"))              -- rest of the line, with newline ("\n")
print(f:read("*l"))             -- '*' prefix accepted
print(f:read("n", "n", "n", "n"))
print(f:read(0))                -- not at EOF: ""
print(f:read(2), f:read("a"))
print(f:read("a"), f:read("l"), f:read(0), f:read(1))  -- at EOF: "", nil (stops at first fail)
-- seek
print(f:seek("set", 2), f:read(3))
print(f:seek(), f:seek("cur", 1), f:read(2))
local size = f:seek("end")
print(size)
print(f:seek("set"))
local all = f:read("a")
assert(#all == size)
print(f:close())

-- "a" mode appends, "r+" reads and writes, "w+" truncates
f = assert(io.open(name, "a")) f:write("\nappended") f:close()
f = assert(io.open(name, "rb")) local t = f:read("a") f:close()
print(#t, #all + 9)
assert(#t == #all + 9)
f = assert(io.open(name, "r+"))
print(f:read(5))
f:seek("cur") f:write("!!") f:seek("set")
print(f:read("l"))
f:close()
f = assert(io.open(name, "w+"))
print(f:read("a"))
f:write("abc\ndef\n") f:seek("set", 0)
print(f:read("l", "L", "l"))
f:close()

-- reading numbers: hex, exponents, invalid prefixes
f = assert(io.open(name, "w"))
f:write("  0x10 1e2 -3.5 0x1p4 12abc .e 99\n1e")
f:close()
f = assert(io.open(name))
print(f:read("n", "n", "n", "n", "n"))
print(f:read("l"))
print(f:read("n"))
print(f:read("n"))
f:close()

-- very long numeral: more than 200 characters fails
f = assert(io.open(name, "w"))
local long = "" for _ = 1, 250 do long = long .. "1" end
f:write(long)
f:close()
f = assert(io.open(name))
print(f:read("n"))
print(#f:read("a"))
f:close()

-- reading a write-only file and writing a read-only one fail with EBADF
f = assert(io.open(name, "w"))
print(f:read("l"))
f:close()
f = assert(io.open(name, "r"))
print(f:write("x"))
f:close()

-- setvbuf and flush return true
f = assert(io.open(name, "w"))
print(f:setvbuf("no"), f:setvbuf("full", 100), f:setvbuf("line"), f:flush())
f:write("buffered") f:close()
f = assert(io.open(name)) print(f:read("a")) f:close()

-- __close closes the file at the end of a block
do
  local g <close> = assert(io.open(name))
  f = g
  print(io.type(g))
end
print(io.type(f))

-- a failing open returns nil, message, errno
local r1, r2, r3 = io.open(name .. "/nonexistent/file")
print(r1, r2 == name .. "/nonexistent/file: Not a directory", r3)
assert(r1 == nil and r3 == 20)

assert(os.remove(name))
print("done")
