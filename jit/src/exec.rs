//! Running a trace: entering its code, and on exit rebuilding the interpreter's state from
//! the exit's snapshot (deoptimisation).
//!
//! Compiled code is called as `extern "C" fn(base, ctx) -> exit number`, with `base` the
//! root frame's register 0 in the Lua stack and `ctx` an [`ExecCtx`] on this function's
//! stack. Every way out of the code is an exit: the exit stub stores its number in the
//! context, saves all registers there, and returns. Spill slots live in the context too, so
//! after the return everything the snapshot refers to is readable from Rust.
//!
//! Restoring a snapshot writes each listed slot with its value re-boxed with the right tag
//! (integer or float, boolean payload, reference), pushes real frames for the inlined
//! frames, sets each frame's pc (the innermost to the snapshot's, the others to the
//! instruction after their call) and the stack top. The interpreter then resumes exactly
//! where the trace left the program.
//!
//! Invariants:
//! - The trace-execution stack has this trace's `Executing` entry on top while its code
//!   runs, and it is popped before anything else happens after the exit.
//! - The stack has room for every slot the trace touches before the code is entered
//!   (checked by the caller; the trace never grows the stack).

use crate::ir::{Ir, Ref, SnapFrame, Snapshot, Ty};
use crate::regalloc::{Alloc, Loc};
use lua_core::gc::Gc;
use lua_core::object::LuaClosure;
use lua_core::thread::{CallKind, Frame, NO_HANDLER};
use lua_core::{State, Value};

/// Spill and save slots available to one trace.
pub const MAX_SPILL: usize = 256;

/// What compiled code sees through its context register.
#[repr(C)]
pub struct ExecCtx {
    /// The number of the exit taken, and of the trace that took it.
    pub exitno: u32,
    pub exit_trace: u32,
    /// Registers at the exit, by encoding number.
    pub gpr: [u64; 16],
    pub xmm: [u64; 16],
    /// The root frame's closure (a `GcBox` address).
    pub closure: usize,
    /// The root frame's count of extra arguments (`NEXTRA`).
    pub nextra: u64,
    /// The frame index of the running trace's base frame, and how far links moved the
    /// base since the first trace was entered (in stack slots): links after returns out of
    /// frames (RETF) move it down, links into loops of inlined frames up.
    pub root_fi: u64,
    pub base_off: i64,
    /// Stack slots any trace may touch above its base, and frames any exit may rebuild
    /// above it (the stack and the frame list have room for them).
    pub max_slot: u64,
    pub max_depth: u64,
    /// The interpreter state (for helpers that allocate).
    pub state: *mut State,
    /// The JIT running the trace and the trace the run entered (for call-outs); set by
    /// each run, which holds both while the code runs.
    pub jit: *const crate::Jit,
    pub entered: *const crate::trace::Trace,
    /// Where `jit_next` leaves the next key and value of a traversal.
    pub next_pair: [Value; 2],
    pub spill: [u64; MAX_SPILL],
    /// Set by a call-out that left the trace with the interpreter state already where it
    /// goes on (see `callout`): what the trace's run comes to, Ok or the error (or yield)
    /// the call raised. None: the exit is a plain one.
    pub left: Option<lua_core::LuaResult<()>>,
}

pub const CTX_EXITNO: i32 = std::mem::offset_of!(ExecCtx, exitno) as i32;
pub const CTX_EXITTRACE: i32 = std::mem::offset_of!(ExecCtx, exit_trace) as i32;
pub const CTX_GPR: i32 = std::mem::offset_of!(ExecCtx, gpr) as i32;
pub const CTX_XMM: i32 = std::mem::offset_of!(ExecCtx, xmm) as i32;
pub const CTX_CLOSURE: i32 = std::mem::offset_of!(ExecCtx, closure) as i32;
pub const CTX_NEXTRA: i32 = std::mem::offset_of!(ExecCtx, nextra) as i32;
pub const CTX_ROOT_FI: i32 = std::mem::offset_of!(ExecCtx, root_fi) as i32;
pub const CTX_BASE_OFF: i32 = std::mem::offset_of!(ExecCtx, base_off) as i32;
pub const CTX_STATE: i32 = std::mem::offset_of!(ExecCtx, state) as i32;
pub const CTX_SPILL: i32 = std::mem::offset_of!(ExecCtx, spill) as i32;

impl ExecCtx {
    pub fn new(st: &mut State, closure: Gc<LuaClosure>, nextra: u32, root_fi: usize) -> ExecCtx {
        ExecCtx {
            root_fi: root_fi as u64,
            max_slot: 0,
            max_depth: 0,
            base_off: 0,
            exitno: 0,
            exit_trace: 0,
            gpr: [0; 16],
            xmm: [0; 16],
            closure: closure.addr(),
            nextra: nextra as u64,
            state: st as *mut State,
            jit: std::ptr::null(),
            entered: std::ptr::null(),
            next_pair: [Value::Nil; 2],
            spill: [0; MAX_SPILL],
            left: None,
        }
    }

    /// Make a used context ready for another run. The register and spill areas keep
    /// their old contents: compiled code writes a slot before any exit reads it.
    pub fn reset(&mut self, st: &mut State, closure: Gc<LuaClosure>, nextra: u32, root_fi: usize) {
        self.root_fi = root_fi as u64;
        self.base_off = 0;
        self.exitno = 0;
        self.exit_trace = 0;
        self.closure = closure.addr();
        self.nextra = nextra as u64;
        self.state = st as *mut State;
        self.next_pair = [Value::Nil; 2];
        self.left = None;
    }

