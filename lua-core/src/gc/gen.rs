//! Generational mode: minor collections of young objects, major collections of everything.
//!
//! The heap is split by age. Young objects are new (allocated since the last collection)
//! or survivors of one minor collection (`SURVIVED`); old objects (`OLD`) have survived two
//! minor collections, or a major one. A minor collection marks from the roots but takes old
//! objects as live without traversing them, and frees only unreached young objects; a major
//! collection marks and sweeps the whole heap and makes every survivor old. Both run to
//! completion in one step (no incremental marking in this mode), so between collections no
//! object is gray except old objects waiting in the barrier log.
//!
//! Colours between collections: young objects are white (the current white), old objects
//! black with their barrier armed (`set_barrier`), like black objects in incremental marking.
//! The same write barrier therefore serves both modes: the first store into an old object
//! logs it and turns it gray, and the next minor collection traverses it ("touched").
//!
//! The invariant that makes a minor collection correct: **an old object that is black points
//! only to old objects, unless it is in `remembered`.** Threads are the exception: their stacks
//! change without barriers, so every old thread is traversed by every minor collection (and
//! an open upvalue's value lives in its thread's stack). The verifier checks the invariant
//! before each minor collection (`verify::check_generational`).
//!
//! How the invariant is kept across a minor collection, where objects age by one step:
//! - a touched object (logged by the barrier) may point to new objects, which become mere
//!   survivors, so it stays remembered for one more minor collection;
//! - an object promoted to old may point to survivors of its own age minus one, so it is
//!   remembered for the next minor collection too;
//! - a remembered object that was not written since is traversed once more: its young
//!   children (survivors) are promoted by that collection, so it leaves the set.
//!
//! These are PUC Lua's TOUCHED1/TOUCHED2 and OLD0/OLD1 ages, kept as list membership
//! (`BarrierLog`, `remembered`) instead of age bits: an object promoted by the barrier while
//! young (PUC's OLD0) does not exist here, since young objects need no barrier.
//!
//! Where the young objects are: new objects are pushed at the head of ALLGC, so the young
//! ones form a prefix of it, ending at `young_end[ALLGC]` (likewise for FINOBJ, where
//! `setmetatable` pushes objects with a `__gc`). Objects also move to list heads (an object
//! registered for finalization, a finalized object back to ALLGC), so an old object may sit in
//! a prefix: the sweep skips it by its `OLD` bit. An object leaves ALLGC only through the
//! sweep or `register_finalizer`, which moves the boundary if it was the boundary.
//!
//! Pacing (PUC's genstep): a minor collection after the heap grew `genminormul`% since the
//! last collection; a major one instead once it exceeds the size after the last major
//! collection by `genmajormul`%. A major collection that frees less than half that growth is
//! "bad" (the program is building a large structure): then every collection is major, paced
//! by `pause`, until one finds the live size grew less than 1/8 (PUC counts traversed objects
//! for this; we use bytes).

use super::{
    clear_barrier, verify, GcHeader, Heap, Kind, Marker, Phase, StepResult, ALLGC, BLACK,
    FINOBJ_LIST, OLD, SURVIVED, TOBEFNZ, WHITES,
};
use std::ptr::NonNull;

/// What the next generational collection must be.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum GenRequest {
    /// Minor, or major when the heap grew past `genmajormul` (or the last major was bad).
    Auto,
    /// A minor collection (collectgarbage("step", 0)).
    Minor,
    /// A major collection (collectgarbage("collect"), entering the mode).
    Major,
}

impl Heap {
    pub fn is_generational(&self) -> bool {
        self.generational
    }

    /// Switch to generational mode from a paused incremental collector: every object counts
    /// as young, so the first collection (requested major) makes the survivors old.
    pub(crate) fn enter_gen(&mut self) {
        debug_assert!(self.phase == Phase::Pause && !self.generational);
        self.generational = true;
        self.young_end = [None; 2];
        self.remembered.clear();
        self.gen_bad_live = 0;
        self.gen_request = GenRequest::Major;
    }

    /// Switch to incremental mode: every object white, no ages, no remembered objects; the
    /// next incremental cycle starts from the pause.
    pub(crate) fn enter_inc(&mut self) {
        if !self.generational {
            return;
        }
        self.whiten_all();
        self.generational = false;
        self.young_end = [None; 2];
        self.remembered.clear();
        self.log.clear();
        self.gen_bad_live = 0;
        self.gen_request = GenRequest::Auto;
    }

