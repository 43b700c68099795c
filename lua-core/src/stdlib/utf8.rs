//! The utf8 library (PUC's lutf8lib, Lua 5.4.8): char, charpattern, codes, codepoint, len,
//! offset.
//!
//! Decoding accepts the original UTF-8 definition of up to six bytes (values up to 2^31 - 1)
//! and rejects overlong forms; strict mode (the default) also rejects values above U+10FFFF
//! and surrogates, `lax` mode accepts them. Byte positions are 1-based at the Lua level and
//! 0-based inside; reading at or past the end of a string yields a NUL byte, as PUC's
//! NUL-terminated strings do, so no access is ever out of bounds.
#![forbid(unsafe_code)]

use crate::state::{NResults, State};
use crate::value::Value;

pub fn open(st: &mut State) {
    let t = super::new_lib(
        st,
        "utf8",
        &[
            ("offset", offset),
            ("codepoint", codepoint),
            ("char", char),
            ("len", len),
            ("codes", codes),
        ],
    );
    let p = st.str_value(CHARPATTERN);
    st.set_field(t, "charpattern", p);
}

/// Pattern matching exactly one UTF-8 byte sequence.
const CHARPATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";

const MAXUNICODE: u32 = 0x10FFFF;
const MAXUTF: u32 = 0x7FFF_FFFF;
const MSG_INVALID: &str = "invalid UTF-8 code";

/// Byte `i` of `s`, NUL past the end.
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn is_cont(c: u8) -> bool {
    c & 0xC0 == 0x80
}

