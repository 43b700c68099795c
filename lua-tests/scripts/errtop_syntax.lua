-- expect-error: a syntax error in the script itself is reported before anything runs
print("this never runs because the chunk does not compile")
local function f()
  return 1 +
end
