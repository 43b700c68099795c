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
