//! One instruction run through the interpreter's general paths, for a JIT's call-out of an
//! instruction that calls a metamethod (`jit` crate, `callout.rs`).
//!
//! The JIT rebuilt the interpreter's state at the instruction and advanced the frame's pc
//! past it, as the interpreter's fetch does. [`State::jit_exec_op`] then does what the
//! interpreter's handler would do on its slow path (the same `State` methods: `arith`,
//! `index`, `set_index`, comparisons, `len_of`, `concat_regs`), metamethods running in
//! nested loops as they do from the interpreter, so errors, yields (finished by `finish_op`
//! after a resume) and debug information are the interpreter's.
//!
//! Invariants:
//! - On return the frame is where the interpreter would be after the instruction: its result
//!   in place, `top` at the frame's top, and for a comparison the pc past its jump or at
//!   the jump's target.
//! - Only opcodes [`steppable`] accepts reach it; any other is an error.

#![forbid(unsafe_code)]

use crate::debug::Slot;
use crate::error::LuaResult;
use crate::number::ArithOp;
use crate::opcodes::{Instr, Op};
use crate::state::State;
use crate::value::Value;

/// Can [`State::jit_exec_op`] run instructions with opcode `op`? (Those whose general path
/// may call a metamethod, TFORCALL's call of its iterator, and TBC and CLOSE, which mark
/// and close to-be-closed variables (`__close`); CALL aside.)
pub fn steppable(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Add | Sub
            | Mul
            | Mod
            | Pow
            | Div
            | IDiv
            | BAnd
            | BOr
            | BXor
            | Shl
            | Shr
            | AddI
            | AddK
            | SubK
            | MulK
            | ModK
            | PowK
            | DivK
            | IDivK
            | BAndK
            | BOrK
            | BXorK
            | ShrI
            | ShlI
            | Unm
            | BNot
            | GetTable
            | GetI
            | GetField
            | GetTabUp
            | Self_
            | SetTable
            | SetI
            | SetField
            | SetTabUp
            | Len
            | Concat
            | Eq
            | Lt
            | Le
            | LtI
            | LeI
            | GtI
            | GeI
            | TForCall
            | Tbc
            | Close
    )
}

/// An arithmetic operation with its operands and where they are (for error messages).
type ArithCall = (ArithOp, Value, Value, Option<Slot>, Option<Slot>);

/// The operation and operands of an arithmetic or bitwise instruction `i` in a frame with
/// registers from `base` (constants `k`).
fn arith_operands(st: &State, i: Instr, base: usize, k: &[Value]) -> Option<ArithCall> {
    use ArithOp as A;
    let op = match i.op() {
        Op::Add | Op::AddK | Op::AddI => A::Add,
        Op::Sub | Op::SubK => A::Sub,
        Op::Mul | Op::MulK => A::Mul,
        Op::Mod | Op::ModK => A::Mod,
        Op::Pow | Op::PowK => A::Pow,
        Op::Div | Op::DivK => A::Div,
        Op::IDiv | Op::IDivK => A::IDiv,
        Op::BAnd | Op::BAndK => A::BAnd,
        Op::BOr | Op::BOrK => A::BOr,
        Op::BXor | Op::BXorK => A::BXor,
        Op::Shl | Op::ShlI => A::Shl,
        Op::Shr | Op::ShrI => A::Shr,
        Op::Unm => A::Unm,
        Op::BNot => A::BNot,
        _ => return None,
    };
    let ts = st.ts();
    let rb = ts.stack[base + i.b()];
    let sb = Some(Slot::Reg(i.b()));
    let imm = Value::Int(i.sc() as i64);
    Some(match i.op() {
        Op::AddK
        | Op::SubK
        | Op::MulK
        | Op::ModK
        | Op::PowK
        | Op::DivK
        | Op::IDivK
        | Op::BAndK
        | Op::BOrK
        | Op::BXorK => (op, rb, k[i.c()], sb, None),
        Op::AddI | Op::ShrI => (op, rb, imm, sb, None),
        // (`sC << R[B]`.)
        Op::ShlI => (op, imm, rb, None, sb),
        Op::Unm | Op::BNot => (op, rb, rb, sb, sb),
        _ => (op, rb, ts.stack[base + i.c()], sb, Some(Slot::Reg(i.c()))),
    })
}

