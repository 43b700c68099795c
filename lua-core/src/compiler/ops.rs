//! Unary and binary operators: constant folding, immediate/K operand forms, comparisons,
//! concatenation (PUC's luaK_prefix/infix/posfix).
//!
//! Folding follows Lua 5.4 exactly: only numeric literals fold; never when the operation
//! could raise (division or modulo by zero, bitwise on non-integral floats) and never to a
//! NaN or a float zero (which could be -0.0).
//!
//! Operand order is never swapped for arithmetic (see the module doc of `compiler` for why):
//! the VM calls metamethods with the operands of the instruction in instruction order.

#![forbid(unsafe_code)]

use super::code::fits_c;
use super::expdesc::{ExpDesc, EK};
use super::{Compiler, R};
use crate::ast::{BinOp, UnOp};
use crate::number::{self, ArithOp};
use crate::opcodes::Op;
use crate::value::Value;

fn arith_op(op: BinOp) -> Option<ArithOp> {
    op.arith_op()
}

/// Register form and K form of an arithmetic operator.
fn arith_opcodes(op: BinOp) -> (Op, Option<Op>) {
    match op {
        BinOp::Add => (Op::Add, Some(Op::AddK)),
        BinOp::Sub => (Op::Sub, Some(Op::SubK)),
        BinOp::Mul => (Op::Mul, Some(Op::MulK)),
        BinOp::Div => (Op::Div, Some(Op::DivK)),
        BinOp::IDiv => (Op::IDiv, Some(Op::IDivK)),
        BinOp::Mod => (Op::Mod, Some(Op::ModK)),
        BinOp::Pow => (Op::Pow, Some(Op::PowK)),
        BinOp::BAnd => (Op::BAnd, Some(Op::BAndK)),
        BinOp::BOr => (Op::BOr, Some(Op::BOrK)),
        BinOp::BXor => (Op::BXor, Some(Op::BXorK)),
        BinOp::Shl => (Op::Shl, None),
        _ => (Op::Shr, None),
    }
}

/// Fold `e1 op e2` into `e1` if both are numerals and folding is safe.
fn const_folding(op: ArithOp, e1: &mut ExpDesc, e2: &ExpDesc) -> bool {
    let (Some(v1), Some(v2)) = (e1.numeral(), e2.numeral()) else {
        return false;
    };
    match number::fold(op, v1, v2) {
        Some(Value::Int(i)) => {
            e1.k = EK::KInt(i);
            true
        }
        Some(Value::Float(f)) => {
            e1.k = EK::KFlt(f);
            true
        }
        _ => false,
    }
}

/// Signed immediate (sB/sC) for a numeral fitting 8 bits; the flag says it was a float.
fn sc_number(e: &ExpDesc) -> Option<(usize, bool)> {
    if e.has_jumps() {
        return None;
    }
    let (i, isfloat) = match e.k {
        EK::KInt(i) => (i, false),
        EK::KFlt(f) => (number::float_to_int_exact(f)?, true),
        _ => return None,
    };
    if fits_c(i) {
        Some(((i + 127) as usize, isfloat))
    } else {
        None
    }
}

/// An integer literal fitting a signed 8-bit immediate.
fn sc_int(e: &ExpDesc) -> Option<i64> {
    match e.k {
        EK::KInt(i) if fits_c(i) && !e.has_jumps() => Some(i),
        _ => None,
    }
}

