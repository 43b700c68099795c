//! Lua tables: an array part and a hash part, sized the way PUC Lua 5.4 sizes them.
//!
//! A table keeps its entries in two places. Positive integer keys `1..=n` may live in the
//! *array part*, a boxed slice of `n` values where key `k` sits at index `k - 1` and an absent
//! key is a nil slot. Every other entry lives in the *hash part*, a power-of-two slice of
//! nodes (key, value, next). Which part holds a key is a pure function of the array size: an
//! integer key in `1..=array.len()` is always in the array, never in the hash part.
//!
//! The hash part is a chained scatter table with Brent's variation, the scheme PUC Lua uses:
//! every key has a *main position* (its hash reduced to a node index); colliding keys are
//! chained through the `next` index of the nodes, and every chain starts at the main position
//! of the keys on it. A new key whose main position is taken by a key *not* in its own main
//! position evicts that intruder to a free node, so a key found at its main position always
//! heads its chain. Free nodes are handed out by `lastfree`, a cursor that only walks
//! downwards; when it reaches the bottom the table is *rehashed*: all integer keys are counted
//! in power-of-two slices and the array part becomes the largest `n` (a power of two) such that
//! more than `n/2` of the keys `1..=n` are present; everything else goes to a new hash part
//! big enough for the rest. Keys migrate between the parts only during a rehash or an
//! explicit [`Table::resize`].
//!
//! Deleting never unlinks: assigning nil leaves the key in its node with a nil value (a "dead"
//! key). Dead keys keep chains and `next` traversals intact, so a program may clear fields while
//! it iterates, and `next` still accepts the key it just cleared. A dead node is reused only when
//! it is the main position of a newly inserted key (its chain link is kept) and is dropped at
//! the next rehash. The collector marks dead keys too, so a key compared during traversal is
//! never a dangling pointer (weak tables will have to revisit this in `trace`).
//!
//! Integer keys hash as `k mod (size - 1 | 1)` and floats as PUC's `l_hashfloat`, and the
//! insertion algorithm follows PUC's, so the `next` order of integer and float keys matches
//! PUC 5.4 when the same operations are applied. Strings use their cached hash masked to the
//! size; pointers are mixed multiplicatively.
//!
//! `limit` mirrors PUC's `alimit`, a hint for `#`: it is either the array size or, when the
//! array size is a power of two, a smaller non-power-of-two that the last `#` found to be a
//! border. Integer accesses between `limit` and the array size move it up, as PUC does, so `#`
//! on tables with holes returns the same border PUC would. Invariants of `Parts`:
//! `limit <= array.len()`; `limit < array.len()` only if `array.len()` is a power of two and
//! `limit > array.len() / 2`; `node.len()` is 0 or a power of two below 2^32; `lastfree <=
//! node.len()` and every node at or above `lastfree` is in use or was once; `next` is an
//! absolute node index or `NO_NEXT`.
//!
//! Interior mutability: a `Table` is shared through `Gc` pointers, so its parts sit in an
//! `UnsafeCell`. Every method takes its one reference to the parts at the start and drops it
//! before returning; nothing here calls out (no metamethods, no allocation of GC objects), so
//! no two references to the parts ever overlap. The parts are stored as raw (pointer, length)
//! pairs at fixed offsets (`TABLE_*_OFFSET`, `NODE_*`) so compiled code can read them directly.

use crate::gc::{Gc, GcObject, Kind, Marker, Trace};
use crate::number::float_to_int_exact;
use crate::object::LuaStr;
use crate::pool::{PoolSlice, POOLSLICE_LEN_OFFSET, POOLSLICE_PTR_OFFSET};
use crate::value::Value;
use std::cell::{Cell, UnsafeCell};
use std::mem::{offset_of, size_of};
use std::ptr::NonNull;

/// Why a raw set failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// "index is nil"
    Nil,
    /// "index is NaN"
    NaN,
    /// The table had to grow and the allocation failed ("not enough memory"); the table is
    /// as it was (only [`Table::try_set`] reports it).
    NoMemory,
}

/// A table could not grow: its new parts could not be allocated. Nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NoMemory;

/// An allocation the infallible entry points cannot report failed: abort as the allocator
/// does (they are used by library code that has no error path; Lua assignments go through
/// [`Table::try_set`]).
#[cold]
fn out_of_memory() -> ! {
    std::alloc::handle_alloc_error(std::alloc::Layout::new::<Node>())
}

/// One slot of the hash part. A nil key means never used; a nil value with a non-nil key is a
/// dead entry (see the module comment).
#[derive(Clone, Copy)]
#[repr(C)]
struct Node {
    val: Value,
    key: Value,
    /// Absolute index of the next node on this collision chain, or `NO_NEXT`.
    next: u32,
}

/// Layout of a hash node, for the JIT.
pub const NODE_VAL_OFFSET: usize = offset_of!(Node, val);
pub const NODE_KEY_OFFSET: usize = offset_of!(Node, key);
pub const NODE_NEXT_OFFSET: usize = offset_of!(Node, next);
pub const NODE_SIZE: usize = size_of::<Node>();
const _: () = assert!(NODE_SIZE == 40 && NODE_VAL_OFFSET == 0 && NODE_KEY_OFFSET == 16);

/// End of a chain. Larger than any node index, so `node.get(NO_NEXT)` is `None`.
const NO_NEXT: u32 = u32::MAX;
const FREE: Node = Node {
    val: Value::Nil,
    key: Value::Nil,
    next: NO_NEXT,
};
/// The bit of `Table::flags` that caches "no `__newindex` in this metatable".
const NEWINDEX_ABSENT: u32 = 1 << crate::tm::Tm::NewIndex as u32;
/// Integer keys `1..=2^MAX_ABITS` are candidates for the array part (PUC's MAXABITS).
const MAX_ABITS: usize = 31;

#[repr(C)]
struct Parts {
    array: PoolSlice<Value>,
    /// PUC's `alimit`; see the module comment.
    limit: usize,
    node: PoolSlice<Node>,
    /// Every node at index >= lastfree has been handed out.
    lastfree: usize,
}

#[repr(C)]
pub struct Table {
    parts: UnsafeCell<Parts>,
    meta: Cell<Option<Gc<Table>>>,
    /// Cache of absent metamethods: bit `i` set means metamethod `i` (see `tm::TM`) is known
    /// to be absent from this table when it is used as a metatable. Cleared on every store of
    /// a string key (a store to a key that is present with a non-nil value, as `replace_str`
    /// does, keeps it). [`Table::fast_set_int`]/[`Table::fast_set_str`] read the `__newindex`
    /// bit of their table's metatable.
    pub flags: Cell<u32>,
    /// Write barrier: non-null while the table is black (see gc/mod.rs).
    barrier: Cell<*const crate::gc::BarrierLog>,
}

/// Layout of a table object for the JIT: the array part's data pointer and size (`usize`),
/// the hash part's node pointer and node count (`usize`, 0 or a power of two), the metatable
/// (a nullable pointer) and the absent-metamethod flags (`u32`).
pub const TABLE_ARRAY_PTR_OFFSET: usize =
    offset_of!(Table, parts) + offset_of!(Parts, array) + POOLSLICE_PTR_OFFSET;
pub const TABLE_ARRAY_LEN_OFFSET: usize =
    offset_of!(Table, parts) + offset_of!(Parts, array) + POOLSLICE_LEN_OFFSET;
pub const TABLE_NODE_PTR_OFFSET: usize =
    offset_of!(Table, parts) + offset_of!(Parts, node) + POOLSLICE_PTR_OFFSET;
pub const TABLE_NODE_LEN_OFFSET: usize =
    offset_of!(Table, parts) + offset_of!(Parts, node) + POOLSLICE_LEN_OFFSET;
pub const TABLE_LIMIT_OFFSET: usize = offset_of!(Table, parts) + offset_of!(Parts, limit);
pub const TABLE_META_OFFSET: usize = offset_of!(Table, meta);
pub const TABLE_BARRIER_OFFSET: usize = offset_of!(Table, barrier);
pub const TABLE_FLAGS_OFFSET: usize = offset_of!(Table, flags);
const _: () = assert!(size_of::<Option<Gc<Table>>>() == 8 && size_of::<PoolSlice<Value>>() == 16);