    /// A generational step: one whole collection, then the finalizers it scheduled (one per
    /// call, as in incremental mode's CallFin phase).
    pub(super) fn gen_step(&mut self, roots: &dyn Fn(&mut Marker)) -> StepResult {
        if self.phase == Phase::Pause {
            self.gen_collect(roots);
            self.phase = Phase::CallFin;
        }
        debug_assert_eq!(self.phase, Phase::CallFin);
        if let Some(v) = self.next_finalizer() {
            return StepResult::Finalize(v);
        }
        self.phase = Phase::Pause;
        self.collections += 1;
        self.set_pause();
        StepResult::Done
    }

    /// Ask for the kind of the next collection (`Auto` leaves the choice to the pacing).
    pub(crate) fn request_gen(&mut self, r: GenRequest) {
        self.gen_request = r;
    }

    /// Would an `Auto` collection run now if `extra` more bytes were allocated?
    pub(crate) fn gen_due_after(&self, extra: usize) -> bool {
        self.allocated.saturating_add(extra) >= self.threshold
    }

    fn gen_collect(&mut self, roots: &dyn Fn(&mut Marker)) {
        let req = std::mem::replace(&mut self.gen_request, GenRequest::Auto);
        let base = self.estimate;
        let inc = (base / 100).saturating_mul(self.genmajormul);
        let major = match req {
            GenRequest::Major => true,
            GenRequest::Minor => false,
            GenRequest::Auto => self.gen_bad_live != 0 || self.allocated > base.saturating_add(inc),
        };
        if !major {
            self.minor(roots);
            return;
        }
        self.major(roots);
        if req == GenRequest::Major {
            return; // an explicit collection does not judge the pacing
        }
        let live = self.allocated;
        if self.gen_bad_live != 0 {
            if live < self.gen_bad_live + self.gen_bad_live / 8 {
                self.gen_bad_live = 0; // the heap stopped growing: back to minor collections
            } else {
                self.gen_bad_live = live.max(1);
            }
        } else if live >= base + inc / 2 {
            self.gen_bad_live = live.max(1);
        }
    }

    /// A minor collection: mark from the roots, the touched and remembered old objects and
    /// every old thread; free unreached young objects; age the survivors.
    fn minor(&mut self, roots: &dyn Fn(&mut Marker)) {
        if self.verify {
            verify::check_generational(self);
        }
        self.minor_collections += 1;
        self.proto_epoch = self.proto_epoch.wrapping_add(1);
        self.gray.clear();
        self.grayagain.clear();
        self.weak.clear();
        let mut touched = self.log.take();
        let mut m = self.marker();
        for &h in touched.iter().chain(&self.remembered) {
            m.regray(h);
        }
        // Touched objects may now point to survivors: keep them for the next collection.
        // (Strings have no children and are never logged; threads are traversed anyway.)
        // Both vectors keep their buffers from collection to collection instead of growing
        // from empty (reallocations that made glibc consolidate its free lists each time).
        self.remembered.clear();
        self.remembered.extend_from_slice(&touched);
        touched.clear();
        self.log.recycle(touched);
        for t in &self.threads {
            if t.header().marked.get() & OLD != 0 {
                m.regray(t.header_ptr());
            }
        }
        self.put_marker(m);
        self.gray_pending_finalization();
        self.mark_atomic(roots, self.young_end[FINOBJ_LIST]);
        if self.verify {
            verify::check(self, "atomic");
        }
        self.current_white = self.other_white();
        self.sweep_young(ALLGC);
        self.sweep_young(FINOBJ_LIST);
        // Objects being finalized were all reached (resurrected): age them too.
        let mut cur = self.lists[TOBEFNZ];
        while let Some(h) = cur {
            // SAFETY: list nodes are live boxes.
            let hdr = unsafe { h.as_ref() };
            cur = hdr.next.get();
            if hdr.marked.get() & OLD == 0 {
                self.age_survivor(h);
            }
        }
        // (No check here: the next minor collection starts with one, which also checks that
        // every reference is valid.)
    }

