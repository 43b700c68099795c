-- fixture for lib_require_errors.lua: a syntax error
return +
