//! Recording calls and returns: Lua calls are inlined, known library functions become IR,
//! generic `for` over `ipairs` is specialised.
//!
//! A Lua call guards the callee's identity and pushes an inlined frame whose registers are
//! the slots above the callee's function slot (missing parameters are nil, as the
//! interpreter sets them); the recorder then follows the callee's instructions. A return
//! moves the results to the function slot, adjusted to the count the caller wants, and pops
//! the frame. A root trace that returns out of its root frame ends there (the return runs
//! interpreted). A side trace goes on in the interpreter frame below (LuaJIT's RETF): a
//! helper guards that the frame returned out of is a plain call from the same prototype
//! and pc as when recorded, and the caller's registers become slots below the trace's
//! base.
//!
//! A library function is guarded by address and replaced by its IR (`math.sqrt` is a
//! `SQRT`...); its results land in the function slot as the interpreter puts them.

use crate::abort::{Abort, Reason, RecResult};
use crate::builtins::Builtin;
use crate::ir::{Field, Op, Ref, Ty};
use crate::record::{MetaRet, Opnd, RecFrame, Recorder};
use lua_core::gc::Gc;
use lua_core::object::LuaClosure;
use lua_core::opcodes::{Instr, Op as Bc};
use lua_core::{State, Value};

impl Recorder {
    pub fn call(&mut self, st: &mut State, pc: usize, i: Instr) -> RecResult<()> {
        let a = i.a();
        let fslot = self.frame().base + a as i32;
        let nargs = if i.b() != 0 {
            i.b() as i32 - 1
        } else {
            self.top.ok_or(Reason::FrameMismatch)? - fslot - 1
        };
        let nresults = i.c() as i32 - 1;
        let f = self.reg(st, a)?;
        match f.v {
            // (Past the limits, a function with a loop is called out, its loop a trace of
            // its own; plain recursion aborts: the callee would only be interpreted.)
            Value::LuaFn(cl) if !self.inlinable(&cl) && has_loop(&cl.proto) => {
                self.callout(st, pc, i)
            }
            Value::LuaFn(cl) => {
                self.guard_proto(f.r, &cl)?;
                self.inline_call(cl, f.r, fslot, nargs, pc + 1, nresults)
            }
            Value::LightFn(nf) => {
                let Some(b) = self.builtins.get(nf) else {
                    return self.callout(st, pc, i);
                };
                let k = self.konst(f.v);
                self.guard(Op::Eq, Ty::LightFn, f.r, k, 0)?;
                match self.call_builtin(st, b, fslot, nargs, nresults) {
                    // Arguments the recorder does not compile: the library runs it.
                    Err(ab)
                        if matches!(ab.reason, Reason::NyiFunc | Reason::NyiType)
                            && !b.not_compiled() =>
                    {
                        self.callout(st, pc, i)
                    }
                    r => r,
                }
            }
            Value::NativeFn(nc) if self.builtins.get(nc.f).is_some_and(|b| b.not_compiled()) => {
                Err(Abort::with(Reason::NyiFunc, "coroutine.wrap function"))
            }
            _ => self.callout(st, pc, i),
        }
    }

    /// May a call of `cl` be inlined here (within the depth and recursion limits)?
    fn inlinable(&self, cl: &Gc<LuaClosure>) -> bool {
        self.inline_limit(cl).is_none()
    }

    /// The inlining limit a call of `cl` here would pass, if any.
    fn inline_limit(&self, cl: &Gc<LuaClosure>) -> Option<Reason> {
        if self.frames.len() as u32 > self.limits.maxdepth {
            return Some(Reason::TooDeep);
        }
        let same = self
            .frames
            .iter()
            .filter(|f| std::rc::Rc::ptr_eq(&f.closure.proto, &cl.proto))
            .count() as u32;
        (same >= self.limits.maxrecursion).then_some(Reason::Recursion)
    }

    /// Guard that the closure `f` (a function value) is one of `cl`'s prototype, and keep
    /// the prototype alive with the trace. (Closures made in a loop share one prototype, and
    /// an inlined frame reads its upvalues through whichever closure it is.)
    fn guard_proto(&mut self, f: Ref, cl: &Gc<LuaClosure>) -> RecResult<()> {
        let code = self.emit(Op::FLoad, Ty::Ptr, f, Ref::NONE, Field::FnCode as i64)?;
        let k = self.em.ir.kptr(cl.proto.code.as_ptr() as usize);
        self.guard(Op::Eq, Ty::Ptr, code, k, 0)?;
        self.protos.push(cl.proto.clone());
        Ok(())
    }

