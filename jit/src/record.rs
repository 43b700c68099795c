//! The recorder: follows the interpreter one instruction at a time and emits IR.
//!
//! Recording starts at a hot loop header and stops when control comes back to it in the
//! same frame (the loop closes) or when something it does not compile happens (an abort).
//! Before each instruction runs, the interpreter hands the recorder the live state; the
//! recorder emits IR specialised to what it sees there (types, table shapes, callee
//! identities), with a guard for every assumption, then the interpreter executes the
//! instruction as usual. So the recorder never computes Lua semantics itself for the
//! program: it only has to describe, in IR, what the interpreter is about to do.
//!
//! Stack slots are virtual while recording: `slots[s]` is the IR value of slot `s`
//! (relative to the root frame's base), `Ref::NONE` while the slot still holds what it held
//! on entry (the first read loads it with an `SLOAD`, type-guarded). Lua calls are inlined:
//! the callee's registers are slots above the caller's, and `frames` tracks the inlined
//! frames so that snapshots can rebuild them.
//!
//! Invariants:
//! - Before each instruction, `frames` matches the thread's frames from the root frame up
//!   (checked on every call; a mismatch, e.g. after an error was caught, aborts).
//! - A guard emitted for instruction `pc` uses a snapshot of the state *before* `pc` (slot
//!   writes of an instruction come after its guards), so a failing guard resumes the
//!   interpreter at `pc`, which re-executes it without the assumption.
//! - The IR type of a slot's value is the type of the value the interpreter has there.

use crate::abort::{Abort, Reason, RecResult};
use crate::builtins::Builtins;
use crate::fold::{Emitted, Emitter};
use crate::ir::{Ins, Ir, Op, Ref, SnapFrame, Snapshot, Ty};
use lua_core::gc::Gc;
use lua_core::object::LuaClosure;
use lua_core::opcodes::{Instr, Op as Bc};
use lua_core::{State, Value};

/// Limits of one recording (LuaJIT's `maxrecord`, `maxsnap`, `maxirconst`...).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytecodes recorded at most.
    pub maxrecord: u32,
    /// Snapshots at most.
    pub maxsnap: u32,
    /// Inlined frames at most (besides the root frame).
    pub maxdepth: u32,
    /// Times one prototype may appear among the inlined frames (recursion unrolling).
    pub maxrecursion: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            maxrecord: 4000,
            maxsnap: 500,
            maxdepth: 10,
            maxrecursion: 2,
        }
    }
}

/// An inlined frame (the root frame is `frames[0]`).
#[derive(Clone)]
pub struct RecFrame {
    /// Slot of register 0.
    pub base: i32,
    /// Slot of the called function (the root frame's is not used).
    pub func: i32,
    pub closure: Gc<LuaClosure>,
    /// The closure as IR: `FNROOT` for the root frame, a constant for inlined frames.
    pub fn_ref: Ref,
    /// pc in the caller to continue at after the return.
    pub ret_pc: u32,
    /// Results the caller wants (-1: all).
    pub nresults: i32,
    /// One past the frame's last register slot.
    pub limit: i32,
}

/// One operand: its IR value and the value the interpreter has for it now.
#[derive(Clone, Copy, Debug)]
pub struct Opnd {
    pub r: Ref,
    pub v: Value,
}

pub struct Recorder {
    pub em: Emitter,
    pub limits: Limits,
    /// Loop header pc in the root frame's prototype.
    pub start_pc: usize,
    /// Absolute stack index of the root frame's base when recording started.
    pub base_abs: usize,
    /// Index of the root frame in the thread's frame list.
    pub root_fi: usize,
    pub frames: Vec<RecFrame>,
    pub slots: Vec<Ref>,
    /// After an instruction that left a variable number of values: the slot of the top.
    pub top: Option<i32>,
    /// The instruction being recorded set `top` (else it is cleared after it).
    top_set: bool,
    /// Snapshot taken for the instruction being recorded, if any.
    cur_snap: Option<u32>,
    /// pc of the instruction being recorded.
    pub pc: usize,
    /// Bytecodes recorded.
    pub nrecorded: u32,
    /// The trace allocates (so the loop needs a GC check).
    pub allocates: bool,
    /// Largest slot the trace touches, plus one (stack space it needs).
    pub max_slot: i32,
    pub builtins: std::rc::Rc<Builtins>,
    /// The interned string constants the trace uses keep these alive (see `Trace::gc_refs`).
    pub gc_consts: Vec<Value>,
}

