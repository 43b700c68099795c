//! The base library (PUC's lbaselib): print, type, tostring, tonumber, pairs, ipairs, next,
//! select, raw*, metatables, assert, error, pcall, xpcall, load, loadfile, dofile,
//! collectgarbage, warn, _VERSION.

#![forbid(unsafe_code)]

use crate::error::LuaError;
use crate::state::{NResults, State};
use crate::tm::Tm;
use crate::value::Value;

pub fn open(st: &mut State) {
    let g = st.globals;
    let funcs: &[(&str, crate::object::NativeFn)] = &[
        ("print", print),
        ("type", type_),
        ("tostring", tostring),
        ("tonumber", tonumber),
        ("ipairs", ipairs),
        ("pairs", pairs),
        ("next", next),
        ("select", select),
        ("rawget", rawget),
        ("rawset", rawset),
        ("rawequal", rawequal),
        ("rawlen", rawlen),
        ("setmetatable", setmetatable),
        ("getmetatable", getmetatable),
        ("assert", assert),
        ("error", error),
        ("pcall", pcall),
        ("xpcall", xpcall),
        ("load", load),
        ("loadfile", loadfile),
        ("dofile", dofile),
        ("collectgarbage", collectgarbage),
        ("warn", warn),
    ];
    for (n, f) in funcs {
        st.set_fn(g, n, *f);
    }
    let v = st.str_value("Lua 5.4");
    st.set_field(g, "_VERSION", v);
}

fn print(st: &mut State) -> NResults {
    let n = st.nargs();
    for i in 1..=n {
        let v = st.arg(i);
        let s = match v {
            Value::Str(s) => s,
            _ => st.tostring(v)?,
        };
        if i > 1 {
            st.write_out(b"\t");
        }
        st.write_out(s.as_bytes());
    }
    st.end_line_out();
    Ok(0)
}

fn type_(st: &mut State) -> NResults {
    let v = st.check_any(1)?;
    let s = st.str_value(v.type_name());
    Ok(st.ret(&[s]))
}

fn tostring(st: &mut State) -> NResults {
    let v = st.check_any(1)?;
    let s = st.tostring(v)?;
    Ok(st.ret(&[Value::Str(s)]))
}

fn tonumber(st: &mut State) -> NResults {
    if st.arg(2).is_nil() {
        let v = st.check_any(1)?;
        let r = match v {
            Value::Int(_) | Value::Float(_) => v,
            Value::Str(s) => crate::numparse::str2number(s.as_bytes()).unwrap_or(Value::Nil),
            _ => Value::Nil,
        };
        return Ok(st.ret(&[r]));
    }
    let base = st.check_int(2)?;
    let v = st.arg(1);
    let s = match v {
        Value::Str(s) => s,
        _ => return Err(st.type_error_arg(1, "string")),
    };
    if !(2..=36).contains(&base) {
        return Err(st.arg_error(2, "base out of range"));
    }
    let r = match crate::numparse::str2int_base(s.as_bytes(), base as u32) {
        Some(i) => Value::Int(i),
        None => Value::Nil,
    };
    Ok(st.ret(&[r]))
}

fn ipairs_aux(st: &mut State) -> NResults {
    let t = st.arg(1);
    let i = match st.arg(2) {
        Value::Int(i) => i.wrapping_add(1),
        _ => 1,
    };
    let v = match t {
        Value::Table(tab) if tab.metatable().is_none() => tab.get_int(i),
        _ => st.index(t, Value::Int(i), None)?,
    };
    if v.is_nil() {
        return Ok(st.ret(&[Value::Nil]));
    }
    Ok(st.ret(&[Value::Int(i), v]))
}

fn ipairs(st: &mut State) -> NResults {
    let t = st.check_any(1)?;
    Ok(st.ret(&[Value::LightFn(ipairs_aux), t, Value::Int(0)]))
}

fn pairs(st: &mut State) -> NResults {
    let t = st.check_any(1)?;
    let tm = st.get_tm(&t, Tm::Pairs);
    if !tm.is_nil() {
        // __pairs(t) may yield (PUC calls it with lua_callk).
        let func = st.frame().base + 1;
        st.ts().top = func;
        st.push(tm);
        st.push(t);
        st.call_k(func, 3, pairs_cont)?;
        return pairs_cont(st);
    }
    Ok(st.ret(&[Value::LightFn(next), t, Value::Nil]))
}

