//! The garbage-collected heap: allocation, the `Gc<T>` pointer, and an incremental
//! tri-colour mark & sweep collector (PUC Lua 5.4's design, written anew).
//!
//! Every collectable object lives in a `GcBox<T>` (header + payload) in a block of `pool` and
//! threaded on one of three intrusive lists: `ALLGC` (ordinary objects), `FINOBJ` (objects
//! whose metatable had `__gc` when it was set) and `TOBEFNZ` (unreachable objects waiting
//! for their finalizer). Objects never move: compiled code and open upvalues hold raw
//! addresses.
//!
//! Colours live in the header's `marked` byte: one of two whites (the "current" white marks
//! objects not yet reached in this cycle; the "other" white, after the atomic phase, marks
//! the dead), gray (reached, children not yet traversed: no colour bit) and black (reached
//! and traversed). The cycle runs in phases, each step doing bounded work:
//!
//! ```text
//!   Pause -> Propagate (incremental marking) -> Atomic (one step) -> Sweep (incremental)
//!         -> CallFin (finalizers, a few per step) -> Pause
//! ```
//!
//! Invariants:
//! - Safepoints: a step runs only when the interpreter calls `State::gc_step` (between
//!   instructions, every live value in a root: thread stacks, registry, metatables, open
//!   upvalues, prototype constants through closures). Rust code may hold unrooted `Gc`
//!   pointers while it does not call back into Lua.
//! - Tri-colour invariant during Propagate/Atomic: no black object points to a white one.
//!   Mutations that could break it go through a write barrier: tables, closed upvalues,
//!   userdata and native closures carry a `barrier` pointer that is non-null exactly while
//!   the object is black; the first write then logs the object (`BarrierLog`), which is
//!   traversed again in the atomic phase (a "backward" barrier, as PUC's for tables).
//!   Threads are never left black: their stacks are traversed again in the atomic phase.
//! - Weak tables are traversed in the atomic phase; their cleared entries get a dead-key
//!   marker (a light userdata with the old address) so no dangling pointer stays in a table.
//! - Short strings are interned; a dead string is removed from the intern set when freed, and
//!   one found by `intern` before the sweep reaches it is resurrected.
//!
//! Generational mode (gen.rs) reuses the colours, the barrier and the atomic marking: a minor
//! or major collection is one step that marks to completion and sweeps; ages live in two more
//! header bits (`OLD`, `SURVIVED`).
//!
//! Testing modes (environment): `LUA_GC_STRESS=1` runs a full cycle (generational mode: a
//! collection, usually minor) at every safepoint; `LUA_GC_VERIFY=1` checks the heap after each
//! atomic phase and each sweep, and before each minor collection (see verify.rs);
//! `LUA_GC_MODE=gen|inc` chooses the starting mode.

mod gen;
mod mark;
pub mod verify;

pub(crate) use gen::GenRequest;
pub use mark::{Marker, Trace};

use crate::object::{LuaClosure, LuaStr, NativeClosure, Thread, UpVal, UserData};
use crate::table::Table;
use crate::value::Value;
use std::cell::{Cell, UnsafeCell};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ptr::NonNull;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Kind {
    Str,
    Table,
    LuaFn,
    NativeFn,
    UserData,
    Thread,
    UpVal,
}

pub(crate) const WHITE0: u8 = 1;
pub(crate) const WHITE1: u8 = 2;
pub(crate) const WHITES: u8 = WHITE0 | WHITE1;
pub(crate) const BLACK: u8 = 4;
/// The object's finalizer has been scheduled (it will not be scheduled again).
pub(crate) const FINALIZED: u8 = 8;
/// The object is on the FINOBJ list.
pub(crate) const FINOBJ: u8 = 16;
/// Generational mode: the object is old (minor collections take it as live without
/// traversing it). Never set in incremental mode.
pub(crate) const OLD: u8 = 32;
/// Generational mode: a young object that has survived one minor collection; the next one
/// it survives makes it old.
pub(crate) const SURVIVED: u8 = 64;

#[repr(C)]
pub struct GcHeader {
    next: Cell<Option<NonNull<GcHeader>>>,
    pub(crate) marked: Cell<u8>,
    pub(crate) kind: Kind,
}

#[repr(C)]
pub struct GcBox<T> {
    hdr: GcHeader,
    data: T,
}

/// Offset of the payload inside a `GcBox`, for the JIT.
pub const GCBOX_DATA_OFFSET: usize = std::mem::offset_of!(GcBox<Table>, data);
const _: () = assert!(std::mem::offset_of!(GcBox<UpVal>, data) == GCBOX_DATA_OFFSET);
const _: () = assert!(std::mem::offset_of!(GcBox<UserData>, data) == GCBOX_DATA_OFFSET);
const _: () = assert!(std::mem::offset_of!(GcBox<NativeClosure>, data) == GCBOX_DATA_OFFSET);

/// A pointer to a collectable object. Copy, 8 bytes, compared by address.
pub struct Gc<T> {
    ptr: NonNull<GcBox<T>>,
    _p: PhantomData<T>,
}

