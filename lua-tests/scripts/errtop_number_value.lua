-- expect-error: a number error value is converted to a string by the report
local function fail() error(42) end
fail()
