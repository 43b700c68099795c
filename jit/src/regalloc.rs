//! Register allocation: live intervals and a linear scan over the trace.
//!
//! A trace is one straight line (preamble, loop body) plus the back-edge, so a value's live
//! interval is simply [its definition, its last use], where uses include the snapshots of
//! guards (the exit needs the value) and where anything defined before the loop and used in
//! it, and every PHI operand, lives to the back-edge. The scan walks the instructions in
//! order, frees the registers of intervals that ended, and gives the new value a free
//! register of its class (integers, pointers and booleans in general-purpose registers,
//! floats in XMM registers). Out of registers, the interval that ends last is spilled for
//! its whole life (Poletto and Sarkar's linear scan), so every value has exactly one
//! location from definition to last use, which is what the exit handler reads.
//!
//! Helper calls clobber the caller-saved registers: values live across a call prefer
//! callee-saved registers, and the rest get a save slot the backend stores them to around
//! the call.
//!
//! Invariants:
//! - Two values whose intervals overlap never share a location, except that a
//!   non-guard instruction's result may take the register of an operand that dies there,
//!   and a PHI's loop value may take the register of its entry value when nothing but the
//!   PHI uses the entry value after the loop value's definition (PHI coalescing: the
//!   entry value's interval then ends at its last other use).
//! - A guard's result never takes the register of a value its snapshot needs.
//! - Spill and save slots are indices into the execution context's spill area
//!   (`exec::MAX_SPILL` of them).

use crate::ir::{Ir, Op, Ref, Ty};

/// x86-64 register numbers (the encoding order).
pub mod reg {
    pub const RAX: u8 = 0;
    pub const RCX: u8 = 1;
    pub const RDX: u8 = 2;
    pub const RBX: u8 = 3;
    pub const RSP: u8 = 4;
    pub const RBP: u8 = 5;
    pub const RSI: u8 = 6;
    pub const RDI: u8 = 7;
    pub const R8: u8 = 8;
    pub const R9: u8 = 9;
    pub const R10: u8 = 10;
    pub const R11: u8 = 11;
    pub const R12: u8 = 12;
    pub const R13: u8 = 13;
    /// The root frame's base in the Lua stack (pinned).
    pub const BASE: u8 = 14;
    /// The execution context (pinned).
    pub const CTX: u8 = 15;
    /// Scratch registers of the backend (never allocated).
    pub const TMP: u8 = R11;
    pub const TMP2: u8 = R10;
    pub const FTMP: u8 = 15;
}
use reg::*;

/// General-purpose registers the allocator hands out: caller-saved ones first.
const GPRS: &[u8] = &[RAX, RCX, RDX, RSI, RDI, R8, R9, RBX, R12, R13, RBP];
const CALLEE_SAVED: &[u8] = &[RBX, R12, R13, RBP];
/// XMM registers the allocator hands out (xmm15 is the backend's scratch).
const NXMM: u8 = 15;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Loc {
    /// No value (or no payload: nil, markers, stores).
    None,
    Gpr(u8),
    Xmm(u8),
    /// A slot of the spill area.
    Spill(u16),
}

pub struct Alloc {
    /// Location of each instruction's value.
    pub loc: Vec<Loc>,
    /// Last use of each instruction's value (instruction index; `ins.len()` = the back-edge).
    pub end: Vec<u32>,
    /// Values live across a helper call in a caller-saved register: their save slot.
    pub save: Vec<Option<u16>>,
    /// Spill and save slots used.
    pub nslots: u16,
}

impl Alloc {
    pub fn loc_of(&self, r: Ref) -> Loc {
        if r.is_const() || r.is_none() {
            Loc::None
        } else {
            self.loc[r.idx()]
        }
    }
}

