-- expect-error: error({}) uncaught; lua.c reports "(error object is a table value)"
print("start")
error({ code = 1 })
