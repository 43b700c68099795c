local i = 1
::top::
local x = i
local f = function() return x end
i = i + 1
if i < 3 then goto top end
do
  goto l1
  local a = 1
  ::l1::
end
for j = 1, 3 do
  for k = 1, 3 do
    local q = function() return j + k end
    if k == 2 then goto next end
  end
  ::next::
end
repeat
  local r = 1
  if r then goto cont end
  ::cont::
until r