/// Whether instruction `i` is implemented as a helper call (clobbering caller-saved
/// registers). Shared with the backend, which must agree.
pub fn is_call(ir: &Ir, i: usize) -> bool {
    let ins = &ir.ins[i];
    match ins.op {
        Op::BShl | Op::BShr => !ins.b.is_const(),
        Op::IDiv | Op::Mod => true,
        Op::TGetStr => ins.k == 0,
        Op::Floor | Op::Ceil => !crate::asm::has_sse41(),
        op => op.calls(),
    }
}

/// Does the value of instruction `i` need a location?
fn has_loc(ir: &Ir, i: usize) -> bool {
    let ins = &ir.ins[i];
    ins.op.has_value() && ins.op != Op::Phi && ins.ty.has_payload() && ins.ty != Ty::Void
}

/// The trace needs more spill slots than the context has.
#[derive(Debug)]
pub struct OutOfSlots;

/// Allocate registers for `ir` with at most `max_slots` spill/save slots.
pub fn allocate(ir: &Ir, max_slots: usize) -> Result<Alloc, OutOfSlots> {
    let n = ir.ins.len();
    let back = n as u32;
    let mut end = vec![0u32; n];
    let lp = ir.loop_start.unwrap_or(n);
    let use_at = |r: Ref, at: u32, end: &mut Vec<u32>| {
        if !r.is_const() && !r.is_none() {
            let e = &mut end[r.idx()];
            *e = (*e).max(at);
        }
    };
    // PHI coalescing: the loop value of a PHI whose loop-entry value has no use after it
    // (in the loop body; the next iteration's uses read the new value) takes the entry
    // value's register, and the back-edge has nothing to move. `coalesce[b] = a`.
    // Not when the entry value is itself some PHI's loop value: the back-edge reads it
    // after the loop value overwrote the shared register (`PHI x y` with `PHI y z`).
    let mut coalesce: Vec<Option<usize>> = vec![None; n];
    let mut read_at_back_edge = vec![false; n];
    for ins in &ir.ins[lp.min(n)..] {
        if ins.op == Op::Phi && !ins.b.is_const() && !ins.b.is_none() {
            read_at_back_edge[ins.b.idx()] = true;
        }
    }
    for ins in &ir.ins[lp.min(n)..] {
        if ins.op == Op::Phi && !ins.a.is_const() && !ins.b.is_const() && ins.b.idx() > lp {
            let (a, b) = (ins.a.idx(), ins.b.idx());
            let taken = coalesce.contains(&Some(a)) || read_at_back_edge[a];
            coalesce[b] = if coalesce[b].is_some() || taken {
                None
            } else {
                Some(a)
            };
        }
    }
    for i in 1..n {
        let ins = ir.ins[i];
        if ins.op == Op::Nop {
            continue;
        }
        if ins.op == Op::Phi {
            continue;
        }
        if ins.op.has_a() {
            use_at(ins.a, i as u32, &mut end);
        }
        if ins.op.has_b() {
            use_at(ins.b, i as u32, &mut end);
        }
        if ins.op.has_snapshot() {
            // A guard that calls a helper leaves after the call: what its snapshot needs
            // must survive the call.
            let at = if is_call(ir, i) {
                i as u32 + 1
            } else {
                i as u32
            };
            for &(_, r) in &ir.snaps[ins.snap as usize].entries {
                use_at(r, at, &mut end);
            }
        }
    }
    // A PHI entry value's last use but for the PHI and the next iteration.
    let own_end = end.clone();
    // Preamble values used in the loop live to the back-edge, and PHI operands too.
    for e in end.iter_mut().take(lp) {
        if *e as usize > lp {
            *e = back;
        }
    }
    for ins in &ir.ins[lp.min(n)..] {
        if ins.op == Op::Phi {
            use_at(ins.a, back, &mut end);
            use_at(ins.b, back, &mut end);
        }
    }
    let calls: Vec<usize> = (1..n).filter(|&i| is_call(ir, i)).collect();
    let crosses_call =
        |i: usize, e: u32| -> bool { calls.iter().any(|&c| c > i && (c as u32) < e) };

    let mut loc = vec![Loc::None; n];
    let mut nslots: u16 = 0;
    let new_slot = |nslots: &mut u16| -> Result<u16, OutOfSlots> {
        if *nslots as usize >= max_slots {
            return Err(OutOfSlots);
        }
        *nslots += 1;
        Ok(*nslots - 1)
    };
    // Active intervals with a register: (value, register, is_xmm).
    let mut active: Vec<usize> = Vec::new();
    let mut free_gpr: Vec<u8> = GPRS.iter().rev().copied().collect();
    let mut free_xmm: Vec<u8> = (0..NXMM).rev().collect();
    for i in 1..n {
        let ins = ir.ins[i];
        let guard = ins.op.is_guard();
        // Expire intervals that ended (and, for non-guards, those ending here: their
        // registers may hold the result).
        let mut k = 0;
        while k < active.len() {
            let v = active[k];
            let e = end[v];
            if e < i as u32 || (e == i as u32 && !guard) {
                match loc[v] {
                    Loc::Gpr(g) => free_gpr.push(g),
                    Loc::Xmm(x) => free_xmm.push(x),
                    _ => {}
                }
                active.swap_remove(k);
            } else {
                k += 1;
            }
        }
        if !has_loc(ir, i) {
            continue;
        }
        let e = end[i].max(i as u32);
        end[i] = e;
        if let Some(a) = coalesce[i] {
            let dead = own_end[a] < i as u32 || (own_end[a] == i as u32 && !guard);
            let at = active.iter().position(|&v| v == a);
            if let (true, Some(k), Loc::Gpr(_) | Loc::Xmm(_)) = (dead, at, loc[a]) {
                active.swap_remove(k);
                end[a] = own_end[a];
                loc[i] = loc[a];
                active.push(i);
                continue;
            }
        }
        let fp = ins.ty.is_fp();
        let cross = crosses_call(i, e);
        // The register of the first operand if it dies here (x86's two-operand forms then
        // need no move; a value living across a call gets a save slot as any other).
        let dying = match (ins.op.has_a() && !guard, ins.a) {
            (true, a) if !a.is_const() && !a.is_none() && end[a.idx()] == i as u32 => {
                match loc[a.idx()] {
                    Loc::Gpr(g) if !fp => free_gpr
                        .iter()
                        .position(|&x| x == g)
                        .map(|p| Loc::Gpr(free_gpr.remove(p))),
                    Loc::Xmm(x) if fp => free_xmm
                        .iter()
                        .position(|&y| y == x)
                        .map(|p| Loc::Xmm(free_xmm.remove(p))),
                    _ => None,
                }
            }
            _ => None,
        };
        let pick = if dying.is_some() {
            dying
        } else if fp {
            free_xmm.pop().map(Loc::Xmm)
        } else if cross {
            // Prefer a callee-saved register.
            match free_gpr.iter().position(|g| CALLEE_SAVED.contains(g)) {
                Some(p) => Some(Loc::Gpr(free_gpr.remove(p))),
                None => free_gpr.pop().map(Loc::Gpr),
            }
        } else {
            match free_gpr.iter().rposition(|g| !CALLEE_SAVED.contains(g)) {
                Some(p) => Some(Loc::Gpr(free_gpr.remove(p))),
                None => free_gpr.pop().map(Loc::Gpr),
            }
        };
        match pick {
            Some(l) => {
                loc[i] = l;
                active.push(i);
            }
            None => {
                // Spill the interval of this class that ends last.
                let victim = active
                    .iter()
                    .copied()
                    .filter(|&v| matches!((loc[v], fp), (Loc::Xmm(_), true) | (Loc::Gpr(_), false)))
                    .max_by_key(|&v| end[v]);
                match victim {
                    Some(v) if end[v] > e => {
                        let r = loc[v];
                        loc[v] = Loc::Spill(new_slot(&mut nslots)?);
                        active.retain(|&x| x != v);
                        loc[i] = r;
                        active.push(i);
                    }
                    _ => loc[i] = Loc::Spill(new_slot(&mut nslots)?),
                }
            }
        }
    }
    // Save slots for values in caller-saved registers that live across a call.
    let mut save = vec![None; n];
    for i in 1..n {
        if let Loc::Gpr(g) | Loc::Xmm(g) = loc[i] {
            let caller_saved = matches!(loc[i], Loc::Xmm(_)) || !CALLEE_SAVED.contains(&g);
            if caller_saved && crosses_call(i, end[i].max(i as u32 + 1)) {
                save[i] = Some(new_slot(&mut nslots)?);
            }
        }
    }
    Ok(Alloc {
        loc,
        end,
        save,
        nslots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse;

    fn overlaps(a: &Alloc, x: usize, y: usize) -> bool {
        let (sx, ex) = (x as u32, a.end[x]);
        let (sy, ey) = (y as u32, a.end[y]);
        sx < ey && sy < ex
    }

    #[test]
    fn overlapping_values_get_distinct_locations() {
        let mut src = String::from(".... SNAP #0 pc=0 [ ]\n0001 > num SLOAD #0\n");
        // 20 float values all live at once (more than the 15 XMM registers).
        for i in 2..=21 {
            src.push_str(&format!("{:04}   num ADD 0001 +{}e0\n", i, i));
        }
        let mut acc = 2;
        for (n, i) in (22..).zip(3..=21) {
            src.push_str(&format!("{:04}   num ADD {:04} {:04}\n", n, acc, i));
            acc = n;
        }
        let ir = parse(&src).unwrap();
        let a = allocate(&ir, 64).unwrap();
        let vals: Vec<usize> = (1..ir.ins.len()).collect();
        for &x in &vals {
            for &y in &vals {
                if x < y && overlaps(&a, x, y) && a.loc[x] != Loc::None {
                    assert_ne!(a.loc[x], a.loc[y], "{x} and {y} overlap");
                }
            }
        }
        assert!(a.loc.iter().any(|l| matches!(l, Loc::Spill(_))));
    }

    /// A loop whose entry value 0002 becomes 0004 at the back-edge, then `rest`.
    fn phi_loop(rest: &str) -> Alloc {
        let src = format!(
            ".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n0002   int ADD 0001 1\n\
             0003   --- LOOP\n0004   int ADD 0002 1\n{rest}"
        );
        allocate(&parse(&src).unwrap(), 8).unwrap()
    }

    #[test]
    fn loop_carried_values_live_to_the_back_edge() {
        // The loop value takes the entry value's register (nothing reads the entry value
        // after the ADD): the back-edge moves nothing.
        let a = phi_loop("0005   int PHI 0002 0004\n");
        assert_eq!(a.end[4], 6);
        assert_eq!(a.end[2], 4);
        assert_eq!(a.loc[2], a.loc[4]);
        // 0005 reads the entry value after the loop value is made: no coalescing, both
        // live to the back-edge.
        let a = phi_loop("0005   int ADD 0002 0004\n0006   int PHI 0002 0004\n");
        assert_eq!(a.end[2], 7);
        assert_eq!(a.end[4], 7);
        assert_ne!(a.loc[2], a.loc[4]);
    }

    #[test]
    fn a_phi_loop_value_read_at_the_back_edge_keeps_its_register() {
        // 0001 is the previous iteration's 0002 (`PHI 0001 0002`), and 0004 the next 0002:
        // the back-edge reads 0002 after 0004 was made, so 0004 must not take its register.
        let a = phi_loop(
            "0005   int PHI 0002 0004
0006   int PHI 0001 0002
",
        );
        assert_ne!(a.loc[2], a.loc[4]);
        assert_eq!(a.end[2], 7);
    }
}
