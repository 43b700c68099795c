//! The math library (PUC's lmathlib): elementary functions, integer/float-preserving
//! rounding, min/max, and the xoshiro256** pseudo-random generator.
//!
//! Integer/float subtypes follow Lua 5.4: `floor`/`ceil`/`modf` return integers when the
//! rounded value fits, `abs`/`fmod` keep integers integral, `min`/`max` return the chosen
//! argument itself (so its subtype, or any comparable value, survives).
//!
//! The generator reproduces PUC 5.4 bit for bit: the state is four 64-bit words; seeding with
//! `(n1, n2)` sets `{n1, 0xff, n2, 0}` and discards 16 outputs; a float takes the top 53 bits
//! of an output; an integer in `[0, n]` is drawn by masking with the smallest `2^b - 1 >= n`
//! and rejecting values above `n`. The state lives in a userdata shared as upvalue 1 by
//! `random` and `randomseed`.
#![forbid(unsafe_code)]

use crate::error::LuaResult;
use crate::gc::Gc;
use crate::number::{float_ceil_to_int, float_floor_to_int, float_to_int_exact};
use crate::object::UserData;
use crate::state::{NResults, State};
use crate::value::Value;

pub fn open(st: &mut State) {
    let t = super::new_lib(
        st,
        "math",
        &[
            ("abs", abs),
            ("acos", acos),
            ("asin", asin),
            ("atan", atan),
            ("ceil", ceil),
            ("cos", cos),
            ("deg", deg),
            ("exp", exp),
            ("tointeger", tointeger),
            ("floor", floor),
            ("fmod", fmod),
            ("ult", ult),
            ("log", log),
            ("max", max),
            ("min", min),
            ("modf", modf),
            ("rad", rad),
            ("sin", sin),
            ("sqrt", sqrt),
            ("tan", tan),
            ("type", type_),
            // Deprecated functions PUC's default build keeps (LUA_COMPAT_MATHLIB, part of the
            // LUA_COMPAT_5_3 its makefile defines).
            ("atan2", atan),
            ("cosh", cosh),
            ("sinh", sinh),
            ("tanh", tanh),
            ("pow", pow),
            ("frexp", frexp),
            ("ldexp", ldexp),
            ("log10", log10),
        ],
    );
    st.set_field(t, "pi", Value::Float(std::f64::consts::PI));
    st.set_field(t, "huge", Value::Float(f64::INFINITY));
    st.set_field(t, "maxinteger", Value::Int(i64::MAX));
    st.set_field(t, "mininteger", Value::Int(i64::MIN));
    let mut rs = Xoshiro::default();
    let addr = st as *const State as usize as u64;
    rs.seed(time_seed(), addr);
    let ud = st.heap.alloc(UserData::new(Box::new(rs), 0));
    let f = st.new_native(random, vec![Value::UserData(ud)]);
    st.set_field(t, "random", f);
    let f = st.new_native(randomseed, vec![Value::UserData(ud)]);
    st.set_field(t, "randomseed", f);
}

/// Float of an integer/float value (integers convert as C's cast does).
fn float_arg(st: &mut State, n: usize) -> LuaResult<f64> {
    st.check_float(n)
}

/// An integer if `d` has an integral value that fits, else the float (PUC's pushnumint).
fn num_int(d: f64) -> Value {
    match float_to_int_exact(d) {
        Some(i) => Value::Int(i),
        None => Value::Float(d),
    }
}

fn ret_float(st: &mut State, f: f64) -> NResults {
    Ok(st.ret(&[Value::Float(f)]))
}

fn abs(st: &mut State) -> NResults {
    if let Value::Int(i) = st.arg(1) {
        return Ok(st.ret(&[Value::Int(i.wrapping_abs())]));
    }
    let x = float_arg(st, 1)?;
    ret_float(st, x.abs())
}

fn sin(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.sin())
}

fn cos(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.cos())
}

fn tan(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.tan())
}

fn asin(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.asin())
}

fn acos(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.acos())
}

fn atan(st: &mut State) -> NResults {
    let y = float_arg(st, 1)?;
    let x = if st.arg(2).is_nil() {
        1.0
    } else {
        float_arg(st, 2)?
    };
    ret_float(st, y.atan2(x))
}

fn tointeger(st: &mut State) -> NResults {
    let v = st.arg(1);
    match super::table::to_integer(v) {
        Some(i) => Ok(st.ret(&[Value::Int(i)])),
        None => {
            st.check_any(1)?;
            Ok(st.ret(&[Value::Nil]))
        }
    }
}

fn floor(st: &mut State) -> NResults {
    if let v @ Value::Int(_) = st.arg(1) {
        return Ok(st.ret(&[v]));
    }
    let x = float_arg(st, 1)?;
    let r = match float_floor_to_int(x) {
        Some(i) => Value::Int(i),
        None => Value::Float(x.floor()),
    };
    Ok(st.ret(&[r]))
}

