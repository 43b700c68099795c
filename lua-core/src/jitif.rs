//! The interface between the interpreter and a JIT (DESIGN.md section 6).
//!
//! lua-core knows nothing about machine code. A JIT plugs in as a [`JitHook`] stored in
//! `State::jit`, and the interpreter calls it at a few control points:
//!
//! - **Loop headers.** Every loop back-edge (FORLOOP, TFORLOOP, a backward JMP or a test's
//!   backward jump) counts down the loop's counter in `State::hotcount`, a small table
//!   indexed by a hash of the loop header's address ([`hot_index`]; as LuaJIT's hotcount,
//!   loops that collide share a counter, which only makes one of them hot early). When the
//!   count is zero the interpreter calls [`JitHook::loop_header`] (after checking the
//!   interrupt flag, which back-edges only check then), which may start recording, run a
//!   compiled trace, or set the count anew: 0 for a loop with a trace (so every back-edge
//!   enters it), a growing wait for a loop that failed to record. Nothing but the count
//!   costs a back-edge, with or without a JIT. A FORPREP that enters its loop also calls
//!   the hook when the prototype names a trace for the loop (`Proto::trace_at`), so a trace
//!   runs the loop's first iteration too.
//! - **Recording.** While a thread records, its `hook_mask` carries [`HOOK_RECORD`]: that
//!   sends the thread to the interpreter loop's hooked instance (exactly as a debug hook
//!   does), which calls [`JitHook::record`] before every instruction with the live registers
//!   in the stack. The unhooked instance pays nothing.
//! - **GC roots, hooks, flushes.** The collector asks the JIT to mark what its traces hold
//!   ([`JitHook::mark_roots`]); `debug.sethook` tells it hooks changed; a prototype that dies
//!   with traces attached leaves their numbers in a queue the JIT drains
//!   ([`take_dead_traces`]).
//!
//! The trace-execution stack ([`ExecEntry`]) lives in each thread's `ThreadState`, so every
//! coroutine has its own; lua-core only creates it with its bottom `Interpreting` entry, and
//! the JIT pushes and pops the rest.
//!
//! Invariants:
//! - A hook method that returns [`Resume::Changed`] may have changed the thread's frames
//!   and stack (a trace ran and its exit rebuilt the interpreter state, or recording
//!   started): the interpreter re-derives everything from the thread's top frame before
//!   going on. [`Resume::Returned`] says a trace returned out of the running interpreter
//!   loop's entry frame (`State::jit_return_from_entry` did the return): the loop returns
//!   as its RETURN instruction would have.
//! - No hook method is called while a debug hook can fire on the running thread, except
//!   `record`, which must then stop recording (`hooks_changed` is called first).

#![forbid(unsafe_code)]

use crate::gc::Marker;
use crate::opcodes::Op;
use crate::proto::Proto;
use crate::state::State;
use crate::thread::CallKind;
use crate::LuaResult;
use std::cell::Cell;

/// `ThreadState::hook_mask` bit: this thread is recording a trace (see the module doc). It
/// is never visible to Lua (`debug.gethook` ignores it).
pub const HOOK_RECORD: u8 = 0x40;

/// Back-edges a loop runs before it is hot when nothing says otherwise (LuaJIT's hotloop).
pub const DEFAULT_HOT_THRESHOLD: u16 = 56;

/// Number of loop counters (`State::hotcount`), a power of two.
pub const HOTCOUNT_SIZE: usize = 512;

/// The loop counter of the loop header at `pc` in code starting at `code`: a hash of the
/// header instruction's address.
#[inline(always)]
pub fn hot_index(code: *const crate::opcodes::Instr, pc: usize) -> usize {
    ((code as usize >> 2).wrapping_add(pc)) & (HOTCOUNT_SIZE - 1)
}

/// One entry of a thread's trace-execution stack (DESIGN.md section 6).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExecEntry {
    /// The interpreter runs (the bottom entry, and the entry a call-out pushes for its
    /// nested run loop).
    Interpreting,
    /// This thread records trace `trace`.
    Recording { trace: u32 },
    /// Compiled code of trace `trace` runs; `frame` is the index of the Lua frame it
    /// entered in.
    Executing { trace: u32, frame: u32 },
}

/// What a call of [`JitHook::loop_header`] did to the interpreter state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Resume {
    /// Nothing: the interpreter goes on where it was.
    Same,
    /// The frames or the stack changed: go on from the top frame at its saved pc.
    Changed,
    /// The running loop's entry frame returned (its kind and the results its caller
    /// wanted, as the loop's RETURN gives them).
    Returned(CallKind, i32),
}

/// The JIT as lua-core sees it. Methods take `&self`: the JIT keeps its mutable state in
/// cells and never holds a borrow across running Lua or compiled code, so the calls may
/// nest.
pub trait JitHook {
    /// For the JIT's own library functions, which find it through `State::jit`.
    fn as_any(&self) -> &dyn std::any::Any;