impl<T> Clone for Gc<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<T> {}

impl<T> std::ops::Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: a `Gc` is only created by `Heap::alloc`, and the object stays allocated while
        // it is reachable from a root at every safepoint (module invariant). A `Gc` held by
        // live code is reachable, so the box is valid here.
        unsafe { &self.ptr.as_ref().data }
    }
}

impl<T> Gc<T> {
    #[inline(always)]
    pub fn ptr_eq(self, other: Gc<T>) -> bool {
        self.ptr == other.ptr
    }
    #[inline(always)]
    pub fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }
    /// Address of the payload (what the JIT embeds).
    pub fn data_ptr(self) -> *const T {
        // SAFETY: see Deref; taking the address does not read.
        unsafe { &raw const (*self.ptr.as_ptr()).data }
    }
    pub(crate) fn header(self) -> &'static GcHeader {
        // SAFETY: as in Deref; callers use the reference only while the object is live.
        unsafe { &(*self.ptr.as_ptr()).hdr }
    }
    pub(crate) fn header_ptr(self) -> NonNull<GcHeader> {
        self.ptr.cast()
    }
    /// # Safety
    /// `h` must be the header of a live `GcBox<T>`.
    pub(crate) unsafe fn from_header(h: NonNull<GcHeader>) -> Gc<T> {
        Gc {
            ptr: h.cast(),
            _p: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gc({:#x})", self.addr())
    }
}

/// Implemented by every collectable payload type.
pub trait GcObject: Sized {
    const KIND: Kind;
    /// Approximate heap bytes owned by the object, for pacing and `collectgarbage("count")`.
    fn size_hint(&self) -> usize;
}

/// Objects whose writes go through the write barrier (see the module invariants).
pub(crate) trait Barriered {
    fn barrier_cell(&self) -> &Cell<*const BarrierLog>;
}

/// Objects written while black, to traverse again in the atomic phase.
pub struct BarrierLog {
    objs: UnsafeCell<Vec<NonNull<GcHeader>>>,
}

impl BarrierLog {
    fn take(&self) -> Vec<NonNull<GcHeader>> {
        // SAFETY: single-threaded; no reference into the vector outlives these methods.
        std::mem::take(unsafe { &mut *self.objs.get() })
    }
    /// The logged objects (for the verifier).
    pub(crate) fn snapshot(&self) -> Vec<NonNull<GcHeader>> {
        // SAFETY: as in `take`.
        unsafe { &*self.objs.get() }.clone()
    }
    fn clear(&self) {
        // SAFETY: as in `take`.
        unsafe { &mut *self.objs.get() }.clear();
    }
    /// Use `buf` (empty) as the log's storage, if the log is empty.
    fn recycle(&self, buf: Vec<NonNull<GcHeader>>) {
        debug_assert!(buf.is_empty());
        // SAFETY: as in `take`.
        let objs = unsafe { &mut *self.objs.get() };
        if objs.is_empty() && objs.capacity() < buf.capacity() {
            *objs = buf;
        }
    }
}

/// The write barrier: call before (or after) storing a reference into `obj`.
#[inline(always)]
pub(crate) fn write_barrier<T: Barriered>(obj: &T) {
    let cell = obj.barrier_cell();
    let log = cell.get();
    if !log.is_null() {
        barrier_slow(obj, cell, log);
    }
}

#[cold]
fn barrier_slow<T: Barriered>(obj: &T, cell: &Cell<*const BarrierLog>, log: *const BarrierLog) {
    cell.set(std::ptr::null());
    // The object is black, so it lives inside a GcBox<T> owned by the heap that logged it.
    let h = (obj as *const T as *const u8).wrapping_sub(GCBOX_DATA_OFFSET) as *mut GcHeader;
    // SAFETY: `barrier` is set only on objects inside a GcBox (by the marker, which got them
    // from the heap) and cleared before the box is freed or the log dropped.
    unsafe {
        let hdr = &*h;
        hdr.marked.set(hdr.marked.get() & !BLACK);
        (*(*log).objs.get()).push(NonNull::new_unchecked(h));
    }
}

struct InternKey(Gc<LuaStr>);
impl Hash for InternKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.as_bytes().hash(h)
    }
}
impl PartialEq for InternKey {
    fn eq(&self, o: &Self) -> bool {
        self.0.as_bytes() == o.0.as_bytes()
    }
}
impl Eq for InternKey {}
impl std::borrow::Borrow<[u8]> for InternKey {
    fn borrow(&self) -> &[u8] {
        let s: &LuaStr = &self.0;
        // SAFETY: the string object is freed only after its key is removed from the set, so
        // the bytes live as long as the key.
        unsafe { &*(s.as_bytes() as *const [u8]) }
    }
}

thread_local! {
    static PENDING: Cell<isize> = const { Cell::new(0) };
}

/// Report memory an object gained (positive) or released (negative) after its allocation,
/// e.g. a table resizing its parts. Absorbed into the heap's count at the next safepoint.
#[inline]
pub fn note_alloc(delta: isize) {
    PENDING.with(|p| p.set(p.get() + delta));
}

