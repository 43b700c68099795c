//! Emission with optimisation: constant folding and algebraic simplification (rules as
//! data), common-subexpression elimination, and load forwarding with alias analysis.
//!
//! Every instruction the recorder or the loop optimiser produces goes through
//! [`Emitter::emit`], which returns the reference to use for its value: possibly an
//! existing instruction or a constant, in which case nothing is appended. This is where
//! most optimisation happens, and because the loop optimiser re-emits the loop body through
//! the same function, an instruction of the body that computes what the preamble already
//! computed folds into the preamble's instruction: loop-invariant code motion and redundant
//! guard elimination fall out of CSE.
//!
//! Invariants:
//! - Pure instructions (no guard, no memory effect) are CSE'd on (op, ty, a, b, k).
//! - A guard identical to an earlier one is dropped (the earlier one dominates: traces are
//!   straight-line). A guard whose operands fold to constants is dropped if it holds; if it
//!   can never hold, emission reports [`Emitted::Fail`] (the recorder aborts: it only
//!   records guards that held when recorded).
//! - A load is replaced by an earlier load of the same address or the value of an earlier
//!   store to it, scanning back and stopping at anything that may write the same memory
//!   ([`may_alias`]); helpers that may move a table's parts (`NEWREF`, `ASLOT`, `TGETINT`
//!   moving the array bound, `TLEN`) stop field loads of that table and of every table not
//!   proven another object ([`Emitter::tabs_differ`]: a `TNEW` against older tables, or an
//!   `NE` guard between the two emitted before; values are SSA, so a proof holds from its
//!   guard on).
//! - Nothing read from memory before a `CALLOUT` is reused after it (the call may have
//!   changed any table, upvalue or stack slot, and collected what only the trace still
//!   refers to): forwarding stops there, and CSE reuses an older instruction only if it is
//!   arithmetic or a comparison of values (`survives_callout`). `SLOAD`s after a call-out
//!   name it in their k, so they never match older ones.

use crate::fasthash::FastMap;
use crate::ir::{Field, Ins, Ir, KMap, Op, Ref, Ty};
use lua_core::number::ArithOp;
use lua_core::Value;

/// What emitting an instruction produced.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Emitted {
    /// Use this reference (a new instruction, an existing one, or a constant).
    Ref(Ref),
    /// A guard that can never hold.
    Fail,
}

/// Optimisation switches (LuaJIT's -O flags that apply here).
#[derive(Clone, Copy, Debug)]
pub struct OptFlags {
    pub fold: bool,
    pub cse: bool,
    pub fwd: bool,
}

impl Default for OptFlags {
    fn default() -> Self {
        OptFlags {
            fold: true,
            cse: true,
            fwd: true,
        }
    }
}

pub struct Emitter {
    pub ir: Ir,
    pub opt: OptFlags,
    cse: CseMap,
    /// Index of the last `CALLOUT` emitted (0: none).
    last_callout: usize,
    /// Pairs of tables a guard (`NE`) has proven to be different objects from there on.
    distinct: Vec<(Ref, Ref)>,
}

/// A pattern for one operand of a fold rule.
#[derive(Clone, Copy)]
enum Pat {
    Any,
    KInt,
    KNum,
    /// Any constant.
    K,
    /// An instruction with this op.
    Is(Op),
}

enum Fold {
    /// Go on with this (possibly rewritten) instruction.
    Next(Ins),
    /// The value is this reference.
    Ref(Ref),
    /// A guard that always holds: nothing to emit.
    Drop,
    /// A guard that never holds.
    Fail,
}

struct Rule {
    op: Op,
    a: Pat,
    b: Pat,
    f: fn(&mut Ir, Ins) -> Fold,
}

const fn rule(op: Op, a: Pat, b: Pat, f: fn(&mut Ir, Ins) -> Fold) -> Rule {
    Rule { op, a, b, f }
}

