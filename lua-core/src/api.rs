//! The embedding API: create a state, run chunks, register Rust functions, read globals.
//!
//! ```
//! let mut lua = lua_core::Lua::new();
//! lua.exec(b"x = 6 * 7", "=example").unwrap();
//! assert_eq!(lua.global_int("x"), Some(42));
//! let f = lua.exec(b"return function(a, b) return a .. b end", "=f").unwrap().remove(0);
//! let s = lua.string(b"forty");
//! let r = lua.call(&f, &[s, lua_core::Val::int(2)]).unwrap();
//! assert_eq!(lua.bytes(&r[0]), Some(&b"forty2"[..]));
//! ```
//!
//! # Values held by Rust
//!
//! Lua values that point to collectable objects (strings, tables, functions...) are only
//! safe to use while the collector can see them. A [`Val`] returned by this API is rooted: it
//! holds a slot in a table of roots anchored in the registry, so its object stays alive for
//! as long as the `Val` (or a clone of it) exists, across any number of later calls that
//! collect. Dropping the last clone releases the slot at the next call into the state.
//! Rooted handles were chosen over a lifetime tied to the next call because embedders keep
//! functions and tables between calls (a callback registered once, a config table), which
//! a borrow of the state would forbid.
//!
//! Reading a string's bytes goes through [`Lua::bytes`], which borrows the state: no
//! collection (which needs `&mut Lua`) and no closing of the state can happen while the
//! bytes are in use. A `Val` from another state is refused.
//!
//! [`Lua::state`] gives the engine's own interface ([`State`]), on which the interpreter,
//! the JIT, the C API and the `lua` command are built. Its [`Value`]s are not rooted: as in
//! PUC's C API, they stay valid only while reachable from Lua (the stack, the registry, a
//! global) and must not be held across anything that can collect.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::rc::Rc;

use crate::gc::Gc;
use crate::object::NativeFn;
use crate::state::State;
use crate::table::Table;
use crate::value::Value;

/// The registry key of the table holding the roots of [`Val`]s.
const ROOTS_KEY: &str = "lua_core.api.roots";

/// Shared by a state and the [`Val`]s it handed out: the slots of dropped handles, released
/// at the next call (a handle's `Drop` has no access to the state). Its address also tells
/// which state a `Val` belongs to.
struct Roots {
    dropped: RefCell<Vec<i64>>,
}

/// One slot of the roots table; dropping the last `Val` sharing it releases it.
struct Root {
    slot: i64,
    owner: Rc<Roots>,
}

impl Drop for Root {
    fn drop(&mut self) {
        self.owner.dropped.borrow_mut().push(self.slot);
    }
}

/// A Lua value held by Rust. Numbers, booleans and nil are plain data; any other value keeps
/// its object alive (see the module documentation). Cloning shares the root.
#[derive(Clone)]
pub struct Val {
    v: Value,
    root: Option<Rc<Root>>,
}

impl std::fmt::Debug for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.v {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            _ => write!(f, "<{}>", self.v.type_name()),
        }
    }
}

