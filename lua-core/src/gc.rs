//! The garbage-collected heap: allocation, the `Gc<T>` pointer, marking and sweeping.
//!
//! Every collectable object lives in a `GcBox<T>` (header + payload) allocated with `Box` and
//! threaded on one intrusive list (`Heap::all`). Objects never move: compiled code and open
//! upvalues hold raw addresses.
//!
//! Safepoint discipline (the invariant everything else relies on): a collection runs only when
//! the interpreter calls [`crate::state::State::gc_safepoint`], which it does between
//! instructions, at points where every live value is in a root: the stacks and frames of all
//! threads, the registry, the string metatable, open upvalues and prototype constants reachable
//! from closures. Rust code (natives, the compiler) may therefore hold unrooted `Gc` pointers
//! while it runs, as long as it does not call back into Lua (which reaches a safepoint) while
//! holding them outside the Lua stack.
//!
//! This is a stop-the-world mark & sweep; the incremental/generational collector replaces
//! `collect` without changing the safepoint rule.

use crate::object::{LuaClosure, LuaStr, NativeClosure, Thread, UpVal, UserData};
use crate::proto::Proto;
use crate::table::Table;
use crate::value::Value;
use std::cell::Cell;
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

#[repr(C)]
pub struct GcHeader {
    next: Cell<Option<NonNull<GcHeader>>>,
    marked: Cell<bool>,
    kind: Kind,
}

#[repr(C)]
pub struct GcBox<T> {
    hdr: GcHeader,
    data: T,
}

/// Offset of the payload inside a `GcBox`, for the JIT.
pub const GCBOX_DATA_OFFSET: usize = std::mem::offset_of!(GcBox<Table>, data);

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
    fn header(self) -> &'static GcHeader {
        // SAFETY: as in Deref; the header lives as long as the object, and callers only use
        // the reference during a collection, before the object can be freed.
        unsafe { &(*self.ptr.as_ptr()).hdr }
    }
}

/// Implemented by every collectable payload type.
pub trait GcObject: Sized {
    const KIND: Kind;
    /// Approximate heap bytes owned by the object, for pacing and `collectgarbage("count")`.
    fn size_hint(&self) -> usize;
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
        // SAFETY-free: LuaStr bytes live as long as the interned object, which the intern set
        // drops before freeing it.
        let s: &LuaStr = &self.0;
        // Extend the lifetime to self's: the object outlives this key (removed before sweep frees).
        // SAFETY: the string object is freed only after its key is removed from the set.
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

/// Strings up to this length are interned (equal short strings are the same object).
pub const MAX_SHORT_LEN: usize = 40;

pub struct Heap {
    all: Option<NonNull<GcHeader>>,
    strings: HashSet<InternKey>,
    /// Bytes believed allocated (objects' size hints at allocation, re-summed at each sweep).
    pub allocated: usize,
    /// A collection is due when `allocated` exceeds this.
    pub threshold: usize,
    /// Percentage of live memory to wait before the next cycle (collectgarbage "incremental" pause).
    pub pause: usize,
    pub stepmul: usize,
    pub running: bool,
    /// The mode `collectgarbage` reports ("incremental" or "generational"); the collector
    /// itself is stop-the-world until the incremental/generational collector lands.
    pub generational: bool,
    /// Stress mode (LUA_GC_STRESS=1): collect at every safepoint.
    pub stress: bool,
    proto_epoch: u32,
    gray: Vec<NonNull<GcHeader>>,
    pub collections: u64,
}

impl Heap {
    pub fn new() -> Heap {
        Heap {
            all: None,
            strings: HashSet::new(),
            allocated: 0,
            threshold: 256 * 1024,
            pause: 200,
            stepmul: 100,
            running: true,
            generational: false,
            stress: std::env::var_os("LUA_GC_STRESS").is_some_and(|v| v != "0"),
            proto_epoch: 1,
            gray: Vec::new(),
            collections: 0,
        }
    }

    pub fn alloc<T: GcObject>(&mut self, data: T) -> Gc<T> {
        self.allocated += data.size_hint() + std::mem::size_of::<GcBox<T>>();
        let b = Box::new(GcBox {
            hdr: GcHeader {
                next: Cell::new(self.all),
                marked: Cell::new(false),
                kind: T::KIND,
            },
            data,
        });
        let ptr = NonNull::from(Box::leak(b));
        self.all = Some(ptr.cast());
        Gc {
            ptr,
            _p: PhantomData,
        }
    }

    /// Account for memory an object acquired after allocation (table growth, buffers).
    #[inline]
    pub fn grew(&mut self, bytes: usize) {
        self.allocated += bytes;
    }

    #[inline]
    pub fn should_collect(&mut self) -> bool {
        let pending = PENDING.with(|p| p.replace(0));
        self.allocated = (self.allocated as isize + pending).max(0) as usize;
        self.stress || (self.running && self.allocated >= self.threshold)
    }

