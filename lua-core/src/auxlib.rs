//! Argument checking and error helpers for natives (PUC's lauxlib), with PUC's messages:
//! "bad argument #1 to 'insert' (number expected, got nil)".

#![forbid(unsafe_code)]

use crate::error::LuaError;
use crate::gc::Gc;
use crate::number;
use crate::object::LuaStr;
use crate::state::State;
use crate::table::Table;
use crate::value::Value;

impl State {
    /// An empty buffer with room for `n` bytes, or PUC's "not enough memory" error where
    /// the allocation fails (as luaL_prepbuffsize's), instead of an abort.
    /// The room includes one more byte, for the NUL a string made from the buffer gets (see
    /// [`State::str_from_buf`]), so that conversion does not grow the buffer again.
    pub fn try_buffer(&mut self, n: usize) -> Result<Vec<u8>, LuaError> {
        let mut v = Vec::new();
        if v.try_reserve_exact(n.saturating_add(1)).is_err() {
            return Err(self.no_memory());
        }
        Ok(v)
    }

    /// PUC's memory error: the message "not enough memory", without a position.
    pub fn no_memory(&mut self) -> LuaError {
        self.error_msg("not enough memory")
    }

    /// Appends `b` to a buffer a library function is building, growing it (amortised, as
    /// `Vec` does) where failing is "not enough memory" instead of an abort: the buffers
    /// whose size a Lua program controls (gsub, table.concat, lower/upper, io reads) grow
    /// through this, as PUC's luaL_Buffer raises its memory error.
    pub fn buf_push(&mut self, buf: &mut Vec<u8>, b: &[u8]) -> Result<(), LuaError> {
        if buf.try_reserve(b.len()).is_err() {
            return Err(self.no_memory());
        }
        buf.extend_from_slice(b);
        Ok(())
    }

    /// A string value made from a buffer the caller built: a long string keeps the buffer's
    /// memory (no second copy of a big result), and the room for its NUL is reserved here,
    /// where failing is "not enough memory".
    pub fn str_from_buf(&mut self, mut v: Vec<u8>) -> Result<Value, LuaError> {
        if v.capacity() == v.len() && v.try_reserve_exact(1).is_err() {
            return Err(self.no_memory());
        }
        Ok(Value::Str(self.heap.intern_vec(v)))
    }

    /// "bad argument #n to 'f' (msg)", adjusting for method calls like luaL_argerror.
    pub fn arg_error(&mut self, n: usize, msg: &str) -> LuaError {
        let (what, name) = crate::debug::current_func_name(self);
        let mut n = n;
        if what == Some("method") {
            n -= 1;
            if n == 0 {
                return self.rt_error(format!("calling '{name}' on bad self ({msg})"));
            }
        }
        self.rt_error(format!("bad argument #{n} to '{name}' ({msg})"))
    }

    /// Type name of argument `n` for messages (honours __name; "no value" if absent).
    pub fn arg_typename(&self, n: usize) -> String {
        if n > self.nargs() {
            return "no value".into();
        }
        let v = self.arg(n);
        match v {
            Value::LightUserData(_) => "light userdata".into(),
            _ => self.obj_typename(&v),
        }
    }

    pub fn type_error_arg(&mut self, n: usize, expected: &str) -> LuaError {
        let got = self.arg_typename(n);
        self.arg_error(n, &format!("{expected} expected, got {got}"))
    }

    pub fn check_any(&mut self, n: usize) -> Result<Value, LuaError> {
        if n > self.nargs() {
            return Err(self.arg_error(n, "value expected"));
        }
        Ok(self.arg(n))
    }

    pub fn check_int(&mut self, n: usize) -> Result<i64, LuaError> {
        match self.arg(n) {
            Value::Int(i) => Ok(i),
            v => match number::to_number(v) {
                Some(Value::Int(i)) => Ok(i),
                Some(Value::Float(f)) => match number::float_to_int_exact(f) {
                    Some(i) => Ok(i),
                    None => Err(self.arg_error(n, "number has no integer representation")),
                },
                _ => Err(self.type_error_arg(n, "number")),
            },
        }
    }

    pub fn opt_int(&mut self, n: usize, default: i64) -> Result<i64, LuaError> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_int(n)
        }
    }

    pub fn check_number(&mut self, n: usize) -> Result<Value, LuaError> {
        match number::to_number(self.arg(n)) {
            Some(v) => Ok(v),
            None => Err(self.type_error_arg(n, "number")),
        }
    }

    pub fn check_float(&mut self, n: usize) -> Result<f64, LuaError> {
        let v = self.check_number(n)?;
        Ok(number::as_float(v).unwrap_or(0.0))
    }

    /// A string argument; numbers are converted (as luaL_checklstring does).
    pub fn check_str(&mut self, n: usize) -> Result<Gc<LuaStr>, LuaError> {
        match self.arg(n) {
            Value::Str(s) => Ok(s),
            v @ (Value::Int(_) | Value::Float(_)) => {
                let s = self.tostring_basic(&v);
                let g = self.intern(s.as_bytes());
                let slot = self.arg_slot(n);
                self.ts().stack[slot] = Value::Str(g);
                Ok(g)
            }
            _ => Err(self.type_error_arg(n, "string")),
        }
    }

    pub fn opt_str(&mut self, n: usize) -> Result<Option<Gc<LuaStr>>, LuaError> {
        if self.arg(n).is_nil() {
            Ok(None)
        } else {
            self.check_str(n).map(Some)
        }
    }

    pub fn check_table(&mut self, n: usize) -> Result<Gc<Table>, LuaError> {
        match self.arg(n) {
            Value::Table(t) => Ok(t),
            _ => Err(self.type_error_arg(n, "table")),
        }
    }

    /// Argument `n` must have type `tname` (used by luaL_checktype-like checks).
    pub fn check_type(&mut self, n: usize, tname: &str) -> Result<Value, LuaError> {
        let v = self.arg(n);
        if n > self.nargs() || v.type_name() != tname {
            return Err(self.type_error_arg(n, tname));
        }
        Ok(v)
    }

    /// Return these values from a native (pushes them and returns the count).
    pub fn ret(&mut self, vals: &[Value]) -> usize {
        for v in vals {
            self.push(*v);
        }
        vals.len()
    }

    /// Set `name` in table `t` to a native function.
    pub fn set_fn(&mut self, t: Gc<Table>, name: &str, f: crate::object::NativeFn) {
        let k = self.intern(name.as_bytes());
        t.set_str(k, Value::LightFn(f));
    }

    pub fn set_field(&mut self, t: Gc<Table>, name: &str, v: Value) {
        let k = self.intern(name.as_bytes());
        t.set_str(k, v);
    }

    pub fn get_field(&mut self, t: Gc<Table>, name: &str) -> Value {
        let k = self.intern(name.as_bytes());
        t.get_str(k)
    }
}
