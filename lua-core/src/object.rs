//! Collectable object types other than tables: strings, closures, upvalues, userdata, threads.
//!
//! Invariants:
//! - `LuaStr` is immutable; its hash is computed once at creation. Short strings
//!   (<= `gc::MAX_SHORT_LEN` bytes) are interned, so two short strings are equal iff they are
//!   the same object.
//! - An open `UpVal` points into the stack of the thread that owns the variable; that
//!   thread fixes the pointer whenever its stack is reallocated (`thread::ThreadState::grow`)
//!   and redirects it to `closed` when the variable goes out of scope. The JIT and the
//!   interpreter read and write upvalues only through `UpVal::v`.

use crate::error::LuaResult;
use crate::gc::Gc;
use crate::gc::{BarrierLog, Barriered, GcObject, Kind};
use crate::proto::Proto;
use crate::rawslice::{NulBytes, RawSlice};
use crate::state::State;
use crate::table::Table;
use crate::thread::ThreadState;
use crate::value::Value;
use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::rc::Rc;

/// A native function: reads its arguments from the current frame of `State` (see
/// `State::arg`), pushes its results and returns how many it pushed.
pub type NativeFn = fn(&mut State) -> LuaResult<usize>;

pub struct LuaStr {
    hash: u32,
    short: bool,
    /// The bytes, NUL-terminated for C (a `NulBytes` has a `RawSlice`'s layout, so compiled
    /// code finds the length: `layout::STR_LEN`).
    data: NulBytes,
}

/// Offsets in a string object's payload, for the JIT (see `layout`).
pub const STR_HASH_OFFSET: usize = std::mem::offset_of!(LuaStr, hash);
pub const STR_LEN_OFFSET: usize =
    std::mem::offset_of!(LuaStr, data) + crate::rawslice::RAWSLICE_LEN_OFFSET;
pub const STR_DATA_OFFSET: usize =
    std::mem::offset_of!(LuaStr, data) + crate::rawslice::RAWSLICE_PTR_OFFSET;

impl LuaStr {
    pub(crate) fn new(s: &[u8], short: bool) -> LuaStr {
        LuaStr {
            hash: hash_bytes(s),
            short,
            data: NulBytes::new({
                let mut v = Vec::with_capacity(s.len() + 1);
                v.extend_from_slice(s);
                v
            }),
        }
    }
    /// A long string taking over `v`'s bytes (no copy when `v` has room for the NUL).
    pub(crate) fn from_vec(v: Vec<u8>) -> LuaStr {
        LuaStr {
            hash: hash_bytes(&v),
            short: false,
            data: NulBytes::new(v),
        }
    }
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }
    /// The bytes followed by a NUL (for C: `lua_tolstring`).
    pub fn as_bytes_with_nul(&self) -> &[u8] {
        self.data.with_nul()
    }
    #[inline(always)]
    pub fn hash(&self) -> u32 {
        self.hash
    }
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn is_short(&self) -> bool {
        self.short
    }
    /// Lossy UTF-8 view, for messages.
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.data)
    }
}

impl Gc<LuaStr> {
    /// Content equality; short strings are interned so they compare equal only by address.
    #[inline]
    pub fn content_eq(&self, other: &Gc<LuaStr>) -> bool {
        if self.short && other.short {
            return false; // distinct addresses (checked by caller) => distinct contents
        }
        self.hash == other.hash && *self.data == *other.data
    }
}

/// FNV-1a over the bytes (long strings sample at most 64 bytes spread across the string).
pub fn hash_bytes(s: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ (s.len() as u32);
    if s.len() <= 64 {
        for &b in s {
            h = (h ^ b as u32).wrapping_mul(0x0100_0193);
        }
    } else {
        let step = s.len() / 32;
        let mut i = 0;
        while i < s.len() {
            h = (h ^ s[i] as u32).wrapping_mul(0x0100_0193);
            i += step;
        }
        for &b in &s[s.len() - 8..] {
            h = (h ^ b as u32).wrapping_mul(0x0100_0193);
        }
    }
    h
}

impl GcObject for LuaStr {
    const KIND: Kind = Kind::Str;
    fn size_hint(&self) -> usize {
        self.data.len()
    }
}

pub struct UpVal {
    /// Where the variable lives: a stack slot while open, `closed` afterwards.
    pub v: Cell<*mut Value>,
    /// Stack index of the variable while open (used to close upvalues by level).
    pub idx: Cell<usize>,
    pub closed: UnsafeCell<Value>,
    /// Write barrier: non-null while the upvalue is black (see gc/mod.rs).
    pub barrier: Cell<*const BarrierLog>,
}

