-- tak: Takeuchi's function with floating-point arguments, called repeatedly. Three-argument
-- recursive calls and float comparisons; the result only depends on the call tree.
local n = tonumber(arg and arg[1]) or 500

local function tak(x, y, z)
  if y >= x then return z end
  return tak(tak(x - 1.0, y, z), tak(y - 1.0, z, x), tak(z - 1.0, x, y))
end

local sum = 0.0
for i = 1, n do
  sum = sum + tak(18.0 + (i % 3), 12.0, 6.0)
end
print("tak n=" .. n .. " sum=" .. sum)
