//! The tracing JIT for lua-core on x86-64 (DESIGN.md section 6; docs/jit.md explains it).
//!
//! [`install`] puts a [`Jit`] into a state as its `jitif::JitHook`. From then on:
//!
//! - A loop whose back-edges count down to zero calls [`Jit::loop_header`]: the JIT starts
//!   recording there (`record`), or runs the loop's trace (`exec`), or backs off.
//! - While recording, every instruction reaches the recorder before it runs; when control
//!   comes back to the loop header the trace is optimised, assembled and installed
//!   (`trace`), and entered at once.
//! - A trace runs until a guard fails; the exit rebuilds the interpreter's state from the
//!   guard's snapshot, and the interpreter goes on from there.
//!
//! Module map: `ir` (the IR and its text form), `record` + `rec_*` (bytecode to IR),
//! `fold` (folding, CSE, forwarding), `loop_opt`, `dce`, `verify`, `regalloc`, `asm`
//! (x86-64), `mcode` (code memory), `exec` (entry, exits, snapshot restore), `helpers`
//! (functions compiled code calls), `trace` (the pipeline), `builtins`, `abort` (abort
//! reasons), `options`, `lib_jit` (the Lua `jit` module), `dump` (`-jv`, `-jdump`).
//!
//! Where `unsafe` lives: `mcode` (mapping and protecting code memory), `exec` (boxing
//! values from raw bits), `trace` (turning code addresses into functions), `helpers`
//! (object addresses from compiled code) and `lib.rs`'s call into compiled code.
//!
//! Invariants:
//! - The JIT never changes what a program does: every assumption is a guard, and every
//!   exit restores exactly the state the interpreter would have.
//! - No borrow of the JIT's state is held while Lua code or compiled code runs, so hooks
//!   may nest (a trace's helper or a finalizer may reach the JIT again).
//! - Each thread's trace-execution stack has an `Executing` entry exactly while that trace's
//!   code runs, and a `Recording` entry exactly while the thread records.

pub mod abort;
mod asm;
#[cfg(test)]
mod asm_tests;
pub mod builtins;
mod callout;
pub mod dce;
pub mod dump;
pub mod exec;
mod fasthash;
pub mod fold;
mod helpers;
pub mod ir;
mod lib_jit;
pub mod liveness;
pub mod loop_opt;
pub mod mcode;
pub mod options;
mod rec_arith;
mod rec_call;
mod rec_index;
pub mod record;
pub mod regalloc;
pub mod trace;
pub mod verify;

use abort::{Abort, Reason};
use lua_core::gc::{Gc, Marker};
use lua_core::jitif::{hot_index, ExecEntry, JitHook, Resume, HOOK_RECORD};
use lua_core::object::Thread;
use lua_core::proto::Proto;
use lua_core::{LuaResult, State, Value};
pub use options::JitConfig;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use trace::{ExitKind, Trace};

/// Counters `jit.stats()` reports (with [`RunStats`]).
#[derive(Clone, Copy, Default, Debug)]
pub struct Stats {
    pub traces: u64,
    pub side: u64,
    pub aborts: u64,
    pub flushes: u64,
    pub freed: u64,
    /// Microseconds from the start of each recording that produced a trace to its code
    /// being installed (recording the iteration, optimising, assembling).
    pub compile_us: u64,
}

/// The counters of running traces `jit.stats()` reports, kept in cells outside the JIT's
/// state (every trace run and call-out updates them).
#[derive(Default, Debug)]
pub struct RunStats {
    pub entries: Cell<u64>,
    pub exits: Cell<u64>,
    pub callouts: Cell<u64>,
    pub nested_entries: Cell<u64>,
    pub max_depth: Cell<u64>,
}

/// Add 1 to counter `c`.
pub(crate) fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

/// A recording in progress.
struct Recording {
    rec: record::Recorder,
    thread: Gc<Thread>,
    /// The root frame's prototype.
    proto: Rc<Proto>,
    no: u32,
    /// Where it started, as `-jv` names it ("(2/3) file.lua:12" for a side trace).
    start: String,
    /// When it started.
    began: std::time::Instant,
}

impl JitState {
    /// Note what new trace `t` depends on (see `dependents`).
    fn note_dependent(&mut self, t: &Trace) {
        let mut on = |n: u32| {
            let n = n as usize;
            if self.dependents.len() <= n {
                self.dependents.resize_with(n + 1, Vec::new);
            }
            self.dependents[n].push(t.no);
        };
        if t.parent.is_some() {
            on(t.root);
        }
        match t.link {
            Some(l) if l != 0 && l != t.no && l != t.root => on(l),
            _ => {}
        }
    }

    /// A trace event "start" for trace `no` at `pc` of the running frame (a side trace:
    /// its parent and exit), if a "trace" handler listens. Delivered with the trace's
    /// other events once its recording ends.
    fn queue_start(&mut self, st: &State, no: u32, pc: usize, side: Option<(u32, u32)>) {
        if !self.attached.iter().any(|(k, _)| k == "trace") {
            return;
        }
        let f = st.ts().frames.last().and_then(|f| f.closure);
        let func = f.map_or(Value::Nil, Value::LuaFn);
        self.events.push(Event {
            side,
            ..Event::new("start", no, func, pc)
        });
    }
}

impl Event {
    /// Event `what` of trace `tr` in function `func` at `pc`, without the optional parts.
    fn new(what: &'static str, tr: u32, func: Value, pc: usize) -> Event {
        Event {
            what,
            tr,
            func,
            pc,
            msg: None,
            depth: 0,
            side: None,
        }
    }
}

/// A queued event for the `jit.attach` handlers.
struct Event {
    /// "stop", "abort" (trace events) or "record".
    what: &'static str,
    tr: u32,
    func: lua_core::Value,
    pc: usize,
    /// An abort's reason.
    msg: Option<String>,
    /// Of a record event: how many inlined frames deep the instruction is.
    depth: u32,
    /// Of a side trace's start event: its parent trace and exit.
    side: Option<(u32, u32)>,
}

