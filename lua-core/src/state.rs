//! The interpreter state shared by all threads of one Lua universe (PUC's global_State plus
//! the running thread), and the interface natives use to read arguments and push results.
//!
//! Invariants:
//! - `cur` is the running thread; its top frame is the function being executed. A native
//!   function's arguments are `stack[frame.base .. top]`; it pushes results at `top` and
//!   returns how many it pushed.
//! - Every GC object reachable from Rust state (registry, globals, metatables, interned
//!   metamethod names) is marked in `gc_roots`.
//! - `c_depth` counts nested Rust run loops (natives calling Lua, metamethods): it is bounded
//!   by `MAX_C_DEPTH`, beyond which Lua gets "C stack overflow", never a native overflow.

#![forbid(unsafe_code)]

use crate::error::{LuaError, LuaResult};
use crate::gc::{Gc, Heap, Marker};
use crate::object::{LuaStr, NativeClosure, NativeFn, Thread};
use crate::table::Table;
use crate::thread::{CallKind, Frame, ThreadState};
use crate::tm::{Tm, TM_COUNT, TM_NAMES};
use crate::value::Value;
use std::io::Write;

/// Limit on nested Rust-level calls (PUC's LUAI_MAXCCALLS).
pub const MAX_C_DEPTH: u32 = 200;

pub struct State {
    pub heap: Heap,
    pub cur: Gc<Thread>,
    pub main: Gc<Thread>,
    pub registry: Gc<Table>,
    pub globals: Gc<Table>,
    /// package.loaded (also registry._LOADED).
    pub loaded: Gc<Table>,
    /// Metatables for non-table types (string, number, ...), indexed by `Value::tag()`.
    pub type_meta: [Option<Gc<Table>>; 12],
    pub tm_names: [Gc<LuaStr>; TM_COUNT],
    pub c_depth: u32,
    pub out: std::io::BufWriter<std::io::Stdout>,
    /// The JIT (see `jitif`); None when no JIT is installed.
    pub jit: Option<std::rc::Rc<dyn crate::jitif::JitHook>>,
    /// Back-edges a loop runs before it is hot: the loop counters start at
    /// `hot_threshold - 1` (set with [`State::set_hot_threshold`]).
    pub(crate) hot_threshold: u16,
    /// The loop counters, indexed by a hash of the loop header's address
    /// (`jitif::hot_index`): each back-edge counts one down and calls the JIT when it
    /// finds 0 (see `jitif`).
    pub(crate) hotcount: [u16; crate::jitif::HOTCOUNT_SIZE],
    /// The interpreter loop's copy of "the running thread has a hook" (any kind: see
    /// `vm::run`). Refreshed whenever the loop re-derives its registers (kept here, not in a
    /// local, so the dispatch loop has one less value competing for machine registers).
    pub(crate) hooked: bool,
    /// Warnings on/off (warn "@on"/"@off").
    pub warn_on: bool,
    pub warn_buf: Vec<u8>,
    /// Set asynchronously (e.g. Ctrl-C) to interrupt running code at the next control point.
    pub interrupt: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Loads native libraries for `package.loadlib` and the C searchers (installed by the C
    /// API crate); None: native modules are unsupported.
    pub c_loader: Option<crate::stdlib::package::CLoader>,
}

impl State {
    pub fn new() -> Box<State> {
        let mut heap = Heap::new();
        let main = heap.alloc_thread(ThreadState::new());
        main.st().status = crate::thread::CoStatus::Running;
        let registry = heap.alloc(Table::new(2, 0));
        let globals = heap.alloc(Table::new(0, 64));
        let tm_names: [Gc<LuaStr>; TM_COUNT] =
            std::array::from_fn(|i| heap.intern(TM_NAMES[i].as_bytes()));
        heap.mode_key = Some(tm_names[Tm::Mode as usize]);
        let loaded = heap.alloc(Table::new(0, 16));
        let lk = heap.intern(b"_LOADED");
        registry.set_str(lk, Value::Table(loaded));
        registry.set_int(1, Value::Thread(main));
        registry.set_int(2, Value::Table(globals));
        let mut st = Box::new(State {
            heap,
            cur: main,
            main,
            registry,
            globals,
            loaded,
            type_meta: [None; 12],
            tm_names,
            c_depth: 0,
            out: std::io::BufWriter::with_capacity(32 * 1024, std::io::stdout()),
            jit: None,
            hot_threshold: crate::jitif::DEFAULT_HOT_THRESHOLD,
            hotcount: [crate::jitif::DEFAULT_HOT_THRESHOLD - 1; crate::jitif::HOTCOUNT_SIZE],
            hooked: false,
            warn_on: false,
            warn_buf: Vec::new(),
            interrupt: Default::default(),
            c_loader: None,
        });
        crate::stdlib::open_libs(&mut st);
        st
    }