/// Relative string position: negative counts back from the end (PUC's u_posrelat).
fn posrelat(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// Decode the sequence starting at `i`: its code and the index after it, or None if invalid.
pub(crate) fn decode(s: &[u8], i: usize, strict: bool) -> Option<(u32, usize)> {
    // Minimum value for each sequence length, to reject overlong encodings; the first entry
    // rejects a lone byte >= 0x80 without continuation bytes.
    const LIMITS: [u32; 6] = [u32::MAX, 0x80, 0x800, 0x10000, 0x20_0000, 0x400_0000];
    let mut c = at(s, i) as u32;
    let mut res: u32;
    let mut count = 0usize;
    if c < 0x80 {
        res = c;
    } else {
        res = 0;
        while c & 0x40 != 0 {
            count += 1;
            if count > 5 {
                return None;
            }
            let cc = at(s, i + count);
            if !is_cont(cc) {
                return None;
            }
            res = (res << 6) | (cc as u32 & 0x3F);
            c <<= 1;
        }
        res |= (c & 0x7F) << (count * 5);
        if res > MAXUTF || res < LIMITS[count] {
            return None;
        }
    }
    if strict && (res > MAXUNICODE || (0xD800..=0xDFFF).contains(&res)) {
        return None;
    }
    Some((res, i + count + 1))
}

/// UTF-8 encoding of `x` (up to 2^31 - 1, six bytes), as PUC's luaO_utf8esc.
pub(crate) fn encode(mut x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut buf = [0u8; 8];
    let mut n = buf.len();
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        n -= 1;
        buf[n] = 0x80 | (x & 0x3f) as u8;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    n -= 1;
    buf[n] = ((!mfb << 1) | x) as u8;
    out.extend_from_slice(&buf[n..]);
}

fn len(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let bytes = s.as_bytes();
    let l = bytes.len();
    let i = st.opt_int(2, 1)?;
    let mut posi = posrelat(i, l);
    let j = st.opt_int(3, -1)?;
    let mut posj = posrelat(j, l);
    let lax = st.arg(4).truthy();
    if !(1 <= posi && posi - 1 <= l as i64) {
        return Err(st.arg_error(2, "initial position out of bounds"));
    }
    posi -= 1;
    posj -= 1;
    if posj >= l as i64 {
        return Err(st.arg_error(3, "final position out of bounds"));
    }
    let mut n: i64 = 0;
    while posi <= posj {
        match decode(bytes, posi as usize, !lax) {
            Some((_, next)) => {
                posi = next as i64;
                n += 1;
            }
            None => return Ok(st.ret(&[Value::Nil, Value::Int(posi + 1)])),
        }
    }
    Ok(st.ret(&[Value::Int(n)]))
}

fn codepoint(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let bytes = s.as_bytes();
    let l = bytes.len();
    let i = st.opt_int(2, 1)?;
    let posi = posrelat(i, l);
    let j = st.opt_int(3, posi)?;
    let pose = posrelat(j, l);
    let lax = st.arg(4).truthy();
    if posi < 1 {
        return Err(st.arg_error(2, "out of bounds"));
    }
    if pose > l as i64 {
        return Err(st.arg_error(3, "out of bounds"));
    }
    if posi > pose {
        return Ok(0);
    }
    if pose - posi >= i32::MAX as i64 {
        return Err(st.rt_error("string slice too long"));
    }
    let n = (pose - posi) as usize + 1;
    if !st.ts().ensure(n) {
        return Err(st.rt_error("stack overflow (string slice too long)"));
    }
    let mut count = 0;
    let mut p = (posi - 1) as usize;
    let end = pose as usize;
    while p < end {
        match decode(bytes, p, !lax) {
            Some((code, next)) => {
                st.push(Value::Int(code as i64));
                count += 1;
                p = next;
            }
            None => return Err(st.rt_error(MSG_INVALID)),
        }
    }
    Ok(count)
}

fn char(st: &mut State) -> NResults {
    let n = st.nargs();
    let mut out = Vec::new();
    for i in 1..=n {
        let code = st.check_int(i)? as u64;
        if code > MAXUTF as u64 {
            return Err(st.arg_error(i, "value out of range"));
        }
        encode(code as u32, &mut out);
    }
    let r = st.str_value(&out);
    Ok(st.ret(&[r]))
}

fn offset(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let bytes = s.as_bytes();
    let l = bytes.len();
    let mut n = st.check_int(2)?;
    let default = if n >= 0 { 1 } else { l as i64 + 1 };
    let i = st.opt_int(3, default)?;
    let mut posi = posrelat(i, l);
    if !(1 <= posi && posi - 1 <= l as i64) {
        return Err(st.arg_error(3, "position out of bounds"));
    }
    posi -= 1;
    let mut p = posi as usize;
    if n == 0 {
        // Find the beginning of the current byte sequence.
        while p > 0 && is_cont(at(bytes, p)) {
            p -= 1;
        }
    } else {
        if is_cont(at(bytes, p)) {
            return Err(st.rt_error("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && p > 0 {
                // Back to the beginning of the previous character.
                loop {
                    p -= 1;
                    if !(p > 0 && is_cont(at(bytes, p))) {
                        break;
                    }
                }
                n += 1;
            }
        } else {
            n -= 1; // do not move for the first character
            while n > 0 && p < l {
                // Forward to the beginning of the next character.
                loop {
                    p += 1;
                    if !is_cont(at(bytes, p)) {
                        break;
                    }
                }
                n -= 1;
            }
        }
    }
    if n == 0 {
        Ok(st.ret(&[Value::Int(p as i64 + 1)]))
    } else {
        Ok(st.ret(&[Value::Nil]))
    }
}

fn iter_aux(st: &mut State, strict: bool) -> NResults {
    let s = st.check_str(1)?;
    let bytes = s.as_bytes();
    let l = bytes.len() as u64;
    let mut n = match st.arg(2) {
        Value::Int(i) => i as u64,
        v => super::table::to_integer(v).unwrap_or(0) as u64,
    };
    if n < l {
        while is_cont(at(bytes, n as usize)) {
            n += 1; // skip continuation bytes
        }
    }
    if n >= l {
        return Ok(0); // (also handles a negative original n)
    }
    match decode(bytes, n as usize, strict) {
        Some((code, next)) if !is_cont(at(bytes, next)) => {
            Ok(st.ret(&[Value::Int(n as i64 + 1), Value::Int(code as i64)]))
        }
        _ => Err(st.rt_error(MSG_INVALID)),
    }
}

fn iter_strict(st: &mut State) -> NResults {
    iter_aux(st, true)
}

fn iter_lax(st: &mut State) -> NResults {
    iter_aux(st, false)
}

fn codes(st: &mut State) -> NResults {
    let lax = st.arg(2).truthy();
    let s = st.check_str(1)?;
    if is_cont(at(s.as_bytes(), 0)) {
        return Err(st.arg_error(1, MSG_INVALID));
    }
    let f: crate::object::NativeFn = if lax { iter_lax } else { iter_strict };
    Ok(st.ret(&[Value::LightFn(f), Value::Str(s), Value::Int(0)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(x: u32) -> Vec<u8> {
        let mut v = Vec::new();
        encode(x, &mut v);
        v
    }

    #[test]
    fn encode_matches_std_for_unicode() {
        for x in [0u32, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff] {
            let c = char::from_u32(x).unwrap();
            let mut b = [0u8; 4];
            assert_eq!(enc(x), c.encode_utf8(&mut b).as_bytes());
        }
    }

    #[test]
    fn extended_sequences_round_trip() {
        for x in [0xD800u32, 0x110000, 0x3ff_ffff, 0x400_0000, MAXUTF] {
            let b = enc(x);
            assert_eq!(decode(&b, 0, false), Some((x, b.len())));
            assert_eq!(decode(&b, 0, true), None);
        }
        assert_eq!(enc(MAXUTF).len(), 6);
    }

    #[test]
    fn rejects_bad_sequences() {
        assert_eq!(decode(b"\xC0\x80", 0, false), None); // overlong
        assert_eq!(decode(b"\x80", 0, false), None); // lone continuation
        assert_eq!(decode(b"\xE4\xB8", 0, false), None); // truncated
        assert_eq!(decode(b"\xFF\xBF\xBF\xBF\xBF\xBF\xBF\xBF", 0, false), None);
        assert_eq!(decode(b"", 0, true), Some((0, 1)));
    }

    #[test]
    fn relative_positions() {
        assert_eq!(posrelat(-1, 5), 5);
        assert_eq!(posrelat(-6, 5), 0);
        assert_eq!(posrelat(i64::MIN, 5), 0);
        assert_eq!(posrelat(3, 5), 3);
    }
}
