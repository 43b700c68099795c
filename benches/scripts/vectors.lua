-- vectors: 3-D vector arithmetic written with operator metamethods. A Vec class overloads
-- __add, __sub, __mul (scalar and dot product), __unm, __eq and __len, and a small particle
-- system is integrated with expressions like p + v * dt. Every operator is a metamethod call
-- that allocates a fresh vector, so this measures metamethod dispatch and short-lived tables.
local n = tonumber(arg and arg[1]) or 3200

local Vec = {}
Vec.__index = Vec

local function vec(x, y, z) return setmetatable({ x = x, y = y, z = z }, Vec) end

Vec.__add = function(a, b) return vec(a.x + b.x, a.y + b.y, a.z + b.z) end
Vec.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y, a.z - b.z) end
Vec.__unm = function(a) return vec(-a.x, -a.y, -a.z) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y and a.z == b.z end
Vec.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y, a * b.z) end
  if type(b) == "number" then return vec(a.x * b, a.y * b, a.z * b) end
  return a.x * b.x + a.y * b.y + a.z * b.z -- dot product
end
Vec.__len = function(a) return (a * a) ^ 0.5 end

function Vec:cross(b)
  return vec(self.y * b.z - self.z * b.y, self.z * b.x - self.x * b.z, self.x * b.y - self.y * b.x)
end

local particles = {}
for i = 1, 100 do
  particles[i] = {
    pos = vec(i * 0.5, (i % 7) * 1.5, (i % 11) * -0.25),
    vel = vec((i % 3) - 1.0, (i % 5) * 0.1, 0.2),
  }
end

local gravity = vec(0.0, -9.81, 0.0)
local spin = vec(0.0, 0.0, 0.5)
local dt = 0.001
local same = 0
for _ = 1, n do
  for i = 1, #particles do
    local p = particles[i]
    local acc = gravity + p.vel:cross(spin) * 0.1 - p.vel * 0.01
    p.vel = p.vel + acc * dt
    p.pos = p.pos + dt * p.vel
    if -(-p.pos) == p.pos then same = same + 1 end
  end
end

local energy, spread = 0.0, 0.0
for i = 1, #particles do
  local p = particles[i]
  energy = energy + 0.5 * (p.vel * p.vel)
  spread = spread + #(p.pos - particles[1].pos)
end
print(string.format("vectors n=%d energy=%.6f spread=%.6f same=%d", n, energy, spread, same))
