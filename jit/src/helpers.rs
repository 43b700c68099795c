//! Runtime helpers called from compiled code: `extern "C"`, plain arguments, no unwinding.
//!
//! Compiled code calls these for what it does not inline: allocation, table lookups and
//! insertions, the write barrier, arithmetic with library semantics. Arguments are machine
//! words: object addresses (a `GcBox` address, as a `Value` payload holds), integers, float
//! bits. No helper runs Lua code, raises, or collects garbage (allocation only adds to the
//! collector's debt; `jit_gc_due` lets the trace leave before a step is due). A panic
//! inside a helper is a JIT bug: it is caught at the boundary and reported, and the process
//! stops, because no Rust unwinding may cross compiled frames.
//!
//! Where `unsafe` is: turning addresses back into `Gc` handles. Compiled code passes only
//! addresses of live objects of the stated type (its guards checked the types), and the
//! objects stay alive for the call (they are reachable from the trace's stack slots,
//! constants or tables, and no collection runs inside a helper).

use crate::exec::ExecCtx;
use lua_core::gc::Gc;
use lua_core::object::{LuaStr, UpVal};
use lua_core::table::Table;
use lua_core::Value;

/// What a missing key reads as: 16 zero bytes are a nil value (tag 0; compiled code reads
/// only the tag of what these helpers return for absent keys).
static NIL: [u64; 2] = [0, 0];
const _: () = assert!(lua_core::layout::TAG_NIL == 0);

pub(crate) fn nil_ptr() -> *const Value {
    NIL.as_ptr() as *const Value
}

/// Run `f`, turning a panic into an internal-error report (no unwinding into compiled code).
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => {
            eprintln!("lua: internal JIT error in helper {what}");
            std::process::abort();
        }
    }
}

/// A `Gc` handle for an object address compiled code passed in.
///
/// # Safety
/// `addr` must be the address of a live object of type `T` (see the module doc).
unsafe fn gc<T>(addr: usize) -> Gc<T> {
    // SAFETY: Gc<T> is a single non-null pointer to the GcBox (caller: a live object).
    unsafe { std::mem::transmute::<usize, Gc<T>>(addr) }
}

pub extern "C" fn jit_barrier_tab(t: usize) {
    guarded("barrier", || {
        // SAFETY: module doc.
        let t: Gc<Table> = unsafe { gc(t) };
        t.barrier();
    })
}

pub extern "C" fn jit_barrier_uv(u: usize) {
    guarded("barrier", || {
        // SAFETY: module doc.
        let u: Gc<UpVal> = unsafe { gc(u) };
        u.barrier();
    })
}

pub extern "C" fn jit_idiv(a: i64, b: i64) -> i64 {
    lua_core::number::int_idiv(a, b).unwrap_or(0)
}

pub extern "C" fn jit_imod(a: i64, b: i64) -> i64 {
    lua_core::number::int_mod(a, b).unwrap_or(0)
}

pub extern "C" fn jit_fmod(a: f64, b: f64) -> f64 {
    lua_core::number::float_mod(a, b)
}

pub extern "C" fn jit_pow(a: f64, b: f64) -> f64 {
    lua_core::number::pow(a, b)
}

pub extern "C" fn jit_floor(a: f64) -> f64 {
    a.floor()
}

pub extern "C" fn jit_ceil(a: f64) -> f64 {
    a.ceil()
}

pub extern "C" fn jit_shl(a: i64, b: i64) -> i64 {
    lua_core::number::shift_left(a, b)
}

pub extern "C" fn jit_shr(a: i64, b: i64) -> i64 {
    lua_core::number::shift_left(a, b.wrapping_neg())
}

/// A new table; its address.
pub extern "C" fn jit_tnew(ctx: *mut ExecCtx, narr: i64, nhash: i64) -> usize {
    guarded("tnew", || {
        // SAFETY: ctx is the context of the running trace; its state pointer is the
        // running state, not otherwise borrowed while compiled code runs.
        let st = unsafe { &mut *(*ctx).state };
        st.new_table(narr as usize, nhash as usize).addr()
    })
}

pub extern "C" fn jit_tlen(t: usize) -> i64 {
    guarded("tlen", || {
        // SAFETY: module doc.
        let t: Gc<Table> = unsafe { gc(t) };
        t.len()
    })
}

/// Where table `t`'s value for integer key `k` lives (a shared nil if absent).
pub extern "C" fn jit_tgetint(t: usize, k: i64) -> *const Value {
    guarded("tgetint", || {
        // SAFETY: module doc.
        let t: Gc<Table> = unsafe { gc(t) };
        t.jit_int_slot(k).map_or(nil_ptr(), |p| p as *const Value)
    })
}

