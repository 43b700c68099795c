//! Marking: the gray stack, object traversal, weak tables and ephemerons.
//!
//! Invariants:
//! - `mark` turns a white object gray (strings straight to black: they have no children) and
//!   pushes it on `gray`; `propagate` pops gray objects and traverses them (`Trace`).
//! - An object that stays gray after traversal (a thread, or a weak table before the atomic
//!   phase) goes to `grayagain` and is traversed again in the atomic phase.
//! - A traversed object that turns black gets its barrier pointer set (if it has one), so its
//!   next write logs it for re-traversal.
//! - Weak tables met in the atomic phase are collected in `weak`, to converge ephemerons and
//!   clear dead entries.

use super::{with_kind, BarrierLog, Barriered, Gc, GcBox, GcHeader, Kind, BLACK, WHITES};
use crate::object::{LuaClosure, LuaStr, NativeClosure, Thread, UpVal, UserData};
use crate::proto::Proto;
use crate::table::Table;
use crate::value::Value;
use std::ptr::NonNull;

/// Marking context handed to root enumerators and `Trace` implementations.
pub struct Marker {
    pub(crate) gray: Vec<NonNull<GcHeader>>,
    pub(crate) grayagain: Vec<NonNull<GcHeader>>,
    pub(crate) weak: Vec<Gc<Table>>,
    pub(crate) epoch: u32,
    pub(crate) mode_key: Option<Gc<LuaStr>>,
    pub(crate) log: *const BarrierLog,
}

/// Objects that refer to other collectable objects.
pub trait Trace {
    /// Mark the children; return false if the object must stay gray (traversed again in the
    /// atomic phase). `atomic` tells whether this is the atomic phase.
    fn trace(&self, m: &mut Marker, atomic: bool) -> bool;
}

impl Marker {
    #[inline]
    pub(crate) fn is_white(&self, h: &GcHeader) -> bool {
        h.marked.get() & WHITES != 0
    }

    /// Is this value reached (non-collectable values always are)? Strings count as reached
    /// and get marked: they are values, never removed from weak tables.
    pub(crate) fn is_marked_value(&mut self, v: &Value) -> bool {
        match *v {
            Value::Str(g) => {
                self.mark(g);
                true
            }
            Value::Table(g) => !self.is_white(g.header()),
            Value::LuaFn(g) => !self.is_white(g.header()),
            Value::NativeFn(g) => !self.is_white(g.header()),
            Value::UserData(g) => !self.is_white(g.header()),
            Value::Thread(g) => !self.is_white(g.header()),
            _ => true,
        }
    }

    /// Is this collectable value unreached (no marking side effect, unlike
    /// `is_marked_value`)? Non-collectable values never are.
    pub(crate) fn is_unreached(&self, v: &Value) -> bool {
        match *v {
            Value::Str(g) => self.is_white(g.header()),
            Value::Table(g) => self.is_white(g.header()),
            Value::LuaFn(g) => self.is_white(g.header()),
            Value::NativeFn(g) => self.is_white(g.header()),
            Value::UserData(g) => self.is_white(g.header()),
            Value::Thread(g) => self.is_white(g.header()),
            _ => false,
        }
    }

    #[inline]
    pub fn mark<T>(&mut self, g: Gc<T>) {
        let h = g.header();
        let m = h.marked.get();
        if m & WHITES != 0 {
            if h.kind == Kind::Str {
                h.marked.set((m & !WHITES) | BLACK);
            } else {
                h.marked.set(m & !WHITES);
                self.gray.push(g.header_ptr());
            }
        }
    }

    /// Mark `v` if it is a collectable object (tags from `TAG_STR` up: one compare inline,
    /// as most values a table holds are numbers).
    #[inline(always)]
    pub fn mark_value(&mut self, v: &Value) {
        if v.tag() >= crate::value::TAG_STR {
            self.mark_object_value(v);
        }
    }

