local _ENV = {print = print}
print(gx)
gx = 1
do
  local _ENV <const> = {}
  hh = 2
end
local function g() return gy end
do
  local c <close> = setmetatable({}, {__close = print})
  local d = 1
  if d then return d end
end
local function tbc()
  local c <close> = nil
  return tbc()
end
local function va(...) return 1 end
local function va2(a, ...) return va2(...) end
