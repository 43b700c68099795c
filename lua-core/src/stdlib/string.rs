//! The string library (PUC's lstrlib): the `string` table and the metatable shared by all
//! strings.
//!
//! What it owns: argument handling, index arithmetic (`posrelatI`/`getendpos`), result pushing
//! and error raising for every `string.*` function, and the string metatable (`__index` =
//! the library, plus the arithmetic metamethods that coerce numeric strings, PUC's `trymt`).
//! The algorithms live elsewhere and know nothing of the VM: patterns in [`super::lpattern`],
//! `format` in [`super::lformat`], `pack`/`unpack` in [`super::lpack`]. This module adapts
//! their inputs (the `FormatArgs`/`PackArgs` traits over the native's arguments) and turns
//! their error values into Lua errors with PUC's exact wording:
//! - plain engine messages become `luaL_error`s (position of the calling Lua code prefixed);
//! - argument errors become "bad argument #n to 'f' (...)" through `State::arg_error`.
//!
//! GC: collections happen only inside the interpreter. The only places that re-enter it are
//! `tostring` (`__tostring` in `%s`), gsub's function/table replacements and the arithmetic
//! metamethods' fallback call. Across those, every string we still read is an argument of the
//! running native (on the Lua stack), and values we create for a call are pushed first.
//!
//! Performance: `len/sub/byte/char/format/find` read their arguments in place; `sub` of the
//! whole string returns the argument itself, and nothing builds more than one buffer for the
//! result (which `intern` then copies into the string object).

#![forbid(unsafe_code)]

use std::borrow::Cow;

use super::lformat::{self, FormatArgs, FormatError, Literal};
use super::lpack::{self, PackArgs, PackError, PackValue};
use super::lpattern::{self, Capture, GMatch, Match};
use crate::error::LuaError;
use crate::gc::Gc;
use crate::number::{self, ArithError, ArithOp};
use crate::object::{LuaStr, UserData};
use crate::state::{NResults, State};
use crate::table::Table;
use crate::tm::Tm;
use crate::value::Value;

/// Largest string the library builds (PUC's MAXSIZE: INT_MAX where size_t is wider than int).
const MAXSIZE: usize = i32::MAX as usize;

pub fn open(st: &mut State) {
    let lib = super::new_lib(
        st,
        "string",
        &[
            ("byte", str_byte),
            ("char", str_char),
            ("dump", str_dump),
            ("find", str_find),
            ("format", str_format),
            ("gmatch", str_gmatch),
            ("gsub", str_gsub),
            ("len", str_len),
            ("lower", str_lower),
            ("match", str_match),
            ("rep", str_rep),
            ("reverse", str_reverse),
            ("sub", str_sub),
            ("upper", str_upper),
            ("pack", str_pack),
            ("packsize", str_packsize),
            ("unpack", str_unpack),
        ],
    );
    let mt = st.new_table(0, 10);
    let arith: &[(&str, crate::object::NativeFn)] = &[
        ("__add", arith_add),
        ("__sub", arith_sub),
        ("__mul", arith_mul),
        ("__mod", arith_mod),
        ("__pow", arith_pow),
        ("__div", arith_div),
        ("__idiv", arith_idiv),
        ("__unm", arith_unm),
    ];
    for (n, f) in arith {
        st.set_fn(mt, n, *f);
    }
    st.set_field(mt, "__index", Value::Table(lib));
    st.type_meta[crate::value::TAG_STR as usize] = Some(mt);
}

// ----- errors -----

/// An error from one of the engines or from the VM, raised once the engine has returned.
enum Fail {
    Lua(LuaError),
    /// `luaL_error` text (pattern errors).
    Msg(String),
    Fmt(FormatError),
    Pack(PackError),
    /// A buffer that could not grow: PUC's "not enough memory", without a position.
    NoMemory,
}

impl From<lpattern::NoMemory> for Fail {
    fn from(_: lpattern::NoMemory) -> Self {
        Fail::NoMemory
    }
}

