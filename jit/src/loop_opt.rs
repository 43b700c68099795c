//! Loop optimisation by peeling: the recorded iteration becomes the preamble, and a copy of
//! it, re-emitted through the folding engine, becomes the loop body.
//!
//! The copy substitutes every instruction's operands with their copies; an `SLOAD` of a
//! slot's entry value is replaced by the slot's value at the end of the preamble (what the
//! next iteration starts with). A slot a call-out left in the stack (`CALLOUT` drops what
//! the trace knew of every slot) has no such value: its entry `SLOAD` becomes a load after
//! the `LOOP`, and an `SLOAD` after a call-out a load after the body's copy of it.
//! Re-emission does the rest: an instruction whose copy computes what the
//! preamble already computed (same op, same operands: it depends only on values that do not
//! change in the loop) CSEs to the preamble's instruction, so loop-invariant code and
//! redundant guards are left in the preamble and run once.
//!
//! A loop-body reference to a preamble value `r` whose copy differs (`subst[r] != r`) means
//! "the value `r` had in the previous iteration": a `PHI(r, subst[r])` makes the back-edge
//! move the new value into `r`'s place. Snapshots of loop-body guards start from the
//! loop-entry state (every slot the previous iteration changed) overridden by the copied
//! snapshot's own entries.
//!
//! Array bound checks of a counting loop's variable are hoisted (LuaJIT's invariant ABCs):
//! the recorder checks, in the preamble, the first and the last key the loop body can use
//! against the array bound (`ULT` guards with k = [`ABC_ENTRY`]), and marks the key's own
//! check with [`abc_hoisted`]. The copy drops the entry checks, and the key's check too
//! when the bound is loop-invariant and the loop is the counting loop the recorder assumed
//! (its index and count step by +1 and -1 from their entry values, see `counts_by_one`).
//!
//! Invariants: the loop body only refers to preamble values through invariants or PHIs;
//! a PHI's two operands have the same type (else the loop is type-unstable and the
//! recording aborts).

use crate::abort::{Reason, RecResult};
use crate::fold::{Emitted, Emitter};
use crate::ir::{Ins, Op, Ref, Snapshot, Ty};

/// k of a preamble-only `ULT` bound check (see the module doc).
pub const ABC_ENTRY: i64 = 1;

/// k of the bound check of a key that is the loop variable of the numeric `for` loop whose
/// control slots start at `a` (see the module doc).
pub fn abc_hoisted(a: i32) -> i64 {
    2 + ((a as i64) << 8)
}

/// Do the recorded iteration's slot values say the loop is a numeric `for` loop with
/// control slots from `a`, stepping by one: the index (and the visible copy) becomes its
/// entry value plus 1, and the count its entry value minus 1 (so the body runs with the
/// index entry+1 ... entry+count)?
fn counts_by_one(em: &Emitter, slot_end: &SlotMap, a: i32) -> bool {
    let steps = |slot: i32, by: i64| -> bool {
        let Some(&v) = slot_end.get(&slot) else {
            return false;
        };
        if v.is_const() {
            return false;
        }
        let i = em.ir.get(v);
        i.op == Op::Add && em.ir.as_kint(i.b) == Some(by) && em.ir.is_entry_sload(i.a, slot)
    };
    steps(a, 1) && steps(a + 1, -1) && slot_end.get(&a) == slot_end.get(&(a + 3))
}

