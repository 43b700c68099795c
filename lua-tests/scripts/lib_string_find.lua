-- string.find and string.match: init, plain search, anchors, classes, sets, quantifiers,
-- captures (including position captures), back-references, %b, %f and pattern errors.
local function try(...) print(pcall(...)) end
local s = "hello world from Lua"
-- plain and special-free searches
print(s:find("o"), s:find("o", 6), s:find("o", -3), s:find("xyz"), s:find(""), s:find("", 100))
print(s:find("", 21), s:find("", 22), s:find("", -100), s:find("l", 0), s:find("Lua", -3))
print(s:find("o w", 1, true), s:find(".", 1, true), ("a.b"):find(".", 1, true), ("a+b"):find("+", 1, true))
print(("a\0b\0c"):find("\0c"), ("a\0b"):find("b", 1, true), ("abc"):find("c", 10))
print(("[x]"):find("[", 1, true), ("%d"):find("%", 1, true), ("aaa"):find("aa", 2))
print(s:find("o", 1, false), s:find("l+"), s:find("l+", 1, nil))
-- classes
local subj = "  Abc-12_x\tY9.z!\n"
for _, c in ipairs({"%a", "%d", "%l", "%s", "%u", "%w", "%x", "%p", "%c", "%g",
                    "%A", "%D", "%L", "%S", "%U", "%W", "%X", "%P", "%C", "%G", "."}) do
  print(c, subj:find(c .. "+"), subj:match(c .. "+"))
end
-- sets
print(("hello123"):match("[a-z]+"), ("hello123"):match("[%d]+"), ("x-y"):match("[-]"),
      ("a]b"):match("[]]"), ("a^b"):match("[a^]+"), ("abc"):match("[^a]+"), ("a-z"):match("[a%-z]+"))
print(("ABCdef"):match("[A-C]*"), ("x"):match("[^%a]"), ("%%"):match("[%%]+"), ("tab\there"):match("[%s]"))
-- quantifiers
print(("aaab"):match("a*"), ("aaab"):match("a-b"), ("aaab"):match("a+"), ("b"):match("a?b"),
      ("ab"):match("a?b"), ("xaaay"):match("xa-y"), ("<<a>>"):match("<(.-)>"), ("<<a>>"):match("<(.*)>"))
print(("  trim me  "):match("^%s*(.-)%s*$"), ("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
-- anchors
print(("abc"):find("^b"), ("abc"):find("^a"), ("abc"):find("c$"), ("abc"):find("b$"),
      ("a$b"):find("$b"), ("^a"):find("a^"), ("abc"):match("^(a)(b)"), ("abc"):find("^", 2))
-- captures
print(("hello world"):match("(h)(e)(l)(l)(o)"), ("hello"):find("(l)(l)"), ("hello"):find("()ll()"))
print(("hello"):match("()"), ("hello"):match("()", 3), ("hello"):match(".-()$"), ("abc"):match("((a)(b))"))
print(("date: 2024-01-15"):match("(%d+)-(%d+)-(%d+)"))
print(("abcabc"):match("(abc)%1"), ("abab"):find("(a)(b)%1%2"), ("xyyx"):match("(.)(.)%2%1"))
-- %b and %f
print(("f(a(b)c) d"):match("%b()"), ("[[x]]"):match("%b[]"), ("no close (x"):match("%b()"), ("((("):find("%b()"))
print(("THE (quick) fox"):find("%f[%a]%a+"), ("hello world"):gsub("%f[%w]%w+", "W"), ("x"):find("%f[%z]"))
print(("aaa bbb"):match("%f[%S].-%f[%s]"), ("abc"):find("%f[^%z]"))
-- init beyond the end / negative
print(("abc"):match("a", 2), ("abc"):match(".", -1), ("abc"):match(".*", 4), ("abc"):match(".*", 5),
      ("abc"):find(".-", 4), ("abc"):find("x*", 10), ("abc"):match("", -10))
-- numbers are converted
print(string.find(12345, 34), string.match(3.5, "%d"), string.find("a1", 1))
-- errors
try(string.find, "x", "%")
try(string.find, "x", "[a")
try(string.find, "x", "[a-")
try(string.find, "x", "(")
try(string.find, "x", ")")
try(string.find, "x", "%b")
try(string.find, "x", "%f")
try(string.find, "x", "%1")
try(string.find, "x", "(x)%2")
try(string.match, "x", "(()")
try(string.find, string.rep("a", 40), string.rep("(a)", 33))
try(string.match, string.rep("a", 300), string.rep("a?", 300) .. string.rep("a", 300))
try(string.find)
try(string.find, "x")
try(string.find, "x", "x", "y")
try(string.match, {}, "x")
try(string.match, "x", nil)
print(pcall(string.match, string.rep("x", 10000), ".-y"))
-- errors raised from Lua code carry the caller's position
try(function() local r = ("x"):find("%") return r end)
try(function() local r = ("x"):match("[") return r end)
