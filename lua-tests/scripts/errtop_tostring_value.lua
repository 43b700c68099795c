-- expect-error: an uncaught error object with __tostring is reported through it
local E = setmetatable({}, { __tostring = function() return "MyError: something broke" end })
print("raising")
error(E)