/// Peel the recorded loop in `em`; `end_slots` are the slot values at the end of the
/// recorded iteration (the state the next one starts with).
pub fn peel(em: &mut Emitter, end_slots: &[(i32, Ref)]) -> RecResult<()> {
    let n = em.ir.ins.len();
    let nsnaps = em.ir.snaps.len();
    let first_callout = em.ir.ins[..n].iter().position(|i| i.op == Op::CallOut);
    let calls_out = first_callout.is_some();
    let no_slots = SlotMap::default();
    let slot_end = SlotMap::new(end_slots);
    let lp = match em.emit(Ins::new(Op::Loop, Ty::Void, Ref::NONE, Ref::NONE, 0)) {
        Emitted::Ref(r) => r.idx(),
        Emitted::Fail => return Err(Reason::GuardFail.into()),
    };
    let mut subst: Vec<Ref> = (0..n).map(Ref::ins).collect();
    let mut snapmap: Vec<Option<u32>> = vec![None; nsnaps];
    let sub = |subst: &[Ref], r: Ref| -> Ref {
        if r.is_const() || r.is_none() {
            r
        } else {
            subst[r.idx()]
        }
    };
    for r in 1..n {
        let ins = em.ir.ins[r];
        match ins.op {
            Op::Nop | Op::FnRoot | Op::NExtra => continue,
            Op::SLoad if ins.after() == 0 => {
                if let Some(&v) = slot_end.get(&ins.slot()) {
                    if em.ir.ty(v) != ins.ty {
                        return Err(Reason::TypeInstable.into());
                    }
                    subst[r] = v;
                    continue;
                }
                if !calls_out {
                    continue;
                }
            }
            _ => {}
        }
        let mut c = ins;
        if ins.op == Op::ULt && ins.k != 0 {
            // A hoisted bound check (module doc).
            let invariant = |r: Ref| r.is_const() || sub(&subst, r).idx() < lp;
            if ins.k == ABC_ENTRY
                || (invariant(ins.b) && counts_by_one(em, &slot_end, (ins.k >> 8) as i32))
            {
                continue;
            }
        }
        if ins.op == Op::SLoad {
            let after = match ins.after() {
                0 => lp,
                a => subst[a].idx(),
            };
            c.k = Ins::sload_k(ins.slot(), after);
        }
        c.a = sub(&subst, ins.a);
        c.b = sub(&subst, ins.b);
        if ins.op.is_guard() {
            let s = ins.snap as usize;
            c.snap = match snapmap[s] {
                Some(x) => x,
                None => {
                    // (After a call-out, the stack holds what the previous iteration left
                    // in its slots.)
                    let entry = match first_callout {
                        Some(c) if r > c => &no_slots,
                        _ => &slot_end,
                    };
                    let copy = copy_snapshot(&em.ir.snaps[s], entry, &subst);
                    em.ir.snaps.push(copy);
                    let x = em.ir.snaps.len() as u32 - 1;
                    snapmap[s] = Some(x);
                    x
                }
            };
        }
        match em.emit(c) {
            Emitted::Ref(x) => subst[r] = x,
            Emitted::Fail => return Err(Reason::GuardFail.into()),
        }
    }
    add_phis(em, lp, n, &subst)
}

/// Stack slots and their values, sorted by slot (a later pair for the same slot wins).
#[derive(Default)]
struct SlotMap(Vec<(i32, Ref)>);

impl SlotMap {
    fn new(pairs: &[(i32, Ref)]) -> SlotMap {
        let mut v = pairs.to_vec();
        // (Stable: the last of equal slots stays last; keep that one.)
        v.sort_by_key(|e| e.0);
        let mut out: Vec<(i32, Ref)> = Vec::with_capacity(v.len());
        for e in v {
            match out.last_mut() {
                Some(l) if l.0 == e.0 => *l = e,
                _ => out.push(e),
            }
        }
        SlotMap(out)
    }

    fn get(&self, slot: &i32) -> Option<&Ref> {
        let i = self.0.binary_search_by_key(slot, |e| e.0).ok()?;
        Some(&self.0[i].1)
    }
}

/// A loop-body copy of snapshot `sn`: the loop-entry state `slot_end` (empty after a
/// call-out), overridden by `sn`'s entries with their copies. (A merge of two sorted
/// lists: snapshot entries are in slot order.)
fn copy_snapshot(sn: &Snapshot, slot_end: &SlotMap, subst: &[Ref]) -> Snapshot {
    let copy = |r: Ref| if r.is_const() { r } else { subst[r.idx()] };
    let mut entries = Vec::with_capacity(slot_end.0.len() + sn.entries.len());
    if sn.entries.windows(2).all(|w| w[0].0 < w[1].0) {
        let mut base = slot_end.0.iter().peekable();
        for &(s, r) in &sn.entries {
            while let Some(&&(bs, br)) = base.peek() {
                if bs > s {
                    break;
                }
                base.next();
                if bs < s {
                    entries.push((bs, br));
                }
            }
            entries.push((s, copy(r)));
        }
        entries.extend(base.copied());
    } else {
        let mut m: std::collections::BTreeMap<i32, Ref> = slot_end.0.iter().copied().collect();
        for &(s, r) in &sn.entries {
            m.insert(s, copy(r));
        }
        entries.extend(m);
    }
    Snapshot {
        pc: sn.pc,
        entries,
        frames: sn.frames.clone(),
        top: sn.top,
        below: sn.below,
        root_tail: sn.root_tail,
    }
}

