-- expect-error: error() with no value
print(1)
error()
