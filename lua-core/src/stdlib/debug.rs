//! The debug library (PUC's ldblib): introspection of frames, locals, upvalues and
//! metatables, hooks, and tracebacks, with PUC's argument order and messages.
//!
//! Frame levels count down from the top of a thread's frame stack: in the running thread
//! level 0 is the debug function itself, level 1 its caller; in another thread (passed as
//! the optional first argument) level 0 is that thread's top frame (e.g. `coroutine.yield`
//! for a suspended coroutine).
//!
//! Invariants:
//! - Nothing here runs Lua code while it holds a frame index, except `debug.debug` (which
//!   re-reads the stack after each command) and `setmetatable`'s finalizer check.
//! - Name lookups for another thread (`func_name`, `traceback`) run with `st.cur` pointed at
//!   that thread for their duration only ([`in_thread`]); they read, never run code.
//! - Hooks live in the thread's `ThreadState` (`hook`, `hook_mask`, counts); the VM calls
//!   the hook function with (event, line) itself (see `hook.rs`). The registry's `_HOOKKEY`
//!   table (weak keys: thread -> hook function) mirrors them only because PUC keeps one
//!   there and programs may look at it.

#![forbid(unsafe_code)]

use crate::debug::{frame_line, func_name, traceback as vm_traceback};
use crate::error::{chunkid_bytes, LuaError};
use crate::gc::Gc;
use crate::jitif::HOOK_RECORD;
use crate::object::Thread;
use crate::state::{NResults, State};
use crate::table::Table;
use crate::thread::{Frame, HOOK_CALL, HOOK_COUNT, HOOK_LINE, HOOK_RET};
use crate::value::Value;
use std::ffi::c_void;

pub fn open(st: &mut State) {
    super::new_lib(
        st,
        "debug",
        &[
            ("debug", debug),
            ("getuservalue", getuservalue),
            ("gethook", gethook),
            ("getinfo", getinfo),
            ("getlocal", getlocal),
            ("getregistry", getregistry),
            ("getmetatable", getmetatable),
            ("getupvalue", getupvalue),
            ("upvaluejoin", upvaluejoin),
            ("upvalueid", upvalueid),
            ("setuservalue", setuservalue),
            ("sethook", sethook),
            ("setlocal", setlocal),
            ("setmetatable", setmetatable),
            ("setupvalue", setupvalue),
            ("traceback", traceback),
            ("setcstacklimit", setcstacklimit),
        ],
    );
}

// ----- threads and levels -----

/// The thread to inspect and the offset of the remaining arguments (PUC's getthread):
/// (argument 1, 1) if it is a thread, else (the running thread, 0).
fn get_thread(st: &State) -> (Gc<Thread>, usize) {
    match st.arg(1) {
        Value::Thread(t) => (t, 1),
        _ => (st.cur, 0),
    }
}

/// Index in `co`'s frame stack of the frame `level` levels below its top (lua_getstack).
fn frame_index(co: Gc<Thread>, level: i64) -> Option<usize> {
    let n = co.st().frames.len() as i64;
    if level < 0 || level >= n {
        return None;
    }
    Some((n - 1 - level) as usize)
}

/// Run `f` with `co` as the running thread, for the read-only name lookups of `debug.rs`
/// that inspect `st.ts()`.
fn in_thread<R>(st: &mut State, co: Gc<Thread>, f: impl FnOnce(&mut State) -> R) -> R {
    let saved = st.cur;
    st.cur = co;
    let r = f(st);
    st.cur = saved;
    r
}

/// (namewhat, name) of how frame `idx` of `co` was called, as getinfo's "n".
fn frame_name(st: &mut State, co: Gc<Thread>, idx: usize) -> Option<(&'static str, Vec<u8>)> {
    in_thread(st, co, |st| func_name(st, idx))
}

/// Current instruction of a Lua frame (PUC's currentpc).
fn current_pc(fr: &Frame) -> usize {
    fr.pc.saturating_sub(1)
}

// ----- getinfo -----

