//! Size-class free lists for the small blocks the VM allocates and frees all the time: GC
//! objects (`GcBox<T>`) and the array and hash parts of tables.
//!
//! Why: a program that builds small tables (a table per vector, per tree node) spends much of
//! its time in the general-purpose allocator, and a table grown by appending (`t[#t+1] = v`)
//! is reallocated at each power of two (PUC's array sizing, which we keep: it decides `#`
//! and `next`). Here a block of up to [`MAX_POOLED`] bytes is rounded up to one of
//! [`NCLASSES`] size classes, and a freed block goes on its class's free list, from which the
//! next allocation of that class is served with a pop (no search, no header, no locking).
//! Larger blocks go straight to the global allocator.
//!
//! Classes: multiples of 16 bytes up to 256, then four per doubling up to 4096 (320, 384,
//! 448, 512, 640, ...), so a block wastes at most a quarter of its size beyond 256 bytes. The
//! power-of-two sizes tables use most (array parts of `2^k` values, hash parts of `2^k`
//! 40-byte nodes, 1280 and 2560 bytes included) are class sizes exactly.
//!
//! Ownership: the free lists are per thread (a `thread_local`), because table parts are
//! allocated and freed inside table operations, which have no access to their `State`; a
//! `State` is single-threaded, so its blocks come from and return to its thread's lists.
//! A block is only ever a class-sized block of the global allocator, so one freed on another
//! thread (a `State` moved between threads by a host) is still valid there. Each list caches
//! at most [`CLASS_CACHE_BYTES`] bytes; what is freed beyond that goes back to the global
//! allocator at once, and [`trim`] (called when a heap is dropped) and the thread's exit
//! return the rest.
//!
//! Invariants:
//! - Every block handed out by [`alloc`] with `size` bytes is 16-byte aligned and is freed,
//!   exactly once, by [`free`] (or resized by [`realloc`]) with the same `size`: the class,
//!   and so the global allocator's layout, is a function of the size.
//! - A block on a free list is unused memory of its class's size whose first 8 bytes hold
//!   the next block of the list (or null).
//! - Accounting (`collectgarbage("count")`) is not done here: callers count logical sizes.

use std::alloc::Layout;
use std::cell::UnsafeCell;
use std::mem::{align_of, size_of};
use std::ptr::NonNull;

/// Blocks up to this size are pooled.
pub const MAX_POOLED: usize = 4096;
/// Number of size classes.
pub const NCLASSES: usize = 32;
/// Alignment of every block.
pub const ALIGN: usize = 16;
/// A class's free list holds at most this many bytes.
pub const CLASS_CACHE_BYTES: usize = 1 << 20;

/// Size in bytes of each class.
const CLASS_SIZE: [usize; NCLASSES] = {
    let mut s = [0; NCLASSES];
    let mut c = 0;
    while c < NCLASSES {
        s[c] = if c < 16 {
            (c + 1) * 16
        } else {
            let k = c - 16;
            (5 + k % 4) << (8 + k / 4 - 2)
        };
        c += 1;
    }
    s
};
const _: () = assert!(CLASS_SIZE[15] == 256 && CLASS_SIZE[16] == 320 && CLASS_SIZE[19] == 512);
const _: () = assert!(CLASS_SIZE[NCLASSES - 1] == MAX_POOLED);

/// The class of each 16-byte step of size: entry `i` is the class of sizes `16 * i + 1 ..=
/// 16 * (i + 1)` (every class boundary is a multiple of 16).
const CLASS_OF_STEP: [u8; MAX_POOLED / 16] = {
    let mut t = [0u8; MAX_POOLED / 16];
    let (mut i, mut c) = (0, 0);
    while i < t.len() {
        if 16 * (i + 1) > CLASS_SIZE[c] {
            c += 1;
        }
        t[i] = c as u8;
        i += 1;
    }
    t
};

/// The class of a block of `size` bytes, `1 <= size <= MAX_POOLED` (a table lookup: sizes
/// of both sides of 256 bytes alternate as tables grow, and a branch on them mispredicts).
#[inline(always)]
fn class_of(size: usize) -> usize {
    debug_assert!(size > 0 && size <= MAX_POOLED);
    CLASS_OF_STEP[(size - 1) >> 4] as usize
}

