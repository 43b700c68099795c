//! Every offset compiled code may read or write, in one place.
//!
//! The JIT never guesses a layout: it emits loads and stores at these offsets, and the
//! assertions below fail the build if a type changes under it. Object offsets are from the
//! address a `Value` payload (or a `Gc`) holds, which is the start of the object's `GcBox`
//! (header first, payload at [`GCBOX_DATA`]).
//!
//! ```text
//!  Value (16 bytes)           Table payload                  Node (40 bytes)
//!  +0  tag (u8)               array ptr / len (RawSlice)     +0   val  (Value)
//!  +8  payload (i64/f64/ptr)  limit (usize, PUC's alimit)    +16  key  (Value)
//!                             node ptr / len (RawSlice)      +32  next (u32)
//!                             meta (Option<Gc>, 0 = none)
//!                             flags (u32), barrier (ptr)
//! ```
//!
//! Invariants the JIT relies on beyond the offsets:
//! - A table's array part holds `TABLE_ARRAY_LEN` values; integer key `k` is at index `k-1`
//!   when `k - 1 < limit` (the interpreter reads beyond `limit` only through a path that
//!   moves `limit`, so compiled code bounds its array accesses by `limit`, not the length).
//! - The hash part has `TABLE_NODE_LEN` nodes, 0 or a power of two; a short string key `s`
//!   has its main position at `hash(s) & (len - 1)`.
//! - An object whose `barrier` field is non-null must be logged (`gc::barrier_slow`, reached
//!   from compiled code through a JIT helper) before a reference is stored into it.
//! - An upvalue's value lives at `*UPVAL_V`; it points at `UPVAL_CLOSED` inside the upvalue
//!   once closed, else into a thread's stack.

#![forbid(unsafe_code)]

use crate::gc::GCBOX_DATA_OFFSET;
use crate::object::{LuaClosure, NativeClosure, UpVal};
use std::mem::{offset_of, size_of};

// ----- values -----
pub use crate::value::{
    TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_LIGHTFN, TAG_LIGHTUSERDATA, TAG_LUAFN, TAG_NATIVEFN, TAG_NIL,
    TAG_STR, TAG_TABLE, TAG_THREAD, TAG_USERDATA,
};
pub const VALUE_SIZE: usize = size_of::<crate::value::Value>();
pub const VALUE_TAG: usize = crate::value::VALUE_TAG_OFFSET;
pub const VALUE_PAYLOAD: usize = crate::value::VALUE_PAYLOAD_OFFSET;

// ----- GC objects -----
/// Payload offset inside every `GcBox` (the same for every object type).
pub const GCBOX_DATA: usize = GCBOX_DATA_OFFSET;

// ----- tables -----
pub const TABLE_ARRAY: usize = GCBOX_DATA + crate::table::TABLE_ARRAY_PTR_OFFSET;
pub const TABLE_ARRAY_LEN: usize = GCBOX_DATA + crate::table::TABLE_ARRAY_LEN_OFFSET;
pub const TABLE_LIMIT: usize = GCBOX_DATA + crate::table::TABLE_LIMIT_OFFSET;
pub const TABLE_NODE: usize = GCBOX_DATA + crate::table::TABLE_NODE_PTR_OFFSET;
pub const TABLE_NODE_LEN: usize = GCBOX_DATA + crate::table::TABLE_NODE_LEN_OFFSET;
pub const TABLE_META: usize = GCBOX_DATA + crate::table::TABLE_META_OFFSET;
/// Absent-metamethod cache (u32): bit `Tm as u32` set = that metamethod is absent.
pub const TABLE_FLAGS: usize = GCBOX_DATA + crate::table::TABLE_FLAGS_OFFSET;
pub const TABLE_BARRIER: usize = GCBOX_DATA + crate::table::TABLE_BARRIER_OFFSET;

pub const NODE_SIZE: usize = crate::table::NODE_SIZE;
pub const NODE_VAL: usize = crate::table::NODE_VAL_OFFSET;
pub const NODE_KEY: usize = crate::table::NODE_KEY_OFFSET;
pub const NODE_NEXT: usize = crate::table::NODE_NEXT_OFFSET;

// ----- strings -----
pub const STR_HASH: usize = GCBOX_DATA + crate::object::STR_HASH_OFFSET;
pub const STR_LEN: usize = GCBOX_DATA + crate::object::STR_LEN_OFFSET;
pub const STR_DATA: usize = GCBOX_DATA + crate::object::STR_DATA_OFFSET;

// ----- closures and upvalues -----
/// The closure's prototype's code pointer (identifies the prototype while it lives).
pub const CLOSURE_CODE: usize = GCBOX_DATA + crate::object::CLOSURE_CODE_OFFSET;
/// Pointer to the closure's upvalue slots (an array of `Gc<UpVal>`, 8 bytes each).
pub const CLOSURE_UPVALS: usize = GCBOX_DATA + crate::object::CLOSURE_UPVALS_OFFSET;
pub const UPVAL_V: usize = GCBOX_DATA + offset_of!(UpVal, v);
pub const UPVAL_CLOSED: usize = GCBOX_DATA + offset_of!(UpVal, closed);
pub const UPVAL_BARRIER: usize = GCBOX_DATA + offset_of!(UpVal, barrier);
/// The Rust function of a native closure (a `NativeFn`, one code pointer).
pub const NATIVE_FN: usize = GCBOX_DATA + offset_of!(NativeClosure, f);

const _: () = {
    assert!(VALUE_SIZE == 16 && VALUE_TAG == 0 && VALUE_PAYLOAD == 8);
    assert!(size_of::<std::cell::Cell<*mut crate::value::Value>>() == 8);
    assert!(size_of::<crate::gc::Gc<UpVal>>() == 8);
    assert!(size_of::<Option<crate::gc::Gc<crate::table::Table>>>() == 8);
    assert!(size_of::<crate::object::NativeFn>() == 8);
    assert!(size_of::<std::cell::Cell<u32>>() == 4);
    assert!(NODE_SIZE == 40 && NODE_VAL == 0 && NODE_KEY == 16 && NODE_NEXT == 32);
    // The payload is 8-aligned, so every field above is naturally aligned.
    assert!(GCBOX_DATA.is_multiple_of(8));
    assert!(std::mem::align_of::<LuaClosure>() == 8);
};