    /// The running Lua frame (the top frame, its `pc` saved) reached the loop header at
    /// `pc` and the loop's counter is 0. Returns what happened to the interpreter state
    /// (see the module invariants).
    fn loop_header(&self, st: &mut State, pc: usize) -> LuaResult<Resume>;

    /// The thread records (its mask has [`HOOK_RECORD`]) and is about to execute
    /// instruction `pc` of its top frame.
    fn record(&self, st: &mut State, pc: usize);

    /// Mark every GC object compiled code or trace metadata refers to.
    fn mark_roots(&self, m: &mut Marker);

    /// `debug.sethook` changed a thread's hooks: stop any recording on it.
    fn hooks_changed(&self, st: &mut State);
}

thread_local! {
    static DEAD_TRACES: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Called when a prototype dies: the traces it names can never be entered again.
pub(crate) fn proto_died(p: &Proto) {
    if let Some(slots) = p.traces.get() {
        let dead: Vec<u32> = slots.iter().map(Cell::get).filter(|&t| t != 0).collect();
        if !dead.is_empty() {
            DEAD_TRACES.with(|d| d.borrow_mut().extend(dead));
        }
    }
}

/// Are there traces whose prototype died that [`take_dead_traces`] has not taken yet?
pub fn dead_traces_pending() -> bool {
    DEAD_TRACES.with(|d| !d.borrow().is_empty())
}

/// Traces whose prototype died since the last call (see [`proto_died`]).
pub fn take_dead_traces() -> Vec<u32> {
    DEAD_TRACES.with(|d| std::mem::take(&mut *d.borrow_mut()))
}

impl State {
    /// A back-edge found its loop counter (`hotcount[h]`) at 0 (and counted it past):
    /// raise a pending interrupt, else call the JIT's loop-header hook, which finds the
    /// counter at 0; without a JIT, wait as long as a counter can.
    #[inline(never)]
    pub(crate) fn control_point(&mut self, pc: usize, h: usize) -> LuaResult<Resume> {
        let h = h & (HOTCOUNT_SIZE - 1);
        self.hotcount[h] = 0;
        if self.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(self.interrupted());
        }
        match self.jit.clone() {
            Some(j) => j.loop_header(self, pc),
            None => {
                self.hotcount[h] = u16::MAX;
                Ok(Resume::Same)
            }
        }
    }

    /// Back-edges a loop runs before it is hot (at least 1).
    pub fn hot_threshold(&self) -> u16 {
        self.hot_threshold
    }

    /// Make loops hot after `n` back-edges (at least 1), starting every counter anew.
    pub fn set_hot_threshold(&mut self, n: u16) {
        self.hot_threshold = n.max(1);
        self.hotcount = [self.hot_threshold - 1; HOTCOUNT_SIZE];
    }

    /// Set the counter of the loop whose header is `pc` in `proto` to `n` back-edges (0:
    /// the next one calls the JIT).
    pub fn set_hot_count(&mut self, proto: &Proto, pc: usize, n: u16) {
        self.hotcount[hot_index(proto.code.as_ptr(), pc)] = n;
    }

    /// The JIT's loop-header hook (see [`JitHook::loop_header`]); `Same` without a JIT.
    #[inline(never)]
    pub(crate) fn jit_loop_header(&mut self, pc: usize) -> LuaResult<Resume> {
        match self.jit.clone() {
            Some(j) => j.loop_header(self, pc),
            None => Ok(Resume::Same),
        }
    }

    /// A trace left the top frame at one of its return instructions, the interpreter state
    /// rebuilt there. If that frame is the entry frame of the interpreter loop running it
    /// (a `fresh` frame: a call-out's callee) and nothing watches returns, return from it
    /// here as that RETURN would (results to the function slot, the frame popped), so the
    /// loop need not be resumed only to return. Gives what the loop then returns
    /// ([`Resume::Returned`]); `None` leaves the return to the interpreter (a frame called
    /// from Lua code, hooks, a return that closes variables).
    #[inline]
    pub fn jit_return_from_entry(&mut self) -> Option<(CallKind, i32)> {
        let ts = self.ts();
        let fr = ts.frames.last()?;
        if !fr.fresh || ts.hook_mask != 0 {
            return None;
        }
        let i = *fr.closure?.proto.code.get(fr.pc)?;
        let first = fr.base + i.a();
        let n = match i.op() {
            Op::Return0 => 0,
            Op::Return1 => 1,
            Op::Return if !i.k() && i.b() != 0 => i.b() - 1,
            Op::Return if !i.k() => ts.top.checked_sub(first)?,
            _ => return None,
        };
        let done = (fr.kind, fr.nresults);
        ts.top = first + n;
        self.poscall(n);
        Some(done)
    }

    /// The JIT's recording hook (see [`JitHook::record`]).
    #[inline(never)]
    pub(crate) fn jit_record(&mut self, pc: usize) {
        match self.jit.clone() {
            Some(j) => j.record(self, pc),
            None => self.ts().hook_mask &= !HOOK_RECORD,
        }
    }
}
