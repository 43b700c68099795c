-- Hot while/repeat/goto loops, including loops entered and left through goto.  -- jit-traces>=4
local i, s = 0, 0
while i < 5000 do i = i + 1; s = s + (i & 7) end
print(s)
local n = 0
repeat n = n + 3 until n >= 9000
print(n)
local k, odd = 0, 0
::again::
k = k + 1
if k % 2 == 1 then odd = odd + 1 end
if k < 4000 then goto again end
print(k, odd)
-- a loop whose condition flips type (number then nil)
local vals = {}
for j = 1, 3000 do vals[j] = j end
local idx, total = 1, 0
while vals[idx] do total = total + vals[idx]; idx = idx + 1 end
print(idx, total)
-- bit mixing loop (xorshift) to check integer ops under compilation
local x = 88172645463325252
local xs = 0
for _ = 1, 3000 do
  x = x ~ (x << 13)
  x = x ~ (x >> 7)
  x = x ~ (x << 17)
  xs = xs ~ x
end
print(x, xs)
-- float loop with integer conversions
local fl = 0.0
for j = 1, 3000 do fl = fl + j / 3 end
print(string.format("%.6f", fl), math.tointeger(fl // 1))