// ---------------------------------------------------------------------------------------------
// Hashing

/// PUC's `hashmod`: an odd divisor spreads integer keys whose low bits repeat. With `len == 0`
/// the result is out of range, which lookups treat as "absent" (and no division runs: a
/// table with no hash part is common, and a 64-bit division is slow).
#[inline(always)]
fn mod_pos(h: u64, len: usize) -> usize {
    if len == 0 {
        return usize::MAX;
    }
    (h % ((len - 1) | 1) as u64) as usize
}

#[inline(always)]
fn mask_pos(h: usize, len: usize) -> usize {
    h & len.wrapping_sub(1)
}

fn mix_addr(a: usize) -> usize {
    let h = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h ^ (h >> 32)) as usize
}

/// C's `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1` (zero, inf and NaN come back unchanged).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        let (m, e) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000)); // * 2^64
        return (m, e - 64);
    }
    (
        f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52)),
        exp - 1022,
    )
}

/// PUC's `l_hashfloat`, so float keys land where they land in PUC.
fn float_hash(f: f64) -> u64 {
    let (m, e) = frexp(f);
    let n = m * 2147483648.0;
    if !(-9223372036854775808.0..9223372036854775808.0).contains(&n) {
        return 0; // inf or NaN
    }
    let u = (e as u32).wrapping_add(n as i64 as u32);
    (if u <= i32::MAX as u32 { u } else { !u }) as u64
}

/// Node index where a (normalised, non-nil) key starts its search.
#[inline]
fn main_pos(len: usize, k: &Value) -> usize {
    match *k {
        Value::Int(i) => mod_pos(i as u64, len),
        Value::Float(f) => mod_pos(float_hash(f), len),
        Value::Str(s) => mask_pos(s.hash() as usize, len),
        Value::Bool(b) => mask_pos(b as usize, len),
        _ => mask_pos(mix_addr(k.ptr_addr().unwrap_or(0)), len),
    }
}

/// A hash part of `n` nodes rounded up to a power of two, all free.
#[inline]
fn alloc_nodes(n: usize) -> Result<PoolSlice<Node>, NoMemory> {
    if n == 0 {
        return Ok(PoolSlice::empty());
    }
    let n = n.checked_next_power_of_two().ok_or(NoMemory)?;
    PoolSlice::filled(n, FREE).ok_or(NoMemory)
}

/// `ceil(log2(x))` for `x >= 1`.
fn ceil_log2(x: u64) -> usize {
    (64 - (x - 1).leading_zeros()) as usize
}

/// Count `k` in `nums` if it is a candidate array index; returns 1 if so.
fn count_int(k: i64, nums: &mut [usize; MAX_ABITS + 1]) -> usize {
    if (k as u64).wrapping_sub(1) < 1 << MAX_ABITS {
        nums[ceil_log2(k as u64)] += 1;
        1
    } else {
        0
    }
}

/// Number of non-nil values in `s`.
#[inline]
fn count_present(s: &[Value]) -> usize {
    let mut n = 0;
    let mut quads = s.chunks_exact(4);
    for q in &mut quads {
        n += usize::from(!q[0].is_nil())
            + usize::from(!q[1].is_nil())
            + usize::from(!q[2].is_nil())
            + usize::from(!q[3].is_nil());
    }
    for v in quads.remainder() {
        n += usize::from(!v.is_nil());
    }
    n
}

/// Is every value of `s` non-nil? (Four at a time: this scan is the census of an append.)
#[inline]
fn all_present(s: &[Value]) -> bool {
    let mut quads = s.chunks_exact(4);
    for q in &mut quads {
        if q[0].is_nil() | q[1].is_nil() | q[2].is_nil() | q[3].is_nil() {
            return false;
        }
    }
    quads.remainder().iter().all(|v| !v.is_nil())
}

/// PUC's `computesizes`: the largest power of two `n` such that more than `n/2` of `1..=n` are
/// present, given `nums[i]` = number of keys in `(2^(i-1), 2^i]` and `na` candidates in all.
/// Returns `(n, keys that go to the array part)`.
fn compute_sizes(nums: &[usize; MAX_ABITS + 1], na: usize) -> (usize, usize) {
    let (mut a, mut in_array, mut optimal) = (0, 0, 0);
    let mut twotoi = 1usize;
    for &n in nums {
        if na <= twotoi / 2 {
            break;
        }
        a += n;
        if a > twotoi / 2 {
            optimal = twotoi;
            in_array = a;
        }
        twotoi *= 2;
    }
    (optimal, in_array)
}

/// A border in `array[..j]` knowing `i == 0 || array[i-1]` is present and `array[j-1]` is not.
fn binsearch(array: &[Value], mut i: usize, mut j: usize) -> usize {
    while j - i > 1 {
        let m = (i + j) / 2;
        if array[m - 1].is_nil() {
            j = m;
        } else {
            i = m;
        }
    }
    i
}

// ---------------------------------------------------------------------------------------------
// The two parts

impl Parts {
    fn bytes(&self) -> usize {
        self.array.len() * size_of::<Value>() + self.node.len() * NODE_SIZE
    }

    /// First node on the chain starting at `i` whose key satisfies `eq` (live or dead).
    /// An out-of-range `i` (empty hash part, `NO_NEXT`) ends the walk.
    /// Walk the collision chain from node `i`; the index of the first node whose key
    /// satisfies `eq`. A returned index is always `< node.len()` (`val` relies on it).
    #[inline(always)]
    fn chain(&self, mut i: usize, eq: impl Fn(&Value) -> bool) -> Option<usize> {
        while let Some(n) = self.node.get(i) {
            if eq(&n.key) {
                return Some(i);
            }
            i = n.next as usize;
        }
        None
    }

    #[inline]
    fn find_from(&self, mp: usize, key: &Value) -> Option<usize> {
        self.chain(mp, |k| k.raw_eq(key))
    }

    #[inline]
    fn find_int(&self, mp: usize, k: i64) -> Option<usize> {
        self.chain(mp, |key| matches!(*key, Value::Int(j) if j == k))
    }

    #[inline]
    fn find_str(&self, s: Gc<LuaStr>) -> Option<usize> {
        let mp = mask_pos(s.hash() as usize, self.node.len());
        if s.is_short() {
            self.chain(mp, |k| matches!(*k, Value::Str(ks) if ks.ptr_eq(s)))
        } else {
            self.chain(
                mp,
                |k| matches!(*k, Value::Str(ks) if ks.ptr_eq(s) || ks.content_eq(&s)),
            )
        }
    }

    /// The value in node `i` (a result of `chain`), nil for `None`.
    #[inline(always)]
    fn val(&self, i: Option<usize>) -> Value {
        match i {
            // SAFETY: indices come from `chain`, so i < node.len(); values are read field
            // by field (see `Value::load`).
            Some(i) => unsafe { Value::load(&(*self.node.as_ptr().add(i)).val) },
            None => Value::Nil,
        }
    }

    /// Value of integer key `k`, wherever it lives; no `limit` update.
    fn lookup_int(&self, k: i64) -> Value {
        let idx = (k as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            return self.array[idx as usize];
        }
        self.val(self.find_int(mod_pos(k as u64, self.node.len()), k))
    }

    fn free_pos(&mut self) -> Option<usize> {
        while self.lastfree > 0 {
            self.lastfree -= 1;
            if self.node[self.lastfree].key.is_nil() {
                return Some(self.lastfree);
            }
        }
        None
    }

    /// Insert a key known to be absent from both parts and outside the array range; `mp` is
    /// its main position for the current node size. `val` is not nil. May rehash (which
    /// fails, changing nothing, when the new parts cannot be allocated).
    fn insert_new(&mut self, key: Value, val: Value, mp: usize) -> Result<(), NoMemory> {
        self.insert_new_at(key, val, mp).map(|_| ())
    }