    fn inline_call(
        &mut self,
        cl: Gc<LuaClosure>,
        fn_ref: Ref,
        fslot: i32,
        nargs: i32,
        ret_pc: usize,
        nresults: i32,
    ) -> RecResult<()> {
        let p = &cl.proto;
        if let Some(r) = self.inline_limit(&cl) {
            return Err(r.into());
        }
        let base = fslot + 1;
        let limit = base + cl.maxstacksize as i32;
        let nil = self.em.ir.knil();
        for j in nargs..p.numparams as i32 {
            self.set_slot(base + j, nil);
        }
        let nextra = if p.is_vararg {
            (nargs - p.numparams as i32).max(0) as u32
        } else {
            0
        };
        self.ensure_slot(limit - 1);
        self.frames.push(RecFrame {
            base,
            func: fslot,
            closure: cl,
            fn_ref,
            ret_pc: ret_pc as u32,
            nresults,
            limit,
            nextra,
            meta: None,
        });
        Ok(())
    }

    /// VARARGPREP of an inlined vararg function: as the interpreter does, its registers
    /// move above the extra arguments, the fixed parameters copied there.
    pub fn varargprep(&mut self, st: &State) -> RecResult<()> {
        let f = self.frame().clone();
        if self.frames.len() == 1 || f.base != f.func + 1 {
            return Err(Reason::NyiVararg.into());
        }
        let np = f.closure.proto.numparams as i32;
        let base = f.func + 1 + np + f.nextra as i32;
        for j in 0..np {
            let v = self.slot(st, f.func + 1 + j)?;
            self.set_slot(base + j, v);
        }
        let limit = base + f.closure.maxstacksize as i32;
        self.ensure_slot(limit - 1);
        let fr = self.frames.last_mut().expect("frame");
        fr.base = base;
        fr.limit = limit;
        Ok(())
    }

    /// VARARG: the extra arguments into R[A]... (C - 1 of them, or all with the top set
    /// after them). They lie just below the frame's base. The root frame's count is
    /// guarded (the trace may be entered from another call of its function); its extra
    /// arguments are below the trace's slot 0, read without being tracked as slots.
    pub fn vararg(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        let f = self.frame().clone();
        let nextra = f.nextra as usize;
        let src = f.base - nextra as i32;
        if self.frames.len() == 1 && self.below == 0 {
            // (Below the base frame, RETF guarded the count.)
            let n = self.emit(Op::NExtra, Ty::Int, Ref::NONE, Ref::NONE, 0)?;
            let k = self.em.ir.kint(nextra as i64);
            self.guard(Op::Eq, Ty::Int, n, k, 0)?;
        }
        let wanted = if i.c() == 0 { nextra } else { i.c() - 1 };
        let nil = self.em.ir.knil();
        let mut vals = Vec::with_capacity(wanted);
        for j in 0..wanted {
            let s = src + j as i32;
            vals.push(if j >= nextra {
                nil
            } else if s >= 0 {
                self.slot(st, s)?
            } else {
                let ty = Ty::of_value(&st.ts().stack[self.base_abs - (-s) as usize]);
                self.sload(ty, s)?
            });
        }
        for (j, v) in vals.into_iter().enumerate() {
            self.set_reg(i.a() + j, v);
        }
        if i.c() == 0 {
            self.set_top(f.base + (i.a() + nextra) as i32);
        }
        Ok(())
    }

    /// Inline a call of metamethod `f` with `args` by the instruction being recorded (at
    /// `self.pc`): the interpreter calls it above the frame's registers, and its return
    /// finishes that instruction (`ret`).
    pub fn call_meta(&mut self, st: &State, f: Opnd, args: &[Ref], ret: MetaRet) -> RecResult<()> {
        // A metamethod with a loop of its own (which then runs as a trace of its own), or
        // one past the inlining limits: the instruction is called out.
        let cl = match f.v {
            Value::LuaFn(cl)
                if ret != MetaRet::Unsupported && self.inlinable(&cl) && !has_loop(&cl.proto) =>
            {
                cl
            }
            _ => {
                let i = self.frame().closure.proto.code[self.pc];
                if !lua_core::vm_step::steppable(i.op()) {
                    return Err(Abort::with(Reason::NyiMeta, "metamethod call-out"));
                }
                return self.callout(st, self.pc, i);
            }
        };
        self.guard_proto(f.r, &cl)?;
        let fslot = self.frame().limit;
        self.set_slot(fslot, f.r);
        for (j, &a) in args.iter().enumerate() {
            self.set_slot(fslot + 1 + j as i32, a);
        }
        let ret_pc = self.pc + 1;
        self.inline_call(cl, f.r, fslot, args.len() as i32, ret_pc, 1)?;
        self.frames.last_mut().expect("frame").meta = Some(ret);
        Ok(())
    }

