-- Long brackets of several levels, newline handling, and long comments.
local a = [[plain]]
local b = [==[has ]] and ]=] inside]==]
local c = [[
first newline is skipped]]
local d = [=[
line1
line2
]=]
local e = [====[]====]
local f = [[a\nb]]  -- no escapes in long strings
print(a, #a)
print(b, #b)
print(c, #c)
io.write(d)
print(#d, e == "", #f, f)
assert(a == "plain")
assert(b == "has ]] and ]=] inside")
assert(c == "first newline is skipped")
assert(d == "line1\nline2\n")
assert(f == "a\\nb")

--[[ a long comment
spanning lines ]] print("after long comment")
--[==[ level two comment with ]] inside
]==] print("after level-2 comment")
---[[ this is a line comment, so the next line runs
print("line comment trick")
--]]

-- CR LF sequences in long strings are normalised to \n
local src = "return [[x\r\ny\n\rz\r\rw]]"
local s = load(src)()
print(#s, (s:gsub("\n", "|")))
assert(s == "x\ny\nz\n\nw")

-- nested brackets of different levels do not close each other
local g = [===[ [[ ]] [==[ ]==] ]===]
print(g)
assert(#g == 17)