impl Recorder {
    /// Start recording at loop header `pc` of the thread's top frame (a Lua frame).
    pub fn new(st: &State, pc: usize, builtins: std::rc::Rc<Builtins>, limits: Limits) -> Recorder {
        let ts = st.ts();
        let fi = ts.frames.len() - 1;
        let fr = &ts.frames[fi];
        let cl = fr.closure.expect("recording starts in a Lua frame");
        let mut em = Emitter::new(Ir::new());
        let fn_ref = match em.emit(Ins::new(Op::FnRoot, Ty::LFn, Ref::NONE, Ref::NONE, 0)) {
            Emitted::Ref(r) => r,
            Emitted::Fail => unreachable!("FNROOT never fails"),
        };
        let limit = cl.maxstacksize as i32;
        Recorder {
            em,
            limits,
            start_pc: pc,
            base_abs: fr.base,
            root_fi: fi,
            frames: vec![RecFrame {
                base: 0,
                func: -1,
                closure: cl,
                fn_ref,
                ret_pc: 0,
                nresults: 0,
                limit,
            }],
            slots: vec![Ref::NONE; limit as usize],
            top: None,
            top_set: false,
            cur_snap: None,
            pc,
            nrecorded: 0,
            allocates: false,
            max_slot: limit,
            builtins,
            gc_consts: Vec::new(),
        }
    }

    pub fn ir(&self) -> &Ir {
        &self.em.ir
    }

    pub fn frame(&self) -> &RecFrame {
        self.frames.last().expect("root frame")
    }

    /// Check that the thread is where the recorder thinks it is.
    pub fn check_frames(&self, st: &State) -> RecResult<()> {
        let ts = st.ts();
        let ok = ts.frames.len() == self.root_fi + self.frames.len()
            && self.frames.iter().enumerate().all(|(i, f)| {
                let tf = &ts.frames[self.root_fi + i];
                tf.closure.is_some_and(|c| c.ptr_eq(f.closure))
                    && tf.base == self.base_abs + f.base as usize
            });
        if ok {
            Ok(())
        } else {
            Err(Reason::FrameMismatch.into())
        }
    }

    // ----- emission -----

    /// Emit a non-guard instruction.
    pub fn emit(&mut self, op: Op, ty: Ty, a: Ref, b: Ref, k: i64) -> RecResult<Ref> {
        self.check_size()?;
        match self.em.emit(Ins::new(op, ty, a, b, k)) {
            Emitted::Ref(r) => Ok(r),
            Emitted::Fail => Err(Reason::GuardFail.into()),
        }
    }

    /// Emit a guard (or an instruction that guards, such as a typed load) with the
    /// snapshot of the state before the current instruction.
    pub fn guard(&mut self, op: Op, ty: Ty, a: Ref, b: Ref, k: i64) -> RecResult<Ref> {
        self.check_size()?;
        let snap = self.snap()?;
        let mut ins = Ins::new(op, ty, a, b, k);
        ins.snap = snap;
        match self.em.emit(ins) {
            Emitted::Ref(r) => Ok(r),
            Emitted::Fail => Err(Reason::GuardFail.into()),
        }
    }

    fn check_size(&self) -> RecResult<()> {
        if self.em.ir.ins.len() > 60_000 || self.em.ir.k.len() > 60_000 {
            return Err(Reason::TooManyIns.into());
        }
        Ok(())
    }

    /// The snapshot for the current instruction (taken on first use).
    pub fn snap(&mut self) -> RecResult<u32> {
        if let Some(s) = self.cur_snap {
            return Ok(s);
        }
        let sn = self.take_snapshot(self.pc as u32);
        let snaps = &mut self.em.ir.snaps;
        let n = if snaps.last() == Some(&sn) {
            snaps.len() as u32 - 1
        } else {
            if snaps.len() as u32 >= self.limits.maxsnap {
                return Err(Reason::TooManySnaps.into());
            }
            snaps.push(sn);
            snaps.len() as u32 - 1
        };
        self.cur_snap = Some(n);
        Ok(n)
    }

    /// The current state as a snapshot resuming at `pc`.
    pub fn take_snapshot(&self, pc: u32) -> Snapshot {
        let extent = self.frame().limit.max(self.top.unwrap_or(0)) as usize;
        let mut entries = Vec::new();
        for (s, &r) in self.slots.iter().enumerate().take(extent) {
            if r.is_none() {
                continue;
            }
            let ins = self.em.ir.get(r);
            if !r.is_const() && ins.op == Op::SLoad && ins.k == s as i64 {
                continue;
            }
            entries.push((s as i32, r));
        }
        let frames = self.frames[1..]
            .iter()
            .map(|f| SnapFrame {
                func: f.func,
                closure: f.fn_ref,
                ret_pc: f.ret_pc,
                nresults: f.nresults,
                nextra: 0,
            })
            .collect();
        Snapshot {
            pc,
            entries,
            frames,
            top: self.top,
        }
    }

