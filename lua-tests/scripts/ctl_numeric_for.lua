-- Numeric for: integer and float loops, negative steps, loops that do not run.
local function collect(a, b, c)
  local t = {}
  if c then
    for i = a, b, c do t[#t + 1] = tostring(i) end
  else
    for i = a, b do t[#t + 1] = tostring(i) end
  end
  return table.concat(t, " ")
end
print(collect(1, 5))
print(collect(5, 1))
print(collect(5, 1, -1))
print(collect(1, 10, 3))
print(collect(10, 1, -4))
print(collect(0, 1, 0.25))
print(collect(1, 0, -0.5))
print(collect(1.0, 3))
print(collect(1, 3.5))
print(collect(1, 2.9999))
print(collect(-3, -1))
print(collect(3, 3))
print(collect(0.1, 0.5, 0.1))
assert(collect(5, 1) == "")
-- loop variable types follow the start and step
for i = 1, 2 do io.write(math.type(i), " ") end
for i = 1.0, 2 do io.write(math.type(i), " ") end
for i = 1, 2, 1.0 do io.write(math.type(i), " ") end
print()
-- errors
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = 1.0, 10, 0.0 do end end))
print(pcall(function() for i = "a", 2 do end end))
print(pcall(function() for i = 1, {} do end end))
print(pcall(function() for i = 1, 2, nil do end end))
-- a numeric string limit is converted (forlimit uses the string-to-number coercion)
print(pcall(function() local n = 0; for i = 1, "3" do n = n + i end; return n end))
-- expressions evaluated once
local calls = 0
local function lim() calls = calls + 1; return 3 end
for i = 1, lim() do end
print(calls)
