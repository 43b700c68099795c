//! Recording arithmetic, bitwise operations, comparisons and concatenation.
//!
//! Operands are specialised on their number subtypes, as Lua 5.4 computes them: integers
//! with wrapping `+ - *`, floor `//` and `%` (a divisor of zero is guarded away: there the
//! interpreter raises), `/` and `^` always in floats; a float with an integer operand
//! converts the integer first. Bitwise operations need integers: a float operand is
//! converted with an exactness guard. Strings (coercion) and metamethods abort.
//!
//! Comparisons become guards asserting the outcome the interpreter is about to see. Integer
//! and float operands compare exactly: an integer compared with a float is converted only
//! when guards prove the conversion exact (|i| <= 2^53).

use crate::abort::{Abort, Reason, RecResult};
use crate::ir::{Op, Ref, Ty};
use crate::record::{MetaRet, Opnd, Recorder};
use lua_core::number::ArithOp;
use lua_core::opcodes::{Instr, Op as Bc};
use lua_core::tm::{Tm, TM_NAMES};
use lua_core::{State, Value};

/// Integers up to this magnitude convert to floats exactly.
const EXACT_INT: i64 = 1 << 53;

impl Recorder {
    pub fn arith(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        use Bc::*;
        let kint = |r: &mut Recorder, x: i64| Opnd {
            r: r.em.ir.kint(x),
            v: Value::Int(x),
        };
        let (op, a, b) = match i.op() {
            AddI => (
                ArithOp::Add,
                self.reg(st, i.b())?,
                kint(self, i.sc() as i64),
            ),
            AddK => (ArithOp::Add, self.reg(st, i.b())?, self.kst(i.c())),
            SubK => (ArithOp::Sub, self.reg(st, i.b())?, self.kst(i.c())),
            MulK => (ArithOp::Mul, self.reg(st, i.b())?, self.kst(i.c())),
            ModK => (ArithOp::Mod, self.reg(st, i.b())?, self.kst(i.c())),
            PowK => (ArithOp::Pow, self.reg(st, i.b())?, self.kst(i.c())),
            DivK => (ArithOp::Div, self.reg(st, i.b())?, self.kst(i.c())),
            IDivK => (ArithOp::IDiv, self.reg(st, i.b())?, self.kst(i.c())),
            BAndK => (ArithOp::BAnd, self.reg(st, i.b())?, self.kst(i.c())),
            BOrK => (ArithOp::BOr, self.reg(st, i.b())?, self.kst(i.c())),
            BXorK => (ArithOp::BXor, self.reg(st, i.b())?, self.kst(i.c())),
            ShrI => (
                ArithOp::Shr,
                self.reg(st, i.b())?,
                kint(self, i.sc() as i64),
            ),
            ShlI => (
                ArithOp::Shl,
                kint(self, i.sc() as i64),
                self.reg(st, i.b())?,
            ),
            Add | Sub | Mul | Mod | Pow | Div | IDiv | BAnd | BOr | BXor | Shl | Shr => {
                let op = match i.op() {
                    Add => ArithOp::Add,
                    Sub => ArithOp::Sub,
                    Mul => ArithOp::Mul,
                    Mod => ArithOp::Mod,
                    Pow => ArithOp::Pow,
                    Div => ArithOp::Div,
                    IDiv => ArithOp::IDiv,
                    BAnd => ArithOp::BAnd,
                    BOr => ArithOp::BOr,
                    BXor => ArithOp::BXor,
                    Shl => ArithOp::Shl,
                    _ => ArithOp::Shr,
                };
                (op, self.reg(st, i.b())?, self.reg(st, i.c())?)
            }
            Unm => {
                let x = self.reg(st, i.b())?;
                (ArithOp::Unm, x, x)
            }
            BNot => {
                let x = self.reg(st, i.b())?;
                (ArithOp::BNot, x, x)
            }
            _ => unreachable!("not an arithmetic instruction"),
        };
        let is_num = |r: &Recorder, o: &Opnd| matches!(r.em.ir.ty(o.r), Ty::Int | Ty::Num);
        let table_operand = matches!(a.v, Value::Table(_)) || matches!(b.v, Value::Table(_));
        if (!is_num(self, &a) || !is_num(self, &b)) && table_operand {
            let dest = self.frame().base + i.a() as i32;
            return self.arith_meta(st, op, a, b, dest);
        }
        let r = self.arith_op(op, a, b)?;
        self.set_reg(i.a(), r);
        Ok(())
    }

