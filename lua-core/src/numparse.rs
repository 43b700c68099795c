//! String to number conversion with exactly Lua 5.4's rules (`luaO_str2num`,
//! `lua_stringtonumber`) and `tonumber(s, base)` (`luaB_tonumber`).
//!
//! Owns: the numeral grammar shared by the lexer (numeric literals), the `tonumber` library
//! function and string-to-number coercion in arithmetic.
//!
//! Rules (PUC Lua 5.4):
//! - Leading and trailing whitespace (C `isspace`: space, \t \n \v \f \r) is allowed; anything
//!   else after the numeral, including an embedded NUL byte, makes the conversion fail.
//! - An integer numeral (decimal or `0x` hex, optional sign) becomes an integer. Decimal
//!   integers that do not fit in an i64 are read again as floats; hex integers wrap around
//!   modulo 2^64.
//! - Everything else is read as a float like C's `strtod`: decimal with optional fraction and
//!   exponent, or hex (`0x1.8p3`) with optional binary exponent. Any string containing `n` or
//!   `N` is rejected first, which rules out `inf` and `nan`.
//!
//! Decimal floats use Rust's correctly rounded parser (same results as glibc's strtod); hex
//! floats are assembled here with correct rounding, so this module needs no `unsafe`.

#![forbid(unsafe_code)]

use crate::value::Value;

/// C `isspace` in the "C" locale (also Lua's `lisspace`).
#[inline]
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

#[inline]
fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |p| p + 1);
    &s[start..end.max(start)]
}

/// Convert a string to a Lua number (`lua_stringtonumber`): `Value::Int` or `Value::Float`,
/// or `None` when the string is not a numeral.
pub fn str2number(s: &[u8]) -> Option<Value> {
    if s.contains(&0) {
        return None;
    }
    let t = trim(s);
    if let Some(i) = str2int(t) {
        return Some(Value::Int(i));
    }
    str2float(t).map(Value::Float)
}

/// Split an optional sign off the front; true when negative.
fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn is_hex_prefix(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X')
}

/// An integer numeral (already trimmed): decimal without overflow, or hex (wrapping).
fn str2int(s: &[u8]) -> Option<i64> {
    let (neg, s) = split_sign(s);
    let mut a: u64 = 0;
    if is_hex_prefix(s) {
        let digits = &s[2..];
        if digits.is_empty() {
            return None;
        }
        for &c in digits {
            a = a.wrapping_mul(16).wrapping_add(u64::from(hex_value(c)?));
        }
    } else {
        if s.is_empty() {
            return None;
        }
        // The largest magnitude accepted: i64::MAX, or 2^63 when negative.
        let limit: u64 = if neg { 1 << 63 } else { i64::MAX as u64 };
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            a = a.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            if a > limit {
                return None;
            }
        }
    }
    Some(if neg { a.wrapping_neg() } else { a } as i64)
}

/// A float numeral (already trimmed), as C99 `strtod` reads it, whole string consumed.
fn str2float(s: &[u8]) -> Option<f64> {
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None; // 'inf' and 'nan' are not Lua numerals
    }
    let (neg, body) = split_sign(s);
    let v = if is_hex_prefix(body) {
        hex_float(&body[2..])?
    } else {
        decimal_float(body)?
    };
    Some(if neg { -v } else { v })
}