/// The fold rules, tried in order; the first that matches and changes something wins, and
/// the rewritten instruction is matched again.
static RULES: &[Rule] = &[
    // Constant folding of arithmetic on constants (lua-core's number semantics).
    rule(Op::Add, Pat::K, Pat::K, fold_arith),
    rule(Op::Sub, Pat::K, Pat::K, fold_arith),
    rule(Op::Mul, Pat::K, Pat::K, fold_arith),
    rule(Op::Div, Pat::K, Pat::K, fold_arith),
    rule(Op::IDiv, Pat::K, Pat::K, fold_arith),
    rule(Op::Mod, Pat::K, Pat::K, fold_arith),
    rule(Op::Pow, Pat::K, Pat::K, fold_arith),
    rule(Op::BAnd, Pat::K, Pat::K, fold_arith),
    rule(Op::BOr, Pat::K, Pat::K, fold_arith),
    rule(Op::BXor, Pat::K, Pat::K, fold_arith),
    rule(Op::BShl, Pat::K, Pat::K, fold_arith),
    rule(Op::BShr, Pat::K, Pat::K, fold_arith),
    rule(Op::Min, Pat::K, Pat::K, fold_minmax),
    rule(Op::Max, Pat::K, Pat::K, fold_minmax),
    rule(Op::Neg, Pat::K, Pat::Any, fold_unary),
    rule(Op::BNot, Pat::K, Pat::Any, fold_unary),
    rule(Op::Abs, Pat::K, Pat::Any, fold_unary),
    rule(Op::Sqrt, Pat::K, Pat::Any, fold_unary),
    rule(Op::Floor, Pat::K, Pat::Any, fold_unary),
    rule(Op::Ceil, Pat::K, Pat::Any, fold_unary),
    rule(Op::Not, Pat::K, Pat::Any, fold_unary),
    rule(Op::Conv, Pat::KInt, Pat::Any, fold_conv),
    rule(Op::NToI, Pat::KNum, Pat::Any, fold_ntoi),
    // Comparisons of constants.
    rule(Op::Lt, Pat::K, Pat::K, fold_cmp),
    rule(Op::Ge, Pat::K, Pat::K, fold_cmp),
    rule(Op::Le, Pat::K, Pat::K, fold_cmp),
    rule(Op::Gt, Pat::K, Pat::K, fold_cmp),
    rule(Op::Eq, Pat::K, Pat::K, fold_cmp),
    rule(Op::Ne, Pat::K, Pat::K, fold_cmp),
    rule(Op::ULt, Pat::K, Pat::K, fold_cmp),
    rule(Op::UGe, Pat::K, Pat::K, fold_cmp),
    // Canonical form: a constant operand of a commutative op goes right.
    rule(Op::Add, Pat::K, Pat::Any, swap_commutative),
    rule(Op::Mul, Pat::K, Pat::Any, swap_commutative),
    rule(Op::BAnd, Pat::K, Pat::Any, swap_commutative),
    rule(Op::BOr, Pat::K, Pat::Any, swap_commutative),
    rule(Op::BXor, Pat::K, Pat::Any, swap_commutative),
    rule(Op::Eq, Pat::K, Pat::Any, swap_commutative),
    rule(Op::Ne, Pat::K, Pat::Any, swap_commutative),
    // Algebraic identities.
    rule(Op::Add, Pat::Any, Pat::KInt, add_zero),
    rule(Op::Sub, Pat::Any, Pat::KInt, add_zero),
    rule(Op::BOr, Pat::Any, Pat::KInt, add_zero),
    rule(Op::BXor, Pat::Any, Pat::KInt, add_zero),
    rule(Op::Add, Pat::Any, Pat::KNum, add_neg_zero),
    rule(Op::Sub, Pat::Any, Pat::KNum, sub_pos_zero),
    rule(Op::Mul, Pat::Any, Pat::KInt, mul_int_k),
    rule(Op::Mul, Pat::Any, Pat::KNum, mul_div_one),
    rule(Op::Div, Pat::Any, Pat::KNum, mul_div_one),
    rule(Op::BAnd, Pat::Any, Pat::KInt, band_k),
    rule(Op::Sub, Pat::Any, Pat::Any, sub_self),
    rule(Op::BXor, Pat::Any, Pat::Any, sub_self),
    rule(Op::Neg, Pat::Is(Op::Neg), Pat::Any, double_negation),
    rule(Op::BNot, Pat::Is(Op::BNot), Pat::Any, double_negation),
    rule(Op::Not, Pat::Is(Op::Not), Pat::Any, double_negation),
    // Reassociation of integer constants: (x + k1) + k2 => x + (k1 + k2).
    rule(Op::Add, Pat::Is(Op::Add), Pat::KInt, reassoc_add),
    rule(Op::Sub, Pat::Any, Pat::KInt, sub_to_add),
    // x == x holds for everything but NaN floats.
    rule(Op::Eq, Pat::Any, Pat::Any, cmp_self),
    rule(Op::Le, Pat::Any, Pat::Any, cmp_self),
    rule(Op::Ge, Pat::Any, Pat::Any, cmp_self),
];