    /// An arithmetic metamethod from a table operand's metatable (the first operand's, else
    /// the second's), inlined; its result goes to slot `dest`.
    fn arith_meta(
        &mut self,
        st: &mut State,
        op: ArithOp,
        a: Opnd,
        b: Opnd,
        dest: i32,
    ) -> RecResult<()> {
        let event = lua_core::tm::arith_tm(op);
        if self.meta_call(st, event, [a, b], &[a.r, b.r], MetaRet::Store(dest))? {
            return Ok(());
        }
        Err(Abort::with(Reason::NyiMeta, op.event()))
    }

    fn num_ty(&self, o: &Opnd, what: &str) -> RecResult<Ty> {
        match self.em.ir.ty(o.r) {
            t @ (Ty::Int | Ty::Num) => Ok(t),
            Ty::Str => Err(Abort::with(Reason::NyiCoercion, what)),
            _ => Err(Abort::with(Reason::NyiMeta, what)),
        }
    }

    /// The float value of a number operand.
    pub fn num_operand(&mut self, o: Opnd) -> RecResult<Ref> {
        match self.em.ir.ty(o.r) {
            Ty::Num => Ok(o.r),
            _ => self.emit(Op::Conv, Ty::Num, o.r, Ref::NONE, 0),
        }
    }

    /// The integer value of a number operand (a float must have an exact integer value).
    fn int_operand(&mut self, o: Opnd) -> RecResult<Ref> {
        match o.v {
            Value::Int(_) => Ok(o.r),
            Value::Float(f) => {
                if lua_core::number::float_to_int_exact(f).is_none() {
                    // The interpreter raises "number has no integer representation".
                    return Err(Abort::with(Reason::NyiType, "bitwise operation"));
                }
                self.guard(Op::NToI, Ty::Int, o.r, Ref::NONE, 0)
            }
            _ => Err(Abort::with(Reason::NyiType, "bitwise operation")),
        }
    }

    pub fn arith_op(&mut self, op: ArithOp, a: Opnd, b: Opnd) -> RecResult<Ref> {
        let what = op.event();
        let ta = self.num_ty(&a, what)?;
        let tb = self.num_ty(&b, what)?;
        if op.is_bitwise() {
            let x = self.int_operand(a)?;
            if op == ArithOp::BNot {
                return self.emit(Op::BNot, Ty::Int, x, Ref::NONE, 0);
            }
            let y = self.int_operand(b)?;
            let irop = match op {
                ArithOp::BAnd => Op::BAnd,
                ArithOp::BOr => Op::BOr,
                ArithOp::BXor => Op::BXor,
                ArithOp::Shl => Op::BShl,
                _ => Op::BShr,
            };
            return self.emit(irop, Ty::Int, x, y, 0);
        }
        let ints = ta == Ty::Int && tb == Ty::Int;
        match op {
            ArithOp::Unm => {
                let t = if ta == Ty::Int { Ty::Int } else { Ty::Num };
                self.emit(Op::Neg, t, a.r, Ref::NONE, 0)
            }
            ArithOp::Add | ArithOp::Sub | ArithOp::Mul => {
                let irop = match op {
                    ArithOp::Add => Op::Add,
                    ArithOp::Sub => Op::Sub,
                    _ => Op::Mul,
                };
                if ints {
                    self.emit(irop, Ty::Int, a.r, b.r, 0)
                } else {
                    let (x, y) = (self.num_operand(a)?, self.num_operand(b)?);
                    self.emit(irop, Ty::Num, x, y, 0)
                }
            }
            ArithOp::Div | ArithOp::Pow => {
                let (x, y) = (self.num_operand(a)?, self.num_operand(b)?);
                let irop = if op == ArithOp::Div { Op::Div } else { Op::Pow };
                self.emit(irop, Ty::Num, x, y, 0)
            }
            ArithOp::IDiv | ArithOp::Mod => {
                let irop = if op == ArithOp::IDiv {
                    Op::IDiv
                } else {
                    Op::Mod
                };
                if ints {
                    if matches!(b.v, Value::Int(0)) {
                        // The interpreter raises here.
                        return Err(Abort::with(Reason::NyiType, what));
                    }
                    let z = self.em.ir.kint(0);
                    self.guard(Op::Ne, Ty::Int, b.r, z, 0)?;
                    self.emit(irop, Ty::Int, a.r, b.r, 0)
                } else {
                    let (x, y) = (self.num_operand(a)?, self.num_operand(b)?);
                    if op == ArithOp::IDiv {
                        let q = self.emit(Op::Div, Ty::Num, x, y, 0)?;
                        self.emit(Op::Floor, Ty::Num, q, Ref::NONE, 0)
                    } else {
                        self.emit(Op::Mod, Ty::Num, x, y, 0)
                    }
                }
            }
            _ => Err(Abort::with(Reason::NyiType, what)),
        }
    }

