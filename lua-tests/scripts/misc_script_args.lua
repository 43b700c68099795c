-- The command line as a script sees it: arg[0] is the script name, no extra arguments here.
print(type(arg), arg[0], #arg, arg[1], select("#", ...))
assert(arg[0] == "misc_script_args.lua")
assert(#arg == 0 and select("#", ...) == 0)
-- negative indices hold the interpreter and its options; only check that they are strings
local i = -1
while arg[i] do assert(type(arg[i]) == "string"); i = i - 1 end
print(i < -1)
print(_VERSION)
