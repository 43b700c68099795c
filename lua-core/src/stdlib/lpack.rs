//! `string.pack`, `string.unpack` and `string.packsize`: binary serialisation driven by a
//! format string.
//!
//! What it owns: reading format options (`< > = ! b B h H i[n] I[n] l L j J T f d n s[n] z x
//! X<op> c<n>` and spaces), alignment (`!` sets the maximum, each option aligns to its size up
//! to that maximum, `X` aligns to the next option's size), endianness, and the byte layout of
//! integers of 1 to 16 bytes, floats and strings, with PUC 5.4's checks and messages.
//! Sizes are those of x86-64 Linux C (short 2, int 4, long 8, size_t 8, maximum alignment 8),
//! which is what PUC built there uses; native endianness is the target's.
//!
//! Who calls it: the VM's `string.pack/unpack/packsize`. Arguments to `pack` come through
//! [`PackArgs`] (Lua argument numbers: the format is 1, the first value 2), whose
//! implementation raises the "bad argument" errors of `luaL_checkinteger` and friends. This
//! module's own errors are [`PackError`]s, converted into the caller's error type by `From`.
//! Like PUC, which reads the format as a C string, a NUL byte ends the format.
#![forbid(unsafe_code)]

use std::borrow::Cow;

/// An error raised by the pack engine itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackError {
    /// A plain error message (`luaL_error`).
    Msg(String),
    /// An argument error: rendered as "bad argument #<arg> to '<fn>' (<msg>)".
    Arg(usize, String),
}

/// A value produced by `unpack`.
#[derive(Clone, Debug, PartialEq)]
pub enum PackValue {
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
}

/// Access to the values being packed. `arg` is the Lua argument number.
pub trait PackArgs {
    type Error: From<PackError>;
    /// `luaL_checkinteger`.
    fn int(&mut self, arg: usize) -> Result<i64, Self::Error>;
    /// `luaL_checknumber`.
    fn number(&mut self, arg: usize) -> Result<f64, Self::Error>;
    /// `luaL_checklstring` (numbers are converted to strings).
    fn string(&mut self, arg: usize) -> Result<Cow<'_, [u8]>, Self::Error>;
}

/// Largest integer size an option may ask for.
const MAXINTSIZE: usize = 16;
/// Size of a Lua integer.
const SZINT: usize = 8;
/// Maximum alignment of C data (`!` without a number).
const MAXALIGN: usize = 8;
/// Largest result size PUC allows (INT_MAX on 64-bit platforms).
const MAXSIZE: usize = i32::MAX as usize;
const NATIVE_LITTLE: bool = cfg!(target_endian = "little");

/// What an option does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Uint,
    Float,
    Number,
    Double,
    Char,
    Str,
    Zstr,
    Padding,
    PadAlign,
    Nop,
}

/// Format reader state: position in the format, endianness and maximum alignment.
struct Header<'f> {
    fmt: &'f [u8],
    pos: usize,
    little: bool,
    maxalign: usize,
}

fn arg_err(arg: usize, m: &str) -> PackError {
    PackError::Arg(arg, m.to_string())
}

impl<'f> Header<'f> {
    fn new(fmt: &'f [u8]) -> Self {
        let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
        Header {
            fmt: &fmt[..end],
            pos: 0,
            little: NATIVE_LITTLE,
            maxalign: 1,
        }
    }

    fn done(&self) -> bool {
        self.pos >= self.fmt.len()
    }

    /// An optional decimal number; saturates like PUC's `getnum` (stops reading digits once the
    /// value could overflow an int).
    fn num(&mut self, default: usize) -> usize {
        let digit = |h: &Self| h.fmt.get(h.pos).filter(|c| c.is_ascii_digit()).copied();
        let Some(mut d) = digit(self) else {
            return default;
        };
        let mut a = 0usize;
        loop {
            a = a * 10 + (d - b'0') as usize;
            self.pos += 1;
            match digit(self) {
                Some(nd) if a <= (MAXSIZE - 9) / 10 => d = nd,
                _ => return a,
            }
        }
    }