fn getinfo(st: &mut State) -> NResults {
    let (co, arg) = get_thread(st);
    let options = match st.opt_str(arg + 2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"flnSrtu".to_vec(),
    };
    if options.first() == Some(&b'>') {
        return Err(st.arg_error(arg + 2, "invalid option '>'"));
    }
    let fv = st.arg(arg + 1);
    let (func, frame) = if fv.is_function() {
        (fv, None)
    } else {
        let level = st.check_int(arg + 1)?;
        match frame_index(co, level) {
            Some(idx) => (co.st().stack[co.st().frames[idx].func], Some(idx)),
            None => return Ok(st.ret(&[Value::Nil])),
        }
    };
    if !options.iter().all(|c| b"SlutnrLf".contains(c)) {
        return Err(st.arg_error(arg + 2, "invalid option"));
    }
    let has = |c: u8| options.contains(&c);
    let t = st.new_table(0, 16);
    // Keep the table reachable while the fields are allocated.
    st.push(Value::Table(t));
    let fr = frame.map(|i| co.st().frames[i]);
    if has(b'S') {
        let (source, what, linedefined, lastlinedefined): (Vec<u8>, &str, i64, i64) = match func {
            Value::LuaFn(cl) => {
                let p = &cl.proto;
                // Stripped chunks already carry "=?" (undump); "" is a real chunk name.
                let src = p.source.to_vec();
                let what = if p.linedefined == 0 { "main" } else { "Lua" };
                (src, what, p.linedefined as i64, p.lastlinedefined as i64)
            }
            _ => (b"=[C]".to_vec(), "C", -1, -1),
        };
        let short = chunkid_bytes(&source);
        let v = st.str_value(&source);
        set(st, t, "source", v);
        let v = st.str_value(short);
        set(st, t, "short_src", v);
        set(st, t, "linedefined", Value::Int(linedefined));
        set(st, t, "lastlinedefined", Value::Int(lastlinedefined));
        let v = st.str_value(what);
        set(st, t, "what", v);
    }
    if has(b'l') {
        let line = fr.as_ref().map_or(-1, frame_line);
        set(st, t, "currentline", Value::Int(line));
    }
    if has(b'u') {
        let (nups, nparams, vararg) = match func {
            Value::LuaFn(cl) => (cl.nupvals(), cl.proto.numparams as i64, cl.proto.is_vararg),
            Value::NativeFn(nc) => (nc.nupvals(), 0, true),
            _ => (0, 0, true),
        };
        set(st, t, "nups", Value::Int(nups as i64));
        set(st, t, "nparams", Value::Int(nparams));
        set(st, t, "isvararg", Value::Bool(vararg));
    }
    if has(b'n') {
        let name = match (frame, &fr) {
            (Some(idx), Some(f)) if !f.tailcalled => frame_name(st, co, idx),
            _ => None,
        };
        match name {
            Some((what, name)) => {
                let v = st.str_value(name);
                set(st, t, "name", v);
                let v = st.str_value(what);
                set(st, t, "namewhat", v);
            }
            None => {
                let v = st.str_value("");
                set(st, t, "namewhat", v);
            }
        }
    }
    if has(b'r') {
        // Only the frame whose call or return hook is running has transfer information.
        let cst = co.st();
        let (first, n) = match frame {
            Some(idx) if !cst.allow_hook && idx + 1 == cst.hook_frame => {
                cst.hook_transfer.unwrap_or((0, 0))
            }
            _ => (0, 0),
        };
        set(st, t, "ftransfer", Value::Int(first as i64));
        set(st, t, "ntransfer", Value::Int(n as i64));
    }
    if has(b't') {
        let tail = fr.is_some_and(|f| f.tailcalled);
        set(st, t, "istailcall", Value::Bool(tail));
    }
    if has(b'L') {
        if let Value::LuaFn(cl) = func {
            let lines = st.new_table(0, cl.proto.lineinfo.len());
            set(st, t, "activelines", Value::Table(lines));
            // A vararg function's VARARGPREP is not a line with code of its own.
            let skip = usize::from(cl.proto.is_vararg);
            for &l in cl.proto.lineinfo.iter().skip(skip) {
                lines.set_int(l as i64, Value::Bool(true));
            }
        }
    }
    if has(b'f') {
        set(st, t, "func", func);
    }
    Ok(1)
}

fn set(st: &mut State, t: Gc<Table>, k: &str, v: Value) {
    st.set_field(t, k, v);
}

// ----- locals -----

/// Name and stack slot of local `n` of frame `idx` in `co` (PUC's luaG_findlocal): named
/// locals active at the current pc, negative `n` for varargs, and "(temporary)" /
/// "(C temporary)" for other live slots of the frame.
fn find_local(co: Gc<Thread>, idx: usize, n: i64) -> Option<(String, usize)> {
    let ts = co.st();
    let fr = ts.frames[idx];
    if let Some(cl) = fr.closure {
        let p = &cl.proto;
        if n < 0 {
            let k = n.unsigned_abs() as usize;
            if p.is_vararg && k <= fr.nextra as usize {
                return Some((
                    "(vararg)".into(),
                    fr.func + 1 + p.numparams as usize + k - 1,
                ));
            }
            return None;
        }
        if n > 0 {
            if let Some(name) = p.local_name(n as usize, current_pc(&fr)) {
                return Some((name.to_string(), fr.base + n as usize - 1));
            }
        }
    }
    let limit = match ts.frames.get(idx + 1) {
        Some(next) => next.func,
        None => ts.top,
    };
    if n > 0 && limit.saturating_sub(fr.base) >= n as usize {
        let name = if fr.closure.is_some() {
            "(temporary)"
        } else {
            "(C temporary)"
        };
        Some((name.into(), fr.base + n as usize - 1))
    } else {
        None
    }
}