    /// Sweep the young prefix of list `l`: free dead objects, age the others; then move the
    /// prefix's end to just after its last young object.
    fn sweep_young(&mut self, l: usize) {
        let end = self.young_end[l];
        let mut prev: Option<NonNull<GcHeader>> = None;
        let mut last_young: Option<NonNull<GcHeader>> = None;
        let mut cur = self.lists[l];
        while let Some(h) = cur {
            if Some(h) == end {
                break;
            }
            // SAFETY: list nodes are live boxes.
            let hdr = unsafe { h.as_ref() };
            let next = hdr.next.get();
            let marked = hdr.marked.get();
            if marked & OLD != 0 {
                // An old object moved to the head of the list.
                prev = Some(h);
            } else if self.is_dead(hdr) {
                match prev {
                    // SAFETY: prev is a live node.
                    Some(p) => unsafe { p.as_ref() }.next.set(next),
                    None => self.lists[l] = next,
                }
                self.release(h);
            } else {
                if !self.age_survivor(h) {
                    last_young = Some(h);
                }
                prev = Some(h);
            }
            cur = next;
        }
        self.young_end[l] = match last_young {
            // SAFETY: a live node (survivors are not freed).
            Some(h) => unsafe { h.as_ref() }.next.get(),
            None => self.lists[l],
        };
    }

    /// A reached young object survives a minor collection: a new one becomes a survivor
    /// (white again, barrier off); a survivor becomes old (black, barrier armed by its
    /// traversal) and is remembered. Returns true if it became old.
    fn age_survivor(&mut self, h: NonNull<GcHeader>) -> bool {
        // SAFETY: a live object.
        let hdr = unsafe { h.as_ref() };
        let marked = hdr.marked.get();
        if marked & SURVIVED != 0 {
            hdr.marked
                .set((marked & !(SURVIVED | WHITES)) | OLD | BLACK);
            if !matches!(hdr.kind, Kind::Str | Kind::Thread) {
                self.remembered.push(h);
            }
            true
        } else {
            hdr.marked
                .set((marked & !(WHITES | BLACK)) | SURVIVED | self.current_white);
            // SAFETY: a live object; its kind names its payload.
            unsafe { clear_barrier(h) };
            false
        }
    }

    /// A major collection: the whole heap, from white; every survivor becomes old.
    fn major(&mut self, roots: &dyn Fn(&mut Marker)) {
        self.major_collections += 1;
        self.whiten_all();
        self.log.clear();
        self.remembered.clear();
        self.proto_epoch = self.proto_epoch.wrapping_add(1);
        self.gray.clear();
        self.grayagain.clear();
        self.weak.clear();
        self.gray_pending_finalization();
        self.mark_atomic(roots, None);
        if self.verify {
            verify::check(self, "atomic");
        }
        self.current_white = self.other_white();
        for l in [ALLGC, FINOBJ_LIST, TOBEFNZ] {
            let mut prev: Option<NonNull<GcHeader>> = None;
            let mut cur = self.lists[l];
            while let Some(h) = cur {
                // SAFETY: list nodes are live boxes.
                let hdr = unsafe { h.as_ref() };
                let next = hdr.next.get();
                if self.is_dead(hdr) {
                    match prev {
                        // SAFETY: prev is a live node.
                        Some(p) => unsafe { p.as_ref() }.next.set(next),
                        None => self.lists[l] = next,
                    }
                    self.release(h);
                } else {
                    // Reached, so black (and its barrier armed by the traversal).
                    hdr.marked
                        .set((hdr.marked.get() & !(WHITES | SURVIVED)) | OLD | BLACK);
                    prev = Some(h);
                }
                cur = next;
            }
        }
        self.young_end = [self.lists[ALLGC], self.lists[FINOBJ_LIST]];
        self.estimate = self.allocated;
        if self.verify {
            verify::check(self, "major collection");
        }
    }

    /// Objects still waiting for their finalizer (normally none: a collection starts only
    /// after the previous one's finalizers ran) are live, with all they refer to.
    fn gray_pending_finalization(&mut self) {
        let mut cur = self.lists[TOBEFNZ];
        while let Some(h) = cur {
            // SAFETY: list nodes are live boxes.
            cur = unsafe { h.as_ref() }.next.get();
            self.gray.push(h);
            // SAFETY: as above.
            let hdr = unsafe { h.as_ref() };
            hdr.marked.set(hdr.marked.get() & !(WHITES | BLACK));
        }
    }

    /// Every object white and young, every barrier off.
    fn whiten_all(&mut self) {
        let cw = self.current_white;
        for l in [ALLGC, FINOBJ_LIST, TOBEFNZ] {
            let mut cur = self.lists[l];
            while let Some(h) = cur {
                // SAFETY: list nodes are live boxes.
                let hdr = unsafe { h.as_ref() };
                hdr.marked
                    .set((hdr.marked.get() & !(WHITES | BLACK | OLD | SURVIVED)) | cw);
                // SAFETY: as above; the kind names the payload.
                unsafe { clear_barrier(h) };
                cur = hdr.next.get();
            }
        }
    }
}
