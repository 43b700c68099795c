//! Tables, metatables, userdata, calls, errors and the other operations of lua.h that run
//! Lua semantics (metamethods, coercions): each is an `api` closure over lua-core's own
//! operations (`State::index`, `set_index`, `arith`, `call_at`, `pcall_at`...), so C sees
//! exactly the interpreter's behaviour and messages.

use crate::stack::{type_code, CBlock};
use crate::state::{api, Api, LuaState};
use crate::LUA_MULTRET;
use lua_core::number::ArithOp;
use lua_core::object::UserData;
use lua_core::tm::Tm;
use lua_core::{LuaError, Value};
use std::ffi::{c_char, c_int, c_void};

impl Api<'_> {
    fn table_at(
        &mut self,
        idx: c_int,
    ) -> Result<lua_core::gc::Gc<lua_core::table::Table>, LuaError> {
        match self.val(idx) {
            Value::Table(t) => Ok(t),
            _ => Err(self.st.error_msg("table expected")),
        }
    }
    fn globals(&self) -> Value {
        Value::Table(self.st.globals)
    }
    /// Push `obj[key]` (with metamethods); its type code.
    fn get_push(&mut self, obj: Value, key: Value) -> Result<c_int, LuaError> {
        // Keep the key rooted on the stack while a metamethod may run.
        self.push(key);
        let v = self.st.index(obj, key, None)?;
        let ts = self.ts();
        ts.stack[ts.top - 1] = v;
        Ok(type_code(Some(v)))
    }
    fn str_key(&mut self, k: *const c_char) -> Value {
        // SAFETY: API callers pass NUL-terminated keys.
        let b = unsafe { Api::cstr(k) };
        Value::Str(self.st.intern(b))
    }
    pub fn set_metatable_of(
        &mut self,
        v: Value,
        mt: Option<lua_core::gc::Gc<lua_core::table::Table>>,
    ) {
        match v {
            Value::Table(t) => t.set_metatable(mt),
            Value::UserData(u) => u.set_metatable(mt),
            _ => self.st.type_meta[v.tag() as usize] = mt,
        }
        self.st.check_finalizer(&v);
    }
}

// ----- get functions (Lua -> stack) -----