    #[inline(always)]
    pub fn ts(&self) -> &mut ThreadState {
        self.cur.st()
    }

    // ----- strings and values -----

    pub fn intern(&mut self, s: &[u8]) -> Gc<LuaStr> {
        self.heap.intern(s)
    }
    pub fn str_value(&mut self, s: impl AsRef<[u8]>) -> Value {
        Value::Str(self.heap.intern(s.as_ref()))
    }
    pub fn new_table(&mut self, narr: usize, nhash: usize) -> Gc<Table> {
        self.heap.alloc(Table::new(narr, nhash))
    }
    pub fn new_native(&mut self, f: NativeFn, upvals: Vec<Value>) -> Value {
        self.new_native_host(f, upvals, 0)
    }
    /// A native closure carrying an opaque `host` word (see `NativeClosure::host`).
    pub fn new_native_host(&mut self, f: NativeFn, upvals: Vec<Value>, host: usize) -> Value {
        Value::NativeFn(self.heap.alloc(NativeClosure {
            f,
            host,
            upvals: std::cell::UnsafeCell::new(upvals),
            barrier: std::cell::Cell::new(std::ptr::null()),
        }))
    }
    pub fn tm_name(&self, tm: Tm) -> Gc<LuaStr> {
        self.tm_names[tm as usize]
    }

    // ----- output -----
    //
    // Lua's stdout is `out`, a buffer in front of the process's stdout (C's `stdout` FILE in
    // PUC). `print` uses the infallible forms, as PUC's `lua_writestring`/`lua_writeline`
    // ignore errors; `io.write`/`io.stdout:flush` use the `try_` forms, which report them
    // (a full disk, a reader gone with SIGPIPE ignored: "Broken pipe").

