//! Recording table accesses and upvalues: `t[k]` reads and writes with `__index` chains of
//! tables, `#`, table constructors, globals, upvalue reads and writes.
//!
//! Table reads specialise on where the key was found:
//! - an integer key inside the array bound (`limit`): a bounds guard and an `AREF`;
//! - a short string key present in the hash part: the node count is guarded and `HREFK`
//!   guards that the node the key was found in still holds it (LuaJIT's HREFK);
//! - anything else: a lookup helper (`TGETINT`/`TGETSTR`) that returns where the value
//!   lives, or a shared nil.
//!
//! An absent key (nil) with a metatable guards only that there is one and looks up its
//! `__index` field like any string key (by the metatable's shape, so objects that each have
//! their own `{__index = Class}` share a trace), then continues with that table. Writes follow PUC's fast path: a store to a
//! present non-nil entry needs no metatable check; otherwise the metatable must be absent
//! (guarded) or have no `__newindex` (looked up by its shape).
//!
//! Upvalues: an open upvalue that points into the trace's own stack slots is that slot (a
//! guard checks the address), so the trace and the upvalue see the same value; any other
//! upvalue is read and written through its value pointer, guarded to stay outside the
//! trace's slots.

use crate::abort::{Abort, Reason, RecResult};
use crate::ir::{Field, Op, Ref, Ty};
use crate::loop_opt::{abc_hoisted, ABC_ENTRY};
use crate::record::{MetaRet, Opnd, Recorder};
use lua_core::gc::Gc;
use lua_core::opcodes::Instr;
use lua_core::table::Table;
use lua_core::tm::Tm;
use lua_core::{State, Value};

/// Iterations a loop must have left when recorded for its bound checks to be hoisted.
const MIN_HOIST_COUNT: u64 = 16;

/// The largest array part a SETLIST may give a table the trace creates.
const MAX_SETLIST_GROW: usize = 1024;

/// Where an upvalue's value lives, as the trace sees it.
enum UpLoc {
    Slot(i32),
    Mem(Ref),
}

impl Recorder {
    /// The current value of upvalue `i` of the current function.
    pub fn upval_value(&self, i: usize) -> Value {
        self.frame().closure.upval(i).get()
    }

    fn upval_loc(&mut self, st: &State, i: usize) -> RecResult<UpLoc> {
        let fn_ref = self.frame_fn(st)?;
        let f = self.frame().clone();
        let uv = f.closure.upval(i);
        let uvr = self.emit(Op::UpRef, Ty::Ptr, fn_ref, Ref::NONE, i as i64)?;
        let addr = self.emit(Op::UpAddr, Ty::Ptr, uvr, Ref::NONE, 0)?;
        // The trace's slots run from the bottom frame's function slot (below 0 after a
        // return out of the base frame) to the current frame's limit.
        let p = uv.v.get() as isize;
        let base = st.ts().stack.as_ptr() as isize + self.base_abs as isize * 16;
        let lo = self.frames[0].func.min(0);
        if p >= base + 16 * lo as isize && p < base + 16 * f.limit as isize {
            let s = ((p - base) / 16) as i32;
            self.guard(Op::UpInFrame, Ty::Ptr, addr, Ref::NONE, s as i64)?;
            return Ok(UpLoc::Slot(s));
        }
        self.guard(Op::UpOutFrame, Ty::Ptr, addr, Ref::NONE, lo as i64)?;
        Ok(UpLoc::Mem(addr))
    }

    pub fn upval_get(&mut self, st: &State, i: usize) -> RecResult<Ref> {
        match self.upval_loc(st, i)? {
            UpLoc::Slot(s) => self.slot(st, s),
            UpLoc::Mem(addr) => {
                let ty = Ty::of_value(&self.upval_value(i));
                self.guard(Op::VLoad, ty, addr, Ref::NONE, 0)
            }
        }
    }

    pub fn upval_set(&mut self, st: &State, i: usize, v: Opnd) -> RecResult<()> {
        match self.upval_loc(st, i)? {
            UpLoc::Slot(s) => self.set_slot(s, v.r),
            UpLoc::Mem(addr) => {
                let ty = self.em.ir.ty(v.r);
                self.emit(Op::VStore, ty, addr, v.r, 0)?;
                if ty.is_gc() {
                    let uvr = self.em.ir.get(addr).a;
                    self.emit(Op::Barrier, Ty::Void, uvr, Ref::NONE, 1)?;
                }
            }
        }
        Ok(())
    }

    // ----- reads -----

