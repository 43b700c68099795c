-- fixture for lib_require_*.lua: returns false (stored, so the next require loads again)
falsy_loads = (falsy_loads or 0) + 1
return false