    fn num_limit(&mut self, default: usize) -> Result<usize, PackError> {
        let sz = self.num(default);
        if sz > MAXINTSIZE || sz == 0 {
            return Err(PackError::Msg(format!(
                "integral size ({sz}) out of limits [1,{MAXINTSIZE}]"
            )));
        }
        Ok(sz)
    }

    /// Reads one option and its size.
    fn option(&mut self) -> Result<(Kind, usize), PackError> {
        let opt = self.fmt[self.pos];
        self.pos += 1;
        Ok(match opt {
            b'b' => (Kind::Int, 1),
            b'B' => (Kind::Uint, 1),
            b'h' => (Kind::Int, 2),
            b'H' => (Kind::Uint, 2),
            b'l' | b'j' => (Kind::Int, 8),
            b'L' | b'J' | b'T' => (Kind::Uint, 8),
            b'f' => (Kind::Float, 4),
            b'n' => (Kind::Number, 8),
            b'd' => (Kind::Double, 8),
            b'i' => (Kind::Int, self.num_limit(4)?),
            b'I' => (Kind::Uint, self.num_limit(4)?),
            b's' => (Kind::Str, self.num_limit(8)?),
            b'c' => {
                // PUC uses -1 as "no number"; a digit string always reads as >= 0.
                if !self.fmt.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    return Err(PackError::Msg("missing size for format option 'c'".into()));
                }
                (Kind::Char, self.num(0))
            }
            b'z' => (Kind::Zstr, 0),
            b'x' => (Kind::Padding, 1),
            b'X' => (Kind::PadAlign, 0),
            b' ' => (Kind::Nop, 0),
            b'<' => {
                self.little = true;
                (Kind::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (Kind::Nop, 0)
            }
            b'=' => {
                self.little = NATIVE_LITTLE;
                (Kind::Nop, 0)
            }
            b'!' => {
                self.maxalign = self.num_limit(MAXALIGN)?;
                (Kind::Nop, 0)
            }
            _ => {
                let c = String::from_utf8_lossy(&[opt]).into_owned();
                return Err(PackError::Msg(format!("invalid format option '{c}'")));
            }
        })
    }

    /// Reads one option; returns its kind, size and the padding needed before it when the data
    /// so far is `total` bytes long.
    fn details(&mut self, total: usize) -> Result<(Kind, usize, usize), PackError> {
        let (kind, size) = self.option()?;
        let mut align = size;
        if kind == Kind::PadAlign {
            let bad = || arg_err(1, "invalid next option for option 'X'");
            if self.done() {
                return Err(bad());
            }
            let (next, nsize) = self.option()?;
            align = nsize;
            if next == Kind::Char || align == 0 {
                return Err(bad());
            }
        }
        if align <= 1 || kind == Kind::Char {
            return Ok((kind, size, 0));
        }
        align = align.min(self.maxalign);
        if !align.is_power_of_two() {
            return Err(arg_err(1, "format asks for alignment not power of 2"));
        }
        Ok((kind, size, (align - (total & (align - 1))) & (align - 1)))
    }
}

/// Appends `n` as a `size`-byte integer; sizes above 8 are sign- or zero-extended.
fn pack_int(out: &mut Vec<u8>, n: u64, little: bool, size: usize, neg: bool) {
    let start = out.len();
    for i in 0..size {
        let byte = if i < SZINT {
            (n >> (8 * i)) as u8
        } else if neg {
            0xff
        } else {
            0
        };
        out.push(byte);
    }
    if !little {
        out[start..].reverse();
    }
}

/// Appends the native bytes of a float, in the requested byte order.
fn pack_bytes(out: &mut Vec<u8>, le_bytes: &[u8], little: bool) {
    if little {
        out.extend_from_slice(le_bytes);
    } else {
        out.extend(le_bytes.iter().rev());
    }
}

