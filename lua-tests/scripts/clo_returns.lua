-- Multiple results adjusted in every context.
local function r0() end
local function r1() return 1 end
local function r3() return 1, 2, 3 end
print(r3())
print(r3(), "end")
print("start", r3())
print((r3()))
print(r0())
print(r0(), "x")
print(({ r3() })[3], #{ r3(), r3() }, #{ r0() })
print(select("#", r0()), select("#", r3()), select("#", (r0())))
local t = { r3(), r1(), r3() }
print(#t, table.concat(t, ","))
-- return f() is a tail call returning all values
local function tail() return r3() end
print(tail())
-- return (f()) gives exactly one value
local function one() return (r3()) end
print(one())
-- returns in string.format / concatenation / arithmetic take the first value
print(r3() + 10, r3() .. "!", string.format("%d %d", r3()))
-- results as arguments in the middle vs the end
local function args(...) return select("#", ...) end
print(args(r3(), r3()), args(r0(), r0()), args(r3(), nil))
-- returning many values
local function many(n) local t = {} for i = 1, n do t[i] = i end return table.unpack(t) end
print(select("#", many(250)), (select(250, many(250))))
-- conditional expressions truncate too
local v = r3() and r3()
print(v)
