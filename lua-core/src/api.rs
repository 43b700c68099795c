//! The embedding API: create a state, run chunks, register Rust functions, read globals.
//!
//! ```
//! let mut lua = lua_core::Lua::new();
//! lua.exec(b"x = 6 * 7", "=example").unwrap();
//! assert_eq!(lua.global_int("x"), Some(42));
//! ```

#![forbid(unsafe_code)]

use crate::object::NativeFn;
use crate::state::State;
use crate::value::Value;

pub struct Lua {
    st: Box<State>,
}

impl Drop for Lua {
    /// Closing a state runs pending `__close` handlers of the main thread and every pending
    /// finalizer, as lua_close does.
    fn drop(&mut self) {
        self.st.close();
    }
}

impl Lua {
    pub fn new() -> Lua {
        Lua { st: State::new() }
    }

    /// Direct access to the interpreter state (for natives and advanced embedding).
    pub fn state(&mut self) -> &mut State {
        &mut self.st
    }

    /// Compile a chunk; Err is the message `load` would return (as text: bytes that are not
    /// UTF-8 are shown lossily; `State::load_chunk` keeps them).
    pub fn load(&mut self, src: &[u8], chunkname: &str) -> Result<Value, String> {
        self.st
            .load_chunk(src, chunkname.as_bytes(), b"bt", None)
            .map_err(|e| String::from_utf8_lossy(&e).into_owned())
    }

    /// Compile and run a chunk; Err is the error message (tostring of the error object).
    pub fn exec(&mut self, src: &[u8], chunkname: &str) -> Result<Vec<Value>, String> {
        let f = self.load(src, chunkname)?;
        self.call(f, &[]).map_err(|e| self.display(e))
    }

    /// Call `f` with `args` in protected mode.
    pub fn call(&mut self, f: Value, args: &[Value]) -> Result<Vec<Value>, Value> {
        let st = &mut self.st;
        let ts = st.ts();
        let func = ts.top;
        if !ts.ensure(args.len() + 1 + crate::thread::MIN_STACK) {
            return Err(st.str_value("stack overflow"));
        }
        ts.stack[func] = f;
        ts.stack[func + 1..func + 1 + args.len()].copy_from_slice(args);
        ts.top = func + 1 + args.len();
        let r = match st.pcall_at(func, -1, None) {
            Ok(Ok(())) => {
                let ts = st.ts();
                let res = ts.stack[func..ts.top].to_vec();
                Ok(res)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(st.str_value("attempt to yield from outside a coroutine")),
        };
        st.ts().top = func;
        st.flush_out();
        r
    }

    /// Text of a value as `tostring` would give without metamethods (for error reporting).
    pub fn display(&mut self, v: Value) -> String {
        match v {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            _ => self.st.tostring_basic(&v),
        }
    }

    pub fn register(&mut self, name: &str, f: NativeFn) {
        let g = self.st.globals;
        self.st.set_fn(g, name, f);
    }

    pub fn global(&mut self, name: &str) -> Value {
        let g = self.st.globals;
        self.st.get_field(g, name)
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        let g = self.st.globals;
        self.st.set_field(g, name, v);
    }

    pub fn global_int(&mut self, name: &str) -> Option<i64> {
        match self.global(name) {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn global_string(&mut self, name: &str) -> Option<String> {
        match self.global(name) {
            Value::Str(s) => Some(s.to_str_lossy().into_owned()),
            _ => None,
        }
    }
}

/// Message handler used by `Lua::call_traceback`: turns the error into a string and appends a
/// traceback (what the `lua` command prints), like lua.c's msghandler.
pub fn traceback_handler(st: &mut State) -> crate::state::NResults {
    let v = st.arg(1);
    let msg = match v {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Int(_) | Value::Float(_) => st.tostring_basic(&v).into_bytes(),
        _ => {
            // lua.c's luaL_callmeta, unprotected: an error in `__tostring` is the handler's
            // own error, which the handler is called on next (so the report shows it with a
            // traceback); a result is used only if it is a string.
            let tm = st.get_tm(&v, crate::tm::Tm::ToString);
            if !tm.is_nil() {
                if let Some(Value::Str(s)) = st.call_value(tm, &[v], 1)?.first() {
                    return Ok(st.ret(&[Value::Str(*s)]));
                }
            }
            format!("(error object is a {} value)", st.obj_typename(&v)).into_bytes()
        }
    };
    let tb = crate::debug::traceback(st, Some(&msg), 1);
    let s = st.str_value(tb);
    Ok(st.ret(&[s]))
}

impl Lua {
    /// Call `f` protected, with a message handler that adds a traceback; Err is the message
    /// (bytes, as the error string is).
    pub fn call_traceback(&mut self, f: Value, args: &[Value]) -> Result<Vec<Value>, Vec<u8>> {
        let st = &mut self.st;
        let ts = st.ts();
        let func = ts.top;
        if !ts.ensure(args.len() + 2 + crate::thread::MIN_STACK) {
            return Err(b"stack overflow".to_vec());
        }
        ts.stack[func] = Value::LightFn(traceback_handler);
        ts.stack[func + 1] = f;
        ts.stack[func + 2..func + 2 + args.len()].copy_from_slice(args);
        ts.top = func + 2 + args.len();
        let r = match st.pcall_at(func + 1, -1, Some(func)) {
            Ok(Ok(())) => {
                let ts = st.ts();
                Ok(ts.stack[func + 1..ts.top].to_vec())
            }
            Ok(Err(e)) => Err(self.display_err(e)),
            Err(_) => Err(b"attempt to yield from outside a coroutine".to_vec()),
        };
        self.st.ts().top = func;
        self.st.flush_out();
        r
    }

    fn display_err(&mut self, e: Value) -> Vec<u8> {
        match e {
            Value::Str(s) => s.as_bytes().to_vec(),
            Value::Nil => b"nil".to_vec(),
            _ => format!("(error object is a {} value)", self.st.obj_typename(&e)).into_bytes(),
        }
    }
}