/// Pacing (incremental mode) follows PUC Lua 5.4's `incstep`: the collector works in *units*
/// (traversing an object costs one unit plus one per 16 bytes of its children, as PUC's count
/// of slots; sweeping one object, live or dead, one unit; starting a cycle one; running a
/// finalizer 50) and owes `stepmul` units for every `WORK2MEM` bytes allocated. A step is due
/// when the debt (bytes allocated past `threshold`) is positive; it pays the debt plus a credit
/// of `2^stepsize` bytes' worth, so the next step comes after that many more bytes. The pause
/// waits until the heap reaches `pause`% of the live size after the last cycle.
pub const WORK2MEM: usize = 16;

/// Strings up to this length are interned (equal short strings are the same object).
pub const MAX_SHORT_LEN: usize = 40;

const ALLGC: usize = 0;
const FINOBJ_LIST: usize = 1;
const TOBEFNZ: usize = 2;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    Pause,
    Propagate,
    Sweep,
    CallFin,
}

/// What a step needs from the interpreter.
pub enum StepResult {
    /// Keep running Lua code.
    Done,
    /// Call the finalizer of this object (it is back on ALLGC, marked FINALIZED).
    Finalize(Value),
}

pub struct Heap {
    lists: [Option<NonNull<GcHeader>>; 3],
    strings: HashSet<InternKey>,
    /// Bytes believed allocated (objects' size hints at allocation plus reported growth).
    pub allocated: usize,
    /// A step is due when `allocated` exceeds this.
    pub threshold: usize,
    /// Live bytes after the last cycle (the base for the pause): incremental mode takes the
    /// count at the end of the atomic phase and subtracts what the sweep frees, so objects
    /// made during the sweep are not counted (PUC's GCestimate); generational mode the count
    /// after the last major collection.
    pub estimate: usize,
    /// Work units done by `step` calls since the caller last reset it (see `WORK2MEM`).
    pub(crate) work: usize,
    /// collectgarbage "incremental" parameters: pause (%), step multiplier (%), step size
    /// (log2 of bytes).
    pub pause: usize,
    pub stepmul: usize,
    pub stepsize: u32,
    pub running: bool,
    /// Generational mode (see gen.rs); change it only through `enter_inc`/`State::set_gc_mode`.
    pub(crate) generational: bool,
    /// LUA_GC_MODE chose the starting mode (hosts then keep it: `State::set_default_gc_mode`).
    pub mode_from_env: bool,
    /// collectgarbage "generational" parameters (%): a minor collection after the heap grew
    /// by `genminormul`% since the last collection, a major one once it grew by
    /// `genmajormul`% since the last major collection.
    pub genminormul: usize,
    pub genmajormul: usize,
    /// Generational mode: per list (ALLGC, FINOBJ), the first object after the young prefix
    /// (`None`: the prefix is the whole list). See gen.rs.
    pub(crate) young_end: [Option<NonNull<GcHeader>>; 2],
    /// Generational mode: old objects that may point to young ones without having been
    /// written since the last collection (just promoted, or touched before it); traversed by
    /// the next minor collection.
    pub(crate) remembered: Vec<NonNull<GcHeader>>,
    /// Generational mode: what the next collection must be.
    pub(crate) gen_request: gen::GenRequest,
    /// Generational mode: live bytes after the last major collection when it was a "bad"
    /// one (freed less than half the growth), else 0. While non-zero every collection is a
    /// major one, paced by `pause`.
    pub(crate) gen_bad_live: usize,
    /// Collections done in generational mode, minor and major.
    pub minor_collections: u64,
    pub major_collections: u64,
    /// Stress mode (LUA_GC_STRESS=1): a full cycle (generational: a collection) at every
    /// safepoint.
    pub stress: bool,
    /// Verify mode (LUA_GC_VERIFY=1): heap checks after atomic and sweep.
    pub verify: bool,
    /// Test-only: disable the write barrier so the verifier can be seen to catch it.
    pub break_barrier_for_tests: bool,
    /// Memory limit in bytes (0 = none): beyond it, after a full cycle, "not enough memory".
    pub memory_limit: usize,
    /// An allocation took `allocated` from below `memory_limit` to above it since the last
    /// full collection:
    /// the next check point (a native's return, see `State::call_native`) collects and
    /// raises "not enough memory" if that does not help. A full collection clears it (the
    /// safepoint that ran it reports the error itself).
    pub over_limit: bool,
    pub(crate) current_white: u8,
    pub phase: Phase,
    pub(crate) gray: Vec<NonNull<GcHeader>>,
    pub(crate) grayagain: Vec<NonNull<GcHeader>>,
    pub(crate) log: Box<BarrierLog>,
    pub(crate) weak: Vec<Gc<Table>>,
    pub(crate) mode_key: Option<Gc<LuaStr>>,
    pub(crate) proto_epoch: u32,
    /// Every coroutine, so a dead one's open upvalues can be closed before it is freed.
    threads: Vec<Gc<Thread>>,
    sweep_list: usize,
    sweep_prev: Option<NonNull<GcHeader>>,
    sweep_started: bool,
    /// Finalizers are not run (and steps not taken) while one runs.
    pub in_finalizer: bool,
    pub collections: u64,
}