    /// `insert_new`, telling which node the key went to (None: the table was rehashed
    /// first, and the key may be anywhere, in the array part too).
    fn insert_new_at(
        &mut self,
        key: Value,
        val: Value,
        mut mp: usize,
    ) -> Result<Option<usize>, NoMemory> {
        let len = self.node.len();
        if len == 0 {
            return self.grow_and_set(key, val).map(|_| None);
        }
        if !self.node[mp].val.is_nil() {
            let Some(f) = self.free_pos() else {
                return self.grow_and_set(key, val).map(|_| None);
            };
            let other = main_pos(len, &self.node[mp].key);
            if other != mp {
                // The occupant is an intruder from another chain: move it to the free node
                // and give the new key its main position.
                let mut prev = other;
                while self.node[prev].next as usize != mp {
                    prev = self.node[prev].next as usize;
                }
                self.node[prev].next = f as u32;
                self.node[f] = self.node[mp];
                self.node[mp].next = NO_NEXT;
            } else {
                // The occupant owns this chain: the new key goes to the free node, second.
                self.node[f].next = self.node[mp].next;
                self.node[mp].next = f as u32;
                mp = f;
            }
        }
        let n = &mut self.node[mp];
        n.key = key;
        n.val = val;
        Ok(Some(mp))
    }

    /// Store a key known to be absent from the table (normalised; `val` not nil).
    #[inline]
    fn set_absent(&mut self, key: Value, val: Value) -> Result<(), NoMemory> {
        if let Value::Int(k) = key {
            let idx = (k as u64).wrapping_sub(1);
            if idx < self.array.len() as u64 {
                self.array[idx as usize] = val;
                return Ok(());
            }
        }
        let mp = main_pos(self.node.len(), &key);
        self.insert_new(key, val, mp)
    }

    #[inline(never)] // the rare path: keeps `insert_new_at` small
    fn grow_and_set(&mut self, key: Value, val: Value) -> Result<(), NoMemory> {
        if let Value::Int(k) = key {
            if self.append(k)? {
                // SAFETY: `append` made slot `k - 1` part of the array.
                unsafe { *self.array.as_mut_ptr().add(k as usize - 1) = val };
                return Ok(());
            }
        }
        self.rehash(&key)?;
        self.set_absent(key, val)
    }

    /// Make room for integer key `k`, absent, if it appends to a full array part and there
    /// is no hash part (`Ok(false)`: it does not; the caller rehashes). PUC's census would
    /// then find the keys `1..=n+1` and nothing else, and `computesizes` picks the array
    /// size `next_power_of_two(n + 1)` (more than half of it is used at each power of two up
    /// to there, and no more candidates beyond) and no hash part: only the array grows,
    /// nothing moves. Slot `k` is nil until the caller stores there.
    #[inline(always)]
    fn append(&mut self, k: i64) -> Result<bool, NoMemory> {
        let n = self.array.len();
        if !(self.node.is_empty()
            && k as u64 == n as u64 + 1
            && n < 1 << MAX_ABITS
            && all_present(&self.array))
        {
            return Ok(false);
        }
        let new = (n + 1).next_power_of_two();
        self.realloc_array(new)?;
        self.limit = new;
        crate::gc::note_alloc(((new - n) * size_of::<Value>()) as isize);
        Ok(true)
    }

    /// Count the present keys of the array part into `nums` (PUC's `numusearray`): slice
    /// `lg` of `nums` counts keys `(2^(lg-1), 2^lg]`, array indices `2^(lg-1)..2^lg` (just
    /// index 0 for `lg == 0`). One pass over the array, slice by slice.
    fn count_array(&self, nums: &mut [usize; MAX_ABITS + 1]) -> usize {
        let array: &[Value] = &self.array;
        let (mut total, mut lo) = (0, 0);
        for (lg, slot) in nums.iter_mut().enumerate() {
            if lo >= array.len() {
                break;
            }
            let hi = (1usize << lg).min(array.len());
            let lc = count_present(&array[lo..hi]);
            *slot += lc;
            total += lc;
            lo = hi;
        }
        total
    }

    /// Resize both parts for the live keys plus `extra`, which is about to be inserted
    /// (PUC's `rehash`: `numusearray`, `numusehash`, `countint`, `computesizes`, each done
    /// once).
    fn rehash(&mut self, extra: &Value) -> Result<(), NoMemory> {
        let mut nums = [0usize; MAX_ABITS + 1];
        let mut na = self.count_array(&mut nums);
        // Live entries of the hash part, and the integer keys among them.
        let mut total = na;
        for n in self.node.iter() {
            if n.val.is_nil() {
                continue;
            }
            total += 1;
            if let Value::Int(k) = n.key {
                na += count_int(k, &mut nums);
            }
        }
        if let Value::Int(k) = *extra {
            na += count_int(k, &mut nums);
        }
        total += 1;
        let (asize, in_array) = compute_sizes(&nums, na);
        self.resize(asize, total - in_array)
    }

    /// Give the array part exactly `new_asize` slots and the hash part room for `nhash` keys,
    /// moving entries between the parts (PUC's `luaH_resize`, same reinsertion order: the
    /// array slots that vanish, then the old nodes in node order). Allocation comes first:
    /// if it fails, the table is unchanged. (`nhash` may be too small for the entries when a
    /// caller of [`Table::resize`] asks for it: a reinsertion then rehashes, with the array
    /// already at its new size, as in PUC.)
    fn resize(&mut self, new_asize: usize, nhash: usize) -> Result<(), NoMemory> {
        let old_bytes = self.bytes();
        let old_asize = self.array.len();
        if nhash == 0 && self.node.is_empty() && new_asize >= old_asize {
            // Only the array grows (SETLIST's `resize_array` on a table without a hash
            // part): no entry moves between the parts.
            self.realloc_array(new_asize)?;
            self.limit = new_asize;
            crate::gc::note_alloc(self.bytes() as isize - old_bytes as isize);
            return Ok(());
        }
        let new_node = alloc_nodes(nhash)?;
        // Only a shrinking array needs a copy of the slots that vanish.
        let mut vanishing = Vec::new();
        if new_asize > old_asize {
            self.realloc_array(new_asize)?;
        } else if new_asize < old_asize {
            vanishing.extend_from_slice(&self.array[new_asize..]);
            if self.realloc_array(new_asize).is_err() {
                out_of_memory();
            }
        }
        let old_node = std::mem::replace(&mut self.node, new_node);
        self.lastfree = self.node.len();
        self.limit = new_asize;
        crate::gc::note_alloc(self.bytes() as isize - old_bytes as isize);
        // The new sizes were computed to hold every entry: reinsertion never grows again.
        let reinsert = |t: &mut Self, k: Value, v: Value| {
            if t.set_absent(k, v).is_err() {
                out_of_memory();
            }
        };
        for (i, v) in vanishing.into_iter().enumerate() {
            if !v.is_nil() {
                reinsert(self, Value::Int((new_asize + i) as i64 + 1), v);
            }
        }
        for n in old_node.iter() {
            if !n.val.is_nil() {
                reinsert(self, n.key, n.val);
            }
        }
        Ok(())
    }

    /// Resize the array part to exactly `n` slots (new ones nil), in place when its size
    /// class allows. `Err`: it could not grow and is unchanged.
    fn realloc_array(&mut self, n: usize) -> Result<(), NoMemory> {
        // SAFETY: all-zero bytes are `Value::Nil` (tag 0; see the test
        // `zero_bytes_are_nil`).
        unsafe { self.array.resize_zeroed(n) }.map_err(|_| NoMemory)
    }

    /// PUC's `hash_search`: `t[j]` is present (or `j == 0` and `t[1]` is); find a border
    /// above `j` by doubling, then bisecting.
    fn hash_search(&self, mut j: u64) -> u64 {
        const MAX: u64 = i64::MAX as u64;
        if j == 0 {
            j = 1;
        }
        let mut i;
        loop {
            i = j;
            if j <= MAX / 2 {
                j *= 2;
            } else {
                j = MAX;
                if self.lookup_int(j as i64).is_nil() {
                    break;
                }
                return j;
            }
            if self.lookup_int(j as i64).is_nil() {
                break;
            }
        }
        while j - i > 1 {
            let m = i + (j - i) / 2;
            if self.lookup_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }
}

/// Float keys with an integral value become integers; `None` for NaN.
#[inline]
fn normalise(k: &Value) -> Option<Value> {
    match *k {
        Value::Float(f) => match float_to_int_exact(f) {
            Some(i) => Some(Value::Int(i)),
            None if f.is_nan() => None,
            None => Some(*k),
        },
        _ => Some(*k),
    }
}

impl Table {
    /// A table with room for `narr` array entries and `nhash` other entries.
    /// Its initial size is counted by `Heap::alloc` through `size_hint`; later resizes report
    /// their difference with `gc::note_alloc`.
    pub fn new(narr: usize, nhash: usize) -> Table {
        let node = alloc_nodes(nhash).unwrap_or_else(|_| out_of_memory());
        Table {
            parts: UnsafeCell::new(Parts {
                array: PoolSlice::filled(narr, Value::Nil).unwrap_or_else(|| out_of_memory()),
                limit: narr,
                lastfree: node.len(),
                node,
            }),
            meta: Cell::new(None),
            flags: Cell::new(0),
            barrier: Cell::new(std::ptr::null()),
        }
    }