pub struct JitState {
    pub config: JitConfig,
    /// Traces by number (index 0 unused); `None` once flushed.
    pub traces: Vec<Option<Rc<Trace>>>,
    /// Flushed traces: nothing enters them any more, but compiled code of theirs may still
    /// be running (below a call-out), so an exit they take can still be resolved. Dropped
    /// when no trace runs (`Jit::reclaim`).
    zombies: HashMap<u32, Rc<Trace>>,
    /// By trace number: the traces that depend on it, for `flush_set` (a root's side
    /// traces; the traces of other trees whose final link goes to it). Entries of flushed
    /// traces stay until the numbers start again; readers check the relation still holds.
    dependents: Vec<Vec<u32>>,
    /// The last recording's hash maps, for the next.
    spare: fold::Spare,
    /// All traces were flushed (`flush_all`): when no trace runs, the code memory is
    /// reused and trace numbers start again at 1; nothing is compiled until then.
    reclaim_pending: bool,
    /// Code memory ran out while compiling: flush everything at the next chance.
    flush_due: bool,
    recording: Option<Recording>,
    pub mcode: mcode::Mcode,
    pub stats: Stats,
    builtins: Rc<builtins::Builtins>,
    liveness: Rc<liveness::LivenessCache>,
    /// Aborts so far per loop (prototype address, pc): the backoff.
    penalty: HashMap<(usize, usize), u32>,
    /// Prototypes `jit.off(f)` excluded.
    nojit: HashSet<usize>,
    /// Code memory ran out with nothing left to flush (mapping refused): no more compiling.
    pub disabled: bool,
    /// `-jv`/`-jdump` output.
    pub out: dump::Output,
    /// `jit.attach` handlers: (event, function).
    pub attached: Vec<(String, lua_core::Value)>,
    /// Events for the `jit.attach` handlers, delivered at the next loop header where no
    /// recording is in progress.
    events: Vec<Event>,
}

/// The JIT installed in a state (see the module doc).
/// What running one trace came to.
enum Ran {
    /// It could not be entered (no room on the stack or for frames).
    No,
    /// It ran, and the interpreter goes on where it left.
    Yes,
    /// It ran, and left where this trace goes on.
    Then(Rc<Trace>),
    /// It ran, and returned out of the running interpreter loop's entry frame
    /// (`State::jit_return_from_entry`).
    Returned(lua_core::thread::CallKind, i32),
}

pub struct Jit {
    pub state: RefCell<JitState>,
    /// Execution contexts to reuse (one is taken per trace run: entering a trace then
    /// costs no clearing of its spill area). Boxed: taking one out moves a pointer, not
    /// the 2 KB context.
    #[allow(clippy::vec_box)]
    ctxs: RefCell<Vec<Box<exec::ExecCtx>>>,
    /// Call-outs running now (see `callout`).
    pub(crate) callout_depth: Cell<u32>,
    pub run_stats: RunStats,
    /// Compiled code running now (calls of trace code not yet returned, on any thread:
    /// coroutines share the native stack and no compiled frame survives a yield). While it
    /// is 0 no code of any trace can be running or be returned to, so flushed traces' code
    /// and metadata may be freed (`reclaim`).
    running: Cell<u32>,
    /// Flushed traces wait to be freed (`reclaim` has work).
    reclaim_due: Cell<bool>,
    /// The most stack slots and inlined frames any trace needs (control may pass from the
    /// entered trace to any other through exits and links).
    max_slot: Cell<i32>,
    max_depth: Cell<usize>,
    /// Traces flushed so far (a call-out that saw none flushed need not look its trace
    /// up again).
    pub(crate) flushed: Cell<u64>,
}

/// The interpreter's loop counter start for option `hotloop`.
fn hot_threshold(hotloop: u32) -> u16 {
    hotloop.clamp(1, u16::MAX as u32) as u16
}

/// Install the JIT into `st` with `config`. With the JIT off (`-joff`) nothing is
/// installed: the interpreter's loop counters then only pace its interrupt checks.
pub fn install(st: &mut State, config: JitConfig) {
    lib_jit::open(st);
    if !config.enabled {
        st.jit = None;
        // The `jit` module still exists (and says it is off).
        st.set_hot_threshold(lua_core::jitif::DEFAULT_HOT_THRESHOLD);
        return;
    }
    st.set_hot_threshold(hot_threshold(config.hotloop));
    let builtins = Rc::new(builtins::Builtins::resolve(st));
    let out = dump::Output::new(&config);
    let j = Jit {
        state: RefCell::new(JitState {
            mcode: mcode::Mcode::new(config.sizemcode as usize, config.maxmcode as usize),
            config,
            traces: vec![None],
            zombies: HashMap::new(),
            dependents: Vec::new(),
            spare: fold::Spare::default(),
            reclaim_pending: false,
            flush_due: false,
            recording: None,
            stats: Stats::default(),
            builtins,
            liveness: Default::default(),
            penalty: HashMap::new(),
            nojit: HashSet::new(),
            disabled: false,
            out,
            attached: Vec::new(),
            events: Vec::new(),
        }),
        max_slot: Cell::new(0),
        max_depth: Cell::new(0),
        flushed: Cell::new(0),
        ctxs: RefCell::new(Vec::new()),
        callout_depth: Cell::new(0),
        run_stats: RunStats::default(),
        running: Cell::new(0),
        reclaim_due: Cell::new(false),
    };
    st.jit = Some(Rc::new(j));
}

/// The JIT installed in `st`, if any.
pub fn jit_of(st: &State) -> Option<Rc<dyn JitHook>> {
    st.jit.clone()
}

/// Is the running frame in the last iteration of the numeric `for` loop whose header is
/// `pc`? (Its FORPREP is just before the header; the iteration count left is in R[A+1].)
fn last_iteration(st: &State, proto: &Proto, pc: usize) -> bool {
    let Some(prep) = pc.checked_sub(1).and_then(|p| proto.code.get(p)) else {
        return false;
    };
    if prep.op() != lua_core::opcodes::Op::ForPrep {
        return false;
    }
    let ts = st.ts();
    let Some(fr) = ts.frames.last() else {
        return false;
    };
    matches!(
        ts.stack.get(fr.base + prep.a() + 1),
        Some(lua_core::Value::Int(0))
    )
}

