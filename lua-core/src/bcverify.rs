//! The bytecode verifier: decides whether a prototype tree is safe for `vm.rs` to run.
//!
//! The interpreter reads registers through a raw pointer without bounds checks, indexes
//! constants, upvalues, nested prototypes and the code itself with `[]` (a panic, which is
//! a bug), and trusts control-flow shapes the compiler always produces (a test followed by
//! its jump, LOADKX followed by EXTRAARG, "up to top" operands right after the instruction
//! that set top). Our compiler guarantees all of that; a binary chunk guarantees nothing,
//! so every loaded prototype passes through [`verify`] before it can run, and debug builds
//! run it on every compiled prototype too (so compiler bugs surface in tests).
//!
//! What a verified prototype guarantees (per prototype, recursively for nested ones):
//! ```text
//!  structure   numparams <= maxstacksize; #upvalues <= 255; code non-empty;
//!              lineinfo empty (stripped) or one line per instruction;
//!              locvars: startpc <= endpc <= #code, never more active than maxstacksize;
//!              upvalue kinds 0..=2
//!  varargs     is_vararg <=> code[0] is VARARGPREP numparams; VARARGPREP nowhere else;
//!              nothing jumps to pc 0 of a vararg function; VARARG only in vararg functions
//!  opcodes     every opcode < NUM_OPS
//!  registers   every register an instruction reads or writes is < maxstacksize, ranges
//!              included: CALL A..A+B-1 and results A..A+C-2, RETURN A..A+B-2, LOADNIL
//!              A..A+B, CONCAT A..A+B-1 (B >= 2), SETLIST A..A+B, numeric for A..A+3,
//!              generic for A..A+6 (TFORCALL's scratch registers) and A+3+C, SELF A+1,
//!              VARARG A..A+C-2
//!  constants   indices < #k; table keys in GETTABUP/GETFIELD/SETTABUP/SETFIELD/SELF-k are
//!              strings; arithmetic-K operands numbers, bitwise-K operands integers
//!  upvalues    indices < #upvalues; each nested prototype's descriptors point at a register
//!              < maxstacksize (instack) or an upvalue < #upvalues of this function
//!  closures    CLOSURE Bx < #p
//!  control     every successor pc of every instruction lies in 0..#code (so nothing falls
//!              off the end): jumps, for-loop offsets, skips (LFALSESKIP, tests);
//!              tests (EQ..GEI, TEST, TESTSET) are followed by JMP; LOADKX and SETLIST-k by
//!              EXTRAARG, which appears nowhere else; SETLIST's index base stays below
//!              50 x #code (so a table is never grown beyond what the chunk could fill)
//!  top         an instruction taking "up to top" (CALL/TAILCALL/SETLIST with B=0,
//!              RETURN with B=0) directly follows one that sets top (CALL/VARARG with C=0,
//!              TAILCALL), is not a jump target, and starts at or below where top can be
//!              (so counts computed from top never underflow); conversely every
//!              top-setting instruction is followed by such a consumer
//! ```
//! Anything our compiler never produces is rejected even where it might be harmless.
//!
//! The opcode sets named above (tests, jumps, what goes on where, EXTRAARG owners, top
//! producers and consumers) are not listed here: they come from the opcode table's flags
//! (`opcodes::flag`, `Instr::jump_target`, `Instr::sets_top`, ...). The operand checks, which
//! registers, constants and upvalues each opcode names, are per-opcode code below.

#![forbid(unsafe_code)]

use crate::opcodes::{Op, FIELDS_PER_FLUSH, NUM_OPS, OP_NAMES};
use crate::proto::Proto;
use crate::value::Value;

/// Checks `p` and every nested prototype; `Err` says what is wrong and where.
pub fn verify(p: &Proto) -> Result<(), String> {
    Checker { p }.check()?;
    for sub in &p.p {
        verify(sub)?;
    }
    Ok(())
}

struct Checker<'a> {
    p: &'a Proto,
}

