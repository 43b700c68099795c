-- Positions in errors from stripped functions: error() and library errors omit the unknown
-- position (luaL_where), runtime errors of the VM say "?:-1:" (luaG_runerror).
local f = load(string.dump(function() error("x") end, true))
print(pcall(f))
local g = load(string.dump(function() local a; return a.b end, true))
print(pcall(g))
local h = load(string.dump(function() return ("x"):rep(1, 2, 3, {}) end, true))
print(pcall(h))
local k = load(string.dump(function() error("y") end))
print(pcall(k))