    /// `t[key]` with `__index` chains of tables. Returns the value's IR, or None when an
    /// `__index` function was called (inlined): its return does `ret`.
    pub fn index(
        &mut self,
        st: &mut State,
        t: Opnd,
        key: Opnd,
        ret: MetaRet,
    ) -> RecResult<Option<Ref>> {
        let mut obj = t;
        for _ in 0..16 {
            // Follow __index: a table, or a function called (inlined) with (t, key).
            let (h, href) = match obj.v {
                Value::Table(tab) => {
                    let (loc, found) = self.raw_get(st, obj.r, tab, key)?;
                    if !found.is_nil() {
                        let ptr = loc.expect("a present key has a location");
                        let v = self.guard(Op::VLoad, Ty::of_value(&found), ptr, Ref::NONE, 0)?;
                        return Ok(Some(v));
                    }
                    if let Some(ptr) = loc {
                        self.guard(Op::VLoad, Ty::Nil, ptr, Ref::NONE, 0)?;
                    }
                    match self.table_meta_field(st, obj.r, tab, Tm::Index)? {
                        None => return Ok(Some(self.em.ir.knil())),
                        Some(field) => field,
                    }
                }
                Value::Str(_) => {
                    // Strings index their type metatable (the string library), guarded
                    // by identity.
                    let mt = st.type_meta[lua_core::layout::TAG_STR as usize];
                    let slot = &st.type_meta[lua_core::layout::TAG_STR as usize]
                        as *const Option<Gc<Table>> as usize;
                    let p = self.em.ir.kptr(slot);
                    let mref = self.emit(Op::FLoad, Ty::Ptr, p, Ref::NONE, Field::Raw as i64)?;
                    self.guard_meta(mref, mt)?;
                    let Some(mt) = mt else {
                        return Err(Abort::with(Reason::NyiType, "index"));
                    };
                    let mr = self.konst(Value::Table(mt));
                    self.meta_field_in(st, mr, mt, Tm::Index)?
                }
                _ => return Err(Abort::with(Reason::NyiType, "index")),
            };
            match h {
                Value::Nil => return Ok(Some(self.em.ir.knil())),
                Value::Table(_) => {
                    obj = Opnd { r: href, v: h };
                }
                Value::LuaFn(_) => {
                    self.call_meta(st, Opnd { r: href, v: h }, &[obj.r, key.r], ret)?;
                    return Ok(None);
                }
                _ => return Err(Abort::with(Reason::NyiMeta, "__index")),
            }
        }
        Err(Abort::with(Reason::NyiMeta, "__index chain"))
    }

    /// Guard that the metatable loaded as `mref` is `mt` (or that there is none).
    pub fn guard_meta(&mut self, mref: Ref, mt: Option<Gc<Table>>) -> RecResult<()> {
        let k = match mt {
            None => self.em.ir.kptr(0),
            Some(mt) => {
                self.konst(Value::Table(mt));
                self.em.ir.kptr(mt.addr())
            }
        };
        self.guard(Op::Eq, Ty::Ptr, mref, k, 0)?;
        Ok(())
    }

    /// The field for event `tm` of the metatable of table `t` (IR `tref`), found by the
    /// metatable's shape rather than its identity: only its presence is guarded, so objects
    /// that each have their own metatable of one shape (`{__index = Class}`) share one
    /// trace. None when `t` has no metatable (guarded).
    pub fn table_meta_field(
        &mut self,
        st: &mut State,
        tref: Ref,
        t: Gc<Table>,
        tm: Tm,
    ) -> RecResult<Option<(Value, Ref)>> {
        let mref = self.emit(Op::FLoad, Ty::Ptr, tref, Ref::NONE, Field::TabMeta as i64)?;
        let Some(mt) = t.metatable() else {
            self.guard_meta(mref, None)?;
            return Ok(None);
        };
        let null = self.em.ir.kptr(0);
        self.guard(Op::Ne, Ty::Ptr, mref, null, 0)?;
        self.meta_field_in(st, mref, mt, tm).map(Some)
    }

