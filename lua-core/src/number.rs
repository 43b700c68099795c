//! Number semantics of Lua 5.4: integer/float conversions, arithmetic exactly as PUC
//! (wrap-around, floor division and modulo, shifts, `^`), exact integer/float comparisons.
//!
//! This module is the one definition of what each operator computes; the interpreter's fast
//! paths, its slow path (`State::arith`), the string library's arithmetic metamethods, the
//! compiler's and parser's constant folding (and a JIT's) all call it, so they cannot drift.
//! Functions here never raise: where Lua raises (integer division by zero, no integer
//! representation), they return an `ArithError` the caller words.
//!
//! # Which function to call
//!
//! Operators are named by [`ArithOp`] (arithmetic and bitwise, binary and unary) and
//! [`CmpOp`] (`==`, `<`, `<=`; `>`/`>=` swap the operands, `~=` negates `==`).
//!
//! On raw operands, for fast paths (interpreter, JIT code and its constant folding). All are
//! `#[inline(always)]`: call them with a constant `op` and the dispatch folds away. Unary
//! operators (`Unm`, `BNot`) ignore `b`.
//! - [`int_arith`]`(op, a: i64, b: i64) -> Option<Value>`: any operator on two integers.
//!   `+ - * // % -` and the bitwise ones give integers (wrapping); `/` and `^` convert both
//!   operands to float first and give floats; None for `//` and `%` by zero, which raise
//!   (the slow path, [`arith`], says which error).
//! - [`float_arith`]`(op, a: f64, b: f64) -> f64`: an arithmetic (not bitwise) operator on
//!   floats. Mixed integer/float operands: convert the integer with `as f64` and call this.
//! - [`int_bitwise`]`(op, a: i64, b: i64) -> i64`: a bitwise operator on integers (float
//!   operands must first go through [`float_to_int_exact`]; [`arith`] does it).
//! - [`cmp_int`], [`cmp_float`], [`cmp_int_float`], [`cmp_float_int`]`(op, a, b) -> bool`:
//!   comparisons, exact also between integers and floats (no rounding of the integer).
//!   An integer that is exactly a float (such as an 8-bit immediate) may be converted with
//!   `as f64` and compared with [`cmp_float`].
//! - The per-operator pieces they use, for callers that want one operator by name:
//!   [`int_idiv`], [`int_mod`], [`float_idiv`], [`float_mod`], [`pow`], [`shift_left`],
//!   [`shift_right`].
//!
//! On values (numbers only: no string coercion, no metamethods):
//! - [`arith`]`(op, a, b) -> Result<Value, ArithError>`: the slow path and the library;
//!   `NotNumber` tells the caller to try metamethods.
//! - [`fold`]`(op, a, b) -> Option<Value>`: constant folding as PUC's compiler does it (refuses
//!   what could raise, and NaN or float zero results). For compilers and JITs.
//! - [`num_cmp`]`(op, a, b) -> Option<bool>`, [`num_lt`], [`num_le`]: comparisons of two
//!   numbers (None if either is not a number).
//!
//! Conversions: [`float_to_int_exact`] (`math.tointeger`, bitwise operands, table keys),
//! [`float_floor_to_int`], [`float_ceil_to_int`], [`to_int_strict`], [`to_number`],
//! [`as_float`], [`int_float_eq`]; text: [`fmt_int`], [`fmt_float`].

#![forbid(unsafe_code)]

