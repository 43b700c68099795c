//! Calls, returns, protected calls, error unwinding and coroutine switching (PUC's ldo).
//!
//! Invariants:
//! - Lua-to-Lua calls made by CALL instructions push a frame and stay in the same run loop;
//!   natives calling Lua (and metamethods) start a nested run loop (`execute`) whose entry
//!   frame is marked `fresh`; returning from a fresh frame ends that loop.
//! - Errors propagate as `Err` through Rust frames; Lua frames stay on the frame stack until
//!   the catcher (`pcall_at`, or `recover` after a resume) unwinds them with `unwind_to`,
//!   closing upvalues and running pending `__close` handlers (which may yield: kind `Closing`,
//!   finished by `finish_pcall_error`).
//! - A yield propagates as `Err(LuaError::Yield)`; the coroutine's frames stay, and `resume`
//!   finishes them later (`unroll`): a returning fresh frame of kind `Meta` finishes the
//!   interrupted instruction, of kind `Protected` finishes the pcall/xpcall native below it,
//!   of kind `Cont` runs the continuation of the native below it (see `call_k`).
//! - Values cross between threads on their stacks, never through a buffer: `resume` moves
//!   the resume arguments from the resumer's top to the coroutine's top; a yielding native
//!   leaves its arguments (the yielded values) at its frame's `base..top`, and a returning
//!   body its results at `0..top`; the resumer then takes them with `xmove_from`.
//! - Continuations (PUC's `lua_callk`): a native that calls Lua and must survive a yield of
//!   its callee (dofile, pairs's `__pairs`) calls it with `call_k(func, nresults, k)` and then
//!   returns `k(state)`. If the callee yields, the native's Rust code is abandoned as the
//!   yield unwinds; after the resume, when the callee returns, `k` runs in the native's frame
//!   (the callee's results on the stack exactly as after `call_k`) and its result count is
//!   the native's. So everything a native does after `call_k` must live in `k`, and any state
//!   it needs must be on the native's stack slots (a `fn` captures nothing).
//! - `nny` (per thread) counts non-yieldable nested calls; `c_depth` (global) counts nested
//!   Rust run loops and is bounded by `MAX_C_DEPTH` ("C stack overflow").

use crate::error::{LuaError, LuaResult};
use crate::gc::Gc;
use crate::object::Thread;
use crate::state::{new_frame, NResults, State, MAX_C_DEPTH};
use crate::thread::{CallKind, CoStatus, MIN_STACK};
use crate::tm::Tm;
use crate::value::Value;

/// Maximum number of frames per thread (beyond it: "stack overflow"). Every frame holds at
/// least its function's stack slot, so this never binds before the stack size limit
/// (`thread::MAX_STACK`, PUC's LUAI_MAXSTACK), which alone decides, as in PUC.
pub const MAX_FRAMES: usize = crate::thread::MAX_STACK;

/// The rest of a native after a yieldable call it made with [`State::call_k`]: runs in the
/// native's frame and returns the native's result count, like the native itself.
pub type Continuation = fn(&mut State) -> NResults;

impl State {
    /// Start a call of `stack[func]` with arguments `stack[func+1..top]`. For a Lua function
    /// pushes its frame and returns `Ok(true)`: the caller runs it. A native runs to
    /// completion here (results placed by `poscall`) and `Ok(false)` is returned.
    /// `precall`, with its commonest case inline: a Lua function called with no hook set
    /// (the interpreter's CALL and TAILCALL).
    #[inline(always)]
    pub(crate) fn precall_fast(
        &mut self,
        func: usize,
        nresults: i32,
        kind: CallKind,
        fresh: bool,
    ) -> LuaResult<bool> {
        let ts = self.ts();
        if let Value::LuaFn(cl) = ts.stack[func] {
            if ts.hook_mask == 0 {
                self.push_lua_frame(cl, func, nresults, kind, fresh)?;
                return Ok(true);
            }
        }
        self.precall(func, nresults, kind, fresh)
    }

    pub(crate) fn precall(
        &mut self,
        func: usize,
        nresults: i32,
        kind: CallKind,
        fresh: bool,
    ) -> LuaResult<bool> {
        let mut f = self.ts().stack[func];
        let mut tries = 0;
        loop {
            let nf = match f {
                Value::LuaFn(cl) => {
                    self.push_lua_frame(cl, func, nresults, kind, fresh)?;
                    let ts = self.ts();
                    if ts.hook_mask != 0 {
                        ts.oldpc = 0;
                        let tail = std::mem::take(&mut ts.tail_call_pending);
                        if let Some(f) = ts.frames.last_mut() {
                            f.tailcalled = tail;
                        }
                        // A vararg function's call hook runs at its VARARGPREP, once the
                        // arguments are in place (as PUC's luaG_tracecall).
                        if ts.hook_mask & crate::thread::HOOK_CALL != 0 && !cl.proto.is_vararg {
                            let event = if tail { "tail call" } else { "call" };
                            self.run_transfer_hook(event, 1, cl.proto.numparams as usize)?;
                        }
                    }
                    return Ok(true);
                }
                Value::LightFn(nf) => nf,
                Value::NativeFn(nc) => nc.f,
                _ => {
                    if tries > 100 {
                        return Err(self.call_error(func, f));
                    }
                    f = self.try_func_tm(func)?;
                    tries += 1;
                    continue;
                }
            };
            return self.call_native(nf, func, nresults, kind).map(|_| false);
        }
    }