impl From<LuaError> for Fail {
    fn from(e: LuaError) -> Self {
        Fail::Lua(e)
    }
}
impl From<String> for Fail {
    fn from(e: String) -> Self {
        Fail::Msg(e)
    }
}
impl From<FormatError> for Fail {
    fn from(e: FormatError) -> Self {
        Fail::Fmt(e)
    }
}
impl From<PackError> for Fail {
    fn from(e: PackError) -> Self {
        Fail::Pack(e)
    }
}

fn raise(st: &mut State, f: Fail) -> LuaError {
    match f {
        Fail::Lua(e) => e,
        Fail::NoMemory => st.no_memory(),
        Fail::Msg(m) | Fail::Fmt(FormatError::Msg(m)) | Fail::Pack(PackError::Msg(m)) => {
            st.rt_error(m)
        }
        Fail::Fmt(FormatError::Arg(n, m)) | Fail::Pack(PackError::Arg(n, m)) => st.arg_error(n, &m),
    }
}

/// `luaL_checkstack`: room for `n` more values or "stack overflow (<what>)".
fn check_stack(st: &mut State, n: usize, what: &str) -> Result<(), LuaError> {
    if st.ts().ensure(n) {
        Ok(())
    } else {
        Err(st.rt_error(format!("stack overflow ({what})")))
    }
}

// ----- positions -----

/// PUC's `posrelatI`: a 1-based start position clipped to `[1, inf)`.
fn posrelat_i(pos: i64, len: usize) -> usize {
    if pos > 0 {
        pos as u64 as usize
    } else if pos == 0 || pos.unsigned_abs() > len as u64 {
        1
    } else {
        len - pos.unsigned_abs() as usize + 1
    }
}

/// PUC's `getendpos`: optional argument `arg` as an end position clipped to `[0, len]`.
fn getendpos(st: &mut State, arg: usize, def: i64, len: usize) -> Result<usize, LuaError> {
    let pos = st.opt_int(arg, def)?;
    Ok(endpos_i(pos, len))
}

fn endpos_i(pos: i64, len: usize) -> usize {
    if pos > len as i64 {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len - pos.unsigned_abs() as usize + 1
    }
}

/// `string.sub(s, i, j)`: `s` itself when the positions cover it, else the interned
/// substring (empty when the positions cross). Shared with the JIT's helper.
pub fn substring(st: &mut State, s: Gc<LuaStr>, i: i64, j: i64) -> Gc<LuaStr> {
    let len = s.len();
    let (start, end) = (posrelat_i(i, len), endpos_i(j, len));
    let r = if start > end { 0..0 } else { start - 1..end };
    if r.len() == len {
        s
    } else {
        st.intern(&s.as_bytes()[r])
    }
}

// ----- simple functions -----

fn str_len(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    Ok(st.ret(&[Value::Int(s.len() as i64)]))
}

fn str_sub(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let i = st.check_int(2)?;
    let j = st.opt_int(3, -1)?;
    let v = Value::Str(substring(st, s, i, j));
    Ok(st.ret(&[v]))
}

fn str_reverse(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let mut b = st.try_buffer(s.len())?;
    b.extend(s.as_bytes().iter().rev());
    let v = st.str_from_buf(b)?;
    Ok(st.ret(&[v]))
}

fn map_bytes(st: &mut State, f: fn(&u8) -> u8) -> NResults {
    let s = st.check_str(1)?;
    let mut b = st.try_buffer(s.len())?;
    b.extend(s.as_bytes().iter().map(f));
    let v = st.str_from_buf(b)?;
    Ok(st.ret(&[v]))
}

fn str_lower(st: &mut State) -> NResults {
    map_bytes(st, u8::to_ascii_lowercase)
}

fn str_upper(st: &mut State) -> NResults {
    map_bytes(st, u8::to_ascii_uppercase)
}

