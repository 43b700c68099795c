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
pub mod builtins;
pub mod dce;
pub mod dump;
pub mod exec;
pub mod fold;
mod helpers;
pub mod ir;
mod lib_jit;
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
use lua_core::jitif::{ExecEntry, JitHook, HOOK_RECORD};
use lua_core::object::Thread;
use lua_core::proto::Proto;
use lua_core::{LuaResult, State};
pub use options::JitConfig;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use trace::Trace;

/// Counters `jit.stats()` reports.
#[derive(Clone, Copy, Default, Debug)]
pub struct Stats {
    pub traces: u64,
    pub side: u64,
    pub aborts: u64,
    pub entries: u64,
    pub exits: u64,
    pub callouts: u64,
    pub nested_entries: u64,
    pub max_depth: u64,
    pub flushes: u64,
    pub freed: u64,
}

/// A recording in progress.
struct Recording {
    rec: record::Recorder,
    thread: Gc<Thread>,
    proto: Rc<Proto>,
    no: u32,
}

pub struct JitState {
    pub config: JitConfig,
    /// Traces by number (index 0 unused); `None` once flushed.
    pub traces: Vec<Option<Rc<Trace>>>,
    recording: Option<Recording>,
    pub mcode: mcode::Mcode,
    pub stats: Stats,
    builtins: Rc<builtins::Builtins>,
    /// Aborts so far per loop (prototype address, pc): the backoff.
    penalty: HashMap<(usize, usize), u32>,
    /// Prototypes `jit.off(f)` excluded.
    nojit: HashSet<usize>,
    /// Code memory ran out: no more compiling.
    pub disabled: bool,
    /// `-jv`/`-jdump` output.
    pub out: dump::Output,
    /// `jit.attach` handlers: (event, function).
    pub attached: Vec<(String, lua_core::Value)>,
}

/// The JIT installed in a state (see the module doc).
pub struct Jit {
    pub state: RefCell<JitState>,
}

/// Install the JIT into `st` with `config`. With the JIT off (`-joff`) nothing is
/// installed, so the interpreter does not even count loop iterations.
pub fn install(st: &mut State, config: JitConfig) {
    lib_jit::open(st);
    if !config.enabled {
        st.jit = None;
        // The `jit` module still exists (and says it is off).
        st.hot_threshold = 56;
        return;
    }
    st.hot_threshold = config.hotloop.clamp(1, u16::MAX as u32) as u16;
    let builtins = Rc::new(builtins::Builtins::resolve(st));
    let out = dump::Output::new(&config);
    let j = Jit {
        state: RefCell::new(JitState {
            mcode: mcode::Mcode::new(config.sizemcode as usize, config.maxmcode as usize),
            config,
            traces: vec![None],
            recording: None,
            stats: Stats::default(),
            builtins,
            penalty: HashMap::new(),
            nojit: HashSet::new(),
            disabled: false,
            out,
            attached: Vec::new(),
        }),
    };
    st.jit = Some(Rc::new(j));
}

/// The JIT installed in `st`, if any.
pub fn jit_of(st: &State) -> Option<Rc<dyn JitHook>> {
    st.jit.clone()
}

/// Hooks that could fire on the running thread (a hook function itself runs with hooks
/// off, so traces may run and record inside it).
fn hooks_active(st: &State) -> bool {
    let ts = st.ts();
    ts.hook_mask & !HOOK_RECORD != 0 && ts.allow_hook
}

impl Jit {
    /// Stop the recording in progress, if any, reporting `why` (None: it completed).
    fn end_recording(&self, st: &mut State, why: Option<Abort>) {
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
        if let Some(ab) = why {
            s.stats.aborts += 1;
            let start = dump::location(&r.proto, r.rec.start_pc);
            let at = r
                .rec
                .frames
                .last()
                .map(|f| dump::location(&f.closure.proto, r.rec.pc))
                .unwrap_or_default();
            s.out.abort(&start, &ab.message(), &at);
            // Back off: the loop waits longer each time, and is blacklisted at last.
            let key = (Rc::as_ptr(&r.proto) as usize, r.rec.start_pc);
            let hotloop = s.config.hotloop as u64;
            let n = s.penalty.entry(key).or_insert(0);
            *n += 1;
            let wait = hotloop << (*n).min(16);
            let count = if wait >= 60_000 || ab.reason == Reason::Blacklisted {
                u16::MAX
            } else {
                wait as u16
            };
            r.proto.hot_slot(r.rec.start_pc, 0).count.set(count);
            if ab.reason == Reason::McodeFull {
                s.disabled = true;
                s.out.note("mcode full: compilation disabled");
            }
        }
        let _ = st;
    }

