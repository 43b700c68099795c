//! Stack indices, pushing values, and reading them back (lua.h's stack manipulation,
//! access and push functions).
//!
//! Indices, as PUC's: `1..` count up from the running C function's first argument (the
//! thread's base with no function running), `-1..` down from the top; `LUA_REGISTRYINDEX`
//! names the registry and `LUA_REGISTRYINDEX - i` the running C closure's upvalue `i`.
//! Reading an index past the top gives "no value" (`LUA_TNONE`); writing to one that does
//! not name a slot is a Lua error ("invalid index"), where PUC's checked build would assert.

use crate::state::{api, handle, l_of, push_cfunction, Api, LuaState};
use crate::{CFunction, LUA_REGISTRYINDEX};
use lua_core::gc::Gc;
use lua_core::number;
use lua_core::object::{NativeClosure, Thread};
use lua_core::thread::ThreadState;
use lua_core::{LuaError, Value};
use std::ffi::{c_char, c_int, c_void, CStr};

/// The payload of a userdata made by `lua_newuserdatauv`: a block of C memory, aligned for
/// any C type (PUC's LUAI_MAXALIGN), that never moves.
pub struct CBlock {
    mem: Vec<MaxAlign>,
    pub size: usize,
}

#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct MaxAlign([u8; 16]);

impl CBlock {
    /// A zeroed block; its size counts towards the collector's debt (as PUC's allocations
    /// do) until it is freed.
    pub fn new(size: usize) -> CBlock {
        lua_core::gc::note_alloc(size as isize);
        CBlock {
            mem: vec![MaxAlign([0; 16]); size.div_ceil(16)],
            size,
        }
    }
    pub fn ptr(&mut self) -> *mut c_void {
        self.mem.as_mut_ptr() as *mut c_void
    }
}

impl Drop for CBlock {
    fn drop(&mut self) {
        lua_core::gc::note_alloc(-(self.size as isize));
    }
}

/// Key under which the registry keeps the closures of C functions pushed without upvalues,
/// so pushing the same function twice gives the same value (PUC's light C functions).
const CFUNCS_KEY: &[u8] = b"lua-capi.cfunctions";

