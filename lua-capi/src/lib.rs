//! lua-capi: PUC Lua 5.4's C API (lua.h and lauxlib.h, x86-64 Linux ABI) over lua-core, so
//! C modules built for Lua 5.4 (lfs, cjson, lpeg, luasocket...) load with `require`, and C
//! hosts can create states with `luaL_newstate`.
//!
//! Link rule: this crate defines the `lua_*`/`luaL_*` symbols, as does mlua-sys's vendored
//! reference Lua. It must only be linked into the `lua` binary (and a future liblua.so),
//! never into a binary that also links mlua-sys; tests compare with the reference across a
//! process boundary.
//!
//! Modules:
//! - `state`: the `lua_State` handle, the per-universe globals, `api` (how every API function
//!   runs and raises errors with longjmp) and the trampoline calling C functions. The
//!   longjmp invariant is stated and enforced there.
//! - `stack`: indices, push/to/is functions. `access`: tables, metatables, userdata, calls,
//!   errors, arithmetic and comparison. `aux`: lauxlib. `buffer`: `luaL_Buffer`.
//! - `thread`: coroutines from C (`lua_newthread`, `lua_resume`, `lua_yield` without a
//!   continuation) and `lua_load`/`lua_dump` with C callbacks.
//! - `loadlib`: dlopen/dlsym for `package.loadlib` and the C searchers.
//! - `shim.c`: setjmp/longjmp and the variadic functions (pushfstring, luaL_error, lua_gc).
//!
//! Not yet: continuations of `lua_yieldk` and `lua_pcallk` (`lua_callk`'s work), the debug
//! interface (`lua_getinfo`, `lua_sethook`...; upvalue access is there), `lua_toclose`, warnings, a
//! caller's allocator in `lua_newstate`, liblua.so. docs/capi.md has the whole design.
//!
//! Unsafe code is confined to this crate's FFI surface: every `extern "C"` function takes
//! raw pointers from C and is `unsafe`; each block names what it relies on.

#![allow(clippy::missing_safety_doc)] // reason: lua.h documents the contract of every function
#![allow(non_snake_case)] // reason: the C API's names (luaL_checkversion_ ...)

pub mod access;
pub mod aux;
pub mod buffer;
pub mod loadlib;
pub mod stack;
pub mod state;
pub mod thread;

use std::ffi::c_int;

/// `lua_CFunction`.
pub type CFunction = unsafe extern "C" fn(*mut state::LuaState) -> c_int;

/// PUC's LUA_REGISTRYINDEX (-LUAI_MAXSTACK - 1000).
pub const LUA_REGISTRYINDEX: c_int = -1_001_000;
pub const LUA_MULTRET: c_int = -1;

/// Make `st` serve the C API: its main thread gets a `lua_State` handle and `require` loads
/// C libraries.
pub fn install(st: &mut lua_core::State) {
    state::install_handles(st);
    st.c_loader = Some(loadlib::load);
}