/// The three values __pairs returned are on top.
fn pairs_cont(_st: &mut State) -> NResults {
    Ok(3)
}

fn next(st: &mut State) -> NResults {
    let t = st.check_table(1)?;
    let k = st.arg(2);
    match t.next(&k) {
        Ok(Some((k, v))) => Ok(st.ret(&[k, v])),
        Ok(None) => Ok(st.ret(&[Value::Nil])),
        Err(()) => Err(st.error_msg("invalid key to 'next'")),
    }
}

fn select(st: &mut State) -> NResults {
    let n = st.nargs() as i64;
    if let Value::Str(s) = st.arg(1) {
        if s.as_bytes().first() == Some(&b'#') {
            return Ok(st.ret(&[Value::Int(n - 1)]));
        }
    }
    let mut i = st.check_int(1)?;
    if i < 0 {
        i = n.saturating_add(i);
    } else if i > n {
        i = n;
    }
    if i < 1 {
        return Err(st.arg_error(1, "index out of range"));
    }
    Ok((n - i) as usize)
}

fn rawget(st: &mut State) -> NResults {
    let t = st.check_table(1)?;
    let k = st.check_any(2)?;
    let v = t.get(&k);
    Ok(st.ret(&[v]))
}

fn rawset(st: &mut State) -> NResults {
    let t = st.check_table(1)?;
    let k = st.check_any(2)?;
    let v = st.check_any(3)?;
    st.raw_set(t, k, v)?;
    Ok(st.ret(&[Value::Table(t)]))
}

fn rawequal(st: &mut State) -> NResults {
    let a = st.check_any(1)?;
    let b = st.check_any(2)?;
    Ok(st.ret(&[Value::Bool(a.raw_eq(&b))]))
}

fn rawlen(st: &mut State) -> NResults {
    let n = match st.arg(1) {
        Value::Table(t) => t.len(),
        Value::Str(s) => s.len() as i64,
        _ => return Err(st.type_error_arg(1, "table or string")),
    };
    Ok(st.ret(&[Value::Int(n)]))
}

fn setmetatable(st: &mut State) -> NResults {
    let t = st.check_table(1)?;
    let mt = match st.arg(2) {
        Value::Nil if st.nargs() >= 2 => None,
        Value::Table(m) => Some(m),
        _ => return Err(st.type_error_arg(2, "nil or table")),
    };
    if let Some(old) = t.metatable() {
        if !st.tm_of_table(old, Tm::Metatable).is_nil() {
            return Err(st.rt_error("cannot change a protected metatable"));
        }
    }
    t.set_metatable(mt);
    st.check_finalizer(&Value::Table(t));
    Ok(st.ret(&[Value::Table(t)]))
}

fn getmetatable(st: &mut State) -> NResults {
    let v = st.check_any(1)?;
    let r = match st.metatable(&v) {
        None => Value::Nil,
        Some(mt) => {
            let p = st.tm_of_table(mt, Tm::Metatable);
            if p.is_nil() {
                Value::Table(mt)
            } else {
                p
            }
        }
    };
    Ok(st.ret(&[r]))
}

fn assert(st: &mut State) -> NResults {
    let v = st.check_any(1)?;
    if v.truthy() {
        return Ok(st.nargs());
    }
    // PUC's assert calls `error` with the message (default "assertion failed!") at level
    // 1: a string message gets the position of assert's caller, if that is a Lua function.
    let msg = if st.nargs() < 2 {
        st.str_value("assertion failed!")
    } else {
        st.arg(2)
    };
    match msg {
        Value::Str(s) => {
            let mut b = crate::debug::where_lib(st, 1);
            b.extend_from_slice(s.as_bytes());
            Err(st.error_msg(b))
        }
        v => Err(LuaError::Error(v)),
    }
}