    /// An integer operand as a float, with guards that the conversion is exact.
    fn int_as_num(&mut self, o: Opnd) -> RecResult<Ref> {
        if let Some(k) = self.em.ir.as_kint(o.r) {
            if k.abs() <= EXACT_INT {
                return Ok(self.em.ir.knum(k as f64));
            }
        }
        let Value::Int(v) = o.v else {
            return Err(Abort::with(Reason::NyiType, "comparison"));
        };
        if v.abs() > EXACT_INT {
            return Err(Abort::with(Reason::NyiType, "comparison"));
        }
        let (lo, hi) = (self.em.ir.kint(-EXACT_INT), self.em.ir.kint(EXACT_INT));
        self.guard(Op::Le, Ty::Int, o.r, hi, 0)?;
        self.guard(Op::Ge, Ty::Int, o.r, lo, 0)?;
        self.emit(Op::Conv, Ty::Num, o.r, Ref::NONE, 0)
    }

    /// Bring two number operands to one type for a comparison.
    fn cmp_operands(&mut self, a: Opnd, b: Opnd) -> RecResult<(Ty, Ref, Ref)> {
        let (ta, tb) = (self.em.ir.ty(a.r), self.em.ir.ty(b.r));
        Ok(match (ta, tb) {
            (Ty::Int, Ty::Int) => (Ty::Int, a.r, b.r),
            (Ty::Num, Ty::Num) => (Ty::Num, a.r, b.r),
            (Ty::Int, Ty::Num) => (Ty::Num, self.int_as_num(a)?, b.r),
            (Ty::Num, Ty::Int) => (Ty::Num, a.r, self.int_as_num(b)?),
            _ => return Err(Abort::with(Reason::NyiType, "comparison")),
        })
    }

    /// Guard that `a < b` (`le`: `a <= b`) has outcome `res`.
    fn guard_order(&mut self, le: bool, a: Opnd, b: Opnd, res: bool) -> RecResult<()> {
        let (ty, x, y) = self.cmp_operands(a, b)?;
        let op = match (le, res) {
            (false, true) => Op::Lt,
            (false, false) => Op::Ge,
            (true, true) => Op::Le,
            (true, false) => Op::Gt,
        };
        self.guard(op, ty, x, y, 0)?;
        Ok(())
    }