/// The trace-execution stack's shape (DESIGN.md section 6), checked in debug builds where
/// traces are entered and call-outs run: `Interpreting` at the bottom; a trace runs only
/// where the interpreter (the bottom, or a call-out's nested loop) entered it, so an
/// `Executing` entry stands right above an `Interpreting` one; a trace calls out only while
/// it runs, so an `Interpreting` entry above the bottom stands right above an `Executing`
/// one; a recording starts only in the interpreter, and one at a time.
pub(crate) fn debug_check_exec(exec: &[ExecEntry]) {
    if !cfg!(debug_assertions) {
        return;
    }
    assert_eq!(
        exec.first(),
        Some(&ExecEntry::Interpreting),
        "exec stack bottom: {exec:?}"
    );
    for w in exec.windows(2) {
        let ok = match w[1] {
            ExecEntry::Executing { .. } | ExecEntry::Recording { .. } => {
                w[0] == ExecEntry::Interpreting
            }
            ExecEntry::Interpreting => matches!(w[0], ExecEntry::Executing { .. }),
        };
        assert!(ok, "exec stack shape: {exec:?}");
    }
    let recordings = exec
        .iter()
        .filter(|e| matches!(e, ExecEntry::Recording { .. }))
        .count();
    assert!(recordings <= 1, "two recordings on one stack: {exec:?}");
}

/// Traces running on a thread whose trace-execution stack is `exec`.
pub(crate) fn running_traces(exec: &[ExecEntry]) -> u32 {
    exec.iter()
        .filter(|e| matches!(e, ExecEntry::Executing { .. }))
        .count() as u32
}

/// Hooks that could fire on the running thread (a hook function itself runs with hooks
/// off, so traces may run and record inside it).
pub(crate) fn hooks_active(st: &State) -> bool {
    let ts = st.ts();
    ts.hook_mask & !HOOK_RECORD != 0 && ts.allow_hook
}

impl Jit {
    /// Stop the recording in progress, if any, reporting `why` (None: it completed).
    pub(crate) fn end_recording(&self, st: &mut State, why: Option<Abort>) {
        let mut s = self.state.borrow_mut();
        let Some(r) = s.recording.take() else { return };
        let ts = r.thread.st();
        ts.hook_mask &= !HOOK_RECORD;
        if let Some(pos) = ts
            .exec
            .iter()
            .rposition(|e| matches!(e, ExecEntry::Recording { .. }))
        {
            debug_assert_eq!(pos, ts.exec.len() - 1, "Recording is the top entry");
            ts.exec.remove(pos);
        }
        if let Some(ab) = &why {
            if !s.attached.is_empty() {
                let f = r
                    .rec
                    .frames
                    .first()
                    .map_or(lua_core::Value::Nil, |f| lua_core::Value::LuaFn(f.closure));
                s.events.push(Event {
                    msg: Some(ab.message()),
                    ..Event::new("abort", r.no, f, r.rec.start_pc)
                });
            }
        }
        if let Some(ab) = why {
            s.stats.aborts += 1;
            if s.out.wanted() {
                let at = r
                    .rec
                    .frames
                    .last()
                    .map(|f| dump::location(&f.closure.proto, r.rec.pc))
                    .unwrap_or_default();
                s.out.abort(&r.start, &ab.message(), &at);
            }
            if ab.reason == Reason::McodeFull {
                if s.traces.iter().flatten().next().is_some() || s.mcode.used() > 0 {
                    s.flush_due = true;
                } else {
                    s.disabled = true;
                    s.out.note("mcode full: compilation disabled");
                }
                self.reclaim_due.set(true);
            }
            if let Some((p, e)) = r.rec.side {
                // A side trace: the exit counts again from zero. A side trace that reached
                // a loop without a trace (yet), or ran through too many of them, waits longer
                // each time; any other abort counts as one of the `tryside` attempts.
                if let Some(Some(t)) = s.traces.get(p as usize) {
                    let e = e as usize;
                    t.exit_counts[e].set(0);
                    if matches!(ab.reason, Reason::InnerLoop | Reason::LoopUnroll) {
                        t.exit_waits[e].set((t.exit_waits[e].get() + 1).min(16));
                    } else {
                        t.exit_tries[e].set(t.exit_tries[e].get() + 1);
                    }
                }
            } else {
                // Back off: the loop waits longer each time, and is blacklisted at last.
                let hotloop = s.config.hotloop as u64;
                let key = (Rc::as_ptr(&r.proto) as usize, r.rec.start_pc);
                let n = s.penalty.entry(key).or_insert(0);
                // (Recursion deeper than the limit usually recurs on every try: such loops
                // back off four times as fast.)
                *n += if ab.reason == Reason::Recursion { 4 } else { 1 };
                let wait = hotloop << (*n).min(16);
                let count = if wait >= 60_000 || ab.reason == Reason::Blacklisted {
                    u16::MAX
                } else {
                    wait as u16
                };
                st.set_hot_count(&r.proto, r.rec.start_pc, count);
            }
        }
        s.spare = r.rec.em.into_spare();
    }

    /// Start recording at loop header `pc` of the running frame.
    fn start_recording(&self, st: &mut State, proto: &Rc<Proto>, pc: usize) {
        let mut s = self.state.borrow_mut();
        let no = s.traces.len() as u32;
        let limits = record::Limits {
            maxrecord: s.config.maxrecord,
            maxsnap: s.config.maxsnap,
            loopunroll: s.config.loopunroll,
            ..record::Limits::default()
        };
        let spare = std::mem::take(&mut s.spare);
        let rec = record::Recorder::new(
            st,
            pc,
            s.builtins.clone(),
            s.liveness.clone(),
            limits,
            spare,
        );
        s.queue_start(st, no, pc, None);
        let ts = st.ts();
        ts.hook_mask |= HOOK_RECORD;
        ts.exec.push(ExecEntry::Recording { trace: no });
        s.recording = Some(Recording {
            rec,
            thread: st.cur,
            proto: proto.clone(),
            no,
            start: match s.out.wanted() {
                true => dump::location(proto, pc),
                false => String::new(),
            },
            began: std::time::Instant::now(),
        });
    }