    pub fn intern(&mut self, s: &[u8]) -> Gc<LuaStr> {
        if s.len() > MAX_SHORT_LEN {
            return self.alloc(LuaStr::new(s, false));
        }
        if let Some(k) = self.strings.get(s) {
            let g = k.0;
            // A dead-but-unswept string could be resurrected here; mark it live if we are
            // between mark and sweep (never, for the stop-the-world collector).
            return g;
        }
        let g = self.alloc(LuaStr::new(s, true));
        self.strings.insert(InternKey(g));
        g
    }

    pub fn new_str_value(&mut self, s: &[u8]) -> Value {
        Value::Str(self.intern(s))
    }

    /// Run a full collection. `roots` marks every root through the given marker.
    pub fn collect(&mut self, roots: impl FnOnce(&mut Marker)) {
        self.proto_epoch = self.proto_epoch.wrapping_add(1);
        let mut m = Marker {
            gray: std::mem::take(&mut self.gray),
            epoch: self.proto_epoch,
        };
        roots(&mut m);
        m.drain();
        self.gray = m.gray;
        self.sweep();
        self.collections += 1;
        self.threshold = (self.allocated / 100)
            .saturating_mul(self.pause)
            .max(64 * 1024);
    }

    fn sweep(&mut self) {
        self.strings.retain(|k| k.0.header().marked.get());
        let mut live = 0usize;
        let mut prev: Option<NonNull<GcHeader>> = None;
        let mut cur = self.all;
        while let Some(h) = cur {
            // SAFETY: every node on the list is a live GcBox allocated by `alloc`.
            let hdr = unsafe { h.as_ref() };
            let next = hdr.next.get();
            if hdr.marked.get() {
                hdr.marked.set(false);
                // SAFETY: the header's kind names the payload type it was allocated with.
                live += unsafe { object_size(h) };
                prev = Some(h);
            } else {
                match prev {
                    // SAFETY: prev is a live node on the list.
                    Some(p) => unsafe { p.as_ref() }.next.set(next),
                    None => self.all = next,
                }
                // SAFETY: unreachable object, removed from the list and the intern set; freed once.
                unsafe { free_object(h) };
            }
            cur = next;
        }
        self.allocated = live;
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        self.strings.clear();
        let mut cur = self.all.take();
        while let Some(h) = cur {
            // SAFETY: list nodes are live boxes; each is freed exactly once here.
            cur = unsafe { h.as_ref() }.next.get();
            // SAFETY: as above.
            unsafe { free_object(h) };
        }
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

/// # Safety
/// `h` must be a live node of the heap list.
unsafe fn object_size(h: NonNull<GcHeader>) -> usize {
    fn sz<T: GcObject>(b: NonNull<GcBox<T>>) -> usize {
        // SAFETY: caller guarantees liveness.
        unsafe { b.as_ref() }.data.size_hint() + std::mem::size_of::<GcBox<T>>()
    }
    with_kind!(h, |b| sz(b))
}

/// # Safety
/// `h` must be an unreachable node already unlinked from the list; it is freed.
unsafe fn free_object(h: NonNull<GcHeader>) {
    fn free<T>(b: NonNull<GcBox<T>>) {
        // SAFETY: allocated by Box::new in `alloc` and freed once by the caller's contract.
        drop(unsafe { Box::from_raw(b.as_ptr()) });
    }
    with_kind!(h, |b| free(b))
}

/// Marking context handed to root enumerators and `trace` implementations.
pub struct Marker {
    gray: Vec<NonNull<GcHeader>>,
    epoch: u32,
}

impl Marker {
    #[inline]
    pub fn mark<T>(&mut self, g: Gc<T>) {
        let h = g.header();
        if !h.marked.get() {
            h.marked.set(true);
            if h.kind != Kind::Str {
                self.gray.push(g.ptr.cast());
            }
        }
    }

    #[inline]
    pub fn mark_value(&mut self, v: &Value) {
        match *v {
            Value::Str(g) => self.mark(g),
            Value::Table(g) => self.mark(g),
            Value::LuaFn(g) => self.mark(g),
            Value::NativeFn(g) => self.mark(g),
            Value::UserData(g) => self.mark(g),
            Value::Thread(g) => self.mark(g),
            _ => {}
        }
    }

    pub fn mark_proto(&mut self, p: &Proto) {
        if p.gc_epoch.get() == self.epoch {
            return;
        }
        p.gc_epoch.set(self.epoch);
        for k in &p.k {
            self.mark_value(k);
        }
        for c in &p.p {
            self.mark_proto(c);
        }
    }

    fn drain(&mut self) {
        while let Some(h) = self.gray.pop() {
            with_kind!(h, |b| {
                // SAFETY: gray objects were reached from roots in this cycle and are live.
                let obj = unsafe { &b.as_ref().data };
                obj.trace(self)
            })
        }
    }
}

/// Objects that refer to other collectable objects.
pub trait Trace {
    fn trace(&self, m: &mut Marker);
}

impl Trace for LuaStr {
    fn trace(&self, _m: &mut Marker) {}
}

impl<T> std::fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gc({:#x})", self.addr())
    }
}
