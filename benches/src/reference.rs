//! Reference PUC Lua 5.4 (built from source by mlua-sys) driven through its C API, for the
//! in-process benchmarks and for the `bench-reflua` command.
//!
//! A [`RefState`] is set up as lua.c sets up its state (all libraries, the GC restarted and
//! switched to generational mode), so in-process and whole-process reference runs match what
//! PUC's `lua` does. This module holds the crate's unsafe code for the C API; each block says
//! why its calls are sound.

use std::ffi::{c_int, CStr, CString};

use mlua_sys as ffi;

/// An owned reference Lua state, closed on drop.
pub struct RefState(*mut ffi::lua_State);

impl RefState {
    /// A new state with the standard libraries, configured like lua.c's `pmain`.
    pub fn new() -> Result<RefState, String> {
        // SAFETY: luaL_newstate has no preconditions; null is checked below.
        let l = unsafe { ffi::luaL_newstate() };
        if l.is_null() {
            return Err("cannot create reference Lua state".into());
        }
        // SAFETY: `l` is a fresh valid state; these are the calls lua.c makes before running
        // anything.
        unsafe {
            ffi::luaL_openlibs(l);
            ffi::lua_gc(l, ffi::LUA_GCRESTART);
            ffi::lua_gc(l, ffi::LUA_GCGEN, 0, 0);
        }
        Ok(RefState(l))
    }

    /// Pop the error object on top of the stack and return it as text.
    fn pop_error(&self) -> String {
        let l = self.0;
        // SAFETY: an error object is on top of the stack (a failed load or pcall leaves
        // exactly one); lua_tolstring's pointer is valid until the pop, and we copy first.
        unsafe {
            let p = ffi::lua_tostring(l, -1);
            let msg = if p.is_null() {
                "(error object is not a string)".to_string()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            };
            ffi::lua_pop(l, 1);
            msg
        }
    }

    /// Compile `src` under `chunkname` and call it with `args` (as strings), like lua.c's
    /// `handle_script`/`dostring`, without a traceback handler.
    pub fn exec(&self, src: &[u8], chunkname: &str, args: &[String]) -> Result<(), String> {
        let l = self.0;
        let name = CString::new(chunkname).map_err(|_| "chunk name contains NUL")?;
        // SAFETY: the buffer pointer and length describe `src`, which outlives the call; the
        // name is NUL-terminated and outlives the call.
        let status = unsafe {
            ffi::luaL_loadbufferx(
                l,
                src.as_ptr().cast(),
                src.len(),
                name.as_ptr(),
                std::ptr::null(),
            )
        };
        if status != ffi::LUA_OK {
            return Err(self.pop_error());
        }
        // SAFETY: the loaded function is on the stack; we make room for and push the
        // arguments as strings (copied by Lua), then call it protected, which pops them all.
        let status = unsafe {
            ffi::luaL_checkstack(l, args.len() as c_int + 1, c"too many arguments".as_ptr());
            for a in args {
                ffi::lua_pushlstring(l, a.as_ptr().cast(), a.len());
            }
            ffi::lua_pcall(l, args.len() as c_int, 0, 0)
        };
        if status != ffi::LUA_OK {
            return Err(self.pop_error());
        }
        Ok(())
    }

    /// Set global `arg` the way lua.c does: `argv[script]` at index 0, what follows at 1..,
    /// what precedes at negative indices.
    pub fn set_arg_table(&self, argv: &[String], script: usize) {
        let l = self.0;
        // SAFETY: the new table stays on top of the stack while filled; each pushed string
        // is consumed by lua_rawseti and lua_setglobal pops the table.
        unsafe {
            ffi::lua_createtable(l, argv.len() as c_int, 1);
            for (i, a) in argv.iter().enumerate() {
                ffi::lua_pushlstring(l, a.as_ptr().cast(), a.len());
                ffi::lua_rawseti(l, -2, i as ffi::lua_Integer - script as ffi::lua_Integer);
            }
            ffi::lua_setglobal(l, c"arg".as_ptr());
        }
    }

    /// The string value of a global, if it is a string (or number).
    pub fn global_string(&self, name: &str) -> Option<String> {
        let l = self.0;
        let cname = CString::new(name).ok()?;
        // SAFETY: lua_getglobal pushes one value; the string pointer is copied before the pop.
        unsafe {
            ffi::lua_getglobal(l, cname.as_ptr());
            let mut len = 0usize;
            let p = ffi::lua_tolstring(l, -1, &mut len);
            let r = if p.is_null() {
                None
            } else {
                let bytes = std::slice::from_raw_parts(p.cast::<u8>(), len);
                Some(String::from_utf8_lossy(bytes).into_owned())
            };
            ffi::lua_pop(l, 1);
            r
        }
    }
}

impl Drop for RefState {
    fn drop(&mut self) {
        // SAFETY: the pointer came from luaL_newstate and is closed exactly once, here.
        unsafe { ffi::lua_close(self.0) };
    }
}

/// Run `src` (the text of `script`) with `arg[1] = n` in a fresh reference state; returns
/// what it printed.
pub fn run(script: &str, src: &[u8], n: &str) -> Result<String, String> {
    let st = RefState::new()?;
    st.exec(crate::prelude(script, n).as_bytes(), "=prelude", &[])?;
    st.exec(src, &format!("@{script}"), &[])?;
    st.global_string(crate::OUTPUT_GLOBAL)
        .ok_or_else(|| "print capture lost".to_string())
}