    /// Start recording a side trace from exit `exit` of trace `parent`, whose snapshot the
    /// interpreter state now is (root frame at `root_fi`).
    fn start_side(&self, st: &mut State, parent: &Rc<Trace>, at: record::SideStart) {
        let mut s = self.state.borrow_mut();
        let no = s.traces.len() as u32;
        let limits = record::Limits {
            maxrecord: s.config.maxrecord,
            maxsnap: s.config.maxsnap,
            loopunroll: s.config.loopunroll,
            ..record::Limits::default()
        };
        let rec = record::Recorder::new_side(
            st,
            at,
            s.builtins.clone(),
            s.liveness.clone(),
            limits,
            std::mem::take(&mut s.spare),
        );
        s.queue_start(st, no, rec.start_pc, Some((parent.no, at.exit)));
        let ts = st.ts();
        let proto = ts.frames[at.root_fi]
            .closure
            .expect("Lua root frame")
            .proto
            .clone();
        let top = ts.frames.last().and_then(|f| f.closure).expect("Lua frame");
        let start = match s.out.wanted() {
            true => format!(
                "({}/{}) {}",
                parent.no,
                at.exit,
                dump::location(&top.proto, rec.start_pc)
            ),
            false => String::new(),
        };
        ts.hook_mask |= HOOK_RECORD;
        ts.exec.push(ExecEntry::Recording { trace: no });
        s.recording = Some(Recording {
            rec,
            thread: st.cur,
            proto,
            no,
            start,
            began: std::time::Instant::now(),
        });
    }