fn matches(ir: &Ir, p: Pat, r: Ref) -> bool {
    match p {
        Pat::Any => true,
        Pat::K => {
            r.is_const()
                && matches!(
                    ir.get(r).op,
                    Op::KInt | Op::KNum | Op::KNil | Op::KBool | Op::KGc | Op::KPtr
                )
        }
        Pat::KInt => ir.as_kint(r).is_some(),
        Pat::KNum => ir.as_knum(r).is_some(),
        Pat::Is(op) => !r.is_const() && !r.is_none() && ir.get(r).op == op,
    }
}

/// The Lua value of a numeric constant.
fn kval(ir: &Ir, r: Ref) -> Option<Value> {
    let k = ir.get(r);
    match k.op {
        Op::KInt => Some(Value::Int(k.k)),
        Op::KNum => Some(Value::Float(k.knum())),
        _ => None,
    }
}

fn kref(ir: &mut Ir, v: Value) -> Ref {
    ir.kvalue(&v)
}

fn arith_op(op: Op) -> Option<ArithOp> {
    Some(match op {
        Op::Add => ArithOp::Add,
        Op::Sub => ArithOp::Sub,
        Op::Mul => ArithOp::Mul,
        Op::Div => ArithOp::Div,
        Op::IDiv => ArithOp::IDiv,
        Op::Mod => ArithOp::Mod,
        Op::Pow => ArithOp::Pow,
        Op::BAnd => ArithOp::BAnd,
        Op::BOr => ArithOp::BOr,
        Op::BXor => ArithOp::BXor,
        Op::BShl => ArithOp::Shl,
        Op::BShr => ArithOp::Shr,
        Op::Neg => ArithOp::Unm,
        Op::BNot => ArithOp::BNot,
        _ => return None,
    })
}

fn fold_arith(ir: &mut Ir, ins: Ins) -> Fold {
    let (Some(a), Some(b)) = (kval(ir, ins.a), kval(ir, ins.b)) else {
        return Fold::Next(ins);
    };
    let Some(op) = arith_op(ins.op) else {
        return Fold::Next(ins);
    };
    match lua_core::number::arith(op, a, b) {
        Ok(v) if Ty::of_value(&v) == ins.ty => Fold::Ref(kref(ir, v)),
        _ => Fold::Next(ins),
    }
}

fn fold_minmax(ir: &mut Ir, ins: Ins) -> Fold {
    let (Some(a), Some(b)) = (kval(ir, ins.a), kval(ir, ins.b)) else {
        return Fold::Next(ins);
    };
    let pick_a = match (a, b) {
        (Value::Int(x), Value::Int(y)) => (x <= y) == (ins.op == Op::Min),
        (Value::Float(x), Value::Float(y)) if !x.is_nan() && !y.is_nan() => {
            (x <= y) == (ins.op == Op::Min)
        }
        _ => return Fold::Next(ins),
    };
    Fold::Ref(if pick_a { ins.a } else { ins.b })
}

fn fold_unary(ir: &mut Ir, ins: Ins) -> Fold {
    let k = *ir.get(ins.a);
    let v = match (ins.op, k.op) {
        (Op::Neg, Op::KInt) => Value::Int(k.k.wrapping_neg()),
        (Op::Neg, Op::KNum) => Value::Float(-k.knum()),
        (Op::BNot, Op::KInt) => Value::Int(!k.k),
        (Op::Abs, Op::KNum) => Value::Float(k.knum().abs()),
        (Op::Sqrt, Op::KNum) => Value::Float(k.knum().sqrt()),
        (Op::Floor, Op::KNum) => Value::Float(k.knum().floor()),
        (Op::Ceil, Op::KNum) => Value::Float(k.knum().ceil()),
        (Op::Not, Op::KBool) => Value::Bool(k.k == 0),
        _ => return Fold::Next(ins),
    };
    Fold::Ref(kref(ir, v))
}

fn fold_conv(ir: &mut Ir, ins: Ins) -> Fold {
    match (ins.k, ir.as_kint(ins.a)) {
        (0, Some(i)) => Fold::Ref(ir.knum(i as f64)),
        _ => Fold::Next(ins),
    }
}

fn fold_ntoi(ir: &mut Ir, ins: Ins) -> Fold {
    let f = ir.as_knum(ins.a).unwrap_or(f64::NAN);
    match lua_core::number::float_to_int_exact(f) {
        Some(i) => Fold::Ref(ir.kint(i)),
        None => Fold::Fail,
    }
}