/// Where table `t`'s value for string key `s` lives (a shared nil if absent).
pub extern "C" fn jit_tgetstr(t: usize, s: usize) -> *const Value {
    guarded("tgetstr", || {
        // SAFETY: module doc.
        let (t, s): (Gc<Table>, Gc<LuaStr>) = unsafe { (gc(t), gc(s)) };
        t.jit_str_slot(s).map_or(nil_ptr(), |p| p as *const Value)
    })
}

/// A slot for integer key `k` in table `t` (inserted if absent; the trace stores a
/// non-nil value there at once); null when there is no memory for it (the trace leaves, and
/// the interpreter's store raises "not enough memory").
pub extern "C" fn jit_newref_int(t: usize, k: i64) -> *mut Value {
    guarded("newref", || {
        // SAFETY: module doc.
        let t: Gc<Table> = unsafe { gc(t) };
        t.jit_new_slot(Value::Int(k))
    })
}

pub extern "C" fn jit_newref_str(t: usize, s: usize) -> *mut Value {
    guarded("newref", || {
        // SAFETY: module doc.
        let (t, s): (Gc<Table>, Gc<LuaStr>) = unsafe { (gc(t), gc(s)) };
        t.jit_new_slot(Value::Str(s))
    })
}

/// `a .. b` for strings and numbers (given as tag and payload bits); the new string.
pub extern "C" fn jit_concat(ctx: *mut ExecCtx, ta: u64, pa: u64, tb: u64, pb: u64) -> usize {
    guarded("concat", || {
        let a = crate::exec::box_value(crate::ir::Ty::of_tag(ta as u8), pa);
        let b = crate::exec::box_value(crate::ir::Ty::of_tag(tb as u8), pb);
        let mut buf = Vec::new();
        lua_core::tm::append_str_form(&a, &mut buf);
        lua_core::tm::append_str_form(&b, &mut buf);
        // SAFETY: as in jit_tnew.
        let st = unsafe { &mut *(*ctx).state };
        st.intern(&buf).addr()
    })
}

/// `string.char(b)` for a byte `b` (0..=255, guarded before): the interned string.
pub extern "C" fn jit_strchar(ctx: *mut ExecCtx, b: u64) -> usize {
    guarded("strchar", || {
        // SAFETY: as in jit_tnew.
        let st = unsafe { &mut *(*ctx).state };
        st.intern(&[b as u8]).addr()
    })
}

/// `string.sub(s, i, j)`: the interned substring.
pub extern "C" fn jit_strsub(ctx: *mut ExecCtx, s: usize, i: i64, j: i64) -> usize {
    guarded("strsub", || {
        // SAFETY: module doc; ctx as in jit_tnew.
        let (s, st) = unsafe { (gc::<LuaStr>(s), &mut *(*ctx).state) };
        lua_core::stdlib::string::substring(st, s, i, j).addr()
    })
}

/// The key and value after key (`tk`, `pk`: tag and payload) in table `t`, written to the
/// context's pair; their address. At the end the key is nil; for a key `next` would reject
/// ("invalid key to 'next'") the key's tag is 0xff, which no type guard accepts, so the
/// trace leaves and the interpreter raises the error.
pub extern "C" fn jit_next(ctx: *mut ExecCtx, t: usize, tk: u64, pk: u64) -> *const Value {
    guarded("next", || {
        // SAFETY: module doc.
        let t: Gc<Table> = unsafe { gc(t) };
        let k = crate::exec::box_value(crate::ir::Ty::of_tag(tk as u8), pk);
        // SAFETY: ctx is the running trace's context (not otherwise borrowed here).
        let pair = unsafe { &mut (*ctx).next_pair };
        match t.next(&k) {
            Ok(Some((k, v))) => *pair = [k, v],
            Ok(None) => *pair = [Value::Nil, Value::Nil],
            Err(()) => {
                *pair = [Value::Nil, Value::Nil];
                // SAFETY: the tag byte of a Value is at offset 0; 0xff is never a valid tag,
                // and only compiled code reads this pair (its type guards reject it).
                unsafe { *(pair.as_mut_ptr() as *mut u8) = 0xff };
            }
        }
        pair.as_ptr()
    })
}

/// `setmetatable(t, mt)` (mt 0: nil), with the finalizer registration the library does.
pub extern "C" fn jit_setmeta(ctx: *mut ExecCtx, t: usize, mt: usize) {
    guarded("setmetatable", || {
        // SAFETY: module doc; ctx as in jit_tnew.
        let (t, st) = unsafe { (gc::<Table>(t), &mut *(*ctx).state) };
        // SAFETY: module doc (mt, when not 0, is a live table).
        let mt = (mt != 0).then(|| unsafe { gc::<Table>(mt) });
        t.set_metatable(mt);
        st.check_finalizer(&Value::Table(t));
    })
}