impl Barriered for UpVal {
    fn barrier_cell(&self) -> &Cell<*const BarrierLog> {
        &self.barrier
    }
}

impl UpVal {
    #[inline(always)]
    pub fn get(&self) -> Value {
        // SAFETY: `v` points either at a slot of a live thread stack (kept current by the
        // owning thread on reallocation) or at `self.closed`.
        unsafe { *self.v.get() }
    }
    #[inline(always)]
    pub fn set(&self, val: Value) {
        crate::gc::write_barrier(self);
        // SAFETY: as in `get`.
        unsafe { *self.v.get() = val }
    }
    /// The write barrier, for compiled code that stores a reference into this upvalue.
    pub fn barrier(&self) {
        crate::gc::write_barrier(self);
    }
    pub fn is_open(&self) -> bool {
        !std::ptr::eq(self.v.get(), self.closed.get())
    }
}

impl Gc<UpVal> {
    /// Copy the current value into the upvalue and point it at its own storage.
    pub fn close(self) {
        crate::gc::write_barrier(&*self);
        let val = self.get();
        // SAFETY: single-threaded; no reference into `closed` is live.
        unsafe { *self.closed.get() = val };
        self.v.set(self.closed.get());
    }
}

impl GcObject for UpVal {
    const KIND: Kind = Kind::UpVal;
    fn size_hint(&self) -> usize {
        0
    }
}

pub struct LuaClosure {
    pub proto: Rc<Proto>,
    /// Copies of `proto`'s code and constants pointers and frame sizes: entering the closure
    /// (the interpreter's call path) reads them one dependent load earlier. The pointers stay
    /// valid while `proto` lives: a prototype is never changed once shared.
    code: *const crate::opcodes::Instr,
    k: *const Value,
    pub numparams: u8,
    pub maxstacksize: u8,
    pub is_vararg: bool,
    /// Upvalue slots; replaceable only through `set_upval` (debug.upvaluejoin). A
    /// `RawSlice` so compiled code finds them (`layout::CLOSURE_UPVALS`).
    upvals: RawSlice<Cell<Gc<UpVal>>>,
    /// Write barrier: non-null while the closure is black (see gc/mod.rs).
    barrier: Cell<*const BarrierLog>,
}

impl LuaClosure {
    pub fn new(proto: Rc<Proto>, upvals: Vec<Gc<UpVal>>) -> LuaClosure {
        LuaClosure {
            code: proto.code.as_ptr(),
            k: proto.k.as_ptr(),
            numparams: proto.numparams,
            maxstacksize: proto.maxstacksize,
            is_vararg: proto.is_vararg,
            proto,
            upvals: RawSlice::new(upvals.into_iter().map(Cell::new).collect()),
            barrier: Cell::new(std::ptr::null()),
        }
    }
    #[inline(always)]
    pub fn upval(&self, i: usize) -> Gc<UpVal> {
        self.upvals[i].get()
    }
    /// The upvalue slots, for the interpreter's GETUPVAL/SETUPVAL (valid while the closure
    /// lives: slots are replaced in place, never reallocated).
    #[inline(always)]
    pub fn upvals_ptr(&self) -> *const Cell<Gc<UpVal>> {
        self.upvals.as_ptr()
    }
    /// The prototype's code (see the field).
    #[inline(always)]
    pub fn code_ptr(&self) -> *const crate::opcodes::Instr {
        self.code
    }
    /// The prototype's constants (see the field).
    #[inline(always)]
    pub fn k_ptr(&self) -> *const Value {
        self.k
    }
    pub fn nupvals(&self) -> usize {
        self.upvals.len()
    }
    /// Make upvalue slot `i` refer to `uv` (debug.upvaluejoin).
    pub fn set_upval(&self, i: usize, uv: Gc<UpVal>) {
        crate::gc::write_barrier(self);
        self.upvals[i].set(uv);
    }
}

/// Offsets in a Lua closure's payload, for the JIT (see `layout`).
/// The closure's copy of its prototype's code pointer: unique per live prototype, so
/// compiled code compares it to recognise a function by prototype.
pub const CLOSURE_CODE_OFFSET: usize = std::mem::offset_of!(LuaClosure, code);
pub const CLOSURE_UPVALS_OFFSET: usize =
    std::mem::offset_of!(LuaClosure, upvals) + crate::rawslice::RAWSLICE_PTR_OFFSET;

impl Barriered for LuaClosure {
    fn barrier_cell(&self) -> &Cell<*const BarrierLog> {
        &self.barrier
    }
}