fn error(st: &mut State) -> NResults {
    let v = st.arg(1);
    let level = st.opt_int(2, 1)?;
    if let Value::Str(s) = v {
        if level > 0 {
            let mut b = crate::debug::where_lib(st, level as usize);
            b.extend_from_slice(s.as_bytes());
            return Err(st.error_msg(b));
        }
    }
    Err(LuaError::Error(v))
}

fn pcall(st: &mut State) -> NResults {
    st.check_any(1)?;
    let func = st.frame().base;
    match st.pcall_at(func, -1, None)? {
        Ok(()) => {
            let ts = st.ts();
            let n = ts.top - func;
            if !ts.ensure(1) {
                return Err(st.stack_overflow());
            }
            let ts = st.ts();
            ts.stack.copy_within(func..func + n, func + 1);
            ts.stack[func] = Value::Bool(true);
            ts.top = func + n + 1;
            Ok(n + 1)
        }
        Err(e) => {
            st.ts().top = func;
            Ok(st.ret(&[Value::Bool(false), e]))
        }
    }
}

fn xpcall(st: &mut State) -> NResults {
    if !st.arg(2).is_function() {
        return Err(st.type_error_arg(2, "function"));
    }
    let base = st.frame().base;
    let ts = st.ts();
    ts.stack.swap(base, base + 1);
    if let Some(fr) = ts.frames.last_mut() {
        fr.set_handler(Some(base));
    }
    match st.pcall_at(base + 1, -1, Some(base))? {
        Ok(()) => {
            let ts = st.ts();
            ts.stack[base] = Value::Bool(true);
            Ok(ts.top - base)
        }
        Err(e) => {
            st.ts().top = base;
            Ok(st.ret(&[Value::Bool(false), e]))
        }
    }
}

fn load_result(st: &mut State, r: Result<Value, Vec<u8>>) -> NResults {
    match r {
        Ok(f) => Ok(st.ret(&[f])),
        Err(msg) => {
            let mut m = st.str_value(&msg);
            if msg == crate::parser::C_STACK_OVERFLOW.as_bytes() {
                m = through_message_handler(st, m);
            }
            Ok(st.ret(&[Value::Nil, m]))
        }
    }
}

/// PUC's parser raises "C stack overflow" as a runtime error (luaE_checkcstack), so the
/// message handler of the innermost protected call (xpcall's, or the `lua` command's) is
/// applied to it before `load` gets it back; `pcall` has none.
fn through_message_handler(st: &mut State, m: Value) -> Value {
    match current_handler(st) {
        Some(h) => st.call_handler(h, m),
        None => m,
    }
}

/// The stack slot of the message handler in force (PUC's `L->errfunc`): that of the
/// innermost protected call of the running thread, if it has one.
fn current_handler(st: &State) -> Option<usize> {
    use crate::thread::CallKind;
    let fr = st
        .ts()
        .frames
        .iter()
        .rev()
        .find(|f| matches!(f.kind, CallKind::Protected | CallKind::Closing))?;
    match fr.closure {
        Some(_) => fr.handler(),
        // A native called protected: its `pcall_at` is still running and keeps the handler.
        None => st.ts().errfunc,
    }
}