impl Api<'_> {
    pub fn ts(&self) -> &mut ThreadState {
        self.st.ts()
    }
    /// Slot of index 1 (never above the top, so `top - base` is the number of values).
    pub fn base(&self) -> usize {
        let ts = self.ts();
        ts.frames.last().map_or(0, |f| f.base).min(ts.top)
    }
    pub fn top(&self) -> usize {
        self.ts().top
    }
    /// The stack slot of a (non-pseudo) index, if it names one below the top.
    pub fn slot(&self, idx: c_int) -> Option<usize> {
        let (base, top) = (self.base(), self.top());
        if idx > 0 {
            let s = base + idx as usize - 1;
            (s < top).then_some(s)
        } else if idx < 0 && idx > LUA_REGISTRYINDEX {
            let d = (-idx) as usize;
            (d <= top - base).then(|| top - d)
        } else {
            None
        }
    }
    /// The running C closure, for upvalue pseudo-indices.
    fn cclosure(&self) -> Option<Gc<NativeClosure>> {
        let ts = self.ts();
        match ts.frames.last().map(|fr| ts.stack[fr.func]) {
            Some(Value::NativeFn(nc)) => Some(nc),
            _ => None,
        }
    }
    /// The value at `idx`; None for "no value".
    pub fn get(&self, idx: c_int) -> Option<Value> {
        if idx == LUA_REGISTRYINDEX {
            return Some(Value::Table(self.st.registry));
        }
        if idx < LUA_REGISTRYINDEX {
            let i = (LUA_REGISTRYINDEX - idx) as usize;
            let nc = self.cclosure()?;
            return (i <= nc.nupvals()).then(|| nc.upval(i - 1));
        }
        self.slot(idx).map(|s| self.ts().stack[s])
    }
    /// The value at `idx`, nil for "no value".
    pub fn val(&self, idx: c_int) -> Value {
        self.get(idx).unwrap_or(Value::Nil)
    }
    /// Store `v` at `idx` (a stack slot or an upvalue).
    pub fn put(&mut self, idx: c_int, v: Value) -> Result<(), LuaError> {
        if idx < LUA_REGISTRYINDEX {
            let i = (LUA_REGISTRYINDEX - idx) as usize;
            if let Some(nc) = self.cclosure() {
                if i <= nc.nupvals() {
                    nc.set_upval(i - 1, v);
                    return Ok(());
                }
            }
        } else if let Some(s) = self.slot(idx) {
            self.ts().stack[s] = v;
            return Ok(());
        }
        Err(self.st.error_msg("invalid index"))
    }
    /// The absolute form of a stack index (pseudo-indices unchanged).
    pub fn abs(&self, idx: c_int) -> c_int {
        if idx > 0 || idx <= LUA_REGISTRYINDEX {
            idx
        } else {
            (self.top() - self.base()) as c_int + idx + 1
        }
    }
    pub fn push(&mut self, v: Value) {
        self.ts().push(v);
    }
    /// Pop the top value (there must be one above the base: `need`).
    pub fn pop(&mut self) -> Value {
        let ts = self.ts();
        ts.top -= 1;
        ts.stack[ts.top]
    }
    /// At least `n` values above the base, or "not enough elements in the stack".
    pub fn need(&mut self, n: usize) -> Result<(), LuaError> {
        if self.top() - self.base() < n {
            return Err(self.st.error_msg("not enough elements in the stack"));
        }
        Ok(())
    }
    /// A value for C function `f` with the `nup` values on top as upvalues (popped).
    pub fn cclosure_value(&mut self, f: CFunction, nup: usize) -> Result<Value, LuaError> {
        self.need(nup)?;
        if nup == 0 {
            let reg = self.st.registry;
            let key = self.st.intern(CFUNCS_KEY);
            let cache = match reg.get_str(key) {
                Value::Table(t) => t,
                _ => {
                    let t = self.st.new_table(0, 16);
                    reg.set_str(key, Value::Table(t));
                    t
                }
            };
            let k = Value::LightUserData(f as *mut c_void);
            let v = cache.get(&k);
            if !v.is_nil() {
                return Ok(v);
            }
            let v = push_cfunction(self.st, f, Vec::new());
            self.st.raw_set(cache, k, v)?;
            return Ok(v);
        }
        let top = self.top();
        let ups = self.ts().stack[top - nup..top].to_vec();
        let v = push_cfunction(self.st, f, ups);
        self.ts().top = top - nup;
        Ok(v)
    }
    /// A C string argument as bytes.
    ///
    /// # Safety
    /// `s` must be a NUL-terminated string.
    pub unsafe fn cstr(s: *const c_char) -> &'static [u8] {
        if s.is_null() {
            return b"";
        }
        // SAFETY: NUL-terminated (caller); read before any Lua code can free it.
        unsafe { CStr::from_ptr(s).to_bytes() }
    }
    /// Convert a number at `idx` to a string in place (lua_tolstring's rule); the string.
    pub fn tostr_inplace(
        &mut self,
        idx: c_int,
    ) -> Result<Option<Gc<lua_core::object::LuaStr>>, LuaError> {
        match self.get(idx) {
            Some(Value::Str(s)) => Ok(Some(s)),
            Some(v @ (Value::Int(_) | Value::Float(_))) => {
                let t = self.st.tostring_basic(&v);
                let s = self.st.intern(t.as_bytes());
                self.put(idx, Value::Str(s))?;
                Ok(Some(s))
            }
            _ => Ok(None),
        }
    }
    /// GC step if one is due, where the API allocates (PUC's luaC_checkGC); only on the
    /// running thread, whose stack roots everything C holds.
    pub fn gc_check(&mut self) {
        if !self.swapped {
            self.st.gc_safepoint();
        }
    }
}

/// lua.h's type codes.
pub fn type_code(v: Option<Value>) -> c_int {
    match v {
        None => -1,
        Some(v) => match v {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::LightUserData(_) => 2,
            Value::Int(_) | Value::Float(_) => 3,
            Value::Str(_) => 4,
            Value::Table(_) => 5,
            Value::LightFn(_) | Value::LuaFn(_) | Value::NativeFn(_) => 6,
            Value::UserData(_) => 7,
            Value::Thread(_) => 8,
        },
    }
}

/// Push `v` on `l`'s stack (for Rust callers of the API).
///
/// # Safety
/// `l` must be a live `lua_State *`.
pub unsafe fn push_value(l: *mut LuaState, v: Value) {
    // SAFETY: caller.
    unsafe {
        api(l, |a| {
            a.push(v);
            Ok(())
        })
    }
}

/// The address C sees for a userdata's memory.
pub fn udata_ptr(v: Value) -> *mut c_void {
    match v {
        Value::UserData(u) => {
            let d = u.data_mut();
            match d.downcast_mut::<CBlock>() {
                Some(b) => b.ptr(),
                None => &mut **d as *mut dyn std::any::Any as *mut c_void,
            }
        }
        Value::LightUserData(p) => p,
        _ => std::ptr::null_mut(),
    }
}

// ----- basic stack manipulation -----

#[no_mangle]
pub unsafe extern "C" fn lua_absindex(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: `l` is a lua_State this library gave out, as lua.h requires of callers (the
    // same holds for every API function below).
    unsafe { api(l, |a| Ok(a.abs(idx))) }
}

#[no_mangle]
pub unsafe extern "C" fn lua_gettop(l: *mut LuaState) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok((a.top() - a.base()) as c_int)) }
}

