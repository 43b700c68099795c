//! The auxiliary library (lauxlib.h) that C modules use: argument checks with PUC's
//! messages (lua-core's `State::arg_error` and friends, so "bad argument #1 to 'f'" names
//! functions as the interpreter does), metatables in the registry, references, `luaL_Reg`
//! registration, loading chunks, and `luaL_newstate`/`lua_close` for C hosts.

use crate::stack::{lua_pushlstring, lua_tolstring, type_code, udata_ptr};
use crate::state::{api, Api, LuaState};
use crate::{CFunction, LUA_REGISTRYINDEX};
use lua_core::{LuaError, State, Value};
use std::ffi::{c_char, c_int, c_void};

/// PUC's LUAL_NUMSIZES: sizeof(lua_Integer) * 16 + sizeof(lua_Number).
const NUMSIZES: usize = 8 * 16 + 8;

#[repr(C)]
pub struct LuaLReg {
    name: *const c_char,
    func: Option<CFunction>,
}

impl Api<'_> {
    /// Argument index as the frame counts them (1-based from the base).
    fn arg_n(&self, arg: c_int) -> usize {
        let a = self.abs(arg);
        a.max(0) as usize
    }
    fn type_error(&mut self, arg: c_int, tname: &[u8]) -> LuaError {
        let n = self.arg_n(arg);
        let v = self.val(arg);
        let got = match self.tm_name_field(v) {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            _ if matches!(v, Value::LightUserData(_)) => "light userdata".into(),
            _ => self.st.arg_typename(n),
        };
        let msg = format!("{} expected, got {got}", String::from_utf8_lossy(tname));
        self.st.arg_error(n, &msg)
    }
    fn arg_err(&mut self, arg: c_int, msg: &str) -> LuaError {
        let n = self.arg_n(arg);
        self.st.arg_error(n, msg)
    }
    fn is_none_or_nil(&self, arg: c_int) -> bool {
        self.val(arg).is_nil()
    }
    fn check_str(&mut self, arg: c_int) -> Result<(*const c_char, usize), LuaError> {
        match self.tostr_inplace(arg)? {
            Some(s) => Ok((s.as_bytes_with_nul().as_ptr() as *const c_char, s.len())),
            None => Err(self.type_error(arg, b"string")),
        }
    }
    fn check_num(&mut self, arg: c_int) -> Result<f64, LuaError> {
        match lua_core::number::to_number(self.val(arg)).and_then(lua_core::number::as_float) {
            Some(f) => Ok(f),
            None => Err(self.type_error(arg, b"number")),
        }
    }
    fn check_int(&mut self, arg: c_int) -> Result<i64, LuaError> {
        let v = self.val(arg);
        match crate::stack::to_integer(v) {
            Some(i) => Ok(i),
            None if lua_core::number::to_number(v).is_some() => {
                Err(self.arg_err(arg, "number has no integer representation"))
            }
            None => Err(self.type_error(arg, b"number")),
        }
    }
    fn registry_field(&mut self, name: &[u8]) -> Value {
        let k = self.st.intern(name);
        self.st.registry.get_str(k)
    }
    fn test_udata(&mut self, ud: c_int, tname: &[u8]) -> *mut c_void {
        let v = self.val(ud);
        if !matches!(v, Value::UserData(_)) {
            return std::ptr::null_mut();
        }
        let want = self.registry_field(tname);
        match self.st.metatable(&v) {
            Some(mt) if Value::Table(mt).raw_eq(&want) => udata_ptr(v),
            _ => std::ptr::null_mut(),
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checkversion_(l: *mut LuaState, ver: f64, sz: usize) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            if sz != NUMSIZES {
                return Err(a
                    .st
                    .rt_error("core and library have incompatible numeric types"));
            }
            if ver != 504.0 {
                let m = format!(
                    "version mismatch: app. needs {}, Lua core provides 504.0",
                    lua_core::number::fmt_float(ver)
                );
                return Err(a.st.rt_error(m));
            }
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_argerror(
    l: *mut LuaState,
    arg: c_int,
    extramsg: *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let m = String::from_utf8_lossy(Api::cstr(extramsg)).into_owned();
        api(l, move |a| Err::<c_int, _>(a.arg_err(arg, &m)))
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_typeerror(
    l: *mut LuaState,
    arg: c_int,
    tname: *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let t = Api::cstr(tname);
        api(l, |a| Err::<c_int, _>(a.type_error(arg, t)))
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checklstring(
    l: *mut LuaState,
    arg: c_int,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let (p, n) = api(l, |a| a.check_str(arg));
        if !len.is_null() {
            *len = n;
        }
        p
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_optlstring(
    l: *mut LuaState,
    arg: c_int,
    def: *const c_char,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let r = api(l, |a| {
            if a.is_none_or_nil(arg) {
                Ok(None)
            } else {
                a.check_str(arg).map(Some)
            }
        });
        let (p, n) = match r {
            Some(x) => x,
            None if def.is_null() => (def, 0),
            None => (def, Api::cstr(def).len()),
        };
        if !len.is_null() {
            *len = n;
        }
        p
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checknumber(l: *mut LuaState, arg: c_int) -> f64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| a.check_num(arg)) }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_optnumber(l: *mut LuaState, arg: c_int, def: f64) -> f64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            if a.is_none_or_nil(arg) {
                Ok(def)
            } else {
                a.check_num(arg)
            }
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checkinteger(l: *mut LuaState, arg: c_int) -> i64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| a.check_int(arg)) }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_optinteger(l: *mut LuaState, arg: c_int, def: i64) -> i64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            if a.is_none_or_nil(arg) {
                Ok(def)
            } else {
                a.check_int(arg)
            }
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checkstack(l: *mut LuaState, sz: c_int, msg: *const c_char) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let m = if msg.is_null() {
            None
        } else {
            Some(String::from_utf8_lossy(Api::cstr(msg)).into_owned())
        };
        let ok = crate::stack::lua_checkstack(l, sz) != 0;
        if !ok {
            api(l, move |a| {
                let e = match &m {
                    Some(m) => format!("stack overflow ({m})"),
                    None => "stack overflow".into(),
                };
                Err::<(), _>(a.st.rt_error(e))
            })
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checktype(l: *mut LuaState, arg: c_int, t: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            if type_code(a.get(arg)) != t {
                // SAFETY: lua_typename returns a static C string.
                let name = Api::cstr(crate::stack::lua_typename(std::ptr::null_mut(), t));
                return Err(a.type_error(arg, name));
            }
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checkany(l: *mut LuaState, arg: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            if a.get(arg).is_none() {
                return Err(a.arg_err(arg, "value expected"));
            }
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_newmetatable(l: *mut LuaState, tname: *const c_char) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let name = Api::cstr(tname);
        api(l, |a| {
            let existing = a.registry_field(name);
            if !existing.is_nil() {
                a.push(existing);
                return Ok(0);
            }
            let mt = a.st.new_table(0, 2);
            let n = a.st.intern(name);
            let nk = a.st.tm_name(lua_core::tm::Tm::Name);
            mt.set_str(nk, Value::Str(n));
            a.st.registry.set_str(n, Value::Table(mt));
            a.push(Value::Table(mt));
            Ok(1)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_setmetatable(l: *mut LuaState, tname: *const c_char) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let name = Api::cstr(tname);
        api(l, |a| {
            a.need(1)?;
            let mt = a.registry_field(name).as_table();
            let v = a.val(-1);
            a.set_metatable_of(v, mt);
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_testudata(
    l: *mut LuaState,
    ud: c_int,
    tname: *const c_char,
) -> *mut c_void {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let name = Api::cstr(tname);
        api(l, |a| Ok(a.test_udata(ud, name)))
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checkudata(
    l: *mut LuaState,
    ud: c_int,
    tname: *const c_char,
) -> *mut c_void {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let name = Api::cstr(tname);
        api(l, |a| {
            let p = a.test_udata(ud, name);
            if p.is_null() {
                return Err(a.type_error(ud, name));
            }
            Ok(p)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_where(l: *mut LuaState, lvl: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let w = lua_core::debug::where_lib(a.st, lvl.max(0) as usize);
            let v = a.st.str_value(w);
            a.push(v);
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_checkoption(
    l: *mut LuaState,
    arg: c_int,
    def: *const c_char,
    lst: *const *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let name = if def.is_null() {
            luaL_checklstring(l, arg, std::ptr::null_mut())
        } else {
            luaL_optlstring(l, arg, def, std::ptr::null_mut())
        };
        let name = Api::cstr(name);
        let mut i = 0;
        while !(*lst.add(i)).is_null() {
            if Api::cstr(*lst.add(i)) == name {
                return i as c_int;
            }
            i += 1;
        }
        let m = format!("invalid option '{}'", String::from_utf8_lossy(name));
        api(l, move |a| Err::<c_int, _>(a.arg_err(arg, &m)))
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_getmetafield(
    l: *mut LuaState,
    obj: c_int,
    e: *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let e = Api::cstr(e);
        api(l, |a| {
            let v = a.val(obj);
            let f = a.meta_field(v, e);
            if f.is_nil() {
                return Ok(0);
            }
            a.push(f);
            Ok(type_code(Some(f)))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_callmeta(l: *mut LuaState, obj: c_int, e: *const c_char) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let obj = crate::stack::lua_absindex(l, obj);
        if luaL_getmetafield(l, obj, e) == 0 {
            return 0;
        }
        crate::stack::lua_pushvalue(l, obj);
        crate::access::lua_callk(l, 1, 1, 0, None);
        1
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_tolstring(
    l: *mut LuaState,
    idx: c_int,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(idx);
            let s = a.st.tostring(v)?;
            a.push(Value::Str(s));
            Ok(())
        });
        lua_tolstring(l, -1, len)
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_len(l: *mut LuaState, idx: c_int) -> i64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(idx);
            match a.st.len_of(v, None)? {
                Value::Int(i) => Ok(i),
                Value::Float(f) if lua_core::number::float_to_int_exact(f).is_some() => {
                    Ok(f as i64)
                }
                _ => Err(a.st.rt_error("object length is not an integer")),
            }
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_getsubtable(
    l: *mut LuaState,
    idx: c_int,
    fname: *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let idx = crate::stack::lua_absindex(l, idx);
        if crate::access::lua_getfield(l, idx, fname) == 5 {
            return 1;
        }
        crate::stack::lua_settop(l, -2);
        crate::access::lua_createtable(l, 0, 0);
        crate::stack::lua_pushvalue(l, -1);
        crate::access::lua_setfield(l, idx, fname);
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_setfuncs(l: *mut LuaState, mut reg: *const LuaLReg, nup: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        luaL_checkstack(l, nup, c"too many upvalues".as_ptr());
        while !(*reg).name.is_null() {
            match (*reg).func {
                None => crate::stack::lua_pushboolean(l, 0),
                Some(f) => {
                    for _ in 0..nup {
                        crate::stack::lua_pushvalue(l, -nup);
                    }
                    crate::stack::lua_pushcclosure(l, f, nup);
                }
            }
            crate::access::lua_setfield(l, -(nup + 2), (*reg).name);
            reg = reg.add(1);
        }
        crate::stack::lua_settop(l, -nup - 1);
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_requiref(
    l: *mut LuaState,
    modname: *const c_char,
    openf: CFunction,
    glb: c_int,
) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        luaL_getsubtable(l, LUA_REGISTRYINDEX, c"_LOADED".as_ptr());
        crate::access::lua_getfield(l, -1, modname);
        if crate::stack::lua_toboolean(l, -1) == 0 {
            crate::stack::lua_settop(l, -2);
            crate::stack::lua_pushcclosure(l, openf, 0);
            crate::stack::lua_pushstring(l, modname);
            crate::access::lua_callk(l, 1, 1, 0, None);
            crate::stack::lua_pushvalue(l, -1);
            crate::access::lua_setfield(l, -3, modname);
        }
        crate::stack::lua_rotate(l, -2, -1);
        crate::stack::lua_settop(l, -2);
        if glb != 0 {
            crate::stack::lua_pushvalue(l, -1);
            crate::access::lua_setglobal(l, modname);
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_traceback(
    l: *mut LuaState,
    l1: *mut LuaState,
    msg: *const c_char,
    level: c_int,
) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let m = if msg.is_null() {
            None
        } else {
            Some(Api::cstr(msg))
        };
        let th1 = (*crate::state::handle(l1)).thread;
        let tb = api(l, |a| {
            let prev = a.st.cur;
            a.st.cur = th1;
            let tb = lua_core::debug::traceback(a.st, m, level.max(0) as usize);
            a.st.cur = prev;
            Ok(Box::into_raw(tb.into_boxed_slice()))
        });
        let tb = Box::from_raw(tb);
        lua_pushlstring(l, tb.as_ptr() as *const c_char, tb.len());
    }
}

// ----- results of system calls -----

/// `luaL_fileresult`: true, or nil, "fname: message" (or the message) and errno.
#[no_mangle]
pub unsafe extern "C" fn luaL_fileresult(
    l: *mut LuaState,
    stat: c_int,
    fname: *const c_char,
) -> c_int {
    let err = std::io::Error::last_os_error();
    // SAFETY: l is live; fname is null or NUL-terminated (lauxlib's contract).
    unsafe {
        let name = if fname.is_null() {
            None
        } else {
            Some(Api::cstr(fname))
        };
        api(l, move |a| {
            if stat != 0 {
                a.push(Value::Bool(true));
                return Ok(1);
            }
            let text = lua_core::stdlib::os_error_text(&err);
            let msg = match name {
                Some(n) => [n, b": ", text.as_bytes()].concat(),
                None => text.into_bytes(),
            };
            let m = a.st.str_value(msg);
            a.push(Value::Nil);
            a.push(m);
            a.push(Value::Int(err.raw_os_error().unwrap_or(0) as i64));
            Ok(3)
        })
    }
}

/// `luaL_execresult`: the result of `system`/`pclose` as `os.execute` reports it.
#[no_mangle]
pub unsafe extern "C" fn luaL_execresult(l: *mut LuaState, stat: c_int) -> c_int {
    if stat == -1 {
        // SAFETY: as luaL_fileresult.
        return unsafe { luaL_fileresult(l, 0, std::ptr::null()) };
    }
    // SAFETY: l is live.
    unsafe {
        api(l, |a| {
            let (what, code) = if libc::WIFEXITED(stat) {
                ("exit", libc::WEXITSTATUS(stat))
            } else if libc::WIFSIGNALED(stat) {
                ("signal", libc::WTERMSIG(stat))
            } else {
                ("exit", stat)
            };
            if what == "exit" && code == 0 {
                a.push(Value::Bool(true));
            } else {
                a.push(Value::Nil);
            }
            let w = a.st.str_value(what);
            a.push(w);
            a.push(Value::Int(code as i64));
            Ok(3)
        })
    }
}

// ----- references -----

/// Index in a reference table of the free-list head (as PUC 5.4.8: after the registry's
/// predefined slots).
const FREELIST: i64 = 3;

#[no_mangle]
pub unsafe extern "C" fn luaL_ref(l: *mut LuaState, t: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let v = a.pop();
            if v.is_nil() {
                return Ok(-1); // LUA_REFNIL
            }
            let tab = match a.val(t) {
                Value::Table(tab) => tab,
                _ => return Err(a.st.error_msg("table expected")),
            };
            let free = match tab.get_int(FREELIST) {
                Value::Int(i) => i,
                _ => {
                    tab.set_int(FREELIST, Value::Int(0));
                    0
                }
            };
            let r = if free != 0 {
                let next = tab.get_int(free);
                tab.set_int(FREELIST, next);
                free
            } else {
                tab.len() + 1
            };
            a.push(v); // rooted while the table may grow
            tab.set_int(r, v);
            a.pop();
            Ok(r as c_int)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_unref(l: *mut LuaState, t: c_int, r: c_int) {
    if r < 0 {
        return;
    }
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let tab = match a.val(t) {
                Value::Table(tab) => tab,
                _ => return Err(a.st.error_msg("table expected")),
            };
            let head = tab.get_int(FREELIST);
            tab.set_int(r as i64, head);
            tab.set_int(FREELIST, Value::Int(r as i64));
            Ok(())
        })
    }
}

// ----- loading chunks -----

/// Load `src` as a chunk named `name`: pushes the function (LUA_OK) or the message
/// (LUA_ERRSYNTAX).
///
/// # Safety
/// `l` must be live.
unsafe fn load_bytes(l: *mut LuaState, src: &[u8], name: &[u8], mode: &[u8]) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(match a.st.load_chunk(src, name, mode, None) {
                Ok(f) => {
                    a.push(f);
                    0
                }
                Err(m) => {
                    let v = a.st.str_value(m);
                    a.push(v);
                    3
                }
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_loadbufferx(
    l: *mut LuaState,
    buff: *const c_char,
    sz: usize,
    name: *const c_char,
    mode: *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let src: &[u8] = if sz == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(buff as *const u8, sz)
        };
        let name = if name.is_null() { src } else { Api::cstr(name) };
        let mode = if mode.is_null() {
            &b"bt"[..]
        } else {
            Api::cstr(mode)
        };
        load_bytes(l, src, name, mode)
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_loadstring(l: *mut LuaState, s: *const c_char) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let b = Api::cstr(s);
        load_bytes(l, b, b, b"bt")
    }
}

#[no_mangle]
pub unsafe extern "C" fn luaL_loadfilex(
    l: *mut LuaState,
    filename: *const c_char,
    mode: *const c_char,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let f = if filename.is_null() {
            None
        } else {
            Some(Api::cstr(filename))
        };
        let mode = if mode.is_null() {
            &b"bt"[..]
        } else {
            Api::cstr(mode)
        };
        api(l, |a| {
            Ok(
                match lua_core::stdlib::base::load_file(a.st, f, mode, None) {
                    Ok(func) => {
                        a.push(func);
                        0
                    }
                    Err(m) => {
                        let v = a.st.str_value(m);
                        a.push(v);
                        // LUA_ERRFILE for open/read failures, as PUC.
                        if v.as_str()
                            .is_some_and(|s| s.as_bytes().starts_with(b"cannot "))
                        {
                            6
                        } else {
                            3
                        }
                    }
                },
            )
        })
    }
}

// ----- states for C hosts -----

/// `luaL_newstate`: a new universe with the standard libraries already open (lua-core opens
/// them on creation; `luaL_openlibs` is then a no-op), able to load C modules.
#[no_mangle]
pub extern "C" fn luaL_newstate() -> *mut LuaState {
    let st = Box::leak(State::new());
    crate::install(st);
    let main = st.main;
    let h = crate::state::handle_of(st, main);
    crate::state::l_of(h)
}

/// `lua_newstate`: as `luaL_newstate`; the allocator is not used (lua-core allocates with
/// Rust's allocator).
#[no_mangle]
pub extern "C" fn lua_newstate(_f: *mut c_void, _ud: *mut c_void) -> *mut LuaState {
    luaL_newstate()
}

#[no_mangle]
pub extern "C" fn luaL_openlibs(_l: *mut LuaState) {}

/// `lua_close`: runs pending finalizers and frees a universe made by `luaL_newstate`.
#[no_mangle]
pub unsafe extern "C" fn lua_close(l: *mut LuaState) {
    // SAFETY: l is the main thread's handle of a state leaked by luaL_newstate; after this
    // nothing may use it (lua.h's contract).
    unsafe {
        let st = crate::state::state_ptr(l);
        (*st).close();
        drop(Box::from_raw(st));
    }
}