    /// RETURN/RETURN0/RETURN1 of an inlined frame.
    pub fn ret(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        if self.frames.len() == 1 {
            // (A return that closes upvalues or to-be-closed variables stays interpreted.)
            let closes = i.op() == Bc::Return && i.k();
            return match self.below_caller(st, closes) {
                Some((caller, call)) => {
                    let vals = self.ret_values(st, i)?;
                    self.ret_below(st, &vals, caller, call)
                }
                None => self.return_exit(),
            };
        }
        if i.op() == Bc::Return && i.k() {
            // An inlined function's return that closes: with nothing open now, guarded (an
            // exit lets the interpreter close and return); with something to close, the
            // whole return is called out (its `__close` handlers run as the call-out's
            // callees, and the recorder goes on in the caller, `end_callout`). Not for a
            // metamethod's frame: its return finishes the instruction that called it.
            let level = self.frame().base;
            let abs = (self.base_abs as i64 + level as i64) as usize;
            if st.ts().close_pending(abs) {
                if self.frame().meta.is_some() {
                    return Err(Abort::with(
                        Reason::NyiBytecode,
                        "metamethod's RETURN closing a to-be-closed variable",
                    ));
                }
                return self.callout(st, self.pc, i);
            }
            self.guard(Op::CloseChk, Ty::Void, Ref::NONE, Ref::NONE, level as i64)?;
        }
        let vals = self.ret_values(st, i)?;
        let base = self.frame().base;
        let a = i.a();
        // A comparison's metamethod: the truth of its result is guarded while its frame is
        // still there (an exit returns again and the interpreter finishes the comparison).
        let cond = match self.frame().meta {
            Some(MetaRet::Cond) if !vals.is_empty() => {
                let v = Opnd {
                    r: vals[0],
                    v: self.rt(st, base + a as i32),
                };
                Some(self.truthiness(v)?)
            }
            Some(MetaRet::Cond) => Some(false),
            _ => None,
        };
        let f = self.frames.pop().expect("inlined frame");
        if let Some(truth) = cond {
            // The comparison at `ret_pc - 1` jumps when the truth equals its k.
            let pc = f.ret_pc as usize - 1;
            let k = self.frame().closure.proto.code[pc].k();
            return self.take_jump(pc, truth == k);
        }
        self.finish_frame(&f, &vals)
    }

    /// The values return instruction `i` of the current frame returns.
    fn ret_values(&mut self, st: &mut State, i: Instr) -> RecResult<Vec<Ref>> {
        let a = i.a();
        let base = self.frame().base;
        let n = match i.op() {
            Bc::Return0 => 0,
            Bc::Return1 => 1,
            _ if i.b() != 0 => i.b() as i32 - 1,
            _ => self.top.ok_or(Reason::FrameMismatch)? - (base + a as i32),
        };
        let mut vals = Vec::with_capacity(n as usize);
        for j in 0..n {
            vals.push(self.slot(st, base + a as i32 + j)?);
        }
        Ok(vals)
    }

    /// Can this side trace follow a return out of its bottom frame into the interpreter
    /// frame below (not one that `closes` upvalues)? Then that frame's closure and the CALL
    /// instruction it made.
    fn below_caller(&self, st: &State, closes: bool) -> Option<(Gc<LuaClosure>, Instr)> {
        const MAX_BELOW: u32 = 8;
        if self.side.is_none() || self.below >= MAX_BELOW || self.root_fi == 0 || closes {
            return None;
        }
        let ts = st.ts();
        let me = &ts.frames[self.root_fi];
        let caller = &ts.frames[self.root_fi - 1];
        let cc = caller.closure?;
        let plain = me.kind == lua_core::thread::CallKind::Normal
            && !me.fresh
            && me.handler_slot == lua_core::thread::NO_HANDLER
            && caller.nextra <= MAX_RETF_NEXTRA;
        let call = *cc.proto.code.get(caller.pc.checked_sub(1)?)?;
        let fits = call.op() == Bc::Call
            && me.func == caller.base + call.a()
            && self.bottom_frame_fixed(st);
        (plain && fits).then_some((cc, call))
    }

    /// Is the bottom frame a non-vararg function's whose registers start just above its
    /// function slot, where the recorder has them? (Returns and tail calls out of it move
    /// values to that slot.)
    fn bottom_frame_fixed(&self, st: &State) -> bool {
        let f0 = &self.frames[0];
        let me = &st.ts().frames[self.root_fi];
        !f0.closure.proto.is_vararg
            && me.base == me.func + 1
            && self.base_abs as isize + f0.base as isize == me.base as isize
    }