fn str_rep(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let n = st.check_int(2)?;
    let sep = st.opt_str(3)?;
    let l = s.len();
    let sepb: &[u8] = sep.as_ref().map_or(b"", |g| g.as_bytes());
    let lsep = sepb.len();
    if n <= 0 {
        let v = st.str_value(b"");
        return Ok(st.ret(&[v]));
    }
    let n = n as u64 as usize;
    if l + lsep > MAXSIZE / n {
        return Err(st.rt_error("resulting string too large"));
    }
    if n == 1 {
        return Ok(st.ret(&[Value::Str(s)]));
    }
    let total = n * l + (n - 1) * lsep;
    if total == 0 {
        let v = st.str_value(b"");
        return Ok(st.ret(&[v]));
    }
    let mut out = st.try_buffer(total)?;
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(sepb);
    out.extend_from_slice(s.as_bytes());
    // out[l..] is a whole number of (sep, s) units: doubling it keeps it so.
    while out.len() < total {
        let take = (out.len() - l).min(total - out.len());
        out.extend_from_within(l..l + take);
    }
    let v = st.str_from_buf(out)?;
    Ok(st.ret(&[v]))
}

fn str_byte(st: &mut State) -> NResults {
    // Fast path for the common `s:byte(i)` with `i` inside the string: one value.
    if st.nargs() == 2 {
        if let (Value::Str(s), Value::Int(i)) = (st.arg(1), st.arg(2)) {
            let b = s.as_bytes();
            if i >= 1 && i as u64 <= b.len() as u64 {
                let c = b[i as usize - 1];
                return Ok(st.ret(&[Value::Int(c as i64)]));
            }
        }
    }
    let s = st.check_str(1)?;
    let l = s.len();
    let pi = st.opt_int(2, 1)?;
    let pose = getendpos(st, 3, pi, l)?;
    let posi = posrelat_i(pi, l);
    if posi > pose {
        return Ok(0);
    }
    if pose - posi >= i32::MAX as usize {
        return Err(st.rt_error("string slice too long"));
    }
    let n = pose - posi + 1;
    check_stack(st, n, "string slice too long")?;
    for &c in &s.as_bytes()[posi - 1..pose] {
        st.push(Value::Int(c as i64));
    }
    Ok(n)
}

fn str_char(st: &mut State) -> NResults {
    let n = st.nargs();
    // Short results (the common `string.char(c)`) are built on the Rust stack.
    let mut small = [0u8; 32];
    let mut big = Vec::new();
    if n > small.len() {
        big.resize(n, 0);
    }
    let b = if n > small.len() {
        &mut big[..]
    } else {
        &mut small[..n]
    };
    for (i, slot) in b.iter_mut().enumerate() {
        let c = st.check_int(i + 1)?;
        if c as u64 > u8::MAX as u64 {
            return Err(st.arg_error(i + 1, "value out of range"));
        }
        *slot = c as u8;
    }
    let v = st.str_value(&*b);
    Ok(st.ret(&[v]))
}

/// string.dump(f [, strip]): a binary chunk for Lua function `f` (format in `dump.rs`).
fn str_dump(st: &mut State) -> NResults {
    let f = st.arg(1);
    if !f.is_function() {
        return Err(st.type_error_arg(1, "function"));
    }
    let strip = st.arg(2).truthy();
    let Value::LuaFn(cl) = f else {
        return Err(st.rt_error("unable to dump given function"));
    };
    let bytes = crate::dump::dump(&cl.proto, strip);
    let v = st.str_value(bytes);
    Ok(st.ret(&[v]))
}

// ----- patterns -----

fn capture_value(st: &mut State, s: &[u8], c: Capture) -> Value {
    match c {
        Capture::Span(a, b) => st.str_value(&s[a..b]),
        Capture::Position(p) => Value::Int(p as i64),
    }
}

