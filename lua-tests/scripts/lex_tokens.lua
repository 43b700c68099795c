-- Operators, comments and names the lexer must split correctly.
local a, b = 7, 2
print(a // b, a / b, a % b, a ^ b, a & b, a | b, a ~ b, ~a, a << b, a >> b)
print(a == b, a ~= b, a <= b, a >= b, a < b, a > b)
print("x" .. "y" .. 1 .. 2)
local t = { x = 1 }
print(t.x, #"abc", -a, not a)
-- comment right after an expression
local c = a--[[inline]]+b
print(c)
assert(c == 9)
-- names with underscores and digits; keywords are not names
local _x1, __ = 1, 2
print(_x1 + __)
local f, msg = load("local end = 1", "=kw")
print(f, msg)
local f2, msg2 = load("x = 1 @ 2", "=sym")
print(f2, msg2)
-- semicolons and empty statements
;;; local d = 1; ; print(d);
-- labels and ::
do goto skip; print("not printed") ::skip:: end
print("done")
-- shebang-like first line is only skipped by loadfile, not load
print((load("#!/bin/lua\nreturn 1", "=sb")))
