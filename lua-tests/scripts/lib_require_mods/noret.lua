-- fixture for lib_require_*.lua: returns nothing (require stores true)
noret_loads = (noret_loads or 0) + 1