struct Lists {
    head: [*mut u8; NCLASSES],
    /// Blocks on each list.
    len: [u32; NCLASSES],
}

struct Pool(UnsafeCell<Lists>);

impl Drop for Pool {
    fn drop(&mut self) {
        self.0.get_mut().release_all();
    }
}

thread_local! {
    static POOL: Pool = const {
        Pool(UnsafeCell::new(Lists {
            head: [std::ptr::null_mut(); NCLASSES],
            len: [0; NCLASSES],
        }))
    };
}

#[inline(always)]
fn class_layout(c: usize) -> Layout {
    // SAFETY: class sizes are non-zero multiples of 16 far below isize::MAX; 16 is a power
    // of two.
    unsafe { Layout::from_size_align_unchecked(CLASS_SIZE[c], ALIGN) }
}

impl Lists {
    /// A free block of class `c` off its list, or null if the list is empty.
    #[inline(always)]
    fn pop(&mut self, c: usize) -> *mut u8 {
        let p = self.head[c];
        if !p.is_null() {
            // SAFETY: `p` is a free block of class `c`: its first word is the next one.
            self.head[c] = unsafe { *(p as *mut *mut u8) };
            self.len[c] -= 1;
        }
        p
    }

    /// List block `p` of class `c` as free; false (nothing done) if the list already
    /// caches its share.
    ///
    /// # Safety
    /// `p` is an unused block of class `c` (at least 16 bytes: its first word links it).
    #[inline(always)]
    unsafe fn push(&mut self, c: usize, p: *mut u8) -> bool {
        if self.len[c] as usize * CLASS_SIZE[c] >= CLASS_CACHE_BYTES {
            return false;
        }
        // SAFETY: the caller's promise.
        unsafe { *(p as *mut *mut u8) = self.head[c] };
        self.head[c] = p;
        self.len[c] += 1;
        true
    }

    fn release_all(&mut self) {
        for c in 0..NCLASSES {
            let mut p = std::mem::replace(&mut self.head[c], std::ptr::null_mut());
            self.len[c] = 0;
            while !p.is_null() {
                // SAFETY: `p` is a free block of class `c` (list invariant): its first word
                // is the next block, and it was allocated with the class layout.
                unsafe {
                    let next = *(p as *mut *mut u8);
                    std::alloc::dealloc(p, class_layout(c));
                    p = next;
                }
            }
        }
    }
}

/// Run `f` on this thread's lists; `None` if they are gone (a thread-local destructor
/// running at thread exit): the caller then uses the global allocator directly.
#[inline(always)]
fn with_lists<R>(f: impl FnOnce(&mut Lists) -> R) -> Option<R> {
    // SAFETY: the lists are only touched inside these short non-reentrant closures (no
    // allocation or callback happens while the reference lives), on their own thread.
    POOL.try_with(|p| f(unsafe { &mut *p.0.get() })).ok()
}

/// A block of `size` bytes (`size > 0`), 16-byte aligned, uninitialised; `None` if memory is
/// exhausted.
#[inline]
pub fn alloc(size: usize) -> Option<NonNull<u8>> {
    debug_assert!(size > 0);
    if size > MAX_POOLED {
        return alloc_large(size);
    }
    let c = class_of(size);
    let hit = with_lists(|l| l.pop(c));
    match hit {
        Some(p) if !p.is_null() => NonNull::new(p),
        // SAFETY: class layouts have a non-zero size.
        _ => NonNull::new(unsafe { std::alloc::alloc(class_layout(c)) }),
    }
}

#[cold]
fn alloc_large(size: usize) -> Option<NonNull<u8>> {
    let layout = Layout::from_size_align(size, ALIGN).ok()?;
    // SAFETY: the layout has a non-zero size.
    NonNull::new(unsafe { std::alloc::alloc(layout) })
}

/// Give back a block.
///
/// # Safety
/// `p` came from [`alloc`] or [`realloc`] with this `size`, and is not used after this call.
#[inline]
pub unsafe fn free(p: NonNull<u8>, size: usize) {
    if size > MAX_POOLED {
        // SAFETY: blocks of this size were allocated by `alloc_large` with this layout.
        unsafe { std::alloc::dealloc(p.as_ptr(), Layout::from_size_align_unchecked(size, ALIGN)) };
        return;
    }
    let c = class_of(size);
    // SAFETY: the block is ours now, of class `c` (its size's).
    let kept = with_lists(|l| unsafe { l.push(c, p.as_ptr()) });
    if kept != Some(true) {
        // SAFETY: a block of class `c` was allocated with the class layout.
        unsafe { std::alloc::dealloc(p.as_ptr(), class_layout(c)) };
    }
}