    /// Return `vals` out of the bottom frame into `caller`, whose instruction `call` made
    /// the call (checked by `below_caller`).
    fn ret_below(
        &mut self,
        st: &mut State,
        vals: &[Ref],
        caller: Gc<LuaClosure>,
        call: Instr,
    ) -> RecResult<()> {
        let cf = st.ts().frames[self.root_fi - 1];
        let proto = self.em.ir.kptr(std::rc::Rc::as_ptr(&caller.proto) as usize);
        let k = retf_k(cf.pc, cf.nextra, self.below);
        self.guard(Op::RetF, Ty::Void, proto, Ref::NONE, k)?;
        self.protos.push(caller.proto.clone());
        let func = self.frames[0].base - 1;
        let base = func - call.a() as i32;
        let limit = base + caller.maxstacksize as i32;
        // (A vararg caller's function slot is below its extra arguments and copied
        // parameters; their count is guarded by RETF.)
        let cfunc = base - 1 - (cf.base - cf.func - 1) as i32;
        self.frames[0] = RecFrame {
            base,
            func: cfunc,
            closure: caller,
            fn_ref: Ref::NONE,
            ret_pc: 0,
            nresults: cf.nresults,
            limit,
            nextra: cf.nextra,
            meta: None,
        };
        self.root_fi -= 1;
        self.below += 1;
        self.root_tail = false;
        self.ensure_slot(cfunc);
        self.place_results(func, vals, call.c() as i32 - 1);
        Ok(())
    }

    /// May this side trace follow a tail call from its bottom frame (the callee takes
    /// over the frame, `root_tail`)?
    fn root_tail_ok(&self, st: &State) -> bool {
        self.side.is_some() && self.bottom_frame_fixed(st)
    }

    /// A tail call `i` from the bottom frame that closes upvalues (k): guard that there is
    /// nothing to close (else the exit lets the interpreter do it).
    fn close_root(&mut self, i: Instr) -> RecResult<()> {
        if i.k() {
            let level = self.frames[0].base;
            self.guard(Op::CloseChk, Ty::Void, Ref::NONE, Ref::NONE, level as i64)?;
        }
        Ok(())
    }

    /// Frame `f` (just popped) returned `vals`: results to its caller, or, for a
    /// metamethod, the end of the instruction that called it.
    fn finish_frame(&mut self, f: &RecFrame, vals: &[Ref]) -> RecResult<()> {
        match f.meta {
            None => self.place_results(f.func, vals, f.nresults),
            Some(MetaRet::Store(slot)) => {
                let v = vals.first().copied().unwrap_or_else(|| self.em.ir.knil());
                self.set_slot(slot, v);
            }
            Some(MetaRet::Drop | MetaRet::Cond) => {}
            Some(MetaRet::Unsupported) => {
                return Err(Abort::with(Reason::NyiMeta, "metamethod result"));
            }
        }
        Ok(())
    }

    /// Results of a call at function slot `func`, adjusted to `wanted` (-1: all, setting
    /// the top).
    fn place_results(&mut self, func: i32, vals: &[Ref], wanted: i32) {
        let nil = self.em.ir.knil();
        let count = if wanted < 0 {
            vals.len()
        } else {
            wanted as usize
        };
        for j in 0..count {
            let v = vals.get(j).copied().unwrap_or(nil);
            self.set_slot(func + j as i32, v);
        }
        if wanted < 0 {
            self.set_top(func + vals.len() as i32);
        }
    }

    fn call_builtin(
        &mut self,
        st: &mut State,
        b: Builtin,
        fslot: i32,
        nargs: i32,
        nresults: i32,
    ) -> RecResult<()> {
        let results = self.builtin(st, b, fslot, nargs)?;
        self.place_results(fslot, &results, nresults);
        Ok(())
    }

