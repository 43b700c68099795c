-- richards: an operating-system task scheduler in the style of Martin Richards' benchmark,
-- written here with metatable classes and method calls. An idle task, a worker, two
-- handlers and two devices pass packets around through work queues; the scheduler always
-- runs the highest-priority task that is not waiting or held. Measures method dispatch
-- through __index, field access on small objects and linked-list manipulation.
local n = tonumber(arg and arg[1]) or 45

local ID_IDLE, ID_WORKER, ID_HANDLER_A, ID_HANDLER_B, ID_DEVICE_A, ID_DEVICE_B = 1, 2, 3, 4, 5, 6
local KIND_DEVICE, KIND_WORK = 0, 1
local DATA_SIZE = 4

-- Packets ---------------------------------------------------------------------------------

local Packet = {}
Packet.__index = Packet

function Packet.new(link, id, kind)
  local data = {}
  for i = 1, DATA_SIZE do data[i] = 0 end
  return setmetatable({ link = link, id = id, kind = kind, a1 = 0, a2 = data }, Packet)
end

-- Append self to the queue starting at `queue`; returns the new head.
function Packet:append_to(queue)
  self.link = nil
  if queue == nil then return self end
  local p = queue
  while p.link do p = p.link end
  p.link = self
  return queue
end

-- Task control blocks ---------------------------------------------------------------------

local Tcb = {}
Tcb.__index = Tcb

function Tcb.new(link, id, pri, queue, task)
  local t = setmetatable({
    link = link, id = id, pri = pri, queue = queue, task = task,
    pending = queue ~= nil, waiting = false, held = false,
  }, Tcb)
  return t
end

function Tcb:runnable()
  return not self.held and (self.pending or not self.waiting)
end

-- Add a packet to this task's queue; returns the task to run next (this one if it outranks
-- the current task `cur`).
function Tcb:check_priority_add(cur, packet)
  if self.queue == nil then
    self.queue = packet
    self.pending = true
    if self.pri > cur.pri then return self end
  else
    self.queue = packet:append_to(self.queue)
  end
  return cur
end

function Tcb:run()
  local packet
  if self.waiting and self.pending then
    packet = self.queue
    self.queue = packet.link
    self.pending = self.queue ~= nil
    self.waiting = false
  end
  return self.task:run(packet)
end

-- The scheduler ---------------------------------------------------------------------------

local Scheduler = {}
Scheduler.__index = Scheduler

function Scheduler.new()
  return setmetatable({ list = nil, cur = nil, tasks = {}, queue_count = 0, hold_count = 0 },
    Scheduler)
end

function Scheduler:add(id, pri, queue, task)
  local t = Tcb.new(self.list, id, pri, queue, task)
  self.list = t
  self.tasks[id] = t
  task.sched = self
end

function Scheduler:schedule()
  local t = self.list
  while t do
    if t:runnable() then
      self.cur = t
      t = t:run()
    else
      t = t.link
    end
  end
end

function Scheduler:release(id)
  local t = self.tasks[id]
  t.held = false
  if t.pri > self.cur.pri then return t end
  return self.cur
end

function Scheduler:hold_self()
  self.hold_count = self.hold_count + 1
  self.cur.held = true
  return self.cur.link
end

function Scheduler:wait()
  self.cur.waiting = true
  return self.cur
end

function Scheduler:queue(packet)
  local t = self.tasks[packet.id]
  self.queue_count = self.queue_count + 1
  packet.link = nil
  packet.id = self.cur.id
  return t:check_priority_add(self.cur, packet)
end

-- Tasks -----------------------------------------------------------------------------------

local IdleTask = {}
IdleTask.__index = IdleTask

function IdleTask.new(count)
  return setmetatable({ v1 = 1, count = count }, IdleTask)
end

function IdleTask:run(_)
  local s = self.sched
  self.count = self.count - 1
  if self.count == 0 then return s:hold_self() end
  if self.v1 & 1 == 0 then
    self.v1 = self.v1 >> 1
    return s:release(ID_DEVICE_A)
  end
  self.v1 = (self.v1 >> 1) ~ 0xD008
  return s:release(ID_DEVICE_B)
end

local WorkerTask = {}
WorkerTask.__index = WorkerTask

function WorkerTask.new()
  return setmetatable({ dest = ID_HANDLER_A, count = 0 }, WorkerTask)
end

function WorkerTask:run(packet)
  local s = self.sched
  if packet == nil then return s:wait() end
  self.dest = self.dest == ID_HANDLER_A and ID_HANDLER_B or ID_HANDLER_A
  packet.id = self.dest
  packet.a1 = 0
  local data = packet.a2
  for i = 1, DATA_SIZE do
    self.count = self.count + 1
    if self.count > 26 then self.count = 1 end
    data[i] = self.count
  end
  return s:queue(packet)
end

local HandlerTask = {}
HandlerTask.__index = HandlerTask

function HandlerTask.new()
  return setmetatable({ work = nil, devices = nil }, HandlerTask)
end

function HandlerTask:run(packet)
  local s = self.sched
  if packet then
    if packet.kind == KIND_WORK then
      self.work = packet:append_to(self.work)
    else
      self.devices = packet:append_to(self.devices)
    end
  end
  local work = self.work
  if work then
    local count = work.a1
    if count < DATA_SIZE then
      local dev = self.devices
      if dev then
        self.devices = dev.link
        dev.a1 = work.a2[count + 1]
        work.a1 = count + 1
        return s:queue(dev)
      end
    else
      self.work = work.link
      return s:queue(work)
    end
  end
  return s:wait()
end

local DeviceTask = {}
DeviceTask.__index = DeviceTask

function DeviceTask.new()
  return setmetatable({ pending = nil, sum = 0 }, DeviceTask)
end

function DeviceTask:run(packet)
  local s = self.sched
  if packet == nil then
    local p = self.pending
    if p == nil then return s:wait() end
    self.pending = nil
    return s:queue(p)
  end
  self.pending = packet
  self.sum = self.sum + packet.a1
  return s:hold_self()
end

-- One run of the benchmark ----------------------------------------------------------------

local function richards(count)
  local s = Scheduler.new()
  s:add(ID_IDLE, 0, nil, IdleTask.new(count))

  local q = Packet.new(nil, ID_WORKER, KIND_WORK)
  q = Packet.new(q, ID_WORKER, KIND_WORK)
  s:add(ID_WORKER, 1000, q, WorkerTask.new())

  q = Packet.new(nil, ID_DEVICE_A, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_A, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_A, KIND_DEVICE)
  s:add(ID_HANDLER_A, 2000, q, HandlerTask.new())

  q = Packet.new(nil, ID_DEVICE_B, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_B, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_B, KIND_DEVICE)
  s:add(ID_HANDLER_B, 3000, q, HandlerTask.new())

  local da, db = DeviceTask.new(), DeviceTask.new()
  s:add(ID_DEVICE_A, 4000, nil, da)
  s:add(ID_DEVICE_B, 5000, nil, db)
  -- devices and the idle task start out waiting for work
  s.tasks[ID_DEVICE_A].waiting = true
  s.tasks[ID_DEVICE_B].waiting = true

  s:schedule()
  return s.queue_count, s.hold_count, da.sum + db.sum
end

local qsum, hsum, dsum = 0, 0, 0
for _ = 1, n do
  local qc, hc, ds = richards(10000)
  qsum, hsum, dsum = qsum + qc, hsum + hc, dsum + ds
end
print("richards n=" .. n .. " queued=" .. qsum .. " held=" .. hsum .. " data=" .. dsum)
