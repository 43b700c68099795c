//! The os library (PUC's loslib, Lua 5.4.8): clock, date, difftime, execute, exit, getenv,
//! remove, rename, setlocale, time, tmpname.
//!
//! Dates go through the C library (`localtime_r`, `gmtime_r`, `mktime`, `strftime`), exactly
//! as PUC does, so time zones, normalisation and every strftime conversion behave the same.
//! The process never calls `setlocale`, so `strftime` runs in the "C" locale (PUC's `lua`
//! does not change it either); `os.setlocale` only reports or accepts the C locale.
//!
//! `unsafe` here is limited to the `extern "C"` calls below. The declarations assume a 64-bit
//! glibc/Linux (time_t = i64, clock_t = long, glibc's `struct tm`); a compile-time assert pins
//! the `struct tm` size.

use crate::error::LuaResult;
use crate::state::{NResults, State};
use crate::value::Value;
use std::ffi::{c_char, c_int, c_long, CString};

pub fn open(st: &mut State) {
    super::new_lib(
        st,
        "os",
        &[
            ("clock", clock),
            ("date", date),
            ("difftime", difftime),
            ("execute", execute),
            ("exit", exit),
            ("getenv", getenv),
            ("remove", remove),
            ("rename", rename),
            ("setlocale", setlocale),
            ("time", time),
            ("tmpname", tmpname),
        ],
    );
}

type TimeT = i64;

/// glibc's `struct tm` on x86-64.
#[repr(C)]
#[derive(Clone, Copy)]
struct CTm {
    tm_sec: c_int,
    tm_min: c_int,
    tm_hour: c_int,
    tm_mday: c_int,
    tm_mon: c_int,
    tm_year: c_int,
    tm_wday: c_int,
    tm_yday: c_int,
    tm_isdst: c_int,
    tm_gmtoff: c_long,
    tm_zone: *const c_char,
}

const _: () = assert!(std::mem::size_of::<CTm>() == 56);

impl CTm {
    fn zeroed() -> CTm {
        CTm {
            tm_sec: 0,
            tm_min: 0,
            tm_hour: 0,
            tm_mday: 0,
            tm_mon: 0,
            tm_year: 0,
            tm_wday: 0,
            tm_yday: 0,
            tm_isdst: 0,
            tm_gmtoff: 0,
            tm_zone: std::ptr::null(),
        }
    }
}

extern "C" {
    #[link_name = "time"]
    fn c_time(t: *mut TimeT) -> TimeT;
    #[link_name = "clock"]
    fn c_clock() -> c_long;
    fn localtime_r(t: *const TimeT, result: *mut CTm) -> *mut CTm;
    fn gmtime_r(t: *const TimeT, result: *mut CTm) -> *mut CTm;
    fn mktime(tm: *mut CTm) -> TimeT;
    fn strftime(s: *mut c_char, max: usize, format: *const c_char, tm: *const CTm) -> usize;
    #[link_name = "remove"]
    fn c_remove(path: *const c_char) -> c_int;
    fn mkstemp(template: *mut c_char) -> c_int;
    fn close(fd: c_int) -> c_int;
    fn system(command: *const c_char) -> c_int;
}

/// POSIX requires CLOCKS_PER_SEC to be one million.
const CLOCKS_PER_SEC: f64 = 1_000_000.0;

/// A C string from Lua bytes; like C, the string ends at the first NUL.
fn c_string(b: &[u8]) -> CString {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    CString::new(&b[..end]).unwrap_or_default()
}

fn now() -> TimeT {
    // SAFETY: time(NULL) only returns the current time.
    unsafe { c_time(std::ptr::null_mut()) }
}

/// `luaL_fileresult` for a failure: nil, message (prefixed by `fname` if any), errno.
fn file_error(st: &mut State, e: &std::io::Error, fname: Option<&[u8]>) -> NResults {
    let text = super::os_error_text(e);
    let msg = match fname {
        Some(f) => {
            let mut m = f.to_vec();
            m.extend_from_slice(b": ");
            m.extend_from_slice(text.as_bytes());
            m
        }
        None => text.into_bytes(),
    };
    let m = st.str_value(&msg);
    let code = e.raw_os_error().unwrap_or(0) as i64;
    Ok(st.ret(&[Value::Nil, m, Value::Int(code)]))
}

