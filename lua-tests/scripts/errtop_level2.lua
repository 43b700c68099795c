-- expect-error: an error with level 2 blames the caller's line
local function validate(n)
  if type(n) ~= "number" then
    error("validate: number expected, got " .. type(n), 2)
  end
  return n
end
print(validate(10))
print(validate("ten"))
