//! A compiled trace, and the pipeline that makes one from a finished recording.
//!
//! ```text
//!   recording --> [GC check] --> loop peeling --> DCE --> register allocation
//!             --> x86-64 assembly --> code memory
//! ```
//!
//! The verifier runs after every pass in debug builds and tests. A `Trace` owns everything
//! needed to run and leave it: the code's range, the IR and allocation (the exit handler
//! reads snapshots through them), and the constants its code embeds (GC roots).
//!
//! Invariants:
//! - A trace's code enters at its first byte; its exits are numbered as `exits` lists them.
//! - `gc_consts` holds every collectable object whose address the code or the snapshots
//!   embed (the JIT marks them on every collection).

use crate::abort::{Abort, Reason, RecResult};
use crate::exec::{ExecCtx, MAX_SPILL};
use crate::ir::{Ins, Ir, Op, Ref, Ty};
use crate::mcode::{CodeRange, Mcode, McodeError};
use crate::record::Recorder;
use crate::regalloc::Alloc;
use lua_core::proto::Proto;
use lua_core::Value;
use std::cell::Cell;
use std::rc::{Rc, Weak};

/// Entry point of a trace's code.
pub type TraceFn = unsafe extern "C" fn(base: *mut Value, ctx: *mut ExecCtx) -> u32;

pub struct Trace {
    pub no: u32,
    /// The root trace of this trace's tree (itself for a root trace).
    pub root: u32,
    /// A side trace: its parent and the parent's exit it starts from.
    pub parent: Option<(u32, u32)>,
    /// The trace it continues in at its end (a trace that does not loop).
    pub link: Option<u32>,
    pub ir: Ir,
    pub alloc: Alloc,
    /// Snapshot number of each exit.
    pub exits: Vec<u32>,
    /// Instruction of each exit.
    pub exit_ins: Vec<u32>,
    pub code: CodeRange,
    /// Offset of the loop in the code.
    pub loop_offset: usize,
    /// Offset just after the prologue, where linking traces jump in.
    pub body_offset: usize,
    /// Per exit: the code it continues at: a side trace, or the common exit (back to the
    /// interpreter).
    /// Boxed, so compiled code can embed the address of each entry.
    pub exit_table: Box<[Cell<usize>]>,
    /// The address of the common exit (an exit table entry without a side trace).
    pub common_exit: usize,
    /// Per exit: times taken, and side-trace attempts made from it.
    pub exit_counts: Box<[Cell<u32>]>,
    pub exit_tries: Box<[Cell<u32>]>,
    /// Per exit: backoff exponent after side traces that met a loop without a trace.
    pub exit_waits: Box<[Cell<u32>]>,
    /// Side traces in this tree (kept on the root).
    pub nside: Cell<u32>,
    /// The prototype and loop header the trace starts at.
    pub proto: Weak<Proto>,
    pub start_pc: usize,
    /// Where it starts, as `-jv` names it ("file.lua:12"); empty unless `-jv` or `-jdump`
    /// printed when it was compiled (nothing else reads it, and formatting it costs as much
    /// as a small trace's recording).
    pub location: String,
    /// Traces that were running below the recording (see `Recorder::nested`).
    pub nested: u32,
    /// One past the highest stack slot the trace touches (the stack must have room).
    pub max_slot: i32,
    /// Frames an exit may rebuild above the root frame.
    pub max_depth: usize,
    /// What each exit is (decided here once, read at every exit).
    pub exit_kind: Box<[ExitKind]>,
    pub gc_consts: Vec<Value>,
    /// Prototypes of inlined functions (kept alive: their code pointers are guarded).
    pub protos: Vec<Rc<Proto>>,
    /// The frames a link into the loop of an inlined frame pushes (its code points here).
    pub link_frames: Option<Box<[crate::ir::SnapFrame]>>,
}