impl Val {
    pub fn nil() -> Val {
        Val::plain(Value::Nil)
    }
    pub fn int(i: i64) -> Val {
        Val::plain(Value::Int(i))
    }
    pub fn float(x: f64) -> Val {
        Val::plain(Value::Float(x))
    }
    pub fn bool(b: bool) -> Val {
        Val::plain(Value::Bool(b))
    }
    fn plain(v: Value) -> Val {
        Val { v, root: None }
    }
    pub fn is_nil(&self) -> bool {
        self.v.is_nil()
    }
    pub fn as_int(&self) -> Option<i64> {
        match self.v {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn as_float(&self) -> Option<f64> {
        match self.v {
            Value::Float(x) => Some(x),
            Value::Int(i) => Some(i as f64),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.v {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
    /// False for nil and false, true otherwise (Lua's truth).
    pub fn truthy(&self) -> bool {
        !matches!(self.v, Value::Nil | Value::Bool(false))
    }
    /// The Lua type name ("nil", "number", "string", "table", ...).
    pub fn type_name(&self) -> &'static str {
        self.v.type_name()
    }
    /// The engine's value, for use with [`Lua::state`]: valid while this `Val` (or anything
    /// else the collector sees) keeps it alive. Engine-level code and tests use it.
    pub fn raw(&self) -> Value {
        self.v
    }
}

pub struct Lua {
    st: Box<State>,
    roots: Rc<Roots>,
    /// The table of roots (anchored in the registry under [`ROOTS_KEY`]).
    root_table: Gc<Table>,
    /// Slots of the roots table free for reuse.
    free: Vec<i64>,
    next_slot: i64,
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
        let mut st = State::new();
        let root_table = st.new_table(0, 0);
        let reg = st.registry;
        st.set_field(reg, ROOTS_KEY, Value::Table(root_table));
        Lua {
            st,
            roots: Rc::new(Roots {
                dropped: RefCell::new(Vec::new()),
            }),
            root_table,
            free: Vec::new(),
            next_slot: 1,
        }
    }

    /// The engine's interface (for natives and advanced embedding). Values obtained through
    /// it are not rooted: see the module documentation.
    pub fn state(&mut self) -> &mut State {
        self.release_dropped();
        &mut self.st
    }

    /// Frees the slots of handles dropped since the last call.
    fn release_dropped(&mut self) {
        let dropped = std::mem::take(&mut *self.roots.dropped.borrow_mut());
        for slot in dropped {
            self.root_table.set_int(slot, Value::Nil);
            self.free.push(slot);
        }
    }

    /// Roots `v` (a value the caller got from the stack or a table just now, before anything
    /// could collect).
    fn root(&mut self, v: Value) -> Val {
        let collectable = matches!(
            v,
            Value::Str(_)
                | Value::Table(_)
                | Value::LuaFn(_)
                | Value::NativeFn(_)
                | Value::UserData(_)
                | Value::Thread(_)
        );
        if !collectable {
            return Val::plain(v);
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            self.next_slot += 1;
            self.next_slot - 1
        });
        self.root_table.set_int(slot, v);
        Val {
            v,
            root: Some(Rc::new(Root {
                slot,
                owner: self.roots.clone(),
            })),
        }
    }

    /// The engine value of `v`, if `v` is plain data or belongs to this state.
    fn own(&self, v: &Val) -> Option<Value> {
        match &v.root {
            Some(r) if !Rc::ptr_eq(&r.owner, &self.roots) => None,
            _ => Some(v.v),
        }
    }

    /// A Lua string holding `b`.
    pub fn string(&mut self, b: impl AsRef<[u8]>) -> Val {
        self.release_dropped();
        let v = self.st.str_value(b);
        self.root(v)
    }

    /// The bytes of a string value (not of a number: no coercion), borrowed from the state.
    pub fn bytes<'a>(&'a self, v: &'a Val) -> Option<&'a [u8]> {
        self.own(v)?;
        match &v.v {
            Value::Str(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// Compile a chunk; Err is the message `load` would return (as text: bytes that are not
    /// UTF-8 are shown lossily; `State::load_chunk` keeps them).
    pub fn load(&mut self, src: &[u8], chunkname: &str) -> Result<Val, String> {
        self.release_dropped();
        match self.st.load_chunk(src, chunkname.as_bytes(), b"bt", None) {
            Ok(f) => Ok(self.root(f)),
            Err(e) => Err(String::from_utf8_lossy(&e).into_owned()),
        }
    }

    /// Compile and run a chunk; Err is the error message (tostring of the error object).
    pub fn exec(&mut self, src: &[u8], chunkname: &str) -> Result<Vec<Val>, String> {
        let f = self.load(src, chunkname)?;
        self.call(&f, &[]).map_err(|e| self.display(&e))
    }

    /// Call `f` with `args` in protected mode; Err is the error object. A value from another
    /// state is refused with an error message.
    pub fn call(&mut self, f: &Val, args: &[Val]) -> Result<Vec<Val>, Val> {
        self.release_dropped();
        let mut raw = Vec::with_capacity(args.len() + 1);
        for v in std::iter::once(f).chain(args) {
            match self.own(v) {
                Some(v) => raw.push(v),
                None => return Err(self.string("value from another Lua state")),
            }
        }
        // The arguments stay rooted by their `Val`s until they are on the stack.
        match self.st.pcall_values(raw[0], &raw[1..]) {
            Ok(vals) => Ok(vals.into_iter().map(|v| self.root(v)).collect()),
            Err(e) => Err(self.root(e)),
        }
    }

    /// Text of a value as `tostring` would give without metamethods (for error reporting).
    pub fn display(&mut self, v: &Val) -> String {
        match self.own(v) {
            Some(v) => self.st.display(v),
            None => "value from another Lua state".to_string(),
        }
    }

    pub fn register(&mut self, name: &str, f: NativeFn) {
        self.release_dropped();
        let g = self.st.globals;
        self.st.set_fn(g, name, f);
    }

    pub fn global(&mut self, name: &str) -> Val {
        self.release_dropped();
        let g = self.st.globals;
        let v = self.st.get_field(g, name);
        self.root(v)
    }

    /// Sets a global; a value from another state sets nil.
    pub fn set_global(&mut self, name: &str, v: &Val) {
        self.release_dropped();
        let v = self.own(v).unwrap_or(Value::Nil);
        let g = self.st.globals;
        self.st.set_field(g, name, v);
    }

    pub fn global_int(&mut self, name: &str) -> Option<i64> {
        self.global(name).as_int()
    }

    pub fn global_string(&mut self, name: &str) -> Option<String> {
        let v = self.global(name);
        self.bytes(&v)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

impl State {
    /// Calls `f` with `args` in protected mode and returns all its results, or the error
    /// object. Engine level: the values are not rooted (see the module documentation).
    pub fn pcall_values(&mut self, f: Value, args: &[Value]) -> Result<Vec<Value>, Value> {
        let ts = self.ts();
        let func = ts.top;
        if !ts.ensure(args.len() + 1 + crate::thread::MIN_STACK) {
            return Err(self.str_value("stack overflow"));
        }
        ts.stack[func] = f;
        ts.stack[func + 1..func + 1 + args.len()].copy_from_slice(args);
        ts.top = func + 1 + args.len();
        let r = match self.pcall_at(func, -1, None) {
            Ok(Ok(())) => {
                let ts = self.ts();
                let res = ts.stack[func..ts.top].to_vec();
                Ok(res)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.str_value("attempt to yield from outside a coroutine")),
        };
        self.ts().top = func;
        self.flush_out();
        r
    }

    /// The global `name` (raw access). Engine level, as [`State::pcall_values`].
    pub fn get_global(&mut self, name: &str) -> Value {
        let g = self.globals;
        self.get_field(g, name)
    }

    /// Sets the global `name` (raw access).
    pub fn set_global(&mut self, name: &str, v: Value) {
        let g = self.globals;
        self.set_field(g, name, v);
    }

    /// Text of a value as `tostring` would give without metamethods (for error reporting).
    pub fn display(&mut self, v: Value) -> String {
        match v {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            _ => self.tostring_basic(&v),
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

impl State {
    /// Call `f` protected, with a message handler that adds a traceback; Err is the message
    /// (bytes, as the error string is). Engine level, as [`State::pcall_values`].
    pub fn call_traceback(&mut self, f: Value, args: &[Value]) -> Result<Vec<Value>, Vec<u8>> {
        let st = self;
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
            Ok(Err(e)) => Err(st.display_err(e)),
            Err(_) => Err(b"attempt to yield from outside a coroutine".to_vec()),
        };
        st.ts().top = func;
        st.flush_out();
        r
    }

    fn display_err(&mut self, e: Value) -> Vec<u8> {
        match e {
            Value::Str(s) => s.as_bytes().to_vec(),
            Value::Nil => b"nil".to_vec(),
            _ => format!("(error object is a {} value)", self.obj_typename(&e)).into_bytes(),
        }
    }
}