fn clock(st: &mut State) -> NResults {
    // SAFETY: clock() has no preconditions.
    let c = unsafe { c_clock() };
    Ok(st.ret(&[Value::Float(c as f64 / CLOCKS_PER_SEC)]))
}

fn execute(st: &mut State) -> NResults {
    let cmd = st.opt_str(1)?;
    st.flush_out();
    match cmd {
        None => {
            // SAFETY: system(NULL) only asks whether a shell is available.
            let stat = unsafe { system(std::ptr::null()) };
            Ok(st.ret(&[Value::Bool(stat != 0)]))
        }
        Some(c) => {
            let cs = c_string(c.as_bytes());
            // SAFETY: `cs` is a valid NUL-terminated string that outlives the call.
            let stat = unsafe { system(cs.as_ptr()) };
            if stat == -1 {
                let e = std::io::Error::last_os_error();
                return file_error(st, &e, None);
            }
            // Decode the wait status as luaL_execresult does.
            let (what, code) = if stat & 0x7f == 0 {
                ("exit", (stat >> 8) & 0xff)
            } else if ((stat & 0x7f) + 1) as i8 >> 1 > 0 {
                ("signal", stat & 0x7f)
            } else {
                ("exit", stat)
            };
            let ok = if what == "exit" && code == 0 {
                Value::Bool(true)
            } else {
                Value::Nil
            };
            let w = st.str_value(what);
            Ok(st.ret(&[ok, w, Value::Int(code as i64)]))
        }
    }
}

fn exit(st: &mut State) -> NResults {
    let status = match st.arg(1) {
        Value::Bool(b) => {
            if b {
                0
            } else {
                1
            }
        }
        _ => st.opt_int(1, 0)? as i32,
    };
    if st.arg(2).truthy() {
        // lua_close: pending `__close` handlers of the main thread, then every finalizer
        // (which closes the files still open).
        st.close();
    }
    super::io::flush_all(st);
    std::process::exit(status)
}

fn getenv(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    let b = name.as_bytes();
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let key = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&b[..end]);
    let r = if key.is_empty() || key.as_encoded_bytes().contains(&b'=') {
        Value::Nil
    } else {
        match std::env::var_os(key) {
            Some(v) => {
                let v = std::os::unix::ffi::OsStrExt::as_bytes(v.as_os_str()).to_vec();
                st.str_value(&v)
            }
            None => Value::Nil,
        }
    };
    Ok(st.ret(&[r]))
}

fn remove(st: &mut State) -> NResults {
    let f = st.check_str(1)?;
    let cs = c_string(f.as_bytes());
    // SAFETY: `cs` is a valid NUL-terminated path that outlives the call.
    let r = unsafe { c_remove(cs.as_ptr()) };
    if r == 0 {
        return Ok(st.ret(&[Value::Bool(true)]));
    }
    let e = std::io::Error::last_os_error();
    file_error(st, &e, Some(f.as_bytes()))
}

fn rename(st: &mut State) -> NResults {
    let from = st.check_str(1)?;
    let to = st.check_str(2)?;
    let os = |b: &[u8]| {
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&b[..end]).to_os_string()
    };
    match std::fs::rename(os(from.as_bytes()), os(to.as_bytes())) {
        Ok(()) => Ok(st.ret(&[Value::Bool(true)])),
        Err(e) => file_error(st, &e, None),
    }
}

fn tmpname(st: &mut State) -> NResults {
    let mut buf = *b"/tmp/lua_XXXXXX\0";
    // SAFETY: `buf` is a writable NUL-terminated template ending in six 'X's.
    let fd = unsafe { mkstemp(buf.as_mut_ptr().cast::<c_char>()) };
    if fd == -1 {
        return Err(st.rt_error("unable to generate a unique filename"));
    }
    // SAFETY: `fd` was just opened by mkstemp and is closed once.
    unsafe { close(fd) };
    let r = st.str_value(&buf[..buf.len() - 1]);
    Ok(st.ret(&[r]))
}