    #[inline(always)]
    fn parts(&self) -> &Parts {
        // SAFETY: single-threaded (`Table` is !Sync); per the module comment no `&mut Parts`
        // is alive while any method runs its body, and this reference dies with the method.
        unsafe { &*self.parts.get() }
    }

    #[inline(always)]
    #[allow(clippy::mut_from_ref)] // reason: interior mutability; see the module comment
    fn parts_mut(&self) -> &mut Parts {
        // SAFETY: as in `parts`; callers take exactly one reference per method call.
        unsafe { &mut *self.parts.get() }
    }

    /// Raw get (`rawget`). Nil for absent keys, nil and NaN keys.
    #[inline(always)]
    pub fn get(&self, k: &Value) -> Value {
        match *k {
            Value::Nil => Value::Nil,
            Value::Int(i) => self.get_int(i),
            Value::Str(s) => self.get_str(s),
            Value::Float(f) => match float_to_int_exact(f) {
                Some(i) => self.get_int(i),
                None => self.get_generic(k),
            },
            _ => self.get_generic(k),
        }
    }

    fn get_generic(&self, k: &Value) -> Value {
        let p = self.parts();
        p.val(p.find_from(main_pos(p.node.len(), k), k))
    }

    #[inline(always)]
    pub fn get_int(&self, k: i64) -> Value {
        let p = self.parts();
        let idx = (k as u64).wrapping_sub(1);
        if idx < p.limit as u64 {
            // SAFETY: idx < limit <= array.len() (Parts invariant); field-wise read.
            return unsafe { Value::load(p.array.as_ptr().add(idx as usize)) };
        }
        self.get_int_slow(k)
    }

    fn get_int_slow(&self, k: i64) -> Value {
        let p = self.parts_mut();
        let idx = (k as u64).wrapping_sub(1);
        if idx < p.array.len() as u64 {
            p.limit = k as usize; // as PUC's luaH_getint: '#t' is probably here now
            return p.array[idx as usize];
        }
        p.val(p.find_int(mod_pos(k as u64, p.node.len()), k))
    }

    #[inline(always)]
    pub fn get_str(&self, k: Gc<LuaStr>) -> Value {
        let p = self.parts();
        p.val(p.find_str(k))
    }

    /// Lookup of an interned short string key by address only (no content comparison).
    /// `k` must be a short string: a long string key is never found.
    #[inline]
    pub fn get_short_str(&self, k: Gc<LuaStr>) -> Value {
        let p = self.parts();
        let mp = mask_pos(k.hash() as usize, p.node.len());
        p.val(p.chain(mp, |key| matches!(*key, Value::Str(s) if s.ptr_eq(k))))
    }

    /// Raw set (`rawset`). Assigning nil leaves a dead entry: a key being traversed by `next`
    /// stays valid. May rehash, which moves the array part (see [`Table::array_ptr`]); if
    /// the table cannot grow, the process aborts (see [`Table::try_set`]).
    pub fn set(&self, k: Value, v: Value) -> Result<(), KeyError> {
        match self.try_set(k, v) {
            Err(KeyError::NoMemory) => out_of_memory(),
            r => r,
        }
    }

    /// `set`, reporting a table that cannot grow as [`KeyError::NoMemory`] (the table is
    /// then unchanged): Lua assignments raise "not enough memory", as PUC's.
    pub fn try_set(&self, k: Value, v: Value) -> Result<(), KeyError> {
        crate::gc::write_barrier(self);
        let k = match k {
            Value::Nil => return Err(KeyError::Nil),
            Value::Str(s) => return self.try_set_str(s, v).map_err(|_| KeyError::NoMemory),
            _ => normalise(&k).ok_or(KeyError::NaN)?,
        };
        if let Value::Int(i) = k {
            return self.try_set_int(i, v).map_err(|_| KeyError::NoMemory);
        }
        let p = self.parts_mut();
        let mp = main_pos(p.node.len(), &k);
        match p.find_from(mp, &k) {
            Some(i) => p.node[i].val = v,
            None if v.is_nil() => {}
            None => p.insert_new(k, v, mp).map_err(|_| KeyError::NoMemory)?,
        }
        Ok(())
    }

    #[inline(always)]
    pub fn set_int(&self, k: i64, v: Value) {
        if self.try_set_int(k, v).is_err() {
            out_of_memory();
        }
    }

    #[inline(always)]
    fn try_set_int(&self, k: i64, v: Value) -> Result<(), NoMemory> {
        crate::gc::write_barrier(self);
        let p = self.parts_mut();
        let idx = (k as u64).wrapping_sub(1);
        if idx < p.limit as u64 {
            // SAFETY: idx < limit <= array.len() (Parts invariant); field-wise write.
            unsafe { Value::store(p.array.as_mut_ptr().add(idx as usize), v) };
            return Ok(());
        }
        if idx < p.array.len() as u64 {
            p.limit = k as usize;
            p.array[idx as usize] = v;
            return Ok(());
        }
        let mp = mod_pos(k as u64, p.node.len());
        match p.find_int(mp, k) {
            Some(i) => p.node[i].val = v,
            None if v.is_nil() => {}
            None => p.insert_new(Value::Int(k), v, mp)?,
        }
        Ok(())
    }

    #[inline]
    pub fn set_str(&self, k: Gc<LuaStr>, v: Value) {
        if self.try_set_str(k, v).is_err() {
            out_of_memory();
        }
    }

    #[inline]
    fn try_set_str(&self, k: Gc<LuaStr>, v: Value) -> Result<(), NoMemory> {
        let found = self.parts().find_str(k);
        self.set_str_found(k, v, found)
    }

    /// The rest of `try_set_str` once string key `k` has been looked up: `found` is its node
    /// (`find_str`'s answer, the table unchanged since).
    #[inline(never)]
    fn set_str_found(&self, k: Gc<LuaStr>, v: Value, found: Option<usize>) -> Result<(), NoMemory> {
        crate::gc::write_barrier(self);
        self.flags.set(0);
        let p = self.parts_mut();
        match found {
            Some(i) => p.node[i].val = v,
            None if v.is_nil() => {}
            None => {
                let mp = mask_pos(k.hash() as usize, p.node.len());
                p.insert_new(Value::Str(k), v, mp)?
            }
        }
        Ok(())
    }

    /// Assign `v` to string key `k` only if `k` is present with a non-nil value (returns
    /// whether it did). Such an assignment never involves `__newindex` (PUC's fast set), so
    /// the interpreter uses it on tables with a metatable. Metamethod-absence flags stay
    /// valid: the key was present before.
    #[inline(always)]
    pub fn replace_str(&self, k: Gc<LuaStr>, v: Value) -> bool {
        let p = self.parts_mut();
        match p.find_str(k) {
            Some(i) if !p.val(Some(i)).is_nil() => {
                crate::gc::write_barrier(self);
                p.node[i].val = v;
                true
            }
            _ => false,
        }
    }

    /// True when a store into this table certainly involves no `__newindex`: it has no
    /// metatable, or its metatable's absent-metamethod cache (`flags`, see `tm.rs`) says the
    /// metatable has no `__newindex` field. False is only "not known": the cache may not be
    /// filled yet (the slow path fills it).
    #[inline(always)]
    fn no_newindex(&self) -> bool {
        match self.metatable() {
            None => true,
            Some(mt) => mt.flags.get() & NEWINDEX_ABSENT != 0,
        }
    }