/// Keep every API symbol in a binary that links this crate, so a linker's garbage
/// collection cannot drop the ones the binary itself never calls (modules find them with
/// the dynamic linker). Call once from the binary (the `lua` command does, at start).
pub fn keep_symbols() -> usize {
    let syms: &[usize] = &[
        stack::lua_absindex as *const () as usize,
        stack::lua_gettop as *const () as usize,
        stack::lua_settop as *const () as usize,
        stack::lua_pushvalue as *const () as usize,
        stack::lua_rotate as *const () as usize,
        stack::lua_copy as *const () as usize,
        stack::lua_checkstack as *const () as usize,
        stack::lua_xmove as *const () as usize,
        stack::lua_type as *const () as usize,
        stack::lua_typename as *const () as usize,
        stack::lua_isnumber as *const () as usize,
        stack::lua_isstring as *const () as usize,
        stack::lua_iscfunction as *const () as usize,
        stack::lua_isinteger as *const () as usize,
        stack::lua_isuserdata as *const () as usize,
        stack::lua_tonumberx as *const () as usize,
        stack::lua_tointegerx as *const () as usize,
        stack::lua_toboolean as *const () as usize,
        stack::lua_tolstring as *const () as usize,
        stack::lua_rawlen as *const () as usize,
        stack::lua_tocfunction as *const () as usize,
        stack::lua_touserdata as *const () as usize,
        stack::lua_tothread as *const () as usize,
        stack::lua_topointer as *const () as usize,
        stack::lua_pushnil as *const () as usize,
        stack::lua_pushnumber as *const () as usize,
        stack::lua_pushinteger as *const () as usize,
        stack::lua_pushlstring as *const () as usize,
        stack::lua_pushstring as *const () as usize,
        stack::lua_pushcclosure as *const () as usize,
        stack::lua_pushboolean as *const () as usize,
        stack::lua_pushlightuserdata as *const () as usize,
        stack::lua_pushthread as *const () as usize,
        stack::lua_stringtonumber as *const () as usize,
        access::lua_getglobal as *const () as usize,
        access::lua_gettable as *const () as usize,
        access::lua_getfield as *const () as usize,
        access::lua_geti as *const () as usize,
        access::lua_rawget as *const () as usize,
        access::lua_rawgeti as *const () as usize,
        access::lua_rawgetp as *const () as usize,
        access::lua_createtable as *const () as usize,
        access::lua_newuserdatauv as *const () as usize,
        access::lua_getmetatable as *const () as usize,
        access::lua_getiuservalue as *const () as usize,
        access::lua_setglobal as *const () as usize,
        access::lua_settable as *const () as usize,
        access::lua_setfield as *const () as usize,
        access::lua_seti as *const () as usize,
        access::lua_rawset as *const () as usize,
        access::lua_rawseti as *const () as usize,
        access::lua_rawsetp as *const () as usize,
        access::lua_setmetatable as *const () as usize,
        access::lua_setiuservalue as *const () as usize,
        access::lua_callk as *const () as usize,
        access::lua_pcallk as *const () as usize,
        access::lua_error as *const () as usize,
        access::lua_next as *const () as usize,
        access::lua_concat as *const () as usize,
        access::lua_len as *const () as usize,
        access::lua_rawequal as *const () as usize,
        access::lua_compare as *const () as usize,
        access::lua_arith as *const () as usize,
        access::capi_bad_format as *const () as usize,
        access::capi_gc as *const () as usize,
        access::lua_atpanic as *const () as usize,
        access::lua_version as *const () as usize,
        access::lua_getallocf as *const () as usize,
        access::lua_toclose as *const () as usize,
        access::lua_closeslot as *const () as usize,
        access::lua_getupvalue as *const () as usize,
        access::lua_setupvalue as *const () as usize,
        access::lua_upvalueid as *const () as usize,
        access::lua_upvaluejoin as *const () as usize,
        aux::luaL_checkversion_ as *const () as usize,
        aux::luaL_argerror as *const () as usize,
        aux::luaL_typeerror as *const () as usize,
        aux::luaL_checklstring as *const () as usize,
        aux::luaL_optlstring as *const () as usize,
        aux::luaL_checknumber as *const () as usize,
        aux::luaL_optnumber as *const () as usize,
        aux::luaL_checkinteger as *const () as usize,
        aux::luaL_optinteger as *const () as usize,
        aux::luaL_checkstack as *const () as usize,
        aux::luaL_checktype as *const () as usize,
        aux::luaL_checkany as *const () as usize,
        aux::luaL_newmetatable as *const () as usize,
        aux::luaL_setmetatable as *const () as usize,
        aux::luaL_testudata as *const () as usize,
        aux::luaL_checkudata as *const () as usize,
        aux::luaL_where as *const () as usize,
        aux::luaL_checkoption as *const () as usize,
        aux::luaL_getmetafield as *const () as usize,
        aux::luaL_callmeta as *const () as usize,
        aux::luaL_tolstring as *const () as usize,
        aux::luaL_len as *const () as usize,
        aux::luaL_getsubtable as *const () as usize,
        aux::luaL_setfuncs as *const () as usize,
        aux::luaL_requiref as *const () as usize,
        aux::luaL_traceback as *const () as usize,
        aux::luaL_ref as *const () as usize,
        aux::luaL_unref as *const () as usize,
        aux::luaL_loadbufferx as *const () as usize,
        aux::luaL_loadstring as *const () as usize,
        aux::luaL_loadfilex as *const () as usize,
        aux::luaL_newstate as *const () as usize,
        aux::lua_newstate as *const () as usize,
        aux::luaL_openlibs as *const () as usize,
        aux::lua_close as *const () as usize,
        buffer::luaL_buffinit as *const () as usize,
        buffer::luaL_prepbuffsize as *const () as usize,
        buffer::luaL_buffinitsize as *const () as usize,
        buffer::luaL_addlstring as *const () as usize,
        buffer::luaL_addstring as *const () as usize,
        buffer::luaL_addvalue as *const () as usize,
        buffer::luaL_pushresult as *const () as usize,
        buffer::luaL_pushresultsize as *const () as usize,
        buffer::luaL_addgsub as *const () as usize,
        buffer::luaL_gsub as *const () as usize,
        thread::lua_newthread as *const () as usize,
        thread::lua_resume as *const () as usize,
        thread::lua_yieldk as *const () as usize,
        thread::lua_status as *const () as usize,
        thread::lua_isyieldable as *const () as usize,
        thread::lua_load as *const () as usize,
        thread::lua_dump as *const () as usize,
        aux::luaL_fileresult as *const () as usize,
        aux::luaL_execresult as *const () as usize,
        shim_symbols(),
    ];
    std::hint::black_box(syms).len()
}

unsafe extern "C" {
    fn lua_pushfstring();
    fn lua_pushvfstring();
    fn luaL_error();
    fn lua_gc();
}

fn shim_symbols() -> usize {
    std::hint::black_box([
        lua_pushfstring as *const () as usize,
        lua_pushvfstring as *const () as usize,
        luaL_error as *const () as usize,
        lua_gc as *const () as usize,
    ])
    .iter()
    .sum()
}
