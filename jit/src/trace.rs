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
use std::rc::{Rc, Weak};

/// Entry point of a trace's code.
pub type TraceFn = unsafe extern "C" fn(base: *mut Value, ctx: *mut ExecCtx) -> u32;

pub struct Trace {
    pub no: u32,
    pub ir: Ir,
    pub alloc: Alloc,
    /// Snapshot number of each exit.
    pub exits: Vec<u32>,
    pub code: CodeRange,
    /// Offset of the loop in the code.
    pub loop_offset: usize,
    /// The prototype and loop header the trace starts at.
    pub proto: Weak<Proto>,
    pub start_pc: usize,
    /// Where it starts, as `-jv` names it ("file.lua:12").
    pub location: String,
    /// One past the highest stack slot the trace touches (the stack must have room).
    pub max_slot: i32,
    /// Frames an exit may rebuild above the root frame.
    pub max_depth: usize,
    /// Snapshots of exits that leave because a GC step is due.
    pub gc_snaps: Vec<u32>,
    pub gc_consts: Vec<Value>,
}

impl Trace {
    pub fn entry(&self) -> TraceFn {
        // SAFETY: `code.addr` is the first byte of this trace's code, installed executable
        // and never freed while the trace lives (mcode.rs); the code follows the
        // `TraceFn` calling convention (asm.rs's prologue and epilogue).
        unsafe { std::mem::transmute::<usize, TraceFn>(self.code.addr) }
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

/// The optimised IR and allocation of a finished recording.
pub struct Compiled {
    pub ir: Ir,
    pub alloc: Alloc,
    pub gc_snaps: Vec<u32>,
}

/// Run the optimisation passes and the register allocator on a closed recording.
pub fn optimise(rec: &mut Recorder, passes: Passes) -> RecResult<Compiled> {
    let end = rec.end_slots();
    let mut gc_snaps = Vec::new();
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
    rec.em.opt.fold = passes.fold;
    rec.em.opt.cse = passes.cse;
    rec.em.opt.fwd = passes.fwd;
    if !passes.loop_opt {
        return Err(Abort::with(Reason::NyiBytecode, "loop optimisation off"));
    }
    let nsnaps_before = rec.em.ir.snaps.len();
    crate::loop_opt::peel(&mut rec.em, &end)?;
    // The GC check's loop copy uses a copied snapshot: it is a GC exit too.
    for (i, ins) in rec.em.ir.ins.iter().enumerate() {
        if ins.op == Op::GcCheck && i > rec.em.ir.loop_start.unwrap_or(0) {
            gc_snaps.push(ins.snap);
        }
    }
    let _ = nsnaps_before;
    check(&rec.em.ir, "loop")?;
    let mut ir = std::mem::take(&mut rec.em.ir);
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

/// Assemble and install a compiled recording as trace `no`.
pub fn build(
    no: u32,
    rec: &Recorder,
    c: Compiled,
    mcode: &mut Mcode,
    proto: &Rc<Proto>,
    location: String,
) -> RecResult<Trace> {
    let code = crate::asm::assemble(&c.ir, &c.alloc, rec.max_slot)?;
    let range = mcode.install(&code.bytes).map_err(|e| match e {
        McodeError::TooBig => Abort::new(Reason::McodeTooBig),
        McodeError::Full => Abort::new(Reason::McodeFull),
    })?;
    let max_depth = c.ir.snaps.iter().map(|s| s.frames.len()).max().unwrap_or(0);
    Ok(Trace {
        no,
        ir: c.ir,
        alloc: c.alloc,
        exits: code.exits,
        code: range,
        loop_offset: code.loop_offset,
        proto: Rc::downgrade(proto),
        start_pc: rec.start_pc,
        location,
        max_slot: rec.max_slot,
        max_depth,
        gc_snaps: c.gc_snaps,
        gc_consts: rec.gc_consts.clone(),
    })
}
