-- deltablue: an incremental one-way dataflow constraint solver in the style of the DeltaBlue
-- algorithm (Freeman-Benson, Maloney, Borning). Variables are linked by constraints of
-- different strengths; adding or removing a constraint re-plans only the affected part of the
-- graph using "walkabout strengths", and a plan is then extracted and executed. Two classic
-- workloads run per iteration: a long chain of equalities, and a projection through scale
-- constraints. Measures an object graph with inheritance (three levels of __index chains),
-- polymorphic method calls and small arrays used as lists and queues.
local n = tonumber(arg and arg[1]) or 300

-- Strengths: smaller is stronger.
local REQUIRED, STRONG_PREFERRED, PREFERRED, STRONG_DEFAULT = 0, 1, 2, 3
local NORMAL, WEAK_DEFAULT, WEAKEST = 4, 5, 6

local function stronger(a, b) return a < b end
local function weakest(a, b) if a > b then return a end return b end

local NONE, FORWARD, BACKWARD = 0, 1, 2

local planner -- the current Planner, as in the original

local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, { __index = parent }) end
  return c
end

-- Lists: plain arrays with an explicit length, used as lists and FIFO queues.
local function remove_value(list, v)
  local j = 0
  for i = 1, #list do
    local x = list[i]
    list[i] = nil
    if x ~= v then
      j = j + 1
      list[j] = x
    end
  end
end

-- Variables -------------------------------------------------------------------------------

local Variable = class()

function Variable.new(name, value)
  return setmetatable({
    name = name, value = value, constraints = {}, determined_by = nil,
    mark = 0, walk_strength = WEAKEST, stay = true,
  }, Variable)
end