#[no_mangle]
pub unsafe extern "C" fn lua_settop(l: *mut LuaState, idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let base = a.base();
            let newtop = if idx >= 0 {
                base + idx as usize
            } else {
                let d = (-idx - 1) as usize;
                if d > a.top() - base {
                    return Err(a.st.error_msg("invalid new top"));
                }
                a.top() - d
            };
            let ts = a.ts();
            if newtop > ts.top {
                if !ts.ensure_slot(newtop) {
                    return Err(a.st.error_msg("stack overflow"));
                }
                ts.stack[ts.top..newtop].fill(Value::Nil);
            }
            ts.top = newtop;
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushvalue(l: *mut LuaState, idx: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(idx);
            a.push(v);
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rotate(l: *mut LuaState, idx: c_int, n: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let Some(start) = a.slot(idx) else {
                return Err(a.st.error_msg("invalid index"));
            };
            let top = a.top();
            let len = top - start;
            let m = n.unsigned_abs() as usize;
            if m > len {
                return Err(a.st.error_msg("invalid 'n'"));
            }
            let seg = &mut a.ts().stack[start..top];
            if n >= 0 {
                seg.rotate_right(m);
            } else {
                seg.rotate_left(m);
            }
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_copy(l: *mut LuaState, from: c_int, to: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(from);
            a.put(to, v)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_checkstack(l: *mut LuaState, n: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let ts = a.ts();
            let ok = n >= 0
                && ts.top + (n as usize) < lua_core::thread::MAX_STACK
                && ts.ensure(n as usize + lua_core::thread::MIN_STACK);
            Ok(ok as c_int)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_xmove(from: *mut LuaState, to: *mut LuaState, n: c_int) {
    if from == to || n <= 0 {
        return;
    }
    let n = n as usize;
    // SAFETY: both are live handles; the values move through a small Vec dropped before
    // the second call can raise.
    let vals = unsafe {
        api(from, |a| {
            a.need(n)?;
            let top = a.top();
            let p = Box::into_raw(a.ts().stack[top - n..top].to_vec().into_boxed_slice());
            a.ts().top = top - n;
            Ok(p)
        })
    };
    // SAFETY: `vals` came from Box::into_raw above and is rebuilt once; pushing cannot fail.
    unsafe {
        let vals = Box::from_raw(vals);
        let th: Gc<Thread> = (*handle(to)).thread;
        let ts = th.st();
        if ts.ensure(vals.len()) {
            for v in vals.iter() {
                ts.push(*v);
            }
        }
    }
}

// ----- access functions (stack -> C) -----

#[no_mangle]
pub unsafe extern "C" fn lua_type(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok(type_code(a.get(idx)))) }
}

static TYPE_NAMES: [&CStr; 10] = [
    c"no value",
    c"nil",
    c"boolean",
    c"userdata",
    c"number",
    c"string",
    c"table",
    c"function",
    c"userdata",
    c"thread",
];

#[no_mangle]
pub extern "C" fn lua_typename(_l: *mut LuaState, t: c_int) -> *const c_char {
    let i = (t + 1).clamp(0, 9) as usize;
    TYPE_NAMES[i].as_ptr()
}

#[no_mangle]
pub unsafe extern "C" fn lua_isnumber(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok(number::to_number(a.val(idx)).is_some() as c_int)) }
}

#[no_mangle]
pub unsafe extern "C" fn lua_isstring(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(matches!(a.val(idx), Value::Str(_) | Value::Int(_) | Value::Float(_)) as c_int)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_iscfunction(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(matches!(a.val(idx), Value::LightFn(_) | Value::NativeFn(_)) as c_int)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_isinteger(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok(matches!(a.val(idx), Value::Int(_)) as c_int)) }
}

#[no_mangle]
pub unsafe extern "C" fn lua_isuserdata(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(matches!(a.val(idx), Value::UserData(_) | Value::LightUserData(_)) as c_int)
        })
    }
}

/// Store `v` through an optional out-pointer.
///
/// # Safety
/// `p` must be null or valid for writes.
unsafe fn set_out<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: caller.
        unsafe { *p = v };
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_tonumberx(l: *mut LuaState, idx: c_int, isnum: *mut c_int) -> f64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let r = api(l, |a| {
            Ok(number::to_number(a.val(idx)).and_then(number::as_float))
        });
        set_out(isnum, r.is_some() as c_int);
        r.unwrap_or(0.0)
    }
}

