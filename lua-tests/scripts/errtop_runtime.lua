-- expect-error: an uncaught runtime error at top level, after some output
print("before the error")
local t = { inner = {} }
print(t.inner.value)
local x = t.missing.field
print("never printed")