    /// The results of library function `b` called at `fslot` with `nargs` arguments.
    fn builtin(
        &mut self,
        st: &mut State,
        b: Builtin,
        fslot: i32,
        nargs: i32,
    ) -> RecResult<Vec<Ref>> {
        let mut args = Vec::with_capacity(nargs as usize);
        for j in 0..nargs {
            let s = fslot + 1 + j;
            args.push(Opnd {
                r: self.slot(st, s)?,
                v: self.rt(st, s),
            });
        }
        let name = format!("{b:?}");
        let nyi = || Abort::with(Reason::NyiFunc, name.clone());
        let arg = |j: usize| args.get(j).copied().ok_or_else(nyi);
        let ty = |r: &Recorder, o: Opnd| r.em.ir.ty(o.r);
        let results: Vec<Ref> = match b {
            Builtin::MathSqrt => {
                let x = arg(0)?;
                if !matches!(ty(self, x), Ty::Int | Ty::Num) {
                    return Err(nyi());
                }
                let x = self.num_operand(x)?;
                vec![self.emit(Op::Sqrt, Ty::Num, x, Ref::NONE, 0)?]
            }
            Builtin::MathAbs => {
                let x = arg(0)?;
                match ty(self, x) {
                    Ty::Num => vec![self.emit(Op::Abs, Ty::Num, x.r, Ref::NONE, 0)?],
                    _ => return Err(nyi()),
                }
            }
            Builtin::MathFloor | Builtin::MathCeil => {
                let x = arg(0)?;
                match x.v {
                    Value::Int(_) => vec![x.r],
                    Value::Float(f) => {
                        let irop = if b == Builtin::MathFloor {
                            Op::Floor
                        } else {
                            Op::Ceil
                        };
                        let r = if b == Builtin::MathFloor {
                            f.floor()
                        } else {
                            f.ceil()
                        };
                        let fl = self.emit(irop, Ty::Num, x.r, Ref::NONE, 0)?;
                        if lua_core::number::float_to_int_exact(r).is_some() {
                            vec![self.guard(Op::NToI, Ty::Int, fl, Ref::NONE, 0)?]
                        } else {
                            return Err(nyi());
                        }
                    }
                    _ => return Err(nyi()),
                }
            }
            Builtin::MathMin | Builtin::MathMax => {
                if nargs != 2 {
                    return Err(nyi());
                }
                let (x, y) = (arg(0)?, arg(1)?);
                let (tx, tyy) = (ty(self, x), ty(self, y));
                if tx != tyy || !matches!(tx, Ty::Int | Ty::Num) {
                    return Err(nyi());
                }
                if tx == Ty::Num
                    && (matches!(x.v, Value::Float(f) if f.is_nan())
                        || matches!(y.v, Value::Float(f) if f.is_nan()))
                {
                    return Err(nyi());
                }
                let irop = if b == Builtin::MathMin {
                    Op::Min
                } else {
                    Op::Max
                };
                vec![self.emit(irop, tx, x.r, y.r, 0)?]
            }
            Builtin::MathType => {
                let x = arg(0)?;
                let s: &[u8] = match ty(self, x) {
                    Ty::Int => b"integer",
                    Ty::Num => b"float",
                    _ => return Err(nyi()),
                };
                let sv = Value::Str(st.intern(s));
                vec![self.konst(sv)]
            }
            Builtin::Type => {
                let x = arg(0)?;
                let sv = Value::Str(st.intern(x.v.type_name().as_bytes()));
                vec![self.konst(sv)]
            }
            Builtin::Assert => {
                let x = arg(0)?;
                if !self.truthiness(x)? {
                    return Err(nyi());
                }
                args.iter().map(|o| o.r).collect()
            }
            Builtin::Select => {
                // The selector is '#' (guarded; the count is known) or a constant index. A
                // variable index would need a load from a computed stack slot: NYI.
                let x = arg(0)?;
                let rest = &args[1..];
                match x.v {
                    Value::Str(sv) if sv.as_bytes() == b"#" => {
                        let k = self.konst(x.v);
                        self.guard(Op::Eq, Ty::Str, x.r, k, 0)?;
                        vec![self.em.ir.kint(rest.len() as i64)]
                    }
                    Value::Int(n) if x.r.is_const() => {
                        let len = rest.len() as i64;
                        let from = match n {
                            n if n < 0 && -n <= len => len + n,
                            n if n > 0 => (n - 1).min(len),
                            // Out of range: the interpreter raises.
                            _ => return Err(nyi()),
                        };
                        rest[from as usize..].iter().map(|o| o.r).collect()
                    }
                    _ => return Err(nyi()),
                }
            }
            Builtin::Tonumber => {
                let x = arg(0)?;
                if nargs != 1 || !matches!(ty(self, x), Ty::Int | Ty::Num) {
                    return Err(nyi());
                }
                vec![x.r]
            }
            Builtin::Rawlen | Builtin::StringLen => {
                let x = arg(0)?;
                match (b, x.v) {
                    (_, Value::Str(_)) => {
                        vec![self.emit(Op::FLoad, Ty::Int, x.r, Ref::NONE, Field::StrLen as i64)?]
                    }
                    (Builtin::Rawlen, Value::Table(_)) => {
                        vec![self.emit(Op::TLen, Ty::Int, x.r, Ref::NONE, 0)?]
                    }
                    _ => return Err(nyi()),
                }
            }
            Builtin::StringByte => {
                // string.byte(s [, i]) for one positive index: the byte if i is in range,
                // else no result (guarded either way). A negative index or a range is NYI.
                let s = arg(0)?;
                let i = self.arg_or(&args, 1, Value::Int(1));
                let (Value::Str(sv), Value::Int(n)) = (s.v, i.v) else {
                    return Err(nyi());
                };
                if nargs > 2 || n < 1 {
                    return Err(nyi());
                }
                let len = self.emit(Op::FLoad, Ty::Int, s.r, Ref::NONE, Field::StrLen as i64)?;
                let one = self.em.ir.kint(1);
                let i0 = self.emit(Op::Sub, Ty::Int, i.r, one, 0)?;
                if n as u64 > sv.len() as u64 {
                    self.guard(Op::UGe, Ty::Int, i0, len, 0)?;
                    vec![]
                } else {
                    self.guard(Op::ULt, Ty::Int, i0, len, 0)?;
                    let data =
                        self.emit(Op::FLoad, Ty::Ptr, s.r, Ref::NONE, Field::StrData as i64)?;
                    vec![self.emit(Op::StrByte, Ty::Int, data, i.r, 0)?]
                }
            }
            Builtin::StringSub => {
                let s = arg(0)?;
                let i = arg(1)?;
                let j = self.arg_or(&args, 2, Value::Int(-1));
                if nargs > 3
                    || ty(self, s) != Ty::Str
                    || ty(self, i) != Ty::Int
                    || ty(self, j) != Ty::Int
                {
                    return Err(nyi());
                }
                let pair = self.emit(Op::CArg, Ty::Void, i.r, j.r, 0)?;
                self.allocates = true;
                vec![self.emit(Op::StrSub, Ty::Str, s.r, pair, 0)?]
            }
            Builtin::StringChar => {
                let b = arg(0)?;
                if nargs != 1 || ty(self, b) != Ty::Int {
                    return Err(nyi());
                }
                let lim = self.em.ir.kint(256);
                self.guard(Op::ULt, Ty::Int, b.r, lim, 0)?;
                self.allocates = true;
                vec![self.emit(Op::StrChar, Ty::Str, b.r, Ref::NONE, 0)?]
            }
            Builtin::Rawequal => {
                let (x, y) = (arg(0)?, arg(1)?);
                let (tx, tyy) = (ty(self, x), ty(self, y));
                let res = x.v.raw_eq(&y.v);
                if tx == tyy && tx.is_gc() && tx != Ty::Str {
                    let op = if res { Op::Eq } else { Op::Ne };
                    self.guard(op, tx, x.r, y.r, 0)?;
                } else if tx != tyy
                    && !(matches!(tx, Ty::Int | Ty::Num) && matches!(tyy, Ty::Int | Ty::Num))
                {
                    // Different types: never equal (types are guarded).
                } else {
                    return Err(nyi());
                }
                vec![self.em.ir.kbool(res)]
            }
            Builtin::Setmetatable => {
                let (t, m) = (arg(0)?, arg(1)?);
                let Value::Table(tab) = t.v else {
                    return Err(nyi());
                };
                if !matches!(m.v, Value::Table(_) | Value::Nil) {
                    return Err(nyi());
                }
                // Only a table without a metatable yet (no __metatable protection to check).
                let cur = self.emit(Op::FLoad, Ty::Ptr, t.r, Ref::NONE, Field::TabMeta as i64)?;
                if tab.metatable().is_some() {
                    return Err(nyi());
                }
                self.guard_meta(cur, None)?;
                self.emit(Op::SetMeta, Ty::Void, t.r, m.r, 0)?;
                vec![t.r]
            }
            Builtin::Next => {
                let t = arg(0)?;
                let k = self.arg_or(&args, 1, Value::Nil);
                let (key, val) = self.next_pair(t, k)?;
                // (At the end, one nil.)
                if self.em.ir.ty(key) == Ty::Nil {
                    vec![key]
                } else {
                    vec![key, val]
                }
            }
            Builtin::IpairsAux
            | Builtin::CoroutineYield
            | Builtin::CoroutineResume
            | Builtin::CoroutineWrapped => return Err(nyi()),
        };
        Ok(results)
    }

