//! The library functions the recorder knows: found by address in the running state.
//!
//! The standard library's functions are light functions (bare Rust `fn` pointers). When
//! the JIT is installed it looks them up in the state's libraries (`math.sqrt`, `type`,
//! ...) and remembers their addresses, so a call the recorder sees can be recognised with
//! one hash lookup and its callee guarded by address. Functions not reachable by name
//! (`ipairs`'s iterator) are obtained by calling the function that returns them.

use lua_core::object::NativeFn;
use lua_core::{State, Value};
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Builtin {
    MathSqrt,
    MathAbs,
    MathFloor,
    MathCeil,
    MathMin,
    MathMax,
    MathType,
    Type,
    Assert,
    Tonumber,
    Rawlen,
    Rawequal,
    IpairsAux,
    Next,
    StringLen,
    StringByte,
    StringChar,
    StringSub,
    Setmetatable,
    Select,
    /// Not compiled, as in LuaJIT: a yield leaves any trace (a call-out to it would exit
    /// every time), and a resume (or a call of a `coroutine.wrap` function) runs code that
    /// does, so calling it out costs more than interpreting the loop.
    CoroutineYield,
    CoroutineResume,
    CoroutineWrapped,
}

impl Builtin {
    /// Calls of it abort the recording (rather than become call-outs).
    pub fn not_compiled(self) -> bool {
        matches!(
            self,
            Builtin::CoroutineYield | Builtin::CoroutineResume | Builtin::CoroutineWrapped
        )
    }
}

/// Library functions by address.
#[derive(Default)]
pub struct Builtins {
    by_addr: HashMap<usize, Builtin>,
}

const NAMED: &[(&str, &str, Builtin)] = &[
    ("math", "sqrt", Builtin::MathSqrt),
    ("math", "abs", Builtin::MathAbs),
    ("math", "floor", Builtin::MathFloor),
    ("math", "ceil", Builtin::MathCeil),
    ("math", "min", Builtin::MathMin),
    ("math", "max", Builtin::MathMax),
    ("math", "type", Builtin::MathType),
    ("_G", "type", Builtin::Type),
    ("_G", "assert", Builtin::Assert),
    ("_G", "tonumber", Builtin::Tonumber),
    ("_G", "rawlen", Builtin::Rawlen),
    ("_G", "rawequal", Builtin::Rawequal),
    ("_G", "next", Builtin::Next),
    ("string", "len", Builtin::StringLen),
    ("string", "byte", Builtin::StringByte),
    ("string", "char", Builtin::StringChar),
    ("string", "sub", Builtin::StringSub),
    ("_G", "setmetatable", Builtin::Setmetatable),
    ("_G", "select", Builtin::Select),
    ("coroutine", "yield", Builtin::CoroutineYield),
    ("coroutine", "resume", Builtin::CoroutineResume),
];

fn fn_addr(v: Value) -> Option<usize> {
    match v {
        Value::LightFn(f) => Some(f as usize),
        _ => None,
    }
}

impl Builtins {
    /// Find the known functions in `st`'s libraries (as loaded now).
    pub fn resolve(st: &mut State) -> Builtins {
        let mut b = Builtins::default();
        for (lib, name, which) in NAMED {
            let libk = st.intern(lib.as_bytes());
            let libt = match st.loaded.get_str(libk) {
                Value::Table(t) => t,
                _ => continue,
            };
            let k = st.intern(name.as_bytes());
            if let Some(a) = fn_addr(libt.get_str(k)) {
                b.by_addr.insert(a, *which);
            }
        }
        // ipairs's iterator: what ipairs returns.
        let k = st.intern(b"ipairs");
        let ipairs = st.globals.get_str(k);
        let t = Value::Table(st.new_table(0, 0));
        if let Ok(r) = st.call_value(ipairs, &[t], 1) {
            if let Some(a) = r.first().copied().and_then(fn_addr) {
                b.by_addr.insert(a, Builtin::IpairsAux);
            }
        }
        // The functions coroutine.wrap makes.
        let k = st.intern(b"coroutine");
        if let Value::Table(co) = st.loaded.get_str(k) {
            let k = st.intern(b"wrap");
            let wrap = co.get_str(k);
            let k = st.intern(b"type");
            let f = st.globals.get_str(k);
            if let Ok(r) = st.call_value(wrap, &[f], 1) {
                if let Some(Value::NativeFn(nc)) = r.first() {
                    b.by_addr.insert(nc.f as usize, Builtin::CoroutineWrapped);
                }
            }
        }
        b
    }

    pub fn get(&self, f: NativeFn) -> Option<Builtin> {
        self.by_addr.get(&(f as usize)).copied()
    }
}