/// Resize a block from `old` to `new` bytes (both non-zero), keeping the first
/// `min(old, new)` bytes; `None` (the old block untouched) if memory is exhausted. A block
/// whose class does not change stays where it is.
///
/// # Safety
/// `p` came from [`alloc`] or [`realloc`] with size `old`; on success it must not be used
/// again (the result replaces it).
pub unsafe fn realloc(p: NonNull<u8>, old: usize, new: usize) -> Option<NonNull<u8>> {
    debug_assert!(old > 0 && new > 0);
    if old > MAX_POOLED && new > MAX_POOLED {
        // SAFETY: a large block has exactly this layout; the new size is non-zero.
        let q = unsafe {
            std::alloc::realloc(
                p.as_ptr(),
                Layout::from_size_align_unchecked(old, ALIGN),
                new,
            )
        };
        return NonNull::new(q);
    }
    if old <= MAX_POOLED && new <= MAX_POOLED {
        let (co, cn) = (class_of(old), class_of(new));
        if co == cn {
            return Some(p);
        }
        // (One visit to the lists: take a block of the new class, copy, keep the old one.)
        let hit = with_lists(|l| {
            let q = l.pop(cn);
            if q.is_null() {
                return (q, false);
            }
            // SAFETY: both blocks hold at least min(old, new) bytes and are distinct; then
            // `p`, of class `co`, is unused.
            unsafe {
                std::ptr::copy_nonoverlapping(p.as_ptr(), q, old.min(new));
                (q, l.push(co, p.as_ptr()))
            }
        });
        match hit {
            Some((q, kept)) if !q.is_null() => {
                if !kept {
                    // SAFETY: a block of class `co` was allocated with the class layout.
                    unsafe { std::alloc::dealloc(p.as_ptr(), class_layout(co)) };
                }
                return NonNull::new(q);
            }
            _ => {}
        }
    }
    let q = alloc(new)?;
    // SAFETY: both blocks hold at least min(old, new) bytes and are distinct; `p` is freed
    // once, with its size.
    unsafe {
        std::ptr::copy_nonoverlapping(p.as_ptr(), q.as_ptr(), old.min(new));
        free(p, old);
    }
    Some(q)
}

/// Return every cached free block of this thread to the global allocator (a heap being
/// dropped calls it, so a closed `State` leaves no cache behind).
pub fn trim() {
    with_lists(|l| l.release_all());
}

/// Memory is exhausted (or a size overflowed): nothing was allocated or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocError;

/// An owned slice of `Copy` values in a pooled block: a table's array or hash part. Its
/// (pointer, length) pair sits at fixed offsets (as a `RawSlice`'s) so compiled code can
/// load both; an empty slice owns no block and has a dangling, aligned pointer.
#[repr(C)]
pub struct PoolSlice<T: Copy> {
    ptr: NonNull<T>,
    len: usize,
}

/// Offset of the data pointer in a `PoolSlice`.
pub const POOLSLICE_PTR_OFFSET: usize = std::mem::offset_of!(PoolSlice<u64>, ptr);
/// Offset of the length (`usize`) in a `PoolSlice`.
pub const POOLSLICE_LEN_OFFSET: usize = std::mem::offset_of!(PoolSlice<u64>, len);
const _: () = assert!(POOLSLICE_PTR_OFFSET == 0 && POOLSLICE_LEN_OFFSET == 8);

impl<T: Copy> PoolSlice<T> {
    const ELEM_OK: () = assert!(size_of::<T>() > 0 && align_of::<T>() <= ALIGN);

    fn bytes(n: usize) -> Option<usize> {
        n.checked_mul(size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize)
    }

