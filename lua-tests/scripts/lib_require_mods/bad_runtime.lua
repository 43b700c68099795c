-- fixture for lib_require_errors.lua: a runtime error while loading
error("boom in module")
