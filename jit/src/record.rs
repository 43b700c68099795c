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
//! on entry (the first read loads it with an `SLOAD`, type-guarded). A call the recorder
//! does not inline becomes a `CALLOUT` (see `callout`): the interpreter runs the callee
//! unrecorded, and afterwards every slot is `Ref::NONE` again, read from the stack as the
//! call left it. Lua calls are inlined:
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
use crate::liveness::LivenessCache;
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
    /// Back-edges of loops without a trace a side trace may still record through (counted
    /// down as it does).
    pub loopunroll: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            maxrecord: 4000,
            maxsnap: 500,
            maxdepth: 10,
            maxrecursion: 2,
            loopunroll: 15,
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
    /// The closure as IR: `FNROOT` for the root frame, the function slot's value for an
    /// inlined frame (`Ref::NONE` until first needed: see `Recorder::frame_fn`).
    pub fn_ref: Ref,
    /// pc in the caller to continue at after the return.
    pub ret_pc: u32,
    /// Results the caller wants (-1: all).
    pub nresults: i32,
    /// One past the frame's last register slot.
    pub limit: i32,
    /// Arguments beyond the parameters of a vararg function (`...`), stored from
    /// `func + 1 + numparams` (its registers start above them after VARARGPREP).
    pub nextra: u32,
    /// A metamethod frame: what its return does, finishing the instruction at
    /// `ret_pc - 1` of the frame below.
    pub meta: Option<MetaRet>,
}

/// How a metamethod's return finishes the instruction that called it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaRet {
    /// Its first result goes to this slot (`__index`, arithmetic...).
    Store(i32),
    /// Its results are dropped (`__newindex`).
    Drop,
    /// The truth of its first result decides a comparison's jump (`__eq`, `__lt`, `__le`).
    Cond,
    /// Something the recorder does not finish (a comparison's jump).
    Unsupported,
}

/// Does a call-out of instruction `i` leave the frame it is in (a tail call, or a return
/// that closes variables: called out from an inlined frame, which is gone afterwards)?
pub(crate) fn leaves_frame(i: Instr) -> bool {
    matches!(i.op(), Bc::TailCall | Bc::Return)
}

/// What returning from a metamethod called by instruction `i` of a frame with base `base`
/// does (see `MetaRet`).
pub fn meta_ret_of(i: Instr, base: i32) -> MetaRet {
    use Bc::*;
    match i.op() {
        GetTabUp | GetTable | GetI | GetField | Self_ | AddI | AddK | SubK | MulK | ModK | PowK
        | DivK | IDivK | BAndK | BOrK | BXorK | ShrI | ShlI | Add | Sub | Mul | Mod | Pow | Div
        | IDiv | BAnd | BOr | BXor | Shl | Shr | Unm | BNot | Len => {
            MetaRet::Store(base + i.a() as i32)
        }
        SetTabUp | SetTable | SetI | SetField => MetaRet::Drop,
        Eq | Lt | Le | LtI | LeI | GtI | GeI => MetaRet::Cond,
        _ => MetaRet::Unsupported,
    }
}

/// One operand: its IR value and the value the interpreter has for it now.
#[derive(Clone, Copy, Debug)]
pub struct Opnd {
    pub r: Ref,
    pub v: Value,
}

/// Where a side trace starts: exit `exit` of trace `parent`, just restored. The bottom
/// frame is frame `root_fi` and the frames above it are the parent's inlined frames at the
/// exit. The code runs with the parent's base, stack slot `base_abs`; after the parent
/// returned out of its base frame (RETF), `below` is not 0 and the bottom frame is that many
/// frames below the one at `base_abs`.
#[derive(Clone, Copy, Debug)]
pub struct SideStart {
    pub parent: u32,
    pub exit: u32,
    pub root_fi: usize,
    pub base_abs: usize,
    pub below: u32,
    /// The exit's bottom frame made a tail call (`Snapshot::root_tail`).
    pub root_tail: bool,
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
    /// The IR value of each slot, slot `s` at index `s + bias` (a side trace that returned
    /// out of its root frame has slots below it).
    slots: Vec<Ref>,
    bias: i32,
    /// Interpreter frames between `frames[0]` and the frame of the trace's base (side
    /// traces that returned out of their root frame: LuaJIT's RETF).
    pub below: u32,
    /// `frames[0]` is a function the bottom frame tail-called (side traces only): the
    /// interpreter's frame still holds the caller until an exit rebuilds it, so the trace
    /// may not link (the target would run with the caller's closure) until it returns out
    /// of it.
    pub root_tail: bool,
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
    /// Every reference constant the trace embeds (kept alive as GC roots).
    pub gc_consts: Vec<Value>,
    /// Tables whose array part the trace reads, with the object each was when recorded
    /// (its address, only compared): an append that may grow another table's array guards
    /// that it is none of them, so their array loads stay valid across it.
    pub array_tabs: Vec<(Ref, usize)>,
    /// The prototypes of inlined calls: their code pointers are guarded, so they must not
    /// die (and their addresses be reused) while the trace lives.
    pub protos: Vec<std::rc::Rc<lua_core::proto::Proto>>,
    /// A side trace: its parent trace and the parent's exit it starts from.
    pub side: Option<(u32, u32)>,
    /// The trace ends here, continuing in this trace (set by the instruction recorded last).
    pub link: Option<u32>,
    /// Address of the state's interrupt flag (Ctrl-C): every trace iteration checks it.
    pub interrupt: usize,
    /// Register liveness of the functions met (for pruning snapshots), shared by all
    /// recordings.
    liveness: std::rc::Rc<LivenessCache>,
    /// The last `CALLOUT` (0: none yet): slots first read after it are loaded as it left
    /// them (`Ins::after`).
    reload_after: usize,
    /// A call-out's callee runs in the interpreter: the thread's frame count and the pc of
    /// the instruction called out, and whether it is a TAILCALL (see `end_callout`).
    callout_wait: Option<(usize, usize, bool)>,
    /// Traces running on the thread below the recording (it started inside call-outs).
    pub nested: u32,
}