function Variable:add_constraint(c)
  local cs = self.constraints
  cs[#cs + 1] = c
end

function Variable:remove_constraint(c)
  remove_value(self.constraints, c)
  if self.determined_by == c then self.determined_by = nil end
end

-- Constraints -----------------------------------------------------------------------------

local Constraint = class()

function Constraint:add_constraint()
  self:add_to_graph()
  planner:incremental_add(self)
end

-- Try to satisfy this constraint; returns the constraint it overrode, if any.
function Constraint:satisfy(mark)
  self:choose_method(mark)
  if not self:is_satisfied() then
    if self.strength == REQUIRED then error("could not satisfy a required constraint") end
    return nil
  end
  self:mark_inputs(mark)
  local out = self:output()
  local overridden = out.determined_by
  if overridden then overridden:mark_unsatisfied() end
  out.determined_by = self
  if not planner:add_propagate(self, mark) then error("cycle encountered") end
  out.mark = mark
  return overridden
end

function Constraint:destroy_constraint()
  if self:is_satisfied() then planner:incremental_remove(self) end
  self:remove_from_graph()
end

function Constraint:is_input() return false end

-- Unary constraints: a single output variable.

local UnaryConstraint = class(Constraint)

function UnaryConstraint.init(self, v, strength)
  self.strength = strength
  self.output_var = v
  self.satisfied = false
  self:add_constraint()
  return self
end

function UnaryConstraint:add_to_graph()
  self.output_var:add_constraint(self)
  self.satisfied = false
end

function UnaryConstraint:choose_method(mark)
  local out = self.output_var
  self.satisfied = out.mark ~= mark and stronger(self.strength, out.walk_strength)
end

function UnaryConstraint:is_satisfied() return self.satisfied end
function UnaryConstraint:mark_inputs(_) end
function UnaryConstraint:output() return self.output_var end

function UnaryConstraint:recalculate()
  local out = self.output_var
  out.walk_strength = self.strength
  out.stay = not self:is_input()
  if out.stay then self:execute() end
end

function UnaryConstraint:mark_unsatisfied() self.satisfied = false end
function UnaryConstraint:inputs_known(_) return true end

function UnaryConstraint:remove_from_graph()
  if self.output_var then self.output_var:remove_constraint(self) end
  self.satisfied = false
end

-- A stay constraint keeps its variable's value from changing.
local StayConstraint = class(UnaryConstraint)
function StayConstraint.new(v, strength)
  return UnaryConstraint.init(setmetatable({}, StayConstraint), v, strength)
end
function StayConstraint:execute() end

-- An edit constraint marks a variable the user is changing.
local EditConstraint = class(UnaryConstraint)
function EditConstraint.new(v, strength)
  return UnaryConstraint.init(setmetatable({}, EditConstraint), v, strength)
end
function EditConstraint:is_input() return true end
function EditConstraint:execute() end

-- Binary constraints: two variables, the direction picks which one is the output.

local BinaryConstraint = class(Constraint)

function BinaryConstraint.init(self, v1, v2, strength)
  self.strength = strength
  self.v1, self.v2 = v1, v2
  self.direction = NONE
  self:add_constraint()
  return self
end

function BinaryConstraint:choose_method(mark)
  local v1, v2, s = self.v1, self.v2, self.strength
  if v1.mark == mark then
    self.direction = (v2.mark ~= mark and stronger(s, v2.walk_strength)) and FORWARD or NONE
  elseif v2.mark == mark then
    self.direction = (v1.mark ~= mark and stronger(s, v1.walk_strength)) and BACKWARD or NONE
  elseif stronger(v2.walk_strength, v1.walk_strength) then
    -- v1 is weaker: make it the output if we can override it
    self.direction = stronger(s, v1.walk_strength) and BACKWARD or NONE
  else
    self.direction = stronger(s, v2.walk_strength) and FORWARD or BACKWARD
  end
end

function BinaryConstraint:add_to_graph()
  self.v1:add_constraint(self)
  self.v2:add_constraint(self)
  self.direction = NONE
end

function BinaryConstraint:is_satisfied() return self.direction ~= NONE end
function BinaryConstraint:mark_inputs(mark) self:input().mark = mark end

function BinaryConstraint:input()
  if self.direction == FORWARD then return self.v1 end
  return self.v2
end

function BinaryConstraint:output()
  if self.direction == FORWARD then return self.v2 end
  return self.v1
end

function BinaryConstraint:recalculate()
  local ihn, out = self:input(), self:output()
  out.walk_strength = weakest(self.strength, ihn.walk_strength)
  out.stay = ihn.stay
  if out.stay then self:execute() end
end

function BinaryConstraint:mark_unsatisfied() self.direction = NONE end

function BinaryConstraint:inputs_known(mark)
  local i = self:input()
  return i.mark == mark or i.stay or i.determined_by == nil
end

function BinaryConstraint:remove_from_graph()
  if self.v1 then self.v1:remove_constraint(self) end
  if self.v2 then self.v2:remove_constraint(self) end
  self.direction = NONE
end

-- v2 = v1
local EqualityConstraint = class(BinaryConstraint)
function EqualityConstraint.new(v1, v2, strength)
  return BinaryConstraint.init(setmetatable({}, EqualityConstraint), v1, v2, strength)
end
function EqualityConstraint:execute()
  self:output().value = self:input().value
end

-- dest = src * scale + offset (scale and offset are variables too)
local ScaleConstraint = class(BinaryConstraint)
function ScaleConstraint.new(src, scale, offset, dest, strength)
  local self = setmetatable({ scale = scale, offset = offset }, ScaleConstraint)
  return BinaryConstraint.init(self, src, dest, strength)
end

function ScaleConstraint:add_to_graph()
  BinaryConstraint.add_to_graph(self)
  self.scale:add_constraint(self)
  self.offset:add_constraint(self)
end

function ScaleConstraint:remove_from_graph()
  BinaryConstraint.remove_from_graph(self)
  if self.scale then self.scale:remove_constraint(self) end
  if self.offset then self.offset:remove_constraint(self) end
end

function ScaleConstraint:mark_inputs(mark)
  BinaryConstraint.mark_inputs(self, mark)
  self.scale.mark = mark
  self.offset.mark = mark
end

function ScaleConstraint:execute()
  if self.direction == FORWARD then
    self.v2.value = self.v1.value * self.scale.value + self.offset.value
  else
    self.v1.value = (self.v2.value - self.offset.value) // self.scale.value
  end
end

function ScaleConstraint:recalculate()
  local ihn, out = self:input(), self:output()
  out.walk_strength = weakest(self.strength, ihn.walk_strength)
  out.stay = ihn.stay and self.scale.stay and self.offset.stay
  if out.stay then self:execute() end
end

-- Plans -----------------------------------------------------------------------------------

local function execute_plan(plan)
  for i = 1, #plan do plan[i]:execute() end
end

-- The planner -----------------------------------------------------------------------------

local Planner = class()

function Planner.new()
  return setmetatable({ current_mark = 0 }, Planner)
end

function Planner:new_mark()
  self.current_mark = self.current_mark + 1
  return self.current_mark
end

function Planner:incremental_add(c)
  local mark = self:new_mark()
  local overridden = c:satisfy(mark)
  while overridden do overridden = overridden:satisfy(mark) end
end

function Planner:incremental_remove(c)
  local out = c:output()
  c:mark_unsatisfied()
  c:remove_from_graph()
  local unsatisfied = self:remove_propagate_from(out)
  for strength = REQUIRED, WEAKEST - 1 do
    for i = 1, #unsatisfied do
      local u = unsatisfied[i]
      if u.strength == strength then self:incremental_add(u) end
    end
  end
end

-- Constraints downstream of v that are satisfied and not the one determining v.
local function add_consuming(v, todo, tail)
  local determining = v.determined_by
  local cs = v.constraints
  for i = 1, #cs do
    local c = cs[i]
    if c ~= determining and c:is_satisfied() then
      tail = tail + 1
      todo[tail] = c
    end
  end
  return tail
end

function Planner:make_plan(sources)
  local mark = self:new_mark()
  local plan = {}
  local todo, head, tail = {}, 1, #sources
  for i = 1, tail do todo[i] = sources[i] end
  while head <= tail do
    local c = todo[head]
    todo[head] = nil
    head = head + 1
    local out = c:output()
    if out.mark ~= mark and c:inputs_known(mark) then
      plan[#plan + 1] = c
      out.mark = mark
      tail = add_consuming(out, todo, tail)
    end
  end
  return plan
end

function Planner:extract_plan(constraints)
  local sources = {}
  for i = 1, #constraints do
    local c = constraints[i]
    if c:is_input() and c:is_satisfied() then sources[#sources + 1] = c end
  end
  return self:make_plan(sources)
end

function Planner:add_propagate(c, mark)
  local todo, head, tail = { c }, 1, 1
  while head <= tail do
    local d = todo[head]
    todo[head] = nil
    head = head + 1
    if d:output().mark == mark then
      self:incremental_remove(c)
      return false
    end
    d:recalculate()
    tail = add_consuming(d:output(), todo, tail)
  end
  return true
end

function Planner:remove_propagate_from(out)
  out.determined_by = nil
  out.walk_strength = WEAKEST
  out.stay = true
  local unsatisfied = {}
  local todo, head, tail = { out }, 1, 1
  while head <= tail do
    local v = todo[head]
    todo[head] = nil
    head = head + 1
    local cs = v.constraints
    for i = 1, #cs do
      local c = cs[i]
      if not c:is_satisfied() then unsatisfied[#unsatisfied + 1] = c end
    end
    local determining = v.determined_by
    for i = 1, #cs do
      local c = cs[i]
      if c ~= determining and c:is_satisfied() then
        c:recalculate()
        tail = tail + 1
        todo[tail] = c:output()
      end
    end
  end
  return unsatisfied
end

-- Workloads -------------------------------------------------------------------------------

local checksum = 0

-- A chain v1 = v2 = ... = vN, with a stay on the last and edits on the first.
local function chain_test(size)
  planner = Planner.new()
  local first, last
  local prev
  for i = 0, size do
    local v = Variable.new("v" .. i, 0)
    if prev then EqualityConstraint.new(prev, v, REQUIRED) end
    if i == 0 then first = v end
    if i == size then last = v end
    prev = v
  end
  StayConstraint.new(last, STRONG_DEFAULT)
  local edit = EditConstraint.new(first, PREFERRED)
  local plan = planner:extract_plan({ edit })
  for i = 1, 100 do
    first.value = i
    execute_plan(plan)
    if last.value ~= i then error("chain test failed") end
    checksum = checksum + last.value
  end
  edit:destroy_constraint()
  checksum = checksum + #plan
end

local function change(v, value)
  local edit = EditConstraint.new(v, PREFERRED)
  local plan = planner:extract_plan({ edit })
  for _ = 1, 10 do
    v.value = value
    execute_plan(plan)
  end
  edit:destroy_constraint()
end

-- dst_i = src_i * scale + offset for many i; edits flow forwards and backwards.
local function projection_test(size)
  planner = Planner.new()
  local scale = Variable.new("scale", 10)
  local offset = Variable.new("offset", 1000)
  local src, dst
  local dests = {}
  for i = 0, size - 1 do
    src = Variable.new("src" .. i, i)
    dst = Variable.new("dst" .. i, i)
    dests[#dests + 1] = dst
    StayConstraint.new(src, NORMAL)
    ScaleConstraint.new(src, scale, offset, dst, REQUIRED)
  end
  change(src, 17)
  if dst.value ~= 1170 then error("projection 1 failed") end
  change(dst, 1050)
  if src.value ~= 5 then error("projection 2 failed") end
  change(scale, 5)
  for i = 0, size - 2 do
    if dests[i + 1].value ~= i * 5 + 1000 then error("projection 3 failed") end
  end
  change(offset, 2000)
  for i = 0, size - 2 do
    if dests[i + 1].value ~= i * 5 + 2000 then error("projection 4 failed") end
  end
  for i = 1, #dests do checksum = (checksum + dests[i].value) % 1000000007 end
end

for _ = 1, n do
  chain_test(100)
  projection_test(100)
end
print("deltablue n=" .. n .. " checksum=" .. checksum)