/// Pushes captures `from..to` of `m` (PUC's push_captures); returns how many.
fn push_captures(
    st: &mut State,
    s: &[u8],
    m: &Match,
    from: usize,
    to: usize,
) -> Result<usize, LuaError> {
    check_stack(st, to - from, "too many captures")?;
    for i in from..to {
        let c = match m.capture(i) {
            Ok(c) => c,
            Err(e) => return Err(st.rt_error(e)),
        };
        let v = capture_value(st, s, c);
        st.push(v);
    }
    Ok(to - from)
}

fn str_find_aux(st: &mut State, find: bool) -> NResults {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let init = st.opt_int(3, 1)?;
    let (sb, pb) = (s.as_bytes(), p.as_bytes());
    let init = lpattern::start_offset(init, sb.len());
    if init > sb.len() {
        return Ok(st.ret(&[Value::Nil]));
    }
    if find && (st.arg(4).truthy() || !lpattern::has_specials(pb)) {
        return Ok(match lpattern::find_plain(sb, pb, init) {
            Some(i) => st.ret(&[Value::Int(i as i64 + 1), Value::Int((i + pb.len()) as i64)]),
            None => st.ret(&[Value::Nil]),
        });
    }
    match lpattern::pattern_find(sb, pb, init) {
        Err(e) => Err(st.rt_error(e)),
        Ok(None) => Ok(st.ret(&[Value::Nil])),
        Ok(Some(m)) if find => {
            st.ret(&[Value::Int(m.start as i64 + 1), Value::Int(m.end as i64)]);
            Ok(2 + push_captures(st, sb, &m, 0, m.level())?)
        }
        Ok(Some(m)) => push_captures(st, sb, &m, 0, m.level().max(1)),
    }
}

fn str_find(st: &mut State) -> NResults {
    str_find_aux(st, true)
}

fn str_match(st: &mut State) -> NResults {
    str_find_aux(st, false)
}

fn str_gmatch(st: &mut State) -> NResults {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let init = st.opt_int(3, 1)?;
    let gm = GMatch::new(lpattern::start_offset(init, s.len()), s.len());
    let ud = st.heap.alloc(UserData::new(Box::new(gm), 0));
    let f = st.new_native(
        gmatch_aux,
        vec![Value::Str(s), Value::Str(p), Value::UserData(ud)],
    );
    Ok(st.ret(&[f]))
}

/// The iterator `gmatch` returns; upvalues: subject, pattern, the `GMatch` state.
fn gmatch_aux(st: &mut State) -> NResults {
    let func = st.ts().stack[st.frame().func];
    let state = match func {
        Value::NativeFn(nc) => match (nc.upval(0), nc.upval(1), nc.upval(2)) {
            (Value::Str(s), Value::Str(p), Value::UserData(ud)) => Some((s, p, ud)),
            _ => None,
        },
        _ => None,
    };
    let Some((s, p, ud)) = state else {
        return Err(st.rt_error("invalid gmatch state"));
    };
    let Some(gm) = ud.data_mut().downcast_mut::<GMatch>() else {
        return Err(st.rt_error("invalid gmatch state"));
    };
    let sb = s.as_bytes();
    match gm.next(sb, p.as_bytes()) {
        Err(e) => Err(st.rt_error(e)),
        Ok(None) => Ok(0),
        Ok(Some(m)) => push_captures(st, sb, &m, 0, m.level().max(1)),
    }
}

/// What gsub replaces matches with.
enum Repl<'a> {
    Str(&'a [u8]),
    Table(Gc<Table>),
    Func(Value),
}

/// PUC's add_value tail: a function/table result `v` appended to `out`; false/nil keeps
/// the original text.
fn add_value(st: &mut State, v: Value, out: &mut Vec<u8>) -> Result<bool, Fail> {
    match v {
        Value::Nil | Value::Bool(false) => Ok(false),
        Value::Str(r) => {
            st.buf_push(out, r.as_bytes())?;
            Ok(true)
        }
        Value::Int(_) | Value::Float(_) => {
            let text = st.tostring_basic(&v);
            st.buf_push(out, text.as_bytes())?;
            Ok(true)
        }
        _ => {
            let msg = format!("invalid replacement value (a {})", v.type_name());
            Err(Fail::Lua(st.rt_error(msg)))
        }
    }
}