    /// `stack[func]` is not a function: insert its __call metamethod below it (the original
    /// object becomes the first argument) and return the metamethod, or raise the call error.
    pub(crate) fn try_func_tm(&mut self, func: usize) -> LuaResult<Value> {
        let f = self.ts().stack[func];
        let tm = self.get_tm(&f, Tm::Call);
        if tm.is_nil() {
            return Err(self.call_error(func, f));
        }
        let ts = self.ts();
        if !ts.ensure(1) {
            return Err(self.stack_overflow());
        }
        let top = ts.top;
        ts.stack.copy_within(func..top, func + 1);
        ts.stack[func] = tm;
        ts.top += 1;
        Ok(tm)
    }

    /// Push the frame of Lua closure `cl` at `func` (arguments up to `top`): missing
    /// parameters become nil, `top` becomes the register limit (or the end of the arguments
    /// for a vararg function, which VARARGPREP then rearranges).
    #[inline(always)]
    pub(crate) fn push_lua_frame(
        &mut self,
        cl: crate::gc::Gc<crate::object::LuaClosure>,
        func: usize,
        nresults: i32,
        kind: CallKind,
        fresh: bool,
    ) -> LuaResult<()> {
        let ts = self.ts();
        // (A message handler may go MAX_FRAMES + 100 deep; tested only past MAX_FRAMES.)
        let depth = ts.frames.len();
        if depth >= MAX_FRAMES && (!ts.handling_error || depth >= MAX_FRAMES + 100) {
            std::hint::cold_path();
            return Err(self.stack_overflow());
        }
        let (top, nextra) = self.adjust_lua_args(cl, func)?;
        let mut fr = new_frame(func, func + 1, nresults, kind);
        fr.closure = Some(cl);
        fr.top = top;
        fr.nextra = nextra as u32;
        fr.fresh = fresh;
        self.ts().frames.push(fr);
        Ok(())
    }

    /// The arguments of a call of Lua closure `cl` at `func` (up to `top`) as its frame
    /// needs them: room for its registers, missing parameters nil, `top` at the register
    /// limit (or, for a vararg function, at the end of the arguments, for VARARGPREP).
    /// Returns the frame's register limit and its count of extra arguments.
    #[inline(always)]
    fn adjust_lua_args(
        &mut self,
        cl: crate::gc::Gc<crate::object::LuaClosure>,
        func: usize,
    ) -> LuaResult<(usize, usize)> {
        let ts = self.ts();
        let nargs = ts.top - func - 1;
        let nparams = cl.numparams as usize;
        let need = func + 1 + nargs.max(nparams) + cl.maxstacksize as usize + MIN_STACK;
        if need > ts.stack.len() && !ts.ensure_slot(need) {
            std::hint::cold_path();
            return Err(self.stack_overflow());
        }
        for i in nargs..nparams {
            ts.stack[func + 1 + i] = Value::Nil;
        }
        let top = func + 1 + cl.maxstacksize as usize;
        ts.top = if cl.is_vararg {
            func + 1 + nargs.max(nparams)
        } else {
            top
        };
        Ok((top, nargs.saturating_sub(nparams)))
    }

    /// A tail call of Lua closure `cl`: the top frame (the caller's) becomes `cl`'s frame,
    /// whose function and arguments were moved to `func` (the caller's function slot) up
    /// to `top`. Keeps what belongs to the call site (results wanted, kind, fresh, handler).
    #[inline(always)]
    pub(crate) fn reuse_lua_frame(
        &mut self,
        cl: crate::gc::Gc<crate::object::LuaClosure>,
        func: usize,
    ) -> LuaResult<()> {
        let (top, nextra) = self.adjust_lua_args(cl, func)?;
        let fr = self.ts().frames.last_mut().expect("a frame to reuse");
        debug_assert_eq!(fr.func, func);
        fr.closure = Some(cl);
        fr.base = func + 1;
        fr.top = top;
        fr.pc = 0;
        fr.nextra = nextra as u32;
        fr.tailcalled = true;
        Ok(())
    }

    // (Inlined into precall, with native_return: a native call is one function call deep.)
    #[inline(always)]
    fn call_native(
        &mut self,
        nf: crate::object::NativeFn,
        func: usize,
        nresults: i32,
        kind: CallKind,
    ) -> LuaResult<()> {
        let ts = self.ts();
        // (A message handler may go MAX_FRAMES + 100 deep; tested only past MAX_FRAMES.)
        let depth = ts.frames.len();
        if (depth >= MAX_FRAMES && (!ts.handling_error || depth >= MAX_FRAMES + 100))
            || (ts.top + MIN_STACK > ts.stack.len() && !ts.ensure(MIN_STACK))
        {
            std::hint::cold_path();
            return Err(self.stack_overflow());
        }
        let mut fr = new_frame(func, func + 1, nresults, kind);
        fr.top = ts.top + MIN_STACK;
        ts.frames.push(fr);
        if ts.hook_mask & crate::thread::HOOK_CALL != 0 {
            std::hint::cold_path();
            let tail = std::mem::take(&mut self.ts().tail_call_pending);
            if let Some(f) = self.ts().frames.last_mut() {
                f.tailcalled = tail;
            }
            let event = if tail { "tail call" } else { "call" };
            let nargs = self.ts().top - (func + 1);
            self.run_transfer_hook(event, 1, nargs)?;
        }
        let n = nf(self)?;
        if self.heap.over_limit {
            std::hint::cold_path();
            self.native_memory_check()?;
        }
        self.native_return(n)
    }

