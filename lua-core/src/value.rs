//! The Lua value: 16 bytes, `#[repr(C, u8)]`.
//!
//! ```text
//!  byte 0      1..8        8..16
//!  +-------+-----------+---------------------------+
//!  |  tag  |  padding  |  payload (i64/f64/ptr/b)  |
//!  +-------+-----------+---------------------------+
//! ```
//!
//! `repr(C, u8)` fixes the layout: the tag is a `u8` at offset 0 and the payload a union at
//! offset 8. The JIT reads and writes values through [`VALUE_TAG_OFFSET`],
//! [`VALUE_PAYLOAD_OFFSET`] and the `TAG_*` constants, never by guessing.
//!
//! Invariants:
//! - Integer and float are distinct tags (Lua 5.4 subtypes); a float key that has an exact
//!   integer value is normalised to an integer by the table code, not here.
//! - Collectable variants hold a [`Gc`] pointer to a live object (see `gc.rs` for why it stays
//!   live: collection happens only at safepoints where every live value is rooted).

use crate::gc::Gc;
use crate::object::{LuaClosure, LuaStr, NativeClosure, NativeFn, Thread, UpVal, UserData};
use crate::table::Table;
use std::ffi::c_void;

#[derive(Clone, Copy, Default)]
#[repr(C, u8)]
pub enum Value {
    #[default]
    Nil = 0,
    Bool(bool) = 1,
    Int(i64) = 2,
    Float(f64) = 3,
    LightUserData(*mut c_void) = 4,
    /// A native function without upvalues (PUC's "light C function").
    LightFn(NativeFn) = 5,
    Str(Gc<LuaStr>) = 6,
    Table(Gc<Table>) = 7,
    LuaFn(Gc<LuaClosure>) = 8,
    NativeFn(Gc<NativeClosure>) = 9,
    UserData(Gc<UserData>) = 10,
    Thread(Gc<Thread>) = 11,
}

pub const TAG_NIL: u8 = 0;
pub const TAG_BOOL: u8 = 1;
pub const TAG_INT: u8 = 2;
pub const TAG_FLOAT: u8 = 3;
pub const TAG_LIGHTUSERDATA: u8 = 4;
pub const TAG_LIGHTFN: u8 = 5;
pub const TAG_STR: u8 = 6;
pub const TAG_TABLE: u8 = 7;
pub const TAG_LUAFN: u8 = 8;
pub const TAG_NATIVEFN: u8 = 9;
pub const TAG_USERDATA: u8 = 10;
pub const TAG_THREAD: u8 = 11;
pub const VALUE_TAG_OFFSET: usize = 0;
pub const VALUE_PAYLOAD_OFFSET: usize = 8;

const _: () = assert!(std::mem::size_of::<Value>() == 16);
const _: () = assert!(std::mem::align_of::<Value>() == 8);
// Unused by the code above but documented for the JIT; an upvalue never points elsewhere.
const _: () = assert!(std::mem::size_of::<Gc<UpVal>>() == 8);

/// The bytes of a value, field by field (the payload may be partly uninitialised, e.g. for
/// nil and booleans, hence `MaybeUninit`).
#[derive(Clone, Copy)]
#[repr(C)]
struct RawValue {
    tag: u8,
    _pad: [std::mem::MaybeUninit<u8>; 7],
    payload: std::mem::MaybeUninit<u64>,
}
const _: () = assert!(std::mem::size_of::<RawValue>() == 16);

impl Value {
    /// Read a value field by field: a 1-byte tag load and an 8-byte payload load, as PUC's
    /// `setobj` does. The interpreter moves registers this way because a 16-byte load of a
    /// slot just written by separate tag/payload stores stalls the CPU (failed store
    /// forwarding).
    ///
    /// # Safety
    /// `p` must point to a valid, initialised `Value`.
    #[inline(always)]
    pub unsafe fn load(p: *const Value) -> Value {
        let r = p as *const RawValue;
        // SAFETY: p is a valid Value (caller), so its tag and payload bytes are readable; the
        // reassembled bytes are exactly those of a valid Value.
        unsafe {
            let raw = RawValue {
                tag: (*r).tag,
                _pad: [std::mem::MaybeUninit::uninit(); 7],
                payload: (*r).payload,
            };
            std::mem::transmute::<RawValue, Value>(raw)
        }
    }