use crate::value::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl ArithOp {
    /// Every operator, in declaration order, which is lua.h's `LUA_OPADD`..`LUA_OPBNOT`
    /// order (`lua_arith` numbers them so).
    pub const ALL: [ArithOp; 14] = [
        ArithOp::Add,
        ArithOp::Sub,
        ArithOp::Mul,
        ArithOp::Mod,
        ArithOp::Pow,
        ArithOp::Div,
        ArithOp::IDiv,
        ArithOp::BAnd,
        ArithOp::BOr,
        ArithOp::BXor,
        ArithOp::Shl,
        ArithOp::Shr,
        ArithOp::Unm,
        ArithOp::BNot,
    ];

    /// The metamethod event name ("__add" ...).
    pub fn event(self) -> &'static str {
        match self {
            ArithOp::Add => "__add",
            ArithOp::Sub => "__sub",
            ArithOp::Mul => "__mul",
            ArithOp::Mod => "__mod",
            ArithOp::Pow => "__pow",
            ArithOp::Div => "__div",
            ArithOp::IDiv => "__idiv",
            ArithOp::BAnd => "__band",
            ArithOp::BOr => "__bor",
            ArithOp::BXor => "__bxor",
            ArithOp::Shl => "__shl",
            ArithOp::Shr => "__shr",
            ArithOp::Unm => "__unm",
            ArithOp::BNot => "__bnot",
        }
    }
    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            ArithOp::BAnd
                | ArithOp::BOr
                | ArithOp::BXor
                | ArithOp::Shl
                | ArithOp::Shr
                | ArithOp::BNot
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArithError {
    /// An operand is not a number (nor a string convertible to one): the caller tries
    /// metamethods, then raises "attempt to perform arithmetic on ...".
    NotNumber,
    /// Bitwise operand is a float without an integer value: "number has no integer representation".
    NoInteger,
    /// `//` by integer zero: "attempt to divide by zero".
    DivByZero,
    /// `%` by integer zero: "attempt to perform 'n%%0'".
    ModByZero,
}

/// The integer with exactly the value of `f`, if any.
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    if (-9223372036854775808.0..9223372036854775808.0).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// floor(f) as an integer if it fits (Lua's F2Ifloor).
pub fn float_floor_to_int(f: f64) -> Option<i64> {
    let fl = f.floor();
    if (-9223372036854775808.0..9223372036854775808.0).contains(&fl) {
        Some(fl as i64)
    } else {
        None
    }
}

/// ceil(f) as an integer if it fits (Lua's F2Iceil).
pub fn float_ceil_to_int(f: f64) -> Option<i64> {
    let c = f.ceil();
    if (-9223372036854775808.0..9223372036854775808.0).contains(&c) {
        Some(c as i64)
    } else {
        None
    }
}

/// Does integer `i` equal float `f` mathematically?
#[inline]
pub fn int_float_eq(i: i64, f: f64) -> bool {
    float_to_int_exact(f) == Some(i)
}

/// i < f, exactly.
fn lt_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    // i < f  <=>  i < ceil(f) when ceil(f) fits; else f is beyond the integer range.
    match float_ceil_to_int(f) {
        Some(c) => i < c,
        None => f > 0.0,
    }
}

/// i <= f, exactly.
fn le_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_floor_to_int(f) {
        Some(fl) => i <= fl,
        None => f > 0.0,
    }
}

/// f < i, exactly.
fn lt_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_floor_to_int(f) {
        Some(fl) => fl < i,
        None => f < 0.0,
    }
}

/// f <= i, exactly.
fn le_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_ceil_to_int(f) {
        Some(c) => c <= i,
        None => f < 0.0,
    }
}

/// A comparison operator (`a > b` is `b < a`, `a >= b` is `b <= a`, `a ~= b` is not `a == b`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CmpOp {
    Eq,
    Lt,
    Le,
}

/// `a op b` for two integers.
#[inline(always)]
pub fn cmp_int(op: CmpOp, a: i64, b: i64) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
    }
}

/// `a op b` for two floats (IEEE: false whenever a NaN is involved).
#[inline(always)]
pub fn cmp_float(op: CmpOp, a: f64, b: f64) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
    }
}

/// `a op b` for an integer and a float, by mathematical value (the integer is not rounded).
#[inline(always)]
pub fn cmp_int_float(op: CmpOp, a: i64, b: f64) -> bool {
    match op {
        CmpOp::Eq => int_float_eq(a, b),
        CmpOp::Lt => lt_int_float(a, b),
        CmpOp::Le => le_int_float(a, b),
    }
}

