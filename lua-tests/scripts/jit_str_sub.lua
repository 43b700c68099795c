-- string.sub in hot loops: every start and end position from -30 to 30 against a 23-byte string (clamping, empty results, the whole string), the one-character s:sub(i, i) of a scanner, the default end, a float or string position appearing at iteration 90 (converted or rejected as the library does), and a lexer that scans with sub and collects tokens.  -- jit-traces>=5
local s = "hello, world of strings"
local out = {}
for i = -30, 30 do
  out[#out + 1] = s:sub(i, i) .. "|" .. s:sub(i) .. "|" .. string.sub(s, i, -i) .. "|" .. s:sub(3, i)
end
print(table.concat(out, "\n"))
local n = 0
for i = 1, 1000 do local c = s:sub(i % 30, i % 30); if c == "o" then n = n + 1 end end
print(n)
print(pcall(function() for i = 1, 100 do local x = s:sub(i < 90 and 1 or 1.5) end end))
print(pcall(function() for i = 1, 100 do local x = s:sub(i < 90 and 1 or "2") end return "ok" end))
local src = "local x = 10 + foo(bar, 'baz') -- done"
local toks, i = {}, 1
while i <= #src do
  local c = src:sub(i, i)
  if c:match("%a") then
    local j = i
    while j <= #src and src:sub(j, j):match("[%w_]") do j = j + 1 end
    toks[#toks + 1] = src:sub(i, j - 1)
    i = j
  elseif c:match("%d") then
    local j = i
    while src:sub(j, j):match("%d") do j = j + 1 end
    toks[#toks + 1] = tonumber(src:sub(i, j - 1))
    i = j
  elseif c == " " then
    i = i + 1
  else
    toks[#toks + 1] = c
    i = i + 1
  end
end
print(#toks, table.concat(toks, " "))
