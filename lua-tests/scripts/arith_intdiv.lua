-- Floor division on integers and floats with every sign combination.
local function row(a, b)
  local q = a // b
  print(a, b, q, math.type(q))
  return q
end
assert(row(7, 2) == 3)
assert(row(-7, 2) == -4)
assert(row(7, -2) == -4)
assert(row(-7, -2) == 3)
assert(row(6, 3) == 2)
assert(row(-6, 3) == -2)
assert(row(7.0, 2) == 3.0)
assert(row(-7.5, 2) == -4.0)
assert(row(7, -2.0) == -4.0)
assert(row(-0.0, 1) == 0)
assert(row(1, 0.0) == math.huge)
assert(row(-1, 0.0) == -math.huge)
assert(row(0.3, 0.1) == 2.0)   -- 0.3/0.1 is 2.9999...
assert(row(1e100, 1) == 1e100)
assert(math.type(1e100 // 1) == "float")
assert(row(math.mininteger, -1) == math.mininteger)
assert(row(math.maxinteger, math.maxinteger) == 1)
-- results are always floored, never truncated
for a = -5, 5 do
  for b = -3, 3 do
    if b ~= 0 then
      assert(a // b == math.floor(a / b), a .. "//" .. b)
      assert(a == (a // b) * b + a % b)
    end
  end
end
print("floor identity ok")