fn gsub_one(
    st: &mut State,
    s: &[u8],
    repl: &Repl<'_>,
    m: &Match,
    out: &mut Vec<u8>,
) -> Result<bool, Fail> {
    match *repl {
        Repl::Str(r) => {
            lpattern::expand_replacement::<Fail>(r, s, m, out)?;
            Ok(true)
        }
        Repl::Table(t) => {
            let key = capture_value(st, s, m.capture(0)?);
            let v = match t.metatable() {
                None => t.get(&key),
                Some(_) => st.index(Value::Table(t), key, None)?,
            };
            add_value(st, v, out)
        }
        Repl::Func(f) => {
            let n = m.level().max(1);
            check_stack(st, n + 1 + crate::thread::MIN_STACK, "too many captures")?;
            let func = st.ts().top;
            st.push(f);
            push_captures(st, s, m, 0, n)?;
            st.call_at(func, 1)?;
            let ts = st.ts();
            let v = ts.stack[func];
            ts.top = func;
            add_value(st, v, out)
        }
    }
}

fn str_gsub(st: &mut State) -> NResults {
    let src = st.check_str(1)?;
    let p = st.check_str(2)?;
    let tr = st.arg(3);
    let max_n = st.opt_int(4, src.len() as i64 + 1)?;
    let num_text;
    let repl = match &tr {
        Value::Str(r) => Repl::Str(r.as_bytes()),
        Value::Int(_) | Value::Float(_) => {
            num_text = st.tostring_basic(&tr);
            Repl::Str(num_text.as_bytes())
        }
        Value::Table(t) => Repl::Table(*t),
        Value::LuaFn(_) | Value::NativeFn(_) | Value::LightFn(_) => Repl::Func(tr),
        _ => return Err(st.type_error_arg(3, "string/function/table")),
    };
    let sb = src.as_bytes();
    let r = lpattern::gsub::<Fail, _>(sb, p.as_bytes(), max_n, |m, out| {
        gsub_one(st, sb, &repl, m, out)
    });
    match r {
        Err(f) => Err(raise(st, f)),
        Ok((None, n)) => Ok(st.ret(&[Value::Str(src), Value::Int(n)])),
        Ok((Some(out), n)) => {
            let v = st.str_from_buf(out)?;
            Ok(st.ret(&[v, Value::Int(n)]))
        }
    }
}

// ----- format -----

/// `FormatArgs` over the running native's arguments. `keep` pins the string whose bytes the
/// last `tostring`/`literal` borrowed; `buf` holds a number's text for `%s`.
struct FmtArgs<'a> {
    st: &'a mut State,
    keep: Option<Gc<LuaStr>>,
    buf: Vec<u8>,
}

impl FmtArgs<'_> {
    fn kept(&mut self, s: Gc<LuaStr>) -> &[u8] {
        self.keep.insert(s).as_bytes()
    }
}

