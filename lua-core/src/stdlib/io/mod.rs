//! The io library (PUC's liolib): `io.*` functions and the methods of file handles.
//!
//! A file handle is a userdata whose payload is a [`stream::LStream`] and whose metatable is
//! `registry["FILE*"]` (`__name = "FILE*"`, `__index` = the method table, `__gc`, `__close`,
//! `__tostring`). The default input and output files live in the registry under
//! `_IO_input` / `_IO_output`, as in PUC, so they stay reachable for the collector.
//!
//! Invariants:
//! - A handle is recognised by its payload type (`LStream`), which only this module creates.
//! - A `&mut LStream` is never held across a call into Lua (nothing here calls Lua), so
//!   re-entrant closes cannot alias it.
//! - Standard files never close (`io.stdout:close()` returns `nil, "cannot close standard
//!   file"`); dropping a handle's payload (collection or state teardown) flushes it.
//!
//! Messages, results and argument numbering follow PUC 5.4.8 exactly (fileresult triples
//! `nil, "name: strerror", errno`; `luaL_execresult` triples for popen'ed processes).

#![forbid(unsafe_code)]

mod stream;

pub use stream::stdin_open;

use crate::error::LuaError;
use crate::gc::Gc;
use crate::object::UserData;
use crate::state::{NResults, State};
use crate::value::Value;
use std::io::SeekFrom;
use stream::{CloseResult, Kind, LStream, VBuf};

const FILEHANDLE: &str = "FILE*";
const IO_INPUT: &str = "_IO_input";
const IO_OUTPUT: &str = "_IO_output";

pub fn open(st: &mut State) {
    let lib = super::new_lib(
        st,
        "io",
        &[
            ("close", io_close),
            ("flush", io_flush),
            ("input", io_input),
            ("lines", io_lines),
            ("open", io_open),
            ("output", io_output),
            ("popen", io_popen),
            ("read", io_read),
            ("tmpfile", io_tmpfile),
            ("type", io_type),
            ("write", io_write),
        ],
    );
    // The metatable for file handles.
    let mt = st.new_table(0, 8);
    let methods = st.new_table(0, 8);
    let meths: &[(&str, crate::object::NativeFn)] = &[
        ("read", f_read),
        ("write", f_write),
        ("lines", f_lines),
        ("flush", f_flush),
        ("seek", f_seek),
        ("close", f_close),
        ("setvbuf", f_setvbuf),
    ];
    for (n, f) in meths {
        st.set_fn(methods, n, *f);
    }
    st.set_field(mt, "__index", Value::Table(methods));
    st.set_fn(mt, "__gc", f_gc);
    st.set_fn(mt, "__close", f_gc);
    st.set_fn(mt, "__tostring", f_tostring);
    let name = st.str_value(FILEHANDLE);
    st.set_field(mt, "__name", name);
    let reg = st.registry;
    st.set_field(reg, FILEHANDLE, Value::Table(mt));

    let stdin = new_file(st, Kind::Stdin);
    let stdout = new_file(st, Kind::Stdout);
    let stderr = new_file(st, Kind::Stderr);
    st.set_field(reg, IO_INPUT, stdin);
    st.set_field(reg, IO_OUTPUT, stdout);
    st.set_field(lib, "stdin", stdin);
    st.set_field(lib, "stdout", stdout);
    st.set_field(lib, "stderr", stderr);
}

/// What C's `exit` does to stdio (PUC's `os.exit` relies on it): flush the pending output of
/// every open file, reachable or not, and of the interpreter's stdout buffer.
pub fn flush_all(st: &mut State) {
    for u in st.heap.all_userdata() {
        if stream_of(&Value::UserData(u)).is_some() {
            let _ = ls(&u).flush(st);
        }
    }
    st.flush_out();
}

// ----- handles -----

fn file_meta(st: &mut State) -> Option<Gc<crate::table::Table>> {
    let reg = st.registry;
    st.get_field(reg, FILEHANDLE).as_table()
}

/// A new open file handle.
fn new_file(st: &mut State, kind: Kind) -> Value {
    let meta = file_meta(st);
    let ud = st
        .heap
        .alloc(UserData::new(Box::new(LStream::new(kind)), 0));
    ud.set_metatable(meta);
    Value::UserData(ud)
}

/// The stream of a handle value, if it is one.
fn stream_of(v: &Value) -> Option<Gc<UserData>> {
    match v {
        Value::UserData(u) if u.data_mut().is::<LStream>() => Some(*u),
        _ => None,
    }
}

