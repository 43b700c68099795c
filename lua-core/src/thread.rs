//! Per-thread (coroutine) execution state: the value stack, the call frames, open upvalues
//! and pending to-be-closed variables.
//!
//! Invariants:
//! - `stack.len()` is the allocated size; slots at or above `top` are garbage-free (nil or
//!   stale values that the GC may still mark, which is harmless). Every slot below `top`
//!   belongs to some frame.
//! - The stack may move only in [`ThreadState::grow`], which re-points every open upvalue.
//!   Anyone holding a raw pointer into the stack re-derives it after any call that can grow it.
//! - `open_upvals` is sorted by stack index, at most one upvalue per slot.
//! - `tbc` holds stack indices of live to-be-closed variables, increasing.

use crate::gc::{Gc, Marker};
use crate::object::{LuaClosure, UpVal};
use crate::value::Value;

/// Maximum number of stack slots per thread (Lua's LUAI_MAXSTACK).
pub const MAX_STACK: usize = 1_000_000;
/// Extra slots a message handler may use after a stack overflow (Lua's ERRORSTACKSIZE).
pub const ERROR_STACK: usize = 200;
/// Slots guaranteed to a native function on entry (Lua's LUA_MINSTACK).
pub const MIN_STACK: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CoStatus {
    /// Created or yielded, waiting for resume.
    Suspended,
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    Dead,
}

/// What the frame below expects when this frame returns: the continuation of the
/// instruction (or native) that made the call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallKind {
    /// An ordinary call from a CALL/TAILCALL/TFORCALL instruction or from a native through a
    /// nested run loop: results go to `func`, adjusted to `nresults`.
    Normal,
    /// A metamethod called by an instruction of the Lua frame below; on return the
    /// interpreter finishes that instruction (`vm::finish_op`).
    Meta,
    /// A protected call made by pcall/xpcall: errors stop unwinding here.
    Protected,
    /// A call made by a native through `State::call_k`: when it returns after a resume, the
    /// native's continuation (`Frame::cont` of the frame below) finishes the native.
    Cont,
    /// A `__close` handler called by a pcall/xpcall native closing variables after its
    /// protected call failed: when it returns after a resume, the closing goes on
    /// (`call::finish_pcall_error`). Errors stop unwinding here, as for `Protected`.
    Closing,
}

#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// Stack index of the called function.
    pub func: usize,
    /// First register (Lua) / first argument (native).
    pub base: usize,
    /// Lua frames: `base + maxstacksize`; native frames: the limit they may push to.
    pub top: usize,
    /// Next instruction to execute (Lua frames).
    pub pc: usize,
    /// Results the caller wants (-1: all).
    pub nresults: i32,
    /// The Lua closure (None for a native frame).
    pub closure: Option<Gc<LuaClosure>>,
    /// Extra arguments of a vararg function (stored below `func` after VARARGPREP).
    pub nextra: u32,
    pub kind: CallKind,
    /// Protected frames: stack index of the xpcall message handler, or `NO_HANDLER` (see
    /// `Frame::handler`; a u32 keeps the frame at 64 bytes).
    pub handler_slot: u32,
    /// This frame was entered by a nested run loop (a native calling Lua): returning from it
    /// ends that loop.
    pub fresh: bool,
    /// The function was called as a hook or finalizer etc. (unused for now).
    pub tailcalled: bool,
    /// Native frames: what finishes the native if the Lua call it made with `call_k` is
    /// interrupted by a yield (set by `call_k`).
    pub cont: Option<crate::call::Continuation>,
}

/// `Frame::handler_slot` of a frame without a message handler.
pub const NO_HANDLER: u32 = u32::MAX;
const _: () = assert!(
    std::mem::size_of::<Frame>() == 64,
    "a frame is one cache line"
);

