-- Object-oriented patterns: classes, inheritance, privacy through closures, mixins.
local Account = {}
Account.__index = Account
function Account.new(owner, balance)
  return setmetatable({ owner = owner, balance = balance or 0 }, Account)
end
function Account:deposit(v) self.balance = self.balance + v; return self end
function Account:withdraw(v)
  if v > self.balance then error("insufficient funds", 2) end
  self.balance = self.balance - v
  return self
end
function Account.__tostring(a) return a.owner .. ": " .. a.balance end
function Account.__eq(a, b) return a.balance == b.balance end
function Account.__lt(a, b) return a.balance < b.balance end
local a = Account.new("ann", 100):deposit(50):withdraw(30)
local b = Account.new("bob", 120)
print(tostring(a), tostring(b), a == b, a < b, a <= b)
print(pcall(a.withdraw, a, 1000))
-- inheritance with an overridden method calling the parent's
local Savings = setmetatable({}, { __index = Account })
Savings.__index = Savings
Savings.__tostring = Account.__tostring
function Savings.new(owner, balance, rate)
  local s = Account.new(owner, balance)
  s.rate = rate
  return setmetatable(s, Savings)
end
function Savings:add_interest() return self:deposit(self.balance * self.rate // 1) end
local s = Savings.new("sue", 1000, 0.05)
s:add_interest():add_interest()
print(tostring(s), s.balance, math.type(s.balance))
-- privacy via closures
local function counter_object()
  local count = 0
  return {
    inc = function() count = count + 1; return count end,
    get = function() return count end,
  }
end
local c = counter_object()
c.inc(); c.inc()
print(c.get(), c.count)
-- mixins copy methods
local Printable = { describe = function(self) return "<" .. tostring(self) .. ">" end }
for k, v in pairs(Printable) do Account[k] = v end
print(a:describe(), s:describe())
-- class with a shared static counter
local Shape = { count = 0 }
Shape.__index = Shape
function Shape.new(kind) Shape.count = Shape.count + 1; return setmetatable({ kind = kind }, Shape) end
local shapes = { Shape.new("circle"), Shape.new("square"), Shape.new("tri") }
print(Shape.count, shapes[2].count, shapes[3].kind)