    // ----- slots -----

    /// The interpreter's current value of slot `s`.
    pub fn rt(&self, st: &State, s: i32) -> Value {
        st.ts().stack[self.base_abs + s as usize]
    }

    pub fn ensure_slot(&mut self, s: i32) {
        if s as usize >= self.slots.len() {
            self.slots.resize(s as usize + 1, Ref::NONE);
        }
        self.max_slot = self.max_slot.max(s + 1);
    }

    /// The IR value of slot `s` (loaded and type-guarded on first use).
    pub fn slot(&mut self, st: &State, s: i32) -> RecResult<Ref> {
        self.ensure_slot(s);
        let r = self.slots[s as usize];
        if !r.is_none() {
            return Ok(r);
        }
        if s >= self.frames[0].limit {
            // A register of an inlined frame read before the trace wrote it: the compiler
            // never does that, so the recorder's frame view is wrong.
            return Err(Reason::FrameMismatch.into());
        }
        let ty = Ty::of_value(&self.rt(st, s));
        let r = self.guard(Op::SLoad, ty, Ref::NONE, Ref::NONE, s as i64)?;
        self.slots[s as usize] = r;
        Ok(r)
    }

    pub fn set_slot(&mut self, s: i32, r: Ref) {
        self.ensure_slot(s);
        self.slots[s as usize] = r;
    }

    /// Register `r` of the current frame, with its current value.
    pub fn reg(&mut self, st: &State, r: usize) -> RecResult<Opnd> {
        let s = self.frame().base + r as i32;
        Ok(Opnd {
            r: self.slot(st, s)?,
            v: self.rt(st, s),
        })
    }

    pub fn set_reg(&mut self, r: usize, v: Ref) {
        let s = self.frame().base + r as i32;
        self.set_slot(s, v);
    }

    /// Constant `i` of the current function.
    pub fn kst(&mut self, i: usize) -> Opnd {
        let v = self.frame().closure.proto.k[i];
        Opnd {
            r: self.konst(v),
            v,
        }
    }

    /// An IR constant for value `v` (reference values are kept alive by the trace).
    pub fn konst(&mut self, v: Value) -> Ref {
        if v.ptr_addr().is_some() && !self.gc_consts.iter().any(|c| c.raw_eq(&v)) {
            self.gc_consts.push(v);
        }
        self.em.ir.kvalue(&v)
    }

    /// RK(C) of instruction `i`: a constant if its k bit is set, else register C.
    pub fn rk(&mut self, st: &State, i: Instr) -> RecResult<Opnd> {
        if i.k() {
            Ok(self.kst(i.c()))
        } else {
            self.reg(st, i.c())
        }
    }

    // ----- the instruction loop -----

    /// Record instruction `pc` of the thread's top frame, about to be executed.
    pub fn record(&mut self, st: &mut State, pc: usize) -> RecResult<()> {
        self.check_frames(st)?;
        self.nrecorded += 1;
        if self.nrecorded > self.limits.maxrecord {
            return Err(Reason::TraceTooLong.into());
        }
        self.pc = pc;
        self.cur_snap = None;
        let i = self.frame().closure.proto.code[pc];
        self.top_set = false;
        self.record_op(st, pc, i)?;
        if !self.top_set {
            self.top = None;
        }
        Ok(())
    }

    /// Set the stack top after an instruction that leaves a variable number of values.
    pub fn set_top(&mut self, slot: i32) {
        self.top = Some(slot);
        self.top_set = true;
        self.ensure_slot(slot);
    }

