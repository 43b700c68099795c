-- debug.getlocal / debug.setlocal: named locals, parameters, varargs, temporaries

local function dump(level)
  local out = {}
  local i = 1
  while true do
    local name, value = debug.getlocal(level + 1, i)
    if not name then break end
    if type(value) == "function" or type(value) == "table" then value = type(value) end
    out[#out + 1] = name .. "=" .. tostring(value)
    i = i + 1
  end
  return table.concat(out, " ")
end

local function vdump(level)
  local out = {}
  local i = -1
  while true do
    local name, value = debug.getlocal(level + 1, i)
    if not name then break end
    out[#out + 1] = name .. "=" .. tostring(value)
    i = i - 1
  end
  return table.concat(out, " ")
end

local function f(a, b, ...)
  local x = a + b
  do
    local inner = "in"
    print("f locals", dump(1))
  end
  local y = x * 2
  print("f locals after", dump(1))
  print("f varargs", vdump(1))
  return y
end
f(1, 2, "v1", nil, "v3")
f(10, 20)

-- parameters of a function value
local function params(p1, p2, p3, ...) local q = 1 return q end
for i = 1, 5 do print("param", i, debug.getlocal(params, i)) end
print("param -1", debug.getlocal(params, -1))
print("param of C", debug.getlocal(print, 1))
print("param 0", debug.getlocal(params, 0))

-- temporaries: getlocal sees the caller's call registers
local function temps()
  local a = 1
  local n1, v1 = debug.getlocal(1, 1)
  print("temps", n1, v1)
  local n2 = debug.getlocal(1, 4)
  print("temp slot", n2)
end
temps()

-- level 0 is getlocal itself (a C function)
print("C level0", debug.getlocal(0, 1))
print("C level0 #2", debug.getlocal(0, 2))
print("C level0 #3", debug.getlocal(0, 3))

-- setlocal
local function s()
  local a, b = 1, 2
  print("set", debug.setlocal(1, 2, "two"))
  print("set missing", debug.setlocal(1, 10, "x"))
  print("values", a, b)
end
s()
local function sv(...)
  print("set vararg", debug.setlocal(1, -2, "changed"))
  print("set vararg missing", debug.setlocal(1, -5, "x"))
  print("varargs", ...)
end
sv(1, 2, 3)

-- a caller's locals changed from a callee
local function callee() debug.setlocal(2, 1, 99) end
local function caller() local v = 1; callee(); return v end
print("caller v", caller())

-- coroutines
local co = coroutine.create(function(p, ...)
  local inco = p * 2
  coroutine.yield()
  return inco
end)
coroutine.resume(co, 21, "extra")
print("co locals", debug.getlocal(co, 1, 1))
print("co locals 2", debug.getlocal(co, 1, 2))
print("co vararg", debug.getlocal(co, 1, -1))
print("co set", debug.setlocal(co, 1, 2, 100))
print("co resume", coroutine.resume(co))
print("dead co", pcall(debug.getlocal, co, 0, 1))

-- errors
print(pcall(debug.getlocal, 100, 1))
print(pcall(debug.getlocal, 1))
print(pcall(debug.getlocal, "x", 1))
print(pcall(debug.getlocal, co, 5, 1))
print(pcall(debug.getlocal, 1, 1.5))
print(pcall(debug.setlocal, 100, 1, 1))
print(pcall(debug.setlocal, 1, 1))
print(pcall(debug.setlocal, 1))
print(pcall(debug.setlocal))
print(pcall(debug.getlocal, -1, 1))
