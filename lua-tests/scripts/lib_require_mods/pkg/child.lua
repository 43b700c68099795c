-- fixture for lib_require_*.lua: submodule found through '.' -> '/'
return { parent = require("pkg"), me = ... }
