//! The `lua_State` handle, the universe's C-side globals, and the one way API functions run:
//! [`api`], which turns a Lua error into a `longjmp` to the innermost C function call.
//!
//! Handles. C sees a `lua_State *` per Lua thread. It points into a [`Handle`] kept in the
//! thread's `ThreadState::host` (boxed, so it never moves, and freed with the thread), just
//! past `LUA_EXTRASPACE` bytes that `lua_getextraspace` hands out. A handle knows the
//! `State` and its thread; the main thread's handle also owns the universe's [`Global`].
//!
//! Errors (the invariant that keeps `longjmp` sound). Every entry from Rust into C code
//! goes through [`trampoline`] -> `capi_run` (shim.c), which sets a `jmp_buf` and publishes
//! it in `Global::jmp`. Every API function that can fail runs its work in a closure given to
//! [`api`]; the closure returns `Result<R, LuaError>` with `R: Copy`, so by the time `api`
//! sees an `Err` everything the work owned has been dropped, and `api`'s own frame holds only
//! `Copy` values. `api` then stores the error in `Global::pending` and calls `capi_throw`,
//! which jumps back into `capi_run`; the frames skipped are the C function's, `api`'s and
//! the extern "C" API function's (which holds only its `Copy` arguments). `capi_run` returns
//! -1 and the trampoline returns the pending error as an ordinary `Err` to the interpreter.
//! A Lua error inside `lua_call` comes back to `api` as an `Err` (the interpreter's Rust
//! frames return normally) and is raised the same way, so it propagates through the C
//! function as in PUC. With no C function running (a C host calling the API outside a
//! protected call), an error is PUC's "unprotected error": the panic function, then abort.
//!
//! Aliasing: the trampoline stores its `&mut State` as a raw pointer in the handle before
//! calling C and does not touch the state until C returns; API functions reborrow that
//! pointer for the duration of one call.

use crate::CFunction;
use lua_core::gc::Gc;
use lua_core::object::Thread;
use lua_core::state::NResults;
use lua_core::{LuaError, State, Value};
use std::cell::Cell;
use std::ffi::{c_int, c_void};

/// PUC's LUA_EXTRASPACE: bytes before the `lua_State *` that belong to the host.
pub const EXTRASPACE: usize = std::mem::size_of::<*mut c_void>();

/// What C's `lua_State *` points into (at `st`, after the extra space).
#[repr(C)]
pub struct Handle {
    extra: [u8; EXTRASPACE],
    st: Cell<*mut State>,
    pub thread: Gc<Thread>,
    pub g: *mut Global,
    /// Only in the main thread's handle: the universe's globals.
    own: Option<Box<Global>>,
}

const _: () = assert!(std::mem::offset_of!(Handle, st) == EXTRASPACE);

/// The opaque type C's `lua_State *` points to.
pub type LuaState = c_void;

/// Per-universe C API state.
pub struct Global {
    /// The innermost `capi_run`'s `jmp_buf` (null when no C function is running).
    pub jmp: *mut c_void,
    /// The error a `capi_throw` in flight carries.
    pending: Option<LuaError>,
    pub panic: Option<CFunction>,
    /// Libraries `package.loadlib` opened, by path (never closed, as if the state lived
    /// until exit).
    pub libs: Vec<(Vec<u8>, *mut c_void)>,
    /// Continuations of `lua_callk` calls whose callee may have yielded, by (thread address,
    /// frame index of the calling C function): the `lua_KFunction` and its context. An entry
    /// is removed when its call returns or fails, or when the continuation runs; one left by
    /// a coroutine that was never resumed is replaced when its key is registered again.
    pub conts: Vec<(usize, usize, KFunction, isize)>,
}

/// `lua_KFunction`.
pub type KFunction = unsafe extern "C" fn(*mut LuaState, c_int, isize) -> c_int;

unsafe extern "C" {
    fn capi_run(f: CFunction, l: *mut LuaState, slot: *mut *mut c_void) -> c_int;
    fn capi_throw(jb: *mut c_void) -> !;
    fn capi_run_k(
        k: KFunction,
        l: *mut LuaState,
        status: c_int,
        ctx: isize,
        slot: *mut *mut c_void,
    ) -> c_int;
}

/// Give the main thread of `st` its handle and the universe's globals (idempotent).
pub fn install_handles(st: &mut State) {
    let main = st.main;
    if main.st().host.is_some() {
        return;
    }
    let mut g = Box::new(Global {
        jmp: std::ptr::null_mut(),
        pending: None,
        panic: None,
        libs: Vec::new(),
        conts: Vec::new(),
    });
    let gp: *mut Global = &mut *g;
    main.st().host = Some(Box::new(Handle {
        extra: [0; EXTRASPACE],
        st: Cell::new(st),
        thread: main,
        g: gp,
        own: Some(g),
    }));
}

