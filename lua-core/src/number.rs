//! Number semantics of Lua 5.4: integer/float conversions, arithmetic that matches PUC
//! (wrap-around, floor division and modulo), exact integer/float comparisons, and formatting.

/// The integer with exactly the value of `f`, if any (Lua's `luaV_flttointns` with F2Ieq).
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    // -2^63 <= f < 2^63 and integral
    if f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// Does integer `i` equal float `f` mathematically?
#[inline]
pub fn int_float_eq(i: i64, f: f64) -> bool {
    float_to_int_exact(f) == Some(i)
}
