-- require errors: the "not found" list, loading errors, bad package fields.
package.path = "./lib_require_mods/?.lua;./lib_require_mods/?/init.lua"
package.cpath = "./lib_require_mods/?.so;./lib_require_mods/?/lib.so"

local function try(name)
  local ok, err = pcall(function() local r = require(name) return r end)
  print(ok, err)
  return err
end

try("nope")
try("a.b.c")          -- the all-in-one searcher also tries the root "a"
try("bad_syntax")
try("bad_runtime")
print(package.loaded.bad_runtime)

-- a C library that exists cannot be loaded (the message depends on the platform loader)
local ok = pcall(require, "fakec")
print(ok, package.loaded.fakec)
ok = pcall(require, "fakec.sub")
print(ok)

print(pcall(require))
print(pcall(require, {}))

local savedpath = package.path
package.path = nil
try("plain")
package.path = 42
try("plain")
package.path = savedpath

local saved = package.searchers
package.searchers = nil
try("plain")
package.searchers = saved

-- an empty searcher list
package.searchers = {}
try("plain")
package.searchers = saved

-- searchers returning odd values: numbers are messages, other values are ignored
package.searchers = { function() return 42 end, function() return {} end, function() return nil, "x" end }
try("odd")
package.searchers = saved

print(require("plain").value)
print("done")
