-- Long left-associative chains (operators, fields, indexing, calls, method calls, and/or,
-- constant folding, assignment targets) are loops in the parser: they load at any length;
-- right-recursive nesting still stops at "C stack overflow".
local function try(name, src)
  local f, e = load(src)
  if f then
    local ok, r = pcall(f)
    print(name, "loads", ok, type(r) == "number" and r or type(r))
  else
    print(name, e)
  end
end
for _, n in ipairs{998, 1000, 20000} do
  try("add " .. n, "return 1" .. (" + 1"):rep(n))
  try("addx " .. n, "local x = 1 return x" .. (" + x"):rep(n))
  try("field " .. n, "local a = {} a.b = a return a" .. (".b"):rep(n) .. " == a")
  try("index " .. n, "local a = {} a[1] = a return a" .. ("[1]"):rep(n) .. " == a")
  try("call " .. n, "local function f() return f end return f" .. ("()"):rep(n) .. " == f")
  try("method " .. n, "local o = {} function o:m() return self end return o" .. (":m()"):rep(n) .. " == o")
  try("and " .. n, "local x = 2 return x" .. (" and x"):rep(n))
  try("or " .. n, "local x = false return x" .. (" or x"):rep(n) .. " or 3")
  try("const " .. n, "local c <const> = 1" .. (" + 1"):rep(n) .. " return c")
  try("mixed " .. n, "local a = {b = {}} a.b.c = a return a" .. (".b.c"):rep(n // 2) .. ".b" .. (" and 1"):rep(n))
  try("assign " .. n, "local a = {} a.b = a a" .. (".b"):rep(n) .. " = 5 return a.b")
end
print(pcall(load, "return " .. ("("):rep(300) .. "1" .. (")"):rep(300)))
print(pcall(load, "return 'a'" .. (" .. 'a'"):rep(300)))
print(pcall(load, "return 1" .. (" ^ 1"):rep(300)))