fn load(st: &mut State) -> NResults {
    let chunk = st.arg(1);
    let mode = match st.opt_str(3)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if st.nargs() >= 4 {
        Some(st.arg(4))
    } else {
        None
    };
    let chunk = match chunk {
        // As lua_tolstring: a number chunk is its text.
        Value::Int(_) | Value::Float(_) => {
            let t = st.tostring_basic(&chunk);
            st.str_value(t)
        }
        c => c,
    };
    let (src, name) = match chunk {
        Value::Str(s) => {
            let name = match st.opt_str(2)? {
                Some(n) => n.as_bytes().to_vec(),
                None => s.as_bytes().to_vec(),
            };
            (s.as_bytes().to_vec(), name)
        }
        f if f.is_function() => {
            let name = match st.opt_str(2)? {
                Some(n) => n.as_bytes().to_vec(),
                None => b"=(load)".to_vec(),
            };
            let mut buf = Vec::new();
            let handler = current_handler(st);
            loop {
                // The reader runs protected, as inside lua_load: its error, through the
                // enclosing message handler, becomes load's (nil, message) result.
                let top = st.ts().top;
                st.push(f);
                // Not yieldable, as PUC's lua_load calls the reader with lua_call.
                st.ts().nny += 1;
                let r = st.pcall_at(top, 1, handler);
                st.ts().nny -= 1;
                let r = match r? {
                    Ok(()) => st.ts().stack[top],
                    Err(e) => {
                        st.ts().top = top;
                        return Ok(st.ret(&[Value::Nil, e]));
                    }
                };
                st.ts().top = top;
                match r {
                    Value::Nil => break,
                    Value::Str(s) if s.is_empty() => break,
                    // lua_isstring: a number counts, converted as lua_tolstring does.
                    v => {
                        if !crate::tm::append_str_form(&v, &mut buf) {
                            // luaL_error: with the position of load's caller.
                            let mut m = crate::debug::where_lib(st, 1);
                            m.extend_from_slice(b"reader function must return a string");
                            let m = st.str_value(m);
                            let m = through_message_handler(st, m);
                            return Ok(st.ret(&[Value::Nil, m]));
                        }
                    }
                }
            }
            (buf, name)
        }
        _ => return Err(st.type_error_arg(1, "string")),
    };
    let r = st.load_chunk(&src, &name, &mode, env);
    load_result(st, r)
}

/// Read a file (or stdin) for loadfile/dofile, skipping what [`skip_prefix`] skips.
pub fn load_file(
    st: &mut State,
    fname: Option<&[u8]>,
    mode: &[u8],
    env: Option<Value>,
) -> Result<Value, Vec<u8>> {
    // lauxlib's errfile: "cannot open|read <name>: <strerror>", the name without its '@'.
    let fail = |what: &str, name: &[u8], e: &std::io::Error| {
        let what = format!("cannot {what} ");
        let why = format!(": {}", crate::stdlib::os_error_text(e));
        [what.as_bytes(), name, why.as_bytes()].concat()
    };
    let (data, chunkname) = match fname {
        Some(f) => {
            use std::io::Read;
            let f = crate::load::until_nul(f);
            // The name is bytes, as C's fopen takes it.
            let path = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(f);
            let mut file = std::fs::File::open(path).map_err(|e| fail("open", f, &e))?;
            let mut d = Vec::new();
            file.read_to_end(&mut d).map_err(|e| fail("read", f, &e))?;
            let mut n = b"@".to_vec();
            n.extend_from_slice(f);
            (d, n)
        }
        None => {
            let mut d = Vec::new();
            st.flush_out();
            crate::stdlib::io::stdin_open()
                .and_then(|()| std::io::Read::read_to_end(&mut std::io::stdin(), &mut d))
                .map_err(|e| fail("read", b"stdin", &e))?;
            (d, b"=stdin".to_vec())
        }
    };
    st.load_chunk(skip_prefix(&data), &chunkname, mode, env)
}

/// What lauxlib's loadfile skips before the chunk: a UTF-8 byte-order mark, then a first line
/// starting with '#' (its newline stays, so line numbers stay right, unless a binary chunk
/// follows it).
fn skip_prefix(data: &[u8]) -> &[u8] {
    let mut src = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if src.first() == Some(&b'#') {
        let nl = src.iter().position(|&c| c == b'\n').unwrap_or(src.len());
        src = &src[nl..];
        if src.get(1) == Some(&0x1b) {
            src = &src[1..];
        }
    }
    src
}

fn loadfile(st: &mut State) -> NResults {
    let fname = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    let mode = match st.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if st.nargs() >= 3 {
        Some(st.arg(3))
    } else {
        None
    };
    let r = load_file(st, fname.as_deref(), &mode, env);
    load_result(st, r)
}

fn dofile(st: &mut State) -> NResults {
    let fname = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    let f = match load_file(st, fname.as_deref(), b"bt", None) {
        Ok(f) => f,
        Err(m) => return Err(st.error_msg(m)),
    };
    let base = st.frame().base;
    st.ts().top = base;
    st.push(f);
    // The chunk may yield (PUC calls it with lua_callk).
    st.call_k(base, -1, dofile_cont)?;
    dofile_cont(st)
}

/// The chunk's results are everything above dofile's base.
fn dofile_cont(st: &mut State) -> NResults {
    Ok(st.ts().top - st.frame().base)
}

