-- fixture for lib_require_*.lua: sets package.loaded itself and returns nothing
package.loaded[...] = "set by module"