/// Evaluate a comparison of two constants, if both are comparable constants.
fn eval_cmp(ir: &Ir, op: Op, a: Ref, b: Ref) -> Option<bool> {
    let (ka, kb) = (ir.get(a), ir.get(b));
    let ord = match (ka.op, kb.op) {
        (Op::KInt, Op::KInt) => {
            if matches!(op, Op::ULt | Op::UGe) {
                (ka.k as u64).partial_cmp(&(kb.k as u64))
            } else {
                ka.k.partial_cmp(&kb.k)
            }
        }
        (Op::KNum, Op::KNum) => ka.knum().partial_cmp(&kb.knum()),
        _ if matches!(op, Op::Eq | Op::Ne) => {
            // Other constants are equal exactly when they are the same constant.
            let same = a == b;
            return Some(same == (op == Op::Eq));
        }
        _ => return None,
    };
    use std::cmp::Ordering::*;
    Some(match op {
        Op::Lt | Op::ULt => ord == Some(Less),
        Op::Ge | Op::UGe => ord != Some(Less),
        Op::Le => matches!(ord, Some(Less | Equal)),
        Op::Gt => !matches!(ord, Some(Less | Equal)),
        Op::Eq => ord == Some(Equal),
        Op::Ne => ord != Some(Equal),
        _ => return None,
    })
}

fn fold_cmp(ir: &mut Ir, ins: Ins) -> Fold {
    match eval_cmp(ir, ins.op, ins.a, ins.b) {
        Some(true) => Fold::Drop,
        Some(false) => Fold::Fail,
        None => Fold::Next(ins),
    }
}

fn swap_commutative(ir: &mut Ir, mut ins: Ins) -> Fold {
    if ins.b.is_const() {
        return Fold::Next(ins);
    }
    let _ = ir;
    std::mem::swap(&mut ins.a, &mut ins.b);
    Fold::Next(ins)
}

fn add_zero(ir: &mut Ir, ins: Ins) -> Fold {
    if ins.ty == Ty::Int && ir.as_kint(ins.b) == Some(0) {
        Fold::Ref(ins.a)
    } else {
        Fold::Next(ins)
    }
}

/// x + (-0.0) == x for every float x (and x + 0.0 is not: -0.0 + 0.0 is +0.0).
fn add_neg_zero(ir: &mut Ir, ins: Ins) -> Fold {
    match ir.as_knum(ins.b) {
        Some(z) if z == 0.0 && z.is_sign_negative() => Fold::Ref(ins.a),
        _ => Fold::Next(ins),
    }
}

/// x - 0.0 == x for every float x.
fn sub_pos_zero(ir: &mut Ir, ins: Ins) -> Fold {
    match ir.as_knum(ins.b) {
        Some(z) if z == 0.0 && z.is_sign_positive() => Fold::Ref(ins.a),
        _ => Fold::Next(ins),
    }
}

fn mul_int_k(ir: &mut Ir, ins: Ins) -> Fold {
    match ir.as_kint(ins.b) {
        Some(1) => Fold::Ref(ins.a),
        Some(0) => Fold::Ref(ir.kint(0)),
        _ => Fold::Next(ins),
    }
}

fn mul_div_one(ir: &mut Ir, ins: Ins) -> Fold {
    if ir.as_knum(ins.b) == Some(1.0) {
        Fold::Ref(ins.a)
    } else {
        Fold::Next(ins)
    }
}

fn band_k(ir: &mut Ir, ins: Ins) -> Fold {
    match ir.as_kint(ins.b) {
        Some(-1) => Fold::Ref(ins.a),
        Some(0) => Fold::Ref(ir.kint(0)),
        _ => Fold::Next(ins),
    }
}

fn sub_self(ir: &mut Ir, ins: Ins) -> Fold {
    if ins.a == ins.b && ins.ty == Ty::Int {
        Fold::Ref(ir.kint(0))
    } else {
        Fold::Next(ins)
    }
}

/// Whether a rule may look through operand `r` to its operands: not from the loop body
/// into the preamble (that would make the body depend on older loop-carried values and add
/// PHIs for nothing).
fn may_look_through(ir: &Ir, r: Ref) -> bool {
    match ir.loop_start {
        Some(l) => r.is_const() || r.idx() > l,
        None => true,
    }
}

fn double_negation(ir: &mut Ir, ins: Ins) -> Fold {
    if !may_look_through(ir, ins.a) {
        return Fold::Next(ins);
    }
    Fold::Ref(ir.get(ins.a).a)
}

