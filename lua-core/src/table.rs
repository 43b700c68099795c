//! Lua tables: an array part and a hash part.
//!
//! STUB: correct but slow placeholder (linear search); replaced by the real implementation.
//! The public API below is the contract the VM, the library and the JIT use.

use crate::gc::{Gc, GcObject, Kind, Marker, Trace};
use crate::object::LuaStr;
use crate::value::Value;
use std::cell::{Cell, UnsafeCell};

/// Why a raw set failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// "index is nil"
    Nil,
    /// "index is NaN"
    NaN,
}

pub struct Table {
    inner: UnsafeCell<Vec<(Value, Value)>>,
    meta: Cell<Option<Gc<Table>>>,
    /// Cache of absent metamethods: bit `i` set means metamethod `i` (see `tm::TM`) is known
    /// to be absent from this table when it is used as a metatable. Cleared on every store of
    /// a string key.
    pub flags: Cell<u32>,
}

fn norm(k: &Value) -> Value {
    if let Value::Float(f) = *k {
        if let Some(i) = crate::number::float_to_int_exact(f) {
            return Value::Int(i);
        }
    }
    *k
}

impl Table {
    pub fn new(_narr: usize, _nhash: usize) -> Table {
        Table {
            inner: UnsafeCell::new(Vec::new()),
            meta: Cell::new(None),
            flags: Cell::new(0),
        }
    }
    #[allow(clippy::mut_from_ref)] // reason: stub; single-threaded, no re-entrancy
    fn v(&self) -> &mut Vec<(Value, Value)> {
        // SAFETY: single-threaded; table methods never call out while holding this borrow.
        unsafe { &mut *self.inner.get() }
    }
    pub fn get(&self, k: &Value) -> Value {
        let k = norm(k);
        self.v()
            .iter()
            .find(|(kk, _)| kk.raw_eq(&k))
            .map(|e| e.1)
            .unwrap_or(Value::Nil)
    }
    pub fn get_int(&self, k: i64) -> Value {
        self.get(&Value::Int(k))
    }
    pub fn get_str(&self, k: Gc<LuaStr>) -> Value {
        self.get(&Value::Str(k))
    }
    /// Raw set. Assigning nil removes the entry (a key being traversed by `next` stays valid).
    pub fn set(&self, k: Value, v: Value) -> Result<(), KeyError> {
        let k = match k {
            Value::Nil => return Err(KeyError::Nil),
            Value::Float(f) if f.is_nan() => return Err(KeyError::NaN),
            _ => norm(&k),
        };
        if matches!(k, Value::Str(_)) {
            self.flags.set(0);
        }
        let vec = self.v();
        if let Some(e) = vec.iter_mut().find(|(kk, _)| kk.raw_eq(&k)) {
            e.1 = v;
        } else if !v.is_nil() {
            vec.push((k, v));
        }
        Ok(())
    }
    pub fn set_int(&self, k: i64, v: Value) {
        let _ = self.set(Value::Int(k), v);
    }
    pub fn set_str(&self, k: Gc<LuaStr>, v: Value) {
        let _ = self.set(Value::Str(k), v);
    }
    /// A border of the table (Lua's `#` without metamethods).
    pub fn len(&self) -> i64 {
        let mut n = 0;
        while !self.get_int(n + 1).is_nil() {
            n += 1;
        }
        n
    }
    /// The entry after `k` in traversal order (`k` nil: the first). `Err(())` if `k` is not a
    /// key of the table ("invalid key to 'next'").
    #[allow(clippy::result_unit_err)] // reason: the caller words the error
    pub fn next(&self, k: &Value) -> Result<Option<(Value, Value)>, ()> {
        let vec = self.v();
        let start = if k.is_nil() {
            0
        } else {
            let k = norm(k);
            match vec.iter().position(|(kk, _)| kk.raw_eq(&k)) {
                Some(p) => p + 1,
                None => return Err(()),
            }
        };
        Ok(vec[start..].iter().find(|(_, v)| !v.is_nil()).copied())
    }
    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.meta.get()
    }
    pub fn set_metatable(&self, mt: Option<Gc<Table>>) {
        self.meta.set(mt)
    }
}

impl GcObject for Table {
    const KIND: Kind = Kind::Table;
    fn size_hint(&self) -> usize {
        self.v().capacity() * 32
    }
}

impl Trace for Table {
    fn trace(&self, m: &mut Marker) {
        if let Some(mt) = self.meta.get() {
            m.mark(mt);
        }
        for (k, v) in self.v().iter() {
            m.mark_value(k);
            m.mark_value(v);
        }
    }
}