/// `string.pack(fmt, ...)`.
pub fn pack<A: PackArgs>(fmt: &[u8], args: &mut A) -> Result<Vec<u8>, A::Error> {
    let mut h = Header::new(fmt);
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut arg = 1;
    while !h.done() {
        let (kind, size, ntoalign) = h.details(total)?;
        total = total.saturating_add(ntoalign + size);
        out.resize(out.len() + ntoalign, 0);
        arg += 1;
        match kind {
            Kind::Int => {
                let n = args.int(arg)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim..lim).contains(&n) {
                        return Err(arg_err(arg, "integer overflow").into());
                    }
                }
                pack_int(&mut out, n as u64, h.little, size, n < 0);
            }
            Kind::Uint => {
                let n = args.int(arg)?;
                if size < SZINT && (n as u64) >= 1u64 << (size * 8) {
                    return Err(arg_err(arg, "unsigned overflow").into());
                }
                pack_int(&mut out, n as u64, h.little, size, false);
            }
            Kind::Float => {
                let x = args.number(arg)? as f32;
                pack_bytes(&mut out, &x.to_le_bytes(), h.little);
            }
            Kind::Number | Kind::Double => {
                let x = args.number(arg)?;
                pack_bytes(&mut out, &x.to_le_bytes(), h.little);
            }
            Kind::Char => {
                let s = args.string(arg)?;
                if s.len() > size {
                    return Err(arg_err(arg, "string longer than given size").into());
                }
                if out.try_reserve(size).is_err() {
                    return Err(PackError::Msg("not enough memory".into()).into());
                }
                out.extend_from_slice(&s);
                out.resize(out.len() + (size - s.len()), 0);
            }
            Kind::Str => {
                let s = args.string(arg)?;
                if size < 8 && s.len() as u64 >= 1u64 << (size * 8) {
                    return Err(arg_err(arg, "string length does not fit in given size").into());
                }
                pack_int(&mut out, s.len() as u64, h.little, size, false);
                out.extend_from_slice(&s);
                total = total.saturating_add(s.len());
            }
            Kind::Zstr => {
                let s = args.string(arg)?;
                if s.contains(&0) {
                    return Err(arg_err(arg, "string contains zeros").into());
                }
                out.extend_from_slice(&s);
                out.push(0);
                total = total.saturating_add(s.len() + 1);
            }
            Kind::Padding => {
                out.push(0);
                arg -= 1;
            }
            Kind::PadAlign | Kind::Nop => arg -= 1,
        }
    }
    Ok(out)
}

/// `string.packsize(fmt)`.
pub fn packsize(fmt: &[u8]) -> Result<i64, PackError> {
    let mut h = Header::new(fmt);
    let mut total = 0usize;
    while !h.done() {
        let (kind, size, ntoalign) = h.details(total)?;
        if matches!(kind, Kind::Str | Kind::Zstr) {
            return Err(arg_err(1, "variable-length format"));
        }
        let size = size + ntoalign;
        if total > MAXSIZE.saturating_sub(size) {
            return Err(arg_err(1, "format result too large"));
        }
        total += size;
    }
    Ok(total as i64)
}

/// Reads a `size`-byte integer at the start of `b`.
fn unpack_int(b: &[u8], little: bool, size: usize, signed: bool) -> Result<i64, PackError> {
    let byte = |i: usize| if little { b[i] } else { b[size - 1 - i] };
    let limit = size.min(SZINT);
    let mut res = 0u64;
    for i in (0..limit).rev() {
        res = (res << 8) | byte(i) as u64;
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        // The bytes beyond a Lua integer must be a pure sign (or zero) extension.
        let ext = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xff
        };
        if (limit..size).any(|i| byte(i) != ext) {
            return Err(PackError::Msg(format!(
                "{size}-byte integer does not fit into Lua Integer"
            )));
        }
    }
    Ok(res as i64)
}

fn float_bytes<const N: usize>(b: &[u8], little: bool) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[..N]);
    if !little {
        a.reverse();
    }
    a
}

