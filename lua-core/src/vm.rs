//! The interpreter loop (PUC's lvm): executes Lua frames of the running thread.
//!
//! Invariants:
//! - While a Lua frame runs, `ts.top == frame.top` (its register window end), except right
//!   after an instruction that produced a variable number of values (CALL/VARARG with C=0),
//!   where `top` marks their end for the consuming instruction.
//! - `sp` points at register 0 of the current frame; it is re-derived (`reload!`) after every
//!   operation that can run Lua code, grow the stack or switch frames.
//! - `pc` is written back to the frame (`savepc!`) before every operation that can raise an
//!   error, call out, or reach a GC safepoint, so error positions and debug info are exact.
//! - Loop back-edges are control points: they count down the loop's counter and, when it
//!   is 0, check the interrupt flag and call the JIT (`jitif`). While the thread
//!   records a trace (`HOOK_RECORD`), the hooked instance hands the JIT every instruction.
//! - The loop exists twice (`run::<HOOKED>`): the unhooked instance runs while the thread
//!   has no hook at all, and only the hooked one checks for line and count hooks before each
//!   instruction (or for call and return hooks on its call and return fast paths). Hooks
//!   only come on through something that ends in `reload!` (or at a frame entry, which
//!   picks the instance): when the unhooked instance's `reload!` sees a hook, it switches the
//!   frame's `code` to the prototype's trap copy, so the next fetch dispatches to `Hook`,
//!   which hands over at that instruction. So the unhooked fetch-and-dispatch checks nothing
//!   and stays one small block, which the compiler copies into every handler (threaded
//!   dispatch; see .cargo/config.toml).

use crate::debug::Slot;
use crate::error::{LuaError, LuaResult};
use crate::gc::Gc;
use crate::jitif::{Resume, HOOK_RECORD};
use crate::number::{self, ArithOp, CmpOp};
use crate::object::LuaClosure;
use crate::opcodes::{Dispatch as D, Instr, Op};
use crate::state::State;
use crate::thread::{CallKind, HOOK_COUNT, HOOK_LINE, HOOK_RET};
use crate::tm::Tm;
use crate::value::{Value, TAG_FLOAT, TAG_INT};
use std::sync::atomic::Ordering;

impl State {
    /// Run Lua frames from the top frame until a `fresh` frame returns; returns its kind and
    /// the number of results its caller wanted.
    ///
    /// The loop comes in two instances: `run::<false>` checks nothing for hooks between
    /// instructions; `run::<true>` checks for line and count hooks before each one. Each
    /// hands over to the other (returning `None`) when the running thread's hooks change:
    /// at a frame entry, or, in the unhooked loop, at the next instruction fetch.
    ///
    /// Always inlined: as a call of its own it costs coroutine resumes 2.5% more instructions
    /// (benches/scripts/coroutines.lua).
    #[inline(always)]
    pub(crate) fn execute(&mut self) -> LuaResult<(CallKind, i32)> {
        let mut resumed = false;
        if self.jit.is_some() && self.cur.st().exec.len() >= 2 {
            match self.function_entry()? {
                Resume::Same => {}
                Resume::Changed => resumed = true,
                Resume::Returned(kind, nresults) => return Ok((kind, nresults)),
            }
        }
        loop {
            let hooked = self.cur.st().hook_mask != 0;
            let r = if hooked {
                self.run::<true>(resumed)?
            } else {
                self.run::<false>(resumed)?
            };
            match r {
                Some(done) => return Ok(done),
                None => resumed = true,
            }
        }
    }

    /// Function entry: a call-out's callee (the entry frame of a run loop that a trace's
    /// call-out started) is a control point at pc 0 too, so the code before its loops can
    /// run compiled (a trace from pc 0 links to the loop's trace). Only there: calls within
    /// Lua code are inlined into traces instead. Returns what the JIT did to the state.
    #[cold]
    fn function_entry(&mut self) -> LuaResult<Resume> {
        let ts = self.cur.st();
        let Some(fr) = ts.frames.last() else {
            return Ok(Resume::Same);
        };
        let Some(cl) = fr.closure else {
            return Ok(Resume::Same);
        };
        // (`execute` checked that a call-out runs: `exec` holds more than the bottom entry.)
        if fr.pc != 0 || !fr.fresh || cl.proto.is_vararg || ts.hook_mask != 0 {
            return Ok(Resume::Same);
        }
        if cl.proto.trace_at(0) != 0 {
            return self.jit_loop_header(0);
        }
        let h = crate::jitif::hot_index(cl.code_ptr(), 0);
        let (n, was_zero) = self.hotcount[h].overflowing_sub(1);
        self.hotcount[h] = n;
        if was_zero {
            return self.control_point(0, h);
        }
        Ok(Resume::Same)
    }