    pub fn write_out(&mut self, b: &[u8]) {
        let _ = self.out.write_all(b);
    }
    /// `lua_writeline`: a newline, then a flush (always, as PUC's `print` does, so output is
    /// not lost when the process is killed or stuck).
    pub fn end_line_out(&mut self) {
        let _ = self.out.write_all(b"\n");
        let _ = self.out.flush();
    }
    pub fn flush_out(&mut self) {
        let _ = self.out.flush();
    }
    pub fn try_write_out(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.out.write_all(b)
    }
    pub fn try_flush_out(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    // ----- native function interface -----

    /// The current (native) frame.
    #[inline]
    pub fn frame(&self) -> &Frame {
        self.ts()
            .frames
            .last()
            .expect("a native runs inside a frame")
    }

    /// Number of arguments of the running native.
    #[inline]
    pub fn nargs(&self) -> usize {
        let ts = self.ts();
        ts.top - ts.frames.last().map_or(0, |f| f.base)
    }

    /// Argument `i` (1-based) of the running native; nil when absent.
    #[inline]
    pub fn arg(&self, i: usize) -> Value {
        let ts = self.ts();
        let base = ts.frames.last().map_or(0, |f| f.base);
        let idx = base + i - 1;
        if idx < ts.top {
            ts.stack[idx]
        } else {
            Value::Nil
        }
    }

    /// Slot index of argument `i` (for natives that need to write in place).
    pub fn arg_slot(&self, i: usize) -> usize {
        self.frame().base + i - 1
    }

    #[inline]
    pub fn push(&mut self, v: Value) {
        self.ts().push(v);
    }

    /// Drop arguments/values above `base + n` (set the native's top).
    pub fn set_nargs(&mut self, n: usize) {
        let ts = self.ts();
        let base = ts.frames.last().map_or(0, |f| f.base);
        let newtop = base + n;
        if newtop > ts.top {
            ts.ensure_slot(newtop);
            for i in ts.top..newtop {
                ts.stack[i] = Value::Nil;
            }
        }
        ts.top = newtop;
    }

    /// A Lua error with a string message, no position added.
    pub fn error_msg(&mut self, msg: impl AsRef<[u8]>) -> LuaError {
        LuaError::Error(self.str_value(msg))
    }

    /// `luaL_error`: message prefixed with the position of the Lua code that called the
    /// running native (level 1).
    pub fn rt_error(&mut self, msg: impl AsRef<[u8]>) -> LuaError {
        let mut s = crate::debug::where_lib(self, 1);
        s.extend_from_slice(msg.as_ref());
        self.error_msg(s)
    }

    /// `luaG_runerror`: message prefixed with the position of the running Lua function.
    pub fn lua_rt_error(&mut self, msg: impl AsRef<[u8]>) -> LuaError {
        let mut s = crate::debug::where_(self, 0);
        s.extend_from_slice(msg.as_ref());
        self.error_msg(s)
    }

    // ----- metatables -----

    pub fn metatable(&self, v: &Value) -> Option<Gc<Table>> {
        match v {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            _ => self.type_meta[v.tag() as usize],
        }
    }

    // ----- GC -----

    /// The safepoint: run a collection step if one is due. Called by the interpreter only
    /// where every live value is rooted (see gc/mod.rs).
    #[inline]
    pub fn gc_safepoint(&mut self) {
        if self.heap.should_collect() {
            self.gc_step();
        }
    }

    /// Is a collection step due at the next safepoint?
    #[inline]
    pub fn gc_due(&mut self) -> bool {
        self.heap.should_collect()
    }

    /// One incremental step or generational collection (in stress mode: a full cycle, or
    /// in generational mode one collection, usually minor).
    pub fn gc_step(&mut self) {
        if self.heap.stress {
            if self.heap.is_generational() {
                self.run_steps(usize::MAX / 4, true);
                self.heap.set_pause();
            } else {
                self.full_gc();
            }
            return;
        }
        if self.heap.is_generational() {
            self.run_steps(usize::MAX / 4, true);
            self.heap.set_pause();
        } else {
            let debt = self.heap.debt().max(0);
            self.inc_step(debt);
        }
        if self.heap.memory_limit > 0 && self.heap.allocated > self.heap.memory_limit {
            self.full_gc();
        }
    }

    /// Is the heap over its configured limit even after a full collection?
    pub fn out_of_memory(&self) -> bool {
        self.heap.memory_limit > 0 && self.heap.allocated > self.heap.memory_limit
    }

    /// An incremental step paced as PUC's `incstep` (see `gc::WORK2MEM`): pay `debt` bytes
    /// of allocation, at `stepmul` work units per `WORK2MEM` bytes, plus a credit of
    /// `2^stepsize` bytes; stop early at the end of a cycle. Then the next step is due after
    /// the credit left (or, at the end of a cycle, after the pause).
    fn inc_step(&mut self, debt: isize) {
        const FINALIZER_COST: isize = 50;
        let wm = crate::gc::WORK2MEM as isize;
        let stepmul = (self.heap.stepmul | 1) as isize;
        let mut units = (debt / wm).saturating_mul(stepmul);
        let credit = if self.heap.stepsize < isize::BITS - 2 {
            ((1isize << self.heap.stepsize) / wm).saturating_mul(stepmul)
        } else {
            isize::MAX
        };
        loop {
            let budget = units.saturating_add(credit).max(1) as usize;
            self.heap.work = 0;
            let roots = self.roots();
            let r = self.heap.step(&|m| roots.mark(m), budget);
            units = units.saturating_sub(self.heap.work.min(isize::MAX as usize) as isize);
            if let crate::gc::StepResult::Finalize(v) = r {
                self.call_finalizer(v);
                units = units.saturating_sub(FINALIZER_COST);
            }
            if self.heap.is_paused() || units <= -credit {
                break;
            }
        }
        if self.heap.is_paused() {
            self.heap.set_pause();
        } else {
            self.heap.set_debt((units / stepmul).saturating_mul(wm));
        }
    }

    /// Run steps of `work` units; with `to_pause`, until the cycle in progress ends. In
    /// generational mode a step is a whole collection, and all the finalizers it scheduled
    /// run before it returns (as PUC's finishgencycle).
    fn run_steps(&mut self, work: usize, to_pause: bool) {
        let to_pause = to_pause || self.heap.is_generational();
        let mut finalizers = 0;
        loop {
            let roots = self.roots();
            match self.heap.step(&|m| roots.mark(m), work) {
                crate::gc::StepResult::Finalize(v) => {
                    self.call_finalizer(v);
                    finalizers += 1;
                    if !to_pause && finalizers >= 4 {
                        return;
                    }
                }
                crate::gc::StepResult::Done => {
                    if !to_pause || self.heap.is_paused() {
                        return;
                    }
                }
            }
        }
    }

    /// A full collection: finish the cycle in progress, then run a complete one (calling the
    /// finalizers of what it finds unreachable).
    pub fn full_gc(&mut self) {
        if self.heap.in_finalizer {
            return;
        }
        if !self.heap.is_paused() {
            self.run_steps(usize::MAX / 4, true);
        }
        if self.heap.is_generational() {
            self.heap.request_gen(crate::gc::GenRequest::Major);
        }
        self.run_steps(usize::MAX / 4, true);
        self.heap.set_pause();
        self.heap.over_limit = false;
    }

    /// Switch the collector to generational (`true`) or incremental mode; returns whether it
    /// was generational. Entering generational mode finishes the incremental cycle in progress
    /// and runs a major collection (calling the finalizers it schedules), as PUC's entergen.
    pub fn set_gc_mode(&mut self, generational: bool) -> bool {
        let was = self.heap.is_generational();
        if generational == was || self.heap.in_finalizer {
            return was;
        }
        if generational {
            if !self.heap.is_paused() {
                self.run_steps(usize::MAX / 4, true);
            }
            self.heap.enter_gen();
            self.run_steps(usize::MAX / 4, true);
        } else {
            self.heap.enter_inc();
        }
        self.heap.set_pause();
        was
    }

    /// The mode a host prefers to start in (the `lua` command: generational, as lua.c),
    /// unless LUA_GC_MODE chose one.
    pub fn set_default_gc_mode(&mut self, generational: bool) {
        if !self.heap.mode_from_env {
            self.set_gc_mode(generational);
        }
    }

    /// collectgarbage("step", kb): advance the collector as if `kb` KB more were allocated
    /// (0: one basic step); true if a cycle finished.
    pub fn gc_step_kb(&mut self, kb: usize) -> bool {
        if self.heap.in_finalizer {
            return false;
        }
        if self.heap.is_generational() {
            // As PUC: "step" 0 is a minor collection; "step" n adds n KB to the debt and
            // collects (minor or major, by the pacing) if that makes one due. It never
            // reports the end of a cycle.
            if kb == 0 {
                self.heap.request_gen(crate::gc::GenRequest::Minor);
            }
            if kb == 0 || self.heap.stress || self.heap.gen_due_after(kb.saturating_mul(1024)) {
                self.run_steps(usize::MAX / 4, true);
                self.heap.set_pause();
            }
            return false;
        }
        if self.heap.stress {
            self.full_gc();
            return true;
        }
        // As PUC: "step" 0 is a basic step (no debt, so the credit's worth of work); "step"
        // n adds n KB to the debt and steps only if that makes the debt positive. It reports
        // whether it stepped and the collector is back in its pause (the end of a cycle).
        let debt = if kb == 0 {
            0
        } else {
            self.heap
                .debt()
                .saturating_add(kb.min(isize::MAX as usize / 1024) as isize * 1024)
        };
        if kb != 0 && debt <= 0 {
            self.heap.set_debt(debt);
            return false;
        }
        self.inc_step(debt);
        self.heap.is_paused()
    }

    fn roots(&self) -> Roots {
        Roots {
            cur: self.cur,
            main: self.main,
            registry: self.registry,
            globals: self.globals,
            loaded: self.loaded,
            type_meta: self.type_meta,
            tm_names: self.tm_names,
            jit: self.jit.clone(),
        }
    }

    /// Register `v` for finalization if its metatable has `__gc` (setmetatable calls this).
    pub fn check_finalizer(&mut self, v: &Value) {
        let h = match v {
            Value::Table(t) => t.header_ptr(),
            Value::UserData(u) => u.header_ptr(),
            _ => return,
        };
        if let Some(mt) = self.metatable(v) {
            if !self.tm_of_table(mt, Tm::Gc).is_nil() {
                self.heap.register_finalizer(h);
            }
        }
    }

    /// Call `v`'s __gc; errors become warnings ("error in __gc (msg)").
    fn call_finalizer(&mut self, v: Value) {
        let tm = self.get_tm(&v, Tm::Gc);
        if tm.is_nil() {
            return;
        }
        let was = self.heap.in_finalizer;
        self.heap.in_finalizer = true;
        let ts = self.ts();
        let top = ts.top;
        let r = if ts.ensure(2 + crate::thread::MIN_STACK) {
            let ts = self.ts();
            ts.stack[top] = tm;
            ts.stack[top + 1] = v;
            ts.top = top + 2;
            // Not yieldable (PUC's GCTM uses luaD_callnoyield): a yield is an error here.
            ts.nny += 1;
            let outer = ts.fin_frame.replace(ts.frames.len());
            let r = self.pcall_at(top, 0, None);
            let ts = self.ts();
            ts.nny -= 1;
            ts.fin_frame = outer;
            r
        } else {
            Ok(Ok(()))
        };
        self.ts().top = top;
        self.heap.in_finalizer = was;
        if let Ok(Err(e)) = r {
            let msg = match e {
                Value::Str(s) => s.to_str_lossy().into_owned(),
                _ => "error object is not a string".into(),
            };
            self.warning(&format!("error in __gc ({msg})"));
        }
    }

    /// Emit a warning (if warnings are on), as `warn` does.
    pub fn warning(&mut self, msg: &str) {
        if self.warn_on {
            self.flush_out();
            let _ = writeln!(std::io::stderr(), "Lua warning: {msg}");
        }
    }

    /// Close the state as lua_close does: close pending to-be-closed variables of the main
    /// thread and call every pending finalizer.
    pub fn close(&mut self) {
        self.cur = self.main;
        self.close_upvals(0);
        let _ = self.close_tbc(0, None);
        self.ts().frames.clear();
        self.ts().top = 0;
        if !self.heap.is_paused() {
            self.run_steps(usize::MAX / 4, true);
        }
        for v in self.heap.separate_all_finobj() {
            self.call_finalizer(v);
        }
        self.flush_out();
    }
}

struct Roots {
    cur: Gc<Thread>,
    main: Gc<Thread>,
    registry: Gc<Table>,
    globals: Gc<Table>,
    loaded: Gc<Table>,
    type_meta: [Option<Gc<Table>>; 12],
    tm_names: [Gc<LuaStr>; TM_COUNT],
    jit: Option<std::rc::Rc<dyn crate::jitif::JitHook>>,
}

impl Roots {
    fn mark(&self, m: &mut Marker) {
        m.mark(self.cur);
        m.mark(self.main);
        m.mark(self.registry);
        m.mark(self.globals);
        m.mark(self.loaded);
        for t in self.type_meta.iter().flatten() {
            m.mark(*t);
        }
        for s in &self.tm_names {
            m.mark(*s);
        }
        if let Some(j) = &self.jit {
            j.mark_roots(m);
        }
    }
}

/// A frame for a call about to be made; filled in by `call::precall`.
pub(crate) fn new_frame(func: usize, base: usize, nresults: i32, kind: CallKind) -> Frame {
    Frame {
        func,
        base,
        top: base,
        pc: 0,
        nresults,
        closure: None,
        nextra: 0,
        kind,
        handler_slot: crate::thread::NO_HANDLER,
        fresh: false,
        tailcalled: false,
        cont: None,
    }
}

impl Drop for State {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// Result type of natives: number of values pushed.
pub type NResults = LuaResult<usize>;