    fn record_op(&mut self, st: &mut State, pc: usize, i: Instr) -> RecResult<()> {
        use Bc::*;
        match i.op() {
            Move => {
                let v = self.reg(st, i.b())?;
                self.set_reg(i.a(), v.r);
            }
            LoadI => {
                let k = self.em.ir.kint(i.sbx() as i64);
                self.set_reg(i.a(), k);
            }
            LoadF => {
                let k = self.em.ir.knum(i.sbx() as f64);
                self.set_reg(i.a(), k);
            }
            LoadK => {
                let k = self.kst(i.bx());
                self.set_reg(i.a(), k.r);
            }
            LoadKX => {
                let ax = self.frame().closure.proto.code[pc + 1].ax();
                let k = self.kst(ax);
                self.set_reg(i.a(), k.r);
            }
            LoadFalse | LFalseSkip => {
                let k = self.em.ir.kbool(false);
                self.set_reg(i.a(), k);
            }
            LoadTrue => {
                let k = self.em.ir.kbool(true);
                self.set_reg(i.a(), k);
            }
            LoadNil => {
                let k = self.em.ir.knil();
                for j in 0..=i.b() {
                    self.set_reg(i.a() + j, k);
                }
            }
            GetUpval => {
                let v = self.upval_get(st, i.b())?;
                self.set_reg(i.a(), v);
            }
            SetUpval => {
                let v = self.reg(st, i.a())?;
                self.upval_set(st, i.b(), v)?;
            }
            GetTabUp => {
                let uv = self.upval_get(st, i.b())?;
                let t = Opnd {
                    r: uv,
                    v: self.upval_value(i.b()),
                };
                let key = self.kst(i.c());
                let v = self.index(st, t, key)?;
                self.set_reg(i.a(), v);
            }
            GetTable => {
                let t = self.reg(st, i.b())?;
                let key = self.reg(st, i.c())?;
                let v = self.index(st, t, key)?;
                self.set_reg(i.a(), v);
            }
            GetI => {
                let t = self.reg(st, i.b())?;
                let key = Opnd {
                    r: self.em.ir.kint(i.c() as i64),
                    v: Value::Int(i.c() as i64),
                };
                let v = self.index(st, t, key)?;
                self.set_reg(i.a(), v);
            }
            GetField => {
                let t = self.reg(st, i.b())?;
                let key = self.kst(i.c());
                let v = self.index(st, t, key)?;
                self.set_reg(i.a(), v);
            }
            Self_ => {
                let t = self.reg(st, i.b())?;
                let key = self.rk(st, i)?;
                let v = self.index(st, t, key)?;
                self.set_reg(i.a() + 1, t.r);
                self.set_reg(i.a(), v);
            }
            SetTabUp => {
                let uv = self.upval_get(st, i.a())?;
                let t = Opnd {
                    r: uv,
                    v: self.upval_value(i.a()),
                };
                let key = self.kst(i.b());
                let v = self.rk(st, i)?;
                self.newindex(st, t, key, v)?;
            }
            SetTable => {
                let t = self.reg(st, i.a())?;
                let key = self.reg(st, i.b())?;
                let v = self.rk(st, i)?;
                self.newindex(st, t, key, v)?;
            }
            SetI => {
                let t = self.reg(st, i.a())?;
                let key = Opnd {
                    r: self.em.ir.kint(i.b() as i64),
                    v: Value::Int(i.b() as i64),
                };
                let v = self.rk(st, i)?;
                self.newindex(st, t, key, v)?;
            }
            SetField => {
                let t = self.reg(st, i.a())?;
                let key = self.kst(i.b());
                let v = self.rk(st, i)?;
                self.newindex(st, t, key, v)?;
            }
            NewTable => {
                let k = ((i.c() as i64) << 32) | i.b() as i64;
                let t = self.emit(Op::TNew, Ty::Tab, Ref::NONE, Ref::NONE, k)?;
                self.allocates = true;
                self.set_reg(i.a(), t);
            }
            SetList => self.setlist(st, pc, i)?,
            AddI | AddK | SubK | MulK | ModK | PowK | DivK | IDivK | BAndK | BOrK | BXorK
            | ShrI | ShlI | Add | Sub | Mul | Mod | Pow | Div | IDiv | BAnd | BOr | BXor | Shl
            | Shr | Unm | BNot => self.arith(st, i)?,
            Not => {
                let v = self.reg(st, i.b())?;
                let r = match self.em.ir.ty(v.r) {
                    Ty::Bool => self.emit(Op::Not, Ty::Bool, v.r, Ref::NONE, 0)?,
                    Ty::Nil => self.em.ir.kbool(true),
                    _ => self.em.ir.kbool(false),
                };
                self.set_reg(i.a(), r);
            }
            Len => self.len(st, i)?,
            Concat => self.concat(st, i)?,
            Jmp => {}
            Eq | Lt | Le | EqK | EqI | LtI | LeI | GtI | GeI => self.compare(st, i)?,
            Test => {
                let v = self.reg(st, i.a())?;
                self.truthiness(v)?;
            }
            TestSet => {
                let v = self.reg(st, i.b())?;
                let t = self.truthiness(v)?;
                // "if (not R[B] == k) then pc++ else R[A] := R[B] and jump": the copy
                // happens when the truth equals k.
                if t == i.k() {
                    self.set_reg(i.a(), v.r);
                }
            }
            Call => self.call(st, pc, i)?,
            Return | Return0 | Return1 => self.ret(st, i)?,
            ForLoop => self.forloop(st, pc, i)?,
            ForPrep => return Err(Reason::InnerLoop.into()),
            TForCall => self.tforcall(st, i)?,
            TForLoop => {
                let v = self.reg(st, i.a() + 4)?;
                if v.v.is_nil() {
                    return Err(Reason::LoopLeave.into());
                }
                self.set_reg(i.a() + 2, v.r);
            }
            TForPrep => return Err(Reason::InnerLoop.into()),
            TailCall => return Err(Abort::with(Reason::NyiBytecode, "TAILCALL")),
            Closure => return Err(Abort::with(Reason::NyiBytecode, "CLOSURE")),
            VarArg | VarArgPrep => return Err(Reason::NyiVararg.into()),
            Close => return Err(Abort::with(Reason::NyiBytecode, "CLOSE")),
            Tbc => return Err(Abort::with(Reason::NyiBytecode, "TBC")),
            ExtraArg => return Err(Abort::with(Reason::NyiBytecode, "EXTRAARG")),
        }
        Ok(())
    }