    /// The interpreter loop (see `execute`). `resumed`: entered mid-frame from the other
    /// instance, at the instruction the top frame's `pc` names.
    fn run<const HOOKED: bool>(&mut self, mut resumed: bool) -> LuaResult<Option<(CallKind, i32)>> {
        // The running frame's state, the dispatch loop's "registers": its index, closure,
        // code and constants, base, pc and register pointer. Set by `load_frame!` from the
        // frame at `fi`: on entry, by every new or resumed frame, and directly (without the
        // entry's hook bookkeeping) by the call and return fast paths.
        let mut fi: usize;
        let mut cl: Gc<LuaClosure>;
        let mut code: *const Instr;
        let mut k: *const Value;
        // The closure's upvalue slots (one load fewer on GETUPVAL's dependency chain).
        let mut upvals: *const std::cell::Cell<Gc<crate::object::UpVal>>;
        let mut base: usize;
        let mut pc: usize;
        let mut sp: *mut Value;
        macro_rules! load_frame {
            ($ts:expr) => {{
                let ts = $ts;
                // SAFETY: `fi` indexes a Lua frame of this thread (callers check or know it).
                let fr = unsafe { ts.frames.get_unchecked(fi) };
                // SAFETY: as above, a Lua frame has its closure.
                cl = unsafe { fr.closure.unwrap_unchecked() };
                upvals = cl.upvals_ptr();
                code = cl.code_ptr();
                k = cl.k_ptr();
                base = fr.base;
                pc = fr.pc;
                // SAFETY: precall ensured stack.len() >= base + maxstacksize; the stack only
                // grows (and `sp` is re-derived when it moves).
                sp = unsafe { ts.stack.as_mut_ptr().add(base) };
            }};
        }
        // Enter a frame just pushed (at `fi`) for closure `$cl` at stack slot `$func`.
        macro_rules! enter_pushed {
            ($cl:expr, $func:expr) => {{
                cl = $cl;
                upvals = cl.upvals_ptr();
                code = cl.code_ptr();
                k = cl.k_ptr();
                base = $func + 1;
                pc = 0;
                // SAFETY: as in load_frame!.
                sp = unsafe { self.cur.st().stack.as_mut_ptr().add(base) };
                // A call is a control point for Ctrl-C too (PUC's interrupt hook fires on
                // calls): recursion without loops stays interruptible.
                if self.interrupt.load(Ordering::Relaxed) {
                    std::hint::cold_path();
                    return Err(self.interrupted());
                }
            }};
        }
        // After a return whose results were placed from the callee's function slot up to
        // `$end`, with its frame popped: go on running the Lua caller (frame `fi - 1`), its
        // top restored unless it wanted all results.
        macro_rules! resume_caller {
            ($ts:expr, $end:expr, $nresults:expr) => {{
                let ts = $ts;
                fi -= 1;
                ts.top = if $nresults < 0 {
                    $end
                } else {
                    // SAFETY: the caller's frame is at fi.
                    unsafe { ts.frames.get_unchecked(fi) }.top
                };
                load_frame!(ts);
                continue;
            }};
        }
        'newframe: loop {
            let ts = self.cur.st();
            // Line/count hooks: re-read after anything that may have called debug.sethook.
            // (Any hook sends the loop to its hooked instance, so the unhooked one needs no
            // check for call and return hooks either.)
            self.hooked = ts.hook_mask != 0;
            if self.hooked != HOOKED {
                std::hint::cold_path();
                return Ok(None);
            }
            fi = ts.frames.len() - 1;
            assert!(ts.frames[fi].closure.is_some(), "execute runs Lua frames");
            load_frame!(&mut *ts);
            // (Only the first entry can be a resumption.)
            let resuming = std::mem::take(&mut resumed);
            if ts.hook_mask != 0 && pc > 0 && !resuming {
                std::hint::cold_path();
                // Returning into this frame: no line event for the call's line. Right after
                // VARARGPREP, the next instruction counts as a new line (PUC sets oldpc 1).
                ts.oldpc = if pc == 1 && cl.proto.is_vararg {
                    1
                } else {
                    pc - 1
                };
            }

            macro_rules! r {
                ($i:expr) => {
                    // SAFETY: register indices are < maxstacksize (compiler invariant) and `sp`
                    // is current (module invariant).
                    unsafe { Value::load(sp.add($i)) }
                };
            }
            macro_rules! setr {
                ($i:expr, $v:expr) => {{
                    let v = $v;
                    // SAFETY: as in r!.
                    unsafe { Value::store(sp.add($i), v) }
                }};
            }
            macro_rules! reload {
                () => {
                    let ts = self.cur.st();
                    // SAFETY: as above; the frame at `fi` is still ours and its base unchanged.
                    sp = unsafe { ts.stack.as_mut_ptr().add(base) };
                    self.hooked = ts.hook_mask != 0;
                    if !HOOKED && self.hooked {
                        std::hint::cold_path();
                        // Hooks came on: from the next fetch on, this frame's code is the
                        // trap copy, whose every instruction dispatches to `Hook`.
                        code = cl.proto.trap_code();
                    }
                };
            }
            macro_rules! savepc {
                () => {
                    // SAFETY: the frame at `fi` exists while it runs (frames above it are
                    // popped before control comes back here).
                    unsafe { self.cur.st().frames.get_unchecked_mut(fi) }.pc = pc;
                };
            }
            macro_rules! upv {
                ($i:expr) => {
                    // SAFETY: upvalue operands are < #upvalues (compiler/verifier invariant).
                    unsafe { (*upvals.add($i)).get() }
                };
            }
            // Slow paths: metamethods, coercions, errors, library work. Marked cold so the
            // register allocator keeps the dispatch state (pc, sp) in registers on the fast
            // paths and spills around these calls instead.
            macro_rules! protect {
                ($e:expr) => {{
                    std::hint::cold_path();
                    savepc!();
                    let r = $e?;
                    reload!();
                    r
                }};
            }
            macro_rules! kst {
                ($i:expr) => {
                    // SAFETY: constant indices are < #k (compiler and verifier invariant).
                    unsafe { Value::load(k.add($i)) }
                };
            }
            macro_rules! rk {
                ($ins:expr) => {{
                    // (Through a pointer, so the value is read field by field.)
                    let p = if $ins.k() {
                        // SAFETY: as in kst!.
                        unsafe { k.add($ins.c()) }
                    } else {
                        // SAFETY: as in r!.
                        unsafe { sp.add($ins.c()) as *const Value }
                    };
                    // SAFETY: p points to a valid value.
                    unsafe { Value::load(p) }
                }};
            }
            // A loop back-edge landed on the loop header `pc`: count down the loop's
            // counter; at 0 the JIT decides (record, run a trace, back off), after a check
            // for an interrupt. When it reports a changed state, everything is re-derived
            // from the top frame. (The same count with and without a JIT: `jitif`.)
            macro_rules! control_point {
                () => {{
                    let h = crate::jitif::hot_index(code, pc);
                    let (n, was_zero) = self.hotcount[h].overflowing_sub(1);
                    self.hotcount[h] = n;
                    if was_zero {
                        std::hint::cold_path();
                        savepc!();
                        match self.control_point(pc, h)? {
                            Resume::Same => {}
                            Resume::Changed => continue 'newframe,
                            Resume::Returned(kind, n) => return Ok(Some((kind, n))),
                        }
                        reload!();
                    }
                }};
            }
            macro_rules! cond_jump {
                ($cond:expr, $ins:expr) => {{
                    if $cond != $ins.k() {
                        pc += 1;
                    } else {
                        // SAFETY: a test is always followed by a jump (compiler/verifier invariant).
                        let j = unsafe { *code.add(pc) };
                        pc = (pc as i64 + j.sj() as i64 + 1) as usize;
                        if j.sj() < 0 {
                            control_point!();
                        }
                    }
                }};
            }
            // Pointers to operands, for the arithmetic macros: a register or a constant.
            macro_rules! reg {
                ($i:expr) => {
                    // SAFETY: as in r!.
                    unsafe { sp.add($i) as *const Value }
                };
            }
            macro_rules! kp {
                ($i:expr) => {
                    // SAFETY: constant indices are < #k (compiler and verifier invariant).
                    unsafe { k.add($i) }
                };
            }
            // Binary arithmetic on operands at `$pa`/`$pb` (pointers to valid values): numbers
            // are handled here by tag, without loading whole values, computed by `number`'s
            // `int_arith`/`float_arith`/`int_bitwise` for the constant `$op`; anything else
            // (and integer division by zero) goes to `State::arith`, which reloads the operands.
            macro_rules! arith {
                ($ins:expr, $op:expr, $pa:expr, $pb:expr, $ra:expr, $rb:expr) => {{
                    let (pa, pb): (*const Value, *const Value) = ($pa, $pb);
                    // SAFETY: pa and pb point to valid values; payloads are read only under
                    // the matching tag.
                    let fast = unsafe {
                        match (Value::raw_tag(pa), Value::raw_tag(pb)) {
                            (TAG_INT, TAG_INT) => {
                                number::int_arith($op, Value::raw_int(pa), Value::raw_int(pb))
                            }
                            (TAG_FLOAT, TAG_FLOAT) => Some(Value::Float(number::float_arith(
                                $op,
                                Value::raw_float(pa),
                                Value::raw_float(pb),
                            ))),
                            (TAG_INT, TAG_FLOAT) => Some(Value::Float(number::float_arith(
                                $op,
                                Value::raw_int(pa) as f64,
                                Value::raw_float(pb),
                            ))),
                            (TAG_FLOAT, TAG_INT) => Some(Value::Float(number::float_arith(
                                $op,
                                Value::raw_float(pa),
                                Value::raw_int(pb) as f64,
                            ))),
                            _ => None,
                        }
                    };
                    let v = match fast {
                        Some(v) => v,
                        None => {
                            // SAFETY: as above.
                            let (a, b) = unsafe { (Value::load(pa), Value::load(pb)) };
                            protect!(self.arith($op, a, b, $ra, $rb))
                        }
                    };
                    setr!($ins.a(), v);
                }};
            }
            macro_rules! bitop {
                ($ins:expr, $op:expr, $pa:expr, $pb:expr, $ra:expr, $rb:expr) => {{
                    let (pa, pb): (*const Value, *const Value) = ($pa, $pb);
                    // SAFETY: as in arith!.
                    let (ta, tb) = unsafe { (Value::raw_tag(pa), Value::raw_tag(pb)) };
                    let v = if ta == TAG_INT && tb == TAG_INT {
                        // SAFETY: both are integers.
                        let (x, y) = unsafe { (Value::raw_int(pa), Value::raw_int(pb)) };
                        Value::Int(number::int_bitwise($op, x, y))
                    } else {
                        // SAFETY: as above.
                        let (a, b) = unsafe { (Value::load(pa), Value::load(pb)) };
                        protect!(self.arith($op, a, b, $ra, $rb))
                    };
                    setr!($ins.a(), v);
                }};
            }
            // A GC safepoint after an instruction whose result ends below `limit`: while the
            // collector runs, `top` is `limit`, so dead temporaries above the result are not
            // kept alive (and are cleared by the atomic phase), as PUC's checkGC does. Results
            // always go to registers above every live local (compiler invariant).
            macro_rules! safepoint {
                ($limit:expr) => {{
                    if self.heap.should_collect() {
                        std::hint::cold_path();
                        savepc!();
                        let limit = $limit;
                        let ts = self.cur.st();
                        let saved = ts.top;
                        ts.top = limit.min(saved);
                        self.gc_step();
                        self.cur.st().top = saved;
                        if self.out_of_memory() {
                            return Err(self.error_msg("not enough memory"));
                        }
                        reload!();
                    }
                }};
            }

            loop {
                if HOOKED {
                    if self.hooked {
                        if self.cur.st().hook_mask & (HOOK_LINE | HOOK_COUNT | HOOK_RECORD) != 0 {
                            std::hint::cold_path();
                            // The hook sees this instruction as the current one (pc + 1, as
                            // PUC).
                            self.cur.st().frames[fi].pc = pc + 1;
                            self.trace_exec(pc)?;
                            reload!();
                        }
                    } else if self.cur.st().hook_mask == 0 {
                        // No hook and no recording any more (a recording just ended): go
                        // on at this instruction in the unhooked loop. (`hooked` is also
                        // false for the one instruction after TFORPREP, with a hook set.)
                        std::hint::cold_path();
                        savepc!();
                        return Ok(None);
                    }
                }
                debug_assert!(pc < cl.proto.code.len());
                // SAFETY: every code path ends in a return or a jump to a valid target
                // (compiler and verifier invariant), so pc stays inside the code; opcodes are
                // valid for the same reason.
                let i = unsafe { *code.add(pc) };
                pc += 1;
                // SAFETY: as above, the opcode is valid, or `Hook` in trap code.
                match unsafe { i.dispatch() } {
                    D::Hook => {
                        // Hooks came on (debug.sethook ran) since this loop last looked: go on
                        // at this instruction in the hooked loop.
                        std::hint::cold_path();
                        pc -= 1;
                        savepc!();
                        return Ok(None);
                    }
                    D::Move => setr!(i.a(), r!(i.b())),
                    D::LoadI => setr!(i.a(), Value::Int(i.sbx() as i64)),
                    D::LoadF => setr!(i.a(), Value::Float(i.sbx() as f64)),
                    D::LoadK => setr!(i.a(), kst!(i.bx())),
                    D::LoadKX => {
                        // SAFETY: LOADKX is followed by EXTRAARG (compiler/verifier invariant).
                        let ax = unsafe { *code.add(pc) }.ax();
                        pc += 1;
                        setr!(i.a(), kst!(ax));
                    }
                    D::LoadFalse => setr!(i.a(), Value::Bool(false)),
                    D::LFalseSkip => {
                        setr!(i.a(), Value::Bool(false));
                        pc += 1;
                    }
                    D::LoadTrue => setr!(i.a(), Value::Bool(true)),
                    D::LoadNil => {
                        for j in 0..=i.b() {
                            setr!(i.a() + j, Value::Nil);
                        }
                    }
                    D::GetUpval => setr!(i.a(), upv!(i.b()).get()),
                    D::SetUpval => upv!(i.b()).set(r!(i.a())),
                    D::GetTabUp => {
                        let t = upv!(i.b()).get();
                        let key = kst!(i.c());
                        let v = match (t, key) {
                            (Value::Table(tab), Value::Str(s)) => {
                                let v = tab.get_str(s);
                                if v.is_nil() && tab.metatable().is_some() {
                                    protect!(self.index(t, key, Some(Slot::Upval(i.b()))))
                                } else {
                                    v
                                }
                            }
                            _ => protect!(self.index(t, key, Some(Slot::Upval(i.b())))),
                        };
                        setr!(i.a(), v);
                    }
                    // Table reads: found, or absent from a table without a metatable, inline;
                    // the rest (vm_slow) reads its operands itself.
                    D::GetTable => {
                        let fast = match r!(i.b()) {
                            Value::Table(tab) => {
                                let v = match r!(i.c()) {
                                    Value::Int(n) => tab.get_int(n),
                                    key => tab.get(&key),
                                };
                                (!v.is_nil() || tab.metatable().is_none()).then_some(v)
                            }
                            _ => None,
                        };
                        let v = match fast {
                            Some(v) => v,
                            None => protect!(self.get_slow(i, base, &cl.proto.k)),
                        };
                        setr!(i.a(), v);
                    }
                    D::GetI => {
                        let fast = match r!(i.b()) {
                            Value::Table(tab) => {
                                let v = tab.get_int(i.c() as i64);
                                (!v.is_nil() || tab.metatable().is_none()).then_some(v)
                            }
                            _ => None,
                        };
                        let v = match fast {
                            Some(v) => v,
                            None => protect!(self.get_slow(i, base, &cl.proto.k)),
                        };
                        setr!(i.a(), v);
                    }
                    D::GetField => {
                        let obj = r!(i.b());
                        let v = match (obj, kst!(i.c())) {
                            (Value::Table(tab), Value::Str(s)) => match self.index_str_fast(tab, s)
                            {
                                Ok(v) => v,
                                Err(stop) => protect!(self.index_from(
                                    stop,
                                    obj,
                                    kst!(i.c()),
                                    Some(Slot::Reg(i.b()))
                                )),
                            },
                            _ => protect!(self.get_slow(i, base, &cl.proto.k)),
                        };
                        setr!(i.a(), v);
                    }
                    D::SetTabUp => {
                        let t = upv!(i.a()).get();
                        let key = kst!(i.b());
                        let v = rk!(i);
                        match (t, key) {
                            (Value::Table(tab), Value::Str(s)) if tab.metatable().is_none() => {
                                tab.set_str(s, v)
                            }
                            _ => protect!(self.set_index(t, key, v, Some(Slot::Upval(i.a())))),
                        }
                    }
                    // Table writes: an integer or string key of a table without a
                    // metatable, or whose metatable is known to lack __newindex (its cached
                    // flag), inline; the rest in vm_slow.
                    D::SetTable => {
                        let done = match (r!(i.a()), r!(i.b())) {
                            (Value::Table(tab), Value::Int(n)) => tab.fast_set_int(n, rk!(i)),
                            (Value::Table(tab), Value::Str(s)) => tab.fast_set_str(s, rk!(i)),
                            _ => false,
                        };
                        if !done {
                            protect!(self.set_slow(i, base, &cl.proto.k));
                        }
                    }
                    D::SetI => {
                        let done = match r!(i.a()) {
                            Value::Table(tab) => tab.fast_set_int(i.b() as i64, rk!(i)),
                            _ => false,
                        };
                        if !done {
                            protect!(self.set_slow(i, base, &cl.proto.k));
                        }
                    }
                    D::SetField => {
                        let done = match (r!(i.a()), kst!(i.b())) {
                            (Value::Table(tab), Value::Str(s)) => tab.fast_set_str(s, rk!(i)),
                            _ => false,
                        };
                        if !done {
                            protect!(self.set_slow(i, base, &cl.proto.k));
                        }
                    }
                    D::NewTable => {
                        let t = self.new_table(i.c(), i.b());
                        setr!(i.a(), Value::Table(t));
                        safepoint!(base + i.a() + 1);
                    }
                    D::Self_ => {
                        let obj = r!(i.b());
                        let key = rk!(i);
                        setr!(i.a() + 1, obj);
                        let v = match (obj, key) {
                            (Value::Table(tab), Value::Str(s)) => match self.index_str_fast(tab, s)
                            {
                                Ok(v) => v,
                                Err(stop) => protect!(self.index_from(
                                    stop,
                                    obj,
                                    key,
                                    Some(Slot::Reg(i.b()))
                                )),
                            },
                            _ => protect!(self.index(obj, key, Some(Slot::Reg(i.b())))),
                        };
                        setr!(i.a(), v);
                    }
                    D::AddI => {
                        let imm = Value::Int(i.sc() as i64);
                        arith!(
                            i,
                            ArithOp::Add,
                            reg!(i.b()),
                            &imm,
                            Some(Slot::Reg(i.b())),
                            None
                        )
                    }
                    D::AddK => arith!(
                        i,
                        ArithOp::Add,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::SubK => arith!(
                        i,
                        ArithOp::Sub,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::MulK => arith!(
                        i,
                        ArithOp::Mul,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::ModK => arith!(
                        i,
                        ArithOp::Mod,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::PowK => arith!(
                        i,
                        ArithOp::Pow,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::DivK => arith!(
                        i,
                        ArithOp::Div,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::IDivK => arith!(
                        i,
                        ArithOp::IDiv,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::BAndK => bitop!(
                        i,
                        ArithOp::BAnd,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::BOrK => bitop!(
                        i,
                        ArithOp::BOr,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::BXorK => bitop!(
                        i,
                        ArithOp::BXor,
                        reg!(i.b()),
                        kp!(i.c()),
                        Some(Slot::Reg(i.b())),
                        None
                    ),
                    D::ShrI => {
                        let imm = Value::Int(i.sc() as i64);
                        bitop!(
                            i,
                            ArithOp::Shr,
                            reg!(i.b()),
                            &imm,
                            Some(Slot::Reg(i.b())),
                            None
                        )
                    }
                    D::ShlI => {
                        let imm = Value::Int(i.sc() as i64);
                        bitop!(
                            i,
                            ArithOp::Shl,
                            &imm,
                            reg!(i.b()),
                            None,
                            Some(Slot::Reg(i.b()))
                        )
                    }
                    D::Add => arith!(
                        i,
                        ArithOp::Add,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Sub => arith!(
                        i,
                        ArithOp::Sub,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Mul => arith!(
                        i,
                        ArithOp::Mul,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Mod => arith!(
                        i,
                        ArithOp::Mod,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Pow => arith!(
                        i,
                        ArithOp::Pow,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Div => arith!(
                        i,
                        ArithOp::Div,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::IDiv => arith!(
                        i,
                        ArithOp::IDiv,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::BAnd => bitop!(
                        i,
                        ArithOp::BAnd,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::BOr => bitop!(
                        i,
                        ArithOp::BOr,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::BXor => bitop!(
                        i,
                        ArithOp::BXor,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Shl => bitop!(
                        i,
                        ArithOp::Shl,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Shr => bitop!(
                        i,
                        ArithOp::Shr,
                        reg!(i.b()),
                        reg!(i.c()),
                        Some(Slot::Reg(i.b())),
                        Some(Slot::Reg(i.c()))
                    ),
                    D::Unm => {
                        let o = r!(i.b());
                        let fast = match o {
                            Value::Int(x) => number::int_arith(ArithOp::Unm, x, x),
                            Value::Float(x) => {
                                Some(Value::Float(number::float_arith(ArithOp::Unm, x, x)))
                            }
                            _ => None,
                        };
                        let v = match fast {
                            Some(v) => v,
                            None => protect!(self.arith(
                                ArithOp::Unm,
                                o,
                                o,
                                Some(Slot::Reg(i.b())),
                                Some(Slot::Reg(i.b()))
                            )),
                        };
                        setr!(i.a(), v);
                    }
                    D::BNot => {
                        let v = match r!(i.b()) {
                            Value::Int(x) => Value::Int(number::int_bitwise(ArithOp::BNot, x, x)),
                            o => protect!(self.arith(
                                ArithOp::BNot,
                                o,
                                o,
                                Some(Slot::Reg(i.b())),
                                Some(Slot::Reg(i.b()))
                            )),
                        };
                        setr!(i.a(), v);
                    }
                    D::Not => setr!(i.a(), Value::Bool(r!(i.b()).is_falsy())),
                    D::Len => {
                        let v = match r!(i.b()) {
                            Value::Str(s) => Value::Int(s.len() as i64),
                            Value::Table(t) if t.metatable().is_none() => Value::Int(t.len()),
                            o => protect!(self.len_of(o, Some(Slot::Reg(i.b())))),
                        };
                        setr!(i.a(), v);
                    }
                    D::Concat => {
                        let (a, n) = (i.a(), i.b());
                        protect!(self.concat_regs(base + a, n));
                        self.cur.st().top = self.cur.st().frames[fi].top;
                        safepoint!(base + i.a() + 1);
                    }
                    D::Close => {
                        let level = base + i.a();
                        self.close_upvals(level);
                        protect!(self.close_tbc_yieldable(level));
                        self.cur.st().top = self.cur.st().frames[fi].top;
                    }
                    D::Tbc => {
                        let v = r!(i.a());
                        protect!(self.mark_tbc(base + i.a(), v));
                    }
                    D::Jmp => {
                        let off = i.sj();
                        pc = (pc as i64 + off as i64) as usize;
                        if off < 0 {
                            control_point!();
                        }
                    }
                    // Comparisons: two numbers of one kind inline, the rest in vm_slow. The
                    // immediates (sB) are small integers, exact as floats, so a float
                    // compares with one as with the float the immediate converts to.
                    D::Eq => {
                        let fast = match (r!(i.a()), r!(i.b())) {
                            (Value::Int(x), Value::Int(y)) => {
                                Some(number::cmp_int(CmpOp::Eq, x, y))
                            }
                            (Value::Float(x), Value::Float(y)) => {
                                Some(number::cmp_float(CmpOp::Eq, x, y))
                            }
                            _ => None,
                        };
                        let c = match fast {
                            Some(c) => c,
                            None => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::Lt => {
                        let fast = match (r!(i.a()), r!(i.b())) {
                            (Value::Int(x), Value::Int(y)) => {
                                Some(number::cmp_int(CmpOp::Lt, x, y))
                            }
                            (Value::Float(x), Value::Float(y)) => {
                                Some(number::cmp_float(CmpOp::Lt, x, y))
                            }
                            _ => None,
                        };
                        let c = match fast {
                            Some(c) => c,
                            None => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::Le => {
                        let fast = match (r!(i.a()), r!(i.b())) {
                            (Value::Int(x), Value::Int(y)) => {
                                Some(number::cmp_int(CmpOp::Le, x, y))
                            }
                            (Value::Float(x), Value::Float(y)) => {
                                Some(number::cmp_float(CmpOp::Le, x, y))
                            }
                            _ => None,
                        };
                        let c = match fast {
                            Some(c) => c,
                            None => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::EqK => {
                        let c = r!(i.a()).raw_eq(&kst!(i.b()));
                        cond_jump!(c, i);
                    }
                    D::EqI => {
                        let imm = i.sb() as i64;
                        let c = match r!(i.a()) {
                            Value::Int(x) => number::cmp_int(CmpOp::Eq, x, imm),
                            Value::Float(x) => number::cmp_float(CmpOp::Eq, x, imm as f64),
                            _ => false,
                        };
                        cond_jump!(c, i);
                    }
                    D::LtI => {
                        let imm = i.sb() as i64;
                        let c = match r!(i.a()) {
                            Value::Int(x) => number::cmp_int(CmpOp::Lt, x, imm),
                            Value::Float(x) => number::cmp_float(CmpOp::Lt, x, imm as f64),
                            _ => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::LeI => {
                        let imm = i.sb() as i64;
                        let c = match r!(i.a()) {
                            Value::Int(x) => number::cmp_int(CmpOp::Le, x, imm),
                            Value::Float(x) => number::cmp_float(CmpOp::Le, x, imm as f64),
                            _ => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::GtI => {
                        let imm = i.sb() as i64;
                        let c = match r!(i.a()) {
                            Value::Int(x) => number::cmp_int(CmpOp::Lt, imm, x),
                            Value::Float(x) => number::cmp_float(CmpOp::Lt, imm as f64, x),
                            _ => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::GeI => {
                        let imm = i.sb() as i64;
                        let c = match r!(i.a()) {
                            Value::Int(x) => number::cmp_int(CmpOp::Le, imm, x),
                            Value::Float(x) => number::cmp_float(CmpOp::Le, imm as f64, x),
                            _ => protect!(self.compare_slow(i, base)),
                        };
                        cond_jump!(c, i);
                    }
                    D::Test => {
                        let c = r!(i.a()).truthy();
                        cond_jump!(c, i);
                    }
                    D::TestSet => {
                        let v = r!(i.b());
                        if v.is_falsy() == i.k() {
                            pc += 1;
                        } else {
                            setr!(i.a(), v);
                            // SAFETY: a test is always followed by a jump (compiler/verifier invariant).
                            let j = unsafe { *code.add(pc) };
                            pc = (pc as i64 + j.sj() as i64 + 1) as usize;
                            if j.sj() < 0 {
                                control_point!();
                            }
                        }
                    }
                    D::Call => {
                        let func = base + i.a();
                        let ts = self.cur.st();
                        if i.b() != 0 {
                            ts.top = func + i.b();
                        }
                        let nres = i.c() as i32 - 1;
                        savepc!();
                        // A Lua function without hooks: push its frame and switch to it here.
                        // SAFETY: func is a register of this frame.
                        if let Value::LuaFn(ncl) = unsafe { Value::load(sp.add(i.a())) } {
                            if !HOOKED || ts.hook_mask == 0 {
                                self.push_lua_frame(ncl, func, nres, CallKind::Normal, false)?;
                                fi += 1;
                                enter_pushed!(ncl, func);
                                continue;
                            }
                        }
                        if self.precall(func, nres, CallKind::Normal, false)? {
                            continue 'newframe;
                        }
                        if nres >= 0 {
                            let ts = self.cur.st();
                            ts.top = ts.frames[fi].top;
                        }
                        reload!();
                        safepoint!(if nres >= 0 {
                            func + nres as usize
                        } else {
                            self.cur.st().top
                        });
                    }
                    D::TailCall => {
                        let func = base + i.a();
                        let ts = self.cur.st();
                        if i.b() != 0 {
                            ts.top = func + i.b();
                        }
                        savepc!();
                        // A Lua function without hooks: replace this frame by its frame and
                        // switch to it here.
                        // SAFETY: func is a register of this frame.
                        if let Value::LuaFn(ncl) = unsafe { Value::load(sp.add(i.a())) } {
                            if !HOOKED || ts.hook_mask == 0 {
                                if i.k() {
                                    self.close_upvals(base);
                                }
                                let ts = self.cur.st();
                                ts.tail_call_pending = false;
                                // SAFETY: as in savepc!.
                                let me = unsafe { ts.frames.get_unchecked(fi) };
                                let dst = me.func;
                                let nvals = ts.top - func;
                                let st = ts.stack.as_mut_ptr();
                                for j in 0..nvals {
                                    // SAFETY: func + nvals = top <= stack.len(); dst < func, so
                                    // copying upwards from the start never overwrites a source.
                                    unsafe {
                                        Value::store(st.add(dst + j), Value::load(st.add(func + j)))
                                    };
                                }
                                ts.top = dst + nvals;
                                self.reuse_lua_frame(ncl, dst)?;
                                enter_pushed!(ncl, dst);
                                continue;
                            }
                        }
                        // Resolve __call while this frame is still on top, so errors name the
                        // callee as the caller sees it.
                        while !self.cur.st().stack[func].is_function() {
                            self.try_func_tm(func)?;
                        }
                        if i.k() {
                            self.close_upvals(base);
                        }
                        if !matches!(self.cur.st().stack[func], Value::LuaFn(_)) {
                            // A native in tail position runs above this frame (as in PUC, so
                            // its errors see the Lua caller), then we return its results.
                            self.precall(func, -1, CallKind::Normal, false)?;
                            let ts = self.cur.st();
                            let n = ts.top - func;
                            if ts.hook_mask & HOOK_RET != 0 {
                                self.run_transfer_hook("return", i.a() + 1, n)?;
                            }
                            let ts = self.cur.st();
                            let me = ts.frames[fi];
                            self.poscall(n);
                            self.trace_after_return();
                            if me.fresh {
                                return Ok(Some((me.kind, me.nresults)));
                            }
                            self.after_lua_return(me.nresults);
                            continue 'newframe;
                        }
                        let ts = self.cur.st();
                        ts.tail_call_pending = ts.hook_mask != 0;
                        let me = ts.frames[fi];
                        let nvals = ts.top - func;
                        ts.stack.copy_within(func..func + nvals, me.func);
                        ts.top = me.func + nvals;
                        ts.frames.pop();
                        self.precall_fast(me.func, me.nresults, me.kind, me.fresh)?;
                        let ts = self.cur.st();
                        let nf = ts.frames.last_mut().expect("pushed");
                        nf.handler_slot = me.handler_slot;
                        nf.tailcalled = true;
                        continue 'newframe;
                    }
                    D::Return1 if !HOOKED || self.cur.st().hook_mask == 0 => {
                        // The common `return x` to a Lua caller that wants one value.
                        let ts = self.cur.st();
                        // SAFETY: as in savepc!.
                        let me = unsafe { ts.frames.get_unchecked(fi) };
                        let (func, nresults, fresh, kind) =
                            (me.func, me.nresults, me.fresh, me.kind);
                        let v = r!(i.a());
                        // SAFETY: func < base: a slot of the stack.
                        unsafe { Value::store(ts.stack.as_mut_ptr().add(func), v) };
                        ts.frames.pop();
                        if !fresh {
                            // Back to the Lua caller (a frame that is not fresh was called
                            // by a Lua frame of this loop), without the entry's hook work.
                            if nresults > 1 {
                                std::hint::cold_path();
                                for j in 1..nresults as usize {
                                    // SAFETY: a Lua caller's results fit below its top
                                    // (compiler invariant).
                                    let p = unsafe { ts.stack.as_mut_ptr().add(func + j) };
                                    // SAFETY: as above.
                                    unsafe { Value::store(p, Value::Nil) };
                                }
                            }
                            resume_caller!(ts, func + 1, nresults);
                        }
                        // A fresh frame ends this loop: adjust the results like poscall.
                        ts.top = func + 1;
                        if nresults > 1 {
                            for j in 1..nresults as usize {
                                ts.stack[func + j] = Value::Nil;
                            }
                            ts.top = func + nresults as usize;
                        } else if nresults == 0 {
                            ts.top = func;
                        }
                        return Ok(Some((kind, nresults)));
                    }
                    // Other returns without hooks or anything to close: results moved and
                    // the caller resumed here, as for RETURN1 above.
                    D::Return0 | D::Return
                        if (!HOOKED || self.cur.st().hook_mask == 0)
                            && !(i.op() == Op::Return && i.k()) =>
                    {
                        let a = i.a();
                        let ts = self.cur.st();
                        let n = match i.op() {
                            Op::Return0 => 0,
                            _ if i.b() != 0 => i.b() - 1,
                            _ => ts.top - (base + a),
                        };
                        // SAFETY: as in savepc!.
                        let me = unsafe { ts.frames.get_unchecked(fi) };
                        let (func, nresults, fresh, kind) =
                            (me.func, me.nresults, me.fresh, me.kind);
                        let wanted = if nresults < 0 { n } else { nresults as usize };
                        let st = ts.stack.as_mut_ptr();
                        for j in 0..wanted.min(n) {
                            // SAFETY: results lie in this frame's registers; func + j is below
                            // them, so moving down in order never overwrites a source.
                            let v = r!(a + j);
                            // SAFETY: as above.
                            unsafe { Value::store(st.add(func + j), v) };
                        }
                        // SAFETY: Frame is Copy; the frame at fi is the top one.
                        unsafe { ts.frames.set_len(fi) };
                        if fresh {
                            // (A native caller may want more results than there is stack.)
                            for j in n..wanted {
                                ts.stack[func + j] = Value::Nil;
                            }
                            ts.top = func + wanted;
                            return Ok(Some((kind, nresults)));
                        }
                        for j in n..wanted {
                            // SAFETY: a Lua caller's results fit below its top (compiler
                            // invariant).
                            unsafe { Value::store(st.add(func + j), Value::Nil) };
                        }
                        resume_caller!(ts, func + n, nresults);
                    }
                    D::Return | D::Return0 | D::Return1 => {
                        savepc!();
                        let me = self.return_general(i)?;
                        if me.fresh {
                            return Ok(Some((me.kind, me.nresults)));
                        }
                        self.after_lua_return(me.nresults);
                        continue 'newframe;
                    }
                    D::ForLoop => {
                        let a = i.a();
                        match r!(a + 2) {
                            Value::Int(step) => {
                                let count = match r!(a + 1) {
                                    Value::Int(c) => c as u64,
                                    _ => 0,
                                };
                                if count > 0 {
                                    let idx = match r!(a) {
                                        Value::Int(x) => x.wrapping_add(step),
                                        _ => 0,
                                    };
                                    setr!(a + 1, Value::Int((count - 1) as i64));
                                    setr!(a, Value::Int(idx));
                                    setr!(a + 3, Value::Int(idx));
                                    pc -= i.bx();
                                    control_point!();
                                }
                            }
                            Value::Float(step) => {
                                let (idx, limit) = match (r!(a), r!(a + 1)) {
                                    (Value::Float(x), Value::Float(l)) => (x + step, l),
                                    _ => (0.0, -1.0),
                                };
                                let go = if step > 0.0 {
                                    idx <= limit
                                } else {
                                    limit <= idx
                                };
                                if go {
                                    setr!(a, Value::Float(idx));
                                    setr!(a + 3, Value::Float(idx));
                                    pc -= i.bx();
                                    control_point!();
                                }
                            }
                            _ => {}
                        }
                    }
                    D::ForPrep => {
                        let a = i.a();
                        let skip = protect!(self.for_prep(sp, a));
                        if skip {
                            pc += i.bx() + 1;
                        } else if self.jit.is_some() && cl.proto.trace_at(pc) != 0 {
                            // The loop has a trace: it runs the first iteration too.
                            savepc!();
                            match self.jit_loop_header(pc)? {
                                Resume::Same => {}
                                Resume::Changed => continue 'newframe,
                                Resume::Returned(kind, n) => return Ok(Some((kind, n))),
                            }
                            reload!();
                        }
                    }
                    D::TForPrep => {
                        let a = i.a();
                        let v = r!(a + 3);
                        if !v.is_nil() {
                            // Runs no Lua code and leaves the stack in place: no reload!.
                            savepc!();
                            self.mark_tbc(base + a + 3, v)?;
                        }
                        pc += i.bx();
                        // PUC goes on to the TFORCALL without fetching it, so no hook sees
                        // it; TFORCALL re-derives `hooked` (reload! or a new frame).
                        if HOOKED {
                            self.hooked = false;
                        }
                    }
                    D::TForCall => {
                        let a = i.a();
                        setr!(a + 4, r!(a));
                        setr!(a + 5, r!(a + 1));
                        setr!(a + 6, r!(a + 2));
                        let func = base + a + 4;
                        self.cur.st().top = func + 3;
                        savepc!();
                        if self.precall(func, i.c() as i32, CallKind::Normal, false)? {
                            continue 'newframe;
                        }
                        let ts = self.cur.st();
                        ts.top = ts.frames[fi].top;
                        reload!();
                        safepoint!(base + i.a() + 4 + i.c());
                    }
                    D::TForLoop => {
                        let a = i.a();
                        let v = r!(a + 4);
                        if !v.is_nil() {
                            setr!(a + 2, v);
                            pc -= i.bx();
                            control_point!();
                        }
                    }
                    D::SetList => {
                        let a = i.a();
                        let ts = self.cur.st();
                        let n = if i.b() != 0 {
                            i.b()
                        } else {
                            ts.top - (base + a) - 1
                        };
                        let mut off = i.c();
                        if i.k() {
                            // SAFETY: SETLIST with k is followed by EXTRAARG (compiler/verifier).
                            off += unsafe { *code.add(pc) }.ax() * 256;
                            pc += 1;
                        }
                        if let Value::Table(t) = r!(a) {
                            if off + n > t.array_len() {
                                t.resize_array(off + n);
                            }
                            for j in 1..=n {
                                t.set_int((off + j) as i64, r!(a + j));
                            }
                        }
                        ts.top = ts.frames[fi].top;
                    }
                    D::Closure => {
                        let p = cl.proto.p[i.bx()].clone();
                        let mut ups = Vec::with_capacity(p.upvalues.len());
                        for d in &p.upvalues {
                            if d.instack {
                                ups.push(self.find_upval(base + d.idx as usize));
                            } else {
                                ups.push(cl.upval(d.idx as usize));
                            }
                        }
                        let ncl = self.heap.alloc(LuaClosure::new(p, ups));
                        reload!();
                        setr!(i.a(), Value::LuaFn(ncl));
                        safepoint!(base + i.a() + 1);
                    }
                    D::VarArg => {
                        let a = i.a();
                        let ts = self.cur.st();
                        let me = ts.frames[fi];
                        let nextra = me.nextra as usize;
                        let src = me.func + 1 + cl.proto.numparams as usize;
                        let wanted = if i.c() == 0 { nextra } else { i.c() - 1 };
                        if i.c() == 0 {
                            if !ts.ensure_slot(base + a + nextra + 1) {
                                savepc!();
                                return Err(self.stack_overflow());
                            }
                            ts.top = base + a + nextra;
                        }
                        for j in 0..wanted {
                            ts.stack[base + a + j] = if j < nextra {
                                ts.stack[src + j]
                            } else {
                                Value::Nil
                            };
                        }
                        reload!();
                    }
                    D::VarArgPrep => {
                        let ts = self.cur.st();
                        let me = &mut ts.frames[fi];
                        let nparams = cl.proto.numparams as usize;
                        let newbase = me.func + 1 + nparams + me.nextra as usize;
                        for j in 0..nparams {
                            ts.stack[newbase + j] = ts.stack[me.func + 1 + j];
                        }
                        me.base = newbase;
                        me.top = newbase + cl.proto.maxstacksize as usize;
                        me.pc = pc;
                        ts.top = me.top;
                        if ts.hook_mask & crate::thread::HOOK_CALL != 0 {
                            // The call hook of a vararg function (deferred by precall) sees
                            // the instruction after VARARGPREP as the current one.
                            let event = if me.tailcalled { "tail call" } else { "call" };
                            me.pc = pc + 1;
                            self.run_transfer_hook(event, 1, nparams)?;
                            self.cur.st().frames[fi].pc = pc;
                        }
                        continue 'newframe;
                    }
                    D::ExtraArg => {
                        savepc!();
                        return Err(self.lua_rt_error("invalid instruction EXTRAARG"));
                    }
                }
            }
        }
    }

    /// After a Lua frame returned into its Lua caller: restore the caller's top unless it
    /// wanted all results.
    #[inline]
    pub(crate) fn after_lua_return(&mut self, nresults: i32) {
        if nresults >= 0 {
            let ts = self.cur.st();
            if let Some(f) = ts.frames.last() {
                if f.closure.is_some() {
                    ts.top = f.top;
                }
            }
        }
    }

    /// FORPREP: check and prepare the loop state at registers a..a+3; true = skip the loop.
    fn for_prep(&mut self, sp: *mut Value, a: usize) -> LuaResult<bool> {
        // SAFETY: a+3 < maxstacksize (compiler invariant); sp is current (we did not call out).
        let reg = |j: usize| unsafe { *sp.add(a + j) };
        // SAFETY: as above.
        let set = |j: usize, v: Value| unsafe { *sp.add(a + j) = v };
        let (init, limit, step) = (reg(0), reg(1), reg(2));
        if let (Value::Int(i0), Value::Int(st)) = (init, step) {
            if st == 0 {
                return Err(self.lua_rt_error("'for' step is zero"));
            }
            let lim = match limit {
                Value::Int(l) => l,
                _ => match number::to_number(limit) {
                    Some(Value::Float(f)) => {
                        if f.is_nan() {
                            return Ok(true);
                        }
                        let fl = if st > 0 {
                            number::float_floor_to_int(f)
                        } else {
                            number::float_ceil_to_int(f)
                        };
                        match fl {
                            Some(l) => l,
                            None => {
                                if f > 0.0 {
                                    if st < 0 {
                                        return Ok(true);
                                    }
                                    i64::MAX
                                } else {
                                    if st > 0 {
                                        return Ok(true);
                                    }
                                    i64::MIN
                                }
                            }
                        }
                    }
                    Some(Value::Int(l)) => l,
                    _ => return Err(self.for_error(&limit, "limit")),
                },
            };
            if if st > 0 { i0 > lim } else { i0 < lim } {
                return Ok(true);
            }
            let count = if st > 0 {
                (lim as u64).wrapping_sub(i0 as u64) / st as u64
            } else {
                let s = (st.wrapping_add(1)).wrapping_neg() as u64 + 1;
                (i0 as u64).wrapping_sub(lim as u64) / s
            };
            set(1, Value::Int(count as i64));
            set(3, Value::Int(i0));
            return Ok(false);
        }
        let f_limit = match number::to_number(limit) {
            Some(v) => number::as_float(v).unwrap_or(0.0),
            None => return Err(self.for_error(&limit, "limit")),
        };
        let f_step = match number::to_number(step) {
            Some(v) => number::as_float(v).unwrap_or(0.0),
            None => return Err(self.for_error(&step, "step")),
        };
        let f_init = match number::to_number(init) {
            Some(v) => number::as_float(v).unwrap_or(0.0),
            None => return Err(self.for_error(&init, "initial value")),
        };
        if f_step == 0.0 {
            return Err(self.lua_rt_error("'for' step is zero"));
        }
        let skip = if f_step > 0.0 {
            f_limit < f_init
        } else {
            f_init < f_limit
        };
        if skip {
            return Ok(true);
        }
        set(0, Value::Float(f_init));
        set(1, Value::Float(f_limit));
        set(2, Value::Float(f_step));
        set(3, Value::Float(f_init));
        Ok(false)
    }

    fn for_error(&mut self, v: &Value, what: &str) -> LuaError {
        let t = self.obj_typename(v);
        self.lua_rt_error(format!("bad 'for' {what} (number expected, got {t})"))
    }

    /// Mark stack slot `slot` (holding `v`) as a to-be-closed variable.
    pub(crate) fn mark_tbc(&mut self, slot: usize, v: Value) -> LuaResult<()> {
        if v.is_falsy() {
            return Ok(());
        }
        if self.get_tm(&v, Tm::Close).is_nil() {
            let name = crate::debug::local_name_at(self, slot).unwrap_or_else(|| "?".into());
            return Err(self.lua_rt_error(format!("variable '{name}' got a non-closable value")));
        }
        self.ts().tbc.push(slot);
        Ok(())
    }

    /// CONCAT over the `n` values at stack slots `first..first + n`, in place: the result ends
    /// in slot `first`. Works right to left like PUC's luaV_concat: runs of strings/numbers
    /// are joined at once, other pairs go through __concat. While a metamethod runs, `top`
    /// is one past the remaining operands, so a yield inside it can be finished (`finish_op`).
    pub(crate) fn concat_regs(&mut self, first: usize, mut n: usize) -> LuaResult<()> {
        let base = self.ts().frames.last().map_or(0, |f| f.base);
        while n > 1 {
            let ts = self.ts();
            let (a, b) = (ts.stack[first + n - 2], ts.stack[first + n - 1]);
            let is_sn = |v: &Value| matches!(v, Value::Str(_) | Value::Int(_) | Value::Float(_));
            if is_sn(&a) && is_sn(&b) {
                // Join the longest run of strings/numbers ending at the top.
                let mut k = 2;
                while k < n && is_sn(&ts.stack[first + n - k - 1]) {
                    k += 1;
                }
                // One buffer for the whole result, allocated where failing is PUC's "not
                // enough memory" (numbers take at most 24 bytes of text), then kept as the
                // string's own memory.
                let run = &ts.stack[first + n - k..first + n];
                let size = run.iter().fold(0usize, |acc, v| match v {
                    Value::Str(s) => acc.saturating_add(s.len()),
                    _ => acc.saturating_add(24),
                });
                let mut buf = self.try_buffer(size)?;
                for v in &self.ts().stack[first + n - k..first + n] {
                    crate::tm::append_str_form(v, &mut buf);
                }
                let r = Value::Str(self.heap.intern_vec(buf));
                self.ts().stack[first + n - k] = r;
                n -= k - 1;
            } else {
                self.ts().top = first + n;
                let (sa, sb) = (
                    Slot::Reg(first + n - 2 - base),
                    Slot::Reg(first + n - 1 - base),
                );
                let r = self.concat2(a, b, Some(sa), Some(sb))?;
                self.ts().stack[first + n - 2] = r;
                n -= 1;
            }
        }
        Ok(())
    }

    /// Finish an instruction interrupted by a yield inside a metamethod (after resume).
    pub(crate) fn finish_op(&mut self) -> LuaResult<()> {
        let ts = self.ts();
        let fr = *ts.frames.last().expect("Lua frame to finish");
        let Some(cl) = fr.closure else { return Ok(()) };
        let i = cl.proto.code[fr.pc - 1];
        let res = if ts.top > 0 {
            ts.stack[ts.top - 1]
        } else {
            Value::Nil
        };
        match i.op() {
            Op::Eq
            | Op::Lt
            | Op::Le
            | Op::LtI
            | Op::LeI
            | Op::GtI
            | Op::GeI
            | Op::EqK
            | Op::EqI => {
                if res.truthy() != i.k() {
                    ts.frames.last_mut().expect("frame").pc += 1;
                }
            }
            Op::SetTabUp | Op::SetTable | Op::SetI | Op::SetField | Op::Tbc => {}
            Op::Close => {
                // A __close handler yielded: run the instruction again for the variables
                // still pending (the finished one is off the list).
                ts.frames.last_mut().expect("frame").pc -= 1;
            }
            Op::Return => {
                // As CLOSE; the handler ran just above the returned values, with the error
                // slot (nil) at the old top, so that slot marks their end again.
                ts.frames.last_mut().expect("frame").pc -= 1;
                ts.top -= 1;
                return Ok(());
            }
            Op::Concat => {
                // The metamethod ran with `top` one past the remaining operands; its result
                // replaces the last two of them, then the rest of the chain is joined.
                let first = fr.base + i.a();
                let n = ts.top - 1 - first;
                ts.stack[first + n - 2] = res;
                self.concat_regs(first, n - 1)?;
            }
            _ => ts.stack[fr.base + i.a()] = res,
        }
        self.ts().top = fr.top;
        Ok(())
    }
}
