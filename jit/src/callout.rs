//! Call-outs: a trace calls what it does not inline (a native the recorder does not know,
//! a call past the inlining limits, a value with `__call`, an instruction whose
//! metamethod it does not inline, TBC and CLOSE) through a nested interpreter loop, and
//! goes on with the results. A TAILCALL from an inlined frame is run as the interpreter
//! runs it (`State::jit_tail_call`): a native above the frame, which then returns its
//! results, a Lua function in the frame's place; the trace goes on in the caller.
//!
//! A `CALLOUT` instruction has a snapshot at its CALL instruction. Its code stores the
//! snapshot's values in the stack and every register in the context, and calls
//! [`jit_callout`], which:
//!
//! 1. rebuilds the interpreter state of that snapshot, as an exit would (compiled code
//!    stored the stack slots; the helper pushes inlined frames as real frames), so the callee, error messages, tracebacks and the
//!    debug library see exactly what the interpreter would show;
//! 2. runs the CALL as OP_CALL would, with the frame's pc after it and an `Interpreting`
//!    entry pushed on the thread's trace-execution stack; traces entered inside push and
//!    pop above it;
//! 3. pops the entry, and either goes on in the trace (the inlined frames popped again,
//!    the base register moved with the stack) or leaves it with the interpreter state as
//!    it stands: after an error or a yield (propagated by the trace's run, so no compiled
//!    frame outlives it), or when the trace may not go on (hooks came on, the trace was
//!    flushed).
//!
//! After the call the trace knows nothing of the stack: the recorder reloads every slot it
//! reads, type-guarded, and nothing read from memory before the call is reused (see
//! `fold`). Values the trace keeps in registers across the call are in the snapshot, hence
//! in the stack while the call runs, which keeps them alive for the collector.
//!
//! Invariants:
//! - On return to compiled code the thread's frames and trace-execution stack are as they
//!   were at the call (or the result is `LEAVE`).
//! - Call-outs nest at most `MAX_DEPTH` deep; deeper, the CALLOUT exits as a guard does,
//!   before the call, and the interpreter makes the call itself (so recursion through
//!   call-outs is as deep as without them).

use crate::exec::{self, ExecCtx};
use crate::regalloc::reg::BASE;
use lua_core::jitif::ExecEntry;
use lua_core::opcodes::Op as Bc;
use lua_core::State;

/// The trace goes on.
const GO_ON: u32 = 0;
/// The trace leaves through the CALLOUT's exit (`ExecCtx::left` says how).
const LEAVE: u32 = 1;

/// Call-outs nested in one state at most (each holds a few native frames).
pub const MAX_DEPTH: u32 = 64;

/// Run the call of the CALLOUT whose exit the context names (see the module doc).
pub extern "C" fn jit_callout(ctx: *mut ExecCtx) -> u32 {
    crate::helpers::guarded("callout", || {
        // SAFETY: compiled code passes its own context, which lives across the call, and
        // its `state`, which nothing else borrows while compiled code runs.
        let ctx = unsafe { &mut *ctx };
        // SAFETY: as above.
        let st = unsafe { &mut *ctx.state };
        callout(st, ctx)
    })
}