fn collectgarbage(st: &mut State) -> NResults {
    let opt = match st.opt_str(1)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "collect".into(),
    };
    const OPTIONS: &[&str] = &[
        "collect",
        "count",
        "step",
        "isrunning",
        "stop",
        "restart",
        "incremental",
        "generational",
        "setpause",
        "setstepmul",
    ];
    if st.heap.in_finalizer && OPTIONS.contains(&opt.as_str()) {
        // The collector is not reentrant: inside a finalizer every option fails (PUC's
        // lua_gc returns -1 and collectgarbage pushes fail).
        return Ok(st.ret(&[Value::Nil]));
    }
    let r = match opt.as_str() {
        "collect" => {
            st.full_gc();
            Value::Int(0)
        }
        "count" => Value::Float(st.heap.total_bytes() as f64 / 1024.0),
        "step" => {
            // A basic step of about `n` KB of work (0: one default step); true when it
            // finished a cycle.
            let n = st.opt_int(2, 0)?.max(0) as usize;
            Value::Bool(st.gc_step_kb(n))
        }
        "isrunning" => Value::Bool(st.heap.running),
        "stop" => {
            st.heap.running = false;
            Value::Int(0)
        }
        "restart" => {
            st.heap.running = true;
            Value::Int(0)
        }
        "incremental" | "generational" => {
            // Optional parameters: pause, stepmul, stepsize (incremental) or
            // minormul, majormul (generational); 0 keeps the current value.
            if opt == "incremental" {
                let (p, m, s) = (st.opt_int(2, 0)?, st.opt_int(3, 0)?, st.opt_int(4, 0)?);
                if p as i32 != 0 {
                    st.heap.pause = gc_param(p);
                }
                if m as i32 != 0 {
                    st.heap.stepmul = gc_param(m);
                }
                if s as i32 != 0 {
                    // A byte in PUC too (a log2 of the step size).
                    st.heap.stepsize = u32::from(s as i32 as u8).min(40);
                }
            } else {
                let (mi, ma) = (st.opt_int(2, 0)?, st.opt_int(3, 0)?);
                if mi > 0 {
                    st.heap.genminormul = mi as usize;
                }
                if ma > 0 {
                    st.heap.genmajormul = ma as usize;
                }
            }
            let was_gen = st.set_gc_mode(opt == "generational");
            let prev = st.str_value(if was_gen {
                "generational"
            } else {
                "incremental"
            });
            return Ok(st.ret(&[prev]));
        }
        "setpause" => {
            let old = st.heap.pause as i64;
            st.heap.pause = gc_param(st.opt_int(2, 0)?);
            Value::Int(old)
        }
        "setstepmul" => {
            let old = st.heap.stepmul as i64;
            st.heap.stepmul = gc_param(st.opt_int(2, 0)?);
            Value::Int(old)
        }
        _ => return Err(st.arg_error(1, &format!("invalid option '{opt}'"))),
    };
    Ok(st.ret(&[r]))
}

/// A pause or step multiplier as PUC keeps it: the C `int` argument divided by 4 in a byte
/// (`setgcparam`), read back times 4; so -1 is 0 and 1024 is 0, as there.
fn gc_param(v: i64) -> usize {
    usize::from(((v as i32) / 4) as u8) * 4
}

fn warn(st: &mut State) -> NResults {
    let n = st.nargs();
    st.check_str(1)?;
    for i in 2..=n {
        st.check_str(i)?;
    }
    let mut msg = Vec::new();
    for i in 1..=n {
        if let Value::Str(s) = st.arg(i) {
            msg.extend_from_slice(s.as_bytes());
        }
    }
    if n == 1 && msg.first() == Some(&b'@') {
        match &msg[..] {
            b"@on" => st.warn_on = true,
            b"@off" => st.warn_on = false,
            _ => {}
        }
        return Ok(0);
    }
    if st.warn_on {
        st.flush_out();
        let mut e = b"Lua warning: ".to_vec();
        e.extend_from_slice(&msg);
        e.push(b'\n');
        let _ = std::io::Write::write_all(&mut std::io::stderr(), &e);
    }
    Ok(0)
}