    /// Start recording at loop header `pc` of the running frame.
    fn start_recording(&self, st: &mut State, proto: &Rc<Proto>, pc: usize) {
        let mut s = self.state.borrow_mut();
        let no = s.traces.len() as u32;
        let limits = record::Limits {
            maxrecord: s.config.maxrecord,
            maxsnap: s.config.maxsnap,
            ..record::Limits::default()
        };
        let rec = record::Recorder::new(st, pc, s.builtins.clone(), limits);
        let ts = st.ts();
        ts.hook_mask |= HOOK_RECORD;
        ts.exec.push(ExecEntry::Recording { trace: no });
        s.recording = Some(Recording {
            rec,
            thread: st.cur,
            proto: proto.clone(),
            no,
        });
    }

    /// The recording closed its loop: compile it. Returns the new trace.
    fn finish_recording(&self, st: &mut State) -> Option<Rc<Trace>> {
        let result = {
            let mut s = self.state.borrow_mut();
            let s = &mut *s;
            let r = s.recording.as_mut().expect("recording");
            let passes = s.config.passes();
            let loc = dump::location(&r.proto, r.rec.start_pc);
            let no = r.no;
            let proto = r.proto.clone();
            let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let c = trace::optimise(&mut r.rec, passes)?;
                trace::build(no, &r.rec, c, &mut s.mcode, &proto, loc)
            }));
            match res {
                Ok(r) => r,
                Err(_) => Err(Abort::with(Reason::NyiBytecode, "internal: compiler panic")),
            }
        };
        match result {
            Ok(t) => {
                let t = Rc::new(t);
                self.end_recording(st, None);
                let mut s = self.state.borrow_mut();
                s.traces.push(Some(t.clone()));
                s.stats.traces += 1;
                if let Some(p) = t.proto.upgrade() {
                    let slot = p.hot_slot(t.start_pc, 0);
                    slot.trace.set(t.no);
                    slot.count.set(0);
                }
                let s = &mut *s;
                s.out.trace_done(&t, &s.mcode);
                Some(t)
            }
            Err(ab) => {
                self.end_recording(st, Some(ab));
                None
            }
        }
    }

    /// Run trace `t` from the running frame (at its loop header). Returns whether it ran.
    fn enter(&self, st: &mut State, t: &Rc<Trace>) -> LuaResult<bool> {
        let ts = st.ts();
        let fi = ts.frames.len() - 1;
        let fr = ts.frames[fi];
        let base = fr.base;
        if ts.frames.len() + t.max_depth >= lua_core::call::MAX_FRAMES
            || !ts.ensure_slot(base + t.max_slot as usize + 1)
        {
            return Ok(false);
        }
        let Some(cl) = fr.closure else {
            return Ok(false);
        };
        let depth = ts
            .exec
            .iter()
            .filter(|e| matches!(e, ExecEntry::Executing { .. }))
            .count() as u64;
        ts.exec.push(ExecEntry::Executing {
            trace: t.no,
            frame: fi as u32,
        });
        {
            let mut s = self.state.borrow_mut();
            s.stats.entries += 1;
            if depth > 0 {
                s.stats.nested_entries += 1;
            }
            s.stats.max_depth = s.stats.max_depth.max(depth + 1);
        }
        let mut ctx = exec::ExecCtx::new(st, cl);
        let base_ptr = st.ts().stack.as_mut_ptr().wrapping_add(base);
        let f = t.entry();
        // SAFETY: the trace's code follows `TraceFn`; `base_ptr` is register 0 of the
        // running frame, with room for every slot the trace touches (ensured above);
        // `ctx` lives across the call. The code reads and writes only the stack slots,
        // objects its guards checked, and the context; the helpers it calls use
        // `ctx.state`, which nothing else borrows until the call returns.
        let exitno = unsafe { f(base_ptr, &mut ctx) };
        let ts = st.ts();
        match ts.exec.pop() {
            Some(ExecEntry::Executing { trace, .. }) if trace == t.no => {}
            other => {
                return Err(st.error_msg(format!(
                    "internal JIT error: trace {} exit {exitno}: trace-execution stack top is {other:?}",
                    t.no
                )))
            }
        }
        let Some(&snap) = t.exits.get(exitno as usize) else {
            return Err(st.error_msg(format!(
                "internal JIT error: trace {} has no exit {exitno}",
                t.no
            )));
        };
        exec::restore(st, &t.ir, &t.alloc, &ctx, snap as usize, fi, base);
        self.state.borrow_mut().stats.exits += 1;
        if t.gc_snaps.contains(&snap) {
            // A GC step is due: collect here, at the loop header, with the stack top at
            // the frame's live locals (the registers above hold dead temporaries, which
            // must not keep garbage alive: the interpreter's safepoints do the same).
            let ts = st.ts();
            let fr = ts.frames[fi];
            let pc = fr.pc;
            let limit = match cl.proto.active_locals(pc) {
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
        }
        Ok(true)
    }
}

