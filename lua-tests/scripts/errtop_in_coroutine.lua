-- expect-error: an error raised inside coroutine.wrap propagates to the top level
local gen = coroutine.wrap(function()
  coroutine.yield(1)
  local n = nil
  return n + 1
end)
print(gen())
print(gen())
