//! Jump lists and conditional code.
//!
//! A jump list is a `Vec` of pcs of JMP instructions whose targets are not yet known (PUC
//! threads them through the instructions' offset fields; a vector says the same thing).
//! A conditional jump is a test instruction (EQ, LT, ..., TEST, TESTSET) followed by a JMP;
//! the test skips the JMP when its condition does not hold, so "the jump" of a condition is
//! always the JMP and its "control" the instruction before it.
//!
//! TESTSET in a value context copies the tested value into the destination register; when a
//! jump list is patched to a place where no value is needed, TESTSET becomes TEST.
//!
//! Invariants: every pc in a jump list is a JMP; a jump list is patched exactly once.

#![forbid(unsafe_code)]

use super::expdesc::{ExpDesc, EK};
use super::{Compiler, R};
use crate::opcodes::{Instr, Op, MAXARG_AX, OFFSET_SJ};

pub(crate) type JumpList = Vec<usize>;

/// Marker for "no register" when patching TESTSETs.
pub(crate) const NO_REG: usize = usize::MAX;

fn is_test_op(op: Op) -> bool {
    op.is_test()
}

impl Compiler<'_> {
    /// Emit a JMP to be patched later; returns its pc.
    pub(crate) fn jump(&mut self) -> usize {
        self.code(Instr::sj_(Op::Jmp, 0))
    }

    /// Emit a JMP to the (already emitted) instruction `target`.
    pub(crate) fn jump_to(&mut self, target: usize) -> R<()> {
        let j = self.jump();
        self.patch_list(vec![j], target)
    }

    /// Current pc, marked as a jump target (prevents merging with the previous instruction).
    pub(crate) fn get_label(&mut self) -> usize {
        let pc = self.pc();
        self.fs_mut().lasttarget = pc;
        pc
    }

    pub(crate) fn fix_jump(&mut self, pc: usize, dest: usize) -> R<()> {
        let offset = dest as i64 - (pc as i64 + 1);
        if !(-(OFFSET_SJ as i64) <= offset && offset <= MAXARG_AX as i64 - OFFSET_SJ as i64) {
            return Err(self.error("control structure too long"));
        }
        self.instr_mut(pc).set_sj(offset as i32);
        Ok(())
    }

    /// Emit a test instruction followed by its jump; returns the jump's pc.
    pub(crate) fn cond_jump(&mut self, op: Op, a: usize, b: usize, c: usize, k: bool) -> usize {
        self.code_abck(op, a as u32, b as u32, c as u32, k);
        self.jump()
    }

    /// The instruction controlling the jump at `pc` (its test), or the jump itself.
    fn jump_control(&self, pc: usize) -> usize {
        if pc >= 1 && is_test_op(self.instr(pc - 1).op()) {
            pc - 1
        } else {
            pc
        }
    }

    /// If the jump at `node` is controlled by a TESTSET, make it put its value in `reg`
    /// (or turn it into a TEST when `reg` is NO_REG or already holds the value).
    /// Returns false if the control is not a TESTSET.
    fn patch_test_reg(&mut self, node: usize, reg: usize) -> bool {
        let ctl = self.jump_control(node);
        let i = self.instr(ctl);
        if i.op() != Op::TestSet {
            return false;
        }
        if reg != NO_REG && reg != i.b() {
            self.instr_mut(ctl).set_a(reg as u32);
        } else {
            *self.instr_mut(ctl) = Instr::abc(Op::Test, i.b() as u32, 0, 0, i.k());
        }
        true
    }

    /// Make every test in `list` produce no value.
    pub(crate) fn remove_values(&mut self, list: &[usize]) {
        for &j in list {
            self.patch_test_reg(j, NO_REG);
        }
    }

    /// Patch `list`: value-producing tests jump to `vtarget` with their value in `reg`,
    /// the others to `dtarget`.
    pub(crate) fn patch_list_aux(
        &mut self,
        list: &[usize],
        vtarget: usize,
        reg: usize,
        dtarget: usize,
    ) -> R<()> {
        for &j in list {
            if self.patch_test_reg(j, reg) {
                self.fix_jump(j, vtarget)?;
            } else {
                self.fix_jump(j, dtarget)?;
            }
        }
        Ok(())
    }

    pub(crate) fn patch_list(&mut self, list: JumpList, target: usize) -> R<()> {
        self.patch_list_aux(&list, target, NO_REG, target)
    }

    pub(crate) fn patch_to_here(&mut self, list: JumpList) -> R<()> {
        let here = self.get_label();
        self.patch_list(list, here)
    }

    /// Does some jump in `list` need a value other than its TESTSET's?
    pub(crate) fn need_value(&self, list: &[usize]) -> bool {
        list.iter()
            .any(|&j| self.instr(self.jump_control(j)).op() != Op::TestSet)
    }

    /// Invert the condition of the comparison whose jump is at `pc`.
    pub(crate) fn negate_condition(&mut self, pc: usize) {
        let ctl = self.jump_control(pc);
        let i = self.instr_mut(ctl);
        let k = i.k();
        i.set_k(!k);
    }

    /// Emit a jump taken when `e` is `cond`; `not x` tests `x` with the inverse condition.
    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool) -> R<usize> {
        if let EK::Reloc(pc) = e.k {
            let ie = self.instr(pc);
            if ie.op() == Op::Not && pc + 1 == self.pc() {
                self.remove_last_instruction();
                return Ok(self.cond_jump(Op::Test, ie.b(), 0, 0, !cond));
            }
        }
        self.discharge2anyreg(e)?;
        self.free_exp(e);
        let r = e.reg();
        Ok(self.cond_jump(Op::TestSet, crate::opcodes::MAXARG_A as usize, r, 0, cond))
    }

    /// Fall through when `e` is true, jump (false list) otherwise.
    pub(crate) fn go_if_true(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e)?;
        let pc = match e.k {
            EK::Jmp(pc) => {
                self.negate_condition(pc);
                Some(pc)
            }
            EK::K(_) | EK::KFlt(_) | EK::KInt(_) | EK::KStr(_) | EK::True => None,
            _ => Some(self.jump_on_cond(e, false)?),
        };
        if let Some(pc) = pc {
            e.f.push(pc);
        }
        let t = std::mem::take(&mut e.t);
        self.patch_to_here(t)
    }

    /// Fall through when `e` is false, jump (true list) otherwise.
    pub(crate) fn go_if_false(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e)?;
        let pc = match e.k {
            EK::Jmp(pc) => Some(pc),
            EK::Nil | EK::False => None,
            _ => Some(self.jump_on_cond(e, true)?),
        };
        if let Some(pc) = pc {
            e.t.push(pc);
        }
        let f = std::mem::take(&mut e.f);
        self.patch_to_here(f)
    }

    /// `not e`, folding constants and inverting comparisons.
    pub(crate) fn code_not(&mut self, e: &mut ExpDesc) -> R<()> {
        match e.k {
            EK::Nil | EK::False => e.k = EK::True,
            EK::K(_) | EK::KFlt(_) | EK::KInt(_) | EK::KStr(_) | EK::True => e.k = EK::False,
            EK::Jmp(pc) => self.negate_condition(pc),
            EK::Reloc(_) | EK::NonReloc(_) => {
                self.discharge2anyreg(e)?;
                self.free_exp(e);
                let r = e.reg();
                e.k = EK::Reloc(self.code_abc(Op::Not, 0, r as u32, 0));
            }
            _ => return Err(self.error("internal error: bad 'not' operand")),
        }
        std::mem::swap(&mut e.f, &mut e.t);
        self.remove_values(&e.f.clone());
        self.remove_values(&e.t.clone());
        Ok(())
    }
}
