//! `luaL_Buffer` with PUC's layout, since lauxlib.h's macros (`luaL_addchar`, `luaL_addsize`,
//! `luaL_buffsub`, `luaL_buffaddr`) touch its fields directly.
//!
//! ```text
//!  offset 0   8      16   24   32                     1056
//!  +--------+------+----+----+--------------------------+
//!  | b      | size | n  | L  | init: 1024 bytes         |
//!  +--------+------+----+----+--------------------------+
//! ```
//!
//! As in PUC, `luaL_buffinit` pushes a placeholder (a light userdata) and the buffer's
//! stack slot stays at the top while it is in use (below the value `luaL_addvalue` adds).
//! While the bytes fit in `init`, `b` points there; beyond, they move to a "box": a
//! userdata owning a `Vec<u8>` that replaces the placeholder, so the memory is freed by the
//! collector however the C function ends (an error longjmps past it). `b` points into the
//! box's vector, which only `prep` resizes. `luaL_pushresult` empties the box and removes it.

use crate::state::{api, LuaState};
use lua_core::object::UserData;
use lua_core::Value;
use std::ffi::{c_char, c_int};

const BUFFERSIZE: usize = 1024;

#[repr(C, align(8))]
pub struct InitBuf([u8; BUFFERSIZE]);

#[repr(C)]
pub struct LuaLBuffer {
    b: *mut c_char,
    size: usize,
    n: usize,
    l: *mut LuaState,
    init: InitBuf,
}

const _: () = assert!(std::mem::size_of::<LuaLBuffer>() == 1056);
const _: () = assert!(std::mem::offset_of!(LuaLBuffer, init) == 32);

/// The box payload; its size counts towards the collector's debt while it lives.
struct BufBox(Vec<u8>);

impl BufBox {
    fn new(v: Vec<u8>) -> BufBox {
        lua_core::gc::note_alloc(v.len() as isize);
        BufBox(v)
    }
    fn resize(&mut self, n: usize) {
        lua_core::gc::note_alloc(n as isize - self.0.len() as isize);
        self.0.resize(n, 0);
    }
    fn clear(&mut self) {
        lua_core::gc::note_alloc(-(self.0.len() as isize));
        self.0 = Vec::new();
    }
}