fn reassoc_add(ir: &mut Ir, ins: Ins) -> Fold {
    if !may_look_through(ir, ins.a) {
        return Fold::Next(ins);
    }
    let inner = *ir.get(ins.a);
    match (ins.ty, ir.as_kint(inner.b), ir.as_kint(ins.b)) {
        (Ty::Int, Some(k1), Some(k2)) if inner.ty == Ty::Int => {
            let mut n = ins;
            n.a = inner.a;
            n.b = ir.kint(k1.wrapping_add(k2));
            Fold::Next(n)
        }
        _ => Fold::Next(ins),
    }
}

/// x - k => x + (-k) for integers (so reassociation sees one form).
fn sub_to_add(ir: &mut Ir, ins: Ins) -> Fold {
    match (ins.ty, ir.as_kint(ins.b)) {
        (Ty::Int, Some(k)) if k != i64::MIN => {
            let mut n = ins;
            n.op = Op::Add;
            n.b = ir.kint(k.wrapping_neg());
            Fold::Next(n)
        }
        _ => Fold::Next(ins),
    }
}

fn cmp_self(ir: &mut Ir, ins: Ins) -> Fold {
    if ins.a == ins.b && ins.ty != Ty::Num {
        let _ = ir;
        Fold::Drop
    } else {
        Fold::Next(ins)
    }
}

/// The hash maps of a finished recording, kept for the next one (allocating and growing
/// them anew for every trace was a measurable part of compiling a short one).
#[derive(Default)]
pub struct Spare {
    cse: CseMap,
    kmap: KMap,
}

type CseMap = FastMap<(Op, Ty, Ref, Ref, i64), Ref>;

impl Emitter {
    /// An emitter for a new recording, using the maps in `spare`.
    pub fn fresh(spare: Spare) -> Emitter {
        let mut cse = spare.cse;
        cse.clear();
        Emitter {
            ir: Ir::with_kmap(spare.kmap),
            opt: OptFlags::default(),
            cse,
            last_callout: 0,
            distinct: Vec::new(),
        }
    }

    /// The finished IR, without its interning map (kept here for `into_spare`).
    pub fn take_ir(&mut self) -> Ir {
        let mut ir = std::mem::take(&mut self.ir);
        self.ir.kmap_from(&mut ir);
        ir
    }

    /// The maps, for the next recording.
    pub fn into_spare(self) -> Spare {
        let mut ir = self.ir;
        Spare {
            cse: self.cse,
            kmap: ir.take_kmap(),
        }
    }

    pub fn new(ir: Ir) -> Emitter {
        let mut cse = CseMap::default();
        let mut last_callout = 0;
        let mut distinct = Vec::new();
        for (i, ins) in ir.ins.iter().enumerate().skip(1) {
            if Self::cse_able(ins) {
                cse.insert((ins.op, ins.ty, ins.a, ins.b, ins.k), Ref::ins(i));
            }
            if ins.op == Op::CallOut {
                last_callout = i;
            }
            if Self::proves_distinct(ins) {
                distinct.push((ins.a, ins.b));
            }
        }
        Emitter {
            ir,
            opt: OptFlags::default(),
            cse,
            last_callout,
            distinct,
        }
    }

    /// A guard that two tables are different objects (`NE` of two table instructions).
    fn proves_distinct(ins: &Ins) -> bool {
        ins.op == Op::Ne && ins.ty == Ty::Tab && !ins.a.is_const() && !ins.b.is_const()
    }

    /// Are tables `a` and `b` certainly different objects where the next instruction goes?
    /// A table a `TNEW` made is none that existed before it; else a guard must have said so.
    pub fn tabs_differ(&self, a: Ref, b: Ref) -> bool {
        if a == b || a.is_const() || b.is_const() {
            return false;
        }
        let (new_a, new_b) = (self.ir.get(a).op == Op::TNew, self.ir.get(b).op == Op::TNew);
        if (new_a && (new_b || b.idx() < a.idx())) || (new_b && a.idx() < b.idx()) {
            return true;
        }
        self.distinct
            .iter()
            .any(|&(x, y)| (x, y) == (a, b) || (x, y) == (b, a))
    }

    /// May an instruction like `ins` emitted before a `CALLOUT` stand for `ins` after it?
    /// Only if it computes from its operands alone (see the module invariants).
    fn survives_callout(ins: &Ins) -> bool {
        use Op::*;
        matches!(
            ins.op,
            Add | Sub
                | Mul
                | Div
                | IDiv
                | Mod
                | Pow
                | Neg
                | Abs
                | Min
                | Max
                | Sqrt
                | Floor
                | Ceil
                | BAnd
                | BOr
                | BXor
                | BShl
                | BShr
                | BNot
                | Not
                | Conv
                | NToI
                | Lt
                | Ge
                | Le
                | Gt
                | Eq
                | Ne
                | ULt
                | UGe
                | SLoad
        )
    }