/// Borrow the payload. The borrow lives as long as the `Gc` local it comes from.
fn ls(ud: &Gc<UserData>) -> &mut LStream {
    ud.data_mut()
        .downcast_mut::<LStream>()
        .expect("checked by stream_of")
}

/// `luaL_checkudata(L, n, "FILE*")`.
fn to_stream(st: &mut State, n: usize) -> Result<Gc<UserData>, LuaError> {
    match stream_of(&st.arg(n)) {
        Some(u) => Ok(u),
        None => Err(st.type_error_arg(n, FILEHANDLE)),
    }
}

/// PUC's `tofile`: argument 1 must be an open file.
fn to_file(st: &mut State) -> Result<Gc<UserData>, LuaError> {
    let u = to_stream(st, 1)?;
    if ls(&u).is_closed() {
        return Err(st.rt_error("attempt to use a closed file"));
    }
    Ok(u)
}

/// The default input/output file (`getiofile`).
fn get_io_file(st: &mut State, key: &str) -> Result<(Gc<UserData>, Value), LuaError> {
    let reg = st.registry;
    let v = st.get_field(reg, key);
    match stream_of(&v) {
        Some(u) if !ls(&u).is_closed() => Ok((u, v)),
        _ => Err(st.rt_error(format!("default {} file is closed", &key[4..]))),
    }
}

// ----- result helpers -----

fn errno_of(e: &std::io::Error) -> i64 {
    e.raw_os_error().unwrap_or(0) as i64
}

fn err_text(e: &std::io::Error) -> String {
    if e.raw_os_error().is_none() && e.kind() == std::io::ErrorKind::Other {
        return "(no extra info)".into();
    }
    super::os_error_text(e)
}