/// lua_tointegerx's conversion: integers, floats with an exact integer value, and strings
/// that convert to either.
pub fn to_integer(v: Value) -> Option<i64> {
    match number::to_number(v)? {
        Value::Int(i) => Some(i),
        Value::Float(f) => number::float_to_int_exact(f),
        _ => None,
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_tointegerx(l: *mut LuaState, idx: c_int, isnum: *mut c_int) -> i64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let r = api(l, |a| Ok(to_integer(a.val(idx))));
        set_out(isnum, r.is_some() as c_int);
        r.unwrap_or(0)
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_toboolean(l: *mut LuaState, idx: c_int) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok(a.val(idx).truthy() as c_int)) }
}

#[no_mangle]
pub unsafe extern "C" fn lua_tolstring(
    l: *mut LuaState,
    idx: c_int,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let r = api(l, |a| {
            Ok(a.tostr_inplace(idx)?
                .map(|s| (s.as_bytes_with_nul().as_ptr(), s.len())))
        });
        match r {
            Some((p, n)) => {
                set_out(len, n);
                p as *const c_char
            }
            None => {
                set_out(len, 0);
                std::ptr::null()
            }
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_rawlen(l: *mut LuaState, idx: c_int) -> u64 {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(match a.val(idx) {
                Value::Str(s) => s.len() as u64,
                Value::Table(t) => t.len() as u64,
                Value::UserData(u) => u
                    .data_mut()
                    .downcast_ref::<CBlock>()
                    .map_or(0, |b| b.size as u64),
                _ => 0,
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_tocfunction(l: *mut LuaState, idx: c_int) -> Option<CFunction> {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(match a.val(idx) {
                Value::NativeFn(nc) if nc.host != 0 => {
                    // SAFETY: closures with a host word hold a lua_CFunction (push_cfunction).
                    Some(std::mem::transmute::<usize, CFunction>(nc.host))
                }
                _ => None,
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_touserdata(l: *mut LuaState, idx: c_int) -> *mut c_void {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe { api(l, |a| Ok(udata_ptr(a.val(idx)))) }
}

#[no_mangle]
pub unsafe extern "C" fn lua_tothread(l: *mut LuaState, idx: c_int) -> *mut LuaState {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            Ok(match a.val(idx) {
                Value::Thread(t) => l_of(crate::state::handle_of(a.st, t)),
                _ => std::ptr::null_mut(),
            })
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_topointer(l: *mut LuaState, idx: c_int) -> *const c_void {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.val(idx);
            Ok(match v {
                Value::UserData(_) | Value::LightUserData(_) => udata_ptr(v) as *const c_void,
                Value::NativeFn(nc) if nc.host != 0 => nc.host as *const c_void,
                _ => v.ptr_addr().unwrap_or(0) as *const c_void,
            })
        })
    }
}

// ----- push functions (C -> stack) -----

#[no_mangle]
pub unsafe extern "C" fn lua_pushnil(l: *mut LuaState) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.push(Value::Nil);
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushnumber(l: *mut LuaState, n: f64) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.push(Value::Float(n));
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushinteger(l: *mut LuaState, n: i64) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.push(Value::Int(n));
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushlstring(
    l: *mut LuaState,
    s: *const c_char,
    len: usize,
) -> *const c_char {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let bytes: &[u8] = if len == 0 {
                &[]
            } else {
                // SAFETY: the caller passes `len` readable bytes.
                std::slice::from_raw_parts(s as *const u8, len)
            };
            let g = a.st.intern(bytes);
            a.push(Value::Str(g));
            a.gc_check();
            Ok(g.as_bytes_with_nul().as_ptr() as *const c_char)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushstring(l: *mut LuaState, s: *const c_char) -> *const c_char {
    if s.is_null() {
        // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
        // readable/writable buffers of the stated sizes).
        unsafe { lua_pushnil(l) };
        return std::ptr::null();
    }
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let b = Api::cstr(s);
        lua_pushlstring(l, b.as_ptr() as *const c_char, b.len())
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushcclosure(l: *mut LuaState, f: CFunction, n: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let v = a.cclosure_value(f, n.max(0) as usize)?;
            a.push(v);
            a.gc_check();
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushboolean(l: *mut LuaState, b: c_int) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.push(Value::Bool(b != 0));
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushlightuserdata(l: *mut LuaState, p: *mut c_void) {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            a.push(Value::LightUserData(p));
            Ok(())
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_pushthread(l: *mut LuaState) -> c_int {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        api(l, |a| {
            let th = a.thread();
            a.push(Value::Thread(th));
            Ok(th.ptr_eq(a.st.main) as c_int)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn lua_stringtonumber(l: *mut LuaState, s: *const c_char) -> usize {
    // SAFETY: pointers from C are valid as lua.h requires (a live lua_State,
    // readable/writable buffers of the stated sizes).
    unsafe {
        let b = Api::cstr(s);
        api(l, |a| {
            Ok(match lua_core::numparse::str2number(b) {
                Some(v) => {
                    a.push(v);
                    b.len() + 1
                }
                None => 0,
            })
        })
    }
}