/// `string.unpack(fmt, data, init)` with `pos` the 0-based start (PUC's `posrelatI(init) - 1`).
/// Returns the values and the 1-based position after the last byte read.
pub fn unpack(fmt: &[u8], data: &[u8], pos: usize) -> Result<(Vec<PackValue>, usize), PackError> {
    if pos > data.len() {
        return Err(arg_err(3, "initial position out of string"));
    }
    let too_short = || arg_err(2, "data string too short");
    let mut h = Header::new(fmt);
    let mut pos = pos;
    let mut vals = Vec::new();
    while !h.done() {
        let (kind, size, ntoalign) = h.details(pos)?;
        if ntoalign + size > data.len() - pos {
            return Err(too_short());
        }
        pos += ntoalign;
        let b = &data[pos..];
        match kind {
            Kind::Int | Kind::Uint => {
                vals.push(PackValue::Int(unpack_int(
                    b,
                    h.little,
                    size,
                    kind == Kind::Int,
                )?));
            }
            Kind::Float => {
                let x = f32::from_le_bytes(float_bytes::<4>(b, h.little));
                vals.push(PackValue::Float(x as f64));
            }
            Kind::Number | Kind::Double => {
                let x = f64::from_le_bytes(float_bytes::<8>(b, h.little));
                vals.push(PackValue::Float(x));
            }
            Kind::Char => vals.push(PackValue::Str(b[..size].to_vec())),
            Kind::Str => {
                let len = unpack_int(b, h.little, size, false)? as u64;
                if len > (data.len() - pos - size) as u64 {
                    return Err(too_short());
                }
                let len = len as usize;
                vals.push(PackValue::Str(b[size..size + len].to_vec()));
                pos += len;
            }
            Kind::Zstr => {
                let Some(len) = b.iter().position(|&c| c == 0) else {
                    return Err(arg_err(2, "unfinished string for format 'z'"));
                };
                vals.push(PackValue::Str(b[..len].to_vec()));
                pos += len + 1;
            }
            Kind::PadAlign | Kind::Padding | Kind::Nop => {}
        }
        pos += size;
    }
    Ok((vals, pos + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug)]
    enum V {
        I(i64),
        F(f64),
        S(&'static [u8]),
        Nil,
    }
    use V::*;

    struct Args(Vec<V>);

    #[derive(Debug, PartialEq)]
    struct E(String);

    fn render(e: PackError, func: &str) -> String {
        match e {
            PackError::Msg(m) => m,
            PackError::Arg(n, m) => format!("bad argument #{n} to '{func}' ({m})"),
        }
    }

    impl From<PackError> for E {
        fn from(e: PackError) -> E {
            E(render(e, "pack"))
        }
    }

    impl PackArgs for Args {
        type Error = E;
        fn int(&mut self, arg: usize) -> Result<i64, E> {
            match self.0.get(arg - 2) {
                Some(I(i)) => Ok(*i),
                _ => Err(E(format!(
                    "bad argument #{arg} to 'pack' (number expected)"
                ))),
            }
        }
        fn number(&mut self, arg: usize) -> Result<f64, E> {
            match self.0.get(arg - 2) {
                Some(I(i)) => Ok(*i as f64),
                Some(F(f)) => Ok(*f),
                _ => Err(E(format!(
                    "bad argument #{arg} to 'pack' (number expected)"
                ))),
            }
        }
        fn string(&mut self, arg: usize) -> Result<Cow<'_, [u8]>, E> {
            match self.0.get(arg - 2) {
                Some(S(s)) => Ok(Cow::Borrowed(s)),
                _ => Err(E(format!(
                    "bad argument #{arg} to 'pack' (string expected)"
                ))),
            }
        }
    }

    fn p(fmt: &str, args: &[V]) -> Result<Vec<u8>, String> {
        pack(fmt.as_bytes(), &mut Args(args.to_vec())).map_err(|e| e.0)
    }

    fn ps(fmt: &str) -> Result<i64, String> {
        packsize(fmt.as_bytes()).map_err(|e| render(e, "packsize"))
    }

    fn u(fmt: &str, data: &[u8], pos: usize) -> Result<(Vec<PackValue>, usize), String> {
        unpack(fmt.as_bytes(), data, pos).map_err(|e| render(e, "unpack"))
    }

    // Expected values below were printed by PUC Lua 5.4 on x86-64 Linux.

    #[test]
    fn stdlib_pack_layouts() {
        assert_eq!(p(">d", &[F(1.5)]).unwrap(), [63, 248, 0, 0, 0, 0, 0, 0]);
        assert_eq!(p("<f", &[F(1.5)]).unwrap(), [0, 0, 192, 63]);
        assert_eq!(p("j", &[I(i64::MIN)]).unwrap(), [0, 0, 0, 0, 0, 0, 0, 128]);
        assert_eq!(
            p(">i16", &[I(-2)]).unwrap(),
            [[0xff; 15].as_slice(), &[0xfe]].concat()
        );
        assert_eq!(
            p("<I3 >h", &[I(0x010203), I(-2)]).unwrap(),
            [3, 2, 1, 0xff, 0xfe]
        );
        assert_eq!(
            p("!8 b Xd d", &[I(1), F(2.5)]).unwrap(),
            [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 64]
        );
        assert_eq!(
            p("s1 z c4 x", &[S(b"ab"), S(b"cd"), S(b"e")]).unwrap(),
            b"\x02abcd\0e\0\0\0\0"
        );
        assert_eq!(p("", &[]).unwrap(), b"");
    }

    #[test]
    fn stdlib_pack_sizes() {
        assert_eq!(ps("!8 b Xd d"), Ok(16));
        assert_eq!(ps("<!4 b i8 !2 h i3"), Ok(17));
        assert_eq!(ps("i3!4i4"), Ok(8));
        assert_eq!(ps("!i2i8"), Ok(16));
        assert_eq!(ps(""), Ok(0));
        assert_eq!(ps("c214748364c214748364"), Ok(429496728));
        assert_eq!(
            ps("s"),
            Err("bad argument #1 to 'packsize' (variable-length format)".into())
        );
        assert_eq!(
            ps("z"),
            Err("bad argument #1 to 'packsize' (variable-length format)".into())
        );
        assert_eq!(
            ps("c1000000000c1000000000c1000000000"),
            Err("bad argument #1 to 'packsize' (format result too large)".into())
        );
        // getnum stops reading digits before an int could overflow: the rest is an option.
        assert_eq!(ps("c2147483647c2"), Err("invalid format option '7'".into()));
        assert_eq!(ps("c99999999999"), Err("invalid format option '9'".into()));
        assert_eq!(
            ps("i0"),
            Err("integral size (0) out of limits [1,16]".into())
        );
        assert_eq!(
            ps("i17"),
            Err("integral size (17) out of limits [1,16]".into())
        );
        assert_eq!(ps("y"), Err("invalid format option 'y'".into()));
        assert_eq!(ps("c"), Err("missing size for format option 'c'".into()));
        assert_eq!(ps("Xc"), Err("missing size for format option 'c'".into()));
        assert_eq!(
            ps("X"),
            Err("bad argument #1 to 'packsize' (invalid next option for option 'X')".into())
        );
        assert_eq!(
            ps("Xc1"),
            Err("bad argument #1 to 'packsize' (invalid next option for option 'X')".into())
        );
        assert_eq!(
            ps("!i3"),
            Err("bad argument #1 to 'packsize' (format asks for alignment not power of 2)".into())
        );
        assert_eq!(ps("i\0garbage"), Ok(4));
    }

    #[test]
    fn stdlib_pack_errors() {
        assert_eq!(
            p("i2", &[I(40000)]),
            Err("bad argument #2 to 'pack' (integer overflow)".into())
        );
        assert_eq!(
            p("I2", &[I(-1)]),
            Err("bad argument #2 to 'pack' (unsigned overflow)".into())
        );
        assert_eq!(
            p("z", &[S(b"a\0")]),
            Err("bad argument #2 to 'pack' (string contains zeros)".into())
        );
        assert_eq!(
            p("c1", &[S(b"ab")]),
            Err("bad argument #2 to 'pack' (string longer than given size)".into())
        );
        let long: &'static [u8] = Box::leak(vec![b'x'; 256].into_boxed_slice());
        assert_eq!(
            p("s1", &[S(long)]),
            Err("bad argument #2 to 'pack' (string length does not fit in given size)".into())
        );
        assert_eq!(
            p("b b", &[I(1), Nil]),
            Err("bad argument #3 to 'pack' (number expected)".into())
        );
        assert_eq!(p("i1", &[I(-128)]).unwrap(), [0x80]);
        assert_eq!(
            p("i1", &[I(-129)]),
            Err("bad argument #2 to 'pack' (integer overflow)".into())
        );
    }

    #[test]
    fn stdlib_unpack() {
        use PackValue::{Float, Int, Str};
        assert_eq!(
            u(">I3 <i2 =B", b"\x01\x02\x03\xfe\xff\x07", 0),
            Ok((vec![Int(66051), Int(-2), Int(7)], 7))
        );
        assert_eq!(
            u("s1 z c2", b"\x03abcxy\0pq", 0),
            Ok((
                vec![
                    Str(b"abc".to_vec()),
                    Str(b"xy".to_vec()),
                    Str(b"pq".to_vec())
                ],
                10
            ))
        );
        assert_eq!(u("i9", &[0xff; 9], 0), Ok((vec![Int(-1)], 10)));
        assert_eq!(u("b", b"\xc8", 0), Ok((vec![Int(-56)], 2)));
        assert_eq!(u("<d", &1.5f64.to_le_bytes(), 0), Ok((vec![Float(1.5)], 9)));
        assert_eq!(
            u("!4 b i4", b"\x01\0\0\0\x05\0\0\0", 0),
            Ok((vec![Int(1), Int(5)], 9))
        );
        let mut d = vec![0xff; 8];
        d.push(0);
        assert_eq!(
            u("i9", &d, 0),
            Err("9-byte integer does not fit into Lua Integer".into())
        );
        assert_eq!(
            u("b", b"abc", 4),
            Err("bad argument #3 to 'unpack' (initial position out of string)".into())
        );
        assert_eq!(
            u("b", b"abc", 3),
            Err("bad argument #2 to 'unpack' (data string too short)".into())
        );
        assert_eq!(
            u("z", b"abc", 2),
            Err("bad argument #2 to 'unpack' (unfinished string for format 'z')".into())
        );
        assert_eq!(
            u("s1", b"\x05ab", 0),
            Err("bad argument #2 to 'unpack' (data string too short)".into())
        );
        assert_eq!(u("", b"abc", 3), Ok((vec![], 4)));
    }

    #[test]
    fn stdlib_pack_roundtrip() {
        use PackValue::{Float, Int, Str};
        let fmt = "<!8 b h i4 j J T f d n s2 z c3 x Xi8 I16 i16";
        let args = [
            I(-5),
            I(300),
            I(-70000),
            I(i64::MIN),
            I(-1),
            I(7),
            F(0.5),
            F(-2.25),
            F(1e300),
            S(b"hey"),
            S(b"zz"),
            S(b"ab"),
            I(-1),
            I(i64::MIN),
        ];
        let packed = p(fmt, &args).unwrap();
        let (vals, next) = u(fmt, &packed, 0).unwrap();
        assert_eq!((packed.len(), next), (104, 105));
        assert_eq!(
            vals,
            vec![
                Int(-5),
                Int(300),
                Int(-70000),
                Int(i64::MIN),
                Int(-1),
                Int(7),
                Float(0.5),
                Float(-2.25),
                Float(1e300),
                Str(b"hey".to_vec()),
                Str(b"zz".to_vec()),
                Str(b"ab\0".to_vec()),
                Int(-1),
                Int(i64::MIN),
            ]
        );
    }

    /// Random formats and data: never a panic.
    #[test]
    fn stdlib_pack_fuzz_no_panic() {
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let alph = b"bBhHiIlLjJTfdnszxXc<>=! 0123456789";
        let vals = [
            I(0),
            I(-1),
            I(i64::MAX),
            I(i64::MIN),
            F(1.5),
            S(b"ab"),
            S(b""),
            Nil,
        ];
        for _ in 0..20_000 {
            let fmt: Vec<u8> = (0..next(10)).map(|_| alph[next(alph.len())]).collect();
            let args: Vec<V> = (0..next(6))
                .map(|_| vals[next(vals.len())].clone())
                .collect();
            let data: Vec<u8> = (0..next(40))
                .map(|_| [0u8, 1, 0xff, 0x80, b'a'][next(5)])
                .collect();
            let _ = pack(&fmt, &mut Args(args));
            let _ = packsize(&fmt);
            let _ = unpack(&fmt, &data, next(data.len() + 2));
        }
    }
}
