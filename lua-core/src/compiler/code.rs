//! Instruction emission, line info, register allocation, the constant table and the final
//! peephole pass (PUC's lcode.c basics).
//!
//! Invariants:
//! - `code` and `lineinfo` grow together: every instruction gets the current line, which
//!   `fixline` may later replace for the last instruction only.
//! - Registers are reserved and freed in stack order: `free_reg(r)` of a temporary requires
//!   `r == freereg - 1`; registers of active locals are never freed here.
//! - Constants are deduplicated by (type, value): integer 1 and float 1.0 are distinct.

#![forbid(unsafe_code)]

use super::{Compiler, R};
use crate::opcodes::{Instr, Op, MAXARG_AX, MAXARG_BX, MAX_REGS, OFFSET_SBX};
use crate::value::Value;

/// Key of the constant cache. Floats by bit pattern (NaN and -0.0 are never constants).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum KKey {
    Nil,
    Bool(bool),
    Int(i64),
    Flt(u64),
    Str(Vec<u8>),
}

/// Largest constant index usable as an RK operand (8 bits).
pub(crate) const MAXINDEXRK: usize = 255;

impl Compiler<'_> {
    pub(crate) fn pc(&self) -> usize {
        self.fs().f.code.len()
    }

    pub(crate) fn code(&mut self, i: Instr) -> usize {
        let line = self.line;
        let f = &mut self.fs_mut().f;
        f.code.push(i);
        f.lineinfo.push(line);
        f.code.len() - 1
    }

    pub(crate) fn code_abck(&mut self, op: Op, a: u32, b: u32, c: u32, k: bool) -> usize {
        self.code(Instr::abc(op, a, b, c, k))
    }

    pub(crate) fn code_abc(&mut self, op: Op, a: u32, b: u32, c: u32) -> usize {
        self.code_abck(op, a, b, c, false)
    }

    pub(crate) fn code_abx(&mut self, op: Op, a: u32, bx: u32) -> usize {
        self.code(Instr::abx(op, a, bx))
    }

    pub(crate) fn code_asbx(&mut self, op: Op, a: u32, sbx: i32) -> usize {
        self.code(Instr::asbx(op, a, sbx))
    }

    pub(crate) fn code_extraarg(&mut self, a: usize) -> usize {
        self.code(Instr::ax_(Op::ExtraArg, a as u32))
    }

    /// Instruction at `pc` (mutable).
    pub(crate) fn instr_mut(&mut self, pc: usize) -> &mut Instr {
        &mut self.fs_mut().f.code[pc]
    }

    pub(crate) fn instr(&self, pc: usize) -> Instr {
        self.fs().f.code[pc]
    }

    /// Attribute the last instruction to `line`.
    pub(crate) fn fixline(&mut self, line: u32) {
        if let Some(l) = self.fs_mut().f.lineinfo.last_mut() {
            *l = line;
        }
    }

    pub(crate) fn remove_last_instruction(&mut self) {
        let f = &mut self.fs_mut().f;
        f.code.pop();
        f.lineinfo.pop();
    }

    /// The previous instruction, if no jump may target the current pc.
    pub(crate) fn previous_instruction(&self) -> Option<Instr> {
        let fs = self.fs();
        let pc = fs.f.code.len();
        if pc > fs.lasttarget {
            Some(fs.f.code[pc - 1])
        } else {
            None
        }
    }

    // ---- registers ----

    /// Ensure `n` more registers above `freereg` are available.
    pub(crate) fn check_stack(&mut self, n: usize) -> R<()> {
        let newstack = self.fs().freereg + n;
        if newstack > self.fs().f.maxstacksize as usize {
            if newstack >= MAX_REGS {
                return Err(self.error("function or expression needs too many registers"));
            }
            self.fs_mut().f.maxstacksize = newstack as u8;
        }
        Ok(())
    }

    pub(crate) fn reserve_regs(&mut self, n: usize) -> R<()> {
        self.check_stack(n)?;
        self.fs_mut().freereg += n;
        Ok(())
    }

    /// Free `reg` if it is a temporary (not a local variable).
    pub(crate) fn free_reg(&mut self, reg: usize) {
        if reg >= self.nvarstack() {
            let fs = self.fs_mut();
            fs.freereg = fs.freereg.saturating_sub(1);
            debug_assert_eq!(reg, fs.freereg, "registers freed out of order");
        }
    }

    /// Free two registers in stack order.
    pub(crate) fn free_regs(&mut self, r1: usize, r2: usize) {
        if r1 > r2 {
            self.free_reg(r1);
            self.free_reg(r2);
        } else {
            self.free_reg(r2);
            self.free_reg(r1);
        }
    }

    // ---- constants ----

    fn add_k(&mut self, key: KKey, v: Value) -> R<usize> {
        if let Some(&i) = self.kcache.get(&key) {
            if self.fs().f.k.get(i).is_some_and(|k| same_constant(k, &v)) {
                return Ok(i);
            }
        }
        let n = self.fs().f.k.len();
        if n > MAXARG_AX as usize {
            return Err(self.error_limit(MAXARG_AX as usize, "constants"));
        }
        self.fs_mut().f.k.push(v);
        self.kcache.insert(key, n);
        Ok(n)
    }

    pub(crate) fn string_k(&mut self, s: crate::gc::Gc<crate::object::LuaStr>) -> R<usize> {
        self.add_k(KKey::Str(s.as_bytes().to_vec()), Value::Str(s))
    }

    pub(crate) fn int_k(&mut self, i: i64) -> R<usize> {
        self.add_k(KKey::Int(i), Value::Int(i))
    }

    pub(crate) fn float_k(&mut self, f: f64) -> R<usize> {
        self.add_k(KKey::Flt(f.to_bits()), Value::Float(f))
    }

    pub(crate) fn bool_k(&mut self, b: bool) -> R<usize> {
        self.add_k(KKey::Bool(b), Value::Bool(b))
    }

    pub(crate) fn nil_k(&mut self) -> R<usize> {
        self.add_k(KKey::Nil, Value::Nil)
    }

    /// Is constant `i` a short string (usable as a GETFIELD/SETFIELD/GETTABUP key)?
    pub(crate) fn k_is_short_str(&self, i: usize) -> bool {
        matches!(self.fs().f.k.get(i), Some(Value::Str(s)) if s.is_short())
    }

    // ---- loads ----

    /// Load constant `k` into `reg` (LOADK, or LOADKX + EXTRAARG for large indices).
    pub(crate) fn code_k(&mut self, reg: usize, k: usize) -> usize {
        if k <= MAXARG_BX as usize {
            self.code_abx(Op::LoadK, reg as u32, k as u32)
        } else {
            let p = self.code_abx(Op::LoadKX, reg as u32, 0);
            self.code_extraarg(k);
            p
        }
    }

    pub(crate) fn load_int(&mut self, reg: usize, i: i64) -> R<()> {
        if fits_bx(i) {
            self.code_asbx(Op::LoadI, reg as u32, i as i32);
        } else {
            let k = self.int_k(i)?;
            self.code_k(reg, k);
        }
        Ok(())
    }

    pub(crate) fn load_float(&mut self, reg: usize, f: f64) -> R<()> {
        match crate::number::float_to_int_exact(f) {
            Some(i) if fits_bx(i) => {
                self.code_asbx(Op::LoadF, reg as u32, i as i32);
            }
            _ => {
                let k = self.float_k(f)?;
                self.code_k(reg, k);
            }
        }
        Ok(())
    }

    /// Set registers `from..from+n` to nil, merging with a preceding LOADNIL when the ranges
    /// touch (`local a; local b` is one instruction).
    pub(crate) fn load_nil(&mut self, from: usize, n: usize) {
        let mut from = from;
        let mut l = from + n - 1;
        if let Some(prev) = self.previous_instruction() {
            if prev.op() == Op::LoadNil {
                let pfrom = prev.a();
                let pl = pfrom + prev.b();
                if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                    from = from.min(pfrom);
                    l = l.max(pl);
                    let pc = self.pc() - 1;
                    let i = self.instr_mut(pc);
                    i.set_a(from as u32);
                    i.set_b((l - from) as u32);
                    return;
                }
            }
        }
        self.code_abc(Op::LoadNil, from as u32, (n - 1) as u32, 0);
    }

    /// Emit a return of `nret` values from `first` (nret < 0: up to top).
    pub(crate) fn ret(&mut self, first: usize, nret: i32) {
        let op = match nret {
            0 => Op::Return0,
            1 => Op::Return1,
            _ => Op::Return,
        };
        self.code_abc(op, first as u32, (nret + 1) as u32, 0);
    }

    /// Final pass: returns of functions that must close upvalues or are vararg become
    /// RETURN with k/C set; jumps to jumps go straight to their final target.
    pub(crate) fn finish(&mut self) -> R<()> {
        let needclose = self.fs().needclose;
        let is_vararg = self.fs().f.is_vararg;
        let numparams = self.fs().f.numparams as u32;
        for pc in 0..self.pc() {
            let i = self.instr(pc);
            match i.op() {
                Op::Return0 | Op::Return1 | Op::Return | Op::TailCall => {
                    let mut ins = i;
                    if matches!(i.op(), Op::Return0 | Op::Return1) {
                        if !(needclose || is_vararg) {
                            continue;
                        }
                        // RETURN does the extra work (closing, restoring a vararg frame).
                        ins = Instr::abc(Op::Return, i.a() as u32, i.b() as u32, 0, false);
                    }
                    if needclose {
                        ins.set_k(true);
                    }
                    if is_vararg {
                        ins.set_c(numparams + 1);
                    }
                    *self.instr_mut(pc) = ins;
                }
                Op::Jmp => {
                    let target = self.final_target(pc);
                    self.fix_jump(pc, target)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Final destination of the jump at `pc`, following chains of jumps (at most 100).
    fn final_target(&self, mut pc: usize) -> usize {
        let code = &self.fs().f.code;
        for _ in 0..100 {
            let i = code[pc];
            if i.op() != Op::Jmp {
                break;
            }
            let t = pc as i64 + 1 + i.sj() as i64;
            if t < 0 || t as usize >= code.len() {
                break;
            }
            pc = t as usize;
        }
        pc
    }
}

/// Same type and same value (the constant table distinguishes 1 from 1.0).
fn same_constant(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Str(x), Value::Str(y)) => x.as_bytes() == y.as_bytes(),
        _ => false,
    }
}

pub(crate) fn fits_bx(i: i64) -> bool {
    -(OFFSET_SBX as i64) <= i && i <= MAXARG_BX as i64 - OFFSET_SBX as i64
}

/// Does `i` fit in a signed 8-bit sC/sB operand?
pub(crate) fn fits_c(i: i64) -> bool {
    (-127..=128).contains(&i)
}