    /// The raw 64 bits of value `r` at the exit.
    fn bits(&self, ir: &Ir, ra: &Alloc, r: Ref) -> u64 {
        if r.is_const() {
            return ir.get(r).k as u64;
        }
        match ra.loc_of(r) {
            Loc::Gpr(g) => self.gpr[g as usize],
            Loc::Xmm(x) => self.xmm[x as usize],
            Loc::Spill(s) => self.spill[s as usize],
            Loc::None => 0,
        }
    }

    /// Value `r` at the exit, boxed as a Lua value.
    pub fn value(&self, ir: &Ir, ra: &Alloc, r: Ref) -> Value {
        let ty = ir.ty(r);
        let bits = self.bits(ir, ra, r);
        box_value(ty, bits)
    }
}

/// A Lua value of IR type `ty` from its payload bits.
#[inline]
pub fn box_value(ty: Ty, bits: u64) -> Value {
    match ty {
        Ty::Nil | Ty::Ptr | Ty::Void => Value::Nil,
        Ty::Bool => Value::Bool(bits & 0xff != 0),
        Ty::Int => Value::Int(bits as i64),
        Ty::Num => Value::Float(f64::from_bits(bits)),
        _ => {
            let tag = ty.tag().unwrap_or(lua_core::layout::TAG_NIL) as u64;
            // SAFETY: a Value is 16 bytes, its tag the low byte of the first word and its
            // payload the second word (lua-core's layout; the rest of the first word is
            // padding); `tag` is the tag of `ty` and `bits` a live object's address (or a
            // light value) that compiled code produced from a value of that type.
            unsafe { std::mem::transmute::<[u64; 2], Value>([tag, bits]) }
        }
    }
}

/// Rebuild the interpreter state for snapshot `snap` of trace IR `ir`, with the trace's
/// base frame at frame index `root_fi` whose register 0 is stack slot `base`. Returns the
/// index of the frame the snapshot's frames stand on (`root_fi`, or lower after returns
/// out of it). An impossible state (a JIT bug) is reported as an error message.
pub fn restore(
    st: &mut State,
    ir: &Ir,
    ra: &Alloc,
    ctx: &ExecCtx,
    snap: usize,
    root_fi: usize,
    base: usize,
) -> Result<usize, String> {
    let sn = &ir.snaps[snap];
    let ts = st.ts();
    let at = |slot: i32| (base as isize + slot as isize) as usize;
    for &(slot, r) in &sn.entries {
        let v = ctx.value(ir, ra, r);
        ts.stack[at(slot)] = v;
    }
    restore_frames(st, sn, root_fi, base)
}

/// The part of `restore` after the stack slots: the frames and the stack top of snapshot
/// `sn` (see `restore`).
pub fn restore_frames(
    st: &mut State,
    sn: &Snapshot,
    root_fi: usize,
    base: usize,
) -> Result<usize, String> {
    let ts = st.ts();
    let at = |slot: i32| (base as isize + slot as isize) as usize;
    // Frames above the bottom one: the interpreter's frames are exactly the bottom frame
    // and the inlined ones now (the frames the trace returned out of are gone).
    let bottom = root_fi
        .checked_sub(sn.below as usize)
        .ok_or("a snapshot below the first frame")?;
    ts.frames.truncate(bottom + 1);
    if sn.root_tail {
        // The bottom frame tail-called the closure now in its function slot: as the
        // interpreter's tail call does, the frame becomes that closure's.
        let fr = &mut ts.frames[bottom];
        let Value::LuaFn(cl) = ts.stack[fr.func] else {
            return Err("no closure in the function slot of a tail-called frame".into());
        };
        fr.closure = Some(cl);
        fr.base = fr.func + 1;
        fr.top = fr.base + cl.maxstacksize as usize;
        fr.nextra = 0;
        fr.tailcalled = true;
    }
    if !sn.frames.is_empty() {
        push_frames(ts, &sn.frames, base, sn.pc)?;
    }
    let top_frame = ts.frames.last_mut().expect("root frame");
    top_frame.pc = sn.pc as usize;
    ts.top = match sn.top {
        Some(t) => at(t),
        None => top_frame.top,
    };
    Ok(bottom)
}

/// Push real frames for inlined `frames` (outermost first) above the thread's top frame,
/// whose register 0 is stack slot `base` (the frames' function slots are relative to it),
/// setting each caller's pc to its return pc and the innermost frame's to `pc`. The
/// function slots must hold the closures (the calls guarded them).
pub fn push_frames(
    ts: &mut lua_core::thread::ThreadState,
    frames: &[SnapFrame],
    base: usize,
    pc: u32,
) -> Result<(), String> {
    let mut caller = ts.frames.len() - 1;
    for (n, f) in frames.iter().enumerate() {
        let func = (base as isize + f.func as isize) as usize;
        let Value::LuaFn(cl) = ts.stack[func] else {
            return Err(format!(
                "no closure in the function slot {} of an inlined frame",
                f.func
            ));
        };
        ts.frames[caller].pc = f.ret_pc as usize;
        // A vararg function's registers start above its extra arguments once VARARGPREP
        // (its first instruction) has run.
        let fpc = frames.get(n + 1).map_or(pc, |g| g.ret_pc);
        let fbase = if cl.proto.is_vararg && fpc > 0 {
            func + 1 + cl.proto.numparams as usize + f.nextra as usize
        } else {
            func + 1
        };
        ts.frames.push(Frame {
            func,
            base: fbase,
            top: fbase + cl.maxstacksize as usize,
            pc: fpc as usize,
            nresults: f.nresults,
            closure: Some(cl),
            nextra: f.nextra,
            kind: if f.meta {
                CallKind::Meta
            } else {
                CallKind::Normal
            },
            handler_slot: NO_HANDLER,
            fresh: f.meta,
            tailcalled: false,
            cont: None,
        });
        caller = ts.frames.len() - 1;
    }
    Ok(())
}