impl Heap {
    pub fn new() -> Heap {
        let env = |k: &str| std::env::var_os(k).is_some_and(|v| v != "0");
        // LUA_GC_MODE=gen|inc: the mode to start in (a state starts with every object young,
        // a valid generational heap).
        let gc_mode_env = match std::env::var("LUA_GC_MODE").as_deref() {
            Ok("gen") => Some(true),
            Ok("inc") => Some(false),
            _ => None,
        };
        Heap {
            lists: [None; 3],
            strings: HashSet::new(),
            allocated: 0,
            threshold: 256 * 1024,
            estimate: 0,
            work: 0,
            pause: 200,
            stepmul: 100,
            stepsize: 13,
            running: true,
            generational: gc_mode_env == Some(true),
            mode_from_env: gc_mode_env.is_some(),
            genminormul: 20,
            genmajormul: 100,
            young_end: [None; 2],
            remembered: Vec::new(),
            gen_request: gen::GenRequest::Auto,
            gen_bad_live: 0,
            minor_collections: 0,
            major_collections: 0,
            stress: env("LUA_GC_STRESS"),
            verify: env("LUA_GC_VERIFY"),
            break_barrier_for_tests: false,
            memory_limit: std::env::var("LUA_MEMLIMIT")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            over_limit: false,
            current_white: WHITE0,
            phase: Phase::Pause,
            gray: Vec::new(),
            grayagain: Vec::new(),
            log: Box::new(BarrierLog {
                objs: UnsafeCell::new(Vec::new()),
            }),
            weak: Vec::new(),
            mode_key: None,
            proto_epoch: 1,
            threads: Vec::new(),
            sweep_list: 0,
            sweep_prev: None,
            sweep_started: false,
            in_finalizer: false,
            collections: 0,
        }
    }

    pub fn alloc<T: GcObject>(&mut self, data: T) -> Gc<T> {
        self.absorb_pending();
        let before = self.allocated;
        self.allocated += data.size_hint() + std::mem::size_of::<GcBox<T>>();
        if self.memory_limit != 0 && self.allocated > self.memory_limit {
            // Only the allocation that crosses the limit: once over it, the check point that
            // collects reports it (allocating its message must not raise it again).
            self.over_limit |= before <= self.memory_limit;
        }
        const { assert!(std::mem::align_of::<GcBox<T>>() <= crate::pool::ALIGN) };
        let size = std::mem::size_of::<GcBox<T>>();
        let ptr = crate::pool::alloc(size)
            .unwrap_or_else(
                || std::alloc::handle_alloc_error(std::alloc::Layout::new::<GcBox<T>>()),
            )
            .cast::<GcBox<T>>();
        // SAFETY: a fresh block of the box's size and (at least) its alignment.
        unsafe {
            ptr.as_ptr().write(GcBox {
                hdr: GcHeader {
                    next: Cell::new(self.lists[ALLGC]),
                    marked: Cell::new(self.current_white),
                    kind: T::KIND,
                },
                data,
            })
        };
        self.lists[ALLGC] = Some(ptr.cast());
        Gc {
            ptr,
            _p: PhantomData,
        }
    }

    /// Allocate a coroutine (threads are tracked: see `close_dead_thread_upvals`).
    pub fn alloc_thread(&mut self, st: crate::thread::ThreadState) -> Gc<Thread> {
        let t = self.alloc(Thread::new(st));
        self.threads.push(t);
        t
    }

    /// Before the sweep frees unreachable threads: close their open upvalues that are still
    /// reachable (their values were marked through the upvalue), so no upvalue points into a
    /// freed stack.
    fn close_dead_thread_upvals(&mut self, m: &Marker) {
        self.threads.retain(|t| {
            if !m.is_white(t.header()) {
                return true;
            }
            for uv in t.st().open_upvals.drain(..) {
                if !m.is_white(uv.header()) {
                    uv.close();
                }
            }
            false
        });
    }

    /// Account for memory an object acquired after allocation (table growth, buffers).
    #[inline]
    pub fn grew(&mut self, bytes: usize) {
        self.allocated += bytes;
    }

    /// Bytes allocated now, including growth reported through `note_alloc` since the last
    /// allocation (`collectgarbage("count")`: a loop that only grows a table allocates no
    /// object, so its growth would otherwise show only at the next allocation).
    pub fn total_bytes(&mut self) -> usize {
        self.absorb_pending();
        self.allocated
    }

    /// Growth reported through `note_alloc` joins the count at each allocation.
    #[inline]
    fn absorb_pending(&mut self) {
        let pending = PENDING.with(|p| p.replace(0));
        if pending != 0 {
            self.allocated = (self.allocated as isize + pending).max(0) as usize;
        }
    }

    /// Is a step due? (Cheap: the interpreter asks at every allocation site.)
    #[inline(always)]
    pub fn should_collect(&mut self) -> bool {
        (self.stress || (self.running && self.allocated >= self.threshold)) && !self.in_finalizer
    }