    /// `t[k] = v` when it certainly involves no `__newindex`: done (true) when `k` is present
    /// (overwritten in place, the commonest store), or on a table without a metatable or
    /// whose metatable is known to have no `__newindex` (PUC's luaV_finishset then does a raw
    /// set too); false: the caller takes the metamethod path. False also when the table
    /// could not grow (the caller's slow path raises "not enough memory").
    #[inline(always)]
    pub fn fast_set_str(&self, k: Gc<LuaStr>, v: Value) -> bool {
        // As `replace_str`, keeping the lookup for the raw set that may follow.
        let found = {
            let p = self.parts_mut();
            let found = p.find_str(k);
            if let Some(i) = found {
                if !p.val(found).is_nil() {
                    crate::gc::write_barrier(self);
                    p.node[i].val = v;
                    return true;
                }
            }
            found
        };
        self.no_newindex() && self.set_str_found(k, v, found).is_ok()
    }

    /// As [`Table::fast_set_str`], for integer key `k`.
    #[inline(always)]
    pub fn fast_set_int(&self, k: i64, v: Value) -> bool {
        if self.no_newindex() {
            self.try_set_int(k, v).is_ok()
        } else {
            self.replace_int(k, v)
        }
    }

    /// As [`Table::replace_str`], for integer key `k`.
    #[inline]
    pub fn replace_int(&self, k: i64, v: Value) -> bool {
        let p = self.parts_mut();
        let idx = (k as u64).wrapping_sub(1);
        if idx < p.array.len() as u64 {
            let slot = &mut p.array[idx as usize];
            if slot.is_nil() {
                return false;
            }
            crate::gc::write_barrier(self);
            *slot = v;
            return true;
        }
        match p.find_int(mod_pos(k as u64, p.node.len()), k) {
            Some(i) if !p.val(Some(i)).is_nil() => {
                crate::gc::write_barrier(self);
                p.node[i].val = v;
                true
            }
            _ => false,
        }
    }

    /// A border of the table (Lua's `#` without metamethods), chosen as PUC 5.4's `luaH_getn`
    /// chooses it. Updates the `limit` hint.
    #[allow(clippy::len_without_is_empty)] // reason: a border, not a count; `next` tells emptiness
    pub fn len(&self) -> i64 {
        let p = self.parts_mut();
        let asize = p.array.len();
        let mut limit = p.limit;
        if limit > 0 && p.array[limit - 1].is_nil() {
            // A border lies below `limit`.
            if limit >= 2 && !p.array[limit - 2].is_nil() {
                if asize.is_power_of_two() && !(limit - 1).is_power_of_two() {
                    p.limit = limit - 1;
                }
                return (limit - 1) as i64;
            }
            let border = binsearch(&p.array, 0, limit);
            if asize.is_power_of_two() && border > asize / 2 {
                p.limit = border;
            }
            return border as i64;
        }
        if limit != asize {
            // t[limit] is present; look between limit and the real size.
            if p.array[limit].is_nil() {
                return limit as i64;
            }
            limit = asize;
            if p.array[limit - 1].is_nil() {
                let border = binsearch(&p.array, p.limit, limit);
                p.limit = border;
                return border as i64;
            }
            p.limit = limit;
        }
        // The array part is full (or empty): continue into the hash part.
        if p.node.is_empty() || p.lookup_int(limit as i64 + 1).is_nil() {
            return limit as i64;
        }
        p.hash_search(limit as u64) as i64
    }

    /// The entry after `k` in traversal order (`k` nil: the first): the array part in index
    /// order, then the hash part in node order. `Err(())` if `k` is not a key of the table
    /// ("invalid key to 'next'"); a key whose value was set to nil since is still a key.
    #[allow(clippy::result_unit_err)] // reason: the caller words the error
    pub fn next(&self, k: &Value) -> Result<Option<(Value, Value)>, ()> {
        let p = self.parts();
        let asize = p.array.len();
        let mut i = if k.is_nil() {
            0
        } else {
            match *k {
                Value::Int(n) if (n as u64).wrapping_sub(1) < asize as u64 => n as usize,
                // As in PUC, a float is not the integer key it equals (keys never are floats
                // with integral values), and NaN is never a key.
                Value::Float(f) if f.is_nan() || float_to_int_exact(f).is_some() => return Err(()),
                _ => match p.find_from(main_pos(p.node.len(), k), k) {
                    Some(ni) => asize + ni + 1,
                    None => return Err(()),
                },
            }
        };
        while let Some(v) = p.array.get(i) {
            i += 1;
            if !v.is_nil() {
                return Ok(Some((Value::Int(i as i64), *v)));
            }
        }
        let rest = p.node.get(i - asize..).unwrap_or(&[]);
        Ok(rest
            .iter()
            .find(|n| !n.val.is_nil())
            .map(|n| (n.key, n.val)))
    }

    /// Resize both parts (PUC's `luaH_resize`): exactly `narr` array slots, and a hash part of
    /// the next power of two of `nhash` nodes. Entries move to wherever they now belong.
    pub fn resize(&self, narr: usize, nhash: usize) {
        if self.parts_mut().resize(narr, nhash).is_err() {
            out_of_memory();
        }
    }

    /// Set the array part to exactly `narr` slots, keeping the hash part's size (PUC's
    /// `luaH_resizearray`). SETLIST calls this when the list does not fit, so that `{f()}`
    /// gets the array size PUC gives it.
    pub fn resize_array(&self, narr: usize) {
        let p = self.parts_mut();
        let nhash = p.node.len();
        if p.resize(narr, nhash).is_err() {
            out_of_memory();
        }
    }

    /// Number of slots in the array part (integer keys `1..=array_len()` live there).
    #[inline]
    pub fn array_len(&self) -> usize {
        self.parts().array.len()
    }

    /// Number of nodes in the hash part (0 or a power of two).
    pub fn hash_len(&self) -> usize {
        self.parts().node.len()
    }

    /// The array part, `array_len()` contiguous values (dangling but aligned when empty).
    /// The pointer stays valid, and the array size fixed, until the next call that may resize:
    /// a store of a *new* key with a non-nil value (`set*` on an absent key; it may rehash),
    /// `resize` or `resize_array`. Reads, `len`, `next`, and stores to existing keys (including
    /// nil stores) never move it. Writing through it is allowed for indices below
    /// `array_len()` (the table is single-threaded), but it bypasses the `limit` hint that
    /// `len` uses, so `#` on a table with holes may then pick a different border than PUC.
    #[inline]
    pub fn array_ptr(&self) -> *const Value {
        self.parts().array.as_ptr()
    }

    // ----- for the JIT (compiled code reads the parts directly; see `layout`) -----

    /// The write barrier, for compiled code that stores a reference into this table.
    pub fn barrier(&self) {
        crate::gc::write_barrier(self);
    }

    /// PUC's `alimit`: integer keys `1..=limit` are read from the array part directly.
    pub fn limit(&self) -> usize {
        self.parts().limit
    }

    /// The node holding string key `s`, if any (its index in the hash part).
    pub fn jit_find_str(&self, s: Gc<LuaStr>) -> Option<usize> {
        self.parts().find_str(s)
    }

    /// Where the value of integer key `k` lives, or `None` if absent. As `get_int`, a key
    /// between `limit` and the array size moves `limit`.
    pub fn jit_int_slot(&self, k: i64) -> Option<*mut Value> {
        let p = self.parts_mut();
        let idx = (k as u64).wrapping_sub(1);
        if idx < p.array.len() as u64 {
            if idx >= p.limit as u64 {
                p.limit = k as usize;
            }
            return Some(&raw mut p.array[idx as usize]);
        }
        let i = p.find_int(mod_pos(k as u64, p.node.len()), k)?;
        Some(&raw mut p.node[i].val)
    }

    /// Where the value of string key `s` lives, or `None` if absent.
    pub fn jit_str_slot(&self, s: Gc<LuaStr>) -> Option<*mut Value> {
        let p = self.parts_mut();
        let i = p.find_str(s)?;
        Some(&raw mut p.node[i].val)
    }

