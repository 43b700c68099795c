//! Expression descriptors: where a compiled expression's value is, and how to move it where
//! it is needed (PUC's expdesc and the discharge/store functions of lcode.c).
//!
//! Invariants:
//! - `Reloc(pc)`: instruction `pc` computes the value and its A field is still free, so
//!   discharging patches A instead of emitting a MOVE.
//! - `NonReloc(r)`: the value is in register `r`; if `r` is a temporary it is the topmost
//!   reserved register when the expression is freed.
//! - `Call(pc)`/`Vararg(pc)`: multi-value expressions; `set_returns` fixes their count.
//! - Indexed kinds hold the registers/constants of a pending table access: a temporary table
//!   (or key) register stays reserved until the access is discharged or stored.
//! - `t`/`f`: jumps to take when the value is true/false (see `jumps`).

#![forbid(unsafe_code)]

use super::code::MAXINDEXRK;
use super::jumps::JumpList;
use super::{Compiler, R};
use crate::gc::Gc;
use crate::object::LuaStr;
use crate::opcodes::Op;

#[derive(Clone, Debug)]
pub(crate) enum EK {
    /// No value (empty expression list).
    Void,
    Nil,
    True,
    False,
    /// Constant `k[i]`.
    K(usize),
    KFlt(f64),
    KInt(i64),
    KStr(Gc<LuaStr>),
    /// Value in a fixed register.
    NonReloc(usize),
    /// Local variable in register `reg`; `vidx` its index among the function's locals.
    Local {
        reg: usize,
        vidx: usize,
    },
    Upval(usize),
    /// Compile-time constant: index into `Compiler::actvar`.
    Const(usize),
    /// `R[t][R[key]]`
    Indexed {
        t: usize,
        key: usize,
    },
    /// `U[t][K[key]]` (short string key)
    IndexUp {
        t: usize,
        key: usize,
    },
    /// `R[t][key]` (integer key 0..=255)
    IndexI {
        t: usize,
        key: usize,
    },
    /// `R[t][K[key]]` (short string key)
    IndexStr {
        t: usize,
        key: usize,
    },
    /// A comparison; the pc is its jump.
    Jmp(usize),
    Reloc(usize),
    Call(usize),
    Vararg(usize),
}

#[derive(Clone, Debug)]
pub(crate) struct ExpDesc {
    pub(crate) k: EK,
    /// Jumps taken when the expression is true.
    pub(crate) t: JumpList,
    /// Jumps taken when the expression is false.
    pub(crate) f: JumpList,
}

impl ExpDesc {
    pub(crate) fn new(k: EK) -> ExpDesc {
        ExpDesc {
            k,
            t: Vec::new(),
            f: Vec::new(),
        }
    }

    pub(crate) fn has_jumps(&self) -> bool {
        !self.t.is_empty() || !self.f.is_empty()
    }

    pub(crate) fn has_multret(&self) -> bool {
        matches!(self.k, EK::Call(_) | EK::Vararg(_))
    }

    pub(crate) fn is_indexed(&self) -> bool {
        matches!(
            self.k,
            EK::Indexed { .. } | EK::IndexUp { .. } | EK::IndexI { .. } | EK::IndexStr { .. }
        )
    }

    /// Register of a NonReloc expression (or the constant index of a K one).
    pub(crate) fn reg(&self) -> usize {
        match self.k {
            EK::NonReloc(r) | EK::K(r) => r,
            EK::Local { reg, .. } => reg,
            _ => 0,
        }
    }

    /// A numeric constant without jumps.
    pub(crate) fn numeral(&self) -> Option<crate::value::Value> {
        if self.has_jumps() {
            return None;
        }
        match self.k {
            EK::KInt(i) => Some(crate::value::Value::Int(i)),
            EK::KFlt(f) => Some(crate::value::Value::Float(f)),
            _ => None,
        }
    }

    pub(crate) fn is_kint(&self) -> bool {
        matches!(self.k, EK::KInt(_)) && !self.has_jumps()
    }
}