impl FormatArgs for FmtArgs<'_> {
    type Error = Fail;
    fn top(&self) -> usize {
        self.st.nargs()
    }
    fn int(&mut self, arg: usize) -> Result<i64, Fail> {
        Ok(self.st.check_int(arg)?)
    }
    fn number(&mut self, arg: usize) -> Result<f64, Fail> {
        Ok(self.st.check_float(arg)?)
    }
    fn tostring(&mut self, arg: usize) -> Result<Cow<'_, [u8]>, Fail> {
        let mut v = self.st.arg(arg);
        let tm = self.st.get_tm(&v, Tm::ToString);
        if !tm.is_nil() {
            // luaL_tolstring accepts any "string" result, numbers included.
            let r = self.st.call_value(tm, &[v], 1)?;
            v = r.first().copied().unwrap_or(Value::Nil);
            if !matches!(v, Value::Str(_) | Value::Int(_) | Value::Float(_)) {
                return Err(Fail::Lua(
                    self.st.rt_error("'__tostring' must return a string"),
                ));
            }
        }
        match v {
            Value::Str(s) => Ok(Cow::Borrowed(self.kept(s))),
            Value::Int(i) => {
                use std::io::Write;
                self.buf.clear();
                let _ = write!(self.buf, "{i}");
                Ok(Cow::Borrowed(&self.buf))
            }
            _ => {
                let s = self.st.tostring(v)?;
                Ok(Cow::Borrowed(self.kept(s)))
            }
        }
    }
    fn literal(&mut self, arg: usize) -> Result<Literal<'_>, Fail> {
        Ok(match self.st.arg(arg) {
            Value::Nil => Literal::Nil,
            Value::Bool(b) => Literal::Bool(b),
            Value::Int(i) => Literal::Int(i),
            Value::Float(f) => Literal::Float(f),
            Value::Str(s) => Literal::Str(Cow::Borrowed(self.kept(s))),
            _ => Literal::Other,
        })
    }
    fn pointer(&mut self, arg: usize) -> Result<usize, Fail> {
        Ok(self.st.arg(arg).ptr_addr().unwrap_or(0))
    }
}

fn str_format(st: &mut State) -> NResults {
    let fmt = st.check_str(1)?;
    let mut args = FmtArgs {
        st,
        keep: None,
        buf: Vec::new(),
    };
    let r = lformat::format(fmt.as_bytes(), &mut args);
    match r {
        Ok(out) => {
            let v = st.str_value(out);
            Ok(st.ret(&[v]))
        }
        Err(f) => Err(raise(st, f)),
    }
}

// ----- pack -----

/// `PackArgs` over the running native's arguments.
struct PackArgsOf<'a> {
    st: &'a mut State,
    keep: Option<Gc<LuaStr>>,
}

impl PackArgs for PackArgsOf<'_> {
    type Error = Fail;
    fn int(&mut self, arg: usize) -> Result<i64, Fail> {
        Ok(self.st.check_int(arg)?)
    }
    fn number(&mut self, arg: usize) -> Result<f64, Fail> {
        Ok(self.st.check_float(arg)?)
    }
    fn string(&mut self, arg: usize) -> Result<Cow<'_, [u8]>, Fail> {
        let s = self.st.check_str(arg)?;
        Ok(Cow::Borrowed(self.keep.insert(s).as_bytes()))
    }
}

fn str_pack(st: &mut State) -> NResults {
    let fmt = st.check_str(1)?;
    // PUC pushes a nil after the arguments, so a missing value is reported as "got nil".
    check_stack(st, 1, "too many arguments")?;
    st.push(Value::Nil);
    let mut args = PackArgsOf { st, keep: None };
    match lpack::pack(fmt.as_bytes(), &mut args) {
        Ok(out) => {
            let v = st.str_value(out);
            Ok(st.ret(&[v]))
        }
        Err(f) => Err(raise(st, f)),
    }
}

fn str_packsize(st: &mut State) -> NResults {
    let fmt = st.check_str(1)?;
    match lpack::packsize(fmt.as_bytes()) {
        Ok(n) => Ok(st.ret(&[Value::Int(n)])),
        Err(e) => Err(raise(st, Fail::Pack(e))),
    }
}