    /// Make key `k` present (it must be normalised, not nil or NaN) and return where its
    /// value lives; a new key holds `false` until the caller, which must store a non-nil
    /// value there before anything else touches the table, does. May rehash. Runs the write
    /// barrier and, for a string key, clears the metamethod cache, as `set` does. Null when
    /// there is no memory for the key (the table is as it was; compiled code then leaves,
    /// and the interpreter's store raises the error).
    pub fn jit_new_slot(&self, k: Value) -> *mut Value {
        crate::gc::write_barrier(self);
        if matches!(k, Value::Str(_)) {
            self.flags.set(0);
        }
        let present = match k {
            Value::Int(i) => {
                let p = self.parts_mut();
                if (i as u64).wrapping_sub(1) == p.array.len() as u64 {
                    // Just past the array part (ASLOT's slow path): an append grows it.
                    match p.append(i) {
                        Ok(true) => return &raw mut p.array[i as usize - 1],
                        Ok(false) => {}
                        Err(NoMemory) => return std::ptr::null_mut(),
                    }
                }
                self.jit_int_slot(i)
            }
            Value::Str(s) => self.jit_str_slot(s),
            _ => {
                let p = self.parts_mut();
                let i = p.find_from(main_pos(p.node.len(), &k), &k);
                i.map(|i| &raw mut p.node[i].val)
            }
        };
        if let Some(slot) = present {
            return slot;
        }
        // Absent: insert with a placeholder, then find where it went (a string key's node
        // is known unless the table was rehashed).
        match k {
            Value::Int(i) => {
                if self.try_set_int(i, Value::Bool(false)).is_err() {
                    return std::ptr::null_mut();
                }
                self.jit_int_slot(i).expect("just inserted")
            }
            Value::Str(s) => {
                let p = self.parts_mut();
                let mp = mask_pos(s.hash() as usize, p.node.len());
                match p.insert_new_at(k, Value::Bool(false), mp) {
                    Ok(Some(i)) => &raw mut p.node[i].val,
                    Ok(None) => self.jit_str_slot(s).expect("just inserted"),
                    Err(NoMemory) => std::ptr::null_mut(),
                }
            }
            _ => {
                if self.try_set(k, Value::Bool(false)).is_err() {
                    return std::ptr::null_mut();
                }
                let p = self.parts_mut();
                let i = p
                    .find_from(main_pos(p.node.len(), &k), &k)
                    .expect("just inserted");
                &raw mut p.node[i].val
            }
        }
    }

    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.meta.get()
    }
    pub fn set_metatable(&self, mt: Option<Gc<Table>>) {
        crate::gc::write_barrier(self);
        self.meta.set(mt)
    }
}

impl GcObject for Table {
    const KIND: Kind = Kind::Table;
    fn size_hint(&self) -> usize {
        self.parts().bytes()
    }
}

impl crate::gc::Barriered for Table {
    fn barrier_cell(&self) -> &Cell<*const crate::gc::BarrierLog> {
        &self.barrier
    }
}

impl Trace for Table {
    fn trace(&self, m: &mut Marker, atomic: bool) -> bool {
        let meta = self.meta.get();
        if let Some(mt) = meta {
            m.mark(mt);
        }
        let (wk, wv) = m.weak_mode(meta);
        let p = self.parts();
        if !wk && !wv {
            for v in p.array.iter() {
                m.mark_value(v);
            }
            // Keys of dead entries are marked too: `next` may still compare against them.
            for n in p.node.iter() {
                m.mark_value(&n.key);
                m.mark_value(&n.val);
            }
            return true;
        }
        if !atomic {
            // Weak tables are traversed in the atomic phase only.
            return false;
        }
        if !wv {
            for v in p.array.iter() {
                m.mark_value(v);
            }
        }
        for n in p.node.iter() {
            if n.val.is_nil() {
                continue;
            }
            if !wk {
                m.mark_value(&n.key);
            }
            if !wv && !wk {
                m.mark_value(&n.val);
            }
        }
        // SAFETY-free: the table is live (being traversed); its Gc is rebuilt from `self`.
        if let Some(g) = self.self_gc() {
            m.weak.push(g);
        }
        if wk && !wv {
            self.traverse_ephemeron(m);
        }
        true
    }
}

impl Table {
    /// This table's `Gc` handle (it is traversed by the marker, so it lives in a GcBox).
    fn self_gc(&self) -> Option<Gc<Table>> {
        let h = (self as *const Table as *const u8).wrapping_sub(crate::gc::GCBOX_DATA_OFFSET);
        // SAFETY: only tables allocated by the heap are traversed, and those live in a
        // GcBox<Table> whose payload starts GCBOX_DATA_OFFSET bytes after the header.
        NonNull::new(h as *mut crate::gc::GcHeader).map(|h| unsafe { Gc::from_header(h) })
    }

    /// Ephemeron step: mark values whose keys are reached. True if anything new was marked.
    pub(crate) fn traverse_ephemeron(&self, m: &mut Marker) -> bool {
        let (wk, wv) = m.weak_mode(self.meta.get());
        if !wk || wv {
            return false;
        }
        let p = self.parts();
        let mut changed = false;
        for v in p.array.iter() {
            if !m.is_marked_value(v) {
                m.mark_value(v);
                changed = true;
            }
        }
        for n in p.node.iter() {
            if n.val.is_nil() {
                continue;
            }
            if m.is_marked_value(&n.key) && !m.is_marked_value(&n.val) {
                m.mark_value(&n.val);
                changed = true;
            }
        }
        changed
    }