    /// The field for event `tm` of metatable `mt`, whose IR is `mr` (a constant when its
    /// identity is guarded, else a loaded pointer: the lookup then guards its shape).
    fn meta_field_in(
        &mut self,
        st: &mut State,
        mr: Ref,
        mt: Gc<Table>,
        tm: Tm,
    ) -> RecResult<(Value, Ref)> {
        if (tm as usize) < lua_core::tm::TM_CACHED && st.tm_of_table(mt, tm).is_nil() {
            // Absent, and now cached as absent in the metatable's flags (as the interpreter's
            // lookup would do): one bit test, which stores into other tables leave valid,
            // stands for the lookup.
            let flags = self.emit(Op::FLoad, Ty::Int, mr, Ref::NONE, Field::TabFlags as i64)?;
            let bit = self.em.ir.kint(1 << tm as u32);
            let b = self.emit(Op::BAnd, Ty::Int, flags, bit, 0)?;
            let zero = self.em.ir.kint(0);
            self.guard(Op::Ne, Ty::Int, b, zero, 0)?;
            return Ok((Value::Nil, self.em.ir.knil()));
        }
        let name = st.tm_name(tm);
        let key = Opnd {
            r: self.konst(Value::Str(name)),
            v: Value::Str(name),
        };
        let (loc, v) = self.raw_get(st, mr, mt, key)?;
        let r = match loc {
            Some(ptr) => self.guard(Op::VLoad, Ty::of_value(&v), ptr, Ref::NONE, 0)?,
            None => self.em.ir.knil(),
        };
        Ok((v, r))
    }

    /// Where `key` lives in table `tab` (IR `tref`), as IR, and its current value. `None`:
    /// the key is certainly absent (proven by guards).
    fn raw_get(
        &mut self,
        st: &State,
        tref: Ref,
        tab: Gc<Table>,
        key: Opnd,
    ) -> RecResult<(Option<Ref>, Value)> {
        match key.v {
            Value::Int(k) => self.raw_get_int(st, tref, tab, key.r, k),
            Value::Float(f) => match lua_core::number::float_to_int_exact(f) {
                Some(k) => {
                    let kr = self.guard(Op::NToI, Ty::Int, key.r, Ref::NONE, 0)?;
                    self.raw_get_int(st, tref, tab, kr, k)
                }
                None => Err(Abort::with(Reason::NyiKey, "float")),
            },
            Value::Str(s) if s.is_short() => self.raw_get_str(tref, tab, key.r, s),
            ref v => Err(Abort::with(Reason::NyiKey, v.type_name())),
        }
    }

    fn raw_get_int(
        &mut self,
        st: &State,
        tref: Ref,
        tab: Gc<Table>,
        kr: Ref,
        k: i64,
    ) -> RecResult<(Option<Ref>, Value)> {
        if (k as u64).wrapping_sub(1) < tab.limit() as u64 {
            let p = self.array_slot(st, tref, tab, kr)?;
            return Ok((Some(p), tab.get_int(k)));
        }
        let p = self.emit(Op::TGetInt, Ty::Ptr, tref, kr, 0)?;
        Ok((Some(p), tab.get_int(k)))
    }

    /// The address of array slot `kr` of table `tref`, guarded to be inside the bound.
    fn array_slot(&mut self, st: &State, tref: Ref, tab: Gc<Table>, kr: Ref) -> RecResult<Ref> {
        let addr = tab.addr();
        if !tref.is_const() && !self.array_tabs.contains(&(tref, addr)) {
            self.array_tabs.push((tref, addr));
        }
        let lim = self.emit(Op::FLoad, Ty::Int, tref, Ref::NONE, Field::TabLimit as i64)?;
        let m1 = self.em.ir.kint(-1);
        let idx = self.emit(Op::Add, Ty::Int, kr, m1, 0)?;
        let role = self.hoist_bound_check(st, kr, lim, tab)?;
        self.guard(Op::ULt, Ty::Int, idx, lim, role)?;
        let arr = self.emit(Op::FLoad, Ty::Ptr, tref, Ref::NONE, Field::TabArray as i64)?;
        self.emit(Op::ARef, Ty::Ptr, arr, kr, 0)
    }