fn ceil(st: &mut State) -> NResults {
    if let v @ Value::Int(_) = st.arg(1) {
        return Ok(st.ret(&[v]));
    }
    let x = float_arg(st, 1)?;
    let r = match float_ceil_to_int(x) {
        Some(i) => Value::Int(i),
        None => Value::Float(x.ceil()),
    };
    Ok(st.ret(&[r]))
}

fn fmod(st: &mut State) -> NResults {
    if let (Value::Int(a), Value::Int(d)) = (st.arg(1), st.arg(2)) {
        let r = match d {
            0 => return Err(st.arg_error(2, "zero")),
            -1 => 0, // avoids overflow of mininteger % -1
            _ => a % d,
        };
        return Ok(st.ret(&[Value::Int(r)]));
    }
    let a = float_arg(st, 1)?;
    let b = float_arg(st, 2)?;
    // Rust's `%` on floats is C's fmod (result has the sign of the dividend).
    ret_float(st, a % b)
}

fn modf(st: &mut State) -> NResults {
    if let v @ Value::Int(_) = st.arg(1) {
        return Ok(st.ret(&[v, Value::Float(0.0)]));
    }
    let n = float_arg(st, 1)?;
    let ip = if n < 0.0 { n.ceil() } else { n.floor() };
    let frac = if n == ip { 0.0 } else { n - ip };
    Ok(st.ret(&[num_int(ip), Value::Float(frac)]))
}

fn sqrt(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.sqrt())
}

fn ult(st: &mut State) -> NResults {
    let a = st.check_int(1)?;
    let b = st.check_int(2)?;
    Ok(st.ret(&[Value::Bool((a as u64) < (b as u64))]))
}

fn log(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    let r = if st.arg(2).is_nil() {
        x.ln()
    } else {
        let base = float_arg(st, 2)?;
        if base == 2.0 {
            x.log2()
        } else if base == 10.0 {
            x.log10()
        } else {
            x.ln() / base.ln()
        }
    };
    ret_float(st, r)
}

fn cosh(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.cosh())
}

fn sinh(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.sinh())
}

fn tanh(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.tanh())
}

fn pow(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    let y = float_arg(st, 2)?;
    ret_float(st, x.powf(y))
}

fn log10(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.log10())
}

fn frexp(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    let (m, e) = split_exponent(x);
    Ok(st.ret(&[Value::Float(m), Value::Int(i64::from(e))]))
}

fn ldexp(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    // PUC casts the exponent to a C int.
    let e = st.check_int(2)? as i32;
    ret_float(st, scale_by_power_of_two(x, e))
}

/// C's frexp: `x = m * 2^e` with `0.5 <= |m| < 1`; zero, infinities and NaN give `(x, 0)`.
fn split_exponent(x: f64) -> (f64, i32) {
    const EXP_MASK: u64 = 0x7ff << 52;
    let bits = x.to_bits();
    match ((bits & EXP_MASK) >> 52) as i32 {
        0 if x == 0.0 => (x, 0),
        0 => {
            // Subnormal: normalise first.
            let (m, e) = split_exponent(x * 2f64.powi(64));
            (m, e - 64)
        }
        0x7ff => (x, 0),
        biased => (
            f64::from_bits((bits & !EXP_MASK) | (1022 << 52)),
            biased - 1022,
        ),
    }
}

/// C's ldexp/scalbn: `x * 2^e` rounded once, without overflowing in the power of two.
fn scale_by_power_of_two(mut x: f64, mut e: i32) -> f64 {
    let two_1023 = 2f64.powi(1023);
    let two_m969 = 2f64.powi(-1022) * 2f64.powi(53);
    for _ in 0..2 {
        if e > 1023 {
            x *= two_1023;
            e -= 1023;
        } else if e < -1022 {
            x *= two_m969;
            e += 1022 - 53;
        }
    }
    let e = e.clamp(-1022, 1023);
    x * f64::from_bits(((0x3ff + e) as u64) << 52)
}

fn exp(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x.exp())
}

fn deg(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x * (180.0 / std::f64::consts::PI))
}

fn rad(st: &mut State) -> NResults {
    let x = float_arg(st, 1)?;
    ret_float(st, x * (std::f64::consts::PI / 180.0))
}

fn min(st: &mut State) -> NResults {
    let n = st.nargs();
    if n < 1 {
        return Err(st.arg_error(1, "value expected"));
    }
    let mut best = st.arg(1);
    for i in 2..=n {
        let v = st.arg(i);
        if st.less_than(v, best)? {
            best = v;
        }
    }
    Ok(st.ret(&[best]))
}

fn max(st: &mut State) -> NResults {
    let n = st.nargs();
    if n < 1 {
        return Err(st.arg_error(1, "value expected"));
    }
    let mut best = st.arg(1);
    for i in 2..=n {
        let v = st.arg(i);
        if st.less_than(best, v)? {
            best = v;
        }
    }
    Ok(st.ret(&[best]))
}

