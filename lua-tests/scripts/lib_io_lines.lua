-- io.lines / file:lines: formats, closing at the end, errors on closed files.
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("one\ntwo\n\nfour\n12 13\nlast")
f:close()

local n = 0
for l in io.lines(name) do n = n + 1; io.write("[", l, "]") end
print() print(n)
assert(n == 6)

for l in io.lines(name, "L") do io.write(l) end
print()

for a, b in io.lines(name, 1, 2) do io.write(a, "|", b, " ") end
print()

-- io.lines returns 4 values: iterator, nil, nil, file (to-be-closed)
local it, s, c, file = io.lines(name)
print(type(it), s, c, io.type(file))
print(it(), it())
file:close()
print(pcall(it))

-- the file is closed when the loop ends
local it2, _, _, f2 = io.lines(name, "a")
print(#it2(), io.type(f2))
print(it2())       -- EOF: "a" never fails, returns ""
print(io.type(f2))

local it3, _, _, f3 = io.lines(name, "l")
for _ = 1, 6 do it3() end
print(it3(), io.type(f3))
print(pcall(it3))

-- file:lines keeps the file open
f = assert(io.open(name))
local count = 0
for l in f:lines() do count = count + 1 end
print(count, io.type(f))
print(f:read("a"))
f:seek("set")
for a, b in f:lines("n", "n") do print(a, b) end
f:close()
print(pcall(f.lines, f))

-- break out of the loop: to-be-closed file is closed
local saved
for l, _, _, ff in io.lines(name) do
  break
end
print("after break")

-- io.lines without a file name iterates the default input
io.input(name)
local k = 0
for l in io.lines() do k = k + 1 end
print(k, io.type(io.input()))
io.input():close()
print(pcall(io.lines))
io.input(io.stdin)

-- errors
print(pcall(io.lines, name .. ".nonexistent") == false)
local ok, err = pcall(function() for l in io.lines(name, "x") do end end)
print(ok, err)
ok, err = pcall(function() for l in io.lines(name, {}) do end end)
print(ok, err)

assert(os.remove(name))
print("done")