impl Trace {
    pub fn entry(&self) -> TraceFn {
        // SAFETY: `code.addr` is the first byte of this trace's code, installed executable
        // and never freed while the trace lives (mcode.rs); the code follows the
        // `TraceFn` calling convention (asm.rs's prologue and epilogue).
        unsafe { std::mem::transmute::<usize, TraceFn>(self.code.addr) }
    }

    /// The address linking traces jump to.
    pub fn body_addr(&self) -> usize {
        self.code.addr + self.body_offset
    }

    /// Number of IR instructions (as LuaJIT's traceinfo counts them).
    pub fn nins(&self) -> usize {
        self.ir.ins.len() - 1
    }
}

fn check(ir: &Ir, pass: &str) -> RecResult<()> {
    if cfg!(debug_assertions) || cfg!(test) {
        if let Err(e) = crate::verify::verify(ir) {
            return Err(Abort::with(
                Reason::NyiBytecode,
                format!("internal: IR verifier after {pass}: {e}"),
            ));
        }
    }
    Ok(())
}

/// Optimisation levels (LuaJIT's -O0..3 switch these passes).
#[derive(Clone, Copy, Debug)]
pub struct Passes {
    pub fold: bool,
    pub cse: bool,
    pub fwd: bool,
    pub dce: bool,
    pub loop_opt: bool,
}

/// What an exit is, for what happens after it (`Jit::run`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExitKind {
    /// A guard: the interpreter goes on; a side trace may start here when it gets hot.
    Guard,
    /// A GC step is due (at a loop header).
    Gc,
    /// A call-out's exit taken before its call (call-outs nested too deep): no side trace.
    CallOut,
    /// A link to the interpreter from the trace's bottom frame: if that frame is a
    /// call-out's callee at a return, the exit does the return; else as a guard.
    ToInterp,
    /// A link to another trace that could not push its frames: no side trace.
    Link,
}

impl ExitKind {
    /// The kind of the exit at snapshot `snap` of instruction `ins`.
    fn of(ir: &Ir, gc_snaps: &[u32], snap: u32, ins: u32) -> ExitKind {
        let i = &ir.ins[ins as usize];
        match i.op {
            _ if gc_snaps.contains(&snap) => ExitKind::Gc,
            Op::CallOut => ExitKind::CallOut,
            Op::Link if i.k != 0 => ExitKind::Link,
            Op::Link if ir.snaps[snap as usize].frames.is_empty() => ExitKind::ToInterp,
            _ => ExitKind::Guard,
        }
    }
}

/// The optimised IR and allocation of a finished recording.
pub struct Compiled {
    pub ir: Ir,
    pub alloc: Alloc,
    pub gc_snaps: Vec<u32>,
}

