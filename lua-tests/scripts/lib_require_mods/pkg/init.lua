-- fixture for lib_require_*.lua: package directory with init.lua
return "pkg init from " .. select(2, ...)
