-- require and package: paths, loaders, loader data, package.loaded, preload, searchers.
package.path = "./lib_require_mods/?.lua;./lib_require_mods/?/init.lua"
package.cpath = "./lib_require_mods/?.so"

print(package.config == "/\n;\n?\n!\n-\n")
print(type(package.searchers), #package.searchers, type(package.preload))
print(package.loaded._G == _G, package.loaded.io == io, package.loaded.package == package)
print(package.loaded.coroutine == coroutine, type(package.searchpath), type(package.loadlib))
print(type(package.path), type(package.cpath))

-- a Lua module gets (name, file name) and require returns (value, file name)
local m, file = require("plain")
print(type(m), m.name, m.file, m.value, file)
assert(m.value == 42 and file == "./lib_require_mods/plain.lua")
print(package.loaded.plain == m, require("plain") == m)
print(select("#", require("plain")))   -- already loaded: one result

-- a module returning nothing is stored as true, and runs once
print(require("noret"), noret_loads)
print(require("noret"), noret_loads, package.loaded.noret)

-- a module setting package.loaded itself
print(require("selfset"))

-- a module returning false is stored as false and loaded again next time
print(require("falsy"))
print(require("falsy"))
print(falsy_loads, package.loaded.falsy)

-- directories: '.' becomes '/', and ?/init.lua
print(require("pkg"))
local c = require("pkg.child")
print(c.parent, c.me)

-- preload: the loader gets ":preload:" as its second argument
package.preload.pre = function(name, data) return { name = name, data = data } end
local p, d = require("pre")
print(p.name, p.data, d)

-- package.loaded entries win over everything
package.loaded.fake = "preset"
print(require("fake"))

-- a custom searcher
table_searcher_calls = 0
package.searchers[#package.searchers + 1] = function(name)
  table_searcher_calls = table_searcher_calls + 1
  if name == "virtual" then
    return function(n, extra) return "virtual module " .. n .. " " .. extra end, "xdata"
  end
  return "\n\tno virtual module '" .. name .. "'"
end
print(require("virtual"))
print(table_searcher_calls)
package.searchers[#package.searchers] = nil

-- searchers that return nothing add nothing to the message
package.searchers[#package.searchers + 1] = function() end
print(pcall(require, "nowhere"))
package.searchers[#package.searchers] = nil

-- package.searchpath
print(package.searchpath("plain", package.path))
print(package.searchpath("pkg.child", package.path))
print(package.searchpath("pkg_child", "./lib_require_mods/?.lua", "_", "/"))
print(package.searchpath("x.y", "a/?.lua;b/?/?.lua"))
print(package.searchpath("x.y", "a/?.lua", ""))
print(package.searchpath("x", ""))
print(package.searchpath("x", "?;;?.lua"))

-- loadlib cannot load anything here
print((package.loadlib("./lib_require_mods/none.so", "luaopen_none")))
print("done")