    /// Guard the truthiness of `v` (nil and false are false) and return it.
    pub fn truthiness(&mut self, v: Opnd) -> RecResult<bool> {
        let truth = v.v.truthy();
        if self.em.ir.ty(v.r) == Ty::Bool {
            let k = self.em.ir.kbool(truth);
            self.guard(Op::Eq, Ty::Bool, v.r, k, 0)?;
        }
        Ok(truth)
    }

    /// The numeric FORLOOP of the root loop: one more iteration (the loop continues: a
    /// recording never follows a loop out).
    fn forloop(&mut self, st: &State, pc: usize, i: Instr) -> RecResult<()> {
        let a = i.a();
        let target = pc + 1 - i.bx();
        if self.frames.len() != 1 || target != self.start_pc {
            return Err(Reason::InnerLoop.into());
        }
        let idx = self.reg(st, a)?;
        let lim = self.reg(st, a + 1)?;
        let step = self.reg(st, a + 2)?;
        match (idx.v, lim.v, step.v) {
            (Value::Int(_), Value::Int(count), Value::Int(_)) => {
                if count as u64 == 0 {
                    return Err(Reason::LoopLeave.into());
                }
                let zero = self.em.ir.kint(0);
                self.guard(Op::Ne, Ty::Int, lim.r, zero, 0)?;
                let m1 = self.em.ir.kint(-1);
                let c2 = self.emit(Op::Add, Ty::Int, lim.r, m1, 0)?;
                let i2 = self.emit(Op::Add, Ty::Int, idx.r, step.r, 0)?;
                self.set_reg(a + 1, c2);
                self.set_reg(a, i2);
                self.set_reg(a + 3, i2);
            }
            (Value::Float(x), Value::Float(l), Value::Float(s)) => {
                let go = if s > 0.0 { x + s <= l } else { l <= x + s };
                if !go {
                    return Err(Reason::LoopLeave.into());
                }
                let zero = self.em.ir.knum(0.0);
                // The step's sign decides the test; guard it (it is loop-invariant).
                if s > 0.0 {
                    self.guard(Op::Lt, Ty::Num, zero, step.r, 0)?;
                } else {
                    self.guard(Op::Ge, Ty::Num, zero, step.r, 0)?;
                }
                let i2 = self.emit(Op::Add, Ty::Num, idx.r, step.r, 0)?;
                if s > 0.0 {
                    self.guard(Op::Le, Ty::Num, i2, lim.r, 0)?;
                } else {
                    self.guard(Op::Le, Ty::Num, lim.r, i2, 0)?;
                }
                self.set_reg(a, i2);
                self.set_reg(a + 3, i2);
            }
            _ => return Err(Abort::with(Reason::NyiType, "FORLOOP")),
        }
        Ok(())
    }

    /// The loop closed: the interpreter is back at the header in the root frame. Returns
    /// the end-of-iteration value of every slot the trace changed.
    pub fn end_slots(&self) -> Vec<(i32, Ref)> {
        self.take_snapshot(self.start_pc as u32).entries
    }
}
