//! Number semantics of Lua 5.4: integer/float conversions, arithmetic exactly as PUC
//! (wrap-around, floor division and modulo, shifts), exact integer/float comparisons.
//!
//! Used by the interpreter, the compiler's constant folding and the library, so all three
//! agree. Functions here never raise: where Lua raises (integer division by zero, no
//! integer representation), they return an `ArithError` the caller words.

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
pub fn lt_int_float(i: i64, f: f64) -> bool {
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
pub fn le_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_floor_to_int(f) {
        Some(fl) => i <= fl,
        None => f > 0.0,
    }
}

/// f < i, exactly.
pub fn lt_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_floor_to_int(f) {
        Some(fl) => fl < i,
        None => f < 0.0,
    }
}

/// f <= i, exactly.
pub fn le_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_ceil_to_int(f) {
        Some(c) => c <= i,
        None => f < 0.0,
    }
}

/// Numeric `<` on two number values (None if either is not a number).
pub fn num_lt(a: Value, b: Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Int(x), Value::Float(y)) => lt_int_float(x, y),
        (Value::Float(x), Value::Int(y)) => lt_float_int(x, y),
        _ => return None,
    })
}

/// Numeric `<=` on two number values (None if either is not a number).
pub fn num_le(a: Value, b: Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x <= y,
        (Value::Float(x), Value::Float(y)) => x <= y,
        (Value::Int(x), Value::Float(y)) => le_int_float(x, y),
        (Value::Float(x), Value::Int(y)) => le_float_int(x, y),
        _ => return None,
    })
}

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

#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b; // C fmod
    if (m > 0.0 && b < 0.0) || (m < 0.0 && b > 0.0) {
        m + b
    } else {
        m
    }
}

#[inline]
pub fn float_idiv(a: f64, b: f64) -> f64 {
    (a / b).floor()
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

/// Raw arithmetic on two values, with string coercion, no metamethods. For unary ops `b` is
/// ignored (pass `a` again). The interpreter's fast paths handle int/int and float/float
/// inline and call this for everything else.
pub fn arith(op: ArithOp, a: Value, b: Value) -> Result<Value, ArithError> {
    if op.is_bitwise() {
        let x = to_int_strict(a);
        let y = if op == ArithOp::BNot {
            Ok(0)
        } else {
            to_int_strict(b)
        };
        // A non-number operand takes precedence (metamethods are tried) over NoInteger.
        let (x, y) = match (x, y) {
            (Err(ArithError::NotNumber), _) | (_, Err(ArithError::NotNumber)) => {
                return Err(ArithError::NotNumber)
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
            (Ok(x), Ok(y)) => (x, y),
        };
        return Ok(Value::Int(match op {
            ArithOp::BAnd => x & y,
            ArithOp::BOr => x | y,
            ArithOp::BXor => x ^ y,
            ArithOp::Shl => shift_left(x, y),
            ArithOp::Shr => shift_left(x, y.wrapping_neg()),
            _ => !x,
        }));
    }
    let x = to_number(a).ok_or(ArithError::NotNumber)?;
    let y = if op == ArithOp::Unm {
        x
    } else {
        to_number(b).ok_or(ArithError::NotNumber)?
    };
    if let (Value::Int(i), Value::Int(j)) = (x, y) {
        return Ok(Value::Int(match op {
            ArithOp::Add => i.wrapping_add(j),
            ArithOp::Sub => i.wrapping_sub(j),
            ArithOp::Mul => i.wrapping_mul(j),
            ArithOp::Mod => int_mod(i, j)?,
            ArithOp::IDiv => int_idiv(i, j)?,
            ArithOp::Unm => i.wrapping_neg(),
            ArithOp::Div => return Ok(Value::Float(i as f64 / j as f64)),
            ArithOp::Pow => return Ok(Value::Float((i as f64).powf(j as f64))),
            _ => unreachable!("bitwise handled above"),
        }));
    }
    let (f, g) = (as_float(x).unwrap_or(0.0), as_float(y).unwrap_or(0.0));
    Ok(Value::Float(match op {
        ArithOp::Add => f + g,
        ArithOp::Sub => f - g,
        ArithOp::Mul => f * g,
        ArithOp::Div => f / g,
        ArithOp::Mod => float_mod(f, g),
        ArithOp::IDiv => float_idiv(f, g),
        ArithOp::Pow => pow(f, g),
        ArithOp::Unm => -f,
        _ => unreachable!("bitwise handled above"),
    }))
}

/// C `pow` semantics (Rust's powf matches for all inputs Lua cares about, incl. 2^0.5 exact).
#[inline]
pub fn pow(f: f64, g: f64) -> f64 {
    if g == 2.0 {
        f * f
    } else {
        f.powf(g)
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
    }
}