    /// In a root trace's recorded iteration, a key that is the loop variable of the trace's
    /// numeric `for` loop (as it entered, plus a constant) has its bound checked once for
    /// the whole loop: guard that the first and the last key the loop body can use are in
    /// the array part (when they are now), and return the k that lets loop peeling drop the
    /// key's own check from the body (`loop_opt`'s module doc); else 0.
    fn hoist_bound_check(
        &mut self,
        st: &State,
        kr: Ref,
        lim: Ref,
        tab: Gc<Table>,
    ) -> RecResult<i64> {
        if self.side.is_some() || self.frames.len() != 1 || self.em.ir.loop_start.is_some() {
            return Ok(0);
        }
        let code = &self.frame().closure.proto.code;
        let prep = match self.start_pc.checked_sub(1) {
            Some(p) if code[p].op() == lua_core::opcodes::Op::ForPrep => code[p],
            _ => return Ok(0),
        };
        let a = self.frame().base + prep.a() as i32;
        // The key: the loop variable as the trace entered, plus a constant.
        if kr.is_const() {
            return Ok(0);
        }
        let ir = &self.em.ir;
        let i = ir.get(kr);
        let (v, ofs) = match ir.as_kint(i.b) {
            Some(k) if i.op == Op::Add => (i.a, k),
            _ => (kr, 0),
        };
        if !ir.is_entry_sload(v, a + 3) {
            return Ok(0);
        }
        let (Value::Int(i0), Value::Int(c0)) = (self.rt(st, a), self.rt(st, a + 1)) else {
            return Ok(0);
        };
        // The body's keys are i0+1+ofs ..= i0+c0+ofs (the count is unsigned). The checks
        // cost the preamble, which runs again at every link into the trace: a loop with few
        // iterations left when it was recorded keeps its checks in the body.
        let first = i0 as i128 + 1 + ofs as i128;
        let last = i0 as i128 + c0 as u64 as i128 + ofs as i128;
        if first < 1 || last > tab.limit() as i128 || (c0 as u64) < MIN_HOIST_COUNT {
            return Ok(0);
        }
        let (idx, count) = (self.reg(st, prep.a())?, self.reg(st, prep.a() + 1)?);
        if !self.em.ir.is_entry_sload(idx.r, a) || !self.em.ir.is_entry_sload(count.r, a + 1) {
            return Ok(0);
        }
        let k = self.em.ir.kint(ofs);
        let lo = self.emit(Op::Add, Ty::Int, idx.r, k, 0)?;
        self.guard(Op::ULt, Ty::Int, lo, lim, ABC_ENTRY)?;
        let sum = self.emit(Op::Add, Ty::Int, idx.r, count.r, 0)?;
        let k = self.em.ir.kint(ofs.wrapping_sub(1));
        let hi = self.emit(Op::Add, Ty::Int, sum, k, 0)?;
        self.guard(Op::ULt, Ty::Int, hi, lim, ABC_ENTRY)?;
        Ok(abc_hoisted(a))
    }

    fn raw_get_str(
        &mut self,
        tref: Ref,
        tab: Gc<Table>,
        kr: Ref,
        s: Gc<lua_core::object::LuaStr>,
    ) -> RecResult<(Option<Ref>, Value)> {
        let nlen = self.emit(
            Op::FLoad,
            Ty::Int,
            tref,
            Ref::NONE,
            Field::TabNodeLen as i64,
        )?;
        match tab.jit_find_str(s) {
            // A key that is not a constant is looked up (HREFK guards a constant key).
            Some(_) if !kr.is_const() => {
                let p = self.emit(Op::TGetStr, Ty::Ptr, tref, kr, 0)?;
                Ok((Some(p), tab.get_str(s)))
            }
            Some(n) => {
                let kl = self.em.ir.kint(tab.hash_len() as i64);
                self.guard(Op::Eq, Ty::Int, nlen, kl, 0)?;
                let nodes =
                    self.emit(Op::FLoad, Ty::Ptr, tref, Ref::NONE, Field::TabNode as i64)?;
                let p = self.guard(Op::HRefK, Ty::Ptr, nodes, kr, n as i64)?;
                Ok((Some(p), tab.get_str(s)))
            }
            None if tab.hash_len() == 0 => {
                let z = self.em.ir.kint(0);
                self.guard(Op::Eq, Ty::Int, nlen, z, 0)?;
                Ok((None, Value::Nil))
            }
            None => {
                // (A constant short key is looked up inline: the backend walks its chain.)
                let k = if kr.is_const() && s.is_short() {
                    1 << 32 | s.hash() as i64
                } else {
                    0
                };
                let p = self.emit(Op::TGetStr, Ty::Ptr, tref, kr, k)?;
                Ok((Some(p), Value::Nil))
            }
        }
    }

    // ----- writes -----