fn str_unpack(st: &mut State) -> NResults {
    let fmt = st.check_str(1)?;
    let data = st.check_str(2)?;
    let init = st.opt_int(3, 1)?;
    let pos = posrelat_i(init, data.len()) - 1;
    let (vals, next) = match lpack::unpack(fmt.as_bytes(), data.as_bytes(), pos) {
        Ok(r) => r,
        Err(e) => return Err(raise(st, Fail::Pack(e))),
    };
    check_stack(st, vals.len() + 1, "too many results")?;
    for v in &vals {
        let v = match v {
            PackValue::Int(i) => Value::Int(*i),
            PackValue::Float(f) => Value::Float(*f),
            PackValue::Str(b) => st.str_value(b),
        };
        st.push(v);
    }
    st.push(Value::Int(next as i64));
    Ok(vals.len() + 1)
}

// ----- string metatable arithmetic (PUC's trymt) -----

/// PUC's `tonum`: numbers as they are, strings that are entirely a numeral converted.
fn tonum(v: Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => crate::numparse::str2number(s.as_bytes()),
        _ => None,
    }
}

/// No numeric interpretation: try the second operand's metamethod, else PUC's message
/// "attempt to add a 'string' with a 'table'".
fn trymt(st: &mut State, event: &str) -> NResults {
    let (a, b) = (st.arg(1), st.arg(2));
    let mm = match (b, st.metatable(&b)) {
        (Value::Str(_), _) | (_, None) => Value::Nil,
        (_, Some(mt)) => {
            let k = st.intern(event.as_bytes());
            mt.get_str(k)
        }
    };
    if mm.is_nil() {
        let msg = format!(
            "attempt to {} a '{}' with a '{}'",
            &event[2..],
            a.type_name(),
            b.type_name()
        );
        return Err(st.rt_error(msg));
    }
    let r = st.call_value(mm, &[a, b], 1)?;
    Ok(st.ret(&[r.first().copied().unwrap_or(Value::Nil)]))
}

/// PUC's `arith`: both operands converted with `tonum`, then raw arithmetic. As in PUC, a
/// missing second operand is the first one converted (it is what `tonum` left on the stack).
fn arith(st: &mut State, op: ArithOp, event: &str) -> NResults {
    let Some(x) = tonum(st.arg(1)) else {
        return trymt(st, event);
    };
    let b = if st.nargs() >= 2 { st.arg(2) } else { x };
    let Some(y) = tonum(b) else {
        return trymt(st, event);
    };
    let (x, y) = if op == ArithOp::Unm { (y, y) } else { (x, y) };
    match number::arith(op, x, y) {
        Ok(v) => Ok(st.ret(&[v])),
        Err(ArithError::DivByZero) => Err(st.error_msg("attempt to divide by zero")),
        Err(ArithError::ModByZero) => Err(st.error_msg("attempt to perform 'n%0'")),
        Err(_) => Err(st.error_msg("number has no integer representation")),
    }
}

fn arith_add(st: &mut State) -> NResults {
    arith(st, ArithOp::Add, "__add")
}
fn arith_sub(st: &mut State) -> NResults {
    arith(st, ArithOp::Sub, "__sub")
}
fn arith_mul(st: &mut State) -> NResults {
    arith(st, ArithOp::Mul, "__mul")
}
fn arith_mod(st: &mut State) -> NResults {
    arith(st, ArithOp::Mod, "__mod")
}
fn arith_pow(st: &mut State) -> NResults {
    arith(st, ArithOp::Pow, "__pow")
}
fn arith_div(st: &mut State) -> NResults {
    arith(st, ArithOp::Div, "__div")
}
fn arith_idiv(st: &mut State) -> NResults {
    arith(st, ArithOp::IDiv, "__idiv")
}
fn arith_unm(st: &mut State) -> NResults {
    arith(st, ArithOp::Unm, "__unm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(posrelat_i(0, 5), 1);
        assert_eq!(posrelat_i(-1, 5), 5);
        assert_eq!(posrelat_i(-6, 5), 1);
        assert_eq!(posrelat_i(i64::MIN, 5), 1);
        assert_eq!(posrelat_i(i64::MAX, 5), i64::MAX as usize);
        assert_eq!(posrelat_i(3, 5), 3);
    }
}
