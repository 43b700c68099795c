-- Debian's C modules under require; arg[1] is their directory.
local dir = arg[1]
package.cpath = dir .. "/?.so;" .. package.cpath
package.path = "/usr/share/lua/5.4/?.lua;" .. package.path

-- LuaFileSystem: make a tree, walk it, read attributes, remove it.
local lfs = require "lfs"
local root = os.tmpname()
os.remove(root)
assert(lfs.mkdir(root))
for _, d in ipairs({"a", "b", "a/c"}) do assert(lfs.mkdir(root .. "/" .. d)) end
for _, f in ipairs({"a/x.txt", "b/y.txt", "a/c/z.txt", "top.txt"}) do
  local h = assert(io.open(root .. "/" .. f, "w")); h:write(f); h:close()
end
local found = {}
local function walk(p, rel)
  for e in lfs.dir(p) do
    if e ~= "." and e ~= ".." then
      local full, r = p .. "/" .. e, rel .. e
      local mode = lfs.attributes(full, "mode")
      found[#found + 1] = r .. ":" .. mode .. ":" .. (mode == "file" and lfs.attributes(full).size or "-")
      if mode == "directory" then walk(full, r .. "/") end
    end
  end
end
walk(root, "")
table.sort(found)
print(table.concat(found, " "))
print(lfs.touch(root .. "/top.txt", 1000000, 2000000), lfs.attributes(root .. "/top.txt", "modification"))
print(lfs.mkdir(root .. "/a"))
print((select(2, pcall(lfs.dir, root .. "/missing")):gsub(root, "ROOT")))
print(select("#", lfs.attributes(root .. "/missing")), (lfs.attributes(root .. "/missing")))
local old = lfs.currentdir()
print(lfs.chdir(root), lfs.currentdir() == root or lfs.currentdir())
lfs.chdir(old)
for _, f in ipairs({"a/x.txt", "b/y.txt", "a/c/z.txt", "top.txt"}) do os.remove(root .. "/" .. f) end
for _, d in ipairs({"a/c", "a", "b", ""}) do assert(lfs.rmdir(root .. "/" .. d)) end
print("lfs ok", lfs.attributes(root) == nil)

-- lua-cjson: round trips, options, errors.
local cjson = require "cjson"
local doc = {name = "x", list = {1, 2.5, -3, "four", true, false}, nested = {deep = {{}}}}
local s = cjson.encode(doc)
local back = cjson.decode(s)
print(back.name, #back.list, back.list[2], back.list[4], back.list[5], type(back.nested.deep[1]))
print(#cjson.encode(cjson.decode(s)) == #s) -- key order may differ: compare lengths
print(cjson.encode({}), cjson.encode({[1] = "a", [2] = "b"}), cjson.encode("\0\1\31 /\\\""))
print(cjson.encode(1e300), cjson.encode(-0.0), cjson.encode(123456789012))
print(cjson.decode("[1e2, -0, 3.25, 9007199254740993]")[1])
for _, bad in ipairs({"{", "[1,]", "nul", "\"\\u12\"", "{\"a\" 1}", "1 2"}) do
  print(pcall(cjson.decode, bad))
end
print(pcall(cjson.encode, {[{}] = 1}))
print(pcall(cjson.encode, function() end))
local nested = {}
local cur = nested
for _ = 1, 2000 do cur[1] = {}; cur = cur[1] end
print(pcall(cjson.encode, nested))
print(cjson.decode('"\\u00e9\\ud83d\\ude00"'))
local c2 = cjson.new()
c2.encode_sparse_array(true)
print(c2.encode({[1] = 1, [5] = 5}))
print(cjson.decode("null") == cjson.null, cjson.null)
print("cjson ok")

-- LPeg, when installed.
local ok, lpeg = pcall(require, "lpeg")
if ok then
  local P, R, S, C, Ct, V = lpeg.P, lpeg.R, lpeg.S, lpeg.C, lpeg.Ct, lpeg.V
  local space = S(" \t") ^ 0
  local num = C(R("09") ^ 1) / tonumber * space
  local g = P({"Exp",
    Exp = Ct(V"Term" * (C(S("+-")) * space * V"Term") ^ 0),
    Term = num + "(" * space * V"Exp" * ")" * space})
  local function show(t) if type(t) ~= "table" then return tostring(t) end
    local o = {} for i = 1, #t do o[i] = show(t[i]) end return "[" .. table.concat(o, " ") .. "]" end
  print(show(g:match("1 + (2 - 3) + 45")))
  print(lpeg.match(C(P"a" ^ 1) * P(-1), "aaa"), lpeg.match(P"b", "abc"))
  local words = Ct((C(R("az") ^ 1) + 1) ^ 0)
  print(table.concat(words:match("hello, big world!"), "|"))
  print(lpeg.match(lpeg.Cs((P"a" / "A" + 1) ^ 0), "banana"))
  print(pcall(lpeg.P, {}))
  print("lpeg ok")
else
  print("lpeg skipped")
end

-- LuaSocket: a TCP echo over 127.0.0.1, when installed.
local ok2, socket = pcall(require, "socket")
if ok2 then
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  local client = assert(socket.connect("127.0.0.1", port))
  local conn = assert(server:accept())
  client:send("hello over tcp\n")
  print(conn:receive("*l"))
  conn:send("echo: reply\n")
  print(client:receive("*l"))
  client:close(); conn:close(); server:close()
  print(type(socket.gettime()), socket._VERSION ~= nil)
  print("socket ok")
else
  print("socket skipped")
end