thread_local! {
    /// The last (thread, handle) pair `handle_of` found: C functions mostly run on one
    /// thread, and this saves the downcast of `ThreadState::host`. A handle clears it when
    /// dropped (with its thread), so the pair never outlives the handle.
    static LAST: Cell<(usize, *mut Handle)> = const { Cell::new((0, std::ptr::null_mut())) };
}

impl Drop for Handle {
    fn drop(&mut self) {
        let me: *mut Handle = self;
        LAST.with(|c| {
            if c.get().1 == me {
                c.set((0, std::ptr::null_mut()));
            }
        });
    }
}

/// The handle of thread `th` of `st`, made on first use.
pub fn handle_of(st: &mut State, th: Gc<Thread>) -> *mut Handle {
    let (key, h) = LAST.with(|c| c.get());
    if key == th.addr() {
        // SAFETY: the cached handle belongs to `th`, which is alive (the caller holds it),
        // so the handle has not been dropped (its drop clears the cache).
        unsafe { (*h).st.set(st) };
        return h;
    }
    if let Some(h) = th
        .st()
        .host
        .as_mut()
        .and_then(|b| b.downcast_mut::<Handle>())
    {
        h.st.set(st);
        let hp: *mut Handle = h;
        LAST.with(|c| c.set((th.addr(), hp)));
        return hp;
    }
    install_handles(st);
    let g = match st
        .main
        .st()
        .host
        .as_mut()
        .and_then(|b| b.downcast_mut::<Handle>())
    {
        Some(h) => h.g,
        None => std::ptr::null_mut(), // unreachable: installed above
    };
    let mut h = Box::new(Handle {
        extra: [0; EXTRASPACE],
        st: Cell::new(st),
        thread: th,
        g,
        own: None,
    });
    let hp: *mut Handle = &mut *h;
    th.st().host = Some(h);
    hp
}

/// The `lua_State *` of a handle.
pub fn l_of(h: *mut Handle) -> *mut LuaState {
    // SAFETY: `st` lies inside the handle (offset EXTRASPACE); only the address is computed.
    unsafe { (h as *mut u8).add(EXTRASPACE) as *mut LuaState }
}

/// The handle behind a `lua_State *`.
///
/// # Safety
/// `l` must come from [`l_of`] for a live handle.
pub unsafe fn handle(l: *mut LuaState) -> *mut Handle {
    // SAFETY: the caller passes a pointer EXTRASPACE bytes into a handle.
    unsafe { (l as *mut u8).sub(EXTRASPACE) as *mut Handle }
}

/// The state and thread behind `l`, with the running thread switched to `l`'s for the
/// duration of one API call.
pub struct Api<'a> {
    pub st: &'a mut State,
    pub h: *mut Handle,
    /// `l`'s thread is not the one that was running (it was made current for this call).
    pub swapped: bool,
}

impl Api<'_> {
    pub fn thread(&self) -> Gc<Thread> {
        // SAFETY: `h` is live while the API call runs (Api is built by `api`).
        unsafe { (*self.h).thread }
    }
    pub fn global(&mut self) -> &mut Global {
        // SAFETY: the main handle owns the Global for the universe's lifetime; single-threaded.
        unsafe { &mut *(*self.h).g }
    }
}