impl Frame {
    /// Protected frames: stack index of the xpcall message handler, if any.
    pub fn handler(&self) -> Option<usize> {
        (self.handler_slot != NO_HANDLER).then_some(self.handler_slot as usize)
    }
    /// Set the message handler's stack index (stack indices fit in u32: see `MAX_STACK`).
    pub fn set_handler(&mut self, h: Option<usize>) {
        self.handler_slot = h.map_or(NO_HANDLER, |h| h as u32);
    }
}

pub struct ThreadState {
    pub stack: Vec<Value>,
    pub top: usize,
    pub frames: Vec<Frame>,
    pub open_upvals: Vec<Gc<UpVal>>,
    pub tbc: Vec<usize>,
    pub status: CoStatus,
    /// Number of non-yieldable calls (native-to-Lua nested loops) on this thread.
    pub nny: u32,
    /// Error object if the coroutine died with an error.
    pub error: Option<Value>,
    /// A message handler is running: limits are raised so it can run after a stack overflow.
    pub handling_error: bool,
    /// The message handler of the innermost `State::pcall_at` running on this thread (PUC's
    /// `L->errfunc`), for a native called directly in protected mode, whose frame cannot
    /// hold it (a Lua function's protected frame holds its own: `Frame::handler`).
    pub errfunc: Option<usize>,
    /// debug.sethook state: the hook function, its event mask (`HOOK_*`), the count for
    /// count hooks and the instructions left until the next one.
    pub hook: Value,
    pub hook_mask: u8,
    pub base_hook_count: u32,
    pub hook_count: u32,
    /// False while a hook runs (hooks do not nest).
    pub allow_hook: bool,
    /// While a hook runs: index of the frame running the hook function (getinfo names it
    /// "hook", as PUC's CIST_HOOKED on its caller).
    pub hook_frame: usize,
    /// While a call or return hook runs: the values moving into or out of the hooked frame,
    /// as (first local index, count) (getinfo's ftransfer/ntransfer; PUC's transferinfo).
    pub hook_transfer: Option<(usize, usize)>,
    /// While a finalizer runs on this thread: index of its frame (getinfo names it
    /// metamethod "__gc", as PUC's CIST_FIN).
    pub fin_frame: Option<usize>,
    /// pc of the last instruction traced by the line hook in the running function.
    pub oldpc: usize,
    /// The next call hook is for a tail call.
    pub tail_call_pending: bool,
    /// The trace-execution stack (see `jitif::ExecEntry`): never empty, its bottom entry
    /// `Interpreting`.
    pub exec: Vec<crate::jitif::ExecEntry>,
    /// Data the embedding glue keeps per thread, dropped with the thread: the C API keeps
    /// the thread's `lua_State` handle here.
    pub host: Option<Box<dyn std::any::Any>>,
}

pub const HOOK_CALL: u8 = 1;
pub const HOOK_RET: u8 = 2;
pub const HOOK_LINE: u8 = 4;
pub const HOOK_COUNT: u8 = 8;

impl ThreadState {
    pub fn new() -> ThreadState {
        ThreadState {
            stack: vec![Value::Nil; 64],
            top: 0,
            frames: Vec::new(),
            open_upvals: Vec::new(),
            tbc: Vec::new(),
            status: CoStatus::Suspended,
            nny: 0,
            error: None,
            handling_error: false,
            errfunc: None,
            hook: Value::Nil,
            hook_mask: 0,
            base_hook_count: 0,
            hook_count: 0,
            allow_hook: true,
            hook_frame: 0,
            hook_transfer: None,
            fin_frame: None,
            oldpc: 0,
            tail_call_pending: false,
            exec: vec![crate::jitif::ExecEntry::Interpreting],
            host: None,
        }
    }

    /// Make room for `n` more slots above `top`. Returns false on stack overflow
    /// (the caller raises "stack overflow").
    #[inline]
    pub fn ensure(&mut self, n: usize) -> bool {
        let need = self.top + n;
        if need <= self.stack.len() {
            return true;
        }
        self.grow(need)
    }