fn setlocale(st: &mut State) -> NResults {
    const CATS: [&str; 6] = ["all", "collate", "ctype", "monetary", "numeric", "time"];
    let l = st.opt_str(1)?;
    let cat = match st.opt_str(2)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "all".into(),
    };
    if !CATS.contains(&cat.as_str()) {
        return Err(st.arg_error(2, &format!("invalid option '{cat}'")));
    }
    // Only the C locale exists here: queries and requests for it succeed, others fail.
    let r = match l.as_ref().map(|s| s.as_bytes()) {
        None | Some(b"") | Some(b"C") | Some(b"POSIX") => st.str_value("C"),
        Some(_) => Value::Nil,
    };
    Ok(st.ret(&[r]))
}

fn difftime(st: &mut State) -> NResults {
    let t1 = st.check_int(1)?;
    let t2 = st.check_int(2)?;
    Ok(st.ret(&[Value::Float((t1 as i128 - t2 as i128) as f64)]))
}

// ----- time and date -----

/// Store the fields of `tm` into table `t` (PUC's setallfields).
fn set_all_fields(st: &mut State, t: Value, tm: &CTm) -> LuaResult<()> {
    let fields: [(&str, c_int, i64); 8] = [
        ("year", tm.tm_year, 1900),
        ("month", tm.tm_mon, 1),
        ("day", tm.tm_mday, 0),
        ("hour", tm.tm_hour, 0),
        ("min", tm.tm_min, 0),
        ("sec", tm.tm_sec, 0),
        ("yday", tm.tm_yday, 1),
        ("wday", tm.tm_wday, 1),
    ];
    for (k, v, delta) in fields {
        let key = st.str_value(k);
        st.set_index(t, key, Value::Int(v as i64 + delta), None)?;
    }
    if tm.tm_isdst >= 0 {
        let key = st.str_value("isdst");
        st.set_index(t, key, Value::Bool(tm.tm_isdst != 0), None)?;
    }
    Ok(())
}

/// An integer field of the date table, minus `delta`; `default` < 0 means required.
fn get_field(st: &mut State, t: Value, key: &str, default: i64, delta: i64) -> LuaResult<c_int> {
    let k = st.str_value(key);
    let v = st.index(t, k, None)?;
    let res = match super::table::to_integer(v) {
        None => {
            if !v.is_nil() {
                return Err(st.rt_error(format!("field '{key}' is not an integer")));
            } else if default < 0 {
                return Err(st.rt_error(format!("field '{key}' missing in date table")));
            }
            default
        }
        Some(r) => {
            let ok = if r >= 0 {
                r - delta <= c_int::MAX as i64
            } else {
                c_int::MIN as i64 + delta <= r
            };
            if !ok {
                return Err(st.rt_error(format!("field '{key}' is out-of-bound")));
            }
            r - delta
        }
    };
    Ok(res as c_int)
}

fn time(st: &mut State) -> NResults {
    let t = if st.arg(1).is_nil() {
        now()
    } else {
        st.check_type(1, "table")?;
        st.set_nargs(1);
        let tab = st.arg(1);
        let mut tm = CTm::zeroed();
        tm.tm_year = get_field(st, tab, "year", -1, 1900)?;
        tm.tm_mon = get_field(st, tab, "month", -1, 1)?;
        tm.tm_mday = get_field(st, tab, "day", -1, 0)?;
        tm.tm_hour = get_field(st, tab, "hour", 12, 0)?;
        tm.tm_min = get_field(st, tab, "min", 0, 0)?;
        tm.tm_sec = get_field(st, tab, "sec", 0, 0)?;
        let k = st.str_value("isdst");
        let d = st.index(tab, k, None)?;
        tm.tm_isdst = if d.is_nil() { -1 } else { d.truthy() as c_int };
        // SAFETY: `tm` is a fully initialised struct tm owned by this frame.
        let t = unsafe { mktime(&mut tm) };
        set_all_fields(st, tab, &tm)?;
        t
    };
    if t == -1 {
        return Err(st.rt_error("time result cannot be represented in this installation"));
    }
    Ok(st.ret(&[Value::Int(t)]))
}