fn getlocal(st: &mut State) -> NResults {
    let (co, arg) = get_thread(st);
    let n = st.check_int(arg + 2)?;
    let f = st.arg(arg + 1);
    if f.is_function() {
        // Parameters of a function value: names only.
        let name = match f {
            Value::LuaFn(cl) if n > 0 => cl.proto.local_name(n as usize, 0).map(|s| s.to_string()),
            _ => None,
        };
        let v = name.map_or(Value::Nil, |s| st.str_value(s));
        return Ok(st.ret(&[v]));
    }
    let level = st.check_int(arg + 1)?;
    let Some(idx) = frame_index(co, level) else {
        return Err(st.arg_error(arg + 1, "level out of range"));
    };
    match find_local(co, idx, n) {
        Some((name, slot)) => {
            let v = co.st().stack[slot];
            let nv = st.str_value(name);
            Ok(st.ret(&[nv, v]))
        }
        None => Ok(st.ret(&[Value::Nil])),
    }
}

fn setlocal(st: &mut State) -> NResults {
    let (co, arg) = get_thread(st);
    let level = st.check_int(arg + 1)?;
    let n = st.check_int(arg + 2)?;
    let Some(idx) = frame_index(co, level) else {
        return Err(st.arg_error(arg + 1, "level out of range"));
    };
    let v = st.check_any(arg + 3)?;
    match find_local(co, idx, n) {
        Some((name, slot)) => {
            co.st().stack[slot] = v;
            let nv = st.str_value(name);
            Ok(st.ret(&[nv]))
        }
        None => Ok(st.ret(&[Value::Nil])),
    }
}

// ----- upvalues -----

/// Argument `n` must be a function (luaL_checktype).
fn check_function(st: &mut State, n: usize) -> Result<Value, LuaError> {
    let v = st.arg(n);
    if !v.is_function() {
        return Err(st.type_error_arg(n, "function"));
    }
    Ok(v)
}

/// Name and current value of upvalue `n` (1-based) of closure `f` (PUC's aux_upvalue):
/// Lua closures name it from the prototype, natives with "".
pub fn upvalue(f: Value, n: i64) -> Option<(String, Value)> {
    let i = usize::try_from(n.checked_sub(1)?).ok()?;
    match f {
        Value::LuaFn(cl) => {
            let uv = (i < cl.nupvals()).then(|| cl.upval(i))?;
            let name = cl
                .proto
                .upvalues
                .get(i)
                .and_then(|d| d.name.as_deref())
                .unwrap_or("(no name)");
            Some((name.to_string(), uv.get()))
        }
        Value::NativeFn(nc) if i < nc.nupvals() => Some((String::new(), nc.upval(i))),
        _ => None,
    }
}

fn getupvalue(st: &mut State) -> NResults {
    let n = st.check_int(2)?;
    let f = check_function(st, 1)?;
    match upvalue(f, n) {
        Some((name, v)) => {
            let nv = st.str_value(name);
            Ok(st.ret(&[nv, v]))
        }
        None => Ok(0),
    }
}

fn setupvalue(st: &mut State) -> NResults {
    let v = st.check_any(3)?;
    let n = st.check_int(2)?;
    let f = check_function(st, 1)?;
    let Some((name, _)) = upvalue(f, n) else {
        return Ok(0);
    };
    let i = (n - 1) as usize;
    match f {
        Value::LuaFn(cl) => cl.upval(i).set(v),
        Value::NativeFn(nc) => nc.set_upval(i, v),
        _ => {}
    }
    let nv = st.str_value(name);
    Ok(st.ret(&[nv]))
}

/// Identity of upvalue `n` of `f` (lua_upvalueid): the UpVal object shared by the closures
/// that captured the same variable, or the slot of a native closure's upvalue.
pub fn upvalue_id(f: Value, n: i64) -> Option<usize> {
    let i = usize::try_from(n.checked_sub(1)?).ok()?;
    match f {
        Value::LuaFn(cl) => (i < cl.nupvals()).then(|| cl.upval(i).addr()),
        // Distinct per slot and within the closure object, so never another object's id.
        Value::NativeFn(nc) if i < nc.nupvals() => Some(nc.addr() + i),
        _ => None,
    }
}