/// Run the optimisation passes and the register allocator on a finished recording: a loop
/// (peeled), or a straight trace ending in a link.
pub fn optimise(rec: &mut Recorder, passes: Passes) -> RecResult<Compiled> {
    rec.em.opt.fold = passes.fold;
    rec.em.opt.cse = passes.cse;
    rec.em.opt.fwd = passes.fwd;
    let mut gc_snaps = Vec::new();
    if let Some(target) = rec.link {
        // A link into the loop of an inlined frame (`Recorder::link_to`).
        let deep = target != 0 && rec.frames.len() != 1;
        if target != 0 && rec.top.is_some() {
            return Err(Abort::with(
                Reason::NyiBytecode,
                "link from an inlined frame",
            ));
        }
        if rec.allocates && target != 0 {
            // Leave before linking when a GC step is due (the target may not check). The
            // exit is at a loop header, where only locals are live (`Jit::enter` collects
            // with the stack top at them). A link to the interpreter needs no check: the
            // interpreter reaches a safepoint soon.
            let sn = rec.take_snapshot(rec.pc as u32);
            rec.em.ir.snaps.push(sn);
            let s = rec.em.ir.snaps.len() as u32 - 1;
            gc_snaps.push(s);
            let mut g = Ins::new(Op::GcCheck, Ty::Void, Ref::NONE, Ref::NONE, 0);
            g.snap = s;
            rec.em.ir.push(g);
        }
        let sn = rec.take_snapshot(rec.pc as u32);
        rec.em.ir.snaps.push(sn.clone());
        if target != 0 {
            // Loops made of linked traces must notice an interrupt too.
            let mut g = Ins::new(
                Op::IntrCheck,
                Ty::Void,
                Ref::NONE,
                Ref::NONE,
                rec.interrupt as i64,
            );
            g.snap = rec.em.ir.snaps.len() as u32 - 1;
            rec.em.ir.push(g);
            rec.em.ir.snaps.push(sn);
        }
        let mut l = Ins::new(Op::Link, Ty::Void, Ref::NONE, Ref::NONE, target as i64);
        l.snap = rec.em.ir.snaps.len() as u32 - 1;
        if deep {
            // Its exit when the frames cannot be pushed: the slots are stored by then.
            let mut bare = rec.em.ir.snaps[l.snap as usize].clone();
            bare.entries.clear();
            rec.em.ir.snaps.push(bare);
        }
        rec.em.ir.push(l);
        check(&rec.em.ir, "recording")?;
    } else {
        let end = rec.end_slots();
        {
            // Every iteration checks the interrupt flag (Ctrl-C), leaving at the header.
            let sn = rec.take_snapshot(rec.start_pc as u32);
            rec.em.ir.snaps.push(sn);
            let mut g = Ins::new(
                Op::IntrCheck,
                Ty::Void,
                Ref::NONE,
                Ref::NONE,
                rec.interrupt as i64,
            );
            g.snap = rec.em.ir.snaps.len() as u32 - 1;
            rec.em.ir.push(g);
        }
        if rec.allocates {
            // Leave when a GC step is due, at the loop header with the iteration done.
            let sn = rec.take_snapshot(rec.start_pc as u32);
            rec.em.ir.snaps.push(sn);
            let s = rec.em.ir.snaps.len() as u32 - 1;
            gc_snaps.push(s);
            let mut g = Ins::new(Op::GcCheck, Ty::Void, Ref::NONE, Ref::NONE, 0);
            g.snap = s;
            rec.em.ir.push(g);
        }
        check(&rec.em.ir, "recording")?;
        if !passes.loop_opt {
            return Err(Abort::with(Reason::NyiBytecode, "loop optimisation off"));
        }
        crate::loop_opt::peel(&mut rec.em, &end)?;
        // The GC check's loop copy uses a copied snapshot: it is a GC exit too.
        let lp = rec.em.ir.loop_start.unwrap_or(0);
        for (i, ins) in rec.em.ir.ins.iter().enumerate() {
            if ins.op == Op::GcCheck && i > lp {
                gc_snaps.push(ins.snap);
            }
        }
        check(&rec.em.ir, "loop")?;
    }
    let mut ir = rec.em.take_ir();
    if passes.dce {
        crate::dce::dce(&mut ir);
        check(&ir, "dce")?;
    }
    let alloc =
        crate::regalloc::allocate(&ir, MAX_SPILL).map_err(|_| Abort::new(Reason::SpillOverflow))?;
    Ok(Compiled {
        ir,
        alloc,
        gc_snaps,
    })
}

/// What `build` needs to know about the trace's place among the others.
pub struct Placement<'a> {
    pub no: u32,
    pub proto: &'a Rc<Proto>,
    pub location: String,
    /// A side trace: its parent (and the exit).
    pub parent: Option<(&'a Trace, u32)>,
    /// The trace a final link continues in.
    pub link: Option<&'a Trace>,
    /// Code memory may be freed to make room (`Mcode::reset`: no compiled code runs and the
    /// trace depends on no other's code). Set when it was: the caller then flushes every
    /// other trace at once, before any can run.
    pub reset: Option<&'a std::cell::Cell<bool>>,
}