    /// Instructions CSE may merge: pure values and guards (not loads: see
    /// `forward_load`), plus `SLOAD`s (stack slots are not written while a trace runs).
    fn cse_able(ins: &Ins) -> bool {
        ins.op == Op::SLoad
            || (!ins.op.has_effect()
                && !ins.op.is_load()
                && !ins.op.allocates()
                && !matches!(
                    ins.op,
                    Op::Phi
                        | Op::Loop
                        | Op::GcCheck
                        | Op::IntrCheck
                        | Op::RetF
                        | Op::Nop
                        | Op::CArg
                ))
    }

    /// Emit `ins` (see the module doc). Guards carry their snapshot in `ins.snap`.
    pub fn emit(&mut self, ins: Ins) -> Emitted {
        let mut ins = ins;
        if self.opt.fold {
            let mut rounds = 0;
            'rules: while rounds < 8 {
                rounds += 1;
                for r in RULES.iter().filter(|r| r.op == ins.op) {
                    if !matches(&self.ir, r.a, ins.a) || !matches(&self.ir, r.b, ins.b) {
                        continue;
                    }
                    match (r.f)(&mut self.ir, ins) {
                        Fold::Next(n) => {
                            if n != ins {
                                ins = n;
                                continue 'rules;
                            }
                        }
                        Fold::Ref(r) => return Emitted::Ref(r),
                        Fold::Drop => return Emitted::Ref(Ref::NONE),
                        Fold::Fail => return Emitted::Fail,
                    }
                }
                break;
            }
        }
        if ins.op.is_load() && ins.op != Op::SLoad {
            if let Some(r) = self.forward_load(&ins) {
                return r;
            }
        }
        let key = (ins.op, ins.ty, ins.a, ins.b, ins.k);
        let cse_ok = (self.opt.cse || ins.op == Op::SLoad) && Self::cse_able(&ins);
        if cse_ok {
            if let Some(&r) = self.cse.get(&key) {
                if r.idx() > self.last_callout || Self::survives_callout(&ins) {
                    return Emitted::Ref(if ins.op.has_value() { r } else { Ref::NONE });
                }
            }
        }
        let r = self.ir.push(ins);
        if cse_ok {
            self.cse.insert(key, r);
        }
        if Self::proves_distinct(&ins) {
            self.distinct.push((ins.a, ins.b));
        }
        match ins.op {
            Op::Loop => self.ir.loop_start = Some(r.idx()),
            Op::CallOut => self.last_callout = r.idx(),
            _ => {}
        }
        Emitted::Ref(r)
    }

    /// Try to reuse an earlier load or store for load `ins` (see `may_alias`).
    fn forward_load(&mut self, ins: &Ins) -> Option<Emitted> {
        if !self.opt.fwd {
            return None;
        }
        let n = self.ir.ins.len();
        let lim = n.saturating_sub(1000).max(1);
        for i in (lim..n).rev() {
            let prev = self.ir.ins[i];
            match (ins.op, prev.op) {
                (_, Op::CallOut) => return None,
                (Op::VLoad, Op::VLoad) if prev.a == ins.a => {
                    if prev.ty == ins.ty {
                        return Some(Emitted::Ref(Ref::ins(i)));
                    }
                    return None;
                }
                (Op::VLoad, Op::VStore) => {
                    if prev.a == ins.a {
                        let vt = self.ir.ty(prev.b);
                        if vt == ins.ty {
                            return Some(Emitted::Ref(if vt == Ty::Nil {
                                self.ir.knil()
                            } else {
                                prev.b
                            }));
                        }
                        return Some(Emitted::Fail);
                    }
                    if may_alias(&self.ir, prev.a, ins.a) {
                        return None;
                    }
                }
                (Op::FLoad | Op::UpRef | Op::UpAddr, _)
                    if prev.op == ins.op && prev.a == ins.a && prev.k == ins.k =>
                {
                    return Some(Emitted::Ref(Ref::ins(i)));
                }
                (Op::FLoad, Op::FStore) if prev.k == ins.k => {
                    if prev.a == ins.a {
                        return Some(Emitted::Ref(prev.b));
                    }
                    return None;
                }
                (Op::FLoad, Op::SetMeta) if Field::from_k(ins.k) == Field::TabMeta => return None,
                (Op::FLoad, Op::NewRef | Op::ASlot | Op::TLen | Op::TGetInt)
                    if !self.tabs_differ(prev.a, ins.a) =>
                {
                    // These may move a table's parts or its array bound; a new string key
                    // clears the absent-metamethod flags.
                    let f = Field::from_k(ins.k);
                    let new_str = prev.op == Op::NewRef && self.ir.ty(prev.b) == Ty::Str;
                    if matches!(
                        f,
                        Field::TabArray | Field::TabLimit | Field::TabNode | Field::TabNodeLen
                    ) || (f == Field::TabFlags && new_str)
                    {
                        return None;
                    }
                }
                (Op::TGetInt | Op::TGetStr | Op::TNext, Op::VStore | Op::NewRef | Op::ASlot) => {
                    return None
                }
                // (Each TNEXT overwrites the one pair buffer: never reuse an older one.)
                (Op::TNext, _) => return None,
                (Op::TGetInt | Op::TGetStr, _)
                    if prev.op == ins.op && prev.a == ins.a && prev.b == ins.b =>
                {
                    return Some(Emitted::Ref(Ref::ins(i)));
                }
                (Op::VLoad, Op::NewRef | Op::ASlot) => return None,
                _ => {}
            }
        }
        None
    }
}

