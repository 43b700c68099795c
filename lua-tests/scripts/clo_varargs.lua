-- Varargs: select, table.pack/unpack, adjustments.
local function count(...) return select("#", ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
assert(count(nil, nil) == 2)
print(select(2, "a", "b", "c"), select(-1, "a", "b", "c"), select(-2, "a", "b", "c"))
print(pcall(select, 0, "a"))
print(pcall(select, -4, "a", "b", "c"))
print(select(5, "a", "b"))
local function pass(...) return ... end
print(pass(1, 2, 3), pass(), (pass(4, 5)))
local function first(...) local a = ... return a end
print(first(7, 8, 9))
local function pk(...)
  local t = table.pack(...)
  return t.n, t[1], t[3]
end
print(pk(1, nil, nil))
print(table.unpack({ 1, 2, 3 }), table.unpack({ 1, 2, 3 }, 2, 3))
print(table.unpack({}, 1, 3))
-- varargs in the middle of a list are truncated to one value
print(pass(1, 2), pass(3, 4))
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return s
end
print(sum(1, 2, 3, 4, 5), sum())
-- main chunk varargs are the script arguments (none here)
print(select("#", ...))
-- vararg functions called with many arguments
local many = {}
for i = 1, 200 do many[i] = i end
print(count(table.unpack(many)), sum(table.unpack(many)))
-- varargs captured in a closure via a table
local function bind(f, ...)
  local args = table.pack(...)
  return function(...) 
    local all = { table.unpack(args, 1, args.n) }
    for i = 1, select("#", ...) do all[args.n + i] = (select(i, ...)) end
    return f(table.unpack(all, 1, args.n + select("#", ...)))
  end
end
print(bind(sum, 10, 20)(30, 40))