/// Assemble and install a compiled recording.
pub fn build(rec: &Recorder, c: Compiled, mcode: &mut Mcode, pl: Placement) -> RecResult<Trace> {
    // A link into the loop of an inlined frame pushes these frames (kept with the trace).
    let link_frames: Option<(Box<[crate::ir::SnapFrame]>, u32)> =
        c.ir.ins
            .last()
            .filter(|l| l.op == Op::Link && l.k != 0)
            .map(|l| &c.ir.snaps[l.snap as usize])
            .filter(|sn| !sn.frames.is_empty())
            .map(|sn| (sn.frames.clone().into_boxed_slice(), sn.pc));
    let nexits = crate::asm::count_exits(&c.ir);
    let exit_table: Box<[Cell<usize>]> = (0..nexits).map(|_| Cell::new(0)).collect();
    let entry = match pl.parent {
        None => crate::asm::Entry::Root,
        Some((p, exit)) => crate::asm::Entry::Side {
            parent_ir: &p.ir,
            parent_ra: &p.alloc,
            snap: p.exits[exit as usize],
        },
    };
    let params = crate::asm::Params {
        max_slot: rec.max_slot,
        trace_no: pl.no,
        exit_table: exit_table.as_ptr(),
        entry,
        link_addr: pl.link.map_or(0, |t| t.body_addr()),
        link_rebase: crate::asm::LinkRebase {
            base: rec.frames[0].base,
            func: rec.frames[0].func,
            nextra: rec.frames[0].nextra,
            popped: rec.below,
        },
        link_frames: link_frames
            .as_ref()
            .map(|(f, pc)| (f.as_ptr(), f.len(), *pc)),
    };
    let c_link = rec.link;
    let code = crate::asm::assemble(&c.ir, &c.alloc, params)?;
    let installed = match (mcode.install(&code.bytes), pl.reset) {
        (Err(McodeError::Full), Some(done)) => {
            mcode.reset();
            done.set(true);
            mcode.install(&code.bytes)
        }
        (r, _) => r,
    };
    let range = installed.map_err(|e| match e {
        McodeError::TooBig => Abort::new(Reason::McodeTooBig),
        McodeError::Full => Abort::new(Reason::McodeFull),
    })?;
    // Every exit leaves through the common exit until a side trace takes it over.
    let common = range.addr + code.common_offset;
    for e in exit_table.iter() {
        e.set(common);
    }
    let max_depth = c.ir.snaps.iter().map(|s| s.frames.len()).max().unwrap_or(0);
    let nexit = code.exits.len();
    let exit_kind = code
        .exits
        .iter()
        .zip(&code.exit_ins)
        .map(|(&s, &i)| ExitKind::of(&c.ir, &c.gc_snaps, s, i))
        .collect();
    let max_slot = rec.max_slot.max(pl.parent.map_or(0, |(p, _)| p.max_slot));
    Ok(Trace {
        no: pl.no,
        root: pl.parent.map_or(pl.no, |(p, _)| p.root),
        parent: pl.parent.map(|(p, e)| (p.no, e)),
        link: match c_link {
            Some(0) => Some(0),
            _ => pl.link.map(|t| t.no),
        },
        ir: c.ir,
        alloc: c.alloc,
        exits: code.exits,
        exit_ins: code.exit_ins,
        code: range,
        loop_offset: code.loop_offset,
        body_offset: code.body_offset,
        exit_table,
        common_exit: common,
        exit_counts: (0..nexit).map(|_| Cell::new(0)).collect(),
        exit_tries: (0..nexit).map(|_| Cell::new(0)).collect(),
        exit_waits: (0..nexit).map(|_| Cell::new(0)).collect(),
        nside: Cell::new(0),
        proto: Rc::downgrade(pl.proto),
        start_pc: rec.start_pc,
        location: pl.location,
        nested: rec.nested,
        max_slot,
        max_depth,
        exit_kind,
        gc_consts: rec.gc_consts.clone(),
        protos: rec.protos.clone(),
        link_frames: link_frames.map(|(f, _)| f),
    })
}
