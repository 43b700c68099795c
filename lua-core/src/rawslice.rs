//! An owned boxed slice whose (pointer, length) pair sits at fixed offsets.
//!
//! The layout of `Box<[T]>` itself is unspecified, but compiled code must load a slice's
//! data pointer and length (a table's array and hash parts, a string's bytes, a closure's
//! upvalue slots) from known offsets: `RawSlice` stores them as a `repr(C)` pair
//! (`RAWSLICE_PTR_OFFSET`, `RAWSLICE_LEN_OFFSET`).
//!
//! Invariant: `ptr`/`len` always come from a leaked `Box<[T]>` this value owns; it is
//! rebuilt and dropped exactly once.

use std::marker::PhantomData;
use std::ptr::NonNull;

/// An owned boxed slice stored as (pointer, length) in a fixed order, so the JIT can load both
/// from known offsets (the layout of `Box<[T]>` itself is unspecified).
#[repr(C)]
pub struct RawSlice<T> {
    pub(crate) ptr: NonNull<T>,
    pub(crate) len: usize,
    _own: PhantomData<Box<[T]>>,
}

impl<T> RawSlice<T> {
    pub fn new(b: Box<[T]>) -> RawSlice<T> {
        RawSlice {
            len: b.len(),
            ptr: NonNull::from(Box::leak(b)).cast(),
            _own: PhantomData,
        }
    }

    pub fn into_box(self) -> Box<[T]> {
        let me = std::mem::ManuallyDrop::new(self);
        let raw = std::ptr::slice_from_raw_parts_mut(me.ptr.as_ptr(), me.len);
        // SAFETY: reconstitutes the box leaked in `new`; `me` is not dropped, so once.
        unsafe { Box::from_raw(raw) }
    }
}

impl<T> std::ops::Deref for RawSlice<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr`/`len` come from a leaked `Box<[T]>` that this value owns until drop.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> std::ops::DerefMut for RawSlice<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> Drop for RawSlice<T> {
    fn drop(&mut self) {
        let raw = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: reconstitutes the box leaked in `new`, exactly once.
        drop(unsafe { Box::from_raw(raw) });
    }
}

/// Offset of the data pointer in a `RawSlice`.
pub const RAWSLICE_PTR_OFFSET: usize = std::mem::offset_of!(RawSlice<u8>, ptr);
/// Offset of the length (`usize`) in a `RawSlice`.
pub const RAWSLICE_LEN_OFFSET: usize = std::mem::offset_of!(RawSlice<u8>, len);
const _: () = assert!(RAWSLICE_PTR_OFFSET == 0 && RAWSLICE_LEN_OFFSET == 8);

/// A string's bytes followed by one NUL byte that is not part of them: `len` counts the bytes
/// only, so compiled code reads the length at the same offsets as a `RawSlice`'s, and C code
/// given the pointer (`lua_tolstring`) may treat it as a C string, as PUC guarantees.
///
/// Invariant: `ptr`/`len + 1` come from a leaked `Box<[u8]>` this value owns, whose last byte
/// is 0; it is rebuilt and dropped exactly once.
#[repr(C)]
pub struct NulBytes {
    ptr: NonNull<u8>,
    len: usize,
    _own: PhantomData<Box<[u8]>>,
}

const _: () = assert!(std::mem::offset_of!(NulBytes, ptr) == RAWSLICE_PTR_OFFSET);
const _: () = assert!(std::mem::offset_of!(NulBytes, len) == RAWSLICE_LEN_OFFSET);

impl NulBytes {
    /// Takes `v`'s bytes (no copy when `v` has room for the NUL).
    pub fn new(mut v: Vec<u8>) -> NulBytes {
        let len = v.len();
        v.push(0);
        NulBytes {
            len,
            ptr: NonNull::from(Box::leak(v.into_boxed_slice())).cast(),
            _own: PhantomData,
        }
    }

    /// The bytes and their NUL terminator.
    pub fn with_nul(&self) -> &[u8] {
        // SAFETY: the owned box holds `len + 1` initialised bytes (the invariant).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len + 1) }
    }
}

impl std::ops::Deref for NulBytes {
    type Target = [u8];
    #[inline(always)]
    fn deref(&self) -> &[u8] {
        // SAFETY: the owned box holds at least `len` initialised bytes (the invariant).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for NulBytes {
    fn drop(&mut self) {
        let raw = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len + 1);
        // SAFETY: reconstitutes the box leaked in `new`, exactly once.
        drop(unsafe { Box::from_raw(raw) });
    }
}