    /// `t[key] = v` (raw, or after proving no `__newindex` applies). Every guard comes
    /// before the first write: a failing guard leaves the table as it was.
    pub fn newindex(&mut self, st: &mut State, t: Opnd, key: Opnd, v: Opnd) -> RecResult<()> {
        let Value::Table(tab) = t.v else {
            return Err(Abort::with(Reason::NyiType, "newindex"));
        };
        let vty = self.em.ir.ty(v.r);
        // Where the value goes.
        enum Dest {
            /// A slot found now (address IR).
            Slot(Ref),
            /// A present key's node, found by the lookup helper and guarded to hold a value
            /// still (the helper gives a shared nil for an absent key, never to be written).
            Found(Ref),
            /// A key to insert.
            Insert,
            /// An integer key with no value yet, within the array part or just past it (an
            /// append): ASLOT finds its slot, growing the array when it must.
            Grow,
        }
        let lookup = if matches!(key.v, Value::Int(_)) {
            Op::TGetInt
        } else {
            Op::TGetStr
        };
        // (Integer keys in the hash part and string keys that are not constants.)
        let mut found = || -> RecResult<Dest> {
            let p = self.emit(lookup, Ty::Ptr, t.r, key.r, 0)?;
            self.guard(Op::NotNil, Ty::Void, p, Ref::NONE, 0)?;
            Ok(Dest::Found(p))
        };
        let (dest, old, string_key) = match key.v {
            // (A store of nil is no append: it must not create the key.)
            Value::Int(k)
                if vty != Ty::Nil
                    && (k as u64).wrapping_sub(1) <= tab.limit() as u64
                    && tab.get_int(k).is_nil() =>
            {
                (Dest::Grow, Value::Nil, false)
            }
            Value::Int(k) if (k as u64).wrapping_sub(1) < tab.limit() as u64 => {
                let p = self.array_slot(st, t.r, tab, key.r)?;
                (Dest::Slot(p), tab.get_int(k), false)
            }
            Value::Int(k) if !tab.get_int(k).is_nil() => (found()?, tab.get_int(k), false),
            Value::Int(k) => (Dest::Insert, tab.get_int(k), false),
            Value::Str(s) if s.is_short() && !key.r.is_const() && !tab.get_str(s).is_nil() => {
                (found()?, tab.get_str(s), true)
            }
            Value::Str(s) if s.is_short() && !key.r.is_const() => (Dest::Insert, Value::Nil, true),
            Value::Str(s) if s.is_short() => match tab.jit_find_str(s) {
                Some(_) => {
                    let (loc, old) = self.raw_get_str(t.r, tab, key.r, s)?;
                    (Dest::Slot(loc.expect("present")), old, true)
                }
                None => (Dest::Insert, Value::Nil, true),
            },
            ref k => return Err(Abort::with(Reason::NyiKey, k.type_name())),
        };
        // Metamethods: none for a present non-nil entry (PUC's fast path); else the
        // metatable must be absent or have no __newindex.
        let mut checked_present = false;
        match (&dest, tab.metatable()) {
            (Dest::Found(_), Some(_)) => checked_present = true,
            (Dest::Slot(p), Some(_)) if !old.is_nil() => {
                self.guard(Op::NotNil, Ty::Void, *p, Ref::NONE, 0)?;
                checked_present = true;
            }
            _ => {
                if let Some((h, href)) = self.table_meta_field(st, t.r, tab, Tm::NewIndex)? {
                    match h {
                        Value::Nil => {}
                        Value::LuaFn(_) => {
                            // The key is absent (or nil): __newindex(t, key, v) runs instead.
                            // Guard that it still is.
                            let p = match dest {
                                Dest::Slot(p) | Dest::Found(p) => p,
                                Dest::Insert | Dest::Grow => {
                                    self.emit(lookup, Ty::Ptr, t.r, key.r, 0)?
                                }
                            };
                            self.guard(Op::VLoad, Ty::Nil, p, Ref::NONE, 0)?;
                            let f = Opnd { r: href, v: h };
                            self.call_meta(st, f, &[t.r, key.r, v.r], MetaRet::Drop)?;
                            return Ok(());
                        }
                        _ => return Err(Abort::with(Reason::NyiMeta, "__newindex")),
                    }
                }
            }
        }
        // The writes. Nil stored to an absent key is no write at all (no key is created):
        // guard that the key is still absent (or nil).
        if matches!(dest, Dest::Insert) && vty == Ty::Nil {
            let p = self.emit(lookup, Ty::Ptr, t.r, key.r, 0)?;
            self.guard(Op::VLoad, Ty::Nil, p, Ref::NONE, 0)?;
            return Ok(());
        }
        if matches!(dest, Dest::Grow) {
            self.disambiguate(t.r, tab)?;
        }
        let (ptr, inserted) = match dest {
            Dest::Slot(p) | Dest::Found(p) => (p, false),
            Dest::Insert => (self.guard(Op::NewRef, Ty::Ptr, t.r, key.r, 0)?, true),
            Dest::Grow => (self.guard(Op::ASlot, Ty::Ptr, t.r, key.r, 0)?, false),
        };
        self.emit(Op::VStore, vty, ptr, v.r, 0)?;
        if vty.is_gc() {
            self.emit(Op::Barrier, Ty::Void, t.r, Ref::NONE, 0)?;
        }
        if string_key && !inserted && !checked_present {
            // A string-keyed store may revive a dead key: the absent-metamethod cache of
            // the table (if it is a metatable) is stale, as `Table::set_str` knows.
            let z = self.em.ir.kint(0);
            self.emit(Op::FStore, Ty::Int, t.r, z, Field::TabFlags as i64)?;
        }
        Ok(())
    }