impl Checker<'_> {
    fn err(&self, pc: usize, msg: impl std::fmt::Display) -> String {
        match self.p.code.get(pc) {
            Some(i) => format!("{msg} at pc {} ({i:?})", pc + 1),
            None => format!("{msg} at pc {}", pc + 1),
        }
    }

    fn check(&self) -> Result<(), String> {
        let p = self.p;
        let n = p.code.len();
        let mss = p.maxstacksize as usize;
        if n == 0 {
            return Err("function without code".into());
        }
        if p.numparams as usize > mss {
            return Err("more parameters than registers".into());
        }
        if p.upvalues.len() > 255 {
            return Err("too many upvalues".into());
        }
        if !p.lineinfo.is_empty() && p.lineinfo.len() != n {
            return Err("line info does not match code".into());
        }
        if p.upvalues.iter().any(|u| u.kind > 2) {
            return Err("bad upvalue kind".into());
        }
        self.check_locvars()?;
        for sub in &p.p {
            for u in &sub.upvalues {
                let ok = if u.instack {
                    (u.idx as usize) < mss
                } else {
                    (u.idx as usize) < p.upvalues.len()
                };
                if !ok {
                    return Err("nested function captures a nonexistent variable".into());
                }
            }
        }
        for (pc, &i) in p.code.iter().enumerate() {
            if i.opcode() as usize >= NUM_OPS {
                return Err(format!("invalid opcode {} at pc {}", i.opcode(), pc + 1));
            }
        }
        if p.is_vararg {
            let i = p.code[0];
            if i.op() != Op::VarArgPrep || i.a() != p.numparams as usize {
                return Err("vararg function does not start with VARARGPREP".into());
            }
        }
        // Pcs some instruction can transfer control to other than by falling through.
        let mut target = vec![false; n];
        for pc in 0..n {
            for t in self.successors(pc)? {
                let t = usize::try_from(t)
                    .ok()
                    .filter(|&t| t < n)
                    .ok_or_else(|| self.err(pc, "jump out of code"))?;
                if t != pc + 1 {
                    target[t] = true;
                }
            }
        }
        if p.is_vararg && target[0] {
            return Err("jump to VARARGPREP".into());
        }
        for (pc, &is_target) in target.iter().enumerate() {
            self.check_instr(pc, is_target)?;
        }
        Ok(())
    }

    fn check_locvars(&self) -> Result<(), String> {
        let p = self.p;
        let n = p.code.len();
        // delta[pc]: variables becoming active minus those dying at pc.
        let mut delta = vec![0i64; n + 1];
        for lv in &p.locvars {
            let (s, e) = (lv.startpc as usize, lv.endpc as usize);
            if s > e || e > n {
                return Err(format!("bad local variable range for '{}'", lv.name));
            }
            delta[s] += 1;
            delta[e] -= 1;
        }
        let mut active = 0i64;
        for d in delta {
            active += d;
            if active > p.maxstacksize as i64 {
                return Err("more active local variables than registers".into());
            }
        }
        Ok(())
    }

    /// Every pc control can reach from `pc` (as signed numbers, range-checked by the caller),
    /// read off the opcode's control-flow flags (`opcodes::flag`).
    fn successors(&self, pc: usize) -> Result<Vec<i64>, String> {
        let code = &self.p.code;
        let i = code[pc];
        let op = i.op();
        let next = pc as i64 + 1;
        let mut succ = Vec::with_capacity(2);
        if op.is_test() {
            // The test runs its JMP itself: on to the JMP's target, or past both.
            match code.get(pc + 1) {
                Some(j) if j.opcode() == Op::Jmp as u8 => {
                    succ.extend([next + 1, next + 1 + j.sj() as i64]);
                }
                _ => return Err(self.err(pc, "test not followed by a jump")),
            }
        } else if i.has_extraarg() {
            match code.get(pc + 1) {
                Some(j) if j.opcode() == Op::ExtraArg as u8 => succ.push(next + 1),
                _ => {
                    let name = OP_NAMES[op as usize].to_uppercase();
                    return Err(self.err(pc, format!("{name} without EXTRAARG")));
                }
            }
        } else {
            if !op.no_fallthrough() {
                succ.push(next);
            }
            if op.skips_next() {
                succ.push(next + 1);
            }
        }
        succ.extend(i.jump_target(pc));
        Ok(succ)
    }

    fn check_instr(&self, pc: usize, is_target: bool) -> Result<(), String> {
        let p = self.p;
        let i = p.code[pc];
        let mss = p.maxstacksize as usize;
        let nup = p.upvalues.len();
        let (a, b, c) = (i.a(), i.b(), i.c());
        let reg = |r: usize| {
            if r < mss {
                Ok(())
            } else {
                Err(self.err(pc, format!("register {r} out of range")))
            }
        };
        // Registers first..first+count-1 (nothing when count is 0).
        let range = |first: usize, count: usize| {
            if first + count <= mss {
                Ok(())
            } else {
                Err(self.err(pc, "register range out of range"))
            }
        };
        let upv = |u: usize| {
            if u < nup {
                Ok(())
            } else {
                Err(self.err(pc, format!("upvalue {u} out of range")))
            }
        };
        let konst = |x: usize| -> Result<Value, String> {
            p.k.get(x)
                .copied()
                .ok_or_else(|| self.err(pc, format!("constant {x} out of range")))
        };
        let kstr = |x: usize| match konst(x)? {
            Value::Str(_) => Ok(()),
            _ => Err(self.err(pc, "constant key is not a string")),
        };
        let knum = |x: usize| match konst(x)? {
            Value::Int(_) | Value::Float(_) => Ok(()),
            _ => Err(self.err(pc, "constant operand is not a number")),
        };
        let kint = |x: usize| match konst(x)? {
            Value::Int(_) => Ok(()),
            _ => Err(self.err(pc, "constant operand is not an integer")),
        };
        let rk = || if i.k() { konst(c).map(|_| ()) } else { reg(c) };
        let prev = pc.checked_sub(1).map(|q| p.code[q]);

        if i.uses_top() {
            let Some(prod) = prev.filter(|&j| j.sets_top()) else {
                return Err(self.err(pc, "multiple results without a producer"));
            };
            if is_target {
                return Err(self.err(pc, "jump to an instruction that uses top"));
            }
            // Top is at least prod.a() (results start at the producer's register); the
            // consumer computes counts from top minus its own start.
            let need_above = !matches!(i.op(), Op::Return);
            if prod.op() == Op::TailCall {
                if i.op() != Op::Return {
                    return Err(self.err(pc, "TAILCALL not followed by RETURN"));
                }
            } else if prod.a() < a + need_above as usize {
                return Err(self.err(pc, "multiple results below the consumer"));
            }
        }
        if i.sets_top() {
            match p.code.get(pc + 1) {
                Some(&j) if j.uses_top() => {}
                _ => return Err(self.err(pc, "multiple results not consumed")),
            }
        }

        match i.op() {
            Op::Move => {
                reg(a)?;
                reg(b)?;
            }
            Op::LoadI | Op::LoadF | Op::LoadFalse | Op::LFalseSkip | Op::LoadTrue => reg(a)?,
            Op::LoadK => {
                reg(a)?;
                konst(i.bx())?;
            }
            Op::LoadKX => {
                reg(a)?;
                konst(p.code[pc + 1].ax())?;
            }
            Op::LoadNil => range(a, b + 1)?,
            Op::GetUpval | Op::SetUpval => {
                reg(a)?;
                upv(b)?;
            }
            Op::GetTabUp => {
                reg(a)?;
                upv(b)?;
                kstr(c)?;
            }
            Op::GetTable => {
                reg(a)?;
                reg(b)?;
                reg(c)?;
            }
            Op::GetI => {
                reg(a)?;
                reg(b)?;
            }
            Op::GetField => {
                reg(a)?;
                reg(b)?;
                kstr(c)?;
            }
            Op::SetTabUp => {
                upv(a)?;
                kstr(b)?;
                rk()?;
            }
            Op::SetTable => {
                reg(a)?;
                reg(b)?;
                rk()?;
            }
            Op::SetI => {
                reg(a)?;
                rk()?;
            }
            Op::SetField => {
                reg(a)?;
                kstr(b)?;
                rk()?;
            }
            Op::NewTable => reg(a)?,
            Op::Self_ => {
                range(a, 2)?;
                reg(b)?;
                if i.k() {
                    kstr(c)?;
                } else {
                    reg(c)?;
                }
            }
            Op::AddI | Op::ShrI | Op::ShlI => {
                reg(a)?;
                reg(b)?;
            }
            Op::AddK | Op::SubK | Op::MulK | Op::ModK | Op::PowK | Op::DivK | Op::IDivK => {
                reg(a)?;
                reg(b)?;
                knum(c)?;
            }
            Op::BAndK | Op::BOrK | Op::BXorK => {
                reg(a)?;
                reg(b)?;
                kint(c)?;
            }
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Mod
            | Op::Pow
            | Op::Div
            | Op::IDiv
            | Op::BAnd
            | Op::BOr
            | Op::BXor
            | Op::Shl
            | Op::Shr => {
                reg(a)?;
                reg(b)?;
                reg(c)?;
            }
            Op::Unm | Op::BNot | Op::Not | Op::Len => {
                reg(a)?;
                reg(b)?;
            }
            Op::Concat => {
                if b < 2 {
                    return Err(self.err(pc, "CONCAT of fewer than two values"));
                }
                range(a, b)?;
            }
            Op::Close | Op::Tbc => reg(a)?,
            Op::Jmp => {}
            Op::Eq | Op::Lt | Op::Le => {
                reg(a)?;
                reg(b)?;
            }
            Op::EqK => {
                reg(a)?;
                konst(b)?;
            }
            Op::EqI | Op::LtI | Op::LeI | Op::GtI | Op::GeI | Op::Test => reg(a)?,
            Op::TestSet => {
                reg(a)?;
                reg(b)?;
            }
            Op::Call | Op::TailCall => {
                reg(a)?;
                if b > 0 {
                    range(a, b)?;
                }
                if i.op() == Op::Call && c > 0 {
                    range(a, c - 1)?;
                }
            }
            Op::Return => {
                if b > 0 {
                    range(a, b - 1)?;
                } else {
                    reg(a)?;
                }
            }
            Op::Return0 => {}
            Op::Return1 => reg(a)?,
            Op::ForLoop | Op::ForPrep | Op::TForPrep => range(a, 4)?,
            Op::TForCall => {
                range(a, 7)?;
                range(a + 4, c)?;
            }
            Op::TForLoop => range(a, 5)?,
            Op::SetList => {
                range(a, b + 1)?;
                let off = if i.k() {
                    c + p.code[pc + 1].ax() * 256
                } else {
                    c
                };
                if off > p.code.len() * FIELDS_PER_FLUSH as usize {
                    return Err(self.err(pc, "SETLIST index out of range"));
                }
            }
            Op::Closure => {
                reg(a)?;
                if i.bx() >= p.p.len() {
                    return Err(self.err(pc, "CLOSURE of a nonexistent function"));
                }
            }
            Op::VarArg => {
                if !p.is_vararg {
                    return Err(self.err(pc, "VARARG in a function without varargs"));
                }
                reg(a)?;
                if c > 0 {
                    range(a, c - 1)?;
                }
            }
            Op::VarArgPrep => {
                if pc != 0 || !p.is_vararg {
                    return Err(self.err(pc, "misplaced VARARGPREP"));
                }
            }
            Op::ExtraArg => {
                if !prev.is_some_and(|j| j.has_extraarg()) {
                    return Err(self.err(pc, "misplaced EXTRAARG"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcodes::Instr;
    use std::rc::Rc;

    fn proto(code: Vec<Instr>, mss: u8) -> Proto {
        let mut p = Proto::new(Rc::from(&b"=t"[..]));
        p.code = code;
        p.maxstacksize = mss;
        p
    }

    fn ret0() -> Instr {
        Instr::abc(Op::Return0, 0, 0, 0, false)
    }

    #[test]
    fn accepts_minimal() {
        assert!(verify(&proto(vec![ret0()], 2)).is_ok());
    }

    #[test]
    fn rejects_bad_programs() {
        let bad: Vec<(Vec<Instr>, &str)> = vec![
            (vec![], "without code"),
            (vec![Instr(0x7f)], "invalid opcode"),
            (
                vec![Instr::abc(Op::Move, 2, 0, 0, false), ret0()],
                "register 2",
            ),
            (
                vec![Instr::abc(Op::LoadNil, 0, 2, 0, false), ret0()],
                "range",
            ),
            (
                vec![Instr::abc(Op::LoadTrue, 0, 0, 0, false)],
                "jump out of code",
            ),
            (vec![Instr::sj_(Op::Jmp, 5), ret0()], "jump out of code"),
            (vec![Instr::sj_(Op::Jmp, -2), ret0()], "jump out of code"),
            (
                vec![Instr::abc(Op::Test, 0, 0, 0, false), ret0(), ret0()],
                "not followed by a jump",
            ),
            (vec![Instr::abx(Op::LoadK, 0, 0), ret0()], "constant 0"),
            (
                vec![Instr::abc(Op::GetUpval, 0, 0, 0, false), ret0()],
                "upvalue 0",
            ),
            (vec![Instr::abx(Op::Closure, 0, 0), ret0()], "CLOSURE"),
            (
                vec![Instr::abc(Op::LoadKX, 0, 0, 0, false), ret0()],
                "EXTRAARG",
            ),
            (
                vec![Instr::ax_(Op::ExtraArg, 0), ret0()],
                "misplaced EXTRAARG",
            ),
            (vec![Instr::abc(Op::Return, 0, 0, 0, false)], "producer"),
            (
                vec![Instr::abc(Op::Call, 0, 1, 0, false), ret0()],
                "not consumed",
            ),
            (
                vec![
                    Instr::abc(Op::Call, 0, 1, 0, false),
                    Instr::abc(Op::Call, 0, 0, 1, false),
                    ret0(),
                ],
                "below the consumer",
            ),
            (vec![Instr::abx(Op::TForCall, 0, 0), ret0()], "range"),
            (
                vec![Instr::abx(Op::ForLoop, 0, 5), ret0()],
                "jump out of code",
            ),
            (
                vec![Instr::abc(Op::VarArgPrep, 0, 0, 0, false), ret0()],
                "VARARGPREP",
            ),
            (
                vec![Instr::abc(Op::VarArg, 0, 0, 2, false), ret0()],
                "VARARG",
            ),
            (
                vec![Instr::abc(Op::Concat, 0, 1, 0, false), ret0()],
                "CONCAT",
            ),
        ];
        for (code, msg) in bad {
            let e = verify(&proto(code.clone(), 2)).expect_err(msg);
            assert!(e.contains(msg), "{code:?}: {e}");
        }
        // Constant types.
        let mut p = proto(vec![Instr::abc(Op::GetField, 0, 0, 0, false), ret0()], 2);
        p.k.push(Value::Int(1));
        assert!(verify(&p).unwrap_err().contains("not a string"));
        // Upvalue descriptors of nested functions.
        let mut sub = proto(vec![ret0()], 2);
        sub.upvalues.push(crate::proto::UpvalDesc {
            name: None,
            instack: true,
            idx: 2,
            kind: 0,
        });
        let mut p = proto(vec![ret0()], 2);
        p.p.push(Rc::new(sub));
        assert!(verify(&p).unwrap_err().contains("captures"));
        // Vararg functions start with VARARGPREP and nothing jumps back to it.
        let mut p = proto(
            vec![
                Instr::abc(Op::VarArgPrep, 0, 0, 0, false),
                Instr::sj_(Op::Jmp, -2),
            ],
            2,
        );
        p.is_vararg = true;
        assert!(verify(&p).unwrap_err().contains("jump to VARARGPREP"));
    }
}