impl Recorder {
    /// Start recording at loop header `pc` of the thread's top frame (a Lua frame).
    pub fn new(
        st: &State,
        pc: usize,
        builtins: std::rc::Rc<Builtins>,
        liveness: std::rc::Rc<LivenessCache>,
        limits: Limits,
        spare: crate::fold::Spare,
    ) -> Recorder {
        let ts = st.ts();
        let fi = ts.frames.len() - 1;
        let fr = &ts.frames[fi];
        let cl = fr.closure.expect("recording starts in a Lua frame");
        let mut em = Emitter::fresh(spare);
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
                nextra: fr.nextra,
                meta: None,
            }],
            slots: vec![Ref::NONE; limit as usize],
            bias: 0,
            below: 0,
            root_tail: false,
            top: None,
            top_set: false,
            cur_snap: None,
            pc,
            nrecorded: 0,
            allocates: false,
            max_slot: limit,
            builtins,
            gc_consts: Vec::new(),
            array_tabs: Vec::new(),
            protos: Vec::new(),
            side: None,
            link: None,
            interrupt: std::sync::Arc::as_ptr(&st.interrupt) as usize,
            liveness,
            reload_after: 0,
            callout_wait: None,
            nested: crate::running_traces(&st.ts().exec),
        }
    }

    /// Start recording a side trace at the interpreter's current state, which an exit of
    /// its parent just restored (`at` says which and where).
    pub fn new_side(
        st: &State,
        at: SideStart,
        builtins: std::rc::Rc<Builtins>,
        liveness: std::rc::Rc<LivenessCache>,
        limits: Limits,
        spare: crate::fold::Spare,
    ) -> Recorder {
        let SideStart {
            parent,
            exit,
            root_fi,
            base_abs,
            below,
            root_tail,
        } = at;
        let ts = st.ts();
        let root = &ts.frames[root_fi];
        let pc = ts.frames.last().expect("frames").pc;
        let _ = root.closure.expect("a Lua root frame");
        let mut em = Emitter::fresh(spare);
        let fn_ref = match em.emit(Ins::new(Op::FnRoot, Ty::LFn, Ref::NONE, Ref::NONE, 0)) {
            Emitted::Ref(r) => r,
            Emitted::Fail => unreachable!("FNROOT never fails"),
        };
        let mut r = Recorder {
            em,
            limits,
            start_pc: pc,
            base_abs,
            root_fi,
            frames: Vec::new(),
            slots: Vec::new(),
            bias: 0,
            below,
            root_tail,
            top: None,
            top_set: false,
            cur_snap: None,
            pc,
            nrecorded: 0,
            allocates: false,
            max_slot: 0,
            builtins,
            gc_consts: Vec::new(),
            array_tabs: Vec::new(),
            protos: Vec::new(),
            side: Some((parent, exit)),
            link: None,
            interrupt: std::sync::Arc::as_ptr(&st.interrupt) as usize,
            liveness,
            reload_after: 0,
            callout_wait: None,
            nested: crate::running_traces(&st.ts().exec),
        };
        for (i, f) in ts.frames[root_fi..].iter().enumerate() {
            let c = f.closure.expect("inlined frames are Lua frames");
            let rel = |abs: usize| (abs as isize - base_abs as isize) as i32;
            let base = rel(f.base);
            let limit = base + c.maxstacksize as i32;
            let (fref, func, ret_pc) = if i == 0 && below == 0 && !root_tail {
                (fn_ref, -1, 0)
            } else if i == 0 {
                // (FNROOT is the closure of the frame the parent returned out of or
                // tail-called from, not this one: loaded from the function slot when
                // first needed.)
                (Ref::NONE, rel(f.func), 0)
            } else {
                // (Loaded from the function slot when first needed: the parent guarded
                // only the prototype.)
                let caller = &ts.frames[root_fi + i - 1];
                (Ref::NONE, rel(f.func), caller.pc as u32)
            };
            r.frames.push(RecFrame {
                base,
                func,
                closure: c,
                fn_ref: fref,
                ret_pc,
                nresults: f.nresults,
                limit,
                nextra: f.nextra,
                // (The root frame's own caller is the interpreter's business.)
                meta: (i > 0 && f.kind == lua_core::thread::CallKind::Meta).then(|| {
                    let caller = &ts.frames[root_fi + i - 1];
                    let cc = caller.closure.expect("a Lua frame");
                    let cbase = rel(caller.base);
                    meta_ret_of(cc.proto.code[caller.pc.saturating_sub(1)], cbase)
                }),
            });
            r.ensure_slot(limit - 1);
        }
        r
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
                    && tf.base as isize == self.base_abs as isize + f.base as isize
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

    /// The current state as a snapshot resuming at `pc` of the innermost frame. Registers
    /// of that frame that are dead at `pc` (see `liveness`) are left out.
    pub fn take_snapshot(&self, pc: u32) -> Snapshot {
        let f = self.frame();
        let extent = f.limit.max(self.top.unwrap_or(0)) as usize;
        let live = self.liveness.get(&f.closure.proto).live_at(pc as usize);
        let mut entries = Vec::new();
        let extent = (extent as i32 + self.bias).max(0) as usize;
        for (i, &r) in self.slots.iter().enumerate().take(extent) {
            if r.is_none() {
                continue;
            }
            let s = i as i32 - self.bias;
            let ins = self.em.ir.get(r);
            if !r.is_const() && ins.op == Op::SLoad && ins.slot() == s {
                continue;
            }
            let reg = s - f.base;
            if reg >= 0 && s < f.limit && self.top.is_none() && !live.contains(reg as usize) {
                continue;
            }
            entries.push((s, r));
        }
        let frames = self.frames[1..]
            .iter()
            .map(|f| SnapFrame {
                func: f.func,
                ret_pc: f.ret_pc,
                nresults: f.nresults,
                nextra: f.nextra,
                meta: f.meta.is_some(),
            })
            .collect();
        Snapshot {
            pc,
            entries,
            frames,
            top: self.top,
            below: self.below,
            root_tail: self.root_tail,
        }
    }

    // ----- slots -----

    /// The interpreter's current value of slot `s`.
    pub fn rt(&self, st: &State, s: i32) -> Value {
        st.ts().stack[(self.base_abs as isize + s as isize) as usize]
    }

    pub fn ensure_slot(&mut self, s: i32) {
        if s + self.bias < 0 {
            let more = -(s + self.bias) as usize;
            self.slots
                .splice(0..0, std::iter::repeat_n(Ref::NONE, more));
            self.bias += more as i32;
        }
        let i = (s + self.bias) as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1, Ref::NONE);
        }
        self.max_slot = self.max_slot.max(s + 1);
    }

    fn slot_ref(&self, s: i32) -> Ref {
        self.slots[(s + self.bias) as usize]
    }

    /// The IR value of slot `s` (loaded and type-guarded on first use).
    pub fn slot(&mut self, st: &State, s: i32) -> RecResult<Ref> {
        self.ensure_slot(s);
        let r = self.slot_ref(s);
        if !r.is_none() {
            return Ok(r);
        }
        if s >= self.frames[0].limit && self.side.is_none() && self.reload_after == 0 {
            // A register of an inlined frame read before the trace wrote it: the compiler
            // never does that, so the recorder's frame view is wrong. (A side trace starts
            // inside inlined frames whose registers are in the stack, as does everything
            // after a call-out.)
            return Err(Reason::FrameMismatch.into());
        }
        let ty = Ty::of_value(&self.rt(st, s));
        let r = self.sload(ty, s)?;
        self.slots[(s + self.bias) as usize] = r;
        Ok(r)
    }

    /// Load stack slot `s` as a value of type `ty` (guarded), as it is now.
    pub fn sload(&mut self, ty: Ty, s: i32) -> RecResult<Ref> {
        let k = Ins::sload_k(s, self.reload_after);
        self.guard(Op::SLoad, ty, Ref::NONE, Ref::NONE, k)
    }

    /// Record instruction `pc` (a CALL, or an instruction calling a metamethod) as a
    /// call-out (see the module doc): the interpreter runs it without recording the code it
    /// calls, until it is done.
    pub fn callout(&mut self, st: &State, pc: usize, i: Instr) -> RecResult<()> {
        if self.below > 0 || self.root_tail {
            return Err(Abort::with(
                Reason::NyiFunc,
                "(call-out below the base frame)",
            ));
        }
        // (Of the tests only comparisons call out: they may call metamethods.)
        if i.op().is_test() && self.frame().closure.proto.code[pc + 1].sj() < 0 {
            // (The interpreter's back-edge would come before the recorder saw the outcome.)
            return Err(Abort::with(Reason::NyiMeta, "comparison closing a loop"));
        }
        let r = self.guard(Op::CallOut, Ty::Void, Ref::NONE, Ref::NONE, 0)?;
        self.reload_after = r.idx();
        self.callout_wait = Some((st.ts().frames.len(), pc, leaves_frame(i)));
        // (The callee may allocate without a GC step, which the loop then owes.)
        self.allocates = true;
        Ok(())
    }

    /// Is the callee of a call-out running (the interpreter is deeper than the trace; a
    /// Lua function tail-called from the top frame runs in that frame's place until it
    /// returns out of it)?
    pub fn in_callout(&self, st: &State) -> bool {
        self.callout_wait.is_some_and(|(n, _, tail)| {
            let depth = st.ts().frames.len();
            depth > n || (tail && depth == n)
        })
    }

    /// Back from a call-out at `pc`: forget every slot (the stack is the truth now).
    fn end_callout(&mut self, st: &State, pc: usize) -> RecResult<()> {
        let Some((n, at, _)) = self.callout_wait.take() else {
            return Ok(());
        };
        let code = &self.frame().closure.proto.code;
        let i = code[at];
        let tail = leaves_frame(i);
        // Where the instruction goes on: after it; for a comparison after its jump or at
        // the jump's target (the CALLOUT's k says which, plus one: the call-out leaves the
        // trace when the comparison goes the other way); for a tail call or a closing
        // return in the caller at its return pc, the inlined frame gone.
        let went = if tail {
            st.ts().frames.len() + 1 == n && pc == self.frame().ret_pc as usize
        } else if i.op().is_test() {
            let target = (at as i64 + 2 + code[at + 1].sj() as i64) as usize;
            st.ts().frames.len() == n && (pc == at + 2 || pc == target)
        } else {
            st.ts().frames.len() == n && pc == at + 1
        };
        if !went {
            return Err(Reason::FrameMismatch.into());
        }
        // The function slot of a call keeping all its results.
        let all_at = if tail {
            let cur = self.frames.pop().expect("inlined frame");
            (cur.nresults < 0).then_some(cur.func)
        } else if i.op() == Bc::Call && i.c() == 0 {
            Some(self.frame().base + i.a() as i32)
        } else {
            None
        };
        self.slots.iter_mut().for_each(|s| *s = Ref::NONE);
        self.top = None;
        if i.op().is_test() {
            self.em.ir.ins[self.reload_after].k = pc as i64 + 1;
        } else if let Some(fslot) = all_at {
            // All results: as many as this time (the CALLOUT's k says how many, plus one;
            // the call-out leaves the trace when another count comes back).
            let n = st.ts().top as i64 - (self.base_abs as i64 + fslot as i64);
            self.em.ir.ins[self.reload_after].k = n + 1;
            self.set_top(fslot + n as i32);
        }
        Ok(())
    }

    pub fn set_slot(&mut self, s: i32, r: Ref) {
        self.ensure_slot(s);
        self.slots[(s + self.bias) as usize] = r;
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

    /// The current frame's closure as IR (an inlined frame's is its function slot).
    pub fn frame_fn(&mut self, st: &State) -> RecResult<Ref> {
        let f = self.frame();
        if !f.fn_ref.is_none() {
            return Ok(f.fn_ref);
        }
        let func = f.func;
        let r = self.slot(st, func)?;
        self.frames.last_mut().expect("frame").fn_ref = r;
        Ok(r)
    }

    // ----- the instruction loop -----

    /// Record instruction `pc` of the thread's top frame, about to be executed.
    pub fn record(&mut self, st: &mut State, pc: usize) -> RecResult<()> {
        if self.in_callout(st) {
            return Ok(());
        }
        self.end_callout(st, pc)?;
        self.check_frames(st)?;
        self.nrecorded += 1;
        if self.nrecorded > self.limits.maxrecord {
            return Err(Reason::TraceTooLong.into());
        }
        self.pc = pc;
        self.cur_snap = None;
        if self.enters_traced_loop(pc) {
            // Entering a loop that has a trace: go on in it rather than record (and then
            // exit from) a copy of its first iteration.
            return self.link_to(pc);
        }
        let i = self.frame().closure.proto.code[pc];
        self.top_set = false;
        self.record_op(st, pc, i)?;
        // A trace that ends before this instruction (a link to the interpreter at a return
        // or tail call) keeps the top the instruction reads.
        if !self.top_set && self.link.is_none() {
            self.top = None;
        }
        Ok(())
    }

    /// Is `pc` of the current frame the header of a loop with a trace, reached after the
    /// first instruction (as LuaJIT's traces link at a `JLOOP`), where `link_to` can link?
    /// Not the recording loop's own header, which closes the loop instead.
    fn enters_traced_loop(&self, pc: usize) -> bool {
        self.nrecorded > 1
            && !self.is_root_loop(pc)
            && self.frame().closure.proto.trace_at(pc) != 0
            && !self.root_tail
            && self.top.is_none()
            && (self.frames.len() == 1
                || (self.side.is_some() && self.frames.iter().all(|f| f.meta.is_none())))
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
                let dest = MetaRet::Store(self.frame().base + i.a() as i32);
                if let Some(v) = self.index(st, t, key, dest)? {
                    self.set_reg(i.a(), v);
                }
            }
            GetTable => {
                let t = self.reg(st, i.b())?;
                let key = self.reg(st, i.c())?;
                let dest = MetaRet::Store(self.frame().base + i.a() as i32);
                if let Some(v) = self.index(st, t, key, dest)? {
                    self.set_reg(i.a(), v);
                }
            }
            GetI => {
                let t = self.reg(st, i.b())?;
                let key = Opnd {
                    r: self.em.ir.kint(i.c() as i64),
                    v: Value::Int(i.c() as i64),
                };
                let dest = MetaRet::Store(self.frame().base + i.a() as i32);
                if let Some(v) = self.index(st, t, key, dest)? {
                    self.set_reg(i.a(), v);
                }
            }
            GetField => {
                let t = self.reg(st, i.b())?;
                let key = self.kst(i.c());
                let dest = MetaRet::Store(self.frame().base + i.a() as i32);
                if let Some(v) = self.index(st, t, key, dest)? {
                    self.set_reg(i.a(), v);
                }
            }
            Self_ => {
                let t = self.reg(st, i.b())?;
                let key = self.rk(st, i)?;
                // (R[A+1] is set before the lookup, which may call __index.)
                self.set_reg(i.a() + 1, t.r);
                let dest = MetaRet::Store(self.frame().base + i.a() as i32);
                if let Some(v) = self.index(st, t, key, dest)? {
                    self.set_reg(i.a(), v);
                }
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
            Jmp => {
                if i.sj() < 0 {
                    self.back_edge((pc as i64 + 1 + i.sj() as i64) as usize)?;
                }
            }
            Eq | Lt | Le | EqK | EqI | LtI | LeI | GtI | GeI => {
                // (A comparison that calls a metamethod takes its jump when it returns.)
                if !self.compare(st, i)? {
                    self.test_jump(st, pc, i)?;
                }
            }
            Test => {
                let v = self.reg(st, i.a())?;
                self.truthiness(v)?;
                self.test_jump(st, pc, i)?;
            }
            TestSet => {
                let v = self.reg(st, i.b())?;
                let t = self.truthiness(v)?;
                // "if (not R[B] == k) then pc++ else R[A] := R[B] and jump": the copy
                // happens when the truth equals k.
                if t == i.k() {
                    self.set_reg(i.a(), v.r);
                }
                self.test_jump(st, pc, i)?;
            }
            Call => self.call(st, pc, i)?,
            Return | Return0 | Return1 => self.ret(st, i)?,
            ForLoop => self.forloop(st, pc, i)?,
            ForPrep => self.forprep(st, pc, i)?,
            TForCall => self.tforcall(st, i)?,
            TForLoop => {
                let v = self.reg(st, i.a() + 4)?;
                let target = pc + 1 - i.bx();
                if !v.v.is_nil() {
                    self.set_reg(i.a() + 2, v.r);
                    self.back_edge(target)?;
                }
            }
            TForPrep => return Err(Reason::InnerLoop.into()),
            TailCall => self.tailcall(st, i)?,
            Closure => return Err(Abort::with(Reason::NyiBytecode, "CLOSURE")),
            VarArgPrep => self.varargprep(st)?,
            VarArg => self.vararg(st, i)?,
            Close => {
                // Nothing to close is the common case (a generic for's exit): guard it.
                // With something to close now (a to-be-closed variable's block ends), the
                // CLOSE is called out: `__close` handlers run as a call-out's callees.
                let level = self.frame().base + i.a() as i32;
                let abs = (self.base_abs as i64 + level as i64) as usize;
                if st.ts().close_pending(abs) {
                    self.callout(st, pc, i)?;
                } else {
                    self.guard(Op::CloseChk, Ty::Void, Ref::NONE, Ref::NONE, level as i64)?;
                }
            }
            // Marking a to-be-closed variable (checking its `__close`) is called out.
            Tbc => self.callout(st, pc, i)?,
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

    /// The trace reached a return (or tail call) from its root frame: it ends, leaving
    /// to the interpreter there (a link to the interpreter: the return runs interpreted).
    /// A root trace gets here when the recorded iteration left its loop: its looping path
    /// becomes a side trace linking back to it.
    pub fn return_exit(&mut self) -> RecResult<()> {
        if self.side.is_some() && self.nrecorded <= 1 {
            // A side trace that would only give the return back to the interpreter is no
            // better than the exit it starts from.
            return Err(Reason::ReturnLeave.into());
        }
        self.link = Some(0);
        Ok(())
    }

    /// Is `target` the header of the loop this root trace records (in its root frame)?
    pub fn is_root_loop(&self, target: usize) -> bool {
        self.side.is_none() && self.frames.len() == 1 && target == self.start_pc
    }

    /// A backward jump to loop header `target` is about to be taken. The root trace's own
    /// loop closes at the interpreter's control point; any other loop header ends the trace
    /// with a link to the header's trace, if it has one. A side trace records on through a
    /// loop without a trace (a loop whose root traces abort, such as an outer loop around
    /// an inner loop with a trace): it may then reach a loop it links to (LuaJIT's loop
    /// unrolling in side traces, `loopunroll` back-edges at most).
    pub fn back_edge(&mut self, target: usize) -> RecResult<()> {
        if self.is_root_loop(target) {
            return Ok(());
        }
        if self.records_through(target) {
            if self.limits.loopunroll == 0 {
                return Err(Reason::LoopUnroll.into());
            }
            self.limits.loopunroll -= 1;
            return Ok(());
        }
        self.link_to(target)
    }

    /// Does this trace record on through the loop with header `target` of the current frame
    /// (a side trace at a loop without a trace) rather than link to it?
    fn records_through(&self, target: usize) -> bool {
        self.side.is_some() && self.frame().closure.proto.trace_at(target) == 0
    }

    /// End the trace at loop header `target` of the current frame, linking to its trace.
    /// In an inlined frame (side traces only: a root trace waits for the inner loop to
    /// spawn a side trace back to it), the link pushes the inlined frames first; when it
    /// cannot, the trace leaves with the frames rebuilt and the dispatcher enters the
    /// loop's trace (`Jit::enter`).
    fn link_to(&mut self, target: usize) -> RecResult<()> {
        let t = self.frame().closure.proto.trace_at(target);
        if t == 0 {
            return Err(Reason::InnerLoop.into());
        }
        if self.root_tail {
            return Err(Reason::TailLink.into());
        }
        let deep_ok = self.side.is_some()
            && self.top.is_none()
            && self.frames.iter().all(|f| f.meta.is_none());
        if self.frames.len() != 1 && !deep_ok {
            return Err(Reason::InnerLoop.into());
        }
        self.link = Some(t);
        self.pc = target;
        Ok(())
    }

    /// After a test: if its jump is taken backwards, that is a back-edge.
    fn test_jump(&mut self, st: &State, pc: usize, i: Instr) -> RecResult<()> {
        if self.frame().closure.proto.code[pc + 1].sj() >= 0 {
            return Ok(());
        }
        // Whether the jump is taken was decided when the guard was recorded; recompute it
        // from the state the interpreter has now (the instruction has not run yet).
        let taken = self.jump_taken(st, i)?;
        self.take_jump(pc, taken)
    }

    /// The test at `pc` of the current frame is finished with its jump `taken` or not: a
    /// jump taken backwards is a back-edge.
    pub fn take_jump(&mut self, pc: usize, taken: bool) -> RecResult<()> {
        let j = self.frame().closure.proto.code[pc + 1];
        if taken && j.sj() < 0 {
            self.back_edge((pc as i64 + 2 + j.sj() as i64) as usize)?;
        }
        Ok(())
    }

    /// Whether a test instruction's jump will be taken (the outcome equals k).
    fn jump_taken(&self, st: &State, i: Instr) -> RecResult<bool> {
        use lua_core::number::{num_le, num_lt};
        let b = self.frame().base;
        let r = |x: usize| self.rt(st, b + x as i32);
        let kv = |x: usize| self.frame().closure.proto.k[x];
        let imm = |i: Instr| {
            if i.c() != 0 {
                Value::Float(i.sb() as f64)
            } else {
                Value::Int(i.sb() as i64)
            }
        };
        let cond = match i.op() {
            Bc::Eq => r(i.a()).raw_eq(&r(i.b())),
            Bc::EqK => r(i.a()).raw_eq(&kv(i.b())),
            Bc::EqI => r(i.a()).raw_eq(&imm(i)),
            Bc::Lt => num_lt(r(i.a()), r(i.b())).ok_or(Reason::FrameMismatch)?,
            Bc::Le => num_le(r(i.a()), r(i.b())).ok_or(Reason::FrameMismatch)?,
            Bc::LtI => num_lt(r(i.a()), imm(i)).ok_or(Reason::FrameMismatch)?,
            Bc::LeI => num_le(r(i.a()), imm(i)).ok_or(Reason::FrameMismatch)?,
            Bc::GtI => num_lt(imm(i), r(i.a())).ok_or(Reason::FrameMismatch)?,
            Bc::GeI => num_le(imm(i), r(i.a())).ok_or(Reason::FrameMismatch)?,
            Bc::Test => r(i.a()).truthy(),
            Bc::TestSet => r(i.b()).truthy(),
            _ => return Err(Reason::FrameMismatch.into()),
        };
        Ok(cond == i.k())
    }

    /// FORLOOP: one more iteration (a back-edge) or the end of the loop.
    fn forloop(&mut self, st: &State, pc: usize, i: Instr) -> RecResult<()> {
        let a = i.a();
        let target = pc + 1 - i.bx();
        let idx = self.reg(st, a)?;
        let lim = self.reg(st, a + 1)?;
        let step = self.reg(st, a + 2)?;
        match (idx.v, lim.v, step.v) {
            (Value::Int(_), Value::Int(count), Value::Int(sv)) => {
                // A step read from the stack (a trace that starts at this loop) that the
                // loop's code loads as a constant just before its FORPREP is guarded to
                // stay that value: the increment is then by a constant. (A step computed at
                // run time stays a variable: guarding it would make a side trace for every
                // value it takes.)
                let code = &self.frame().closure.proto.code;
                let const_step = target >= 2 && {
                    let load = code[target - 2];
                    matches!(load.op(), Bc::LoadI | Bc::LoadK) && load.a() == a + 2
                };
                let step = if self.em.ir.as_kint(step.r).is_some() || !const_step {
                    step.r
                } else {
                    let k = self.em.ir.kint(sv);
                    self.guard(Op::Eq, Ty::Int, step.r, k, 0)?;
                    k
                };
                let zero = self.em.ir.kint(0);
                if count as u64 == 0 {
                    // The loop ends here: go on after it (even the root loop: its looping
                    // path becomes a side trace).
                    self.guard(Op::Eq, Ty::Int, lim.r, zero, 0)?;
                    return Ok(());
                }
                self.guard(Op::Ne, Ty::Int, lim.r, zero, 0)?;
                let m1 = self.em.ir.kint(-1);
                let c2 = self.emit(Op::Add, Ty::Int, lim.r, m1, 0)?;
                let i2 = self.emit(Op::Add, Ty::Int, idx.r, step, 0)?;
                self.set_reg(a + 1, c2);
                self.set_reg(a, i2);
                self.set_reg(a + 3, i2);
            }
            (Value::Float(x), Value::Float(l), Value::Float(s)) => {
                let go = if s > 0.0 { x + s <= l } else { l <= x + s };
                let zero = self.em.ir.knum(0.0);
                // The step's sign decides the test; guard it (it is loop-invariant).
                if s > 0.0 {
                    self.guard(Op::Lt, Ty::Num, zero, step.r, 0)?;
                } else {
                    self.guard(Op::Ge, Ty::Num, zero, step.r, 0)?;
                }
                let i2 = self.emit(Op::Add, Ty::Num, idx.r, step.r, 0)?;
                let (x, y) = if s > 0.0 { (i2, lim.r) } else { (lim.r, i2) };
                if !go {
                    self.guard(Op::Gt, Ty::Num, x, y, 0)?;
                    return Ok(());
                }
                self.guard(Op::Le, Ty::Num, x, y, 0)?;
                self.set_reg(a, i2);
                self.set_reg(a + 3, i2);
            }
            _ => return Err(Abort::with(Reason::NyiType, "FORLOOP")),
        }
        self.back_edge(target)
    }

    /// FORPREP: prepare a numeric loop; entering a loop that has a trace ends this trace
    /// with a link to it (the outer loop is recorded around the inner loop's trace).
    fn forprep(&mut self, st: &State, pc: usize, i: Instr) -> RecResult<()> {
        let a = i.a();
        let init = self.reg(st, a)?;
        let lim = self.reg(st, a + 1)?;
        let step = self.reg(st, a + 2)?;
        let header = pc + 1;
        match (init.v, lim.v, step.v) {
            (Value::Int(i0), Value::Int(l), Value::Int(sv)) => {
                // A constant step keeps the count computation simple: a step read from
                // the stack is guarded to stay the value it has now.
                if sv == 0 {
                    return Err(Abort::with(Reason::NyiType, "FORPREP"));
                }
                let k = sv;
                // A step of 1 or a power of two is guarded to stay that constant (the
                // count is a shift); any other step only keeps its sign (the count is a
                // division).
                let pow2 = k.unsigned_abs().is_power_of_two();
                let zero = self.em.ir.kint(0);
                if self.em.ir.as_kint(step.r).is_some() {
                } else if pow2 {
                    let kr = self.em.ir.kint(k);
                    self.guard(Op::Eq, Ty::Int, step.r, kr, 0)?;
                } else if k > 0 {
                    self.guard(Op::Lt, Ty::Int, zero, step.r, 0)?;
                } else {
                    // (Not math.mininteger, whose magnitude is no integer.)
                    let min = self.em.ir.kint(i64::MIN);
                    self.guard(Op::Gt, Ty::Int, zero, step.r, 0)?;
                    self.guard(Op::Ne, Ty::Int, step.r, min, 0)?;
                }
                let skip = if k > 0 { i0 > l } else { i0 < l };
                let (lo, hi) = if k > 0 {
                    (init.r, lim.r)
                } else {
                    (lim.r, init.r)
                };
                if skip {
                    self.guard(Op::Gt, Ty::Int, lo, hi, 0)?;
                    return Ok(());
                }
                self.guard(Op::Le, Ty::Int, lo, hi, 0)?;
                let diff = self.emit(Op::Sub, Ty::Int, hi, lo, 0)?;
                let count = match k.unsigned_abs() {
                    1 => diff,
                    n if n.is_power_of_two() => {
                        let sh = self.em.ir.kint(n.trailing_zeros() as i64);
                        self.emit(Op::BShr, Ty::Int, diff, sh, 0)?
                    }
                    _ => {
                        // diff / |step| as unsigned numbers: diff is guarded to fit a
                        // signed integer (a range wider than that exits).
                        self.guard(Op::Ge, Ty::Int, diff, zero, 0)?;
                        let mag = if k > 0 {
                            step.r
                        } else {
                            self.emit(Op::Sub, Ty::Int, zero, step.r, 0)?
                        };
                        self.emit(Op::IDiv, Ty::Int, diff, mag, 0)?
                    }
                };
                self.set_reg(a + 1, count);
                self.set_reg(a + 3, init.r);
            }
            (Value::Float(_), Value::Float(_), Value::Float(sv)) => {
                let (x0, l0) = match (init.v, lim.v) {
                    (Value::Float(x), Value::Float(l)) => (x, l),
                    _ => unreachable!(),
                };
                if sv == 0.0 {
                    return Err(Abort::with(Reason::NyiType, "FORPREP"));
                }
                let zero = self.em.ir.knum(0.0);
                if sv > 0.0 {
                    self.guard(Op::Lt, Ty::Num, zero, step.r, 0)?;
                } else {
                    self.guard(Op::Ge, Ty::Num, zero, step.r, 0)?;
                }
                let skip = if sv > 0.0 { l0 < x0 } else { x0 < l0 };
                let (p, q) = if sv > 0.0 {
                    (init.r, lim.r)
                } else {
                    (lim.r, init.r)
                };
                if skip {
                    self.guard(Op::Gt, Ty::Num, p, q, 0)?;
                    return Ok(());
                }
                self.guard(Op::Le, Ty::Num, p, q, 0)?;
                self.set_reg(a + 3, init.r);
            }
            _ => return Err(Abort::with(Reason::NyiType, "FORPREP")),
        }
        // Entering the loop: link to its trace; a side trace records on into a loop
        // without one (its back-edges count against `loopunroll`).
        if self.records_through(header) {
            return Ok(());
        }
        self.link_to(header)
    }

    /// The loop closed: the interpreter is back at the header in the root frame. Returns
    /// the end-of-iteration value of every slot the trace changed.
    pub fn end_slots(&self) -> Vec<(i32, Ref)> {
        self.take_snapshot(self.start_pc as u32).entries
    }
}