/// Whether the Lua values at addresses `p` and `q` may be the same memory.
pub fn may_alias(ir: &Ir, p: Ref, q: Ref) -> bool {
    if p == q {
        return true;
    }
    if p.is_const() || q.is_const() {
        return true;
    }
    let (a, b) = (ir.get(p), ir.get(q));
    match (a.op, b.op) {
        // Array slots, hash nodes and upvalue storage are disjoint memory.
        (Op::ARef, Op::HRefK) | (Op::HRefK, Op::ARef) => false,
        (Op::UpAddr, Op::ARef | Op::HRefK | Op::TGetInt | Op::TGetStr | Op::NewRef | Op::ASlot)
        | (Op::ARef | Op::HRefK | Op::TGetInt | Op::TGetStr | Op::NewRef | Op::ASlot, Op::UpAddr) => {
            false
        }
        (Op::ARef, Op::ARef) => !(a.a == b.a && ints_differ(ir, a.b, b.b)),
        (Op::HRefK, Op::HRefK) => a.b == b.b,
        (Op::HRefK, Op::TGetStr) | (Op::TGetStr, Op::HRefK) => {
            let (k1, k2) = if a.op == Op::HRefK {
                (a.b, b.b)
            } else {
                (b.b, a.b)
            };
            !(k1.is_const() && k2.is_const() && k1 != k2)
        }
        (Op::HRefK, Op::TGetInt) | (Op::TGetInt, Op::HRefK) => false,
        _ => true,
    }
}