impl JitHook for Jit {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn loop_header(&self, st: &mut State, pc: usize) -> LuaResult<bool> {
        let ts = st.ts();
        let Some(cl) = ts.frames.last().and_then(|f| f.closure) else {
            return Ok(false);
        };
        let proto = cl.proto.clone();
        let pkey = Rc::as_ptr(&proto) as usize;
        self.reap_dead();
        // A recording in progress: does this close its loop?
        let closing = {
            let s = self.state.borrow();
            match &s.recording {
                Some(r) => {
                    if !r.thread.ptr_eq(st.cur) {
                        return Ok(false);
                    }
                    Some(
                        Rc::ptr_eq(&r.proto, &proto)
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
                    return Ok(true);
                }
                let closed = {
                    let mut s = self.state.borrow_mut();
                    let r = s.recording.as_mut().expect("recording");
                    r.rec.check_frames(st)
                };
                if let Err(ab) = closed {
                    self.end_recording(st, Some(ab));
                    return Ok(true);
                }
                return match self.finish_recording(st) {
                    Some(t) => {
                        self.enter(st, &t)?;
                        Ok(true)
                    }
                    None => Ok(true),
                };
            }
            Some(false) => {
                // Another loop's back-edge while recording (the recorder decides).
                proto
                    .hot_slot(pc, 0)
                    .count
                    .set(st.hot_threshold.saturating_sub(1));
                return Ok(false);
            }
            None => {}
        }
        if hooks_active(st) {
            return Ok(false);
        }
        let slot = proto.hot_slot(pc, 0);
        let tno = slot.trace.get();
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
                None => slot.trace.set(0),
            }
        }
        // The loop is hot: record it, unless something forbids it.
        let (blocked, hot) = {
            let s = self.state.borrow();
            let blocked = !s.config.enabled
                || s.disabled
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
            slot.count
                .set(if self.state.borrow().nojit.contains(&pkey) {
                    u16::MAX
                } else {
                    hot.clamp(1, u16::MAX as u32) as u16
                });
            return Ok(false);
        }
        if slot.count.get() == 0 && self.is_blacklisted(pkey, pc) {
            slot.count.set(u16::MAX);
            return Ok(false);
        }
        self.start_recording(st, &proto, pc);
        Ok(true)
    }

    fn record(&self, st: &mut State, pc: usize) {
        let res = {
            let mut s = self.state.borrow_mut();
            match s.recording.as_mut() {
                Some(r) if r.thread.ptr_eq(st.cur) => Some(if hooks_active(st) {
                    Err(Abort::new(Reason::Hooked))
                } else {
                    r.rec.record(st, pc)
                }),
                _ => None,
            }
        };
        match res {
            None => st.ts().hook_mask &= !HOOK_RECORD,
            Some(Err(ab)) => self.end_recording(st, Some(ab)),
            Some(Ok(())) => {}
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
    /// Forget the traces whose prototype died (they can never be entered again).
    pub fn reap_dead(&self) {
        let dead = lua_core::jitif::take_dead_traces();
        if dead.is_empty() {
            return;
        }
        let mut s = self.state.borrow_mut();
        for d in dead {
            // (Their code stays allocated: freeing code is the code-GC issue's.)
            if let Some(t) = s.traces.get_mut(d as usize) {
                *t = None;
            }
        }
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
        let mut s = self.state.borrow_mut();
        let hot = s.config.hotloop.clamp(1, u16::MAX as u32) as u16;
        for t in s.traces.iter_mut() {
            if let Some(tr) = t.take() {
                if let Some(p) = tr.proto.upgrade() {
                    let slot = p.hot_slot(tr.start_pc, 0);
                    slot.trace.set(0);
                    slot.count.set(hot - 1);
                }
            }
        }
        s.penalty.clear();
        s.stats.flushes += 1;
    }

    /// Flush the traces of prototype `p` (and of its nested prototypes with `deep`), and
    /// with `off` keep it from being compiled again (`jit.off(f)`); `jit.on(f)` undoes it.
    pub fn set_proto_mode(&self, p: &Rc<Proto>, deep: bool, off: bool) {
        let key = Rc::as_ptr(p) as usize;
        {
            let mut s = self.state.borrow_mut();
            let hot = s.config.hotloop.clamp(1, u16::MAX as u32) as u16;
            if off {
                s.nojit.insert(key);
            } else {
                s.nojit.remove(&key);
            }
            if let Some(slots) = p.hot.get() {
                for slot in slots.iter() {
                    let t = slot.trace.replace(0);
                    if t != 0 {
                        if let Some(e) = s.traces.get_mut(t as usize) {
                            *e = None;
                        }
                    }
                    slot.count.set(if off { u16::MAX } else { hot - 1 });
                }
            }
        }
        if deep {
            for sub in &p.p {
                self.set_proto_mode(sub, true, off);
            }
        }
    }
}
