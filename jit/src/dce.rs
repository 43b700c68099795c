//! Dead-code elimination: instructions whose values nothing uses become `NOP`s.
//!
//! Roots are guards, stores and other effects, allocations and the loop marker. A root
//! keeps its operands alive, and a guard also keeps what its snapshot restores. A `PHI`
//! lives only while its preamble value is still used in the loop body (by a live
//! instruction, a live guard's snapshot, or another live PHI); a live PHI keeps its
//! loop-body value alive. Instruction numbers do not change (removed ones are `NOP`s).

use crate::ir::{Ins, Ir, Op, Ref, Ty};

pub fn dce(ir: &mut Ir) {
    let n = ir.ins.len();
    let lp = ir.loop_start.unwrap_or(n);
    let mut live = vec![false; n];
    // Values used at or after the loop start by live code (what PHIs need).
    let mut used_in_loop = vec![false; n];
    loop {
        let mut changed = false;
        used_in_loop.fill(false);
        for i in (1..n).rev() {
            let ins = ir.ins[i];
            if ins.op == Op::Phi || ins.op == Op::Nop {
                continue;
            }
            let root = ins.op.is_guard() || ins.op.has_effect() || ins.op == Op::Loop;
            if !(root || live[i]) {
                continue;
            }
            if !live[i] {
                live[i] = true;
                changed = true;
            }
            let mut mark = |r: Ref, live: &mut Vec<bool>, changed: &mut bool| {
                if !r.is_const() && !r.is_none() {
                    if !live[r.idx()] {
                        live[r.idx()] = true;
                        *changed = true;
                    }
                    if i >= lp {
                        used_in_loop[r.idx()] = true;
                    }
                }
            };
            if ins.op.has_a() {
                mark(ins.a, &mut live, &mut changed);
            }
            if ins.op.has_b() {
                mark(ins.b, &mut live, &mut changed);
            }
            if ins.op.has_snapshot() {
                for e in &ir.snaps[ins.snap as usize].entries {
                    mark(e.1, &mut live, &mut changed);
                }
            }
        }
        // PHIs: live while their preamble value is used in the loop.
        let mut phi_changed = true;
        while phi_changed {
            phi_changed = false;
            for i in lp..n {
                let ins = ir.ins[i];
                if ins.op != Op::Phi || live[i] {
                    continue;
                }
                if used_in_loop[ins.a.idx()] {
                    live[i] = true;
                    phi_changed = true;
                    changed = true;
                    live[ins.a.idx()] = true;
                    if !ins.b.is_const() {
                        if !live[ins.b.idx()] {
                            live[ins.b.idx()] = true;
                        }
                        used_in_loop[ins.b.idx()] = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (i, ins) in ir.ins.iter_mut().enumerate().skip(1) {
        if !live[i] && ins.op != Op::Nop {
            *ins = Ins::new(Op::Nop, Ty::Void, Ref::NONE, Ref::NONE, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse;

    #[test]
    fn removes_unused_values_keeps_guards_and_phis() {
        let src = "\
.... SNAP #0 pc=0 [ ]
0001 > int SLOAD #0
0002   int MUL 0001 7
0003   int ADD 0001 1
.... SNAP #1 pc=0 [ 1:0003 ]
0004 > int LT 0003 10
0005   --- LOOP
0006   int ADD 0003 1
0007   int MUL 0003 3
.... SNAP #2 pc=0 [ 1:0006 ]
0008 > int LT 0006 10
0009   int PHI 0003 0006
";
        let mut ir = parse(src).unwrap();
        dce(&mut ir);
        let out = ir.to_text();
        assert!(out.contains("0002   --- NOP"), "{out}");
        assert!(out.contains("0007   --- NOP"), "{out}");
        assert!(out.contains("0009   int PHI    0003 0006"), "{out}");
        crate::verify::verify(&ir).unwrap();
    }
}
