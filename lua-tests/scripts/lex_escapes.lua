-- Every escape sequence of short strings.
local s = "\a\b\f\n\r\t\v\\\"\'"
local bytes = {}
for i = 1, #s do bytes[#bytes + 1] = s:byte(i) end
print(table.concat(bytes, " "))
assert(#s == 10)

print("\65\066\0677", #"\0", #"a\0b")
assert("\65\066\0677" == "ABC7")
assert("\x41\x62\x7A\x7e" == "Abz~")
print("\x41\x62\x7A\x7e")
print("\u{48}\u{49}", #"\u{7FF}", #"\u{FFFF}", #"\u{10FFFF}", #"\u{7FFFFFFF}")
assert("\u{E9}" == "\xC3\xA9")
assert(#"\u{7FFFFFFF}" == 6)

-- \z skips following whitespace including newlines
local z = "abc\z
           def\z   ghi"
print(z)
assert(z == "abcdefghi")

-- backslash-newline is a newline
local n = "a\
b"
print(#n, n == "a\nb")

-- decimal escapes take at most three digits
print("\1234" == "{4", "\0000" == "\0" .. "0")

-- escapes inside single-quoted strings
print('it\'s', 'tab[\t]')

-- bad escapes are syntax errors
for _, src in ipairs { [["\q"]], [["\x4"]], [["\256"]], [["\u{110000000}"]], [["\u{}"]], [["abc]] } do
  local f, msg = load("return " .. src, "=esc")
  print(f, msg)
  assert(f == nil)
end
