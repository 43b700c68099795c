//! The Lua-facing `jit` module, compatible with LuaJIT's: `jit.on/off/flush/status`,
//! `jit.opt.start`, `jit.attach`, `jit.version/version_num/os/arch`, `jit.util.traceinfo`
//! and `tracek`, plus our extension `jit.stats()`. Also `require "jit"`, `"jit.util"` and
//! `"jit.opt"`.
//!
//! With the JIT not installed (`-joff`), the module still exists: `jit.status()` is false,
//! and `jit.on()` installs the JIT then.

use crate::{Jit, JitConfig};
use lua_core::state::{NResults, State};
use lua_core::Value;
use std::rc::Rc;

/// LuaJIT's API level this module follows.
const VERSION_NUM: i64 = 20100;
const VERSION: &str = "LuaJIT 2.1 compatible (lua-core JIT)";

pub fn open(st: &mut State) {
    let jit = st.new_table(0, 16);
    let funcs: &[(&str, lua_core::object::NativeFn)] = &[
        ("on", jit_on),
        ("off", jit_off),
        ("flush", jit_flush),
        ("status", jit_status),
        ("attach", jit_attach),
        ("stats", jit_stats),
    ];
    for (n, f) in funcs {
        st.set_fn(jit, n, *f);
    }
    let v = st.str_value(VERSION);
    st.set_field(jit, "version", v);
    st.set_field(jit, "version_num", Value::Int(VERSION_NUM));
    let v = st.str_value("Linux");
    st.set_field(jit, "os", v);
    let v = st.str_value("x64");
    st.set_field(jit, "arch", v);
    let opt = st.new_table(0, 1);
    st.set_fn(opt, "start", opt_start);
    st.set_field(jit, "opt", Value::Table(opt));
    let util = st.new_table(0, 2);
    st.set_fn(util, "traceinfo", util_traceinfo);
    st.set_fn(util, "tracek", util_tracek);
    let g = st.globals;
    st.set_field(g, "jit", Value::Table(jit));
    let loaded = st.loaded;
    st.set_field(loaded, "jit", Value::Table(jit));
    st.set_field(loaded, "jit.util", Value::Table(util));
    st.set_field(loaded, "jit.opt", Value::Table(opt));
}

/// The installed JIT, if any (keeps it alive while a native uses it).
fn the_jit(st: &State) -> Option<Rc<dyn lua_core::jitif::JitHook>> {
    st.jit.clone()
}

fn with_jit<T>(st: &State, f: impl FnOnce(&Jit) -> T) -> Option<T> {
    let j = the_jit(st)?;
    let jit = j.as_any().downcast_ref::<Jit>()?;
    Some(f(jit))
}

/// The prototype of a Lua function argument, if it is one.
fn proto_arg(st: &State, n: usize) -> Option<Rc<lua_core::proto::Proto>> {
    match st.arg(n) {
        Value::LuaFn(cl) => Some(cl.proto.clone()),
        _ => None,
    }
}

fn jit_on(st: &mut State) -> NResults {
    if let Some(p) = proto_arg(st, 1) {
        let deep = st.arg(2).truthy();
        with_jit(st, |j| j.set_proto_mode(&p, deep, false));
        // Its loops waited as long as counters can: every loop counts from the start.
        st.set_hot_threshold(st.hot_threshold());
        return Ok(0);
    }
    if with_jit(st, |j| j.state.borrow_mut().config.enabled = true).is_none() {
        crate::install(st, JitConfig::default());
    }
    Ok(0)
}

fn jit_off(st: &mut State) -> NResults {
    if let Some(p) = proto_arg(st, 1) {
        let deep = st.arg(2).truthy();
        with_jit(st, |j| j.set_proto_mode(&p, deep, true));
        return Ok(0);
    }
    with_jit(st, |j| j.state.borrow_mut().config.enabled = false);
    Ok(0)
}

fn jit_flush(st: &mut State) -> NResults {
    let Some(j) = the_jit(st) else { return Ok(0) };
    let Some(jit) = j.as_any().downcast_ref::<Jit>() else {
        return Ok(0);
    };
    match st.arg(1) {
        Value::LuaFn(cl) => {
            let p = cl.proto.clone();
            let deep = st.arg(2).truthy();
            let nojit = jit
                .state
                .borrow()
                .nojit
                .contains(&(Rc::as_ptr(&p) as usize));
            jit.set_proto_mode(&p, deep, nojit);
        }
        Value::Int(n) => {
            // Flush that trace's tree (a root and its side traces).
            jit.flush_trace(n.clamp(0, u32::MAX as i64) as u32);
        }
        _ => jit.flush_all(st),
    }
    Ok(0)
}

fn jit_status(st: &mut State) -> NResults {
    let mut out = Vec::new();
    let on = with_jit(st, |j| {
        let s = j.state.borrow();
        let mut flags = Vec::new();
        if crate::asm::has_sse41() {
            flags.push("SSE4.1".to_string());
        }
        for f in crate::options::FLAGS {
            if s.config.flag(f) {
                flags.push(f.to_string());
            }
        }
        (s.config.enabled && !s.disabled, flags)
    });
    match on {
        Some((enabled, flags)) => {
            out.push(Value::Bool(enabled));
            for f in flags {
                out.push(st.str_value(f));
            }
        }
        None => out.push(Value::Bool(false)),
    }
    Ok(st.ret(&out))
}