/// Unsigned decimal float: digits [. digits] [(e|E) [sign] digits], at least one digit in the
/// mantissa.
fn decimal_float(s: &[u8]) -> Option<f64> {
    let mut i = 0;
    let mut mant_digits = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
        mant_digits += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
            mant_digits += 1;
        }
    }
    if mant_digits == 0 {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != s.len() {
        return None;
    }
    // The text is pure ASCII matching Rust's float grammar, which rounds correctly.
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// Unsigned hex float after the `0x`: hexdigits [. hexdigits] [(p|P) [sign] decdigits].
fn hex_float(s: &[u8]) -> Option<f64> {
    // Keep the first 64 significant bits in `mant`; later nonzero digits only set `sticky`.
    let mut mant: u64 = 0;
    let mut sticky = false;
    let mut exp: i64 = 0; // binary exponent of mant's unit
    let mut any_digit = false;
    let mut seen_dot = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if seen_dot {
                return None;
            }
            seen_dot = true;
        } else if let Some(d) = hex_value(c) {
            any_digit = true;
            if mant >> 60 == 0 {
                mant = (mant << 4) | u64::from(d);
                if seen_dot {
                    exp -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if i < s.len() && (s[i] == b'p' || s[i] == b'P') {
        i += 1;
        let (eneg, rest) = split_sign(&s[i..]);
        i = s.len() - rest.len();
        let start = i;
        let mut e: i64 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            e = (e * 10 + i64::from(s[i] - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if i != s.len() {
        return None;
    }
    Some(compose(mant, sticky, exp))
}

/// `(mant + sticky fraction) * 2^exp`, correctly rounded to nearest even.
fn compose(mant: u64, sticky: bool, exp: i64) -> f64 {
    if mant == 0 {
        return 0.0;
    }
    let lz = i64::from(mant.leading_zeros());
    let m = mant << lz; // top bit set; value = m * 2^(exp - lz)
    let e = exp - lz; // value = m * 2^e, m in [2^63, 2^64)
                      // The exponent of the leading bit is e + 63. Normal doubles keep 53 bits; below 2^-1022
                      // the precision shrinks (subnormals), down to the unit 2^-1074.
    let top = e + 63;
    if top > 1023 {
        return f64::INFINITY;
    }
    let keep: i64 = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
    if keep < 0 {
        return 0.0; // below half the smallest subnormal
    }
    let drop = 64 - keep; // bits of m to round away (11..=64)
    let (kept, half, rest) = if drop >= 64 {
        (0u64, m >> 63 == 1, (m << 1) != 0 || sticky)
    } else {
        let kept = m >> drop;
        let rem = m & ((1u64 << drop) - 1);
        let halfbit = 1u64 << (drop - 1);
        (
            kept,
            rem & halfbit != 0,
            (rem & (halfbit - 1)) != 0 || sticky,
        )
    };
    let round_up = half && (rest || kept & 1 == 1);
    let r = kept + u64::from(round_up); // may reach 2^keep: still exact as f64
                                        // value = r * 2^(e + drop); r < 2^54, so scaling by powers of two is exact.
    ldexp(r as f64, e + drop)
}

/// `x * 2^n` for exact results (x an integer below 2^54), saturating to infinity.
fn ldexp(mut x: f64, mut n: i64) -> f64 {
    while n > 1000 {
        x *= 2f64.powi(1000);
        n -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while n < -1000 {
        // Keep x representable: halve in steps that stay above the subnormal range while
        // possible; the final step lands exactly because r was pre-rounded.
        x *= 2f64.powi(-1000);
        n += 1000;
    }
    x * 2f64.powi(n as i32)
}

/// `tonumber(s, base)`: optional whitespace around, optional sign, at least one alphanumeric
/// digit valid in `base` (2..=36, letters case-insensitive); wraps around on overflow.
pub fn str2int_base(s: &[u8], base: u32) -> Option<i64> {
    if !(2..=36).contains(&base) {
        return None;
    }
    let t = trim(s);
    let (neg, digits) = split_sign(t);
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.wrapping_mul(u64::from(base)).wrapping_add(u64::from(d));
    }
    Some(if neg { n.wrapping_neg() } else { n } as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Option<String> {
        str2number(s.as_bytes()).map(|v| match v {
            Value::Int(i) => format!("i{i}"),
            Value::Float(f) => format!("f{f:?}"),
            _ => unreachable!(),
        })
    }

    #[test]
    fn integers() {
        assert_eq!(num("10").as_deref(), Some("i10"));
        assert_eq!(num("  -10 \n").as_deref(), Some("i-10"));
        assert_eq!(num("+7").as_deref(), Some("i7"));
        assert_eq!(
            num("9223372036854775807").as_deref(),
            Some("i9223372036854775807")
        );
        assert_eq!(
            num("-9223372036854775808").as_deref(),
            Some("i-9223372036854775808")
        );
        assert_eq!(
            num("9223372036854775808").as_deref(),
            Some("f9.223372036854776e18")
        );
        assert_eq!(num("0x10").as_deref(), Some("i16"));
        assert_eq!(num("0xffffffffffffffff").as_deref(), Some("i-1"));
        assert_eq!(num("0x1ffffffffffffffff").as_deref(), Some("i-1"));
        assert_eq!(num("-0x1").as_deref(), Some("i-1"));
        assert_eq!(num("0x"), None);
        assert_eq!(num(""), None);
        assert_eq!(num("  "), None);
        assert_eq!(num("-"), None);
        assert_eq!(num("1 2"), None);
        assert_eq!(num("1\0"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(num("1.5").as_deref(), Some("f1.5"));
        assert_eq!(num(".5").as_deref(), Some("f0.5"));
        assert_eq!(num("5.").as_deref(), Some("f5.0"));
        assert_eq!(num("1e2").as_deref(), Some("f100.0"));
        assert_eq!(num("1E+2").as_deref(), Some("f100.0"));
        assert_eq!(num(" -1e-2 ").as_deref(), Some("f-0.01"));
        assert_eq!(num("1e400").as_deref(), Some("finf"));
        assert_eq!(num("."), None);
        assert_eq!(num("1e"), None);
        assert_eq!(num("e1"), None);
        assert_eq!(num("1.2.3"), None);
        assert_eq!(num("inf"), None);
        assert_eq!(num("nan"), None);
        assert_eq!(num("1x"), None);
        assert_eq!(num("0x1p4").as_deref(), Some("f16.0"));
        assert_eq!(num("0x.8").as_deref(), Some("f0.5"));
        assert_eq!(num("0x8.").as_deref(), Some("f8.0"));
        assert_eq!(num("0xA.8p-1").as_deref(), Some("f5.25"));
        assert_eq!(num("0x1P+1").as_deref(), Some("f2.0"));
        assert_eq!(num("0x1p"), None);
        assert_eq!(num("0x."), None);
        assert_eq!(num("0x1p-1074").as_deref(), Some("f5e-324"));
        assert_eq!(num("0x1p-1075").as_deref(), Some("f0.0"));
        assert_eq!(num("0x1.8p-1075").as_deref(), Some("f5e-324"));
        assert_eq!(num("0x1p1024").as_deref(), Some("finf"));
        assert_eq!(
            num("0x1.fffffffffffffp1023").as_deref(),
            Some("f1.7976931348623157e308")
        );
        // 2^64 - 1 as a float rounds to 2^64.
        assert_eq!(
            num("0xffffffffffffffff.0").as_deref(),
            Some("f1.8446744073709552e19")
        );
        // round half to even at 2^53 + 1
        assert_eq!(
            num("0x20000000000001.0").as_deref(),
            Some("f9007199254740992.0")
        );
        assert_eq!(
            num("0x20000000000003.0").as_deref(),
            Some("f9007199254740996.0")
        );
        let many = format!("0x{}.0", "f".repeat(150));
        assert_eq!(
            str2number(many.as_bytes())
                .map(|v| matches!(v, Value::Float(f) if f == 2f64.powi(600))),
            Some(true)
        );
    }

    #[test]
    fn bases() {
        assert_eq!(str2int_base(b"ff", 16), Some(255));
        assert_eq!(str2int_base(b" -FF ", 16), Some(-255));
        assert_eq!(str2int_base(b"zz", 36), Some(35 * 36 + 35));
        assert_eq!(str2int_base(b"102", 2), None);
        assert_eq!(str2int_base(b"", 10), None);
        assert_eq!(str2int_base(b"-", 10), None);
        assert_eq!(str2int_base(b"1 1", 10), None);
        assert_eq!(str2int_base(b"1\0", 10), None);
        assert_eq!(str2int_base(b"+7", 8), Some(7));
        assert_eq!(str2int_base(b"ffffffffffffffff", 16), Some(-1));
    }
}
