//! Coroutines from C (`lua_newthread`, `lua_resume`, `lua_yield` without a continuation,
//! `lua_status`, `lua_isyieldable`) and chunks through C callbacks (`lua_load` with a reader,
//! `lua_dump` with a writer).
//!
//! A yield from a C function is lua-core's: the yielded values move to the function's frame
//! base and `LuaError::Yield` is raised through `api` (a longjmp back to the trampoline, which
//! returns it). When the coroutine is resumed, the C function's frame returns the values
//! passed to resume, as PUC's `lua_yield` without a continuation does. `lua_resume` takes its
//! arguments from the coroutine's own stack (as PUC's) and hands them to `State::resume`
//! through the resuming thread's stack.

use crate::state::{api, handle, handle_of, l_of, state_ptr, LuaState};
use lua_core::object::UserData;
use lua_core::thread::{CoStatus, ThreadState};
use lua_core::{LuaError, Value};
use std::ffi::{c_char, c_int, c_void};

#[no_mangle]
pub unsafe extern "C" fn lua_newthread(l: *mut LuaState) -> *mut LuaState {
    // SAFETY: l is a live lua_State (lua.h's contract).
    unsafe {
        api(l, |a| {
            let th = a.st.heap.alloc_thread(ThreadState::new());
            a.push(Value::Thread(th));
            a.gc_check();
            Ok(l_of(handle_of(a.st, th)))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_resume(
    l: *mut LuaState,
    from: *mut LuaState,
    nargs: c_int,
    nres: *mut c_int,
) -> c_int {
    // SAFETY: l and from (if not null) are live lua_States of one universe (lua.h).
    unsafe {
        let co = (*handle(l)).thread;
        let from = if from.is_null() {
            let st = &mut *state_ptr(l);
            let cur = st.cur;
            l_of(handle_of(st, cur))
        } else {
            from
        };
        let (status, n) = api(from, |a| {
            let n = nargs.max(0) as usize;
            if co.ptr_eq(a.st.cur) || co.st().status != CoStatus::Suspended {
                // (Checked before touching its stack: `co` may be the running thread.)
                let msg = if co.st().status == CoStatus::Dead {
                    "cannot resume dead coroutine"
                } else {
                    "cannot resume non-suspended coroutine"
                };
                let m = a.st.str_value(msg);
                let cst = co.st();
                if cst.ensure(1) {
                    cst.push(m);
                }
                return Ok((2, 1));
            }
            let cst = co.st();
            let body_waiting = cst.frames.is_empty() && cst.status == CoStatus::Suspended;
            if cst.top < n + usize::from(body_waiting) {
                return Err(a.st.error_msg("not enough elements in the stack"));
            }
            // The arguments move to the resumer's top, from where `resume` takes them.
            if !a.ts().ensure(n + lua_core::thread::MIN_STACK) {
                return Err(a.st.error_msg("stack overflow"));
            }
            let from_slot = cst.top - n;
            for i in 0..n {
                let v = cst.stack[from_slot + i];
                a.push(v);
            }
            cst.top = from_slot;
            Ok(match a.st.resume(co, n) {
                Ok(k) => {
                    let st = if co.st().status == CoStatus::Dead {
                        0
                    } else {
                        1
                    };
                    (st, k as c_int)
                }
                Err(e) => {
                    let cst = co.st();
                    if cst.ensure(1) {
                        cst.push(e);
                    }
                    (2, 1)
                }
            })
        });
        if !nres.is_null() {
            *nres = n;
        }
        status
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_yieldk(
    l: *mut LuaState,
    nresults: c_int,
    _ctx: isize,
    k: crate::access::KFunction,
) -> c_int {
    // SAFETY: l is live (lua.h).
    unsafe {
        api(l, |a| {
            if k.is_some() {
                return Err(a
                    .st
                    .error_msg("lua_yieldk with a continuation is not supported yet"));
            }
            if a.thread().ptr_eq(a.st.main) {
                return Err(a.st.error_msg("attempt to yield from outside a coroutine"));
            }
            if a.ts().nny > 0 {
                return Err(a.st.error_msg("attempt to yield across a C-call boundary"));
            }
            let n = nresults.max(0) as usize;
            a.need(n)?;
            // The yielded values go to the frame's base: `resume` hands them to the resumer.
            let (base, top) = (a.base(), a.top());
            let ts = a.ts();
            ts.stack.copy_within(top - n..top, base);
            ts.top = base + n;
            Err::<c_int, _>(LuaError::Yield)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_status(l: *mut LuaState) -> c_int {
    // SAFETY: l is live (lua.h).
    unsafe {
        let ts = (*handle(l)).thread.st();
        match ts.status {
            CoStatus::Suspended if !ts.frames.is_empty() => 1,
            CoStatus::Dead if ts.error.is_some() => 2,
            _ => 0,
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_isyieldable(l: *mut LuaState) -> c_int {
    // SAFETY: l is live (lua.h).
    unsafe {
        api(l, |a| {
            Ok((!a.thread().ptr_eq(a.st.main) && a.ts().nny == 0) as c_int)
        })
    }
}

pub type Reader = unsafe extern "C" fn(*mut LuaState, *mut c_void, *mut usize) -> *const c_char;
pub type Writer = unsafe extern "C" fn(*mut LuaState, *const c_void, usize, *mut c_void) -> c_int;

/// Anchor `v` in the registry under the light userdata `key` (None: remove the anchor), to
/// keep it alive without touching the stack, which a reader or writer may be using.
fn anchor(a: &mut crate::state::Api<'_>, key: *mut c_void, v: Option<Value>) {
    let reg = a.st.registry;
    let _ =
        a.st.raw_set(reg, Value::LightUserData(key), v.unwrap_or(Value::Nil));
}

/// `lua_load`: the reader's pieces are gathered in a userdata anchored in the registry (so a
/// reader that raises an error leaves only garbage behind), then compiled as one chunk.
#[no_mangle]
pub unsafe extern "C" fn lua_load(
    l: *mut LuaState,
    reader: Reader,
    data: *mut c_void,
    chunkname: *const c_char,
    mode: *const c_char,
) -> c_int {
    // SAFETY: the reader returns `size` readable bytes or null (lua.h's contract); the
    // gathering vector belongs to the anchored userdata until the chunk is compiled.
    unsafe {
        let acc = api(l, |a| {
            let u =
                a.st.heap
                    .alloc(UserData::new(Box::new(Vec::<u8>::new()), 0));
            anchor(a, u.addr() as *mut c_void, Some(Value::UserData(u)));
            Ok(u)
        });
        loop {
            let mut size = 0usize;
            let p = reader(l, data, &mut size);
            if p.is_null() || size == 0 {
                break;
            }
            if let Some(v) = acc.data_mut().downcast_mut::<Vec<u8>>() {
                v.extend_from_slice(std::slice::from_raw_parts(p as *const u8, size));
            }
        }
        let name = if chunkname.is_null() {
            c"?".as_ptr()
        } else {
            chunkname
        };
        let (src, len) = match acc.data_mut().downcast_mut::<Vec<u8>>() {
            Some(v) => (v.as_ptr(), v.len()),
            None => (std::ptr::null(), 0),
        };
        let r = crate::aux::luaL_loadbufferx(l, src as *const c_char, len, name, mode);
        if let Some(v) = acc.data_mut().downcast_mut::<Vec<u8>>() {
            *v = Vec::new();
        }
        api(l, |a| {
            anchor(a, acc.addr() as *mut c_void, None);
            Ok(())
        });
        r
    }
}

/// `lua_dump`: the function on top as a binary chunk, given to the writer in one piece. The
/// chunk is a Lua string anchored in the registry while the writer runs (a writer that raises
/// an error leaves only garbage behind; the stack stays as the writer expects it).
#[no_mangle]
pub unsafe extern "C" fn lua_dump(
    l: *mut LuaState,
    writer: Writer,
    data: *mut c_void,
    strip: c_int,
) -> c_int {
    // SAFETY: l is live; the string's bytes stay valid while it is anchored.
    unsafe {
        let chunk = api(l, |a| {
            Ok(match a.val(-1) {
                Value::LuaFn(cl) => {
                    let bytes = lua_core::dump::dump(&cl.proto, strip != 0);
                    let s = a.st.heap.intern_vec(bytes);
                    anchor(a, s.addr() as *mut c_void, Some(Value::Str(s)));
                    Some(s)
                }
                _ => None,
            })
        });
        let Some(s) = chunk else {
            return 1;
        };
        let r = writer(l, s.as_bytes().as_ptr() as *const c_void, s.len(), data);
        api(l, |a| {
            anchor(a, s.addr() as *mut c_void, None);
            Ok(())
        });
        r
    }
}