/// `luaL_fileresult` for a failure: nil, "[fname: ]msg", errno.
fn fail_triple(st: &mut State, e: &std::io::Error, fname: Option<&[u8]>) -> [Value; 3] {
    let mut msg = Vec::new();
    if let Some(f) = fname {
        msg.extend_from_slice(f);
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(err_text(e).as_bytes());
    let m = st.str_value(msg);
    [Value::Nil, m, Value::Int(errno_of(e))]
}

fn file_result(st: &mut State, r: std::io::Result<()>, fname: Option<&[u8]>) -> NResults {
    match r {
        Ok(()) => Ok(st.ret(&[Value::Bool(true)])),
        Err(e) => {
            let t = fail_triple(st, &e, fname);
            Ok(st.ret(&t))
        }
    }
}

// ----- opening -----

/// Check a mode against `[rwa]%+?b*` and build the open options.
fn parse_mode(mode: &[u8]) -> Option<(std::fs::OpenOptions, bool, bool)> {
    let (&first, rest) = mode.split_first()?;
    let (plus, rest) = match rest.split_first() {
        Some((b'+', r)) => (true, r),
        _ => (false, rest),
    };
    if !rest.iter().all(|&c| c == b'b') {
        return None;
    }
    let mut o = std::fs::OpenOptions::new();
    let (r, w) = match first {
        b'r' => (true, plus),
        b'w' => {
            o.create(true).truncate(true);
            (plus, true)
        }
        b'a' => {
            o.create(true).append(true);
            (plus, true)
        }
        _ => return None,
    };
    o.read(r).write(w);
    Some((o, r, w))
}

fn path_of(b: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::path::PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

fn open_file(fname: &[u8], mode: &[u8]) -> std::io::Result<Kind> {
    let (opts, r, w) = parse_mode(mode).ok_or_else(|| std::io::Error::from_raw_os_error(22))?;
    if fname.contains(&0) {
        return Err(std::io::Error::from_raw_os_error(2));
    }
    let f = opts.open(path_of(fname))?;
    Ok(Kind::File(stream::FileBuf::new(f, r, w)))
}

fn io_open(st: &mut State) -> NResults {
    let fname = st.check_str(1)?;
    let mode = match st.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    if parse_mode(&mode).is_none() {
        return Err(st.arg_error(2, "invalid mode"));
    }
    match open_file(fname.as_bytes(), &mode) {
        Ok(k) => {
            let f = new_file(st, k);
            Ok(st.ret(&[f]))
        }
        Err(e) => {
            let t = fail_triple(st, &e, Some(fname.as_bytes()));
            Ok(st.ret(&t))
        }
    }
}

/// PUC's `opencheck`: open or raise "cannot open file 'x' (msg)".
fn open_check(st: &mut State, fname: &[u8], mode: &[u8]) -> Result<Value, LuaError> {
    match open_file(fname, mode) {
        Ok(k) => Ok(new_file(st, k)),
        Err(e) => Err(st.rt_error(format!(
            "cannot open file '{}' ({})",
            String::from_utf8_lossy(fname),
            err_text(&e)
        ))),
    }
}

fn io_popen(st: &mut State) -> NResults {
    let cmd = st.check_str(1)?;
    let mode = match st.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    if mode != b"r" && mode != b"w" {
        return Err(st.arg_error(2, "invalid mode"));
    }
    st.flush_out();
    use std::os::unix::ffi::OsStrExt;
    let mut c = std::process::Command::new("/bin/sh");
    c.arg("-c").arg(std::ffi::OsStr::from_bytes(cmd.as_bytes()));
    let r = if mode == b"r" {
        c.stdout(std::process::Stdio::piped());
        c.spawn().and_then(|mut ch| match ch.stdout.take() {
            Some(o) => Ok(Kind::PipeRead(ch, std::io::BufReader::new(o))),
            None => Err(std::io::Error::from_raw_os_error(32)),
        })
    } else {
        c.stdin(std::process::Stdio::piped());
        c.spawn().and_then(|mut ch| match ch.stdin.take() {
            Some(i) => Ok(Kind::PipeWrite(ch, std::io::BufWriter::new(i))),
            None => Err(std::io::Error::from_raw_os_error(32)),
        })
    };
    match r {
        Ok(k) => {
            let f = new_file(st, k);
            Ok(st.ret(&[f]))
        }
        Err(e) => {
            let t = fail_triple(st, &e, Some(cmd.as_bytes()));
            Ok(st.ret(&t))
        }
    }
}

/// A fresh anonymous file: created exclusively in the temp directory and unlinked at once.
fn make_tmpfile() -> std::io::Result<std::fs::File> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let mut last = std::io::Error::from_raw_os_error(17);
    for _ in 0..100 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let p = dir.join(format!("lua_tmp_{}_{}_{:x}", std::process::id(), n, nanos));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&p);
                return Ok(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

fn io_tmpfile(st: &mut State) -> NResults {
    match make_tmpfile() {
        Ok(f) => {
            let v = new_file(st, Kind::File(stream::FileBuf::new(f, true, true)));
            Ok(st.ret(&[v]))
        }
        Err(e) => {
            let t = fail_triple(st, &e, None);
            Ok(st.ret(&t))
        }
    }
}

// ----- closing, type, tostring -----

fn aux_close(st: &mut State, u: Gc<UserData>) -> NResults {
    match ls(&u).close(st) {
        CloseResult::Ok => Ok(st.ret(&[Value::Bool(true)])),
        CloseResult::Err(e) => {
            let t = fail_triple(st, &e, None);
            Ok(st.ret(&t))
        }
        CloseResult::NoClose => {
            let m = st.str_value("cannot close standard file");
            Ok(st.ret(&[Value::Nil, m]))
        }
        CloseResult::Exit(what, code) => {
            let ok = if what == "exit" && code == 0 {
                Value::Bool(true)
            } else {
                Value::Nil
            };
            let w = st.str_value(what);
            Ok(st.ret(&[ok, w, Value::Int(code)]))
        }
    }
}

fn f_close(st: &mut State) -> NResults {
    let u = to_file(st)?;
    aux_close(st, u)
}

fn io_close(st: &mut State) -> NResults {
    if st.nargs() == 0 {
        let reg = st.registry;
        let v = st.get_field(reg, IO_OUTPUT);
        st.push(v);
    }
    f_close(st)
}

fn f_gc(st: &mut State) -> NResults {
    let u = to_stream(st, 1)?;
    if !ls(&u).is_closed() {
        let _ = ls(&u).close(st);
    }
    Ok(0)
}

fn f_tostring(st: &mut State) -> NResults {
    let u = to_stream(st, 1)?;
    let s = if ls(&u).is_closed() {
        "file (closed)".to_string()
    } else {
        format!("file ({:#x})", u.addr())
    };
    let v = st.str_value(s);
    Ok(st.ret(&[v]))
}

fn io_type(st: &mut State) -> NResults {
    let v = st.check_any(1)?;
    let r = match stream_of(&v) {
        None => Value::Nil,
        Some(u) if ls(&u).is_closed() => st.str_value("closed file"),
        Some(_) => st.str_value("file"),
    };
    Ok(st.ret(&[r]))
}

// ----- default files -----

fn g_iofile(st: &mut State, key: &str, mode: &[u8]) -> NResults {
    let a = st.arg(1);
    if !a.is_nil() {
        let f = match a {
            Value::Str(_) | Value::Int(_) | Value::Float(_) => {
                let name = st.check_str(1)?;
                open_check(st, name.as_bytes(), mode)?
            }
            _ => {
                to_file(st)?;
                a
            }
        };
        let reg = st.registry;
        st.set_field(reg, key, f);
    }
    let reg = st.registry;
    let v = st.get_field(reg, key);
    Ok(st.ret(&[v]))
}

fn io_input(st: &mut State) -> NResults {
    g_iofile(st, IO_INPUT, b"r")
}

fn io_output(st: &mut State) -> NResults {
    g_iofile(st, IO_OUTPUT, b"w")
}

// ----- reading -----

enum Fmt {
    /// A byte count, with a buffer that has room for it.
    Count(Vec<u8>, u64),
    Eof,
    Num,
    Line(bool),
    All,
}

enum Out {
    Bytes(Vec<u8>),
    Num(Value),
}

/// Parse format argument `i` (`g_read`'s per-argument dispatch).
fn parse_fmt(st: &mut State, i: usize) -> Result<Fmt, LuaError> {
    match st.arg(i) {
        Value::Int(_) | Value::Float(_) => {
            let l = st.check_int(i)?;
            if l == 0 {
                return Ok(Fmt::Eof);
            }
            // As PUC's read_chars, the buffer for the whole count comes first: a count that
            // cannot be allocated (a negative one is a huge size_t) is "not enough memory".
            let n = usize::try_from(l as u64).unwrap_or(usize::MAX);
            Ok(Fmt::Count(st.try_buffer(n)?, n as u64))
        }
        _ => {
            let s = st.check_str(i)?;
            let b = s.as_bytes();
            let b = b.strip_prefix(b"*").unwrap_or(b);
            match b.first() {
                Some(b'n') => Ok(Fmt::Num),
                Some(b'l') => Ok(Fmt::Line(false)),
                Some(b'L') => Ok(Fmt::Line(true)),
                Some(b'a') => Ok(Fmt::All),
                _ => Err(st.arg_error(i, "invalid format")),
            }
        }
    }
}

/// PUC's `g_read`: formats are arguments `first..=nargs`. Returns the values to return.
fn g_read(st: &mut State, u: Gc<UserData>, first: usize) -> Result<Vec<Value>, LuaError> {
    let nargs = st.nargs();
    // Parse formats up front but report a bad one only when reading reaches it.
    let mut fmts: Vec<Result<Fmt, LuaError>> = Vec::new();
    if nargs < first {
        fmts.push(Ok(Fmt::Line(false)));
    } else {
        for i in first..=nargs {
            let f = parse_fmt(st, i);
            let bad = f.is_err();
            fmts.push(f);
            if bad {
                break;
            }
        }
    }
    let stream = ls(&u);
    let mut outs: Vec<Option<Out>> = Vec::new();
    let mut bad: Option<LuaError> = None;
    let r = stream.with_reader(st, |r| {
        for f in fmts {
            let f = match f {
                Ok(f) => f,
                Err(e) => {
                    bad = Some(e);
                    break;
                }
            };
            let (out, ok) = match f {
                Fmt::Count(buf, n) => {
                    let b = stream::read_chars(r, n, buf)?;
                    let ok = !b.is_empty();
                    (Out::Bytes(b), ok)
                }
                Fmt::Eof => (Out::Bytes(Vec::new()), stream::test_eof(r)?),
                Fmt::Num => match stream::read_number(r)? {
                    Some(v) => (Out::Num(v), true),
                    None => (Out::Num(Value::Nil), false),
                },
                Fmt::Line(keep) => {
                    let (b, ok) = stream::read_line(r, keep)?;
                    (Out::Bytes(b), ok)
                }
                Fmt::All => (Out::Bytes(stream::read_all(r)?), true),
            };
            outs.push(if ok { Some(out) } else { None });
            if !ok {
                break;
            }
        }
        Ok(())
    });
    if let Some(e) = bad {
        return Err(e);
    }
    if let Err(e) = r {
        // A buffer that could not grow (read_to_end and read_line report it so) is PUC's
        // memory error, raised, not a failed read.
        if e.kind() == std::io::ErrorKind::OutOfMemory {
            return Err(st.no_memory());
        }
        return Ok(fail_triple(st, &e, None).to_vec());
    }
    let mut res = Vec::with_capacity(outs.len());
    for o in outs {
        res.push(match o {
            None => Value::Nil,
            Some(Out::Num(v)) => v,
            Some(Out::Bytes(b)) => st.str_from_buf(b)?,
        });
    }
    Ok(res)
}

fn io_read(st: &mut State) -> NResults {
    let (u, _) = get_io_file(st, IO_INPUT)?;
    let r = g_read(st, u, 1)?;
    Ok(st.ret(&r))
}

fn f_read(st: &mut State) -> NResults {
    let u = to_file(st)?;
    let r = g_read(st, u, 2)?;
    Ok(st.ret(&r))
}

// ----- lines -----

/// Maximum number of formats for lines (PUC's MAXARGLINE).
const MAXARGLINE: usize = 250;

/// The iterator closure: upvalues are the file, the format count, "close at end", formats.
fn aux_lines(st: &mut State, file: Value, toclose: bool) -> Result<Value, LuaError> {
    let n = st.nargs().saturating_sub(1);
    if n > MAXARGLINE {
        return Err(st.arg_error(MAXARGLINE + 2, "too many arguments"));
    }
    let mut ups = vec![file, Value::Int(n as i64), Value::Bool(toclose)];
    for i in 2..=st.nargs() {
        ups.push(st.arg(i));
    }
    Ok(st.new_native(io_readline, ups))
}

fn f_lines(st: &mut State) -> NResults {
    to_file(st)?;
    let f = st.arg(1);
    let it = aux_lines(st, f, false)?;
    Ok(st.ret(&[it]))
}

fn io_lines(st: &mut State) -> NResults {
    if st.nargs() == 0 {
        st.push(Value::Nil);
    }
    if st.arg(1).is_nil() {
        let reg = st.registry;
        let v = st.get_field(reg, IO_INPUT);
        let slot = st.arg_slot(1);
        st.ts().stack[slot] = v;
        to_file(st)?;
        let it = aux_lines(st, v, false)?;
        return Ok(st.ret(&[it]));
    }
    let name = st.check_str(1)?;
    let f = open_check(st, name.as_bytes(), b"r")?;
    let slot = st.arg_slot(1);
    st.ts().stack[slot] = f;
    let it = aux_lines(st, f, true)?;
    Ok(st.ret(&[it, Value::Nil, Value::Nil, f]))
}

/// The running native closure's upvalue `i`.
fn upval(st: &State, i: usize) -> Value {
    let ts = st.ts();
    match ts.frames.last().map(|fr| ts.stack[fr.func]) {
        Some(Value::NativeFn(nc)) => nc.upval(i),
        _ => Value::Nil,
    }
}

fn io_readline(st: &mut State) -> NResults {
    let file = upval(st, 0);
    let u = match stream_of(&file) {
        Some(u) => u,
        None => return Err(st.rt_error("file is already closed")),
    };
    if ls(&u).is_closed() {
        return Err(st.rt_error("file is already closed"));
    }
    let n = match upval(st, 1) {
        Value::Int(n) => n.max(0) as usize,
        _ => 0,
    };
    // Lay the stack out as PUC does: the file at 1, formats from 2, so messages number the
    // formats from 2.
    st.set_nargs(0);
    st.push(file);
    for i in 0..n {
        let v = upval(st, 3 + i);
        st.push(v);
    }
    let r = g_read(st, u, 2)?;
    if r.first().is_some_and(|v| v.truthy()) {
        return Ok(st.ret(&r));
    }
    if r.len() > 1 {
        let msg = match r[1] {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            _ => String::new(),
        };
        return Err(st.rt_error(msg));
    }
    if upval(st, 2).truthy() {
        let _ = ls(&u).close(st);
    }
    Ok(0)
}

// ----- writing -----

/// "%.14g" (LUA_NUMBER_FMT) for io.write; unlike tostring, no ".0" is added.
pub fn fmt_g14(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    const P: i32 = 14;
    let e = format!("{:.*e}", (P - 1) as usize, f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..P).contains(&x) {
        strip(&format!("{:.*}", (P - 1 - x) as usize, f))
    } else {
        let sign = if x < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip(mant), sign, x.abs())
    }
}

/// PUC's `g_write`: arguments `arg..=nargs` are written; returns the file or a fail triple.
fn g_write(st: &mut State, u: Gc<UserData>, file: Value, arg: usize) -> NResults {
    let nargs = st.nargs();
    let mut res: std::io::Result<()> = Ok(());
    for i in arg..=nargs {
        let bytes: Vec<u8> = match st.arg(i) {
            Value::Int(n) => n.to_string().into_bytes(),
            Value::Float(f) => fmt_g14(f).into_bytes(),
            _ => st.check_str(i)?.as_bytes().to_vec(),
        };
        if res.is_ok() {
            res = ls(&u).write(st, &bytes);
        }
    }
    match res {
        Ok(()) => Ok(st.ret(&[file])),
        Err(e) => {
            let t = fail_triple(st, &e, None);
            Ok(st.ret(&t))
        }
    }
}

fn io_write(st: &mut State) -> NResults {
    let (u, v) = get_io_file(st, IO_OUTPUT)?;
    g_write(st, u, v, 1)
}

fn f_write(st: &mut State) -> NResults {
    let u = to_file(st)?;
    let v = st.arg(1);
    g_write(st, u, v, 2)
}

// ----- seek, setvbuf, flush -----

/// `luaL_checkoption`.
fn check_option(
    st: &mut State,
    n: usize,
    def: Option<&str>,
    opts: &[&str],
) -> Result<usize, LuaError> {
    let name = match (st.arg(n), def) {
        (Value::Nil, Some(d)) => d.as_bytes().to_vec(),
        _ => st.check_str(n)?.as_bytes().to_vec(),
    };
    match opts.iter().position(|o| o.as_bytes() == &name[..]) {
        Some(i) => Ok(i),
        None => {
            let msg = format!("invalid option '{}'", String::from_utf8_lossy(&name));
            Err(st.arg_error(n, &msg))
        }
    }
}

fn f_seek(st: &mut State) -> NResults {
    let u = to_file(st)?;
    let op = check_option(st, 2, Some("cur"), &["set", "cur", "end"])?;
    let off = st.opt_int(3, 0)?;
    let pos = match op {
        0 => {
            if off < 0 {
                let e = std::io::Error::from_raw_os_error(22);
                let t = fail_triple(st, &e, None);
                return Ok(st.ret(&t));
            }
            SeekFrom::Start(off as u64)
        }
        1 => SeekFrom::Current(off),
        _ => SeekFrom::End(off),
    };
    match ls(&u).seek(st, pos) {
        Ok(p) => Ok(st.ret(&[Value::Int(p as i64)])),
        Err(e) => {
            let t = fail_triple(st, &e, None);
            Ok(st.ret(&t))
        }
    }
}

fn f_setvbuf(st: &mut State) -> NResults {
    let u = to_file(st)?;
    let op = check_option(st, 2, None, &["no", "full", "line"])?;
    st.opt_int(3, 1024)?;
    let mode = [VBuf::No, VBuf::Full, VBuf::Line][op];
    let r = ls(&u).flush(st);
    ls(&u).setvbuf(mode);
    file_result(st, r, None)
}

fn io_flush(st: &mut State) -> NResults {
    let (u, _) = get_io_file(st, IO_OUTPUT)?;
    let r = ls(&u).flush(st);
    file_result(st, r, None)
}

fn f_flush(st: &mut State) -> NResults {
    let u = to_file(st)?;
    let r = ls(&u).flush(st);
    file_result(st, r, None)
}

#[cfg(test)]
mod tests {
    use super::fmt_g14;
    #[test]
    fn g14() {
        assert_eq!(fmt_g14(1.0), "1");
        assert_eq!(fmt_g14(0.1), "0.1");
        assert_eq!(fmt_g14(2f64.powi(63)), "9.2233720368548e+18");
        assert_eq!(fmt_g14(1e100), "1e+100");
        assert_eq!(fmt_g14(1e-5), "1e-05");
        assert_eq!(fmt_g14(123456.789), "123456.789");
        assert_eq!(fmt_g14(-0.0001), "-0.0001");
        assert_eq!(fmt_g14(1e14), "1e+14");
        assert_eq!(fmt_g14(99999999999999.0), "99999999999999");
        assert_eq!(fmt_g14(0.1 + 0.2), "0.3");
    }
}