    pub fn intern(&mut self, s: &[u8]) -> Gc<LuaStr> {
        if s.len() > MAX_SHORT_LEN {
            return self.alloc(LuaStr::new(s, false));
        }
        if let Some(k) = self.strings.get(s) {
            let g = k.0;
            let h = g.header();
            let other = WHITES ^ self.current_white;
            if h.marked.get() & other != 0 {
                // Dead but not yet swept: resurrect it.
                h.marked
                    .set((h.marked.get() & !WHITES) | self.current_white);
            }
            return g;
        }
        let g = self.alloc(LuaStr::new(s, true));
        self.strings.insert(InternKey(g));
        g
    }

    /// `intern` for a buffer the caller built: a long string keeps the buffer's memory
    /// instead of copying it (so a big result is allocated once, where that can fail as a
    /// Lua error: see `State::try_buffer`).
    pub fn intern_vec(&mut self, v: Vec<u8>) -> Gc<LuaStr> {
        if v.len() > MAX_SHORT_LEN {
            self.alloc(LuaStr::from_vec(v))
        } else {
            self.intern(&v)
        }
    }

    pub fn new_str_value(&mut self, s: &[u8]) -> Value {
        Value::Str(self.intern(s))
    }

    fn other_white(&self) -> u8 {
        WHITES ^ self.current_white
    }

    /// Is the object of this header dead (unreached in a finished mark phase)?
    pub(crate) fn is_dead(&self, h: &GcHeader) -> bool {
        h.marked.get() & self.other_white() & WHITES != 0
    }

    // ----- the cycle -----

    /// One incremental step: about `work` units of marking or sweeping (see `WORK2MEM`),
    /// added to `self.work`.
    pub fn step(&mut self, roots: &dyn Fn(&mut Marker), work: usize) -> StepResult {
        if self.generational {
            return self.gen_step(roots);
        }
        let mut budget = work as isize;
        while budget > 0 {
            let done = match self.phase {
                Phase::Pause => {
                    self.start_cycle(roots);
                    1
                }
                Phase::Propagate => {
                    if self.gray.is_empty() {
                        self.atomic(roots)
                    } else {
                        self.propagate(budget as usize)
                    }
                }
                Phase::Sweep => self.sweep_some(budget as usize),
                Phase::CallFin => {
                    if let Some(v) = self.next_finalizer() {
                        return StepResult::Finalize(v);
                    }
                    self.finish_cycle();
                    return StepResult::Done;
                }
            };
            self.work = self.work.saturating_add(done);
            budget -= done.min(isize::MAX as usize) as isize;
        }
        StepResult::Done
    }

    fn start_cycle(&mut self, roots: &dyn Fn(&mut Marker)) {
        self.proto_epoch = self.proto_epoch.wrapping_add(1);
        self.gray.clear();
        self.grayagain.clear();
        self.weak.clear();
        self.log.clear();
        self.phase = Phase::Propagate;
        let mut m = self.marker();
        roots(&mut m);
        self.put_marker(m);
    }

    /// Traverse gray objects until about `budget` bytes were traversed; returns the work done.
    fn propagate(&mut self, budget: usize) -> usize {
        let mut m = self.marker();
        let done = m.propagate(budget, false);
        self.put_marker(m);
        done
    }

    /// The atomic phase: finish marking (roots again, threads, objects hit by the barrier,
    /// weak tables, ephemerons), separate unreachable objects with finalizers and resurrect
    /// them, clear weak entries, flip the white.
    /// Returns the work done (the objects it traversed, as `propagate`).
    fn atomic(&mut self, roots: &dyn Fn(&mut Marker)) -> usize {
        let work = self.mark_atomic(roots, None);
        if self.verify {
            verify::check(self, "atomic");
        }
        self.current_white = self.other_white();
        self.phase = Phase::Sweep;
        self.sweep_list = ALLGC;
        self.sweep_prev = None;
        self.sweep_started = false;
        // The sweep subtracts what it frees.
        self.absorb_pending();
        self.estimate = self.allocated;
        work
    }

    /// Marking to completion, as one step: roots, gray objects, objects hit by the barrier
    /// and kept gray, weak tables and ephemerons; then separate unreachable objects with
    /// finalizers (FINOBJ up to `fin_stop`: beyond it everything is reached) and resurrect
    /// them, and clear weak entries. Shared by the incremental atomic phase and generational
    /// collections (which gray their old objects to revisit before calling it). Returns the
    /// traversal work, in the units of `propagate` (ephemeron rounds not counted).
    fn mark_atomic(
        &mut self,
        roots: &dyn Fn(&mut Marker),
        fin_stop: Option<NonNull<GcHeader>>,
    ) -> usize {
        let mut m = self.marker();
        roots(&mut m);
        let mut work = m.propagate(usize::MAX, true);
        for h in self.log.take() {
            m.regray(h);
        }
        for h in std::mem::take(&mut m.grayagain) {
            m.regray(h);
        }
        work += m.propagate(usize::MAX, true);
        m.converge_ephemerons();
        // Values of weak tables are cleared before resurrection...
        m.clear_weak_values();
        // ...then unreachable objects with finalizers are separated and resurrected.
        let dead_fin = self.separate_unreachable_finobj(&m, fin_stop);
        for v in &dead_fin {
            m.mark_value(v);
        }
        work += m.propagate(usize::MAX, true);
        m.converge_ephemerons();
        m.clear_weak_keys();
        m.clear_weak_values();
        self.close_dead_thread_upvals(&m);
        self.put_marker(m);
        work
    }