impl Drop for BufBox {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Room for `sz` more bytes; the box (or placeholder) is at stack index `boxidx`.
///
/// # Safety
/// `b` must be a buffer initialised by `luaL_buffinit` whose state is live.
unsafe fn prep(b: *mut LuaLBuffer, sz: usize, boxidx: c_int) -> *mut c_char {
    // SAFETY: b is a live buffer (caller); fields are plain data.
    unsafe {
        let buf = &mut *b;
        if buf.size.saturating_sub(buf.n) >= sz {
            return buf.b.add(buf.n);
        }
        let on_init = std::ptr::eq(buf.b as *const u8, buf.init.0.as_ptr());
        let (n, old) = (buf.n, buf.b as *const u8);
        let newsize = (buf.size / 2 * 3).max(n.saturating_add(sz));
        let p = api(buf.l, |a| {
            if n.checked_add(sz).is_none() {
                return Err(a.st.rt_error("buffer too large"));
            }
            if on_init {
                let mut v = vec![0u8; newsize];
                v[..n].copy_from_slice(std::slice::from_raw_parts(old, n));
                let p = v.as_mut_ptr();
                let u = a.st.heap.alloc(UserData::new(Box::new(BufBox::new(v)), 0));
                a.put(boxidx, Value::UserData(u))?;
                Ok(p)
            } else {
                let Value::UserData(u) = a.val(boxidx) else {
                    return Err(a.st.error_msg("luaL_Buffer: box not found"));
                };
                let Some(bx) = u.data_mut().downcast_mut::<BufBox>() else {
                    return Err(a.st.error_msg("luaL_Buffer: box not found"));
                };
                bx.resize(newsize);
                Ok(bx.0.as_mut_ptr())
            }
        });
        buf.b = p as *mut c_char;
        buf.size = newsize;
        buf.b.add(buf.n)
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_buffinit(l: *mut LuaState, b: *mut LuaLBuffer) {
    // SAFETY: b points to a caller-owned luaL_Buffer.
    unsafe {
        let buf = &mut *b;
        buf.l = l;
        buf.b = buf.init.0.as_mut_ptr() as *mut c_char;
        buf.n = 0;
        buf.size = BUFFERSIZE;
        crate::stack::lua_pushlightuserdata(l, b as *mut std::ffi::c_void);
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_prepbuffsize(b: *mut LuaLBuffer, sz: usize) -> *mut c_char {
    // SAFETY: b is an initialised buffer (lauxlib's contract).
    unsafe { prep(b, sz, -1) }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_buffinitsize(
    l: *mut LuaState,
    b: *mut LuaLBuffer,
    sz: usize,
) -> *mut c_char {
    // SAFETY: as above.
    unsafe {
        luaL_buffinit(l, b);
        prep(b, sz, -1)
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_addlstring(b: *mut LuaLBuffer, s: *const c_char, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: `s` has `len` readable bytes; prep gave room for them.
    unsafe {
        let p = prep(b, len, -1);
        std::ptr::copy_nonoverlapping(s, p, len);
        (*b).n += len;
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_addstring(b: *mut LuaLBuffer, s: *const c_char) {
    // SAFETY: s is NUL-terminated.
    unsafe { luaL_addlstring(b, s, libc::strlen(s)) }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_addvalue(b: *mut LuaLBuffer) {
    // SAFETY: the value is on top with the buffer's slot below it (lauxlib's contract); the
    // string stays alive on the stack while it is copied.
    unsafe {
        let l = (*b).l;
        let mut len = 0usize;
        let s = crate::stack::lua_tolstring(l, -1, &mut len);
        if !s.is_null() && len > 0 {
            let p = prep(b, len, -2);
            std::ptr::copy_nonoverlapping(s, p, len);
            (*b).n += len;
        }
        crate::stack::lua_settop(l, -2);
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_pushresult(b: *mut LuaLBuffer) {
    // SAFETY: b is initialised; its slot is on top.
    unsafe {
        let buf = &mut *b;
        let l = buf.l;
        crate::stack::lua_pushlstring(l, buf.b, buf.n);
        api(l, |a| {
            if let Value::UserData(u) = a.val(-2) {
                if let Some(bx) = u.data_mut().downcast_mut::<BufBox>() {
                    bx.clear();
                }
            }
            // Remove the box or placeholder under the result.
            a.need(2)?;
            let top = a.top();
            let ts = a.ts();
            ts.stack[top - 2] = ts.stack[top - 1];
            ts.top = top - 1;
            Ok(())
        });
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_pushresultsize(b: *mut LuaLBuffer, sz: usize) {
    // SAFETY: as luaL_pushresult; the caller wrote `sz` bytes after luaL_prepbuffsize.
    unsafe {
        (*b).n += sz;
        luaL_pushresult(b);
    }
}

/// `luaL_addgsub`: add `s` with every `p` replaced by `r`.
#[no_mangle]
pub unsafe extern "C" fn luaL_addgsub(
    b: *mut LuaLBuffer,
    s: *const c_char,
    p: *const c_char,
    r: *const c_char,
) {
    // SAFETY: NUL-terminated arguments (lauxlib's contract).
    unsafe {
        let (mut s, pat, rep) = (
            crate::state::Api::cstr(s),
            crate::state::Api::cstr(p),
            crate::state::Api::cstr(r),
        );
        if pat.is_empty() {
            luaL_addlstring(b, s.as_ptr() as *const c_char, s.len());
            return;
        }
        while let Some(i) = s.windows(pat.len()).position(|w| w == pat) {
            luaL_addlstring(b, s.as_ptr() as *const c_char, i);
            luaL_addlstring(b, rep.as_ptr() as *const c_char, rep.len());
            s = &s[i + pat.len()..];
        }
        luaL_addlstring(b, s.as_ptr() as *const c_char, s.len());
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_gsub(
    l: *mut LuaState,
    s: *const c_char,
    p: *const c_char,
    r: *const c_char,
) -> *const c_char {
    // SAFETY: a buffer on this frame, used as lauxlib's luaL_gsub does.
    unsafe {
        let mut b = std::mem::MaybeUninit::<LuaLBuffer>::uninit();
        let bp = b.as_mut_ptr();
        luaL_buffinit(l, bp);
        luaL_addgsub(bp, s, p, r);
        luaL_pushresult(bp);
        crate::stack::lua_tolstring(l, -1, std::ptr::null_mut())
    }
}