    /// An allocation crossed `LUA_MEMLIMIT` while a native ran (say `string.rep` built a
    /// huge string) and no safepoint has reported it yet: collect, and if that does not
    /// help, the native fails with "not enough memory", as its allocation would have failed
    /// in PUC. Raised here, inside the native's frame, the error is caught by the protected
    /// call around it (`pcall(string.rep, "x", 2e8)`), not by one around the caller's next
    /// safepoint. The native's results are on the stack (below `top`), so they stay rooted
    /// during the collection.
    #[cold]
    fn native_memory_check(&mut self) -> LuaResult<()> {
        self.heap.over_limit = false;
        if self.heap.total_bytes() <= self.heap.memory_limit {
            return Ok(());
        }
        self.full_gc();
        if self.out_of_memory() {
            return Err(self.error_msg("not enough memory"));
        }
        Ok(())
    }

    /// A native (its frame on top) returns its `n` results (PUC's rethook + poscall).
    #[inline(always)]
    fn native_return(&mut self, n: usize) -> LuaResult<()> {
        let ts = self.ts();
        if ts.hook_mask & crate::thread::HOOK_RET != 0 {
            std::hint::cold_path();
            let base = ts.frames.last().map_or(0, |f| f.base);
            let first = ts.top - n - base + 1;
            self.run_transfer_hook("return", first, n)?;
        }
        self.poscall(n);
        self.trace_after_return();
        Ok(())
    }

    /// After a return with hooks on (even if the callee just set them): a Lua caller's line
    /// tracing continues from its calling instruction, so the rest of that line gives no new
    /// line event (PUC's rethook).
    #[inline]
    pub(crate) fn trace_after_return(&mut self) {
        let ts = self.ts();
        if ts.hook_mask != 0 {
            if let Some(caller) = ts.frames.last() {
                if caller.closure.is_some() {
                    ts.oldpc = caller.pc.saturating_sub(1);
                }
            }
        }
    }

    /// Pop the top frame, moving its `n` results (at `top - n .. top`) to its function slot,
    /// adjusted to the number of results the caller wanted (all if -1: top marks the end).
    #[inline]
    pub(crate) fn poscall(&mut self, n: usize) {
        let ts = self.ts();
        let fr = ts.frames.pop().expect("poscall with a frame");
        let first = ts.top - n;
        let dst = fr.func;
        let wanted = fr.nresults;
        let m = if wanted < 0 {
            n
        } else {
            n.min(wanted as usize)
        };
        // Results move down (dst <= first), one by one and field by field: result counts are
        // small, and a memmove call or 16-byte copies would cost more than the loop.
        let sp = ts.stack.as_mut_ptr();
        debug_assert!(dst <= first && first + n <= ts.stack.len());
        for i in 0..m {
            // SAFETY: first + n <= top <= stack.len(), and dst + i < first + i (moving down).
            unsafe { Value::store(sp.add(dst + i), Value::load(sp.add(first + i))) };
        }
        if wanted < 0 {
            ts.top = dst + n;
        } else {
            let wanted = wanted as usize;
            for i in m..wanted {
                ts.stack[dst + i] = Value::Nil;
            }
            ts.top = dst + wanted;
        }
    }

    /// Call `stack[func]` with args up to `top` from Rust, not yieldable. Results are left at
    /// `func..top` (`nresults` of them, or all if -1).
    pub fn call_at(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        self.ts().nny += 1;
        let r = self.call_at_k(func, nresults, CallKind::Normal);
        self.ts().nny -= 1;
        r
    }

    /// Call `stack[func]` with args up to `top` from the running native, yieldable when the
    /// thread is: if the callee yields, `k` finishes the native after the resume (module
    /// doc). The native must return `k(self)` right after this returns. In a non-yieldable
    /// context this is `call_at`.
    pub fn call_k(&mut self, func: usize, nresults: i32, k: Continuation) -> LuaResult<()> {
        let ts = self.ts();
        match ts.frames.last_mut() {
            Some(fr) if fr.closure.is_none() && ts.nny == 0 => fr.cont = Some(k),
            _ => return self.call_at(func, nresults),
        }
        self.call_at_k(func, nresults, CallKind::Cont)
    }