    fn marker(&mut self) -> Marker {
        Marker {
            gray: std::mem::take(&mut self.gray),
            grayagain: std::mem::take(&mut self.grayagain),
            weak: std::mem::take(&mut self.weak),
            epoch: self.proto_epoch,
            mode_key: self.mode_key,
            log: if self.break_barrier_for_tests {
                std::ptr::null()
            } else {
                &*self.log as *const BarrierLog
            },
        }
    }

    fn put_marker(&mut self, m: Marker) {
        self.gray = m.gray;
        self.grayagain = m.grayagain;
        self.weak = m.weak;
    }

    /// Move unreachable objects of FINOBJ (up to `stop`) to the end of TOBEFNZ (keeping their
    /// order, newest first, so finalizers run in reverse order of marking); returns them for
    /// resurrection.
    fn separate_unreachable_finobj(
        &mut self,
        m: &Marker,
        stop: Option<NonNull<GcHeader>>,
    ) -> Vec<Value> {
        let mut out = Vec::new();
        let mut prev: Option<NonNull<GcHeader>> = None;
        let mut cur = self.lists[FINOBJ_LIST];
        let mut tail = self.list_tail(TOBEFNZ);
        while let Some(h) = cur {
            if Some(h) == stop {
                break;
            }
            // SAFETY: list nodes are live boxes.
            let hdr = unsafe { h.as_ref() };
            let next = hdr.next.get();
            if m.is_white(hdr) {
                // Unlink from FINOBJ.
                match prev {
                    // SAFETY: prev is a live node.
                    Some(p) => unsafe { p.as_ref() }.next.set(next),
                    None => self.lists[FINOBJ_LIST] = next,
                }
                hdr.next.set(None);
                hdr.marked.set((hdr.marked.get() & !FINOBJ) | FINALIZED);
                match tail {
                    // SAFETY: tail is a live node of TOBEFNZ.
                    Some(t) => unsafe { t.as_ref() }.next.set(Some(h)),
                    None => self.lists[TOBEFNZ] = Some(h),
                }
                tail = Some(h);
                // SAFETY: the header's kind names its payload type.
                out.push(unsafe { header_value(h) });
            } else {
                prev = Some(h);
            }
            cur = next;
        }
        out
    }

    fn list_tail(&self, l: usize) -> Option<NonNull<GcHeader>> {
        let mut cur = self.lists[l]?;
        // SAFETY: list nodes are live boxes.
        while let Some(n) = unsafe { cur.as_ref() }.next.get() {
            cur = n;
        }
        Some(cur)
    }

    /// Sweep up to about `budget` objects (one work unit each, as PUC's sweepstep); returns
    /// the work done.
    fn sweep_some(&mut self, budget: usize) -> usize {
        let mut done = 0;
        let cw = self.current_white;
        while done < budget {
            let cur = match (self.sweep_started, self.sweep_prev) {
                (false, _) => self.lists[self.sweep_list],
                // SAFETY: sweep_prev is a live node (survivors are never freed mid-sweep).
                (true, Some(p)) => unsafe { p.as_ref() }.next.get(),
                (true, None) => self.lists[self.sweep_list],
            };
            self.sweep_started = true;
            let Some(h) = cur else {
                // This list is done; the next one, or the end of the sweep.
                self.sweep_list += 1;
                self.sweep_prev = None;
                self.sweep_started = false;
                if self.sweep_list > TOBEFNZ {
                    self.end_sweep();
                    return done;
                }
                continue;
            };
            // SAFETY: list nodes are live boxes.
            let hdr = unsafe { h.as_ref() };
            let next = hdr.next.get();
            if self.is_dead(hdr) {
                match self.sweep_prev {
                    // SAFETY: prev is a live node.
                    Some(p) => unsafe { p.as_ref() }.next.set(next),
                    None => self.lists[self.sweep_list] = next,
                }
                let freed = self.release(h);
                self.estimate = self.estimate.saturating_sub(freed);
                // Keep sweep_prev: the list continues after it.
                if self.sweep_prev.is_none() {
                    self.sweep_started = false;
                }
                done += 1;
            } else {
                hdr.marked.set((hdr.marked.get() & !(WHITES | BLACK)) | cw);
                // SAFETY: live node; its kind names its payload.
                unsafe { clear_barrier(h) };
                self.sweep_prev = Some(h);
                done += 1;
            }
        }
        done
    }