    /// The recording closed its loop or reached a link: compile it. Returns the new trace.
    fn finish_recording(&self, st: &mut State) -> Option<Rc<Trace>> {
        let reset = Cell::new(false);
        let result = {
            let mut s = self.state.borrow_mut();
            let s = &mut *s;
            let r = s.recording.as_mut().expect("recording");
            let passes = s.config.passes();
            let no = r.no;
            let proto = r.proto.clone();
            // (Only printed: see `Trace::location`.)
            let loc = match r.rec.side {
                _ if !s.out.wanted() => String::new(),
                Some(_) => {
                    let top = r.rec.frames.last().expect("frames");
                    dump::location(&top.closure.proto, r.rec.start_pc)
                }
                None => dump::location(&proto, r.rec.start_pc),
            };
            let parent = r
                .rec
                .side
                .and_then(|(p, e)| s.traces.get(p as usize).cloned().flatten().map(|t| (t, e)));
            let link = r
                .rec
                .link
                .filter(|&l| l != 0)
                .and_then(|l| s.traces.get(l as usize).cloned().flatten());
            // (A root trace that links to no other may have all code memory freed for it
            // when no compiled code runs.)
            let may_reset = self.running.get() == 0
                && r.rec.side.is_none()
                && r.rec.link.is_none_or(|l| l == 0);
            let res = if r.rec.side.is_some() && parent.is_none()
                || r.rec.link.is_some_and(|l| l != 0) && link.is_none()
            {
                Err(Abort::new(Reason::Flushed))
            } else {
                let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let c = trace::optimise(&mut r.rec, passes)?;
                    let pl = trace::Placement {
                        no,
                        proto: &proto,
                        location: loc,
                        parent: parent.as_ref().map(|(t, e)| (&**t, *e)),
                        link: link.as_deref(),
                        reset: may_reset.then_some(&reset),
                    };
                    trace::build(&r.rec, c, &mut s.mcode, pl)
                }));
                match res {
                    Ok(r) => r,
                    Err(_) => Err(Abort::with(Reason::NyiBytecode, "internal: compiler panic")),
                }
            };
            let us = r.began.elapsed().as_micros() as u64;
            res.map(|t| (t, parent, us))
        };
        match result {
            Ok((t, parent, us)) => {
                let t = Rc::new(t);
                self.end_recording(st, None);
                if reset.get() {
                    // Code memory was freed to install this trace: every other trace goes
                    // (their code is gone), before anything can run.
                    self.flush_every_trace(st, false);
                }
                let mut s = self.state.borrow_mut();
                s.traces.push(Some(t.clone()));
                s.note_dependent(&t);
                s.stats.traces += 1;
                s.stats.compile_us += us;
                self.max_slot.set(self.max_slot.get().max(t.max_slot));
                self.max_depth.set(self.max_depth.get().max(t.max_depth));
                match parent {
                    Some((p, e)) => {
                        // From now on the parent's exit continues in the side trace.
                        p.exit_table[e as usize].set(t.code.addr);
                        s.stats.side += 1;
                        if let Some(Some(root)) = s.traces.get(t.root as usize) {
                            root.nside.set(root.nside.get() + 1);
                        }
                    }
                    None => {
                        if let Some(p) = t.proto.upgrade() {
                            p.trace_slot(t.start_pc).set(t.no);
                            st.set_hot_count(&p, t.start_pc, 0);
                        }
                    }
                }
                let s = &mut *s;
                s.out.trace_done(&t, &s.mcode);
                if !s.attached.is_empty() {
                    let f = st
                        .ts()
                        .frames
                        .last()
                        .and_then(|f| f.closure)
                        .map_or(lua_core::Value::Nil, lua_core::Value::LuaFn);
                    s.events.push(Event::new("stop", t.no, f, t.start_pc));
                }
                Some(t)
            }
            Err(ab) => {
                self.end_recording(st, Some(ab));
                None
            }
        }
    }

    /// Run trace `t` from the running frame (at its loop header), and then every trace the
    /// dispatcher goes on in. Returns `Same` if `t` could not run.
    fn enter(&self, st: &mut State, t: &Rc<Trace>) -> LuaResult<Resume> {
        let (mut t, mut ran) = (t.clone(), Resume::Same);
        loop {
            match self.run(st, &t)? {
                Ran::No => return Ok(ran),
                Ran::Yes => return Ok(Resume::Changed),
                Ran::Returned(kind, n) => return Ok(Resume::Returned(kind, n)),
                Ran::Then(n) => (t, ran) = (n, Resume::Changed),
            }
        }
    }

    /// The trace to go on in after exit `exitno` of `et` was restored: the exit is that of a
    /// link into the loop of an inlined frame that could not push the frames
    /// (`Trace::link_frames`), and nothing the interpreter does between loops is due (a GC
    /// step, an interrupt, a hook: `trace_here`).
    fn dispatch_target(&self, st: &mut State, et: &Trace, exitno: u32) -> Option<Rc<Trace>> {
        let i = *et.exit_ins.get(exitno as usize)?;
        let ins = et.ir.ins[i as usize];
        if ins.op != ir::Op::Link || et.link_frames.is_none() {
            return None;
        }
        self.trace_here(st)
    }

    /// The trace of the loop whose header the top frame is at, to enter now instead of
    /// resuming the interpreter there, if nothing the interpreter does between loops is
    /// due.
    fn trace_here(&self, st: &mut State) -> Option<Rc<Trace>> {
        if st.gc_due()
            || st.interrupt.load(std::sync::atomic::Ordering::Relaxed)
            || hooks_active(st)
        {
            return None;
        }
        let fr = st.ts().frames.last()?;
        let cl = fr.closure?;
        let no = cl.proto.trace_at(fr.pc);
        let s = self.state.borrow();
        if !s.config.enabled || s.disabled || s.recording.is_some() {
            return None;
        }
        s.traces.get(no as usize).cloned().flatten()
    }

    /// Run trace `t` once, from its entry to an exit (restored).
    fn run(&self, st: &mut State, t: &Rc<Trace>) -> LuaResult<Ran> {
        let max_slot = self.max_slot.get().max(t.max_slot);
        let max_depth = self.max_depth.get().max(t.max_depth);
        let ts = st.ts();
        let fi = ts.frames.len() - 1;
        let fr = ts.frames[fi];
        let base = fr.base;
        if ts.frames.len() + max_depth >= lua_core::call::MAX_FRAMES
            || !ts.ensure_slot(base + max_slot as usize + 1)
        {
            return Ok(Ran::No);
        }
        let Some(cl) = fr.closure else {
            return Ok(Ran::No);
        };
        let depth = running_traces(&ts.exec) as u64;
        debug_check_exec(&ts.exec);
        ts.exec.push(ExecEntry::Executing {
            trace: t.no,
            frame: fi as u32,
        });
        let rs = &self.run_stats;
        bump(&rs.entries);
        if depth > 0 {
            bump(&rs.nested_entries);
        }
        rs.max_depth.set(rs.max_depth.get().max(depth + 1));
        let mut ctx = match self.ctxs.borrow_mut().pop() {
            Some(mut c) => {
                c.reset(st, cl, fr.nextra, fi);
                c
            }
            None => Box::new(exec::ExecCtx::new(st, cl, fr.nextra, fi)),
        };
        ctx.max_slot = max_slot as u64;
        ctx.max_depth = max_depth as u64;
        ctx.jit = self;
        ctx.entered = Rc::as_ptr(t);
        let base_ptr = st.ts().stack.as_mut_ptr().wrapping_add(base);
        let f = t.entry();
        self.running.set(self.running.get() + 1);
        // SAFETY: the trace's code follows `TraceFn`; `base_ptr` is register 0 of the
        // running frame, with room for every slot any trace touches (ensured above);
        // `ctx` lives across the call. The code reads and writes only the stack slots,
        // objects its guards checked, and the context; the helpers it calls use
        // `ctx.state`, which nothing else borrows until the call returns.
        let exitno = unsafe { f(base_ptr, &mut *ctx) };
        self.running.set(self.running.get() - 1);
        // Control may have passed to other traces (side traces, links): the exit names the
        // trace that took it.
        let other;
        let et = if ctx.exit_trace == t.no {
            Some(t)
        } else {
            other = self.trace_or_zombie(ctx.exit_trace);
            other.as_ref()
        };
        let ts = st.ts();
        match ts.exec.pop() {
            Some(ExecEntry::Executing { trace, .. }) if trace == t.no => {}
            other => {
                return Err(st.error_msg(format!(
                    "internal JIT error: trace {} exit {exitno}: trace-execution stack top is {other:?}",
                    ctx.exit_trace
                )))
            }
        }
        if let Some(r) = ctx.left.take() {
            // A call-out left the trace with the interpreter's state where it goes on.
            self.ctxs.borrow_mut().push(ctx);
            return r.map(|()| Ran::Yes);
        }
        let Some(et) = et else {
            return Err(st.error_msg(format!(
                "internal JIT error: exit {exitno} of unknown trace {}",
                ctx.exit_trace
            )));
        };
        let Some(&snap) = et.exits.get(exitno as usize) else {
            return Err(st.error_msg(format!(
                "internal JIT error: trace {} has no exit {exitno}",
                et.no
            )));
        };
        // Links may have moved the base (see `ExecCtx::root_fi`).
        let (fi, base) = (ctx.root_fi as usize, (base as i64 + ctx.base_off) as usize);
        let bottom = match exec::restore(st, &et.ir, &et.alloc, &ctx, snap as usize, fi, base) {
            Ok(b) => b,
            Err(e) => {
                return Err(st.error_msg(format!(
                    "internal JIT error: trace {} exit {exitno}: {e}",
                    et.no
                )))
            }
        };
        self.ctxs.borrow_mut().push(ctx);
        bump(&self.run_stats.exits);
        let kind = et.exit_kind[exitno as usize];
        // A return out of the running loop's entry frame (a call-out's callee returning):
        // done here, and the loop ends.
        if kind == ExitKind::ToInterp {
            if let Some((kind, n)) = st.jit_return_from_entry() {
                return Ok(Ran::Returned(kind, n));
            }
        }
        if matches!(kind, ExitKind::Guard | ExitKind::ToInterp) {
            // (A side trace may start recording here, at the exit's state: on the frame
            // the exit left as the bottom one, which is below the trace's base frame after
            // a return out of it.)
            let at = record::SideStart {
                parent: et.no,
                exit: exitno,
                root_fi: bottom,
                base_abs: base,
                below: et.ir.snaps[snap as usize].below,
                root_tail: et.ir.snaps[snap as usize].root_tail,
            };
            self.count_exit(st, et, at);
        }
        // Metamethod calls left in the middle run to their end now, finishing the
        // instructions that called them (as after a coroutine resume; a recording started
        // above records them).
        let nmeta = et.ir.snaps[snap as usize]
            .frames
            .iter()
            .filter(|f| f.meta)
            .count();
        if nmeta > 0 {
            st.jit_finish_meta_calls(nmeta)?;
        }
        if kind == ExitKind::Gc {
            // A GC step is due: collect here, at the loop header, with the stack top at
            // the frame's live locals (the registers above hold dead temporaries, which
            // must not keep garbage alive: the interpreter's safepoints do the same).
            let ts = st.ts();
            let fr = *ts.frames.last().expect("a Lua frame");
            let pc = fr.pc;
            let locals = fr.closure.and_then(|c| c.proto.active_locals(pc));
            let limit = match locals {
                Some(n) => fr.base + n,
                None => fr.top,
            };
            let saved = ts.top;
            ts.top = limit.min(saved);
            st.gc_step();
            st.ts().top = saved;
            if st.out_of_memory() {
                return Err(st.error_msg("not enough memory"));
            }
            // (The exit is at the loop header: the loop's trace goes on from there.)
            return Ok(match self.trace_here(st) {
                Some(n) if nmeta == 0 => Ran::Then(n),
                _ => Ran::Yes,
            });
        }
        if nmeta > 0 {
            return Ok(Ran::Yes);
        }
        Ok(match self.dispatch_target(st, et, exitno) {
            Some(n) => Ran::Then(n),
            None => Ran::Yes,
        })
    }

    /// An exit to the interpreter was taken: when it gets hot, record a side trace from
    /// it (the interpreter state is now exactly that exit's).
    fn count_exit(&self, st: &mut State, et: &Rc<Trace>, at: record::SideStart) {
        let k = at.exit as usize;
        let n = et.exit_counts[k].get() + 1;
        et.exit_counts[k].set(n);
        let ok = {
            let s = self.state.borrow();
            let c = &s.config;
            if (n as u64) < (c.hotexit as u64) << et.exit_waits[k].get() {
                return;
            }
            let nside = s
                .traces
                .get(et.root as usize)
                .and_then(|r| r.as_ref())
                .map_or(0, |r| r.nside.get());
            c.enabled
                && !s.disabled
                && et.exit_table[k].get() == et.common_exit
                && et.exit_tries[k].get() < c.tryside
                && nside < c.maxside
                && s.recording.is_none()
                && (s.traces.len() as u32) <= c.maxtrace
                && !hooks_active(st)
                && st.ts().frames.last().is_some_and(|f| f.closure.is_some())
        };
        if ok {
            self.start_side(st, et, at);
        }
    }
}

