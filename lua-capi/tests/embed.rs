//! The API as a C host uses it (`luaL_newstate`, chunks, `lua_pcall`, `lua_close`), called
//! from Rust through the `extern "C"` functions, and API misuse inside a C function giving a
//! Lua error instead of a crash. This test binary links lua-capi alone (no reference Lua).

use lua_capi::access::*;
use lua_capi::aux::*;
use lua_capi::stack::*;
use lua_capi::state::LuaState;
use std::ffi::{c_int, CStr};
use std::ptr::null_mut;

/// The string at `idx`.
unsafe fn string_at(l: *mut LuaState, idx: c_int) -> String {
    // SAFETY: l is live; lua_tolstring returns a NUL-terminated string or null.
    unsafe {
        let p = lua_tolstring(l, idx, null_mut());
        assert!(!p.is_null(), "a string at {idx}");
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Runs `src` protected; (status, values or message as strings).
unsafe fn run(l: *mut LuaState, src: &CStr) -> (c_int, Vec<String>) {
    // SAFETY: l is live.
    unsafe {
        let base = lua_gettop(l);
        let st = luaL_loadstring(l, src.as_ptr());
        let st = if st == 0 {
            lua_pcallk(l, 0, -1, 0, 0, None)
        } else {
            st
        };
        let n = lua_gettop(l);
        let vals = (base + 1..=n).map(|i| {
            luaL_tolstring(l, i, null_mut());
            let s = string_at(l, -1);
            lua_settop(l, -2);
            s
        });
        let vals = vals.collect();
        lua_settop(l, base);
        (st, vals)
    }
}

#[test]
fn host_runs_chunks_and_closes() {
    // SAFETY: the API used as lua.h documents it.
    unsafe {
        let l = luaL_newstate();
        luaL_openlibs(l);
        assert_eq!(
            run(l, c"return 6 * 7, 'x' .. 1, nil"),
            (0, vec!["42".into(), "x1".into(), "nil".into()])
        );
        let (st, msg) = run(l, c"error('boom')");
        assert_eq!(
            (st, msg[0].as_str()),
            (2, "[string \"error('boom')\"]:1: boom")
        );
        let (st, msg) = run(l, c"return +");
        assert_eq!(st, 3, "{msg:?}");
        // Globals set from C are visible to Lua and back.
        lua_pushinteger(l, 5);
        lua_setglobal(l, c"five".as_ptr());
        assert_eq!(
            run(l, c"return five * 2, string.format('%5.1f', five)").1,
            ["10", "  5.0"]
        );
        // The extra space before the lua_State belongs to the host.
        let extra = (l as *mut u8).sub(8) as *mut usize;
        *extra = 0xfeed;
        assert_eq!(
            run(
                l,
                c"local t = {} for i = 1, 1000 do t[i] = {i} end return #t"
            )
            .1,
            ["1000"]
        );
        assert_eq!(*extra, 0xfeed);
        lua_close(l);
    }
}

/// A C function (written in Rust) that misuses the API as `arg 1` says. Its frame holds only
/// plain values, so an error's longjmp may skip it.
unsafe extern "C" fn misuse(l: *mut LuaState) -> c_int {
    // SAFETY: l is live; the misuse is what is tested.
    unsafe {
        match lua_tointegerx(l, 1, null_mut()) {
            1 => lua_settop(l, -100),
            2 => {
                lua_settop(l, 0);
                lua_settable(l, 1);
            }
            3 => lua_rotate(l, 50, 1),
            4 => lua_copy(l, 1, 40),
            5 => {
                lua_pushinteger(l, 1);
                lua_arith(l, 99);
            }
            6 => return 10, // more results than values
            7 => luaL_checkversion_(l, 503.0, 136),
            8 => luaL_checkversion_(l, 504.0, 100),
            _ => {}
        }
        0
    }
}

#[test]
fn misuse_is_a_lua_error() {
    // SAFETY: as above.
    unsafe {
        let l = luaL_newstate();
        lua_pushcclosure(l, misuse, 0);
        lua_setglobal(l, c"misuse".as_ptr());
        for (case, msg) in [
            (1, "invalid new top"),
            (2, "not enough elements in the stack"),
            (3, "invalid index"),
            (4, "invalid index"),
            (5, "invalid option"),
            (6, "C function returned more results than it pushed"),
            (
                7,
                "version mismatch: app. needs 503.0, Lua core provides 504.0",
            ),
            (8, "core and library have incompatible numeric types"),
        ] {
            let src = std::ffi::CString::new(format!("return misuse({case})")).unwrap();
            let (st, vals) = run(l, &src);
            // (luaL_error's messages carry the caller's position.)
            assert_eq!(st, 2, "case {case}");
            assert!(vals[0].ends_with(msg), "case {case}: {}", vals[0]);
        }
        assert_eq!(run(l, c"return misuse(0)").0, 0);
        lua_close(l);
    }
}
