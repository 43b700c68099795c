-- Syntax error messages from load, exactly as PUC Lua words them.
local cases = {
  "x = = 1",
  "local 1 = 2",
  "if x then",
  "for i = 1 do end",
  "function f() return 1",
  "while true do",
  "repeat x = 1",
  "x = 'unfinished",
  "x = \"also unfinished\nmore\"",
  "x = [[never closed",
  "--[[ unclosed comment",
  "x = 3e",
  "x = 0x",
  "x = 1.2.3",
  "return return",
  "f(",
  "a.b:c = 1",
  "x = }",
  "local t = {1, 2",
  "(f)",
  "x",
  "1 + 1",
  "break",
  "goto x",
  "return 1;;",
  "x = function(a, b",
  "local function end",
  "x = a..",
  "t = {[1] 2}",
  "do end end",
  "if x then else elseif y then end",
  "for a, b in pairs(t) end",
  "local x <const> = 1; x = 2",
  "x = ~= 1",
  "x = 'bad escape \\p'",
  "x = '\\300'",
  "x = 12 34",
  "return ...",
  "function f() return ... end",
  "local a = {...}",
  string.rep("(", 100) .. "1" .. string.rep(")", 100),
}
for i, src in ipairs(cases) do
  local f, err = load(src, "=src")
  print(i, f and "ok" or err)
end
-- chunk names shape the prefix
print(select(2, load("x = = 1", "@file.lua")))
print(select(2, load("x = = 1", "=exact name")))
print(select(2, load("x = = 1")))
print(select(2, load("x = = 1", "a string chunk")))
print(select(2, load("\n\n  x = = 1", "=lines")))
print(select(2, load("x = 'a\nb'", "=newline in string")))