impl JitHook for Jit {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn loop_header(&self, st: &mut State, pc: usize) -> LuaResult<Resume> {
        if self.reclaim_due.get() {
            self.reclaim(st);
        }
        let ts = st.ts();
        let Some(cl) = ts.frames.last().and_then(|f| f.closure) else {
            return Ok(Resume::Same);
        };
        // The common case first: the loop has a trace, and nothing is recorded, reported
        // or reaped meanwhile.
        let tno = cl.proto.trace_at(pc);
        if tno != 0 && !hooks_active(st) && !lua_core::jitif::dead_traces_pending() {
            let t = {
                let s = self.state.borrow();
                if s.recording.is_none() && s.events.is_empty() {
                    s.traces.get(tno as usize).cloned().flatten()
                } else {
                    None
                }
            };
            if let Some(t) = t {
                return self.enter(st, &t);
            }
        }
        let proto = cl.proto.clone();
        let pkey = Rc::as_ptr(&proto) as usize;
        self.reap_dead();
        self.deliver_events(st);
        // A recording in progress: does this close its loop?
        let closing = {
            let s = self.state.borrow();
            match &s.recording {
                Some(r) => {
                    if !r.thread.ptr_eq(st.cur) {
                        return Ok(Resume::Same);
                    }
                    Some(
                        r.rec.side.is_none()
                            && Rc::ptr_eq(&r.proto, &proto)
                            && r.rec.start_pc == pc
                            && r.rec.frames.len() == 1
                            && r.rec.root_fi == st.ts().frames.len() - 1,
                    )
                }
                None => None,
            }
        };
        match closing {
            Some(true) => {
                if hooks_active(st) {
                    self.end_recording(st, Some(Abort::new(Reason::Hooked)));
                    return Ok(Resume::Changed);
                }
                let closed = {
                    let mut s = self.state.borrow_mut();
                    let r = s.recording.as_mut().expect("recording");
                    r.rec.check_frames(st)
                };
                if let Err(ab) = closed {
                    self.end_recording(st, Some(ab));
                    return Ok(Resume::Changed);
                }
                return match self.finish_recording(st) {
                    Some(t) => {
                        let r = self.enter(st, &t);
                        self.deliver_events(st);
                        // (Recording changed the state even if the trace could not run.)
                        r.map(|r| match r {
                            Resume::Same => Resume::Changed,
                            r => r,
                        })
                    }
                    None => {
                        self.deliver_events(st);
                        Ok(Resume::Changed)
                    }
                };
            }
            Some(false) => {
                // Another loop's back-edge while recording (the recorder decides). Its
                // counter waits, unless the recorded loop shares it.
                let shared = {
                    let s = self.state.borrow();
                    let r = s.recording.as_ref().expect("recording");
                    hot_index(proto.code.as_ptr(), pc)
                        == hot_index(r.proto.code.as_ptr(), r.rec.start_pc)
                };
                if !shared {
                    let n = st.hot_threshold() - 1;
                    st.set_hot_count(&proto, pc, n);
                }
                return Ok(Resume::Same);
            }
            None => {}
        }
        if hooks_active(st) {
            return Ok(Resume::Same);
        }
        let tno = proto.trace_at(pc);
        if tno != 0 {
            let t = self
                .state
                .borrow()
                .traces
                .get(tno as usize)
                .cloned()
                .flatten();
            match t {
                Some(t) => return self.enter(st, &t),
                None => proto.trace_slot(pc).set(0),
            }
        }
        // The loop is hot: record it, unless something forbids it. Out of trace numbers,
        // flush everything first (when no trace runs: numbers then start again).
        let out_of_numbers = {
            let s = self.state.borrow();
            s.traces.len() as u32 > s.config.maxtrace && s.recording.is_none()
        };
        if out_of_numbers && self.running.get() == 0 {
            self.flush_all(st);
        }
        let (blocked, hot) = {
            let s = self.state.borrow();
            let blocked = !s.config.enabled
                || s.disabled
                || s.reclaim_pending
                || s.nojit.contains(&pkey)
                || s.traces.len() as u32 > s.config.maxtrace
                || st
                    .ts()
                    .exec
                    .iter()
                    .any(|e| matches!(e, ExecEntry::Recording { .. }));
            (blocked, s.config.hotloop)
        };
        if blocked {
            let n = if self.state.borrow().nojit.contains(&pkey) {
                u16::MAX
            } else {
                hot.clamp(1, u16::MAX as u32) as u16
            };
            st.set_hot_count(&proto, pc, n);
            return Ok(Resume::Same);
        }
        if self.is_blacklisted(pkey, pc) {
            st.set_hot_count(&proto, pc, u16::MAX);
            return Ok(Resume::Same);
        }
        if last_iteration(st, &proto, pc) {
            // The numeric loop is on its last iteration: a recording would only follow it
            // out. Try again at the next back-edge (in the loop's next run).
            st.set_hot_count(&proto, pc, 1);
            return Ok(Resume::Same);
        }
        self.start_recording(st, &proto, pc);
        Ok(Resume::Changed)
    }