/// `a op b` for a float and an integer, by mathematical value (the integer is not rounded).
#[inline(always)]
pub fn cmp_float_int(op: CmpOp, a: f64, b: i64) -> bool {
    match op {
        CmpOp::Eq => int_float_eq(b, a),
        CmpOp::Lt => lt_float_int(a, b),
        CmpOp::Le => le_float_int(a, b),
    }
}

/// `a op b` for two number values (None if either is not a number).
#[inline]
pub fn num_cmp(op: CmpOp, a: Value, b: Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => cmp_int(op, x, y),
        (Value::Float(x), Value::Float(y)) => cmp_float(op, x, y),
        (Value::Int(x), Value::Float(y)) => cmp_int_float(op, x, y),
        (Value::Float(x), Value::Int(y)) => cmp_float_int(op, x, y),
        _ => return None,
    })
}

/// Numeric `<` on two number values (None if either is not a number).
pub fn num_lt(a: Value, b: Value) -> Option<bool> {
    num_cmp(CmpOp::Lt, a, b)
}

/// Numeric `<=` on two number values (None if either is not a number).
pub fn num_le(a: Value, b: Value) -> Option<bool> {
    num_cmp(CmpOp::Le, a, b)
}

/// Integer floor division (`//`): rounds toward minus infinity; `mininteger // -1` wraps.
#[inline]
pub fn int_idiv(a: i64, b: i64) -> Result<i64, ArithError> {
    if b == 0 {
        return Err(ArithError::DivByZero);
    }
    if b == -1 {
        return Ok(a.wrapping_neg());
    }
    let q = a / b;
    // Round toward minus infinity when signs differ and the division is inexact.
    if (a % b != 0) && ((a ^ b) < 0) {
        Ok(q - 1)
    } else {
        Ok(q)
    }
}

/// Integer modulo (`%`): the result has the sign of `b`.
#[inline]
pub fn int_mod(a: i64, b: i64) -> Result<i64, ArithError> {
    if b == 0 {
        return Err(ArithError::ModByZero);
    }
    if b == -1 {
        return Ok(0);
    }
    let m = a % b;
    if m != 0 && (m ^ b) < 0 {
        Ok(m + b)
    } else {
        Ok(m)
    }
}

/// Float modulo (`%`): C `fmod`, corrected to the sign of `b`.
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b; // C fmod
    if (m > 0.0 && b < 0.0) || (m < 0.0 && b > 0.0) {
        m + b
    } else {
        m
    }
}