    /// Guard that `a == b` has outcome `res` (raw equality; metamethods abort).
    fn guard_eq(&mut self, a: Opnd, b: Opnd, res: bool) -> RecResult<()> {
        let (ta, tb) = (self.em.ir.ty(a.r), self.em.ir.ty(b.r));
        let op = if res { Op::Eq } else { Op::Ne };
        match (ta, tb) {
            (Ty::Int | Ty::Num, Ty::Int | Ty::Num) => {
                let (ty, x, y) = self.cmp_operands(a, b)?;
                self.guard(op, ty, x, y, 0)?;
            }
            _ if ta != tb => {
                // Different types are never equal: the types are already guarded.
                debug_assert!(!res);
            }
            (Ty::Nil, Ty::Nil) => {}
            (Ty::Str, Ty::Str) => {
                let short = |v: &Value| matches!(v, Value::Str(s) if s.is_short());
                let both_short = short(&a.v) && short(&b.v);
                if !res && !both_short {
                    return Err(Abort::with(Reason::NyiType, "long string comparison"));
                }
                if !short(&a.v) || !short(&b.v) {
                    // Equal long strings that are the same object: guard identity.
                    if !a.v.raw_eq(&b.v) || a.v.ptr_addr() != b.v.ptr_addr() {
                        return Err(Abort::with(Reason::NyiType, "long string comparison"));
                    }
                }
                self.guard(op, Ty::Str, a.r, b.r, 0)?;
            }
            (Ty::Tab | Ty::Udata, _) if !res => {
                // Different objects: __eq would be tried. Only tables without a metatable.
                for o in [a, b] {
                    match o.v {
                        Value::Table(t) if t.metatable().is_none() => {
                            let m = self.emit(
                                Op::FLoad,
                                Ty::Ptr,
                                o.r,
                                Ref::NONE,
                                crate::ir::Field::TabMeta as i64,
                            )?;
                            let z = self.em.ir.kptr(0);
                            self.guard(Op::Eq, Ty::Ptr, m, z, 0)?;
                        }
                        _ => return Err(Abort::with(Reason::NyiMeta, "__eq")),
                    }
                }
                self.guard(op, ta, a.r, b.r, 0)?;
            }
            _ => {
                self.guard(op, ta, a.r, b.r, 0)?;
            }
        }
        Ok(())
    }

    /// EQ/LT/LE and their constant/immediate forms: guard the outcome about to be seen.
    /// Returns true if a metamethod frame was entered instead (its return decides).
    pub fn compare(&mut self, st: &mut State, i: Instr) -> RecResult<bool> {
        use Bc::*;
        let imm = |r: &mut Recorder, i: Instr| {
            let x = i.sb() as i64;
            if i.c() != 0 {
                Opnd {
                    r: r.em.ir.knum(x as f64),
                    v: Value::Float(x as f64),
                }
            } else {
                Opnd {
                    r: r.em.ir.kint(x),
                    v: Value::Int(x),
                }
            }
        };
        let a = self.reg(st, i.a())?;
        match i.op() {
            Eq | EqK | EqI => {
                let b = match i.op() {
                    Eq => self.reg(st, i.b())?,
                    EqK => self.kst(i.b()),
                    _ => imm(self, i),
                };
                let res = a.v.raw_eq(&b.v);
                if !res && self.has_eq_meta(&a.v, &b.v) {
                    return self.eq_meta(st, a, b);
                }
                self.guard_eq(a, b, res)?;
            }
            Lt | Le => {
                let b = self.reg(st, i.b())?;
                let Some(res) = order(i.op() == Le, &a.v, &b.v) else {
                    return self.order_meta(st, i.op() == Le, a, b);
                };
                self.guard_order(i.op() == Le, a, b, res)?;
            }
            LtI | LeI | GtI | GeI => {
                let b = imm(self, i);
                // a > b is b < a; a >= b is b <= a.
                let (x, y, le) = match i.op() {
                    LtI => (a, b, false),
                    LeI => (a, b, true),
                    GtI => (b, a, false),
                    _ => (b, a, true),
                };
                let Some(res) = order(le, &x.v, &y.v) else {
                    return self.order_meta(st, le, x, y);
                };
                self.guard_order(le, x, y, res)?;
            }
            _ => unreachable!("not a comparison"),
        }
        Ok(false)
    }