fn upvalueid(st: &mut State) -> NResults {
    let n = st.check_int(2)?;
    let f = check_function(st, 1)?;
    let v = match upvalue_id(f, n) {
        Some(id) => Value::LightUserData(id as *mut c_void),
        None => Value::Nil,
    };
    Ok(st.ret(&[v]))
}

fn upvaluejoin(st: &mut State) -> NResults {
    let check = |st: &mut State, argf: usize, argn: usize| -> Result<(Value, i64), LuaError> {
        let n = st.check_int(argn)?;
        let f = check_function(st, argf)?;
        if upvalue_id(f, n).is_none() {
            return Err(st.arg_error(argn, "invalid upvalue index"));
        }
        Ok((f, n))
    };
    let (f1, n1) = check(st, 1, 2)?;
    let (f2, n2) = check(st, 3, 4)?;
    let (Value::LuaFn(c1), Value::LuaFn(c2)) = (f1, f2) else {
        let bad = if matches!(f1, Value::LuaFn(_)) { 3 } else { 1 };
        return Err(st.arg_error(bad, "Lua function expected"));
    };
    c1.set_upval(n1 as usize - 1, c2.upval(n2 as usize - 1));
    Ok(0)
}

// ----- hooks -----

fn sethook(st: &mut State) -> NResults {
    let (co, arg) = get_thread(st);
    let (hook, mask, count) = if st.arg(arg + 1).is_nil() {
        (Value::Nil, 0u8, 0i64)
    } else {
        let smask = st.check_str(arg + 2)?;
        let f = check_function(st, arg + 1)?;
        let count = st.opt_int(arg + 3, 0)?;
        let s = smask.as_bytes();
        let mut mask = 0u8;
        if s.contains(&b'c') {
            mask |= HOOK_CALL;
        }
        if s.contains(&b'r') {
            mask |= HOOK_RET;
        }
        if s.contains(&b'l') {
            mask |= HOOK_LINE;
        }
        if count > 0 {
            mask |= HOOK_COUNT;
        }
        (f, mask, count)
    };
    let ts = co.st();
    // (A recording in progress keeps its bit until the JIT, told below, stops it.)
    let recording = ts.hook_mask & HOOK_RECORD;
    if mask == 0 {
        ts.hook = Value::Nil;
        ts.hook_mask = recording;
    } else {
        ts.hook = hook;
        ts.hook_mask = mask | recording;
    }
    ts.base_hook_count = count.clamp(0, i32::MAX as i64) as u32;
    ts.hook_count = ts.base_hook_count;
    let hooks = hook_table(st);
    let h = if mask == 0 { Value::Nil } else { hook };
    st.raw_set(hooks, Value::Thread(co), h)?;
    if let Some(j) = st.jit.clone() {
        j.hooks_changed(st);
    }
    Ok(0)
}

/// `registry._HOOKKEY`, created on first use with weak keys (as PUC's sethook).
fn hook_table(st: &mut State) -> Gc<Table> {
    let key = st.intern(b"_HOOKKEY");
    if let Value::Table(t) = st.registry.get_str(key) {
        return t;
    }
    let t = st.new_table(0, 1);
    let mt = st.new_table(0, 1);
    let mode = st.intern(b"__mode");
    let k = st.str_value("k");
    mt.set_str(mode, k);
    t.set_metatable(Some(mt));
    st.registry.set_str(key, Value::Table(t));
    t
}

fn gethook(st: &mut State) -> NResults {
    let (co, _) = get_thread(st);
    let ts = co.st();
    if ts.hook.is_nil() || ts.hook_mask & !HOOK_RECORD == 0 {
        return Ok(st.ret(&[Value::Nil]));
    }
    let (hook, mask, count) = (ts.hook, ts.hook_mask, ts.base_hook_count);
    let mut s = String::new();
    for (bit, c) in [(HOOK_CALL, 'c'), (HOOK_RET, 'r'), (HOOK_LINE, 'l')] {
        if mask & bit != 0 {
            s.push(c);
        }
    }
    let sv = st.str_value(s);
    Ok(st.ret(&[hook, sv, Value::Int(count as i64)]))
}

// ----- metatables, registry, user values -----

fn getmetatable(st: &mut State) -> NResults {
    let v = st.check_any(1)?;
    let mt = st.metatable(&v).map_or(Value::Nil, Value::Table);
    Ok(st.ret(&[mt]))
}