    #[inline]
    fn mark_object_value(&mut self, v: &Value) {
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

    /// Traverse an object logged by the barrier or kept gray: push it back on the gray stack.
    pub(crate) fn regray(&mut self, h: NonNull<GcHeader>) {
        // SAFETY: logged/grayagain objects are live (reached in this cycle, not yet swept).
        let hdr = unsafe { h.as_ref() };
        hdr.marked.set(hdr.marked.get() & !(BLACK | WHITES));
        self.gray.push(h);
    }

    /// Traverse gray objects; stops after about `budget` bytes of work. Returns the work done.
    pub(crate) fn propagate(&mut self, budget: usize, atomic: bool) -> usize {
        let mut done = 0usize;
        while let Some(h) = self.gray.pop() {
            // SAFETY: gray objects were reached from roots in this cycle and are live.
            let hdr = unsafe { h.as_ref() };
            if hdr.marked.get() & (BLACK | WHITES) != 0 {
                continue; // already traversed (pushed twice) or not gray
            }
            let log = self.log;
            let black = with_kind!(h, |b| {
                // SAFETY: as above.
                let obj = unsafe { &b.as_ref().data };
                done += 1 + obj_weight(obj) / super::WORK2MEM;
                obj.trace(self, atomic)
            });
            if black {
                hdr.marked.set(hdr.marked.get() | BLACK);
                // SAFETY: the kind names the payload type; the log outlives the cycle.
                unsafe { set_barrier(h, log) };
            } else if !atomic {
                self.grayagain.push(h);
            } else {
                hdr.marked.set(hdr.marked.get() | BLACK);
            }
            if done >= budget {
                break;
            }
        }
        done
    }

    /// Mark values of ephemeron entries whose keys are marked, until nothing changes.
    pub(crate) fn converge_ephemerons(&mut self) {
        loop {
            let mut changed = false;
            for t in self.weak.clone() {
                if t.traverse_ephemeron(self) {
                    changed = true;
                }
            }
            self.propagate(usize::MAX, true);
            if !changed {
                break;
            }
        }
    }

    pub(crate) fn clear_weak_values(&mut self) {
        for t in self.weak.clone() {
            t.clear_weak(self, false);
        }
    }

    pub(crate) fn clear_weak_keys(&mut self) {
        for t in self.weak.clone() {
            t.clear_weak(self, true);
        }
    }

    /// The weakness of a table with metatable `mt`: (weak keys, weak values).
    pub(crate) fn weak_mode(&self, mt: Option<Gc<Table>>) -> (bool, bool) {
        let (Some(mt), Some(key)) = (mt, self.mode_key) else {
            return (false, false);
        };
        match mt.get_str(key) {
            Value::Str(s) => {
                let b = s.as_bytes();
                (b.contains(&b'k'), b.contains(&b'v'))
            }
            _ => (false, false),
        }
    }
}

/// A rough size of an object's children, as traversal work.
fn obj_weight<T: crate::gc::GcObject>(o: &T) -> usize {
    o.size_hint()
}

/// # Safety
/// `h` must be a live object's header.
unsafe fn set_barrier(h: NonNull<GcHeader>, log: *const BarrierLog) {
    fn set<T: Barriered>(b: NonNull<GcBox<T>>, log: *const BarrierLog) {
        // SAFETY: caller guarantees liveness.
        unsafe { b.as_ref() }.data.barrier_cell().set(log);
    }
    // SAFETY: caller guarantees liveness; the kind names the payload.
    match unsafe { h.as_ref() }.kind {
        Kind::Table => set(h.cast::<GcBox<Table>>(), log),
        Kind::UpVal => set(h.cast::<GcBox<UpVal>>(), log),
        Kind::UserData => set(h.cast::<GcBox<UserData>>(), log),
        Kind::NativeFn => set(h.cast::<GcBox<NativeClosure>>(), log),
        Kind::LuaFn => set(h.cast::<GcBox<LuaClosure>>(), log),
        _ => {}
    }
}

impl Trace for LuaStr {
    fn trace(&self, _m: &mut Marker, _atomic: bool) -> bool {
        true
    }
}

impl Trace for LuaClosure {
    fn trace(&self, m: &mut Marker, _atomic: bool) -> bool {
        m.mark_proto(&self.proto);
        for i in 0..self.nupvals() {
            m.mark(self.upval(i));
        }
        true
    }
}

impl Trace for NativeClosure {
    fn trace(&self, m: &mut Marker, _atomic: bool) -> bool {
        for i in 0..self.nupvals() {
            m.mark_value(&self.upval(i));
        }
        true
    }
}

impl Trace for UpVal {
    fn trace(&self, m: &mut Marker, _atomic: bool) -> bool {
        // Open or closed: the current value. (A dead thread's open upvalues are closed
        // before the sweep frees the thread; their values are marked here.)
        m.mark_value(&self.get());
        true
    }
}

impl Trace for UserData {
    fn trace(&self, m: &mut Marker, _atomic: bool) -> bool {
        if let Some(t) = self.metatable() {
            m.mark(t);
        }
        for i in 0.. {
            match self.user_value(i) {
                Some(v) => m.mark_value(&v),
                None => break,
            }
        }
        true
    }
}

impl Trace for Thread {
    fn trace(&self, m: &mut Marker, atomic: bool) -> bool {
        let st = self.st();
        st.trace(m);
        if atomic {
            // Stale slots above the top must not keep dangling pointers (debug.getlocal may
            // read them): clear them, as PUC does.
            let top = st.top.min(st.stack.len());
            for v in &mut st.stack[top..] {
                *v = Value::Nil;
            }
        }
        // Threads are never left black outside the atomic phase: their stacks change
        // without barriers.
        atomic
    }
}
