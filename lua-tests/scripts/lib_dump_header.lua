-- string.dump's header is PUC 5.4's field for field (signature, version, format 0, LUAC_DATA,
-- sizes, then the test integer and float); what follows is implementation-specific, so only
-- the header is printed. Corrupting any header byte or truncating the chunk makes load fail.
local c = string.dump(function(a, b) return a * b + 1 end)
local fields = { string.unpack("c4BBc6BBBjn", c) }
print(#fields[1], fields[1] == "\27Lua", string.format("%x", fields[2]), fields[3])
print(fields[4] == "\x19\x93\r\n\x1a\n", fields[5], fields[6], fields[7])
print(string.format("%x", fields[8]), fields[9])
print(load(c)(6, 7))
local hsize = string.packsize("c4BBc6BBB")
for i = 1, hsize do
  local s = c:sub(1, i - 1) .. string.char((c:byte(i) + 1) % 256) .. c:sub(i + 1)
  assert(not load(s), i)
end
for i = 1, #c - 1 do
  local f, msg = load(c:sub(1, i))
  assert(not f and msg:find("truncated"), i)
end
print("header checks ok")