    /// Argument `j` of a library call, or the constant `default` when it was not passed.
    fn arg_or(&mut self, args: &[Opnd], j: usize, default: Value) -> Opnd {
        args.get(j).copied().unwrap_or_else(|| Opnd {
            r: self.konst(default),
            v: default,
        })
    }

    /// `next(t, k)`: the next key and value as IR (a nil key at the end).
    fn next_pair(&mut self, t: Opnd, k: Opnd) -> RecResult<(Ref, Ref)> {
        let Value::Table(tab) = t.v else {
            return Err(Abort::with(Reason::NyiType, "next"));
        };
        let next = tab
            .next(&k.v)
            .map_err(|_| Abort::with(Reason::NyiKey, "invalid key to 'next'"))?;
        let p = self.emit(Op::TNext, Ty::Ptr, t.r, k.r, 0)?;
        match next {
            Some((nk, nv)) => {
                let key = self.guard(Op::VLoad, Ty::of_value(&nk), p, Ref::NONE, 0)?;
                let two = self.em.ir.kint(2);
                let vp = self.emit(Op::ARef, Ty::Ptr, p, two, 0)?;
                let val = self.guard(Op::VLoad, Ty::of_value(&nv), vp, Ref::NONE, 0)?;
                Ok((key, val))
            }
            None => {
                let nil = self.guard(Op::VLoad, Ty::Nil, p, Ref::NONE, 0)?;
                Ok((nil, nil))
            }
        }
    }