fn setmetatable(st: &mut State) -> NResults {
    let mt = match st.arg(2) {
        Value::Table(m) => Some(m),
        Value::Nil if st.nargs() >= 2 => None,
        _ => return Err(st.type_error_arg(2, "nil or table")),
    };
    let v = st.arg(1);
    match v {
        Value::Table(t) => t.set_metatable(mt),
        Value::UserData(u) => u.set_metatable(mt),
        _ => {
            // One metatable per basic type: numbers and functions span several tags.
            let tags: &[u8] = match v {
                Value::Int(_) | Value::Float(_) => &[2, 3],
                Value::LightFn(_) | Value::LuaFn(_) | Value::NativeFn(_) => &[5, 8, 9],
                _ => &[v.tag()],
            };
            for &tag in tags {
                st.type_meta[tag as usize] = mt;
            }
        }
    }
    st.check_finalizer(&v);
    Ok(st.ret(&[v]))
}

fn getregistry(st: &mut State) -> NResults {
    let r = Value::Table(st.registry);
    Ok(st.ret(&[r]))
}

fn getuservalue(st: &mut State) -> NResults {
    let n = st.opt_int(2, 1)?;
    let Value::UserData(u) = st.arg(1) else {
        return Ok(st.ret(&[Value::Nil]));
    };
    let v = usize::try_from(n - 1).ok().and_then(|i| u.user_value(i));
    match v {
        Some(v) => Ok(st.ret(&[v, Value::Bool(true)])),
        None => Ok(st.ret(&[Value::Nil])),
    }
}

fn setuservalue(st: &mut State) -> NResults {
    let n = st.opt_int(3, 1)?;
    let Value::UserData(u) = st.arg(1) else {
        return Err(st.type_error_arg(1, "userdata"));
    };
    let v = st.check_any(2)?;
    let ok = usize::try_from(n - 1)
        .ok()
        .is_some_and(|i| u.set_user_value(i, v));
    let r = if ok { Value::UserData(u) } else { Value::Nil };
    Ok(st.ret(&[r]))
}

// ----- traceback, debug, setcstacklimit -----

fn traceback(st: &mut State) -> NResults {
    let (co, arg) = get_thread(st);
    let msg = match st.arg(arg + 1) {
        Value::Nil => None,
        Value::Str(_) | Value::Int(_) | Value::Float(_) => Some(st.check_str(arg + 1)?),
        v => return Ok(st.ret(&[v])),
    };
    let same = co.ptr_eq(st.cur);
    let level = st.opt_int(arg + 2, if same { 1 } else { 0 })?;
    let level = usize::try_from(level).unwrap_or(usize::MAX);
    let tb = in_thread(st, co, |st| vm_traceback(st, None, level));
    let mut out = Vec::new();
    if let Some(m) = msg {
        out.extend_from_slice(m.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(&tb);
    let v = st.str_value(out);
    Ok(st.ret(&[v]))
}

/// One line from stdin as C's fgets with a 250-byte buffer: at most 249 bytes, the newline
/// included. None at end of input.
fn read_command() -> Option<Vec<u8>> {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut line = Vec::new();
    while line.len() < 249 {
        let buf = lock.fill_buf().ok()?;
        let Some(&b) = buf.first() else {
            break;
        };
        lock.consume(1);
        line.push(b);
        if b == b'\n' {
            break;
        }
    }
    if line.is_empty() {
        None
    } else {
        Some(line)
    }
}

fn debug(st: &mut State) -> NResults {
    use std::io::Write;
    loop {
        st.flush_out();
        let _ = std::io::stderr().write_all(b"lua_debug> ");
        let Some(line) = read_command() else {
            return Ok(0);
        };
        if line == b"cont\n" {
            return Ok(0);
        }
        let err = match st.load_chunk(&line, b"=(debug command)", b"bt", None) {
            Err(msg) => Some(st.str_value(msg)),
            Ok(f) => {
                let func = st.ts().top;
                st.push(f);
                st.ts().nny += 1;
                let r = st.pcall_at(func, 0, None);
                st.ts().nny -= 1;
                let r = r?;
                st.ts().top = func;
                r.err()
            }
        };
        if let Some(e) = err {
            let s = st.tostring(e)?;
            st.flush_out();
            let mut out = s.as_bytes().to_vec();
            out.push(b'\n');
            let _ = std::io::stderr().write_all(&out);
        }
    }
}

fn setcstacklimit(st: &mut State) -> NResults {
    st.check_int(1)?;
    Ok(st.ret(&[Value::Int(crate::state::MAX_C_DEPTH as i64)]))
}