impl GcObject for LuaClosure {
    const KIND: Kind = Kind::LuaFn;
    fn size_hint(&self) -> usize {
        self.upvals.len() * 8
    }
}

pub struct NativeClosure {
    pub f: NativeFn,
    /// An opaque word for the glue that created the closure: the C API keeps the address of
    /// the `lua_CFunction` a closure stands for here (0 for Rust natives).
    pub host: usize,
    pub upvals: UnsafeCell<Vec<Value>>,
    /// Write barrier: non-null while the closure is black (see gc/mod.rs).
    pub barrier: Cell<*const BarrierLog>,
}

impl Barriered for NativeClosure {
    fn barrier_cell(&self) -> &Cell<*const BarrierLog> {
        &self.barrier
    }
}

impl NativeClosure {
    pub fn upval(&self, i: usize) -> Value {
        // SAFETY: single-threaded; no outstanding borrow of the vector escapes these methods.
        unsafe { (&*self.upvals.get()).get(i).copied().unwrap_or(Value::Nil) }
    }
    pub fn set_upval(&self, i: usize, v: Value) {
        crate::gc::write_barrier(self);
        // SAFETY: as in `upval`.
        let u = unsafe { &mut *self.upvals.get() };
        if i < u.len() {
            u[i] = v;
        }
    }
    pub fn nupvals(&self) -> usize {
        // SAFETY: as in `upval`.
        unsafe { (&*self.upvals.get()).len() }
    }
}

impl GcObject for NativeClosure {
    const KIND: Kind = Kind::NativeFn;
    fn size_hint(&self) -> usize {
        self.nupvals() * 16
    }
}

pub struct UserData {
    meta: Cell<Option<Gc<Table>>>,
    pub user_values: UnsafeCell<Vec<Value>>,
    pub data: UnsafeCell<Box<dyn Any>>,
    /// Write barrier: non-null while the userdata is black (see gc/mod.rs).
    barrier: Cell<*const BarrierLog>,
}

impl Barriered for UserData {
    fn barrier_cell(&self) -> &Cell<*const BarrierLog> {
        &self.barrier
    }
}

impl UserData {
    pub fn new(data: Box<dyn Any>, nuvalues: usize) -> UserData {
        UserData {
            meta: Cell::new(None),
            user_values: UnsafeCell::new(vec![Value::Nil; nuvalues]),
            data: UnsafeCell::new(data),
            barrier: Cell::new(std::ptr::null()),
        }
    }
    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.meta.get()
    }
    pub fn set_metatable(&self, mt: Option<Gc<Table>>) {
        crate::gc::write_barrier(self);
        self.meta.set(mt);
    }
    /// Access the Rust payload.
    #[allow(clippy::mut_from_ref)] // reason: single-threaded object; callers do not overlap borrows
    pub fn data_mut(&self) -> &mut Box<dyn Any> {
        // SAFETY: single-threaded; natives borrow the payload only for the duration of one call
        // and never re-enter Lua while holding it.
        unsafe { &mut *self.data.get() }
    }
    pub fn user_value(&self, n: usize) -> Option<Value> {
        // SAFETY: as in data_mut.
        unsafe { (&*self.user_values.get()).get(n).copied() }
    }
    pub fn set_user_value(&self, n: usize, v: Value) -> bool {
        crate::gc::write_barrier(self);
        // SAFETY: as in data_mut.
        let u = unsafe { &mut *self.user_values.get() };
        match u.get_mut(n) {
            Some(slot) => {
                *slot = v;
                true
            }
            None => false,
        }
    }
}

impl GcObject for UserData {
    const KIND: Kind = Kind::UserData;
    fn size_hint(&self) -> usize {
        64
    }
}

/// A coroutine (or the main thread): its own stack, frames and open upvalues.
pub struct Thread {
    st: UnsafeCell<ThreadState>,
}

impl Thread {
    pub fn new(st: ThreadState) -> Thread {
        Thread {
            st: UnsafeCell::new(st),
        }
    }
    /// The thread's mutable state.
    #[allow(clippy::mut_from_ref)] // reason: see SAFETY
    #[inline(always)]
    pub fn st(&self) -> &mut ThreadState {
        // SAFETY: single-threaded interpreter; the VM holds at most one live `&mut ThreadState`
        // per thread at a time and re-fetches it after any call that can switch threads.
        unsafe { &mut *self.st.get() }
    }
}

impl GcObject for Thread {
    const KIND: Kind = Kind::Thread;
    fn size_hint(&self) -> usize {
        self.st().memory_size()
    }
}
