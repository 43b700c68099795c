-- utf8 library: char, charpattern, len, codepoint, codes, offset (strict and lax).

print(#utf8.char(72, 228, 8364, 128512, 0x7FFFFFFF))
print(utf8.char(72, 228, 8364), utf8.char())
print(pcall(utf8.char, -1))
print(pcall(utf8.char, 0x80000000))
assert(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")

local s = "h\u{E9}llo\u{20AC}\u{1F600}"
print(utf8.len(s), utf8.len(s, 3), utf8.len(s, -4), utf8.len("\xff"), utf8.len("ab\x80cd"))
print(pcall(utf8.len, s, 3 + 20))
print(pcall(utf8.len, s, 1, 30))
print(utf8.len(s, 4))
print(utf8.codepoint(s, 1, -1))
print(utf8.codepoint(s), utf8.codepoint(s, 2), pcall(utf8.codepoint, s, 3))
print(pcall(utf8.codepoint, s, 0))
print(pcall(utf8.codepoint, s, 1, 100))
print(utf8.codepoint("\u{7FFFFFFF}", 1, 1, true), pcall(utf8.codepoint, "\u{7FFFFFFF}"))
print(utf8.codepoint("\u{D800}", 1, 1, true), pcall(utf8.codepoint, "\u{D800}"))
print(utf8.len("\u{110000}"), utf8.len("\u{110000}", 1, -1, true))
for p, c in utf8.codes(s) do print(p, c) end
print(pcall(function() for p, c in utf8.codes("a\xffb") do print(p, c) end end))
for p, c in utf8.codes("\u{D800}x", true) do print(p, c) end
print(utf8.offset(s, 1), utf8.offset(s, 2), utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, -2), utf8.offset(s, 0, 3))
print(utf8.offset(s, 20), utf8.offset(s, -20), utf8.offset("", 1), utf8.offset("abc", 0, 4))
print(pcall(utf8.offset, s, 1, 3))
print(pcall(utf8.offset, s, 1, 30))
print(utf8.len(""), utf8.codepoint("", 1, 0))
print(utf8.len("\xC0\x80"), utf8.len("\xF4\x90\x80\x80"), utf8.len("\xF4\x90\x80\x80", 1, -1, true))
local ext = utf8.char(0x7FF, 0x800, 0xFFFF, 0x10000, 0x1FFFFF, 0x200000, 0x3FFFFFF, 0x4000000)
print(#ext, utf8.len(ext), utf8.len(ext, 1, -1, true))
print(utf8.codepoint(ext, 1, -1, true))
print(pcall(utf8.codepoint, "abc", 1, math.maxinteger))
print(pcall(utf8.len, "abc", math.mininteger))
print(utf8.offset("abc", -1, math.maxinteger == 0 and 1 or 4), utf8.offset("abc", math.mininteger))
local n = 0
for _, c in utf8.codes("") do n = n + 1 end
print(n)