    /// Write a value field by field (see [`Value::load`]).
    ///
    /// # Safety
    /// `p` must point to writable memory for a `Value`.
    #[inline(always)]
    pub unsafe fn store(p: *mut Value, v: Value) {
        // SAFETY: Value and RawValue have the same size; every Value is a valid RawValue.
        unsafe {
            let raw = std::mem::transmute::<Value, RawValue>(v);
            let d = p as *mut RawValue;
            (*d).tag = raw.tag;
            (*d).payload = raw.payload;
        }
    }

    /// The tag byte of the value at `p`, read without loading the value (interpreter fast
    /// paths test tags before touching payloads).
    ///
    /// # Safety
    /// `p` must point to a valid, initialised `Value`.
    #[inline(always)]
    pub unsafe fn raw_tag(p: *const Value) -> u8 {
        // SAFETY: the tag is the u8 at offset 0 (repr(C, u8)); p is valid (caller).
        unsafe { *(p as *const u8) }
    }

    /// The integer payload of the value at `p`.
    ///
    /// # Safety
    /// `p` must point to a valid `Value::Int`.
    #[inline(always)]
    pub unsafe fn raw_int(p: *const Value) -> i64 {
        // SAFETY: an Int's payload is an i64 at offset 8 (caller checked the tag).
        unsafe { *((p as *const u8).add(VALUE_PAYLOAD_OFFSET) as *const i64) }
    }

    /// The float payload of the value at `p`.
    ///
    /// # Safety
    /// `p` must point to a valid `Value::Float`.
    #[inline(always)]
    pub unsafe fn raw_float(p: *const Value) -> f64 {
        // SAFETY: a Float's payload is an f64 at offset 8 (caller checked the tag).
        unsafe { *((p as *const u8).add(VALUE_PAYLOAD_OFFSET) as *const f64) }
    }

    #[inline(always)]
    pub fn tag(&self) -> u8 {
        // SAFETY: `repr(C, u8)` puts the discriminant, a u8, at offset 0.
        unsafe { *(self as *const Value as *const u8) }
    }

    #[inline(always)]
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truthiness: everything but nil and false.
    #[inline(always)]
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    #[inline(always)]
    pub fn is_falsy(&self) -> bool {
        !self.truthy()
    }

    /// The name `type()` returns.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::LightUserData(_) | Value::UserData(_) => "userdata",
            Value::LightFn(_) | Value::LuaFn(_) | Value::NativeFn(_) => "function",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Thread(_) => "thread",
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::LightFn(_) | Value::LuaFn(_) | Value::NativeFn(_)
        )
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }

    pub fn as_table(&self) -> Option<Gc<Table>> {
        match self {
            Value::Table(t) => Some(*t),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<Gc<LuaStr>> {
        match self {
            Value::Str(s) => Some(*s),
            _ => None,
        }
    }

    /// Raw equality (`rawequal`): no metamethods. Integers and floats compare by
    /// mathematical value; strings by content (short strings are interned, so by address).
    #[inline]
    pub fn raw_eq(&self, other: &Value) -> bool {
        match (*self, *other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                crate::number::int_float_eq(a, b)
            }
            (Value::Str(a), Value::Str(b)) => a.ptr_eq(b) || a.content_eq(&b),
            (Value::LightUserData(a), Value::LightUserData(b)) => a == b,
            (Value::LightFn(a), Value::LightFn(b)) => std::ptr::fn_addr_eq(a, b),
            (Value::Table(a), Value::Table(b)) => a.ptr_eq(b),
            (Value::LuaFn(a), Value::LuaFn(b)) => a.ptr_eq(b),
            (Value::NativeFn(a), Value::NativeFn(b)) => a.ptr_eq(b),
            (Value::UserData(a), Value::UserData(b)) => a.ptr_eq(b),
            (Value::Thread(a), Value::Thread(b)) => a.ptr_eq(b),
            _ => false,
        }
    }

    /// Address used by `tostring` ("table: 0x...") and `%p`; None for non-reference values.
    pub fn ptr_addr(&self) -> Option<usize> {
        match *self {
            Value::LightUserData(p) => Some(p as usize),
            Value::LightFn(f) => Some(f as usize),
            Value::Str(g) => Some(g.addr()),
            Value::Table(g) => Some(g.addr()),
            Value::LuaFn(g) => Some(g.addr()),
            Value::NativeFn(g) => Some(g.addr()),
            Value::UserData(g) => Some(g.addr()),
            Value::Thread(g) => Some(g.addr()),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s.as_bytes())),
            other => write!(
                f,
                "{}: {:#x}",
                other.type_name(),
                other.ptr_addr().unwrap_or(0)
            ),
        }
    }
}
