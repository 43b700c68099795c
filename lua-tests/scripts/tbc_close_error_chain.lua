-- Errors raised by __close handlers chain into the next handler, and the error object
-- stays alive while a handler collects garbage (it once was freed here).
local function func2close(f) return setmetatable({}, {__close = f}) end
local function foo()
    local x <close> = func2close(function (self, msg) print("x got", msg, debug.getinfo(2).name) end)
    local x1 <close> = func2close(function (self, msg) print("x1 got", msg); error("@x1") end)
    local gc <close> = func2close(function () collectgarbage() end)
    local y <close> = func2close(function (self, msg) print("y got", msg); error("@y") end)
    local first = true
    local z <close> = func2close(function (self, msg)
        print("z got", msg, first)
        first = false
        error("@z")
      end)
    error(4)    -- original error
end
print(pcall(foo, true))