fn callout(st: &mut State, ctx: &mut ExecCtx) -> u32 {
    // SAFETY: the run that entered the trace set `jit` to itself, and the JIT outlives its
    // runs (the interpreter holds it while it runs a trace).
    let Some(jit) = (unsafe { ctx.jit.as_ref() }) else {
        return LEAVE;
    };
    // (The trace that called out: the entered one, which its run holds, or one control
    // passed to.)
    let other;
    // SAFETY: the run set `entered` to the trace it holds while the code runs.
    let t = match unsafe { ctx.entered.as_ref() } {
        Some(t) if t.no == ctx.exit_trace => t,
        _ => match jit.trace_or_zombie(ctx.exit_trace) {
            Some(t) => {
                other = t;
                &*other
            }
            None => return LEAVE,
        },
    };
    let (Some(&snap), Some(&at)) = (
        t.exits.get(ctx.exitno as usize),
        t.exit_ins.get(ctx.exitno as usize),
    ) else {
        return LEAVE;
    };
    let want = t.ir.ins[at as usize].k - 1;
    if jit.callout_depth.get() >= MAX_DEPTH {
        return LEAVE;
    }
    let ts = st.ts();
    let base = (ctx.gpr[BASE as usize] as usize - ts.stack.as_ptr() as usize) / 16;
    let nframes = ts.frames.len();
    let fi = ctx.root_fi as usize;
    // (Compiled code stored the snapshot's slots.)
    if let Err(e) = exec::restore_frames(st, &t.ir.snaps[snap as usize], fi, base) {
        let msg = format!("internal JIT error: trace {} call-out: {e}", t.no);
        ctx.left = Some(Err(st.error_msg(msg)));
        return LEAVE;
    }
    let ts = st.ts();
    let depth = ts.frames.len();
    let fr = *ts.frames.last().expect("a Lua frame");
    let i = match fr.closure {
        Some(cl) => cl.proto.code[fr.pc],
        None => return LEAVE,
    };
    let is_call = i.op() == Bc::Call;
    // (A tail call or a closing return from an inlined frame: that frame is gone
    // afterwards.)
    let leaves = crate::record::leaves_frame(i);
    if !is_call && !leaves && !lua_core::vm_step::steppable(i.op()) {
        let msg = format!(
            "internal JIT error: trace {} call-out at {:?}",
            t.no,
            i.op()
        );
        ctx.left = Some(Err(st.error_msg(msg)));
        return LEAVE;
    }
    ts.frames[depth - 1].pc += 1;
    let func = fr.base + i.a();
    // (Arguments up to B; a RETURN finds its results' count itself.)
    if (is_call || i.op() == Bc::TailCall) && i.b() != 0 {
        ts.top = func + i.b();
    }
    let nresults = match () {
        _ if is_call => i.c() as i32 - 1,
        _ if leaves => fr.nresults,
        _ => 1,
    };
    let flushed = jit.flushed.get();
    ts.exec.push(ExecEntry::Interpreting);
    crate::debug_check_exec(&ts.exec);
    jit.callout_depth.set(jit.callout_depth.get() + 1);
    crate::bump(&jit.run_stats.callouts);
    let r = if is_call {
        st.jit_call(func, nresults)
    } else if i.op() == Bc::TailCall {
        st.jit_tail_call(func)
    } else if leaves {
        st.jit_return_op()
    } else {
        st.jit_exec_op()
    };
    jit.callout_depth.set(jit.callout_depth.get() - 1);
    // A recording that started inside cannot go on out here.
    if matches!(st.ts().exec.last(), Some(ExecEntry::Recording { .. })) {
        jit.end_recording(st, Some(crate::abort::Reason::FrameMismatch.into()));
    }
    let ts = st.ts();
    let top = ts.exec.pop();
    debug_assert_eq!(top, Some(ExecEntry::Interpreting), "the call-out's entry");
    crate::debug_check_exec(&ts.exec);
    if let Err(e) = r {
        ctx.left = Some(Err(e));
        return LEAVE;
    }
    // (All results of a call: as many as recorded; a comparison: the way recorded.)
    let (func, depth) = if leaves {
        (fr.func, depth - 1)
    } else {
        (func, depth)
    };
    let other_way = if is_call || leaves {
        nresults < 0 && (ts.top - func) as i64 != want
    } else {
        want >= 0 && ts.frames.last().expect("a Lua frame").pc as i64 != want
    };
    if nresults >= 0 {
        ts.top = ts.frames.last().expect("a Lua frame").top;
    }
    if ts.frames.len() != depth
        || other_way
        || crate::hooks_active(st)
        || (jit.flushed.get() != flushed && !jit.is_live(t))
    {
        ctx.left = Some(Ok(()));
        return LEAVE;
    }
    let ts = st.ts();
    ts.frames.truncate(nframes);
    ctx.gpr[BASE as usize] = ts.stack.as_ptr() as u64 + 16 * base as u64;
    GO_ON
}
