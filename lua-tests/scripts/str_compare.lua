-- String comparison is bytewise (in the C locale) and never coerces numbers.
local words = { "banana", "apple", "Cherry", "apple pie", "", "b", "a\0b", "a", "Apple", "10", "9" }
table.sort(words)
for i, w in ipairs(words) do print(i, string.format("%q", w)) end
print("a" < "b", "a" < "ab", "" < "a", "Z" < "a", "10" < "9", "abc" <= "abc", "b" > "abc")
assert("a" < "ab" and "" < "a" and "Z" < "a" and "10" < "9")
assert("a\0b" < "a\0c" and "a\0" > "a")
print("a\0b" == "a\0b", "a\0b" == "a\0c", #"a\0b")
print(pcall(function() return "1" < 2 end))
print(pcall(function() return {} < "x" end))
print(pcall(function() return "x" >= nil end))
-- equality never converts
print("1" == 1, 1 == 1.0, "1.0" == "1")
-- interned and built strings compare equal
local built = ("ab"):rep(3)
print(built == "ababab", built:upper() == "ABABAB")