/// Float floor division (`//`).
#[inline]
pub fn float_idiv(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// `^` (PUC's `luai_numpow`): `a*a` when `b` is 2, else C `pow`. Integer operands are
/// converted to float first ([`int_arith`] does it). The special case matters: libm's `pow`
/// is not correctly rounded on every input, e.g. `pow(108813735.0, 2.0)` (glibc) is one unit
/// in the last place away from `108813735.0 * 108813735.0`.
#[inline]
pub fn pow(a: f64, b: f64) -> f64 {
    if b == 2.0 {
        a * a
    } else {
        a.powf(b)
    }
}

/// Shift left with Lua's semantics (negative shifts go right; |y| >= 64 gives 0).
#[inline]
pub fn shift_left(x: i64, y: i64) -> i64 {
    if y <= -64 || y >= 64 {
        0
    } else if y >= 0 {
        ((x as u64) << y) as i64
    } else {
        ((x as u64) >> (-y)) as i64
    }
}

/// Shift right (logical) with Lua's semantics: `x >> y` is `x << -y` (wrapping negation).
#[inline]
pub fn shift_right(x: i64, y: i64) -> i64 {
    shift_left(x, y.wrapping_neg())
}

/// `a op b` for two integers, any operator (unary ones ignore `b`). Bitwise and the integer
/// arithmetic operators give integers, wrapping around; `/` and `^` convert both operands
/// to float and give floats. None: `//` or `%` by zero, which raise ([`arith`] gives the
/// error). (An `Option`, not a `Result`: the interpreter's fast paths compile to the best
/// code with it, and they send failures to the slow path anyway.)
#[inline(always)]
pub fn int_arith(op: ArithOp, a: i64, b: i64) -> Option<Value> {
    match op {
        ArithOp::Add => Some(Value::Int(a.wrapping_add(b))),
        ArithOp::Sub => Some(Value::Int(a.wrapping_sub(b))),
        ArithOp::Mul => Some(Value::Int(a.wrapping_mul(b))),
        ArithOp::Mod => int_mod(a, b).ok().map(Value::Int),
        ArithOp::IDiv => int_idiv(a, b).ok().map(Value::Int),
        ArithOp::Unm => Some(Value::Int(a.wrapping_neg())),
        ArithOp::Div | ArithOp::Pow => Some(Value::Float(float_arith(op, a as f64, b as f64))),
        ArithOp::BAnd
        | ArithOp::BOr
        | ArithOp::BXor
        | ArithOp::Shl
        | ArithOp::Shr
        | ArithOp::BNot => Some(Value::Int(int_bitwise(op, a, b))),
    }
}

/// `a op b` for two floats (unary `Unm` ignores `b`); also for mixed operands, the integer
/// converted with `as f64`. `op` must not be bitwise (bitwise operands are integers).
#[inline(always)]
pub fn float_arith(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::Mod => float_mod(a, b),
        ArithOp::IDiv => float_idiv(a, b),
        ArithOp::Pow => pow(a, b),
        ArithOp::Unm => -a,
        _ => unreachable!("bitwise operators have integer operands"),
    }
}

/// `a op b` for a bitwise operator on two integers (unary `BNot` ignores `b`). `op` must be
/// bitwise.
#[inline(always)]
pub fn int_bitwise(op: ArithOp, a: i64, b: i64) -> i64 {
    match op {
        ArithOp::BAnd => a & b,
        ArithOp::BOr => a | b,
        ArithOp::BXor => a ^ b,
        ArithOp::Shl => shift_left(a, b),
        ArithOp::Shr => shift_right(a, b),
        ArithOp::BNot => !a,
        _ => unreachable!("not a bitwise operator"),
    }
}

/// Convert a value to an integer for bitwise operations (numbers only).
pub fn to_int_strict(v: Value) -> Result<i64, ArithError> {
    match v {
        Value::Int(i) => Ok(i),
        Value::Float(f) => float_to_int_exact(f).ok_or(ArithError::NoInteger),
        // Lua 5.4 does not coerce strings for bitwise operators (only the string library's
        // arithmetic metamethods convert strings).
        _ => Err(ArithError::NotNumber),
    }
}

/// Convert a value to a number (numbers and numeric strings), as arithmetic does.
#[inline]
pub fn to_number(v: Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => crate::numparse::str2number(s.as_bytes()),
        _ => None,
    }
}