impl Compiler<'_> {
    pub(crate) fn free_exp(&mut self, e: &ExpDesc) {
        if let EK::NonReloc(r) = e.k {
            self.free_reg(r);
        }
    }

    pub(crate) fn free_exps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        match (&e1.k, &e2.k) {
            (EK::NonReloc(r1), EK::NonReloc(r2)) => self.free_regs(*r1, *r2),
            (EK::NonReloc(r1), _) => self.free_reg(*r1),
            (_, EK::NonReloc(r2)) => self.free_reg(*r2),
            _ => {}
        }
    }

    /// Fix a multi-value expression to produce `n` values (n < 0: all).
    pub(crate) fn set_returns(&mut self, e: &mut ExpDesc, n: i32) -> R<()> {
        match e.k {
            EK::Call(pc) => self.instr_mut(pc).set_c((n + 1) as u32),
            EK::Vararg(pc) => {
                let fr = self.fs().freereg as u32;
                let i = self.instr_mut(pc);
                i.set_c((n + 1) as u32);
                i.set_a(fr);
                self.reserve_regs(1)?;
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn set_multret(&mut self, e: &mut ExpDesc) -> R<()> {
        self.set_returns(e, -1)
    }

    /// Fix a multi-value expression to produce exactly one value.
    pub(crate) fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.k {
            EK::Call(pc) => e.k = EK::NonReloc(self.instr(pc).a()),
            EK::Vararg(pc) => {
                self.instr_mut(pc).set_c(2);
                e.k = EK::Reloc(pc);
            }
            _ => {}
        }
    }

    /// Turn a compile-time constant value into an expression kind.
    fn const_to_exp(&self, idx: usize) -> EK {
        self.actvar[idx].k.clone()
    }

    /// Make sure `e` is not a variable: load upvalues and table fields (as relocatable
    /// instructions), turn locals into their registers and constants into literals.
    pub(crate) fn discharge_vars(&mut self, e: &mut ExpDesc) -> R<()> {
        match e.k {
            EK::Const(i) => e.k = self.const_to_exp(i),
            EK::Local { reg, .. } => e.k = EK::NonReloc(reg),
            EK::Upval(u) => e.k = EK::Reloc(self.code_abc(Op::GetUpval, 0, u as u32, 0)),
            EK::IndexUp { t, key } => {
                e.k = EK::Reloc(self.code_abc(Op::GetTabUp, 0, t as u32, key as u32))
            }
            EK::IndexI { t, key } => {
                self.free_reg(t);
                e.k = EK::Reloc(self.code_abc(Op::GetI, 0, t as u32, key as u32));
            }
            EK::IndexStr { t, key } => {
                self.free_reg(t);
                e.k = EK::Reloc(self.code_abc(Op::GetField, 0, t as u32, key as u32));
            }
            EK::Indexed { t, key } => {
                self.free_regs(t, key);
                e.k = EK::Reloc(self.code_abc(Op::GetTable, 0, t as u32, key as u32));
            }
            EK::Vararg(_) | EK::Call(_) => self.set_one_ret(e),
            _ => {}
        }
        Ok(())
    }

    /// Put the value of `e` (ignoring its jump lists) in register `reg`.
    pub(crate) fn discharge2reg(&mut self, e: &mut ExpDesc, reg: usize) -> R<()> {
        self.discharge_vars(e)?;
        match e.k {
            EK::Nil => self.load_nil(reg, 1),
            EK::False => {
                self.code_abc(Op::LoadFalse, reg as u32, 0, 0);
            }
            EK::True => {
                self.code_abc(Op::LoadTrue, reg as u32, 0, 0);
            }
            EK::KStr(s) => {
                let k = self.string_k(s)?;
                self.code_k(reg, k);
            }
            EK::K(k) => {
                self.code_k(reg, k);
            }
            EK::KFlt(f) => self.load_float(reg, f)?,
            EK::KInt(i) => self.load_int(reg, i)?,
            EK::Reloc(pc) => self.instr_mut(pc).set_a(reg as u32),
            EK::NonReloc(r) => {
                if r != reg {
                    self.code_abc(Op::Move, reg as u32, r as u32, 0);
                }
            }
            _ => return Ok(()), // Jmp (or Void): nothing to do
        }
        e.k = EK::NonReloc(reg);
        Ok(())
    }

    pub(crate) fn discharge2anyreg(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, EK::NonReloc(_)) {
            self.reserve_regs(1)?;
            let r = self.fs().freereg - 1;
            self.discharge2reg(e, r)?;
        }
        Ok(())
    }

    fn code_loadbool(&mut self, reg: usize, op: Op) -> usize {
        self.get_label();
        self.code_abc(op, reg as u32, 0, 0)
    }

    /// Put the final value of `e`, including the values of its jump lists, in `reg`.
    pub(crate) fn exp2reg(&mut self, e: &mut ExpDesc, reg: usize) -> R<()> {
        self.discharge2reg(e, reg)?;
        if let EK::Jmp(pc) = e.k {
            e.t.push(pc);
        }
        if e.has_jumps() {
            let mut p_f = None;
            let mut p_t = None;
            if self.need_value(&e.t) || self.need_value(&e.f) {
                let fj = if matches!(e.k, EK::Jmp(_)) {
                    None
                } else {
                    Some(self.jump())
                };
                p_f = Some(self.code_loadbool(reg, Op::LFalseSkip));
                p_t = Some(self.code_loadbool(reg, Op::LoadTrue));
                if let Some(fj) = fj {
                    self.patch_to_here(vec![fj])?;
                }
            }
            let fin = self.get_label();
            let f = std::mem::take(&mut e.f);
            let t = std::mem::take(&mut e.t);
            self.patch_list_aux(&f, fin, reg, p_f.unwrap_or(fin))?;
            self.patch_list_aux(&t, fin, reg, p_t.unwrap_or(fin))?;
        }
        e.t.clear();
        e.f.clear();
        e.k = EK::NonReloc(reg);
        Ok(())
    }

    /// Put the value of `e` in the next free register.
    pub(crate) fn exp2nextreg(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e)?;
        self.free_exp(e);
        self.reserve_regs(1)?;
        let r = self.fs().freereg - 1;
        self.exp2reg(e, r)
    }

    /// Put the value of `e` in some register and return it.
    pub(crate) fn exp2anyreg(&mut self, e: &mut ExpDesc) -> R<usize> {
        self.discharge_vars(e)?;
        if let EK::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r >= self.nvarstack() {
                self.exp2reg(e, r)?;
                return Ok(r);
            }
        }
        self.exp2nextreg(e)?;
        Ok(e.reg())
    }

    /// Put the value of `e` in a register or leave it in an upvalue.
    pub(crate) fn exp2anyregup(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, EK::Upval(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        }
        Ok(())
    }

    /// Put the value of `e` in a register or leave it as a constant.
    pub(crate) fn exp2val(&mut self, e: &mut ExpDesc) -> R<()> {
        if e.has_jumps() {
            self.exp2anyreg(e)?;
            Ok(())
        } else {
            self.discharge_vars(e)
        }
    }

    /// Make `e` a K operand that fits in 8 bits, if it is a constant.
    pub(crate) fn exp2k(&mut self, e: &mut ExpDesc) -> R<bool> {
        if e.has_jumps() {
            return Ok(false);
        }
        let info = match e.k {
            EK::True => self.bool_k(true)?,
            EK::False => self.bool_k(false)?,
            EK::Nil => self.nil_k()?,
            EK::KInt(i) => self.int_k(i)?,
            EK::KFlt(f) => self.float_k(f)?,
            EK::KStr(s) => self.string_k(s)?,
            EK::K(i) => i,
            _ => return Ok(false),
        };
        if info <= MAXINDEXRK {
            e.k = EK::K(info);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Make `e` an RK operand: a small K index or a register. Returns true for K.
    pub(crate) fn exp2rk(&mut self, e: &mut ExpDesc) -> R<bool> {
        if self.exp2k(e)? {
            Ok(true)
        } else {
            self.exp2anyreg(e)?;
            Ok(false)
        }
    }

    fn code_abrk(&mut self, op: Op, a: usize, b: usize, ec: &mut ExpDesc) -> R<()> {
        let k = self.exp2rk(ec)?;
        let c = ec.reg();
        self.code_abck(op, a as u32, b as u32, c as u32, k);
        Ok(())
    }

    /// Store the value of `ex` into the variable `var`.
    pub(crate) fn store_var(&mut self, var: &ExpDesc, ex: &mut ExpDesc) -> R<()> {
        match var.k {
            EK::Local { reg, .. } => {
                self.free_exp(ex);
                return self.exp2reg(ex, reg);
            }
            EK::Upval(u) => {
                let e = self.exp2anyreg(ex)?;
                self.code_abc(Op::SetUpval, e as u32, u as u32, 0);
            }
            EK::IndexUp { t, key } => self.code_abrk(Op::SetTabUp, t, key, ex)?,
            EK::IndexI { t, key } => self.code_abrk(Op::SetI, t, key, ex)?,
            EK::IndexStr { t, key } => self.code_abrk(Op::SetField, t, key, ex)?,
            EK::Indexed { t, key } => self.code_abrk(Op::SetTable, t, key, ex)?,
            _ => return Err(self.error("syntax error")),
        }
        self.free_exp(ex);
        Ok(())
    }

    /// `e:key(`: SELF puts the method in the next register and `e` above it.
    pub(crate) fn code_self(&mut self, e: &mut ExpDesc, key: &mut ExpDesc) -> R<()> {
        self.exp2anyreg(e)?;
        let ereg = e.reg();
        self.free_exp(e);
        let base = self.fs().freereg;
        e.k = EK::NonReloc(base);
        self.reserve_regs(2)?;
        self.code_abrk(Op::Self_, base, ereg, key)?;
        self.free_exp(key);
        Ok(())
    }

    fn is_kstr(&self, e: &ExpDesc) -> bool {
        match e.k {
            EK::K(i) => !e.has_jumps() && i <= 255 && self.k_is_short_str(i),
            _ => false,
        }
    }

    /// Turn `t` (in a register or upvalue) into the access `t[k]`.
    pub(crate) fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc) -> R<()> {
        if let EK::KStr(s) = k.k {
            k.k = EK::K(self.string_k(s)?);
        }
        if matches!(t.k, EK::Upval(_)) && !self.is_kstr(k) {
            // A key that is still a pending comparison must be materialised before the
            // upvalue is loaded: its jumps would otherwise skip the GETUPVAL (the bug Lua
            // 5.4.7 fixed; closure.lua tests `_ENV[1 < 2]`).
            if matches!(k.k, EK::Jmp(_)) {
                self.exp2anyreg(k)?;
            }
            self.exp2anyreg(t)?;
        }
        if let EK::Upval(u) = t.k {
            t.k = EK::IndexUp { t: u, key: k.reg() };
            return Ok(());
        }
        let treg = t.reg();
        if self.is_kstr(k) {
            t.k = EK::IndexStr {
                t: treg,
                key: k.reg(),
            };
        } else if let (EK::KInt(i), false) = (&k.k, k.has_jumps()) {
            if (0..=255).contains(i) {
                t.k = EK::IndexI {
                    t: treg,
                    key: *i as usize,
                };
                return Ok(());
            }
            let kr = self.exp2anyreg(k)?;
            t.k = EK::Indexed { t: treg, key: kr };
        } else {
            let kr = self.exp2anyreg(k)?;
            t.k = EK::Indexed { t: treg, key: kr };
        }
        Ok(())
    }

    /// The constant value of `e`, if it is a compile-time constant (for `<const>` locals).
    pub(crate) fn exp2const(&self, e: &ExpDesc) -> Option<EK> {
        if e.has_jumps() {
            return None;
        }
        match &e.k {
            EK::False | EK::True | EK::Nil | EK::KStr(_) | EK::KInt(_) | EK::KFlt(_) => {
                Some(e.k.clone())
            }
            EK::Const(i) => Some(self.actvar[*i].k.clone()),
            _ => None,
        }
    }
}