fn type_(st: &mut State) -> NResults {
    let r = match st.arg(1) {
        Value::Int(_) => st.str_value("integer"),
        Value::Float(_) => st.str_value("float"),
        _ => {
            st.check_any(1)?;
            Value::Nil
        }
    };
    Ok(st.ret(&[r]))
}

// ----- pseudo-random numbers -----

/// xoshiro256** state.
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Xoshiro {
    s: [u64; 4],
}

impl Xoshiro {
    pub(crate) fn next(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let s2 = s2 ^ s0;
        let s3 = s3 ^ s1;
        let res = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        self.s = [s0 ^ s3, s1 ^ s2, s2 ^ (s1 << 17), s3.rotate_left(45)];
        res
    }

    pub(crate) fn seed(&mut self, n1: u64, n2: u64) {
        self.s = [n1, 0xff, n2, 0];
        for _ in 0..16 {
            self.next();
        }
    }
}

/// A float in [0, 1) from the top 53 bits of `x`.
pub(crate) fn to_unit_float(x: u64) -> f64 {
    (x >> 11) as f64 * (0.5 / (1u64 << 52) as f64)
}

/// Project the random `ran` into [0, n] without bias, drawing again while out of range.
pub(crate) fn project(mut ran: u64, n: u64, rs: &mut Xoshiro) -> u64 {
    if n & n.wrapping_add(1) == 0 {
        return ran & n; // n + 1 is a power of two
    }
    // The smallest 2^b - 1 not below n.
    let mut lim = n;
    lim |= lim >> 1;
    lim |= lim >> 2;
    lim |= lim >> 4;
    lim |= lim >> 8;
    lim |= lim >> 16;
    lim |= lim >> 32;
    loop {
        ran &= lim;
        if ran <= n {
            return ran;
        }
        ran = rs.next();
    }
}

fn time_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The generator state of the running `random`/`randomseed` closure.
fn rand_state(st: &State) -> Option<Gc<UserData>> {
    let func = st.frame().func;
    match st.ts().stack[func] {
        Value::NativeFn(c) => match c.upval(0) {
            Value::UserData(u) => Some(u),
            _ => None,
        },
        _ => None,
    }
}

fn with_state<R>(st: &State, f: impl FnOnce(&mut Xoshiro) -> R) -> Option<R> {
    let u = rand_state(st)?;
    let rs = u.data_mut().downcast_mut::<Xoshiro>()?;
    Some(f(rs))
}

fn random(st: &mut State) -> NResults {
    let Some(rv) = with_state(st, |rs| rs.next()) else {
        return Err(st.rt_error("random state missing"));
    };
    let (low, up) = match st.nargs() {
        0 => return Ok(st.ret(&[Value::Float(to_unit_float(rv))])),
        1 => {
            let up = st.check_int(1)?;
            if up == 0 {
                return Ok(st.ret(&[Value::Int(rv as i64)]));
            }
            (1, up)
        }
        2 => (st.check_int(1)?, st.check_int(2)?),
        _ => return Err(st.rt_error("wrong number of arguments")),
    };
    if low > up {
        return Err(st.arg_error(1, "interval is empty"));
    }
    let span = (up as u64).wrapping_sub(low as u64);
    let p = with_state(st, |rs| project(rv, span, rs)).unwrap_or(0);
    Ok(st.ret(&[Value::Int(p.wrapping_add(low as u64) as i64)]))
}

fn randomseed(st: &mut State) -> NResults {
    let (n1, n2) = if st.nargs() == 0 {
        (time_seed(), st as *const State as usize as u64)
    } else {
        let n1 = st.check_int(1)?;
        let n2 = st.opt_int(2, 0)?;
        (n1 as u64, n2 as u64)
    };
    with_state(st, |rs| rs.seed(n1, n2));
    Ok(st.ret(&[Value::Int(n1 as i64), Value::Int(n2 as i64)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_matches_reference() {
        // Values printed by PUC Lua 5.4 for math.randomseed(42); math.random(0), math.random(0)
        // and math.randomseed(-1, 123456789); math.random(0).
        let mut rs = Xoshiro::default();
        rs.seed(42, 0);
        assert_eq!(rs.next() as i64, -1276290044721465627);
        assert_eq!(rs.next() as i64, 8333941968102511665);
        rs.seed(-1i64 as u64, 123456789);
        assert_eq!(rs.next() as i64, 6958223047608988806);
    }

    #[test]
    fn unit_float_range() {
        assert_eq!(to_unit_float(0), 0.0);
        assert!(to_unit_float(u64::MAX) < 1.0);
        assert_eq!(to_unit_float(1 << 63), 0.5);
    }

    #[test]
    fn project_power_of_two_masks() {
        let mut rs = Xoshiro::default();
        assert_eq!(project(0xff, 15, &mut rs), 15);
        assert_eq!(project(u64::MAX, u64::MAX, &mut rs), u64::MAX);
        for x in [0u64, 5, 1000, u64::MAX] {
            assert!(project(x, 6, &mut rs) <= 6);
        }
    }
}