    /// Free a dead object already unlinked from its list (and drop it from the intern set);
    /// returns the bytes it accounted for.
    fn release(&mut self, h: NonNull<GcHeader>) -> usize {
        // SAFETY: the caller unlinked a dead node, still allocated.
        if unsafe { h.as_ref() }.kind == Kind::Str {
            // SAFETY: kind Str means the box is a GcBox<LuaStr>.
            let s: Gc<LuaStr> = unsafe { Gc::from_header(h) };
            if s.is_short() {
                self.strings.remove(s.as_bytes());
            }
        }
        // SAFETY: unreachable object, unlinked and out of the intern set; freed once.
        let sz = unsafe { free_object(h) };
        self.allocated = self.allocated.saturating_sub(sz);
        sz
    }

    fn end_sweep(&mut self) {
        if self.verify {
            verify::check(self, "sweep");
        }
        self.phase = Phase::CallFin;
    }

    /// The next object waiting for its finalizer: moved back to ALLGC (it stays FINALIZED,
    /// so it is freed when unreachable again).
    fn next_finalizer(&mut self) -> Option<Value> {
        let h = self.lists[TOBEFNZ]?;
        // SAFETY: list node.
        let hdr = unsafe { h.as_ref() };
        self.lists[TOBEFNZ] = hdr.next.get();
        hdr.next.set(self.lists[ALLGC]);
        self.lists[ALLGC] = Some(h);
        // Back to normal: setmetatable may register it for finalization again (PUC's
        // udata2finalize resets the bit).
        hdr.marked.set(hdr.marked.get() & !FINALIZED);
        // SAFETY: the kind names the payload.
        Some(unsafe { header_value(h) })
    }

    fn finish_cycle(&mut self) {
        self.phase = Phase::Pause;
        self.collections += 1;
        self.set_pause();
    }

    /// Threshold for the next cycle after a pause.
    pub(crate) fn set_pause(&mut self) {
        if self.generational && self.gen_bad_live == 0 {
            // The next minor collection (PUC's setminordebt).
            let base = self.allocated.max(16 * 1024);
            self.threshold = base + (base / 100).saturating_mul(self.genminormul).max(8 * 1024);
            return;
        }
        // As PUC's setpause: the next cycle starts when the heap reaches `pause`% of the
        // live estimate (at once if it is already there).
        let base = self.estimate.max(16 * 1024);
        self.threshold = (base / 100).saturating_mul(self.pause).max(self.allocated);
    }

    /// The collector's debt in bytes: how far allocation ran past the point where a step
    /// was due (negative: credit before the next step).
    pub(crate) fn debt(&self) -> isize {
        let d = self.allocated as i128 - self.threshold as i128;
        d.clamp(isize::MIN as i128, isize::MAX as i128) as isize
    }

    /// Set the debt (the next step is due when allocation has paid back a credit).
    pub(crate) fn set_debt(&mut self, debt: isize) {
        self.threshold = if debt >= 0 {
            self.allocated.saturating_sub(debt as usize)
        } else {
            self.allocated.saturating_add(debt.unsigned_abs())
        };
    }

    /// Is the collector between cycles (no marking or sweeping in progress)?
    pub fn is_paused(&self) -> bool {
        self.phase == Phase::Pause
    }

    /// Mark an object with a finalizer: move it from ALLGC to FINOBJ (PUC's
    /// luaC_checkfinalizer). Objects already finalized or on FINOBJ are left alone.
    pub(crate) fn register_finalizer(&mut self, h: NonNull<GcHeader>) {
        // SAFETY: h is a live object's header.
        let hdr = unsafe { h.as_ref() };
        if hdr.marked.get() & (FINOBJ | FINALIZED) != 0 {
            return;
        }
        if self.phase == Phase::Sweep {
            // Finish the sweep first so the cursor never points at a moved object.
            while self.phase == Phase::Sweep {
                self.sweep_some(usize::MAX / 2);
            }
        }
        let mut prev: Option<NonNull<GcHeader>> = None;
        let mut cur = self.lists[ALLGC];
        while let Some(c) = cur {
            // SAFETY: list node.
            let next = unsafe { c.as_ref() }.next.get();
            if c == h {
                match prev {
                    // SAFETY: list node.
                    Some(p) => unsafe { p.as_ref() }.next.set(next),
                    None => self.lists[ALLGC] = next,
                }
                // The young prefix of ALLGC must not end at an object that left the list.
                if self.young_end[ALLGC] == Some(h) {
                    self.young_end[ALLGC] = next;
                }
                hdr.next.set(self.lists[FINOBJ_LIST]);
                self.lists[FINOBJ_LIST] = Some(h);
                hdr.marked.set(hdr.marked.get() | FINOBJ);
                return;
            }
            prev = Some(c);
            cur = next;
        }
    }

    /// Schedule every object with a pending finalizer (at state close): all of FINOBJ moves to
    /// TOBEFNZ. Returns them in call order.
    pub(crate) fn separate_all_finobj(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(h) = self.lists[FINOBJ_LIST] {
            // SAFETY: list node.
            let hdr = unsafe { h.as_ref() };
            self.lists[FINOBJ_LIST] = hdr.next.get();
            hdr.marked.set((hdr.marked.get() & !FINOBJ) | FINALIZED);
            hdr.next.set(self.lists[ALLGC]);
            self.lists[ALLGC] = Some(h);
            // SAFETY: kind names payload.
            out.push(unsafe { header_value(h) });
        }
        out
    }