/// strftime conversions accepted after '%' (C99): one-character ones, then two-character
/// ones (E and O modifiers).
const OPTIONS_1: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const OPTIONS_2: &[u8] = b"EcECExEXEyEYOdOeOHOIOmOMOSOuOUOVOwOWOy";

/// Length of the valid conversion at the start of `conv` (after '%'), if any.
fn check_option(conv: &[u8]) -> Option<usize> {
    if conv.is_empty() {
        return None;
    }
    if OPTIONS_1.contains(&conv[0]) {
        return Some(1);
    }
    if conv.len() >= 2 && OPTIONS_2.chunks(2).any(|o| o == &conv[..2]) {
        return Some(2);
    }
    None
}

/// Broken-down time of `t`, in UTC or local time.
fn broken_down(t: TimeT, utc: bool) -> Option<CTm> {
    let mut tm = CTm::zeroed();
    // SAFETY: both pointers refer to live locals; the *_r variants write only to `tm`.
    let r = unsafe {
        if utc {
            gmtime_r(&t, &mut tm)
        } else {
            localtime_r(&t, &mut tm)
        }
    };
    if r.is_null() {
        None
    } else {
        Some(tm)
    }
}

fn date(st: &mut State) -> NResults {
    let fmt = match st.opt_str(1)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"%c".to_vec(),
    };
    let t = if st.arg(2).is_nil() {
        now()
    } else {
        st.check_int(2)?
    };
    let (utc, mut s) = match fmt.first() {
        Some(b'!') => (true, &fmt[1..]),
        _ => (false, &fmt[..]),
    };
    let Some(tm) = broken_down(t, utc) else {
        return Err(st.rt_error("date result cannot be represented in this installation"));
    };
    let cstr_end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    if &s[..cstr_end] == b"*t" {
        let tab = st.new_table(0, 9);
        set_all_fields(st, Value::Table(tab), &tm)?;
        return Ok(st.ret(&[Value::Table(tab)]));
    }
    let mut out = Vec::with_capacity(s.len());
    while let Some((&c, rest)) = s.split_first() {
        if c != b'%' {
            out.push(c);
            s = rest;
            continue;
        }
        let Some(n) = check_option(rest) else {
            let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
            let conv = String::from_utf8_lossy(&rest[..end]);
            return Err(st.arg_error(1, &format!("invalid conversion specifier '%{conv}'")));
        };
        let mut cc = [0u8; 4];
        cc[0] = b'%';
        cc[1..=n].copy_from_slice(&rest[..n]);
        let mut buf = [0u8; 250];
        // SAFETY: `buf` has the length passed; `cc` is NUL-terminated; `tm` is initialised
        // (its tm_zone points to static storage of the C library or is null for gmtime).
        let len = unsafe {
            strftime(
                buf.as_mut_ptr().cast::<c_char>(),
                buf.len(),
                cc.as_ptr().cast::<c_char>(),
                &tm,
            )
        };
        out.extend_from_slice(&buf[..len.min(buf.len())]);
        s = &rest[n..];
    }
    let r = st.str_value(&out);
    Ok(st.ret(&[r]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        assert_eq!(check_option(b"Y-%m"), Some(1));
        assert_eq!(check_option(b"Ec"), Some(2));
        assert_eq!(check_option(b"Ez"), None);
        assert_eq!(check_option(b"E"), None);
        assert_eq!(check_option(b""), None);
        assert_eq!(check_option(b"q"), None);
    }

    #[test]
    fn utc_epoch() {
        let tm = broken_down(0, true).unwrap();
        assert_eq!(
            (tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_wday),
            (70, 0, 1, 4)
        );
    }
}