    pub const fn empty() -> PoolSlice<T> {
        PoolSlice {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    /// `n` copies of `v`; `None` if memory is exhausted.
    pub fn filled(n: usize, v: T) -> Option<PoolSlice<T>> {
        let mut s = Self::empty();
        s.resize(n, v).ok()?;
        Some(s)
    }

    /// Make the slice exactly `n` long, new elements `fill`; the first `min(len, n)` keep
    /// their values. On `Err` the slice is unchanged.
    pub fn resize(&mut self, n: usize, fill: T) -> Result<(), AllocError> {
        let old = self.len;
        let ptr = self.reblock(n)?;
        for i in old..n {
            // SAFETY: slots old..n lie inside the new block and are not initialised yet.
            unsafe { ptr.as_ptr().add(i).write(fill) };
        }
        Ok(())
    }

    /// `resize` with new elements of all-zero bytes (one `memset`).
    ///
    /// # Safety
    /// All-zero bytes are a valid `T`.
    pub unsafe fn resize_zeroed(&mut self, n: usize) -> Result<(), AllocError> {
        let old = self.len;
        let ptr = self.reblock(n)?;
        if n > old {
            // SAFETY: slots old..n lie inside the new block; zero bytes are a valid `T`
            // (the caller's promise).
            unsafe { ptr.as_ptr().add(old).write_bytes(0, n - old) };
        }
        Ok(())
    }

    /// Move the slice to a block for `n` elements (the first `min(len, n)` kept), set its
    /// length to `n` and return its pointer; elements `len..n` are uninitialised, and the
    /// caller initialises them before anything reads the slice.
    fn reblock(&mut self, n: usize) -> Result<NonNull<T>, AllocError> {
        let () = Self::ELEM_OK;
        let old = self.len;
        if n == old {
            return Ok(self.ptr);
        }
        let new_bytes = Self::bytes(n).ok_or(AllocError)?;
        let old_bytes = old * size_of::<T>();
        let ptr: NonNull<T> = if n == 0 {
            // SAFETY: the old block (old > 0) came from this module with this size.
            unsafe { free(self.ptr.cast(), old_bytes) };
            NonNull::dangling()
        } else if old == 0 {
            alloc(new_bytes).ok_or(AllocError)?.cast()
        } else {
            // SAFETY: the block came from this module with `old_bytes`; on success the old
            // pointer is replaced below and never used again.
            unsafe { realloc(self.ptr.cast(), old_bytes, new_bytes) }
                .ok_or(AllocError)?
                .cast()
        };
        self.ptr = ptr;
        self.len = n;
        Ok(ptr)
    }

    #[inline(always)]
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }

    #[inline(always)]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T: Copy> std::ops::Deref for PoolSlice<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialised values (or is dangling, aligned, with len 0).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> std::ops::DerefMut for PoolSlice<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> Drop for PoolSlice<T> {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the block came from this module with this size; dropped once.
            unsafe { free(self.ptr.cast(), self.len * size_of::<T>()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_sizes() {
        for size in 1..=MAX_POOLED {
            let c = class_of(size);
            assert!(CLASS_SIZE[c] >= size, "{size} -> {}", CLASS_SIZE[c]);
            assert!(
                c == 0 || CLASS_SIZE[c - 1] < size,
                "{size}: a smaller class fits"
            );
        }
        for k in 0..=8 {
            let s = 16usize << k;
            assert_eq!(CLASS_SIZE[class_of(s)], s, "array of 2^{k} values");
        }
        for k in 0..=6 {
            let s = 40usize << k;
            assert_eq!(
                CLASS_SIZE[class_of(s)],
                s.next_multiple_of(16),
                "hash part of 2^{k} nodes"
            );
        }
    }

    #[test]
    fn reuse_and_realloc() {
        trim();
        let a = alloc(100).unwrap();
        // SAFETY: freshly allocated blocks of the sizes used.
        unsafe {
            a.as_ptr().write_bytes(7, 100);
            free(a, 100);
            let b = alloc(112).unwrap(); // same class: the block comes back
            assert_eq!(a, b);
            let c = realloc(b, 112, 104).unwrap();
            assert_eq!(b, c, "same class stays");
            let d = realloc(c, 104, 5000).unwrap();
            assert_eq!(*d.as_ptr().add(99), 7);
            let e = realloc(d, 5000, 9000).unwrap();
            assert_eq!(*e.as_ptr().add(50), 7);
            let f = realloc(e, 9000, 16).unwrap();
            assert_eq!(*f.as_ptr().add(15), 7);
            free(f, 16);
        }
        trim();
    }
}