    fn record(&self, st: &mut State, pc: usize) {
        let mut depth = 0;
        let res = {
            let mut s = self.state.borrow_mut();
            match s.recording.as_mut() {
                Some(r) if r.thread.ptr_eq(st.cur) => Some(if hooks_active(st) {
                    Err(Abort::new(Reason::Hooked))
                } else if r.rec.in_callout(st) {
                    // A call-out's callee: not recorded.
                    return;
                } else {
                    depth = r.rec.frames.len() as u32 - 1;
                    r.rec.record(st, pc)
                }),
                _ => None,
            }
        };
        match res {
            None => st.ts().hook_mask &= !HOOK_RECORD,
            Some(Err(ab)) => {
                self.end_recording(st, Some(ab));
                self.deliver_events(st);
            }
            Some(Ok(())) => {
                self.queue_record_event(st, pc, depth);
                let linked = {
                    let s = self.state.borrow();
                    s.recording.as_ref().is_some_and(|r| r.rec.link.is_some())
                };
                if linked {
                    self.finish_recording(st);
                    self.deliver_events(st);
                }
            }
        }
    }

    fn mark_roots(&self, m: &mut Marker) {
        let s = self.state.borrow();
        for t in s.traces.iter().flatten() {
            for v in &t.gc_consts {
                m.mark_value(v);
            }
        }
        if let Some(r) = &s.recording {
            for v in &r.rec.gc_consts {
                m.mark_value(v);
            }
            m.mark(r.thread);
        }
        for (_, f) in &s.attached {
            m.mark_value(f);
        }
        for e in &s.events {
            m.mark_value(&e.func);
        }
    }

    fn hooks_changed(&self, st: &mut State) {
        let recording_here = {
            let s = self.state.borrow();
            s.recording.is_some()
        };
        if recording_here {
            let active = {
                let s = self.state.borrow();
                let r = s.recording.as_ref().expect("recording");
                let ts = r.thread.st();
                ts.hook_mask & !HOOK_RECORD != 0
            };
            if active {
                self.end_recording(st, Some(Abort::new(Reason::Hooked)));
            }
        }
    }
}

impl Jit {
    /// A "record" event for the instruction at `pc` just recorded, if anyone listens.
    fn queue_record_event(&self, st: &State, pc: usize, depth: u32) {
        let mut s = self.state.borrow_mut();
        if !s.attached.iter().any(|(k, _)| k == "record") {
            return;
        }
        let Some(r) = s.recording.as_ref() else {
            return;
        };
        let f = st
            .ts()
            .frames
            .get(r.rec.root_fi + depth as usize)
            .and_then(|f| f.closure);
        let func = f.map_or(Value::Nil, Value::LuaFn);
        let ev = Event {
            depth,
            ..Event::new("record", r.no, func, pc)
        };
        s.events.push(ev);
    }

    /// Call the `jit.attach` handlers with the queued events, unless a recording is in
    /// progress (the handlers' own code must not be recorded into it): "trace" handlers
    /// get `(what, tr, func, pc, nil, msg)`, "record" handlers `(tr, func, pc, depth)`, as
    /// LuaJIT calls them. Errors in a handler are ignored, as LuaJIT ignores them.
    fn deliver_events(&self, st: &mut State) {
        let (events, handlers) = {
            let mut s = self.state.borrow_mut();
            if s.events.is_empty() || s.recording.is_some() {
                return;
            }
            (std::mem::take(&mut s.events), s.attached.clone())
        };
        for e in events {
            let kind = if e.what == "record" {
                "record"
            } else {
                "trace"
            };
            for (_, h) in handlers.iter().filter(|(k, _)| k == kind) {
                let tr = lua_core::Value::Int(e.tr as i64);
                let pc = lua_core::Value::Int(e.pc as i64);
                let args = if kind == "record" {
                    vec![tr, e.func, pc, lua_core::Value::Int(e.depth as i64)]
                } else {
                    let m = match &e.msg {
                        Some(m) => st.str_value(m),
                        None => lua_core::Value::Nil,
                    };
                    let (x, y) = match e.side {
                        // start: the parent trace and exit of a side trace.
                        Some((p, x)) => (Value::Int(p as i64), Value::Int(x as i64)),
                        // abort: (a code, which we do not have) and the reason.
                        None => (Value::Nil, m),
                    };
                    vec![st.str_value(e.what), tr, e.func, pc, x, y]
                };
                st.jit_call_handler(*h, &args);
            }
        }
    }

    /// Forget the traces whose prototype died (they can never be entered again).
    pub fn reap_dead(&self) {
        let dead = lua_core::jitif::take_dead_traces();
        if !dead.is_empty() {
            self.flush_set(dead);
        }
    }

