-- _ENV and _G: globals are fields of the environment upvalue.
x_global = 10
print(_G.x_global, _ENV.x_global, _G == _ENV)
_G.y_global = 20
print(y_global)
-- a local _ENV changes what free names mean
do
  local _ENV = { print = print, tostring = tostring }
  z = 1                     -- goes into the new environment
  print(z, x_global)        -- x_global is not visible here
end
print(z, rawget(_G, "z"))
-- functions capture the _ENV in scope where they are defined
local function make_env_reader()
  local _ENV = { value = "inner env" }
  return function() return value end
end
print(make_env_reader()())
-- _ENV as a parameter
local function with_env(_ENV) return a + b end
print(with_env({ a = 1, b = 2 }))
-- an environment with __index falling back to _G
local sandbox = setmetatable({}, { __index = _G })
local chunk = load("new_var = 5; return math.max(new_var, 3)", "sandbox", "t", sandbox)
print(chunk(), sandbox.new_var, rawget(_G, "new_var"))
-- global access errors mention the global's name
print(pcall(function() return undefined_thing.field end))
print(pcall(function() undefined_fn() end))
-- _ENV set to nil makes global access fail
print(pcall(function() local _ENV = nil; return anything end))
-- counting globals accessed through a proxy environment
local reads = {}
local proxy = setmetatable({}, { __index = function(_, k) reads[#reads + 1] = k; return _G[k] end })
local f = load("local s = 0; for i = 1, 3 do s = s + math.abs(-i) end; return tostring(s)", "p", "t", proxy)
print(f(), table.concat(reads, ","))