    /// TAILCALL from an inlined frame: the callee replaces the frame (a tail call from the
    /// root frame leaves the trace there, like a return).
    pub fn tailcall(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        if self.frames.len() == 1 && !self.root_tail_ok(st) {
            return self.return_exit();
        }
        let a = i.a();
        let fslot = self.frame().base + a as i32;
        let nargs = if i.b() != 0 {
            i.b() as i32 - 1
        } else {
            self.top.ok_or(Reason::FrameMismatch)? - fslot - 1
        };
        let f = self.reg(st, a)?;
        let mut vals = Vec::with_capacity(nargs as usize + 1);
        for j in 0..=nargs {
            vals.push(self.slot(st, fslot + j)?);
        }
        match f.v {
            // (Past the limits, a function with a loop is called out, as by `call`.)
            Value::LuaFn(cl) if !self.inlinable(&cl) && has_loop(&cl.proto) => {
                self.tail_callout(st, i, f.v)
            }
            Value::LuaFn(cl) => {
                self.guard_proto(f.r, &cl)?;
                let root = self.frames.len() == 1;
                if root {
                    if cl.proto.is_vararg {
                        return self.return_exit();
                    }
                    self.close_root(i)?;
                }
                let cur = self.frames.pop().expect("inlined frame");
                for (j, &v) in vals.iter().enumerate() {
                    self.set_slot(cur.func + j as i32, v);
                }
                self.inline_call(
                    cl,
                    vals[0],
                    cur.func,
                    nargs,
                    cur.ret_pc as usize,
                    cur.nresults,
                )?;
                // The callee takes over the frame, as the interpreter reuses it (a
                // metamethod frame stays one).
                self.frames.last_mut().expect("frame").meta = cur.meta;
                self.root_tail |= root;
                Ok(())
            }
            Value::LightFn(nf) => {
                let Some(b) = self.builtins.get(nf) else {
                    return self.tail_callout(st, i, f.v);
                };
                let k = self.konst(f.v);
                self.guard(Op::Eq, Ty::LightFn, f.r, k, 0)?;
                if self.frames.len() == 1 {
                    // `return native(...)` from the bottom frame: its results return out
                    // of it (or the interpreter does the call and the return).
                    let Some((caller, call)) = self.below_caller(st, false) else {
                        return self.return_exit();
                    };
                    self.close_root(i)?;
                    let results = self.builtin(st, b, fslot, nargs)?;
                    return self.ret_below(st, &results, caller, call);
                }
                match self.builtin(st, b, fslot, nargs) {
                    Ok(results) => {
                        let cur = self.frames.pop().expect("inlined frame");
                        self.finish_frame(&cur, &results)
                    }
                    // Arguments the recorder does not compile: the library runs it.
                    Err(ab)
                        if matches!(ab.reason, Reason::NyiFunc | Reason::NyiType)
                            && !b.not_compiled() =>
                    {
                        self.tail_callout(st, i, f.v)
                    }
                    Err(ab) => Err(ab),
                }
            }
            Value::NativeFn(nc) if self.builtins.get(nc.f).is_some_and(|b| b.not_compiled()) => {
                Err(Abort::with(Reason::NyiFunc, "coroutine.wrap function"))
            }
            // Other natives, values with `__call`.
            _ => self.tail_callout(st, i, f.v),
        }
    }

    /// `return f(...)` from an inlined frame, where the recorder does not inline `f` (a
    /// native it does not compile, a function with a loop past the inlining limits, a value
    /// with `__call`): called out (`State::jit_tail_call` does what the interpreter's
    /// TAILCALL does), and the trace goes on in the caller once the frame has returned
    /// (`Recorder::end_callout`). (From the bottom frame the trace ends there instead; a
    /// frame that closes upvalues or a metamethod's frame aborts.)
    fn tail_callout(&mut self, st: &State, i: Instr, f: Value) -> RecResult<()> {
        if self.frames.len() == 1 {
            return self.return_exit();
        }
        if i.k() || self.frame().meta.is_some() {
            return Err(Abort::with(Reason::NyiFunc, f.type_name()));
        }
        self.callout(st, self.pc, i)
    }