#[cfg(test)]
thread_local! {
    /// Test-only: generate PUC's exact shapes (swapped constant operands, ADDI for
    /// subtraction, SHRI for left shifts) so listings can be compared with luac's.
    pub(crate) static PUC_SHAPES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn puc_shapes() -> bool {
    PUC_SHAPES.with(|c| c.get())
}

#[cfg(not(test))]
fn puc_shapes() -> bool {
    false
}

impl Compiler<'_> {
    /// Apply unary operator `op` to `e` (operator at `line`).
    pub(crate) fn prefix(&mut self, op: UnOp, e: &mut ExpDesc, line: u32) -> R<()> {
        self.discharge_vars(e)?;
        let zero = ExpDesc::new(EK::KInt(0));
        match op {
            UnOp::Neg | UnOp::BNot => {
                let aop = if op == UnOp::Neg {
                    ArithOp::Unm
                } else {
                    ArithOp::BNot
                };
                if const_folding(aop, e, &zero) {
                    return Ok(());
                }
                let o = if op == UnOp::Neg { Op::Unm } else { Op::BNot };
                self.code_unexpval(o, e, line)
            }
            UnOp::Len => self.code_unexpval(Op::Len, e, line),
            UnOp::Not => self.code_not(e),
        }
    }

    fn code_unexpval(&mut self, op: Op, e: &mut ExpDesc, line: u32) -> R<()> {
        let r = self.exp2anyreg(e)?;
        self.free_exp(e);
        e.k = EK::Reloc(self.code_abc(op, 0, r as u32, 0));
        self.fixline(line);
        Ok(())
    }

    /// Prepare the first operand of `op` before the second one is compiled.
    pub(crate) fn infix(&mut self, op: BinOp, v: &mut ExpDesc) -> R<()> {
        self.discharge_vars(v)?;
        match op {
            BinOp::And => self.go_if_true(v)?,
            BinOp::Or => self.go_if_false(v)?,
            BinOp::Concat => self.exp2nextreg(v)?,
            BinOp::Eq | BinOp::Ne => {
                if v.numeral().is_none() {
                    self.exp2rk(v)?;
                }
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if sc_number(v).is_none() {
                    self.exp2anyreg(v)?;
                }
            }
            _ => {
                // Arithmetic: keep numerals (they may fold).
                if v.numeral().is_none() {
                    self.exp2anyreg(v)?;
                }
            }
        }
        Ok(())
    }

    /// Finish `e1 op e2` (operator at `line`); the result is left in `e1`.
    pub(crate) fn posfix(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        mut e2: ExpDesc,
        line: u32,
    ) -> R<()> {
        self.discharge_vars(&mut e2)?;
        if let Some(aop) = arith_op(op) {
            if const_folding(aop, e1, &e2) {
                return Ok(());
            }
        }
        match op {
            BinOp::And => {
                debug_assert!(e1.t.is_empty());
                let f = std::mem::take(&mut e1.f);
                e2.f.extend(f);
                *e1 = e2;
            }
            BinOp::Or => {
                debug_assert!(e1.f.is_empty());
                let t = std::mem::take(&mut e1.t);
                e2.t.extend(t);
                *e1 = e2;
            }
            BinOp::Concat => {
                self.exp2nextreg(&mut e2)?;
                self.code_concat(e1, &e2, line)?;
            }
            BinOp::Add | BinOp::Mul if puc_shapes() && e1.numeral().is_some() => {
                // PUC swaps a constant first operand into the K/immediate position.
                std::mem::swap(e1, &mut e2);
                if let (BinOp::Add, Some(i)) = (op, sc_int(&e2)) {
                    self.finish_binexpval(e1, &e2, Op::AddI, (i + 127) as usize, line)?;
                } else if e2.numeral().is_some() && self.exp2k(&mut e2)? {
                    self.code_bin_k(op, e1, &e2, line)?;
                } else {
                    std::mem::swap(e1, &mut e2);
                    self.code_binexpval(op, e1, &mut e2, line)?;
                }
            }
            BinOp::Sub if puc_shapes() && sc_int(&e2).is_some_and(|i| fits_c(-i)) => {
                let i = sc_int(&e2).unwrap_or(0);
                self.finish_binexpval(e1, &e2, Op::AddI, (127 - i) as usize, line)?;
            }
            BinOp::BAnd | BinOp::BOr | BinOp::BXor
                if puc_shapes() && matches!(e1.k, EK::KInt(_)) =>
            {
                std::mem::swap(e1, &mut e2);
                if e2.is_kint() && self.exp2k(&mut e2)? {
                    self.code_bin_k(op, e1, &e2, line)?;
                } else {
                    std::mem::swap(e1, &mut e2);
                    self.code_binexpval(op, e1, &mut e2, line)?;
                }
            }
            BinOp::Shl
                if puc_shapes()
                    && sc_int(e1).is_none()
                    && sc_int(&e2).is_some_and(|i| fits_c(-i)) =>
            {
                let i = sc_int(&e2).unwrap_or(0);
                self.finish_binexpval(e1, &e2, Op::ShrI, (127 - i) as usize, line)?;
            }
            BinOp::Add if sc_int(&e2).is_some() => {
                let i = sc_int(&e2).unwrap_or(0);
                self.finish_binexpval(e1, &e2, Op::AddI, (i + 127) as usize, line)?;
            }
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::IDiv
            | BinOp::Mod
            | BinOp::Pow => {
                if e2.numeral().is_some() && self.exp2k(&mut e2)? {
                    self.code_bin_k(op, e1, &e2, line)?;
                } else {
                    self.code_binexpval(op, e1, &mut e2, line)?;
                }
            }
            BinOp::BAnd | BinOp::BOr | BinOp::BXor => {
                if e2.is_kint() && self.exp2k(&mut e2)? {
                    self.code_bin_k(op, e1, &e2, line)?;
                } else {
                    self.code_binexpval(op, e1, &mut e2, line)?;
                }
            }
            BinOp::Shl => {
                if let Some(i) = sc_int(e1) {
                    // `I << x`: SHLI x I
                    std::mem::swap(e1, &mut e2);
                    self.finish_binexpval(e1, &e2, Op::ShlI, (i + 127) as usize, line)?;
                } else {
                    self.code_binexpval(op, e1, &mut e2, line)?;
                }
            }
            BinOp::Shr => {
                if let Some(i) = sc_int(&e2) {
                    self.finish_binexpval(e1, &e2, Op::ShrI, (i + 127) as usize, line)?;
                } else {
                    self.code_binexpval(op, e1, &mut e2, line)?;
                }
            }
            BinOp::Eq | BinOp::Ne => self.code_eq(op == BinOp::Eq, e1, e2)?,
            BinOp::Gt | BinOp::Ge => {
                // `a > b` is `b < a`; `a >= b` is `b <= a`
                std::mem::swap(e1, &mut e2);
                self.code_order(op == BinOp::Gt, e1, e2)?;
            }
            BinOp::Lt | BinOp::Le => self.code_order(op == BinOp::Lt, e1, e2)?,
        }
        Ok(())
    }

    /// Emit `op A e1 v2` with `e1` in a register; the result is relocatable.
    fn finish_binexpval(
        &mut self,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        op: Op,
        v2: usize,
        line: u32,
    ) -> R<()> {
        let v1 = self.exp2anyreg(e1)?;
        let pc = self.code_abc(op, 0, v1 as u32, v2 as u32);
        self.free_exps(e1, e2);
        e1.k = EK::Reloc(pc);
        self.fixline(line);
        Ok(())
    }

    /// Register-register form.
    fn code_binexpval(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let v2 = self.exp2anyreg(e2)?;
        let (o, _) = arith_opcodes(op);
        self.finish_binexpval(e1, e2, o, v2, line)
    }

    /// K form; `e2` is already a K operand.
    fn code_bin_k(&mut self, op: BinOp, e1: &mut ExpDesc, e2: &ExpDesc, line: u32) -> R<()> {
        let (_, k) = arith_opcodes(op);
        let o = k.unwrap_or(Op::Add);
        self.finish_binexpval(e1, e2, o, e2.reg(), line)
    }

    fn code_concat(&mut self, e1: &mut ExpDesc, e2: &ExpDesc, line: u32) -> R<()> {
        if let Some(prev) = self.previous_instruction() {
            if prev.op() == Op::Concat {
                let n = prev.b();
                self.free_exp(e2);
                let pc = self.pc() - 1;
                let r = e1.reg();
                let i = self.instr_mut(pc);
                i.set_a(r as u32);
                i.set_b((n + 1) as u32);
                return Ok(());
            }
        }
        self.code_abc(Op::Concat, e1.reg() as u32, 2, 0);
        self.free_exp(e2);
        self.fixline(line);
        Ok(())
    }

    /// `e1 < e2` (lt) or `e1 <= e2`, using immediates when one side is a small numeral.
    fn code_order(&mut self, lt: bool, e1: &mut ExpDesc, mut e2: ExpDesc) -> R<()> {
        let (r1, r2, isfloat, op);
        if let Some((im, fl)) = sc_number(&e2) {
            r1 = self.exp2anyreg(e1)?;
            r2 = im;
            isfloat = fl;
            op = if lt { Op::LtI } else { Op::LeI };
        } else if let Some((im, fl)) = sc_number(e1) {
            r1 = self.exp2anyreg(&mut e2)?;
            r2 = im;
            isfloat = fl;
            op = if lt { Op::GtI } else { Op::GeI };
        } else {
            r1 = self.exp2anyreg(e1)?;
            r2 = self.exp2anyreg(&mut e2)?;
            isfloat = false;
            op = if lt { Op::Lt } else { Op::Le };
        }
        self.free_exps(e1, &e2);
        e1.k = EK::Jmp(self.cond_jump(op, r1, r2, isfloat as usize, true));
        Ok(())
    }

    /// `e1 == e2` (eq) or `e1 ~= e2`; `e1` is already a register or a constant.
    fn code_eq(&mut self, eq: bool, e1: &mut ExpDesc, mut e2: ExpDesc) -> R<()> {
        if !matches!(e1.k, EK::NonReloc(_)) {
            std::mem::swap(e1, &mut e2);
        }
        let r1 = self.exp2anyreg(e1)?;
        let (op, r2, isfloat);
        if let Some((im, fl)) = sc_number(&e2) {
            op = Op::EqI;
            r2 = im;
            isfloat = fl;
        } else if self.exp2rk(&mut e2)? {
            op = Op::EqK;
            r2 = e2.reg();
            isfloat = false;
        } else {
            op = Op::Eq;
            r2 = self.exp2anyreg(&mut e2)?;
            isfloat = false;
        }
        self.free_exps(e1, &e2);
        e1.k = EK::Jmp(self.cond_jump(op, r1, r2, isfloat as usize, eq));
        Ok(())
    }
}