/// `jit.attach(f, event)`: call `f` on JIT events, as LuaJIT does: `"trace"` gets
/// `f("start", tr, func, pc, parent, exit)`, `f("stop", tr, func, pc)` and
/// `f("abort", tr, func, pc, nil, reason)`; `"record"` gets `f(tr, func, pc, depth)` per
/// recorded instruction. Events are delivered when the recording ends (never into it).
/// `jit.attach(f)` detaches `f`. Other event names are kept but never delivered.
fn jit_attach(st: &mut State) -> NResults {
    let f = st.check_any(1)?;
    let event = st.opt_str(2)?.map(|s| s.to_str_lossy().into_owned());
    with_jit(st, |j| {
        let mut s = j.state.borrow_mut();
        s.attached.retain(|(_, h)| !h.raw_eq(&f));
        if let Some(e) = event {
            s.attached.push((e, f));
        }
    });
    Ok(0)
}

fn jit_stats(st: &mut State) -> NResults {
    let t = st.new_table(0, 16);
    let vals = with_jit(st, |j| {
        let s = j.state.borrow();
        let alive = s.traces.iter().flatten().count() as u64;
        let (st, rs) = (s.stats, &j.run_stats);
        vec![
            ("traces", st.traces),
            ("alive", alive),
            ("side", st.side),
            ("aborts", st.aborts),
            ("entries", rs.entries.get()),
            ("exits", rs.exits.get()),
            ("callouts", rs.callouts.get()),
            ("nested_entries", rs.nested_entries.get()),
            ("max_depth", rs.max_depth.get()),
            ("mcode", s.mcode.used() as u64),
            ("mcode_limit", s.mcode.limit as u64),
            ("flushes", st.flushes),
            ("freed", st.freed),
            ("compile_us", st.compile_us),
        ]
    })
    .unwrap_or_else(|| {
        [
            "traces",
            "alive",
            "side",
            "aborts",
            "entries",
            "exits",
            "callouts",
            "nested_entries",
            "max_depth",
            "mcode",
            "mcode_limit",
            "flushes",
            "freed",
            "compile_us",
        ]
        .iter()
        .map(|n| (*n, 0))
        .collect()
    });
    for (k, v) in vals {
        st.set_field(t, k, Value::Int(v as i64));
    }
    Ok(st.ret(&[Value::Table(t)]))
}

fn opt_start(st: &mut State) -> NResults {
    let n = st.nargs();
    let mut words = Vec::new();
    for i in 1..=n {
        let s = st.check_str(i)?;
        words.push(s.to_str_lossy().into_owned());
    }
    let bad = with_jit(st, |j| {
        let mut s = j.state.borrow_mut();
        let mut c = s.config.clone();
        let bad = if words.is_empty() {
            (!c.apply_o("3")).then(|| "3".to_string())
        } else {
            words.iter().find(|w| !c.apply_o(w)).cloned()
        };
        let hotloop = c.hotloop;
        if bad.is_none() {
            s.config = c;
        }
        (bad, hotloop)
    });
    match bad {
        Some((Some(w), _)) => {
            Err(st.rt_error(format!("unknown or malformed optimization flag '{w}'")))
        }
        Some((None, hotloop)) => {
            // Loops met from now on count from the new threshold.
            st.set_hot_threshold(crate::hot_threshold(hotloop));
            Ok(0)
        }
        None => Ok(0),
    }
}

fn util_traceinfo(st: &mut State) -> NResults {
    let n = st.check_int(1)?;
    let info = with_jit(st, |j| {
        j.reap_dead();
        let s = j.state.borrow();
        s.traces
            .get(n.max(0) as usize)
            .and_then(|t| t.as_ref())
            .map(|t| (t.nins(), t.ir.k.len(), t.exits.len(), t.no))
    })
    .flatten();
    match info {
        None => Ok(st.ret(&[Value::Nil])),
        Some((nins, nk, nexit, no)) => {
            let t = st.new_table(0, 5);
            st.set_field(t, "nins", Value::Int(nins as i64));
            st.set_field(t, "nk", Value::Int(nk as i64));
            st.set_field(t, "nexit", Value::Int(nexit as i64));
            st.set_field(t, "link", Value::Int(no as i64));
            let lt = st.str_value("loop");
            st.set_field(t, "linktype", lt);
            Ok(st.ret(&[Value::Table(t)]))
        }
    }
}

/// `tracek(tr, i)`: constant `i` (0-based) of trace `tr`: its value and IR type name.
fn util_tracek(st: &mut State) -> NResults {
    let n = st.check_int(1)?;
    let i = st.check_int(2)?;
    let k = with_jit(st, |j| {
        let s = j.state.borrow();
        let t = s.traces.get(n.max(0) as usize)?.as_ref()?;
        let ins = t.ir.k.get(usize::try_from(i).ok()?)?;
        let v = match ins.op {
            crate::ir::Op::KGc => t
                .gc_consts
                .iter()
                .find(|v| v.ptr_addr() == Some(ins.k as usize))
                .copied()
                .unwrap_or(Value::Nil),
            crate::ir::Op::KPtr => Value::LightUserData(ins.k as usize as *mut std::ffi::c_void),
            _ => crate::exec::box_value(ins.ty, ins.k as u64),
        };
        Some((v, ins.ty.name()))
    })
    .flatten();
    match k {
        None => Ok(st.ret(&[Value::Nil])),
        Some((v, tyname)) => {
            let tn = st.str_value(tyname);
            Ok(st.ret(&[v, tn]))
        }
    }
}