#[no_mangle]
pub unsafe extern "C" fn lua_getglobal(l: *mut LuaState, name: *const c_char) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let k = a.str_key(name);
            let g = a.globals();
            a.get_push(g, k)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_gettable(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.val(idx);
            let k = a.pop();
            a.get_push(t, k)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_getfield(l: *mut LuaState, idx: c_int, k: *const c_char) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let t = a.val(idx);
            let k = a.str_key(k);
            a.get_push(t, k)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_geti(l: *mut LuaState, idx: c_int, n: i64) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let t = a.val(idx);
            a.get_push(t, Value::Int(n))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawget(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.table_at(idx)?;
            let k = a.pop();
            let v = t.get(&k);
            a.push(v);
            Ok(type_code(Some(v)))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawgeti(l: *mut LuaState, idx: c_int, n: i64) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.table_at(idx)?.get_int(n);
            a.push(v);
            Ok(type_code(Some(v)))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawgetp(l: *mut LuaState, idx: c_int, p: *const c_void) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a
                .table_at(idx)?
                .get(&Value::LightUserData(p as *mut c_void));
            a.push(v);
            Ok(type_code(Some(v)))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_createtable(l: *mut LuaState, narr: c_int, nrec: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let t = a.st.new_table(narr.max(0) as usize, nrec.max(0) as usize);
            a.push(Value::Table(t));
            a.gc_check();
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_newuserdatauv(
    l: *mut LuaState,
    size: usize,
    nuv: c_int,
) -> *mut c_void {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let mut b = CBlock::new(size);
            let p = b.ptr();
            let u =
                a.st.heap
                    .alloc(UserData::new(Box::new(b), nuv.max(0) as usize));
            a.push(Value::UserData(u));
            a.gc_check();
            Ok(p)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_getmetatable(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(idx);
            Ok(match a.st.metatable(&v) {
                Some(mt) => {
                    a.push(Value::Table(mt));
                    1
                }
                None => 0,
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_getiuservalue(l: *mut LuaState, idx: c_int, n: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = match a.val(idx) {
                Value::UserData(u) if n >= 1 => u.user_value(n as usize - 1),
                _ => None,
            };
            a.push(v.unwrap_or(Value::Nil));
            Ok(if v.is_some() { type_code(v) } else { -1 })
        })
    }
}

// ----- set functions (stack -> Lua) -----

#[no_mangle]
pub unsafe extern "C" fn lua_setglobal(l: *mut LuaState, name: *const c_char) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let k = a.str_key(name);
            let g = a.globals();
            a.push(k);
            let (k, v) = (a.val(-1), a.val(-2));
            a.st.set_index(g, k, v, None)?;
            a.ts().top -= 2;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_settable(l: *mut LuaState, idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(2)?;
            let t = a.val(idx);
            let (k, v) = (a.val(-2), a.val(-1));
            a.st.set_index(t, k, v, None)?;
            a.ts().top -= 2;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_setfield(l: *mut LuaState, idx: c_int, k: *const c_char) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.val(idx);
            let k = a.str_key(k);
            a.push(k);
            let v = a.val(-2);
            a.st.set_index(t, k, v, None)?;
            a.ts().top -= 2;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_seti(l: *mut LuaState, idx: c_int, n: i64) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.val(idx);
            let v = a.val(-1);
            a.st.set_index(t, Value::Int(n), v, None)?;
            a.ts().top -= 1;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawset(l: *mut LuaState, idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(2)?;
            let t = a.table_at(idx)?;
            let (k, v) = (a.val(-2), a.val(-1));
            a.st.raw_set(t, k, v)?;
            a.ts().top -= 2;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawseti(l: *mut LuaState, idx: c_int, n: i64) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.table_at(idx)?;
            let v = a.val(-1);
            a.st.raw_set(t, Value::Int(n), v)?;
            a.ts().top -= 1;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawsetp(l: *mut LuaState, idx: c_int, p: *const c_void) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.table_at(idx)?;
            let v = a.val(-1);
            a.st.raw_set(t, Value::LightUserData(p as *mut c_void), v)?;
            a.ts().top -= 1;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_setmetatable(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let v = a.val(idx);
            let mt = match a.val(-1) {
                Value::Nil => None,
                Value::Table(t) => Some(t),
                _ => return Err(a.st.error_msg("table expected")),
            };
            a.set_metatable_of(v, mt);
            a.ts().top -= 1;
            Ok(1)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_setiuservalue(l: *mut LuaState, idx: c_int, n: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let v = a.val(-1);
            let ok = match a.val(idx) {
                Value::UserData(u) if n >= 1 => u.set_user_value(n as usize - 1, v),
                _ => false,
            };
            a.ts().top -= 1;
            Ok(ok as c_int)
        })
    }
}

// ----- calls and errors -----

pub type KFunction = Option<crate::state::KFunction>;

/// The slot of the function of a call with `nargs` arguments on top.
fn call_slot(a: &mut Api<'_>, nargs: c_int) -> Result<usize, LuaError> {
    let n = nargs.max(0) as usize;
    a.need(n + 1)?;
    Ok(a.top() - n - 1)
}

/// `lua_callk`. With a continuation `k` in a yieldable context, the callee may yield: the C
/// function is then abandoned (the yield longjmps out of it, as in PUC) and `k` runs with
/// status LUA_YIELD once the callee returns after the resume (`state::c_continuation`).
/// Without `k`, the call is not yieldable: a yield inside is "attempt to yield across a
/// C-call boundary".
#[no_mangle]
pub unsafe extern "C" fn lua_callk(
    l: *mut LuaState,
    nargs: c_int,
    nresults: c_int,
    ctx: isize,
    k: KFunction,
) {
    // SAFETY: l is a live lua_State (lua.h's contract).
    unsafe {
        api(l, |a| {
            let func = call_slot(a, nargs)?;
            let nres = nresults.max(LUA_MULTRET);
            let ts = a.ts();
            let yieldable =
                !a.swapped && ts.nny == 0 && ts.frames.last().is_some_and(|f| f.closure.is_none());
            let Some(k) = k.filter(|_| yieldable) else {
                return a.st.call_at(func, nres);
            };
            let key = (a.thread().addr(), ts.frames.len() - 1);
            let conts = &mut a.global().conts;
            conts.retain(|e| (e.0, e.1) != key);
            conts.push((key.0, key.1, k, ctx));
            let r = a.st.call_k(func, nres, crate::state::c_continuation);
            if !matches!(r, Err(LuaError::Yield)) {
                a.global().conts.retain(|e| (e.0, e.1) != key);
            }
            r
        })
    }
}

/// `lua_pcallk` (not yieldable, as `lua_callk`). The message handler at `errfunc` runs on
/// an error before the stack unwinds; the status is LUA_OK or LUA_ERRRUN.
#[no_mangle]
pub unsafe extern "C" fn lua_pcallk(
    l: *mut LuaState,
    nargs: c_int,
    nresults: c_int,
    errfunc: c_int,
    _ctx: isize,
    _k: KFunction,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let func = call_slot(a, nargs)?;
            let handler = if errfunc == 0 {
                None
            } else {
                match a.slot(errfunc) {
                    Some(s) => Some(s),
                    None => return Err(a.st.error_msg("invalid message handler index")),
                }
            };
            a.ts().nny += 1;
            let r = a.st.pcall_at(func, nresults.max(LUA_MULTRET), handler);
            a.ts().nny -= 1;
            Ok(match r {
                Ok(Ok(())) => 0,
                Ok(Err(e)) => {
                    a.push(e);
                    2
                }
                Err(_) => {
                    let e = a.st.str_value("attempt to yield across a C-call boundary");
                    a.ts().top = func;
                    a.push(e);
                    2
                }
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_error(l: *mut LuaState) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let e = a.pop();
            Err::<c_int, _>(LuaError::Error(e))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_next(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let t = a.table_at(idx)?;
            let k = a.pop();
            match t.next(&k) {
                Ok(Some((k, v))) => {
                    a.push(k);
                    a.push(v);
                    Ok(1)
                }
                Ok(None) => Ok(0),
                Err(()) => Err(a.st.error_msg("invalid key to 'next'")),
            }
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_concat(l: *mut LuaState, n: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let n = n.max(0) as usize;
            a.need(n)?;
            if n == 0 {
                let e = a.st.str_value("");
                a.push(e);
                return Ok(());
            }
            // Right to left, each result stored in its left operand's slot (rooted while a
            // metamethod runs), as the CONCAT instruction does.
            let first = a.top() - n;
            for i in (first..first + n - 1).rev() {
                let (x, y) = (a.ts().stack[i], a.ts().stack[i + 1]);
                let r = a.st.concat2(x, y, None, None)?;
                let ts = a.ts();
                ts.stack[i] = r;
                ts.top = i + 1;
            }
            a.gc_check();
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_len(l: *mut LuaState, idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(idx);
            let r = a.st.len_of(v, None)?;
            a.push(r);
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawequal(l: *mut LuaState, i1: c_int, i2: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(match (a.get(i1), a.get(i2)) {
                (Some(x), Some(y)) => x.raw_eq(&y) as c_int,
                _ => 0,
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_compare(l: *mut LuaState, i1: c_int, i2: c_int, op: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let (Some(x), Some(y)) = (a.get(i1), a.get(i2)) else {
                return Ok(0);
            };
            let r = match op {
                0 => a.st.equals(x, y)?,
                1 => a.st.less_than(x, y)?,
                2 => a.st.less_equal(x, y)?,
                _ => return Err(a.st.error_msg("invalid option")),
            };
            Ok(r as c_int)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_arith(l: *mut LuaState, op: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let Some(&aop) = ArithOp::ALL.get(op as usize) else {
                return Err(a.st.error_msg("invalid option"));
            };
            let unary = matches!(aop, ArithOp::Unm | ArithOp::BNot);
            let nops = if unary { 1 } else { 2 };
            a.need(nops)?;
            let top = a.top();
            let x = a.ts().stack[top - nops];
            let y = a.ts().stack[top - 1];
            let r = a.st.arith(aop, x, y, None, None)?;
            let ts = a.ts();
            ts.stack[top - nops] = r;
            ts.top = top - nops + 1;
            Ok(())
        })
    }
}

// ----- miscellaneous -----

#[no_mangle]
pub unsafe extern "C" fn capi_bad_format(l: *mut LuaState, c: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let m = format!(
                "invalid conversion '%{}' to 'lua_pushfstring'",
                c as u8 as char
            );
            Err::<(), _>(a.st.error_msg(m))
        })
    }
}

/// lua_gc's options (the variadic part is in shim.c).
#[no_mangle]
pub unsafe extern "C" fn capi_gc(
    l: *mut LuaState,
    what: c_int,
    arg: c_int,
    _b: c_int,
    _c: c_int,
) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let h = &mut a.st.heap;
            Ok(match what {
                0 => {
                    h.running = false;
                    0
                }
                1 => {
                    h.running = true;
                    0
                }
                2 => {
                    a.st.full_gc();
                    0
                }
                3 => (h.allocated / 1024) as c_int,
                4 => (h.allocated % 1024) as c_int,
                5 => a.st.gc_step_kb(arg.max(0) as usize) as c_int,
                9 => h.running as c_int,
                10 | 11 => {
                    if a.st.set_gc_mode(what == 10) {
                        10
                    } else {
                        11
                    }
                }
                _ => 0,
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_atpanic(
    l: *mut LuaState,
    f: Option<crate::CFunction>,
) -> Option<crate::CFunction> {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok(std::mem::replace(&mut a.global().panic, f))) }
}

#[no_mangle]
pub extern "C" fn lua_version(_l: *mut LuaState) -> f64 {
    504.0
}

pub type Alloc = unsafe extern "C" fn(*mut c_void, *mut c_void, usize, usize) -> *mut c_void;

/// The allocator `lua_getallocf` reports (PUC's l_alloc: realloc and free).
unsafe extern "C" fn c_alloc(
    _ud: *mut c_void,
    p: *mut c_void,
    _osize: usize,
    nsize: usize,
) -> *mut c_void {
    // SAFETY: p is null or came from this allocator (lua.h's contract for lua_Alloc).
    unsafe {
        if nsize == 0 {
            libc::free(p);
            std::ptr::null_mut()
        } else {
            libc::realloc(p, nsize)
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_getallocf(_l: *mut LuaState, ud: *mut *mut c_void) -> Alloc {
    if !ud.is_null() {
        // SAFETY: the caller passes a writable pointer (or null).
        unsafe { *ud = std::ptr::null_mut() };
    }
    c_alloc
}

#[no_mangle]
pub unsafe extern "C" fn lua_toclose(l: *mut LuaState, _idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Err::<(), _>(a.st.error_msg("lua_toclose is not supported yet"))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_closeslot(l: *mut LuaState, idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| a.put(idx, Value::Nil)) }
}

impl Api<'_> {
    /// `v`'s metatable field `e` (raw), or nil.
    pub fn meta_field(&mut self, v: Value, e: &[u8]) -> Value {
        match self.st.metatable(&v) {
            Some(mt) => {
                let k = self.st.intern(e);
                mt.get_str(k)
            }
            None => Value::Nil,
        }
    }
    pub fn tm_name_field(&mut self, v: Value) -> Value {
        let n = self.st.tm_name(Tm::Name);
        match self.st.metatable(&v) {
            Some(mt) => mt.get_str(n),
            None => Value::Nil,
        }
    }
}

// ----- upvalues (the part of the debug interface modules use) -----

/// Key of the registry table that keeps upvalue names alive: `lua_getupvalue` returns a C
/// string that must stay valid while the function lives, as PUC's (prototype-owned) do.
const NAMES_KEY: &[u8] = b"lua-capi.upvalue-names";

impl Api<'_> {
    /// A NUL-terminated, never-collected copy of `name`.
    fn kept_name(&mut self, name: &str) -> *const c_char {
        let reg = self.st.registry;
        let key = self.st.intern(NAMES_KEY);
        let names = match reg.get_str(key) {
            Value::Table(t) => t,
            _ => {
                let t = self.st.new_table(0, 8);
                reg.set_str(key, Value::Table(t));
                t
            }
        };
        let s = self.st.intern(name.as_bytes());
        names.set_str(s, Value::Bool(true));
        s.as_bytes_with_nul().as_ptr() as *const c_char
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_getupvalue(
    l: *mut LuaState,
    funcindex: c_int,
    n: c_int,
) -> *const c_char {
    // SAFETY: l is a live lua_State (lua.h's contract).
    unsafe {
        api(l, |a| {
            let f = a.val(funcindex);
            Ok(match lua_core::stdlib::debug::upvalue(f, n as i64) {
                Some((name, v)) => {
                    let p = a.kept_name(&name);
                    a.push(v);
                    p
                }
                None => std::ptr::null(),
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_setupvalue(
    l: *mut LuaState,
    funcindex: c_int,
    n: c_int,
) -> *const c_char {
    // SAFETY: l is a live lua_State (lua.h's contract).
    unsafe {
        api(l, |a| {
            a.need(1)?;
            let f = a.val(funcindex);
            let Some((name, _)) = lua_core::stdlib::debug::upvalue(f, n as i64) else {
                return Ok(std::ptr::null());
            };
            let v = a.pop();
            let i = (n - 1) as usize;
            match f {
                Value::LuaFn(cl) => cl.upval(i).set(v),
                Value::NativeFn(nc) => nc.set_upval(i, v),
                _ => {}
            }
            Ok(a.kept_name(&name))
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_upvalueid(
    l: *mut LuaState,
    funcindex: c_int,
    n: c_int,
) -> *mut c_void {
    // SAFETY: l is a live lua_State (lua.h's contract).
    unsafe {
        api(l, |a| {
            let f = a.val(funcindex);
            Ok(lua_core::stdlib::debug::upvalue_id(f, n as i64).unwrap_or(0) as *mut c_void)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_upvaluejoin(
    l: *mut LuaState,
    f1: c_int,
    n1: c_int,
    f2: c_int,
    n2: c_int,
) {
    // SAFETY: l is a live lua_State (lua.h's contract).
    unsafe {
        api(l, |a| {
            let (Value::LuaFn(c1), Value::LuaFn(c2)) = (a.val(f1), a.val(f2)) else {
                return Err(a.st.error_msg("Lua function expected"));
            };
            let (i1, i2) = ((n1 - 1) as usize, (n2 - 1) as usize);
            if n1 < 1 || n2 < 1 || i1 >= c1.nupvals() || i2 >= c2.nupvals() {
                return Err(a.st.error_msg("invalid upvalue index"));
            }
            c1.set_upval(i1, c2.upval(i2));
            Ok(())
        })
    }
}