/// Run one API operation on `l`: the operation's error is raised in C (module doc).
///
/// # Safety
/// `l` must be a live `lua_State *` of this implementation.
#[inline]
pub unsafe fn api<R: Copy>(
    l: *mut LuaState,
    f: impl FnOnce(&mut Api<'_>) -> Result<R, LuaError>,
) -> R {
    // SAFETY: `l` is a live handle (caller); its state pointer was set by the trampoline or
    // the host that created it, and no other reference to the state is in use meanwhile.
    let (r, g) = unsafe {
        let h = handle(l);
        let st = &mut *(*h).st.get();
        let th = (*h).thread;
        let prev = st.cur;
        let swap = !prev.ptr_eq(th);
        if swap {
            st.cur = th;
        }
        let mut a = Api {
            st,
            h,
            swapped: swap,
        };
        let r = f(&mut a);
        if swap {
            a.st.cur = prev;
        }
        (r, (*h).g)
    };
    match r {
        Ok(v) => v,
        // SAFETY: `g` is the universe's Global; nothing in this frame needs dropping.
        Err(e) => unsafe { throw(g, l, e) },
    }
}

/// Raise `e` in the innermost running C function, or panic as PUC does outside one.
///
/// # Safety
/// `g` must be the Global of `l`'s universe; the caller's frame must own nothing to drop.
pub unsafe fn throw(g: *mut Global, l: *mut LuaState, e: LuaError) -> ! {
    // SAFETY: g is live (caller); single-threaded.
    let g = unsafe { &mut *g };
    if g.jmp.is_null() {
        // PUC's "unprotected error": the panic function (with the error on the stack), then
        // abort.
        if let Some(p) = g.panic {
            if let LuaError::Error(v) = e {
                // SAFETY: l is live; pushing cannot fail.
                unsafe { crate::stack::push_value(l, v) };
            }
            // SAFETY: the host's panic function, called as PUC calls it.
            unsafe { p(l) };
        }
        let msg = match e {
            LuaError::Error(Value::Str(s)) => s.to_str_lossy().into_owned(),
            LuaError::Error(v) => format!("(error object is a {} value)", v.type_name()),
            LuaError::Yield => "attempt to yield from outside a coroutine".into(),
        };
        eprintln!("PANIC: unprotected error in call to Lua API ({msg})");
        std::process::abort();
    }
    g.pending = Some(e);
    // SAFETY: jmp is the jmp_buf of a capi_run frame that is still active (it unpublishes
    // it before returning); every frame in between is C or owns nothing (module doc).
    unsafe { capi_throw(g.jmp) }
}

/// The native standing for every C function: calls the `lua_CFunction` kept in the running
/// closure's `host` word under `capi_run`.
pub fn trampoline(st: &mut State) -> NResults {
    let ts = st.ts();
    let (f, base) = match ts.frames.last().map(|fr| (ts.stack[fr.func], fr.base)) {
        Some((Value::NativeFn(nc), base)) if nc.host != 0 => {
            // SAFETY: only `push_cfunction` makes closures with this trampoline, storing a
            // lua_CFunction's address in `host`.
            let f: CFunction = unsafe { std::mem::transmute::<usize, CFunction>(nc.host) };
            (f, base)
        }
        _ => return Err(st.error_msg("C function called without its closure")),
    };
    let cur = st.cur;
    let h = handle_of(st, cur);
    let l = l_of(h);
    // SAFETY: h is live (owned by the running thread); the state is not used through `st`
    // until C returns (module doc, aliasing); `jmp` is the universe's catcher slot.
    let n = unsafe {
        (*h).st.set(st);
        let g = (*h).g;
        capi_run(f, l, &raw mut (*g).jmp)
    };
    finish_c_call(st, h, n, base)
}

/// What a C function (or continuation) run by `capi_run` returned: `n` results on top, or
/// (n < 0) the error a longjmp carried.
fn finish_c_call(st: &mut State, h: *mut Handle, n: c_int, base: usize) -> NResults {
    if n < 0 {
        // SAFETY: h is live (the running thread's); the thrower left the error in `pending`.
        let e = unsafe { (*(*h).g).pending.take() };
        return Err(e.unwrap_or(LuaError::Error(Value::Nil)));
    }
    let avail = st.ts().top.saturating_sub(base);
    let n = n as usize;
    if n > avail {
        return Err(st.error_msg("C function returned more results than it pushed"));
    }
    Ok(n)
}

/// The lua-core continuation of a C function whose `lua_callk` callee yielded: after the
/// resume, when the callee has returned, runs the C continuation registered for this frame
/// with status LUA_YIELD (as PUC's `finishCcall`).
pub fn c_continuation(st: &mut State) -> NResults {
    let cur = st.cur;
    let idx = st.ts().frames.len().saturating_sub(1);
    let base = st.ts().frames.last().map_or(0, |f| f.base);
    let h = handle_of(st, cur);
    // SAFETY: h is live (the running thread's); the Global lives as long as the state.
    let g = unsafe { &mut *(*h).g };
    let Some(pos) = g.conts.iter().position(|e| e.0 == cur.addr() && e.1 == idx) else {
        return Err(st.error_msg("attempt to yield across a C-call boundary"));
    };
    let (_, _, k, ctx) = g.conts.remove(pos);
    let l = l_of(h);
    // SAFETY: as in the trampoline: the state is not used through `st` until C returns.
    let n = unsafe {
        (*h).st.set(st);
        capi_run_k(k, l, 1, ctx, &raw mut (*(*h).g).jmp)
    };
    finish_c_call(st, h, n, base)
}

/// Run C function `f` with `l` directly (for a host's first protected call: lua_cpcall-like
/// uses); not needed by modules.
pub fn push_cfunction(st: &mut State, f: CFunction, upvals: Vec<Value>) -> Value {
    st.new_native_host(trampoline, upvals, f as usize)
}

/// The state behind `l`.
///
/// # Safety
/// `l` must be a live `lua_State *`.
pub unsafe fn state_ptr(l: *mut LuaState) -> *mut State {
    // SAFETY: caller.
    unsafe { (*handle(l)).st.get() }
}