impl State {
    /// Run the instruction before the top frame's pc through the interpreter's general
    /// paths (see the module doc).
    pub fn jit_exec_op(&mut self) -> LuaResult<()> {
        let ts = self.ts();
        let fr = *ts.frames.last().expect("a Lua frame");
        let Some(cl) = fr.closure else {
            return Err(self.error_msg("internal JIT error: call-out of a native frame"));
        };
        let (pc, base) = (fr.pc, fr.base);
        let i = cl.proto.code[pc - 1];
        let k = &cl.proto.k;
        let a = base + i.a();
        if let Some((op, x, y, sx, sy)) = arith_operands(self, i, base, k) {
            let v = self.arith(op, x, y, sx, sy)?;
            self.ts().stack[a] = v;
        } else {
            match i.op() {
                Op::GetTable | Op::GetI | Op::GetField => {
                    let v = self.get_slow(i, base, k)?;
                    self.ts().stack[a] = v;
                }
                Op::GetTabUp => {
                    let t = cl.upval(i.b()).get();
                    let v = self.index(t, k[i.c()], Some(Slot::Upval(i.b())))?;
                    self.ts().stack[a] = v;
                }
                Op::Self_ => {
                    let ts = self.ts();
                    let obj = ts.stack[base + i.b()];
                    let key = if i.k() {
                        k[i.c()]
                    } else {
                        ts.stack[base + i.c()]
                    };
                    ts.stack[a + 1] = obj;
                    let v = self.index(obj, key, Some(Slot::Reg(i.b())))?;
                    self.ts().stack[a] = v;
                }
                Op::SetTable | Op::SetI | Op::SetField => self.set_slow(i, base, k)?,
                Op::SetTabUp => {
                    let t = cl.upval(i.a()).get();
                    let v = if i.k() {
                        k[i.c()]
                    } else {
                        self.ts().stack[base + i.c()]
                    };
                    self.set_index(t, k[i.b()], v, Some(Slot::Upval(i.a())))?;
                }
                Op::Len => {
                    let o = self.ts().stack[base + i.b()];
                    let v = self.len_of(o, Some(Slot::Reg(i.b())))?;
                    self.ts().stack[a] = v;
                }
                Op::Concat => self.concat_regs(a, i.b())?,
                Op::Eq | Op::Lt | Op::Le | Op::LtI | Op::LeI | Op::GtI | Op::GeI => {
                    let c = self.compare_slow(i, base)?;
                    let fr = self.ts().frames.last_mut().expect("a Lua frame");
                    if c != i.k() {
                        fr.pc += 1;
                    } else {
                        // (A test is always followed by its jump.)
                        let j = cl.proto.code[pc];
                        fr.pc = (pc as i64 + 1 + j.sj() as i64) as usize;
                    }
                }
                Op::Tbc => {
                    let v = self.ts().stack[a];
                    self.mark_tbc(a, v)?;
                }
                Op::Close => {
                    self.close_upvals(a);
                    self.close_tbc_yieldable(a)?;
                }
                Op::TForCall => {
                    // As the interpreter: the iterator triple above the loop's registers,
                    // called there for C results.
                    let ts = self.ts();
                    for j in 0..3 {
                        ts.stack[a + 4 + j] = ts.stack[a + j];
                    }
                    ts.top = a + 7;
                    self.jit_call(a + 4, i.c() as i32)?;
                }
                op => return Err(self.error_msg(format!("internal JIT error: call-out of {op:?}"))),
            }
        }
        let ts = self.ts();
        ts.top = ts.frames.last().expect("a Lua frame").top;
        Ok(())
    }
}
