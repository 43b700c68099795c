//! Loading C libraries for `package.loadlib` and the C searchers (`State::c_loader`):
//! `dlopen` as PUC's lsys_load (RTLD_NOW, RTLD_GLOBAL only for "*"), `dlsym` for the open
//! function. Libraries stay loaded for the life of the process (PUC closes them when the
//! state closes; a module's code may still be referenced by closures until then anyway).

use crate::state::{handle_of, Global};
use lua_core::stdlib::package::CLoadError;
use lua_core::{State, Value};
use std::ffi::{c_void, CStr, CString};

fn dl_error() -> Vec<u8> {
    // SAFETY: dlerror returns null or a NUL-terminated message owned by libc.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            b"unknown dynamic loading error".to_vec()
        } else {
            CStr::from_ptr(e).to_bytes().to_vec()
        }
    }
}

fn global(st: &mut State) -> *mut Global {
    let main = st.main;
    // SAFETY: handle_of returns the live main handle.
    unsafe { (*handle_of(st, main)).g }
}

/// The `CLoader` installed in every state this crate serves.
pub fn load(st: &mut State, path: &[u8], sym: &[u8]) -> Result<Value, CLoadError> {
    let g = global(st);
    // SAFETY: the universe's Global, live while the state is; single-threaded.
    let libs = unsafe { &mut (*g).libs };
    let lib = match libs.iter().find(|(p, _)| p == path) {
        Some(&(_, h)) => h,
        None => {
            let Ok(cpath) = CString::new(path) else {
                return Err(CLoadError::Lib(
                    b"library path contains a NUL byte".to_vec(),
                ));
            };
            let flags = libc::RTLD_NOW
                | if sym == b"*" {
                    libc::RTLD_GLOBAL
                } else {
                    libc::RTLD_LOCAL
                };
            // SAFETY: a NUL-terminated path; the library's initialisers run as in PUC.
            let h = unsafe { libc::dlopen(cpath.as_ptr(), flags) };
            if h.is_null() {
                return Err(CLoadError::Lib(dl_error()));
            }
            libs.push((path.to_vec(), h));
            h
        }
    };
    if sym == b"*" {
        return Ok(Value::Bool(true));
    }
    let Ok(csym) = CString::new(sym) else {
        return Err(CLoadError::Func(
            b"symbol name contains a NUL byte".to_vec(),
        ));
    };
    // SAFETY: lib is a live handle from dlopen; csym is NUL-terminated.
    let f: *mut c_void = unsafe { libc::dlsym(lib, csym.as_ptr()) };
    if f.is_null() {
        return Err(CLoadError::Func(dl_error()));
    }
    // SAFETY: by the luaopen_/loadlib convention the symbol is a lua_CFunction.
    let f: crate::CFunction = unsafe { std::mem::transmute::<*mut c_void, crate::CFunction>(f) };
    Ok(crate::state::push_cfunction(st, f, Vec::new()))
}