    /// `a == b` for two different tables, one with a metatable: `__eq` from the first's
    /// metatable, else the second's, inlined; without one they are unequal.
    fn eq_meta(&mut self, st: &mut State, a: Opnd, b: Opnd) -> RecResult<bool> {
        let (Value::Table(_), Value::Table(_)) = (a.v, b.v) else {
            return Err(Abort::with(Reason::NyiMeta, "__eq"));
        };
        // The same table is equal to itself without asking.
        self.guard(Op::Ne, Ty::Tab, a.r, b.r, 0)?;
        if self.meta_call(st, Tm::Eq, [a, b], &[a.r, b.r], MetaRet::Cond)? {
            return Ok(true);
        }
        Ok(false)
    }

    /// `x < y` (`le`: `x <= y`) for operands that are not two numbers: `__lt`/`__le` from
    /// a table operand's metatable, inlined. Strings and other metamethod sources abort.
    fn order_meta(&mut self, st: &mut State, le: bool, x: Opnd, y: Opnd) -> RecResult<bool> {
        let event = if le { Tm::Le } else { Tm::Lt };
        if self.meta_call(st, event, [x, y], &[x.r, y.r], MetaRet::Cond)? {
            return Ok(true);
        }
        // No metamethod: an error (or, for `<=`, the `__lt` fallback) the interpreter raises.
        Err(Abort::with(Reason::NyiMeta, TM_NAMES[event as usize]))
    }

    /// Look `event` up in the metatables of `ops` in turn and inline a call of the first
    /// found with `args`, its return finishing the instruction as `ret` says. A table's
    /// metatable is looked in by shape (`table_meta_field`); a number is passed over
    /// (numbers have no metatable); anything else aborts. False if no operand has the metamethod.
    fn meta_call(
        &mut self,
        st: &mut State,
        event: Tm,
        ops: [Opnd; 2],
        args: &[Ref],
        ret: MetaRet,
    ) -> RecResult<bool> {
        let nyi = || Abort::with(Reason::NyiMeta, TM_NAMES[event as usize]);
        for o in ops {
            let Value::Table(t) = o.v else {
                if matches!(self.em.ir.ty(o.r), Ty::Int | Ty::Num) {
                    continue;
                }
                return Err(nyi());
            };
            let Some((h, href)) = self.table_meta_field(st, o.r, t, event)? else {
                continue;
            };
            match h {
                Value::Nil => continue,
                Value::LuaFn(_) => {
                    self.call_meta(st, Opnd { r: href, v: h }, args, ret)?;
                    return Ok(true);
                }
                _ => return Err(nyi()),
            }
        }
        Ok(false)
    }

    /// Would `a == b` consult `__eq` (two different tables or full userdata with one)?
    fn has_eq_meta(&self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Table(x), Value::Table(y)) => {
                !x.ptr_eq(*y) && (x.metatable().is_some() || y.metatable().is_some())
            }
            (Value::UserData(_), Value::UserData(_)) => true,
            _ => false,
        }
    }

    /// CONCAT of strings and numbers, right to left as the interpreter joins them.
    pub fn concat(&mut self, st: &mut State, i: Instr) -> RecResult<()> {
        let (a, n) = (i.a(), i.b());
        let mut vals = Vec::with_capacity(n);
        for j in 0..n {
            let o = self.reg(st, a + j)?;
            if !matches!(self.em.ir.ty(o.r), Ty::Str | Ty::Int | Ty::Num) {
                return Err(Abort::with(Reason::NyiMeta, "__concat"));
            }
            vals.push(o.r);
        }
        let mut acc = vals[n - 1];
        for &v in vals[..n - 1].iter().rev() {
            acc = self.emit(Op::Concat, Ty::Str, v, acc, 0)?;
        }
        self.allocates = true;
        self.set_reg(a, acc);
        Ok(())
    }
}

/// `a < b` (`le`: `a <= b`) for two numbers, exactly as Lua compares them; None otherwise.
fn order(le: bool, a: &Value, b: &Value) -> Option<bool> {
    if le {
        lua_core::number::num_le(*a, *b)
    } else {
        lua_core::number::num_lt(*a, *b)
    }
}