    /// Clear entries of a weak table whose weak part was not reached: by key (`keys`) or by
    /// value. Cleared collectable keys become dead-key markers (a light userdata with the
    /// old address) so no dangling pointer stays in the table.
    pub(crate) fn clear_weak(&self, m: &mut Marker, keys: bool) {
        let (wk, wv) = m.weak_mode(self.meta.get());
        let p = self.parts_mut();
        if !keys && wv {
            for v in p.array.iter_mut() {
                if !m.is_marked_value(v) {
                    *v = Value::Nil;
                }
            }
        }
        for n in p.node.iter_mut() {
            let clear = if keys {
                wk && !n.val.is_nil() && !m.is_marked_value(&n.key)
            } else {
                wv && !n.val.is_nil() && !m.is_marked_value(&n.val)
            };
            if clear {
                n.val = Value::Nil;
            }
            // A dead entry's key (even a string) is no longer referenced: if nothing else
            // reached it, turn it into a dead-key marker so it can be freed.
            if n.val.is_nil() && m.is_unreached(&n.key) {
                if let Some(a) = n.key.ptr_addr() {
                    n.key = Value::LightUserData(a as *mut std::ffi::c_void);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gc::Heap;
    use Value::{Float, Nil};

    /// `assert_eq!` through `Debug`, which tells ints from floats (`Value` has no `PartialEq`).
    macro_rules! same {
        ($a:expr, $b:expr) => {
            assert_eq!(format!("{:?}", $a), format!("{:?}", $b))
        };
    }

    fn int(i: i64) -> Value {
        Value::Int(i)
    }

    /// Keys in `next` order, floats in Rust's shortest form.
    fn keys(t: &Table) -> String {
        let (mut out, mut k) = (Vec::new(), Nil);
        while let Some((nk, _)) = t.next(&k).unwrap() {
            out.push(match nk {
                Value::Str(s) => s.to_str_lossy().into_owned(),
                other => format!("{other:?}"),
            });
            k = nk;
        }
        out.join(" ")
    }

    /// Structural invariants of the parts (see the module comment).
    fn check(t: &Table) {
        let p = t.parts();
        let asize = p.array.len();
        assert!(p.limit == asize || (asize.is_power_of_two() && p.limit > asize / 2));
        assert!(p.limit <= asize && p.lastfree <= p.node.len());
        assert!(p.node.is_empty() || p.node.len().is_power_of_two());
        for (i, n) in p.node.iter().enumerate() {
            assert!(n.next == NO_NEXT || (n.next as usize) < p.node.len());
            assert!(!n.key.is_nil() || n.val.is_nil());
            if !n.key.is_nil() {
                assert_eq!(p.find_from(main_pos(p.node.len(), &n.key), &n.key), Some(i));
            }
            if let (Value::Int(k), false) = (n.key, n.val.is_nil()) {
                assert!((k as u64).wrapping_sub(1) >= asize as u64, "{k} in hash");
            }
        }
    }

    /// A fresh table after `t[k] = v` for each pair (v 0: nil).
    fn build(n: usize, kv: impl IntoIterator<Item = (i64, i64)>) -> Table {
        let t = Table::new(n, 0);
        for (k, v) in kv {
            t.set_int(k, if v == 0 { Nil } else { int(v) });
        }
        t
    }

    fn seq(hi: i64) -> Table {
        build(0, (1..=hi).map(|i| (i, i)))
    }

    // Expected values come from Debian's lua5.4 (5.4.6) running the same operations.

    #[test]
    fn borders_like_puc() {
        assert_eq!(build(4, [(1, 1), (2, 2), (3, 0), (4, 4)]).len(), 4); // {1,2,nil,4}
        let t = build(0, [(1, 1), (2, 2), (4, 4)]);
        assert_eq!((t.len(), t.array_len()), (4, 4));
        let t = seq(12);
        assert_eq!(t.len(), 12);
        t.set_int(8, Nil);
        assert_eq!(t.len(), 12, "the limit hint from the previous #");
        let t = seq(12);
        t.set_int(8, Nil);
        assert_eq!(t.len(), 7);
        let t = seq(10);
        (1..=10).step_by(2).for_each(|i| t.set_int(i, Nil));
        assert_eq!((t.len(), keys(&t).as_str()), (10, "2 4 6 8 10"));
        let t = build(0, (1..=15).step_by(2).map(|i| (i, i)));
        assert_eq!((t.len(), keys(&t).as_str()), (1, "1 7 15 9 3 11 5 13"));
        let t = build(0, (1..=8).map(|i| (i, i)).chain([(8, 0), (7, 0)]));
        assert_eq!(t.len(), 6);
        t.set_int(7, int(7));
        assert_eq!(t.len(), 7);
        t.set_int(8, int(8));
        assert_eq!(t.len(), 8);
        let t = seq(20);
        for i in (1..=20).rev() {
            t.set_int(i, Nil);
            assert_eq!(t.len(), i - 1);
        }
        let t = seq(100);
        (3..=100).step_by(3).for_each(|i| t.set_int(i, Nil));
        assert_eq!(t.len(), 95);
        let t = build(0, (1..=100).rev().map(|i| (i, i)));
        assert_eq!((t.len(), t.array_len()), (100, 128));
        let t = build(0, [(2, 2), (3, 3), (4, 4)]);
        assert_eq!((t.len(), keys(&t).as_str()), (4, "2 3 4"));
        t.set_int(1, int(1));
        assert_eq!((t.len(), keys(&t).as_str()), (4, "1 2 3 4"));
        check(&t);
    }

    #[test]
    fn order_like_puc() {
        let t = build(
            0,
            [10, 20, 30, -1, 0, 100, 7, 3, 1000000, -50].map(|k| (k, 1)),
        );
        assert_eq!(keys(&t), "0 3 20 7 10 -50 1000000 100 30 -1");
        let t = Table::new(0, 0);
        for f in [1.5, 2.5, -0.5, 1e300, 3.25, 0.1, -1e-300] {
            t.set(Float(f), Float(f)).unwrap();
        }
        assert_eq!(keys(&t), "-0.5 3.25 -1e-300 0.1 2.5 1.5 1e300");
        let t = build(0, (1..=20).map(|i| (i * i, i)));
        assert_eq!(t.len(), 1);
        let want = "1 64 4 36 100 225 9 289 169 16 49 81 144 25 400 361 121 324 196 256";
        assert_eq!(keys(&t), want);
        let t = Table::new(0, 2);
        t.set(Value::Bool(true), int(1)).unwrap();
        t.set(Value::Bool(false), int(2)).unwrap();
        assert_eq!(keys(&t), "false true");
        let heap = &mut Heap::new();
        let t = Table::new(3, 1); // {n=1, 1, 2, 3}; t[5] = 5
        t.set_str(heap.intern(b"n"), int(1));
        (1..=3).for_each(|i| t.set_int(i, int(i)));
        t.set_int(5, int(5));
        assert_eq!((t.len(), keys(&t).as_str()), (3, "1 2 3 n 5"));
        check(&t);
    }

    #[test]
    fn huge_and_odd_integer_keys() {
        let ks = [i64::MAX, i64::MIN, 0, -1, 1 << 53, 1 << 31, (1 << 31) + 1];
        let t = build(0, ks.iter().map(|&k| (k, k | 1)));
        assert_eq!(
            (t.array_len(), t.len()),
            (0, 0),
            "sparse keys never grow the array"
        );
        ks.iter().for_each(|&k| same!(t.get_int(k), int(k | 1)));
        same!(t.get(&Float(9007199254740992.0)), int((1 << 53) | 1));
        let want = "0 -9223372036854775808 2147483648 2147483649 9007199254740992 -1 \
                    9223372036854775807";
        assert_eq!(keys(&t), want);
        let t = seq(5); // a full array, then a huge key: the unbound search must not overflow
        t.set_int(i64::MAX, int(0));
        assert_eq!(t.len(), 5);
        check(&t);
    }

    #[test]
    fn float_and_invalid_keys() {
        let t = Table::new(0, 0);
        for (k, v) in [(1.0, 10), (-0.0, 20), (2.5, 30), (f64::INFINITY, 40)] {
            t.set(Float(k), int(v)).unwrap();
        }
        same!((t.get_int(1), t.get(&int(0))), (int(10), int(20)));
        same!(
            (t.get(&Float(2.5)), t.get(&Float(f64::INFINITY))),
            (int(30), int(40))
        );
        assert!(matches!(t.next(&Nil), Ok(Some((Value::Int(1), _)))));
        assert!(t.next(&Float(1.0)).is_err() && t.next(&Float(-0.0)).is_err()); // as PUC
        assert!(t.next(&int(1)).is_ok() && t.next(&Float(2.5)).is_ok());
        assert_eq!(t.set(Nil, int(1)), Err(KeyError::Nil));
        assert_eq!(t.set(Float(f64::NAN), int(1)), Err(KeyError::NaN));
        assert_eq!(t.set(Float(f64::NAN), Nil), Err(KeyError::NaN));
        assert!(t.get(&Float(f64::NAN)).is_nil() && t.get(&Nil).is_nil());
        assert!(t.next(&Float(f64::NAN)).is_err() && t.next(&Float(7.5)).is_err());
        assert!(t.next(&int(99)).is_err());
        check(&t);
    }

    #[test]
    fn next_survives_deletion_during_traversal() {
        let heap = &mut Heap::new();
        let t = Table::new(0, 0);
        for i in 1..=50 {
            t.set_int(i, int(i));
            t.set_int(-i, int(i));
            t.set_str(heap.intern(format!("k{i}").as_bytes()), int(i));
        }
        let sizes = (t.array_len(), t.hash_len());
        let (mut k, mut seen) = (Nil, 0);
        while let Some((nk, _)) = t.next(&k).unwrap() {
            t.set(nk, Nil).unwrap(); // clear the current key, then continue from it
            (k, seen) = (nk, seen + 1);
        }
        assert_eq!(seen, 150);
        assert!(matches!(t.next(&Nil), Ok(None)));
        assert_eq!((t.array_len(), t.hash_len()), sizes, "no rehash");
        let k7 = heap.intern(b"k7"); // a cleared key revives in place
        t.set_str(k7, int(7));
        same!((t.get_str(k7), t.get_short_str(k7)), (int(7), int(7)));
        check(&t);
    }

    #[test]
    fn string_and_other_keys() {
        let heap = &mut Heap::new();
        let t = Table::new(0, 0);
        let (l1, l2) = (heap.intern(&[b'x'; 100]), heap.intern(&[b'x'; 100]));
        assert!(!l1.ptr_eq(l2), "long strings are not interned");
        t.set_str(l1, int(1));
        same!((t.get_str(l2), t.get(&Value::Str(l2))), (int(1), int(1)));
        t.flags.set(7);
        t.set(heap.new_str_value(b"a"), int(2)).unwrap();
        assert_eq!(t.flags.get(), 0);
        same!(t.get_short_str(heap.intern(b"a")), int(2));
        assert!(t.get_short_str(heap.intern(b"b")).is_nil());
        for i in 0..1000 {
            t.set_str(heap.intern(format!("s{i}").as_bytes()), int(i));
        }
        for i in 0..1000 {
            same!(t.get_str(heap.intern(format!("s{i}").as_bytes())), int(i));
        }
        let inner = heap.alloc(Table::new(0, 0));
        t.set(Value::Bool(true), int(3)).unwrap();
        t.set(Value::Table(inner), int(4)).unwrap();
        same!(
            (t.get(&Value::Bool(true)), t.get(&Value::Table(inner))),
            (int(3), int(4))
        );
        assert!(t.get(&Value::Bool(false)).is_nil());
        check(&t);
    }

    #[test]
    fn fast_sets_follow_the_newindex_cache() {
        let heap = &mut Heap::new();
        let mt = heap.alloc(Table::new(0, 0));
        let t = heap.alloc(Table::new(0, 0));
        t.set_metatable(Some(mt));
        let (a, b) = (heap.intern(b"a"), heap.intern(b"b"));
        // Absence of `__newindex` not known yet: only present keys are stored.
        assert!(!t.fast_set_int(1, int(1)) && !t.fast_set_str(a, int(1)));
        t.set_int(2, int(0));
        t.set_str(b, int(0));
        assert!(t.fast_set_int(2, int(2)) && t.fast_set_str(b, int(2)));
        // Known absent: new keys too, as raw sets.
        mt.flags.set(NEWINDEX_ABSENT);
        assert!(t.fast_set_int(1, int(1)) && t.fast_set_str(a, int(1)));
        (3..=40).for_each(|i| assert!(t.fast_set_int(i, int(i))));
        same!((t.get_int(1), t.get_str(a), t.len()), (int(1), int(1), 40));
        // A string store into the metatable forgets what was known.
        mt.set_str(heap.intern(b"__newindex"), int(0));
        assert_eq!(mt.flags.get(), 0);
        assert!(!t.fast_set_int(41, int(41)) && !t.fast_set_str(heap.intern(b"c"), int(1)));
        assert!(
            t.fast_set_int(40, int(-40)),
            "present keys are still stored"
        );
        check(&t);
    }

    /// The append shortcut of `grow_and_set` sizes the parts as the full census does.
    #[test]
    fn zero_bytes_are_nil() {
        // SAFETY: a `Value` is plain data; this checks that zero bytes make `Nil`.
        let v: Value = unsafe { std::mem::zeroed() };
        assert!(v.is_nil());
        assert_eq!(crate::layout::TAG_NIL, 0);
    }

    #[test]
    fn append_shortcut_matches_census() {
        for narr in 0..70 {
            let fill = |t: &Table| (1..=narr).for_each(|i| t.set_int(i as i64, int(1)));
            let fast = Table::new(narr, 0);
            fill(&fast);
            fast.set_int(narr as i64 + 1, int(2));
            let slow = Table::new(narr, 0);
            fill(&slow);
            let key = int(narr as i64 + 1);
            slow.parts_mut().rehash(&key).unwrap();
            slow.parts_mut().set_absent(key, int(2)).unwrap();
            assert_eq!(
                (fast.array_len(), fast.hash_len(), fast.limit(), fast.len()),
                (slow.array_len(), slow.hash_len(), slow.limit(), slow.len()),
                "narr {narr}"
            );
            check(&fast);
        }
    }

    #[test]
    fn array_hash_migration() {
        let t = build(0, (1..=64).rev().map(|i| (i, i))); // lands in the hash, then moves
        assert_eq!((t.array_len(), t.len()), (64, 64));
        check(&t);
        (1..=60).for_each(|i| t.set_int(i, Nil));
        for i in 0..40 {
            t.set(Float(i as f64 + 0.5), int(i)).unwrap(); // rehash: the sparse array shrinks
        }
        assert!(t.array_len() < 64);
        check(&t);
        t.resize_array(100);
        assert_eq!(t.array_len(), 100);
        t.resize(0, 0);
        assert_eq!(t.array_len(), 0);
        (61..=64).for_each(|i| same!(t.get_int(i), int(i)));
        same!(t.get(&Float(3.5)), int(3));
        check(&t);
    }

    #[test]
    fn many_inserts_and_deletes() {
        let t = Table::new(0, 0);
        let n = 100_000i64;
        let fk = |i: i64| Float(i as f64 + 0.25);
        for i in 0..n {
            t.set_int(i + 1, int(i));
            t.set_int(-i * 7, int(i));
            t.set(fk(i), int(i)).unwrap();
        }
        assert_eq!(t.len(), n);
        for i in (0..n).step_by(2) {
            t.set_int(i + 1, Nil);
            t.set_int(-i * 7, Nil);
            t.set(fk(i), Nil).unwrap();
        }
        for i in 0..n {
            let want = if i % 2 == 0 { Nil } else { int(i) };
            same!(
                (t.get_int(i + 1), t.get_int(-i * 7), t.get(&fk(i))),
                (want, want, want)
            );
        }
        let (mut k, mut count) = (Nil, 0);
        while let Some((nk, _)) = t.next(&k).unwrap() {
            (k, count) = (nk, count + 1);
        }
        assert_eq!(count, 3 * n / 2);
        check(&t);
    }

    /// Random stores (a third of them nil) against a `HashMap` model, with `#` in between so
    /// the `limit` hint moves; traversal must yield exactly the model.
    #[test]
    fn random_against_model() {
        let mut model = std::collections::HashMap::new();
        let t = Table::new(0, 0);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mk = |k: Value| match k {
            Float(f) => f.to_bits() as i128 | 1 << 100,
            Value::Int(i) => i as i128,
            _ => unreachable!(),
        };
        for step in 0..200_000u64 {
            let k = match rnd(10) {
                0 => Float(rnd(64) as f64 + 0.5),
                1 => int([i64::MIN, i64::MAX, 1 << 40, -7][rnd(4) as usize]),
                _ => int(rnd(150) as i64 - 20),
            };
            let v = if rnd(3) == 0 { Nil } else { int(step as i64) };
            t.set(k, v).unwrap();
            match v {
                Nil => model.remove(&mk(k)),
                _ => model.insert(mk(k), step as i64),
            };
            if rnd(7) == 0 {
                let n = t.len();
                assert!((n == 0 || !t.get_int(n).is_nil()) && t.get_int(n + 1).is_nil());
            }
            same!(t.get(&k), v);
            if step % 20_000 == 0 {
                check(&t);
                let (mut k, mut n) = (Nil, 0);
                while let Some((nk, nv)) = t.next(&k).unwrap() {
                    same!(nv, int(model[&mk(nk)]));
                    (k, n) = (nk, n + 1);
                }
                assert_eq!(n, model.len());
            }
        }
    }

    #[test]
    fn memory_and_layout() {
        let t = Table::new(10, 3);
        assert_eq!(t.size_hint(), 10 * 16 + 4 * NODE_SIZE);
        assert_eq!((t.array_len(), t.hash_len()), (10, 4));
        let p = t.array_ptr();
        t.set_int(3, int(3));
        t.set_int(3, Nil);
        assert_eq!(
            (t.len(), t.array_ptr()),
            (0, p),
            "stores to existing slots never move it"
        );
        t.flags.set(0x55);
        let base = &t as *const Table as *const u8;
        // SAFETY: the offsets are those of fields of `t`, each read with its own type.
        unsafe {
            let at = |off: usize| base.add(off);
            assert_eq!(*(at(TABLE_ARRAY_PTR_OFFSET) as *const *const Value), p);
            assert_eq!(*(at(TABLE_ARRAY_LEN_OFFSET) as *const usize), 10);
            assert_eq!(*(at(TABLE_NODE_LEN_OFFSET) as *const usize), 4);
            assert!((**(at(TABLE_NODE_PTR_OFFSET) as *const *const Node))
                .key
                .is_nil());
            assert!((*(at(TABLE_META_OFFSET) as *const *const u8)).is_null());
            assert_eq!(*(at(TABLE_FLAGS_OFFSET) as *const u32), 0x55);
        }
    }
}
