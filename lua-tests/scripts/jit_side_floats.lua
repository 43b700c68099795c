-- Side traces entered straight from their parent's exit take over every value the parent holds in registers, floats in all XMM registers included (many floats live across a branch that turns hot).  -- jit-traces>=2 -- jit-side>=1

local function run(n, flip)
  local a, b, c, d = 1.5, 2.25, 3.125, 4.0625
  local e, f, g, h = 0.5, 0.25, 0.125, 0.0625
  local p, q, r, s = 1.0, 2.0, 3.0, 4.0
  local t, u = 5.5, 6.5
  local acc = 0.0
  for i = 1, n do
    a = a + 0.5; b = b * 1.0001; c = c - 0.25; d = d + a
    e = e + b; f = f + c; g = g + d; h = h + e
    p = p + f; q = q + g; r = r + h; s = s + p
    t = t + q; u = u + r
    -- the branch turns the other way after `flip` iterations: its exit gets hot and
    -- starts a side trace while all the floats above are live
    if i > flip then
      acc = acc + (a + b + c + d + e + f + g + h) * 0.001 + (p + q + r + s + t + u) * 1e-6
    else
      acc = acc - 1.0
    end
  end
  return acc, a, b, c, d, e, f, g, h, p, q, r, s, t, u
end

for _, flip in ipairs({0, 10, 50, 200}) do
  local res = {run(300, flip)}
  for k = 1, #res do res[k] = string.format("%.6g", res[k]) end
  print(flip, table.concat(res, " "))
end