/// Float view of a number value.
#[inline]
pub fn as_float(v: Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

/// Raw arithmetic on two number values: no string coercion, no metamethods. For unary ops
/// `b` is ignored (pass `a` again). The interpreter's fast paths handle numbers inline
/// (with the same [`int_arith`]/[`float_arith`]/[`int_bitwise`]) and call this, through
/// `State::arith`, for everything else.
pub fn arith(op: ArithOp, a: Value, b: Value) -> Result<Value, ArithError> {
    let unary = matches!(op, ArithOp::Unm | ArithOp::BNot);
    if op.is_bitwise() {
        let x = to_int_strict(a);
        let y = if unary { Ok(0) } else { to_int_strict(b) };
        // A non-number operand takes precedence (metamethods are tried) over NoInteger.
        return match (x, y) {
            (Err(ArithError::NotNumber), _) | (_, Err(ArithError::NotNumber)) => {
                Err(ArithError::NotNumber)
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
            (Ok(x), Ok(y)) => Ok(Value::Int(int_bitwise(op, x, y))),
        };
    }
    // Lua 5.4's VM does not coerce strings here: the string library's arithmetic
    // metamethods do (so "10" + 1 works through the string metatable).
    let b = if unary { a } else { b };
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_arith(op, x, y).ok_or(if op == ArithOp::Mod {
            ArithError::ModByZero
        } else {
            ArithError::DivByZero
        }),
        _ => match (as_float(a), as_float(b)) {
            (Some(x), Some(y)) => Ok(Value::Float(float_arith(op, x, y))),
            _ => Err(ArithError::NotNumber),
        },
    }
}

/// Constant folding as PUC's compiler does it: only when the operation cannot raise (no
/// division or modulo by zero, bitwise operands with integer values) and the result is
/// neither NaN nor a float zero (whose sign could be lost). The result is what [`arith`]
/// computes, so folded code behaves as unfolded code. Used by the compiler and by the
/// parser's constant evaluation, so both agree; unary operators ignore `b`.
pub fn fold(op: ArithOp, a: Value, b: Value) -> Option<Value> {
    let int_ok = |v: Value| match v {
        Value::Int(_) => true,
        Value::Float(f) => float_to_int_exact(f).is_some(),
        _ => false,
    };
    let valid = if op.is_bitwise() {
        int_ok(a) && int_ok(b)
    } else if matches!(op, ArithOp::Div | ArithOp::IDiv | ArithOp::Mod) {
        match b {
            Value::Int(i) => i != 0,
            Value::Float(f) => f != 0.0,
            _ => false,
        }
    } else {
        true
    };
    if !valid {
        return None;
    }
    match arith(op, a, b).ok()? {
        v @ Value::Int(_) => Some(v),
        Value::Float(f) if !f.is_nan() && f != 0.0 => Some(Value::Float(f)),
        _ => None,
    }
}

/// Integer to decimal text.
pub fn fmt_int(i: i64) -> String {
    i.to_string()
}

/// Float to text as `tostring` prints it ("%.14g", plus ".0" if it looks like an integer).
pub fn fmt_float(f: f64) -> String {
    crate::stdlib::lformat::fmt_float_g14(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn floor_div_mod() {
        assert_eq!(int_idiv(7, -2), Ok(-4));
        assert_eq!(int_idiv(-7, 2), Ok(-4));
        assert_eq!(int_idiv(i64::MIN, -1), Ok(i64::MIN));
        assert_eq!(int_mod(-7, 2), Ok(1));
        assert_eq!(int_mod(7, -2), Ok(-1));
        assert_eq!(int_mod(i64::MIN, -1), Ok(0));
        assert_eq!(float_mod(-7.0, 2.0), 1.0);
        assert_eq!(int_idiv(1, 0), Err(ArithError::DivByZero));
    }
    #[test]
    fn exact_compare() {
        let big = 9007199254740993i64; // 2^53 + 1
        assert!(lt_float_int(9007199254740992.0, big));
        assert!(!int_float_eq(big, 9007199254740992.0));
        assert!(lt_int_float(i64::MAX, 9223372036854775808.0));
        assert!(le_float_int(-9223372036854775808.0, i64::MIN));
        assert!(!lt_int_float(1, f64::NAN));
    }
    #[test]
    fn shifts() {
        assert_eq!(shift_left(1, 63), i64::MIN);
        assert_eq!(shift_left(1, 64), 0);
        assert_eq!(shift_left(-1, -1), i64::MAX);
        assert_eq!(shift_right(-1, 1), i64::MAX);
        assert_eq!(shift_right(1, i64::MIN), 0);
    }

    /// Same type and same bits (so -0.0 differs from 0.0 and NaN equals NaN).
    fn same(a: Value, b: Value) -> bool {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            _ => false,
        }
    }

    /// `^` with exponent 2 is `a*a` (PUC's luai_numpow) on every path, integer operands
    /// included. `number::arith` (string coercion, folding) once used `powf` for two
    /// integers while the interpreter loop used `a*a`; glibc's `pow` rounds these squares
    /// differently (108813735^2 is an exact tie between two doubles).
    #[test]
    fn pow_two_is_a_times_a() {
        for a in [
            108813735i64,
            133646893,
            3765694977,
            7028163776,
            79572635668647,
            204096498943437936,
            -108813735,
        ] {
            let af = a as f64;
            let sq = Value::Float(af * af);
            assert!(same(int_arith(ArithOp::Pow, a, 2).unwrap(), sq), "{a}");
            assert!(same(
                arith(ArithOp::Pow, Value::Int(a), Value::Int(2)).unwrap(),
                sq
            ));
            assert!(same(
                arith(ArithOp::Pow, Value::Float(af), Value::Int(2)).unwrap(),
                sq
            ));
            assert!(same(
                arith(ArithOp::Pow, Value::Int(a), Value::Float(2.0)).unwrap(),
                sq
            ));
            assert!(same(
                fold(ArithOp::Pow, Value::Int(a), Value::Int(2)).unwrap(),
                sq
            ));
            assert_eq!(
                float_arith(ArithOp::Pow, af, 2.0).to_bits(),
                (af * af).to_bits()
            );
        }
        assert!(same(
            int_arith(ArithOp::Pow, 2, 10).unwrap(),
            Value::Float(1024.0)
        ));
        assert!(same(
            int_arith(ArithOp::Pow, 2, -1).unwrap(),
            Value::Float(0.5)
        ));
    }

    /// `/` converts integer operands to float; fold refuses division by zero and results
    /// that are NaN or a float zero.
    #[test]
    fn division_and_fold_rules() {
        assert!(same(
            int_arith(ArithOp::Div, 7, 2).unwrap(),
            Value::Float(3.5)
        ));
        assert!(same(
            int_arith(ArithOp::Div, 1, 0).unwrap(),
            Value::Float(f64::INFINITY)
        ));
        let big = 9007199254740993i64; // converted to 2^53 before dividing
        assert!(same(
            int_arith(ArithOp::Div, big, 1).unwrap(),
            Value::Float(9007199254740992.0)
        ));
        assert!(int_arith(ArithOp::IDiv, 1, 0).is_none());
        assert!(int_arith(ArithOp::Mod, 1, 0).is_none());
        let (i, f) = (Value::Int, Value::Float);
        assert_eq!(
            arith(ArithOp::IDiv, i(1), i(0)).err(),
            Some(ArithError::DivByZero)
        );
        assert_eq!(
            arith(ArithOp::Mod, i(1), i(0)).err(),
            Some(ArithError::ModByZero)
        );
        assert!(fold(ArithOp::Div, i(1), i(0)).is_none());
        assert!(fold(ArithOp::Div, i(1), f(-0.0)).is_none());
        assert!(fold(ArithOp::IDiv, f(1.0), i(0)).is_none());
        assert!(fold(ArithOp::Mod, i(1), i(0)).is_none());
        assert!(fold(ArithOp::Sub, f(1.0), f(1.0)).is_none()); // 0.0
        assert!(fold(ArithOp::Unm, f(0.0), i(0)).is_none()); // -0.0
        assert!(fold(ArithOp::Add, f(f64::INFINITY), f(f64::NEG_INFINITY)).is_none()); // NaN
        assert!(fold(ArithOp::BAnd, f(1.5), i(1)).is_none());
        assert!(same(fold(ArithOp::Unm, i(0), i(0)).unwrap(), i(0)));
        assert!(same(fold(ArithOp::BOr, f(2.0), i(1)).unwrap(), i(3)));
        assert!(same(fold(ArithOp::Div, i(7), i(2)).unwrap(), f(3.5)));
    }

    /// The value-level functions agree with the raw ones for every operator and operand
    /// kind, and fold, when it folds, gives what `arith` gives.
    #[test]
    fn one_definition() {
        let ints = [0i64, 1, -1, 2, 3, -7, 63, 64, i64::MAX, i64::MIN, 108813735];
        let floats = [
            0.0,
            -0.0,
            0.5,
            -2.0,
            3.0,
            1e300,
            f64::INFINITY,
            f64::NAN,
            2.0,
        ];
        let mut vals: Vec<Value> = ints.iter().map(|&x| Value::Int(x)).collect();
        vals.extend(floats.iter().map(|&x| Value::Float(x)));
        for op in ArithOp::ALL {
            for &a in &vals {
                for &b in &vals {
                    let r = arith(op, a, b);
                    let b = if matches!(op, ArithOp::Unm | ArithOp::BNot) {
                        a
                    } else {
                        b
                    };
                    let expect = if op.is_bitwise() {
                        match (to_int_strict(a), to_int_strict(b)) {
                            (Ok(x), Ok(y)) => Ok(Value::Int(int_bitwise(op, x, y))),
                            _ => Err(ArithError::NoInteger),
                        }
                    } else if let (Value::Int(x), Value::Int(y)) = (a, b) {
                        int_arith(op, x, y).ok_or_else(|| match op {
                            ArithOp::IDiv => ArithError::DivByZero,
                            ArithOp::Mod => ArithError::ModByZero,
                            _ => panic!("{op:?} {x} {y} cannot fail"),
                        })
                    } else {
                        let (x, y) = (as_float(a).unwrap(), as_float(b).unwrap());
                        Ok(Value::Float(float_arith(op, x, y)))
                    };
                    match (r, expect) {
                        (Ok(x), Ok(y)) => assert!(same(x, y), "{op:?} {a:?} {b:?}"),
                        (Err(x), Err(y)) => assert_eq!(x, y, "{op:?} {a:?} {b:?}"),
                        _ => panic!("{op:?} {a:?} {b:?}: {r:?} vs {expect:?}"),
                    }
                    if let Some(v) = fold(op, a, b) {
                        assert!(same(v, r.unwrap()), "fold {op:?} {a:?} {b:?}");
                    }
                }
            }
        }
    }

    /// The four comparison kinds agree where integers are exact floats, and mixed
    /// comparisons do not round the integer.
    #[test]
    fn comparisons_agree() {
        let xs = [-3i64, -1, 0, 1, 2, 5];
        for op in [CmpOp::Eq, CmpOp::Lt, CmpOp::Le] {
            for x in xs {
                for y in xs {
                    let (fx, fy) = (x as f64, y as f64);
                    let r = cmp_int(op, x, y);
                    assert_eq!(cmp_float(op, fx, fy), r);
                    assert_eq!(cmp_int_float(op, x, fy), r);
                    assert_eq!(cmp_float_int(op, fx, y), r);
                    assert_eq!(num_cmp(op, Value::Int(x), Value::Float(fy)), Some(r));
                    assert_eq!(num_cmp(op, Value::Float(fx), Value::Int(y)), Some(r));
                }
            }
            assert!(!cmp_float(op, f64::NAN, f64::NAN));
            assert!(!cmp_int_float(op, 0, f64::NAN));
            assert!(!cmp_float_int(op, f64::NAN, 0));
        }
        let big = 9007199254740993i64; // 2^53 + 1; as f64 it rounds to 2^53
        assert!(!cmp_int_float(CmpOp::Eq, big, 9007199254740992.0));
        assert!(cmp_float_int(CmpOp::Lt, 9007199254740992.0, big));
        assert!(!cmp_int_float(CmpOp::Le, big, 9007199254740992.0));
        assert_eq!(num_lt(Value::Int(1), Value::Bool(true)), None);
    }
}
