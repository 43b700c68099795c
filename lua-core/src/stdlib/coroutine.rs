//! The coroutine library (PUC's lcorolib) on top of `State::resume` and yields that unwind
//! as `LuaError::Yield`.

#![forbid(unsafe_code)]

use crate::error::{LuaError, LuaResult};
use crate::gc::Gc;
use crate::object::Thread;
use crate::state::{NResults, State};
use crate::thread::{CoStatus, ThreadState};
use crate::value::Value;

pub fn open(st: &mut State) {
    super::new_lib(
        st,
        "coroutine",
        &[
            ("create", create),
            ("resume", resume),
            ("yield", yield_),
            ("status", status),
            ("wrap", wrap),
            ("isyieldable", isyieldable),
            ("running", running),
            ("close", close),
        ],
    );
}

fn check_co(st: &mut State, n: usize) -> Result<Gc<Thread>, LuaError> {
    match st.arg(n) {
        Value::Thread(t) => Ok(t),
        _ => Err(st.type_error_arg(n, "thread")),
    }
}

/// A new suspended coroutine whose body is `f`.
pub fn new_coroutine(st: &mut State, f: Value) -> Gc<Thread> {
    let mut ts = ThreadState::new();
    ts.stack[0] = f;
    ts.top = 1;
    st.heap.alloc_thread(ts)
}

fn create(st: &mut State) -> NResults {
    let f = st.arg(1);
    if !f.is_function() {
        return Err(st.type_error_arg(1, "function"));
    }
    let co = new_coroutine(st, f);
    Ok(st.ret(&[Value::Thread(co)]))
}

/// The `n` values `co` yielded or returned (after `State::resume`) move onto the running
/// native's stack, after `prefix` if any; returns how many values were pushed (PUC's
/// auxresume).
#[inline(always)]
fn take_results(
    st: &mut State,
    co: Gc<Thread>,
    n: usize,
    prefix: Option<Value>,
) -> LuaResult<usize> {
    let extra = usize::from(prefix.is_some());
    let ts = st.ts();
    if !ts.ensure(n + extra) {
        return Err(too_many_results(st, co, n));
    }
    if let Some(v) = prefix {
        ts.push(v);
    }
    st.xmove_from(co, n);
    Ok(n + extra)
}

/// The resumer's stack cannot take the `n` values: they are dropped, and it is an error
/// (the plain message: `resume` returns it, `wrap` raises it with a position).
#[cold]
#[inline(never)]
fn too_many_results(st: &mut State, co: Gc<Thread>, n: usize) -> LuaError {
    co.st().top -= n;
    st.error_msg(TOO_MANY_RESULTS)
}

const TOO_MANY_RESULTS: &str = "too many results to resume";

fn resume(st: &mut State) -> NResults {
    let co = check_co(st, 1)?;
    let nargs = st.nargs() - 1;
    let e = match st.resume(co, nargs) {
        Ok(n) => match take_results(st, co, n, Some(Value::Bool(true))) {
            Err(LuaError::Error(e)) => e,
            r => return r,
        },
        Err(e) => e,
    };
    Ok(st.ret(&[Value::Bool(false), e]))
}

fn yield_(st: &mut State) -> NResults {
    if st.cur.ptr_eq(st.main) {
        return Err(st.error_msg("attempt to yield from outside a coroutine"));
    }
    if st.ts().nny > 0 {
        return Err(st.error_msg("attempt to yield across a C-call boundary"));
    }
    // The arguments stay on the stack: `State::resume` hands them to the resumer.
    Err(LuaError::Yield)
}

fn status_of(st: &State, co: Gc<Thread>) -> &'static str {
    if co.ptr_eq(st.cur) {
        return "running";
    }
    match co.st().status {
        CoStatus::Suspended => "suspended",
        CoStatus::Normal => "normal",
        CoStatus::Running => "running",
        CoStatus::Dead => "dead",
    }
}

fn status(st: &mut State) -> NResults {
    let co = check_co(st, 1)?;
    let s = status_of(st, co);
    let v = st.str_value(s);
    Ok(st.ret(&[v]))
}

fn wrap_aux(st: &mut State) -> NResults {
    let co = match st.ts().frames.last().map(|f| st.ts().stack[f.func]) {
        Some(Value::NativeFn(nc)) => match nc.upval(0) {
            Value::Thread(t) => t,
            _ => return Err(st.error_msg("bad wrap")),
        },
        _ => return Err(st.error_msg("bad wrap")),
    };
    let nargs = st.nargs();
    match st.resume(co, nargs) {
        Ok(n) => match take_results(st, co, n, None) {
            Err(LuaError::Error(_)) => Err(st.rt_error(TOO_MANY_RESULTS)),
            r => r,
        },
        Err(e) => {
            // An error inside the coroutine kills it: close its pending variables first. (A
            // failed resume of a running/dead coroutine leaves it alone.)
            let mut e = e;
            if co.st().status == CoStatus::Dead && co.st().error.is_some() {
                if let Err(e2) = close_coroutine(st, co) {
                    e = e2;
                }
            }
            if let Value::Str(s) = e {
                let pos = crate::debug::where_lib(st, 1);
                let mut b = pos;
                b.extend_from_slice(s.as_bytes());
                e = st.str_value(b);
            }
            Err(LuaError::Error(e))
        }
    }
}

fn wrap(st: &mut State) -> NResults {
    let f = st.arg(1);
    if !f.is_function() {
        return Err(st.type_error_arg(1, "function"));
    }
    let co = new_coroutine(st, f);
    let w = st.new_native(wrap_aux, vec![Value::Thread(co)]);
    Ok(st.ret(&[w]))
}

fn isyieldable(st: &mut State) -> NResults {
    let co = if st.nargs() >= 1 {
        check_co(st, 1)?
    } else {
        st.cur
    };
    let y = !co.ptr_eq(st.main) && co.st().nny == 0;
    Ok(st.ret(&[Value::Bool(y)]))
}

fn running(st: &mut State) -> NResults {
    let cur = st.cur;
    let is_main = cur.ptr_eq(st.main);
    Ok(st.ret(&[Value::Thread(cur), Value::Bool(is_main)]))
}

/// Close a suspended or dead coroutine: run its pending __close handlers. Returns the error
/// object if the coroutine died in error (or a handler raised one).
fn close_coroutine(st: &mut State, co: Gc<Thread>) -> Result<(), Value> {
    let err = co.st().error.take();
    let prev = st.cur;
    st.cur = co;
    co.st().status = CoStatus::Running;
    st.close_upvals(0);
    let mut e = err;
    loop {
        match st.close_tbc(0, e) {
            Ok(()) => break,
            Err(LuaError::Error(v)) => e = Some(v),
            Err(LuaError::Yield) => break,
        }
    }
    let ts = co.st();
    ts.frames.clear();
    ts.top = 0;
    ts.status = CoStatus::Dead;
    st.cur = prev;
    match e {
        Some(v) => Err(v),
        None => Ok(()),
    }
}

fn close(st: &mut State) -> NResults {
    let co = check_co(st, 1)?;
    match status_of(st, co) {
        "suspended" | "dead" => match close_coroutine(st, co) {
            Ok(()) => Ok(st.ret(&[Value::Bool(true)])),
            Err(e) => Ok(st.ret(&[Value::Bool(false), e])),
        },
        s => Err(st.rt_error(format!("cannot close a {s} coroutine"))),
    }
}