    /// Call with a given kind; runs a nested loop for Lua functions.
    pub(crate) fn call_at_k(
        &mut self,
        func: usize,
        nresults: i32,
        kind: CallKind,
    ) -> LuaResult<()> {
        if self.c_depth >= MAX_C_DEPTH {
            return Err(self.c_stack_overflow());
        }
        self.c_depth += 1;
        let r = match self.precall_fast(func, nresults, kind, true) {
            Ok(true) => self.execute().map(|_| ()),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        self.c_depth -= 1;
        r
    }

    /// Call `f(args...)` from Rust (non-yieldable) and return its results.
    pub fn call_value(&mut self, f: Value, args: &[Value], nresults: i32) -> LuaResult<Vec<Value>> {
        let func = self.push_call(f, args)?;
        self.call_at(func, nresults)?;
        let ts = self.ts();
        let res = ts.stack[func..ts.top].to_vec();
        ts.top = func;
        Ok(res)
    }

    // (Inlined: callers pass a few arguments, whose copy then needs no memcpy call.)
    #[inline(always)]
    fn push_call(&mut self, f: Value, args: &[Value]) -> LuaResult<usize> {
        let ts = self.ts();
        if !ts.ensure(args.len() + 1 + MIN_STACK) {
            return Err(self.stack_overflow());
        }
        let func = ts.top;
        ts.stack[func] = f;
        ts.stack[func + 1..func + 1 + args.len()].copy_from_slice(args);
        ts.top = func + 1 + args.len();
        Ok(func)
    }

    /// Call a metamethod on behalf of the running code. When the caller is a Lua frame (an
    /// instruction), the call is yieldable and kind `Meta`; from a native it is an ordinary
    /// non-yieldable call. Results are left at the returned slot.
    #[inline(always)]
    pub(crate) fn call_meta(
        &mut self,
        f: Value,
        args: &[Value],
        nresults: i32,
    ) -> LuaResult<usize> {
        let from_lua = self
            .ts()
            .frames
            .last()
            .is_some_and(|fr| fr.closure.is_some());
        let func = self.push_call(f, args)?;
        if from_lua {
            self.call_at_k(func, nresults, CallKind::Meta)?;
        } else {
            self.call_at(func, nresults)?;
        }
        Ok(func)
    }

    /// Call a metamethod and return its first result (stack top restored).
    pub(crate) fn call_meta1(&mut self, f: Value, args: &[Value]) -> LuaResult<Value> {
        let func = self.call_meta(f, args, 1)?;
        let ts = self.ts();
        let v = ts.stack[func];
        ts.top = func;
        self.restore_lua_top();
        Ok(v)
    }

    /// Non-yieldable variant for library code (e.g. tostring from print).
    pub(crate) fn call_meta1_nested(&mut self, f: Value, args: &[Value]) -> LuaResult<Value> {
        let r = self.call_value(f, args, 1)?;
        Ok(r.first().copied().unwrap_or(Value::Nil))
    }

    /// After a nested call from an instruction, the Lua frame's top is its register limit.
    #[inline]
    pub(crate) fn restore_lua_top(&mut self) {
        let ts = self.ts();
        if let Some(fr) = ts.frames.last() {
            if fr.closure.is_some() {
                ts.top = fr.top;
            }
        }
    }

    // ----- errors -----

    pub(crate) fn stack_overflow(&mut self) -> LuaError {
        self.ts().grow_for_error();
        self.lua_rt_error("stack overflow")
    }

    pub(crate) fn c_stack_overflow(&mut self) -> LuaError {
        self.lua_rt_error("C stack overflow")
    }

    /// "attempt to call a X value (...)": named after how the running Lua code made the
    /// call (PUC's luaG_callerror / funcnamefromcall), else after the slot.
    fn call_error(&mut self, func: usize, f: Value) -> LuaError {
        if let Some((kind, name)) = crate::debug::calling_name(self) {
            let t = self.obj_typename(&f);
            let head = format!("attempt to call a {t} value ({kind} '");
            return self.lua_rt_error([head.as_bytes(), &name, b"')"].concat());
        }
        let slot = crate::debug::slot_of_stack(self, func);
        self.type_error(&f, "call", slot, None)
    }

    /// Protected call of `stack[func]` (args up to top). On error, the message handler at
    /// stack slot `handler` (if any) runs first, then frames above are unwound and the
    /// error value returned. Results on success as `call_at`.
    /// The outer `Err` is only ever a yield (which passes through protected calls).
    /// When the thread is yieldable, a yield inside (or inside a `__close` handler run after
    /// an error) is finished after the resume by `after_return`, which assumes the caller is
    /// pcall/xpcall: callee at its `base` (pcall) or `base + 1`, the handler at `base`
    /// (xpcall). Any other caller must make the call non-yieldable (`nny`).
    pub fn pcall_at(
        &mut self,
        func: usize,
        nresults: i32,
        handler: Option<usize>,
    ) -> LuaResult<Result<(), Value>> {
        let nframes = self.ts().frames.len();
        let nny = self.ts().nny;
        let depth = self.c_depth;
        let errfunc = std::mem::replace(&mut self.ts().errfunc, handler);
        let r = self.call_at_k_protected(func, nresults, handler);
        self.ts().errfunc = errfunc;
        match r {
            Ok(()) => Ok(Ok(())),
            Err(LuaError::Yield) => Err(LuaError::Yield),
            Err(LuaError::Error(v)) => {
                let v = match handler {
                    Some(h) => self.call_handler(h, v),
                    None => v,
                };
                self.c_depth = depth;
                self.ts().nny = nny;
                let v = self.unwind_to(nframes, func, handler, v)?;
                self.ts().top = func;
                self.ts().shrink_after_error();
                Ok(Err(v))
            }
        }
    }

    fn call_at_k_protected(
        &mut self,
        func: usize,
        nresults: i32,
        handler: Option<usize>,
    ) -> LuaResult<()> {
        if self.c_depth >= MAX_C_DEPTH {
            return Err(self.c_stack_overflow());
        }
        self.c_depth += 1;
        let r = match self.precall(func, nresults, CallKind::Protected, true) {
            Ok(true) => {
                if let Some(fr) = self.ts().frames.last_mut() {
                    fr.set_handler(handler);
                }
                self.execute().map(|_| ())
            }
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        self.c_depth -= 1;
        r
    }

    /// Run the message handler on error value `v` (with the erroring frames still present).
    pub(crate) fn call_handler(&mut self, h: usize, v: Value) -> Value {
        let hv = self.ts().stack[h];
        let was = self.ts().handling_error;
        self.ts().handling_error = true;
        let r = self.call_handler_inner(hv, v);
        self.ts().handling_error = was;
        r
    }

    fn call_handler_inner(&mut self, hv: Value, v: Value) -> Value {
        let mut v = v;
        // A handler that errors is called again on its own error, as PUC does, up to a limit.
        for _ in 0..8 {
            let nny = self.ts().nny;
            let depth = self.c_depth;
            let nframes = self.ts().frames.len();
            let top = self.ts().top;
            match self.call_value(hv, &[v], 1) {
                Ok(r) => return r.first().copied().unwrap_or(Value::Nil),
                Err(LuaError::Error(e)) => {
                    self.c_depth = depth;
                    self.ts().nny = nny;
                    self.ts().frames.truncate(nframes);
                    self.ts().top = top;
                    v = e;
                }
                Err(LuaError::Yield) => return v,
            }
        }
        self.str_value("error in error handling")
    }

    /// Unwind the frames above `nframes`, closing upvalues and to-be-closed variables at or
    /// above stack slot `level` with error `err`. Returns the final error value: a __close
    /// handler's error replaces it, after going through the message handler at slot
    /// `handler` (as in PUC, where it stays set while closing). In a yieldable thread the
    /// handlers may yield (calls of kind `Closing`; the caller is then pcall/xpcall).
    pub(crate) fn unwind_to(
        &mut self,
        nframes: usize,
        level: usize,
        handler: Option<usize>,
        err: Value,
    ) -> LuaResult<Value> {
        // The erroring frames go first (as PUC's luaD_pcall restores the CallInfo before
        // closing): a __close handler runs as a call from the protected caller. The stack
        // values above `level` stay untouched (top is not lowered yet) while handlers run.
        self.ts().frames.truncate(nframes);
        self.close_upvals(level);
        let depth = self.c_depth;
        let nny = self.ts().nny;
        let kind = (nny == 0).then_some(CallKind::Closing);
        let mut err = err;
        loop {
            match self.close_tbc_in(level, Some(err), kind) {
                Ok(()) => return Ok(err),
                Err(LuaError::Error(e)) => {
                    err = match handler {
                        Some(h) => self.call_handler(h, e),
                        None => e,
                    };
                    // The failed handler's frames go before the next handler runs.
                    self.c_depth = depth;
                    self.ts().nny = nny;
                    self.ts().frames.truncate(nframes);
                }
                Err(LuaError::Yield) => return Err(LuaError::Yield),
            }
        }
    }

    // ----- upvalues and to-be-closed variables -----

    pub(crate) fn find_upval(&mut self, idx: usize) -> Gc<crate::object::UpVal> {
        let ts = self.cur.st();
        let mut pos = ts.open_upvals.len();
        while pos > 0 {
            let u = ts.open_upvals[pos - 1];
            let ui = u.idx.get();
            if ui == idx {
                return u;
            }
            if ui < idx {
                break;
            }
            pos -= 1;
        }
        let ptr = &raw mut ts.stack[idx];
        let uv = self.heap.alloc(crate::object::UpVal {
            v: std::cell::Cell::new(ptr),
            idx: std::cell::Cell::new(idx),
            closed: std::cell::UnsafeCell::new(Value::Nil),
            barrier: std::cell::Cell::new(std::ptr::null()),
        });
        self.cur.st().open_upvals.insert(pos, uv);
        uv
    }

    pub(crate) fn close_upvals(&mut self, level: usize) {
        let ts = self.ts();
        while let Some(u) = ts.open_upvals.last() {
            if u.idx.get() < level {
                break;
            }
            let u = ts.open_upvals.pop().expect("checked");
            u.close();
        }
    }

    /// Call pending `__close` handlers for variables at or above `level`, newest first.
    /// `err` is the error being propagated (None on normal exit: handlers get nil).
    pub(crate) fn close_tbc(&mut self, level: usize, err: Option<Value>) -> LuaResult<()> {
        self.close_tbc_in(level, err, None)
    }

    /// `close_tbc` on a normal exit, for the CLOSE and RETURN instructions of the running
    /// Lua frame: a handler may yield (kind `Meta`); `finish_op` then makes the instruction
    /// run again after the resume, closing the variables still pending.
    pub(crate) fn close_tbc_yieldable(&mut self, level: usize) -> LuaResult<()> {
        self.close_tbc_in(level, None, Some(CallKind::Meta))
    }

    /// Handlers are called non-yieldably, or yieldably as calls of `kind`.
    fn close_tbc_in(
        &mut self,
        level: usize,
        err: Option<Value>,
        kind: Option<CallKind>,
    ) -> LuaResult<()> {
        while let Some(&slot) = self.ts().tbc.last() {
            if slot < level {
                break;
            }
            self.ts().tbc.pop();
            let obj = self.ts().stack[slot];
            // Checked when marked; if the metamethod was removed since, calling nil raises
            // "attempt to call a nil value (metamethod 'close')", as in PUC.
            let tm = self.get_tm(&obj, Tm::Close);
            let e = err.unwrap_or(Value::Nil);
            // Keep the frames' values below the call: run the handler above the current top,
            // with the error object rooted in a slot under it (as PUC's prepcallclosemth):
            // the handler may collect garbage, and the next handler gets the same object.
            let top = self.ts().top.max(slot + 1);
            if !self.ts().ensure_slot(top + 1 + MIN_STACK) {
                return Err(self.stack_overflow());
            }
            let ts = self.ts();
            ts.stack[top] = e;
            ts.top = top + 1;
            if let Some(kind) = kind {
                let func = self.push_call(tm, &[obj, e])?;
                self.call_at_k(func, 0, kind)?;
            } else {
                self.call_value(tm, &[obj, e], 0)?;
            }
            self.ts().top = top;
        }
        Ok(())
    }

    // ----- coroutines -----

    /// Resume coroutine `co` with the `nargs` values on top of the running thread's stack,
    /// which move to the coroutine (PUC's lua_xmove + lua_resume). Ok(n): the coroutine
    /// yielded or returned `n` values, left on top of its stack: the caller takes them with
    /// [`State::xmove_from`]. Err: the error value (the coroutine died, or could not be
    /// resumed: then it is left as it was).
    pub fn resume(&mut self, co: Gc<Thread>, nargs: usize) -> Result<usize, Value> {
        let cst = co.st();
        if co.ptr_eq(self.cur)
            || cst.status != CoStatus::Suspended
            || self.c_depth >= MAX_C_DEPTH - 10
            || !cst.ensure(nargs + MIN_STACK)
        {
            std::hint::cold_path();
            return Err(self.resume_error(co));
        }
        let ts = self.ts();
        let from = ts.top - nargs;
        let args = &ts.stack[from..ts.top];
        // Where the arguments go. Suspended in a yield called by a Lua CALL (the usual case)
        // and no hooks: straight to the yield's result slots, doing at once what
        // `native_return` (the yield returning them) and `after_return` would do. Otherwise
        // onto the coroutine's top (the body's arguments, or results for `native_return`).
        let placed = match cst.frames.last() {
            Some(fr) if fr.kind == CallKind::Normal && cst.hook_mask == 0 => {
                let (dst, wanted) = (fr.func, fr.nresults);
                cst.frames.pop();
                // (ensured above: dst + nargs < top + nargs; a Lua caller's registers hold
                // the `wanted` results.)
                if wanted < 0 {
                    move_vals(&mut cst.stack[dst..dst + nargs], args);
                    cst.top = dst + nargs;
                } else {
                    let wanted = wanted as usize;
                    let m = nargs.min(wanted);
                    move_vals(&mut cst.stack[dst..dst + m], &args[..m]);
                    cst.stack[dst + m..dst + wanted].fill(Value::Nil);
                    cst.top = match cst.frames.last() {
                        Some(caller) if caller.closure.is_some() => caller.top,
                        _ => dst + wanted,
                    };
                }
                true
            }
            _ => {
                let to = cst.top;
                move_vals(&mut cst.stack[to..to + nargs], args);
                cst.top = to + nargs;
                false
            }
        };
        ts.top = from;

        let prev = self.cur;
        ts.status = CoStatus::Normal;
        cst.status = CoStatus::Running;
        self.cur = co;
        self.c_depth += 1;
        let r = self.resume_inner(nargs, placed);
        self.c_depth -= 1;
        self.cur = prev;
        prev.st().status = CoStatus::Running;
        let cst = co.st();
        match r {
            Ok(()) => {
                // The body returned: its results are the whole stack (from its slot 0).
                cst.status = CoStatus::Dead;
                Ok(cst.top)
            }
            Err(LuaError::Yield) => {
                // The yield native's arguments (its frame stays on top) are the values.
                cst.status = CoStatus::Suspended;
                let base = cst.frames.last().map_or(cst.top, |f| f.base);
                Ok(cst.top - base)
            }
            Err(LuaError::Error(v)) => {
                cst.status = CoStatus::Dead;
                cst.error = Some(v);
                Err(v)
            }
        }
    }

    /// Why `co` cannot be resumed (`resume`'s checks).
    #[cold]
    fn resume_error(&mut self, co: Gc<Thread>) -> Value {
        let cst = co.st();
        let msg = if co.ptr_eq(self.cur) || cst.status != CoStatus::Suspended {
            if !co.ptr_eq(self.cur) && cst.status == CoStatus::Dead {
                "cannot resume dead coroutine"
            } else {
                "cannot resume non-suspended coroutine"
            }
        } else if self.c_depth >= MAX_C_DEPTH - 10 {
            "C stack overflow"
        } else {
            // (`ensure(nargs + MIN_STACK)` failed)
            "too many arguments to resume"
        };
        self.str_value(msg)
    }

    /// Move the `n` values on top of thread `from`'s stack onto the running thread's stack
    /// (PUC's lua_xmove). The running thread must have room for them (`ensure`) and differ
    /// from `from`.
    #[inline]
    pub fn xmove_from(&mut self, from: Gc<Thread>, n: usize) {
        debug_assert!(!from.ptr_eq(self.cur));
        let fst = from.st();
        let ts = self.ts();
        let src = fst.top - n;
        let dst = ts.top;
        move_vals(&mut ts.stack[dst..dst + n], &fst.stack[src..fst.top]);
        ts.top = dst + n;
        fst.top = src;
    }

    /// Run the resumed coroutine (now the running thread) until it returns, yields or fails:
    /// its `nargs` arguments are on top of its stack, or already placed as the results of the
    /// yield it was suspended in (`placed`).
    #[inline(always)]
    fn resume_inner(&mut self, nargs: usize, placed: bool) -> LuaResult<()> {
        let r = if placed {
            self.unroll()
        } else {
            self.resume_start(nargs)
        };
        match r {
            Err(LuaError::Error(v)) => self.resume_recover(v),
            other => other,
        }
    }

    /// `resume_inner` when the arguments are still on top of the stack: a first resume, or
    /// one that goes through `native_return` (hooks, a yield called by `call_k`).
    #[inline(never)]
    fn resume_start(&mut self, nargs: usize) -> LuaResult<()> {
        let ts = self.ts();
        if ts.frames.is_empty() {
            // First resume: the body function is at slot 0.
            match self.precall(0, -1, CallKind::Normal, true) {
                Ok(true) => self.execute().map(|_| ()),
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            }
        } else {
            // Suspended in a yield: the top frame is the yielding native; the resume args
            // are its results.
            let (kind, nres) = ts
                .frames
                .last()
                .map(|f| (f.kind, f.nresults))
                .unwrap_or((CallKind::Normal, -1));
            self.native_return(nargs)
                .and_then(|()| self.after_return(kind, nres))
                .and_then(|()| self.unroll())
        }
    }

    /// An error `v` escaped the resumed coroutine's run: if a pcall/xpcall of the coroutine
    /// is pending, it catches the error and the coroutine goes on (PUC's precover).
    #[cold]
    #[inline(never)]
    fn resume_recover(&mut self, v: Value) -> LuaResult<()> {
        let mut r = Err(LuaError::Error(v));
        loop {
            match r {
                Err(LuaError::Error(v)) => match self.find_pcall() {
                    Some(i) => r = self.recover(i, v).and_then(|()| self.unroll()),
                    None => return Err(LuaError::Error(v)),
                },
                other => return other,
            }
        }
    }

    /// For a JIT calling an event handler from inside the interpreter loop (between two
    /// instructions of the running frame): `f(args)` runs above the frame's registers,
    /// protected and not yieldable; an error is dropped, as LuaJIT drops errors in its
    /// event handlers. The stack top is left as it was.
    pub fn jit_call_handler(&mut self, f: Value, args: &[Value]) {
        let ts = self.ts();
        let top = ts.top;
        if let Some(fr) = ts.frames.last() {
            if fr.closure.is_some() && ts.top < fr.top {
                ts.top = fr.top;
            }
        }
        ts.nny += 1;
        if let Ok(func) = self.push_call(f, args) {
            let _ = self.pcall_at(func, 0, None);
        }
        let ts = self.ts();
        ts.nny -= 1;
        ts.top = top;
    }

    /// A trace's call-out of a TAILCALL by the top frame (the JIT restored the frame at the
    /// instruction after it), as the interpreter's: `__call` resolved first; a native runs
    /// above the frame, which then returns its results to its own caller (if the native
    /// yields, the frame stays, and after the resume the RETURN that follows its TAILCALL
    /// returns them); a Lua function replaces the frame (`tailcalled`) and runs in a nested
    /// run loop until it returns, its return being the frame's. Either way the frame is
    /// gone afterwards and its results are at its function slot.
    pub fn jit_tail_call(&mut self, func: usize) -> LuaResult<()> {
        while !self.ts().stack[func].is_function() {
            self.try_func_tm(func)?;
        }
        if !matches!(self.ts().stack[func], Value::LuaFn(_)) {
            self.jit_call(func, -1)?;
            let n = self.ts().top - func;
            self.poscall(n);
            return Ok(());
        }
        let ts = self.ts();
        let me = *ts.frames.last().expect("the calling frame");
        let nvals = ts.top - func;
        ts.stack.copy_within(func..func + nvals, me.func);
        ts.top = me.func + nvals;
        ts.frames.pop();
        if self.precall_fast(me.func, me.nresults, me.kind, true)? {
            let nf = self.ts().frames.last_mut().expect("pushed");
            nf.handler_slot = me.handler_slot;
            nf.tailcalled = true;
            self.execute()?;
        }
        Ok(())
    }

    /// A trace's call-out of a RETURN that closes variables (upvalues, to-be-closed
    /// variables), by the top frame, a Lua frame called from a Lua frame (the JIT restored
    /// both, the top one at the instruction after its RETURN): as the interpreter's general
    /// return path runs it, `__close` handlers yieldable (after a resume the RETURN runs
    /// again, as the interpreter's would). The frame is gone afterwards and its results
    /// are at its function slot, as its caller wanted them.
    pub fn jit_return_op(&mut self) -> LuaResult<()> {
        let fr = *self.ts().frames.last().expect("the returning frame");
        let Some(cl) = fr.closure else {
            return Err(self.error_msg("internal JIT error: call-out of a native return"));
        };
        self.return_general(cl.proto.code[fr.pc - 1])?;
        self.after_lua_return(fr.nresults);
        Ok(())
    }

    /// The top Lua frame (its pc saved, after `i`) executes its return instruction `i`
    /// through the general path: what it closes closed (`__close` handlers yieldable: after
    /// a resume the instruction runs again), the return hook, the results moved to its
    /// function slot and the frame popped. Gives the frame that returned.
    pub(crate) fn return_general(
        &mut self,
        i: crate::opcodes::Instr,
    ) -> LuaResult<crate::thread::Frame> {
        let ts = self.ts();
        let base = ts.frames.last().expect("the returning frame").base;
        let a = i.a();
        let n = match i.op() {
            crate::opcodes::Op::Return0 => 0,
            crate::opcodes::Op::Return1 => 1,
            _ if i.b() != 0 => i.b() - 1,
            _ => ts.top - (base + a),
        };
        ts.top = base + a + n;
        if i.op() == crate::opcodes::Op::Return && i.k() {
            self.close_upvals(base);
            self.close_tbc_yieldable(base)?;
            self.ts().top = base + a + n;
        }
        if self.ts().hook_mask & crate::thread::HOOK_RET != 0 {
            self.run_transfer_hook("return", a + 1, n)?;
            self.ts().top = base + a + n;
        }
        let me = *self.ts().frames.last().expect("the returning frame");
        self.poscall(n);
        self.trace_after_return();
        Ok(me)
    }

    /// A trace's call-out of a CALL instruction (the JIT restored the frame at the
    /// instruction after it): call `stack[func]` with the arguments up to `top` in a nested
    /// run loop, as OP_CALL would in the running one. Results are left at `func..top`
    /// (`nresults` of them, or all if -1). Yieldable: after a resume, the frame's return
    /// completes the CALL as the instruction would have. The nesting is not a C call for
    /// the C-stack limit (PUC makes none); the JIT bounds it.
    pub fn jit_call(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        match self.precall_fast(func, nresults, CallKind::Normal, true) {
            Ok(true) => self.execute().map(|_| ()),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// For a JIT that left compiled code in the middle of `n` metamethod calls (it rebuilt
    /// their frames as fresh `Meta` frames, as a yield leaves them): run each of them to its
    /// return and finish the instruction that called it, innermost first, as `unroll`
    /// does after a resume. A yield inside is a yield from these frames (they resume the
    /// same way).
    pub fn jit_finish_meta_calls(&mut self, n: usize) -> LuaResult<()> {
        for _ in 0..n {
            if self.c_depth >= MAX_C_DEPTH {
                return Err(self.c_stack_overflow());
            }
            self.c_depth += 1;
            let r = self.execute();
            self.c_depth -= 1;
            let (kind, nres) = r?;
            self.after_return(kind, nres)?;
        }
        Ok(())
    }

    /// Finish frames left by a previous yield until the coroutine's body returns.
    fn unroll(&mut self) -> LuaResult<()> {
        loop {
            let ts = self.ts();
            match ts.frames.last() {
                None => return Ok(()),
                Some(fr) if fr.closure.is_some() => {
                    let (kind, nres) = self.execute()?;
                    self.after_return(kind, nres)?;
                }
                Some(_) => {
                    // A native frame can only be on top here if it is pcall/xpcall waiting for
                    // its protected callee, which `after_return` finishes; anything else is a
                    // native that yielded without continuation support.
                    return Err(self.error_msg("attempt to yield across a C-call boundary"));
                }
            }
        }
    }

    /// A frame of `kind` just returned (results placed, `nres` of them wanted) outside of its
    /// Rust caller: finish whatever was waiting for it.
    fn after_return(&mut self, kind: CallKind, nres: i32) -> LuaResult<()> {
        match kind {
            CallKind::Normal => {
                // Completes a CALL of the Lua frame below, as the instruction would have.
                self.after_lua_return(nres);
                Ok(())
            }
            CallKind::Meta => self.finish_op(),
            CallKind::Cont => self.finish_native(),
            CallKind::Closing => {
                // A __close handler run by a failed pcall/xpcall yielded and now returned;
                // the error is in the slot under its function (`close_tbc_in`).
                let ts = self.ts();
                ts.top -= 1;
                let err = ts.stack[ts.top];
                self.finish_pcall_error(err)
            }
            CallKind::Protected => {
                // The frame below is pcall/xpcall; its callee's results are at its base (pcall)
                // or base+1 (xpcall) up to top. Prepend `true` and return them.
                let ts = self.ts();
                let fr = *ts.frames.last().expect("pcall frame");
                let first = fr.base;
                if fr.handler().is_some() {
                    // xpcall: the handler sat at `first`, the results start just above it.
                    ts.stack[first] = Value::Bool(true);
                } else {
                    ts.stack.copy_within(first..ts.top, first + 1);
                    ts.top += 1;
                    ts.stack[first] = Value::Bool(true);
                }
                let n = ts.top - first;
                let (kind, nres) = (fr.kind, fr.nresults);
                self.poscall(n);
                self.after_return(kind, nres)
            }
        }
    }

    /// The top frame is a native whose `call_k` callee just returned after a resume: run its
    /// continuation, return its results and finish what called the native.
    fn finish_native(&mut self) -> LuaResult<()> {
        let fr = *self
            .ts()
            .frames
            .last()
            .expect("native frame under a Cont call");
        let Some(k) = fr.cont.filter(|_| fr.closure.is_none()) else {
            // Unreachable by construction (only call_k makes Cont calls); fail as PUC would.
            return Err(self.error_msg("attempt to yield across a C-call boundary"));
        };
        let n = k(self)?;
        self.native_return(n)?;
        self.after_return(fr.kind, fr.nresults)
    }

    /// The innermost frame called by a pcall/xpcall native that is still running (its
    /// protected callee, or a `__close` handler it runs after an error), if any.
    fn find_pcall(&self) -> Option<usize> {
        let i = self
            .ts()
            .frames
            .iter()
            .rposition(|f| matches!(f.kind, CallKind::Protected | CallKind::Closing))?;
        // Index 0 has no native below it: nothing can catch there.
        (i > 0).then_some(i)
    }

    /// After an error `err` in a resumed coroutine with no Rust catcher, under the frame at
    /// `i` (from `find_pcall`): unwind to the pcall/xpcall native below it and make it return
    /// (false, err), as PUC's precover.
    fn recover(&mut self, i: usize, err: Value) -> LuaResult<()> {
        let nf = self.ts().frames[i - 1];
        let err = match nf.handler() {
            Some(h) => self.call_handler(h, err),
            None => err,
        };
        self.ts().frames.truncate(i);
        self.finish_pcall_error(err)
    }

    /// The top frame is a pcall/xpcall native whose protected call failed with `err` (the
    /// callee's frames are gone): close what is pending (this may yield again), return
    /// (false, err) from the native and finish what called it.
    fn finish_pcall_error(&mut self, err: Value) -> LuaResult<()> {
        let ts = self.ts();
        let nf = *ts.frames.last().expect("pcall native frame");
        let level = nf.base + usize::from(nf.handler().is_some());
        let err = self.unwind_to(ts.frames.len(), level, nf.handler(), err)?;
        let ts = self.ts();
        ts.top = nf.base;
        ts.push(Value::Bool(false));
        ts.push(err);
        self.poscall(2);
        self.after_return(nf.kind, nf.nresults)
    }
}

/// Copy values between stacks, one by one and field by field: counts are small, and a memcpy
/// call would cost more than the loop (as in `poscall`).
#[inline(always)]
fn move_vals(dst: &mut [Value], src: &[Value]) {
    for (d, s) in dst.iter_mut().zip(src) {
        // SAFETY: both are references to valid, initialised Values.
        unsafe { Value::store(d, Value::load(s)) }
    }
}