    /// TFORCALL: the iterator call of a generic `for`.
    pub fn tforcall(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        let a = i.a();
        let f = self.reg(st, a)?;
        let nf = match f.v {
            Value::LightFn(nf) => nf,
            Value::LuaFn(cl) if self.inlinable(&cl) => return self.tforcall_lua(st, i, f, cl),
            Value::NativeFn(nc) if self.builtins.get(nc.f).is_some_and(|b| b.not_compiled()) => {
                return Err(Abort::with(
                    Reason::NyiFunc,
                    "coroutine.wrap function iterator",
                ));
            }
            _ => return self.callout(st, self.pc, i),
        };
        match self.builtins.get(nf) {
            Some(Builtin::IpairsAux) => {
                let k = self.konst(f.v);
                self.guard(Op::Eq, Ty::LightFn, f.r, k, 0)?;
                let t = self.reg(st, a + 1)?;
                let ctl = self.reg(st, a + 2)?;
                let (Value::Table(_), Value::Int(c)) = (t.v, ctl.v) else {
                    return Err(Abort::with(Reason::NyiType, "ipairs"));
                };
                let one = self.em.ir.kint(1);
                let i2 = self.emit(Op::Add, Ty::Int, ctl.r, one, 0)?;
                let key = Opnd {
                    r: i2,
                    v: Value::Int(c.wrapping_add(1)),
                };
                let Some(v) = self.index(st, t, key, MetaRet::Unsupported)? else {
                    return Err(Abort::with(Reason::NyiMeta, "__index in ipairs"));
                };
                let nil = self.em.ir.knil();
                // A nil value ends the loop: the control value is nil then.
                let i2 = if self.em.ir.ty(v) == Ty::Nil { nil } else { i2 };
                let base = self.frame().base + a as i32;
                for j in 0..i.c() as i32 {
                    let r = match j {
                        0 => i2,
                        1 => v,
                        _ => nil,
                    };
                    self.set_slot(base + 4 + j, r);
                }
                // TFORCALL also copies the iterator triple above the loop variables.
                Ok(())
            }
            Some(Builtin::Next) => {
                let k = self.konst(f.v);
                self.guard(Op::Eq, Ty::LightFn, f.r, k, 0)?;
                let t = self.reg(st, a + 1)?;
                let ctl = self.reg(st, a + 2)?;
                let (key, val) = self.next_pair(t, ctl)?;
                let nil = self.em.ir.knil();
                let base = self.frame().base + a as i32;
                for j in 0..i.c() as i32 {
                    let r = match j {
                        0 => key,
                        1 => val,
                        _ => nil,
                    };
                    self.set_slot(base + 4 + j, r);
                }
                Ok(())
            }
            Some(b) if b.not_compiled() => Err(Abort::with(Reason::NyiFunc, "iterator")),
            _ => self.callout(st, self.pc, i),
        }
    }

    /// TFORCALL of a Lua iterator: as the interpreter does, the iterator triple is copied
    /// above the loop's registers and the iterator called there, inlined like a CALL.
    fn tforcall_lua(
        &mut self,
        st: &mut State,
        i: Instr,
        f: Opnd,
        cl: Gc<LuaClosure>,
    ) -> RecResult<()> {
        let a = i.a();
        self.guard_proto(f.r, &cl)?;
        let (s, ctl) = (self.reg(st, a + 1)?, self.reg(st, a + 2)?);
        let fslot = self.frame().base + a as i32 + 4;
        self.set_slot(fslot, f.r);
        self.set_slot(fslot + 1, s.r);
        self.set_slot(fslot + 2, ctl.r);
        self.inline_call(cl, f.r, fslot, 2, self.pc + 1, i.c() as i32)
    }
}

/// The largest extra-argument count of a vararg caller a RETF may return to (it is part of
/// the guard's `k`).
const MAX_RETF_NEXTRA: u32 = 0xffff;

/// RETF's `k`: the caller's saved pc, its extra-argument count and the frames below the base
/// frame the returning frame is (decoded by `helpers::jit_retf`).
fn retf_k(pc: usize, nextra: u32, below: u32) -> i64 {
    (pc as i64) << 24 | (nextra as i64) << 8 | below as i64
}

/// Does `p` have a loop (a backward jump)?
fn has_loop(p: &lua_core::proto::Proto) -> bool {
    p.code.iter().any(|i| match i.op() {
        Bc::ForLoop | Bc::TForLoop => true,
        Bc::Jmp => i.sj() < 0,
        _ => false,
    })
}