    /// Flush the trees of traces `start` (a root and all its side traces), and, as long as
    /// there are any, the trees of traces that link into flushed ones: afterwards no live
    /// trace continues in a flushed one. Flushed traces keep their code (see `zombies`).
    /// Visits only the traces it flushes and their dependents (`JitState::dependents`),
    /// never the whole list: the collector flushes the traces of each prototype it frees.
    pub fn flush_set(&self, start: Vec<u32>) {
        let mut s = self.state.borrow_mut();
        let s = &mut *s;
        let live = |traces: &[Option<Rc<Trace>>], n: u32| traces.get(n as usize).cloned().flatten();
        let mut gone = vec![false; s.traces.len()];
        let mut dead = Vec::new();
        let mut work = start;
        while let Some(n) = work.pop() {
            let Some(t) = live(&s.traces, n) else {
                continue;
            };
            let root = t.root;
            if gone[root as usize] {
                continue;
            }
            let mut tree = vec![root];
            for &d in s.dependents.get(root as usize).into_iter().flatten() {
                if live(&s.traces, d).is_some_and(|x| x.root == root && x.no != root) {
                    tree.push(d);
                }
            }
            for m in tree {
                if std::mem::replace(&mut gone[m as usize], true) {
                    continue;
                }
                dead.push(m);
                for &d in s.dependents.get(m as usize).into_iter().flatten() {
                    if live(&s.traces, d).is_some_and(|x| x.root != root && x.link == Some(m)) {
                        work.push(d);
                    }
                }
            }
        }
        for n in dead {
            if let Some(t) = s.traces.get_mut(n as usize).and_then(|t| t.take()) {
                if t.parent.is_none() {
                    if let Some(p) = t.proto.upgrade() {
                        let slot = p.trace_slot(t.start_pc);
                        if slot.get() == t.no {
                            slot.set(0);
                        }
                    }
                }
                s.zombies.insert(n, t);
                self.reclaim_due.set(true);
                self.flushed.set(self.flushed.get() + 1);
            }
        }
    }

    /// Trace `no`, flushed or not.
    pub(crate) fn trace_or_zombie(&self, no: u32) -> Option<Rc<Trace>> {
        let s = self.state.borrow();
        s.traces
            .get(no as usize)
            .cloned()
            .flatten()
            .or_else(|| s.zombies.get(&no).cloned())
    }

    /// Is `t` still a trace (not flushed)?
    pub(crate) fn is_live(&self, t: &Trace) -> bool {
        let s = self.state.borrow();
        matches!(s.traces.get(t.no as usize), Some(Some(x)) if std::ptr::eq(Rc::as_ptr(x), t))
    }

    fn is_blacklisted(&self, pkey: usize, pc: usize) -> bool {
        let s = self.state.borrow();
        s.penalty
            .get(&(pkey, pc))
            .is_some_and(|&n| (s.config.hotloop as u64) << n.min(16) >= 60_000)
    }

    /// Flush every trace (`jit.flush()`): nothing enters them any more.
    pub fn flush_all(&self, st: &mut State) {
        self.end_recording(st, Some(Abort::new(Reason::Flushed)));
        self.flush_every_trace(st, true);
        self.reclaim(st);
    }

    /// Flush every installed trace (a full flush: `jit.flush()`, code memory or trace
    /// numbers running out), `[TRACE flush]`; every loop counts from the start again.
    /// `reuse`: their code memory and trace numbers are to be reused once nothing runs
    /// (`reclaim`); false when the caller already freed the memory for a new trace.
    fn flush_every_trace(&self, st: &mut State, reuse: bool) {
        let all: Vec<u32> = {
            let s = self.state.borrow();
            s.traces.iter().flatten().map(|t| t.no).collect()
        };
        self.flush_set(all);
        st.set_hot_threshold(st.hot_threshold());
        let mut s = self.state.borrow_mut();
        s.penalty.clear();
        s.stats.flushes += 1;
        s.flush_due = false;
        s.reclaim_pending |= reuse;
        s.out.note("flush");
        self.reclaim_due.set(true);
    }

    /// Free what flushed traces hold, if no compiled code runs (see `running`) and nothing
    /// records: their metadata (zombies) always; after `flush_all`, also their code memory
    /// (reused from its start, the old bytes overwritten with `int3` first so a stale jump
    /// traps) and the trace numbers. A flush that code memory running out asked for is done
    /// first.
    fn reclaim(&self, st: &mut State) {
        if self.running.get() != 0 || !self.reclaim_due.get() {
            return;
        }
        let flush = {
            let s = self.state.borrow();
            if s.recording.is_some() {
                return;
            }
            s.flush_due
        };
        if flush {
            self.flush_every_trace(st, true);
        }
        let mut s = self.state.borrow_mut();
        let s = &mut *s;
        s.stats.freed += s.zombies.len() as u64;
        s.zombies.clear();
        if s.reclaim_pending && s.traces.iter().all(Option::is_none) {
            s.traces.truncate(1);
            s.dependents.clear();
            s.mcode.reset();
            s.reclaim_pending = false;
        }
        self.reclaim_due.set(s.reclaim_pending);
    }

    /// Flush the traces of prototype `p` (and of its nested prototypes with `deep`), and
    /// with `off` keep it from being compiled again (`jit.off(f)`); `jit.on(f)` undoes it.
    pub fn set_proto_mode(&self, p: &Rc<Proto>, deep: bool, off: bool) {
        let key = Rc::as_ptr(p) as usize;
        let mut flush = Vec::new();
        {
            let mut s = self.state.borrow_mut();
            if off {
                s.nojit.insert(key);
            } else {
                s.nojit.remove(&key);
            }
            if let Some(slots) = p.traces.get() {
                flush.extend(slots.iter().map(Cell::get).filter(|&t| t != 0));
            }
        }
        self.flush_set(flush);
        if deep {
            for sub in &p.p {
                self.set_proto_mode(sub, true, off);
            }
        }
    }

    /// Flush the tree of trace `n` (`jit.flush(n)`).
    pub fn flush_trace(&self, n: u32) {
        self.flush_set(vec![n]);
    }
}