    /// Every userdata in the heap, reachable or not (for `os.exit`, which flushes all open
    /// files as C's `exit` does).
    pub(crate) fn all_userdata(&self) -> Vec<Gc<UserData>> {
        let mut out = Vec::new();
        self.for_each_object(|h, _| {
            // SAFETY: `h` is a live node of a heap list.
            if let Value::UserData(u) = unsafe { header_value(h) } {
                out.push(u);
            }
        });
        out
    }

    /// Visit every object header (for the verifier).
    pub(crate) fn for_each_object(&self, mut f: impl FnMut(NonNull<GcHeader>, usize)) {
        for (l, head) in self.lists.iter().enumerate() {
            let mut cur = *head;
            while let Some(h) = cur {
                f(h, l);
                // SAFETY: list node.
                cur = unsafe { h.as_ref() }.next.get();
            }
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        self.strings.clear();
        for l in 0..self.lists.len() {
            let mut cur = self.lists[l].take();
            while let Some(h) = cur {
                // SAFETY: list nodes are live boxes; each is freed exactly once here.
                cur = unsafe { h.as_ref() }.next.get();
                // SAFETY: as above.
                unsafe { free_object(h) };
            }
        }
        // Blocks cached for reuse go back to the system with the state.
        crate::pool::trim();
    }
}

macro_rules! with_kind {
    ($h:expr, |$b:ident| $body:expr) => {{
        let h: NonNull<GcHeader> = $h;
        // SAFETY: the kind tag was set from `T::KIND` when the box was allocated as GcBox<T>.
        match unsafe { h.as_ref() }.kind {
            Kind::Str => {
                let $b = h.cast::<GcBox<LuaStr>>();
                $body
            }
            Kind::Table => {
                let $b = h.cast::<GcBox<Table>>();
                $body
            }
            Kind::LuaFn => {
                let $b = h.cast::<GcBox<LuaClosure>>();
                $body
            }
            Kind::NativeFn => {
                let $b = h.cast::<GcBox<NativeClosure>>();
                $body
            }
            Kind::UserData => {
                let $b = h.cast::<GcBox<UserData>>();
                $body
            }
            Kind::Thread => {
                let $b = h.cast::<GcBox<Thread>>();
                $body
            }
            Kind::UpVal => {
                let $b = h.cast::<GcBox<UpVal>>();
                $body
            }
        }
    }};
}
pub(crate) use with_kind;

/// The value referring to the object of header `h`.
///
/// # Safety
/// `h` must be a live object's header.
pub(crate) unsafe fn header_value(h: NonNull<GcHeader>) -> Value {
    // SAFETY: caller guarantees liveness; kinds name payload types.
    unsafe {
        match h.as_ref().kind {
            Kind::Str => Value::Str(Gc::from_header(h)),
            Kind::Table => Value::Table(Gc::from_header(h)),
            Kind::LuaFn => Value::LuaFn(Gc::from_header(h)),
            Kind::NativeFn => Value::NativeFn(Gc::from_header(h)),
            Kind::UserData => Value::UserData(Gc::from_header(h)),
            Kind::Thread => Value::Thread(Gc::from_header(h)),
            Kind::UpVal => Value::Nil,
        }
    }
}

/// Clear a surviving object's barrier pointer (it turns white).
///
/// # Safety
/// `h` must be a live node of the heap list.
unsafe fn clear_barrier(h: NonNull<GcHeader>) {
    fn clr<T: Barriered>(b: NonNull<GcBox<T>>) {
        // SAFETY: caller guarantees liveness.
        unsafe { b.as_ref() }
            .data
            .barrier_cell()
            .set(std::ptr::null());
    }
    // SAFETY: the kind names the payload type.
    match unsafe { h.as_ref() }.kind {
        Kind::Table => clr(h.cast::<GcBox<Table>>()),
        Kind::UpVal => clr(h.cast::<GcBox<UpVal>>()),
        Kind::UserData => clr(h.cast::<GcBox<UserData>>()),
        Kind::NativeFn => clr(h.cast::<GcBox<NativeClosure>>()),
        Kind::LuaFn => clr(h.cast::<GcBox<LuaClosure>>()),
        _ => {}
    }
}

/// Free an object; returns the bytes it accounted for (payload's size hint plus its box).
///
/// # Safety
/// `h` must be an unreachable node already unlinked from its list; it is freed.
unsafe fn free_object(h: NonNull<GcHeader>) -> usize {
    fn free<T: GcObject>(b: NonNull<GcBox<T>>) -> usize {
        let box_size = std::mem::size_of::<GcBox<T>>();
        // SAFETY: written into a pooled block of the box's size by `alloc`; read, dropped
        // and freed once by the caller's contract.
        unsafe {
            let size = b.as_ref().data.size_hint() + box_size;
            std::ptr::drop_in_place(b.as_ptr());
            crate::pool::free(b.cast(), box_size);
            size
        }
    }
    with_kind!(h, |b| free(b))
}