/// Integer refs that certainly hold different values.
fn ints_differ(ir: &Ir, x: Ref, y: Ref) -> bool {
    if let (Some(a), Some(b)) = (ir.as_kint(x), ir.as_kint(y)) {
        return a != b;
    }
    // x + k1 vs x + k2, or x vs x + k (k != 0).
    let split = |r: Ref| -> (Ref, i64) {
        if !r.is_const() {
            let i = ir.get(r);
            if i.op == Op::Add && i.ty == Ty::Int {
                if let Some(k) = ir.as_kint(i.b) {
                    return (i.a, k);
                }
            }
        }
        (r, 0)
    };
    let (bx, kx) = split(x);
    let (by, ky) = split(y);
    bx == by && kx != ky
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse;

    fn em(src: &str) -> Emitter {
        Emitter::new(parse(src).unwrap())
    }
    fn add(e: &mut Emitter, op: Op, ty: Ty, a: Ref, b: Ref) -> Emitted {
        e.emit(Ins::new(op, ty, a, b, 0))
    }

    #[test]
    fn constant_folding_uses_lua_semantics() {
        let mut e = em("");
        let (a, b) = (e.ir.kint(7), e.ir.kint(-2));
        let Emitted::Ref(r) = add(&mut e, Op::IDiv, Ty::Int, a, b) else {
            panic!()
        };
        assert_eq!(e.ir.as_kint(r), Some(-4));
        let Emitted::Ref(r) = add(&mut e, Op::Mod, Ty::Int, a, b) else {
            panic!()
        };
        assert_eq!(e.ir.as_kint(r), Some(-1));
        let m = e.ir.kint(i64::MAX);
        let one = e.ir.kint(1);
        let Emitted::Ref(r) = add(&mut e, Op::Add, Ty::Int, m, one) else {
            panic!()
        };
        assert_eq!(e.ir.as_kint(r), Some(i64::MIN), "integer addition wraps");
        // Division by integer zero is not folded (the interpreter raises there).
        let z = e.ir.kint(0);
        let Emitted::Ref(r) = add(&mut e, Op::IDiv, Ty::Int, a, z) else {
            panic!()
        };
        assert!(!r.is_const());
    }

    #[test]
    fn identities_and_cse() {
        let mut e = em(".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n0002 > num SLOAD #1\n");
        let (x, f) = (Ref::ins(1), Ref::ins(2));
        let z = e.ir.kint(0);
        assert_eq!(add(&mut e, Op::Add, Ty::Int, x, z), Emitted::Ref(x));
        let pz = e.ir.knum(0.0);
        // x + 0.0 must stay (it turns -0.0 into +0.0) ...
        let Emitted::Ref(r1) = add(&mut e, Op::Add, Ty::Num, f, pz) else {
            panic!()
        };
        assert_ne!(r1, f);
        // ... and is CSE'd.
        assert_eq!(add(&mut e, Op::Add, Ty::Num, f, pz), Emitted::Ref(r1));
        let nz = e.ir.knum(-0.0);
        assert_eq!(add(&mut e, Op::Add, Ty::Num, f, nz), Emitted::Ref(f));
        // Constants move right; (x + 1) + 2 becomes x + 3.
        let one = e.ir.kint(1);
        let Emitted::Ref(a1) = add(&mut e, Op::Add, Ty::Int, one, x) else {
            panic!()
        };
        assert_eq!(e.ir.get(a1).a, x);
        let two = e.ir.kint(2);
        let Emitted::Ref(a2) = add(&mut e, Op::Add, Ty::Int, a1, two) else {
            panic!()
        };
        assert_eq!(e.ir.get(a2).a, x);
        assert_eq!(e.ir.as_kint(e.ir.get(a2).b), Some(3));
    }

    #[test]
    fn guards_fold_and_dedupe() {
        let mut e = em(".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n");
        let x = Ref::ins(1);
        let k = e.ir.kint(10);
        let mut g = Ins::new(Op::Lt, Ty::Int, x, k, 0);
        g.snap = 0;
        let Emitted::Ref(r) = e.emit(g) else { panic!() };
        assert!(!r.is_none());
        // The same guard again is redundant.
        assert_eq!(e.emit(g), Emitted::Ref(Ref::NONE));
        let (a, b) = (e.ir.kint(1), e.ir.kint(2));
        assert_eq!(
            e.emit(Ins::new(Op::Lt, Ty::Int, a, b, 0)),
            Emitted::Ref(Ref::NONE)
        );
        assert_eq!(e.emit(Ins::new(Op::Lt, Ty::Int, b, a, 0)), Emitted::Fail);
    }

    #[test]
    fn loads_forward_from_stores_unless_aliased() {
        let src = "\
.... SNAP #0 pc=0 [ ]
0001 > tab SLOAD #0
0002   ptr FLOAD 0001 tab.array
0003   ptr AREF 0002 1
0004   ptr AREF 0002 2
0005 > num SLOAD #1
0006   num VSTORE 0003 0005
";
        let mut e = em(src);
        // A load of slot 1 sees the store; slot 2 cannot alias it, so it is loaded.
        let Emitted::Ref(r) = e.emit(Ins::new(Op::VLoad, Ty::Num, Ref::ins(3), Ref::NONE, 0))
        else {
            panic!()
        };
        assert_eq!(r, Ref::ins(5));
        let Emitted::Ref(r2) = e.emit(Ins::new(Op::VLoad, Ty::Num, Ref::ins(4), Ref::NONE, 0))
        else {
            panic!()
        };
        assert_eq!(r2.idx(), 7);
        // A load through an unrelated pointer may alias the store: no forwarding.
        let p = e.ir.push(Ins::new(
            Op::FLoad,
            Ty::Ptr,
            Ref::ins(1),
            Ref::NONE,
            Field::TabNode as i64,
        ));
        let k = e.ir.kgc(Ty::Str, 0x100);
        let h = e.ir.push(Ins::new(Op::TGetStr, Ty::Ptr, Ref::ins(1), k, 0));
        let _ = p;
        assert!(may_alias(&e.ir, h, Ref::ins(3)));
        assert!(!may_alias(&e.ir, Ref::ins(3), Ref::ins(4)));
    }
}