/// Nonzero when closing stack level `addr` (an address in the running thread's stack)
/// would do something: an open upvalue or a to-be-closed variable at or above it.
pub extern "C" fn jit_close_needed(ctx: *mut ExecCtx, addr: usize) -> u32 {
    guarded("close check", || {
        // SAFETY: as in jit_tnew.
        let st = unsafe { &mut *(*ctx).state };
        let ts = st.ts();
        let level = addr.saturating_sub(ts.stack.as_ptr() as usize) / 16;
        ts.close_pending(level) as u32
    })
}

/// Nonzero when the trace may return out of the frame `k & 0xff` frames below its base's
/// frame into the frame under it: the frame is a plain Lua call (not the first frame of a
/// nested run loop, not protected, no hook or continuation) made by a Lua function of
/// prototype `proto` whose saved pc is `k >> 24` (the instruction after its CALL) and
/// which has `(k >> 8) & 0xffff` extra arguments.
pub extern "C" fn jit_retf(ctx: *mut ExecCtx, proto: usize, k: u64) -> u32 {
    guarded("return check", || {
        // SAFETY: as in jit_tnew.
        let c = unsafe { &*ctx };
        // SAFETY: as in jit_tnew.
        let st = unsafe { &mut *c.state };
        let ts = st.ts();
        let below = (k & 0xff) as usize;
        let nextra = ((k >> 8) & 0xffff) as u32;
        let pc = (k >> 24) as usize;
        let Some(fi) = (c.root_fi as usize).checked_sub(below) else {
            return 0;
        };
        if fi == 0 || fi >= ts.frames.len() {
            return 0;
        }
        let me = &ts.frames[fi];
        let caller = &ts.frames[fi - 1];
        let plain = me.kind == lua_core::thread::CallKind::Normal
            && !me.fresh
            && me.handler_slot == lua_core::thread::NO_HANDLER
            && me.closure.is_some();
        let from = caller
            .closure
            .is_some_and(|cl| std::rc::Rc::as_ptr(&cl.proto) as usize == proto)
            && caller.pc == pc
            && caller.nextra == nextra;
        (plain && from) as u32
    })
}

/// A link into the loop of an inlined frame: push real frames for the `n` inlined frames
/// at `frames` (function slots relative to `base`, the running trace's register 0), the
/// innermost at loop header `pc_popped >> 8`, on the frame `pc_popped & 0xff` frames below
/// the trace's base frame (it returned out of them first: RETF); frames above that one in
/// the thread's list are ones traces returned out of, and go. Returns
/// the address of the innermost frame's register 0 (the linked trace's base), or 0 when
/// the stack or the frame list cannot take the frames (the trace then leaves through the
/// link's snapshot instead). The stack may move.
pub extern "C" fn jit_link_frames(
    ctx: *mut ExecCtx,
    frames: *const crate::ir::SnapFrame,
    n: usize,
    base: usize,
    pc_popped: u64,
) -> usize {
    guarded("link frames", || {
        // SAFETY: as in jit_tnew.
        let c = unsafe { &mut *ctx };
        // SAFETY: as in jit_tnew.
        let st = unsafe { &mut *c.state };
        // SAFETY: `frames` is the linking trace's own list of `n` frames, which lives as
        // long as its code.
        let frames = unsafe { std::slice::from_raw_parts(frames, n) };
        let ts = st.ts();
        let stack = ts.stack.as_ptr() as usize;
        let base_slot = (base - stack) / 16;
        // The trace may have returned out of frames first (RETF): the frames it pushes
        // stand on the one it returned to.
        let pc = (pc_popped >> 8) as u32;
        let Some(root) = (c.root_fi as usize).checked_sub((pc_popped & 0xff) as usize) else {
            return 0;
        };
        if root >= ts.frames.len()
            || root + 1 + n + c.max_depth as usize >= lua_core::call::MAX_FRAMES
        {
            return 0;
        }
        ts.frames.truncate(root + 1);
        let pushed = crate::exec::push_frames(ts, frames, base_slot, pc).ok();
        let top = *ts.frames.last().expect("the root frame at least");
        let room = pushed.is_some() && ts.ensure_slot(top.base + c.max_slot as usize + 1);
        let (true, Some(cl)) = (room, top.closure) else {
            // Leave with only the frames the trace stands on (the exit rebuilds the rest).
            ts.frames.truncate(root + 1);
            return 0;
        };
        // (Helpers that use the stack above the top must not meet the frames' registers.)
        ts.top = top.top;
        c.root_fi = ts.frames.len() as u64 - 1;
        c.base_off += top.base as i64 - base_slot as i64;
        c.closure = cl.addr();
        c.nextra = top.nextra as u64;
        ts.stack.as_ptr() as usize + top.base * 16
    })
}

/// Nonzero when a garbage-collection step is due (the trace then leaves, and the
/// interpreter collects at a safepoint).
pub extern "C" fn jit_gc_due(ctx: *mut ExecCtx) -> u32 {
    guarded("gc check", || {
        // SAFETY: as in jit_tnew.
        let st = unsafe { &mut *(*ctx).state };
        st.gc_due() as u32
    })
}