fn add_phis(em: &mut Emitter, lp: usize, n: usize, subst: &[Ref]) -> RecResult<()> {
    let is_pre = |r: Ref| !r.is_const() && !r.is_none() && r.idx() < n;
    let mut cand: Vec<Ref> = Vec::new();
    let mut seen = vec![false; n];
    let mut note = |r: Ref, cand: &mut Vec<Ref>| {
        if is_pre(r) && !seen[r.idx()] {
            seen[r.idx()] = true;
            cand.push(r);
        }
    };
    let mut in_body = vec![false; em.ir.snaps.len()];
    for i in em.ir.ins[lp..].iter().filter(|i| i.op.is_guard()) {
        in_body[i.snap as usize] = true;
    }
    let body_snaps = (0..in_body.len() as u32).filter(|&s| in_body[s as usize]);
    for ins in &em.ir.ins[lp..] {
        if ins.op.has_a() {
            note(ins.a, &mut cand);
        }
        if ins.op.has_b() {
            note(ins.b, &mut cand);
        }
    }
    for s in body_snaps {
        for &(_, r) in &em.ir.snaps[s as usize].entries {
            note(r, &mut cand);
        }
    }
    let mut phis = Vec::new();
    let mut i = 0;
    while i < cand.len() {
        let r = cand[i];
        i += 1;
        let x = subst[r.idx()];
        if x == r || x.is_none() {
            continue;
        }
        if em.ir.ty(r) != em.ir.ty(x) {
            return Err(Reason::TypeInstable.into());
        }
        phis.push((r, x));
        note(x, &mut cand);
    }
    for (r, x) in phis {
        let ty = em.ir.ty(r);
        em.ir.push(Ins::new(Op::Phi, ty, r, x, 0));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse;

    /// A counting loop: i = i + 1 while i < 100; the invariant load of slot 1 stays in the
    /// preamble, the counter gets a PHI.
    #[test]
    fn peel_counting_loop() {
        let src = "\
.... SNAP #0 pc=3 [ ]
0001 > int SLOAD #0
0002 > num SLOAD #1
0003   int ADD 0001 1
0004 > int LT 0003 100
0005   num MUL 0002 +2e0
";
        let mut em = Emitter::new(parse(src).unwrap());
        peel(&mut em, &[(0, Ref::ins(3)), (2, Ref::ins(5))]).unwrap();
        let out = em.ir.to_text();
        let expect = "\
.... SNAP #0 pc=3 [ ]
0001 > int SLOAD  #0
0002 > num SLOAD  #1
0003   int ADD    0001 1
0004 > int LT     0003 100
0005   num MUL    0002 +2e0
0006   --- LOOP
0007   int ADD    0003 1
.... SNAP #1 pc=3 [ 0:0003 2:0005 ]
0008 > int LT     0007 100
0009   int PHI    0003 0007
";
        assert_eq!(out, expect);
        crate::verify::verify(&em.ir).unwrap();
    }

    #[test]
    fn type_instability_aborts() {
        let src = "\
.... SNAP #0 pc=0 [ ]
0001 > int SLOAD #0
0002   num CONV 0001 $0
0003   num ADD 0002 +5e-1
";
        let mut em = Emitter::new(parse(src).unwrap());
        assert_eq!(
            peel(&mut em, &[(0, Ref::ins(3))]).unwrap_err().reason,
            Reason::TypeInstable
        );
    }
}