    /// Is there an open upvalue or a to-be-closed variable at or above stack slot `level`
    /// (something a CLOSE there must close)?
    pub fn close_pending(&self, level: usize) -> bool {
        self.open_upvals
            .last()
            .is_some_and(|u| u.idx.get() >= level)
            || self.tbc.last().is_some_and(|&i| i >= level)
    }

    #[inline]
    pub fn ensure_slot(&mut self, idx: usize) -> bool {
        if idx < self.stack.len() {
            return true;
        }
        self.grow(idx + 1)
    }

    #[cold]
    pub fn grow(&mut self, need: usize) -> bool {
        let limit = if self.handling_error {
            MAX_STACK + ERROR_STACK
        } else {
            MAX_STACK
        };
        if need > limit {
            return false;
        }
        let old = self.stack.as_ptr();
        // Never past the limit: `ensure` trusts the length, so slots beyond MAX_STACK would
        // let ordinary code eat the room a message handler needs after an overflow.
        let newlen = (self.stack.len() * 2).max(need).min(limit);
        // A stack that cannot be allocated fails as a full one does (the caller's error),
        // instead of aborting the process.
        if self
            .stack
            .try_reserve_exact(newlen.saturating_sub(self.stack.len()))
            .is_err()
        {
            return false;
        }
        crate::gc::note_alloc((newlen.saturating_sub(self.stack.len()) * 16) as isize);
        self.stack.resize(newlen, Value::Nil);
        if !std::ptr::eq(old, self.stack.as_ptr()) {
            let base = self.stack.as_mut_ptr();
            for uv in &self.open_upvals {
                // SAFETY: open upvalue indices are below `top`, within the new allocation.
                uv.v.set(unsafe { base.add(uv.idx.get()) });
            }
        }
        true
    }

    /// After an error was caught: give back the room beyond MAX_STACK that the message
    /// handler had (PUC's luaD_shrinkstack), so the next overflow leaves it to its handler too.
    /// The allocation stays, so open upvalues' pointers stay valid.
    pub fn shrink_after_error(&mut self) {
        if self.stack.len() > MAX_STACK && self.top <= MAX_STACK {
            self.stack.truncate(MAX_STACK);
        }
    }

    /// Stack space beyond MAX_STACK for the error handler (Lua's EXTRA_STACK / error handling).
    pub fn grow_for_error(&mut self) {
        let need = (self.top + MIN_STACK * 2).min(MAX_STACK + ERROR_STACK + 200);
        if need > self.stack.len() {
            let old = self.stack.as_ptr();
            crate::gc::note_alloc((need.saturating_sub(self.stack.len()) * 16) as isize);
            self.stack.resize(need, Value::Nil);
            if !std::ptr::eq(old, self.stack.as_ptr()) {
                let base = self.stack.as_mut_ptr();
                for uv in &self.open_upvals {
                    // SAFETY: as in `grow`.
                    uv.v.set(unsafe { base.add(uv.idx.get()) });
                }
            }
        }
    }

    #[inline(always)]
    pub fn push(&mut self, v: Value) {
        if self.top >= self.stack.len() {
            // Natives get MIN_STACK slots on entry; beyond that they must call `ensure`.
            // Growing here keeps a misbehaving native from writing out of bounds.
            self.grow(self.top + 1);
        }
        self.stack[self.top] = v;
        self.top += 1;
    }

    /// Bytes the thread accounts for: its stack (growth is reported through
    /// `gc::note_alloc` as it happens, so the heap's count stays consistent).
    pub fn memory_size(&self) -> usize {
        self.stack.len() * 16
    }

    pub fn trace(&self, m: &mut Marker) {
        for v in &self.stack[..self.top.min(self.stack.len())] {
            m.mark_value(v);
        }
        for f in &self.frames {
            if let Some(c) = f.closure {
                m.mark(c);
            }
        }
        for uv in &self.open_upvals {
            m.mark(*uv);
        }
        if let Some(e) = &self.error {
            m.mark_value(e);
        }
        m.mark_value(&self.hook);
    }
}
