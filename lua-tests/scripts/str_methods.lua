-- A few string methods through the string metatable.
local s = "Hello, World"
print(("x"):rep(3), ("ab"):rep(3, "-"), ("x"):rep(0), ("x"):rep(-1))
print(s:upper(), s:lower(), s:len(), #s, s:reverse())
print(s:sub(1, 5), s:sub(-5), s:sub(8, -1), s:sub(0), s:sub(100), s:sub(5, 2), s:sub(-100, 2))
print(s:byte(1), s:byte(-1), s:byte(1, 3))
print(string.char(72, 105, 33), string.char())
print(("%d items"):format(3))
assert(("x"):rep(3) == "xxx")
assert(s:sub(-5) == "World")
-- string methods on numbers need the string library function directly
print(string.len(123), string.upper(1.5))
print(pcall(function() local n = 5; return n:len() end))
-- indexing a string with a non-method key gives nil
print(("abc").foo, #string.format("%5s", "ab"))
print(getmetatable("").__index == string)
