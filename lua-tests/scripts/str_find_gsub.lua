-- find/match/gsub/gmatch basics.
local s = "the quick brown fox jumps over the lazy dog"
print(s:find("quick"), s:find("o", 1, true), s:find("the", 2), s:find("xyz"))
print(s:find("q(u)(i)"), s:find("%s"), s:find(""), s:find("", 100))
print(s:match("(%a+) (%a+)"), s:match("o%a+", 20), s:match("()fox()"))
print(s:gsub("o", "0"))
print(s:gsub("(%a+)", "<%1>", 3))
print(("hello world"):gsub("%w+", { hello = "HI" }))
print(("abc"):gsub("%w", function(c) return c:upper() .. "." end))
print(("abc"):gsub("", "-"))
print(("x = 1, y = 2"):gsub("(%w+) = (%w+)", "%2 = %1"))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, "|"))
local kv = {}
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do kv[#kv + 1] = k .. ":" .. v end
print(table.concat(kv, " "))
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|")
print(("[test]"):find("[", 1, true), ("a.b"):find(".", 1, true), ("a+b"):find("+", 1, true))
print(("%d"):gsub("%%", "%%%%"))
print(pcall(string.gsub, "x", "(", ""))
print(pcall(string.rep))
assert(select(2, s:gsub("the", "")) == 2)
