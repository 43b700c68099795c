//! The IR verifier: checks the invariants of `ir.rs` and the type rules of every op. Run
//! after every pass in debug builds and tests; a failure is a JIT bug, reported as such.

use crate::ir::{Field, Ir, Op, Ref, Ty};

fn num(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Num)
}

/// Check `ir`; the error names the instruction and the broken rule.
pub fn verify(ir: &Ir) -> Result<(), String> {
    if ir.ins.first().map(|i| i.op) != Some(Op::Nop) {
        return Err("instruction 0 must be a NOP".into());
    }
    for (i, k) in ir.k.iter().enumerate() {
        if !k.op.is_const() {
            return Err(format!("constant {i} is not a constant op"));
        }
    }
    let n = ir.ins.len();
    let mut loops = 0;
    let mut phis_started = false;
    for i in 1..n {
        let ins = ir.ins[i];
        let err = |m: &str| Err(format!("{}: {m}", ir.ins_text(i)));
        if ins.op.is_const() {
            return err("constant op in the instruction array");
        }
        if ins.op == Op::Loop {
            loops += 1;
            if ir.loop_start != Some(i) {
                return err("LOOP is not at loop_start");
            }
        }
        if ins.op == Op::Phi {
            phis_started = true;
        } else if phis_started && ins.op != Op::Nop {
            return err("instruction after the PHIs");
        }
        let check = |r: Ref, phi_right: bool| -> Result<(), String> {
            if r.is_none() {
                return Err(format!("{}: missing operand", ir.ins_text(i)));
            }
            if r.is_const() {
                if r.idx() >= ir.k.len() {
                    return Err(format!("{}: bad constant", ir.ins_text(i)));
                }
                return Ok(());
            }
            // A PHI's right operand is the value at the end of an iteration: usually made
            // in the loop body, but it may be a value from before the loop (the left operand
            // of another PHI, carried one more iteration: the PHI moves are parallel).
            let ok = if phi_right {
                r.idx() < n && ir.loop_start.is_some()
            } else {
                r.idx() < i
            };
            if !ok {
                return Err(format!(
                    "{}: operand {r:?} not defined before",
                    ir.ins_text(i)
                ));
            }
            if !ir.get(r).op.has_value() {
                return Err(format!("{}: operand {r:?} has no value", ir.ins_text(i)));
            }
            Ok(())
        };
        if ins.op.has_a() {
            check(ins.a, false)?;
        } else if !ins.a.is_none() {
            return err("unused operand a is set");
        }
        if ins.op.has_b() {
            check(ins.b, ins.op == Op::Phi)?;
        } else if !ins.b.is_none() {
            return err("unused operand b is set");
        }
        let ta = if ins.op.has_a() {
            ir.ty(ins.a)
        } else {
            Ty::Void
        };
        let tb = if ins.op.has_b() {
            ir.ty(ins.b)
        } else {
            Ty::Void
        };
        let t = ins.ty;
        let ok = match ins.op {
            Op::Nop | Op::Loop => true,
            Op::Phi => ta == t && tb == t && ins.a.idx() < ir.loop_start.unwrap_or(0),
            Op::SLoad => {
                let a = ins.after();
                t.tag().is_some()
                    && (a == 0 || (a < i && matches!(ir.ins[a].op, Op::CallOut | Op::Loop)))
            }
            Op::CallOut => t == Ty::Void,
            Op::FnRoot => t == Ty::LFn,
            Op::NExtra => t == Ty::Int,
            Op::Lt | Op::Ge | Op::Le | Op::Gt => ta == t && tb == t && num(t),
            Op::Eq | Op::Ne => ta == t && tb == t,
            Op::ULt | Op::UGe => ta == Ty::Int && tb == Ty::Int,
            Op::Add | Op::Sub | Op::Mul | Op::Min | Op::Max | Op::IDiv | Op::Mod => {
                num(t) && ta == t && tb == t
            }
            Op::Div | Op::Pow => t == Ty::Num && ta == t && tb == t,
            Op::Neg => num(t) && ta == t,
            Op::Abs | Op::Sqrt | Op::Floor | Op::Ceil => t == Ty::Num && ta == t,
            Op::BAnd | Op::BOr | Op::BXor | Op::BShl | Op::BShr => {
                t == Ty::Int && ta == t && tb == t
            }
            Op::BNot => t == Ty::Int && ta == t,
            Op::Not => t == Ty::Bool && ta == t,
            Op::Conv => ins.k == 0 && t == Ty::Num && ta == Ty::Int,
            Op::NToI => t == Ty::Int && ta == Ty::Num,
            Op::FLoad => (ins.k as usize) <= Field::Raw as usize && t == Field::from_k(ins.k).ty(),
            Op::FStore => (ins.k as usize) <= Field::Raw as usize && t == tb,
            Op::ARef => t == Ty::Ptr && ta == Ty::Ptr && tb == Ty::Int,
            Op::StrByte => t == Ty::Int && ta == Ty::Ptr && tb == Ty::Int,
            Op::StrChar => t == Ty::Str && ta == Ty::Int,
            // (A CARG belongs to the call right after it, which reads its operands there.)
            Op::CArg => t == Ty::Void && ta == Ty::Int && tb == Ty::Int,
            Op::StrSub => {
                t == Ty::Str
                    && ta == Ty::Str
                    && !ins.b.is_const()
                    && ins.b.idx() + 1 == i
                    && ir.get(ins.b).op == Op::CArg
            }
            Op::HRefK => t == Ty::Ptr && ta == Ty::Ptr && ins.b.is_const() && tb == Ty::Str,
            Op::VLoad => t.tag().is_some() && ta == Ty::Ptr,
            Op::NotNil => ta == Ty::Ptr,
            Op::VStore => ta == Ty::Ptr && tb == t && t.tag().is_some(),
            Op::UpRef => t == Ty::Ptr && ta == Ty::LFn,
            Op::UpAddr => t == Ty::Ptr && ta == Ty::Ptr,
            Op::UpInFrame | Op::UpOutFrame => ta == Ty::Ptr,
            Op::Barrier => matches!(ta, Ty::Tab | Ty::Ptr),
            Op::TNew => t == Ty::Tab,
            Op::TLen => t == Ty::Int && ta == Ty::Tab,
            Op::TGetInt => t == Ty::Ptr && ta == Ty::Tab && tb == Ty::Int,
            // (A metatable looked up by shape is a loaded pointer, guarded non-null.)
            Op::TGetStr => {
                t == Ty::Ptr
                    && matches!(ta, Ty::Tab | Ty::Ptr)
                    && tb == Ty::Str
                    && (ins.k == 0 || ins.k >> 32 == 1 && ins.b.is_const())
            }
            Op::NewRef => t == Ty::Ptr && ta == Ty::Tab && matches!(tb, Ty::Int | Ty::Str),
            Op::ASlot => t == Ty::Ptr && ta == Ty::Tab && tb == Ty::Int,
            Op::Concat => {
                t == Ty::Str
                    && matches!(ta, Ty::Str | Ty::Int | Ty::Num)
                    && matches!(tb, Ty::Str | Ty::Int | Ty::Num)
            }
            Op::GcCheck | Op::IntrCheck => true,
            Op::SetMeta => ta == Ty::Tab && matches!(tb, Ty::Tab | Ty::Nil),
            Op::CloseChk => true,
            Op::RetF => ta == Ty::Ptr,
            Op::TNext => t == Ty::Ptr && ta == Ty::Tab && tb.tag().is_some(),
            Op::Link => i == n - 1 && ir.loop_start.is_none(),
            Op::KNil | Op::KBool | Op::KInt | Op::KNum | Op::KGc | Op::KPtr => false,
        };
        if !ok {
            return err("operand or result types do not fit the op");
        }
        if ins.op.has_snapshot() {
            let s = ins.snap as usize;
            let Some(sn) = ir.snaps.get(s) else {
                return err("guard without a snapshot");
            };
            // Slots below the base frame's registers are those of frames the trace returned
            // out of to (RETF), and the function slot a tail call from it wrote.
            let below_ok = sn.below > 0 || sn.root_tail;
            for &(slot, r) in &sn.entries {
                if slot < 0 && !below_ok {
                    return err("snapshot entry below the root frame");
                }
                let defined = r.is_const() && r.idx() < ir.k.len() || !r.is_const() && r.idx() < i;
                if !defined || r.is_none() {
                    return err("snapshot entry refers to a value not yet defined");
                }
            }
            for f in &sn.frames {
                if f.func < 0 && sn.below == 0 {
                    return err("snapshot frame below the root frame");
                }
            }
        }
    }
    if loops > 1 {
        return Err("more than one LOOP".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse;

    #[test]
    fn accepts_good_and_rejects_bad() {
        let good = ".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n0002   num CONV 0001 $0\n";
        verify(&parse(good).unwrap()).unwrap();
        // Float addition of an integer operand.
        let bad = ".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n0002   num ADD 0001 +1e0\n";
        assert!(verify(&parse(bad).unwrap()).unwrap_err().contains("types"));
        // A forward reference.
        let fwd = ".... SNAP #0 pc=0 [ ]\n0001   int ADD 0002 1\n0002 > int SLOAD #0\n";
        assert!(verify(&parse(fwd).unwrap())
            .unwrap_err()
            .contains("not defined"));
    }
}