    /// Before an append that may grow the array of table `tref` (`tab`): guard that it is
    /// none of the other tables whose array part the trace reads (those that are not it
    /// now), so that their bound and array loads may pass the store. In a loop over
    /// invariant tables the guards run once, before the loop.
    fn disambiguate(&mut self, tref: Ref, tab: Gc<Table>) -> RecResult<()> {
        if tref.is_const() {
            return Ok(());
        }
        let addr = tab.addr();
        for i in 0..self.array_tabs.len() {
            let (u, uaddr) = self.array_tabs[i];
            if u != tref && uaddr != addr && !self.em.tabs_differ(tref, u) {
                self.guard(Op::Ne, Ty::Tab, tref, u, 0)?;
            }
        }
        Ok(())
    }

    // ----- length and constructors -----

    pub fn len(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        let v = self.reg(st, i.b())?;
        let r = match v.v {
            Value::Str(_) => self.emit(Op::FLoad, Ty::Int, v.r, Ref::NONE, Field::StrLen as i64)?,
            Value::Table(tab) => {
                if let Some((h, href)) = self.table_meta_field(st, v.r, tab, Tm::Len)? {
                    match h {
                        Value::Nil => {}
                        // __len(t, t), its first result to R[A].
                        Value::LuaFn(_) => {
                            let dest = MetaRet::Store(self.frame().base + i.a() as i32);
                            let f = Opnd { r: href, v: h };
                            return self.call_meta(st, f, &[v.r, v.r], dest);
                        }
                        _ => return Err(Abort::with(Reason::NyiMeta, "__len")),
                    }
                }
                self.emit(Op::TLen, Ty::Int, v.r, Ref::NONE, 0)?
            }
            _ => return Err(Abort::with(Reason::NyiType, "LEN")),
        };
        self.set_reg(i.a(), r);
        Ok(())
    }

    /// SETLIST into a table this trace just created with room in its array part.
    pub fn setlist(&mut self, st: &mut State, pc: usize, i: Instr) -> RecResult<()> {
        let _ = pc;
        if i.k() {
            return Err(Abort::with(Reason::NyiBytecode, "SETLIST (large)"));
        }
        let a = i.a();
        let n = if i.b() != 0 {
            i.b()
        } else {
            let top = self.top.ok_or(Reason::FrameMismatch)?;
            (top - (self.frame().base + a as i32) - 1) as usize
        };
        let t = self.reg(st, a)?;
        let tins = *self.em.ir.get(t.r);
        let narr = if !t.r.is_const() && tins.op == Op::TNew {
            (tins.k >> 32) as usize
        } else {
            0
        };
        let off = i.c();
        if off + n > narr {
            // A table this trace creates is made big enough from the start (`{...}` and
            // `{f()}` have a variable count, known to the trace): the interpreter grows
            // its array to exactly this size.
            if tins.op != Op::TNew || t.r.is_const() || off + n > MAX_SETLIST_GROW {
                return Err(Abort::with(Reason::NyiBytecode, "SETLIST"));
            }
            let k = ((off + n) as i64) << 32 | (tins.k & 0xffff_ffff);
            self.em.ir.ins[t.r.idx()].k = k;
        }
        let arr = self.emit(Op::FLoad, Ty::Ptr, t.r, Ref::NONE, Field::TabArray as i64)?;
        for j in 1..=n {
            let v = self.reg(st, a + j)?;
            let kr = self.em.ir.kint((off + j) as i64);
            let p = self.emit(Op::ARef, Ty::Ptr, arr, kr, 0)?;
            let ty = self.em.ir.ty(v.r);
            self.emit(Op::VStore, ty, p, v.r, 0)?;
        }
        Ok(())
    }
}
