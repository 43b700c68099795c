//! The package library and `require` (PUC's loadlib).
//!
//! `require(name)` consults `registry._LOADED` (= `package.loaded` = `State::loaded`), then
//! asks each function in `package.searchers` for a loader, concatenating their "not found"
//! messages exactly as PUC 5.4 does. The searchers are PUC's four: preload
//! (`registry._PRELOAD`, which `package.preload` also names), Lua files along `package.path`,
//! C libraries along `package.cpath`, and the all-in-one C root searcher. Native code is
//! loaded by `State::c_loader`, which the C API crate (`lua-capi`) installs; this module keeps
//! PUC's naming rules (`luaopen_` + the name with `.` as `_`, the part before a `-` first).
//! Without a loader the C searchers still walk `cpath` (so not-found messages list the same
//! files as PUC's), but a C library that is actually found raises an error saying native
//! modules are unsupported, and `package.loadlib` fails.
//!
//! Every searcher and `require` are closures whose upvalue 1 is the package table, as in PUC,
//! so replacing `package.path`/`package.searchers` affects later requires. Values a search
//! needs across calls into Lua are kept on the native's stack (the GC rule of gc.rs).

#![forbid(unsafe_code)]

use crate::error::LuaError;
use crate::gc::Gc;
use crate::object::LuaStr;
use crate::state::{NResults, State};
use crate::table::Table;
use crate::value::Value;

const PATH_DEFAULT: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
const CPATH_DEFAULT: &str = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";
const NATIVE_UNSUPPORTED: &str = "native C modules are not supported by this implementation";

/// Why a native library gave no function (PUC's ERRLIB and ERRFUNC), with the message.
pub enum CLoadError {
    Lib(Vec<u8>),
    Func(Vec<u8>),
}

/// Load the library at `path` (a loader keeps it loaded) and return its C function `sym` as
/// a Lua value; for `sym` "*" only load it, with its symbols global, and return `true`.
pub type CLoader = fn(&mut State, &[u8], &[u8]) -> Result<Value, CLoadError>;

/// PUC's `lookforfunc`.
fn look_for_func(st: &mut State, path: &[u8], sym: &[u8]) -> Result<Value, CLoadError> {
    match st.c_loader {
        Some(load) => load(st, path, sym),
        None => Err(CLoadError::Lib(NATIVE_UNSUPPORTED.as_bytes().to_vec())),
    }
}

/// PUC's `loadfunc`: the open function of module `modname` in library `path`:
/// `luaopen_` and the name with dots as underscores; with a hyphen, first the part before
/// it, then (if that function is absent) the part after it.
fn load_func(st: &mut State, path: &[u8], modname: &[u8]) -> Result<Value, CLoadError> {
    let name = gsub(modname, b".", b"_");
    let mut rest = &name[..];
    if let Some(p) = name.iter().position(|&c| c == b'-') {
        match look_for_func(st, path, &[b"luaopen_", &name[..p]].concat()) {
            Err(CLoadError::Func(_)) => rest = &name[p + 1..],
            r => return r,
        }
    }
    look_for_func(st, path, &[b"luaopen_", rest].concat())
}

pub fn open(st: &mut State) {
    let pkg = super::new_lib(
        st,
        "package",
        &[("loadlib", loadlib), ("searchpath", searchpath_fn)],
    );
    let reg = st.registry;
    // Searchers, each closed over the package table.
    let searchers = st.new_table(4, 0);
    let fns: [crate::object::NativeFn; 4] =
        [searcher_preload, searcher_lua, searcher_c, searcher_croot];
    for (i, f) in fns.iter().enumerate() {
        let c = st.new_native(*f, vec![Value::Table(pkg)]);
        searchers.set_int(i as i64 + 1, c);
    }
    st.set_field(pkg, "searchers", Value::Table(searchers));
    set_paths(st, pkg);
    let config = st.str_value("/\n;\n?\n!\n-\n");
    st.set_field(pkg, "config", config);
    let loaded = st.loaded;
    st.set_field(pkg, "loaded", Value::Table(loaded));
    let preload = match st.get_field(reg, "_PRELOAD") {
        Value::Table(t) => t,
        _ => {
            let t = st.new_table(0, 4);
            st.set_field(reg, "_PRELOAD", Value::Table(t));
            t
        }
    };
    st.set_field(pkg, "preload", Value::Table(preload));
    let req = st.new_native(require, vec![Value::Table(pkg)]);
    let g = st.globals;
    st.set_field(g, "require", req);
}

/// Set `package.path` and `package.cpath` from the environment (or the defaults when
/// `registry.LUA_NOENV` is true). `open` calls it; a host that sets `LUA_NOENV` after the
/// libraries are open (`lua -E`) calls it again.
pub fn set_paths(st: &mut State, pkg: Gc<Table>) {
    let path = env_path(st, "LUA_PATH", PATH_DEFAULT);
    st.set_field(pkg, "path", path);
    let cpath = env_path(st, "LUA_CPATH", CPATH_DEFAULT);
    st.set_field(pkg, "cpath", cpath);
}

/// PUC's `setpath`: the versioned variable, else the plain one, else the default; ";;"
/// stands for the default path. `registry.LUA_NOENV` (lua -E) ignores the environment.
fn env_path(st: &mut State, var: &str, dft: &str) -> Value {
    use std::os::unix::ffi::OsStringExt;
    let reg = st.registry;
    let noenv = st.get_field(reg, "LUA_NOENV").truthy();
    let env = std::env::var_os(format!("{var}_5_4")).or_else(|| std::env::var_os(var));
    let path: Vec<u8> = match env {
        Some(p) if !noenv => {
            let p = p.into_vec();
            match p.windows(2).position(|w| w == b";;") {
                None => p,
                Some(i) => {
                    let mut b = Vec::new();
                    if i > 0 {
                        b.extend_from_slice(&p[..i]);
                        b.push(b';');
                    }
                    b.extend_from_slice(dft.as_bytes());
                    if i + 2 < p.len() {
                        b.push(b';');
                        b.extend_from_slice(&p[i + 2..]);
                    }
                    b
                }
            }
        }
        _ => dft.as_bytes().to_vec(),
    };
    st.str_value(path)
}

/// Replace every occurrence of `pat` (non-empty) in `s` by `rep` (luaL_gsub).
fn gsub(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    if pat.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

fn readable(name: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    !name.contains(&0) && std::fs::File::open(std::ffi::OsStr::from_bytes(name)).is_ok()
}

/// PUC's `searchpath`: the first readable file, or the "no file '...'" message.
fn search_path(name: &[u8], path: &[u8], sep: &[u8], dirsep: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    let name = if !sep.is_empty() && name.contains(&sep[0]) {
        gsub(name, sep, dirsep)
    } else {
        name.to_vec()
    };
    let pathname = gsub(path, b"?", &name);
    if !pathname.is_empty() {
        for f in pathname.split(|&c| c == b';') {
            if readable(f) {
                return Ok(f.to_vec());
            }
        }
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&gsub(&pathname, b";", b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

fn searchpath_fn(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    let path = st.check_str(2)?;
    let sep = st
        .opt_str(3)?
        .map_or(b".".to_vec(), |s| s.as_bytes().to_vec());
    let rep = st
        .opt_str(4)?
        .map_or(b"/".to_vec(), |s| s.as_bytes().to_vec());
    match search_path(name.as_bytes(), path.as_bytes(), &sep, &rep) {
        Ok(f) => {
            let v = st.str_value(f);
            Ok(st.ret(&[v]))
        }
        Err(m) => {
            let v = st.str_value(m);
            Ok(st.ret(&[Value::Nil, v]))
        }
    }
}

fn loadlib(st: &mut State) -> NResults {
    let path = st.check_str(1)?;
    let init = st.check_str(2)?;
    if st.c_loader.is_some() {
        let (m, what) = match look_for_func(st, path.as_bytes(), init.as_bytes()) {
            Ok(f) => return Ok(st.ret(&[f])),
            Err(CLoadError::Lib(m)) => (m, "open"),
            Err(CLoadError::Func(m)) => (m, "init"),
        };
        let m = st.str_value(m);
        let w = st.str_value(what);
        return Ok(st.ret(&[Value::Nil, m, w]));
    }
    let m = st.str_value("native modules are not supported");
    let w = st.str_value("absent");
    Ok(st.ret(&[Value::Nil, m, w]))
}

/// The running native closure's upvalue 0: the package table.
fn package_table(st: &State) -> Option<Gc<Table>> {
    let ts = st.ts();
    match ts.frames.last().map(|fr| ts.stack[fr.func]) {
        Some(Value::NativeFn(nc)) => nc.upval(0).as_table(),
        _ => None,
    }
}

/// PUC's `findfile`: search `package[pname]` for `name`.
fn find_file(
    st: &mut State,
    name: &[u8],
    pname: &str,
    dirsep: &[u8],
) -> Result<Result<Vec<u8>, Vec<u8>>, LuaError> {
    let path = match package_table(st).map(|p| st.get_field(p, pname)) {
        Some(Value::Str(s)) => s.as_bytes().to_vec(),
        Some(v @ (Value::Int(_) | Value::Float(_))) => st.tostring_basic(&v).into_bytes(),
        _ => return Err(st.rt_error(format!("'package.{pname}' must be a string"))),
    };
    Ok(search_path(name, &path, b".", dirsep))
}

/// PUC's `checkload` failure: "error loading module ... from file ...".
fn load_error(st: &mut State, name: &[u8], filename: &[u8], msg: &[u8]) -> LuaError {
    let m = [
        b"error loading module '",
        name,
        b"' from file '",
        filename,
        b"':\n\t",
        msg,
    ]
    .concat();
    st.rt_error(m)
}

fn searcher_preload(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    let reg = st.registry;
    let v = match st.get_field(reg, "_PRELOAD") {
        Value::Table(t) => t.get(&Value::Str(name)),
        _ => Value::Nil,
    };
    if v.is_nil() {
        let m = [b"no field package.preload['", name.as_bytes(), b"']"].concat();
        let m = st.str_value(m);
        return Ok(st.ret(&[m]));
    }
    let d = st.str_value(":preload:");
    Ok(st.ret(&[v, d]))
}

fn searcher_lua(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    match find_file(st, name.as_bytes(), "path", b"/")? {
        Err(m) => {
            let m = st.str_value(m);
            Ok(st.ret(&[m]))
        }
        Ok(file) => match super::base::load_file(st, Some(&file), b"bt", None) {
            Ok(f) => {
                let fv = st.str_value(&file);
                Ok(st.ret(&[f, fv]))
            }
            Err(msg) => Err(load_error(st, name.as_bytes(), &file, &msg)),
        },
    }
}

fn searcher_c(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    match find_file(st, name.as_bytes(), "cpath", b"/")? {
        Err(m) => {
            let m = st.str_value(m);
            Ok(st.ret(&[m]))
        }
        Ok(file) => match load_func(st, &file, name.as_bytes()) {
            Ok(f) => {
                let fv = st.str_value(&file);
                Ok(st.ret(&[f, fv]))
            }
            Err(CLoadError::Lib(m) | CLoadError::Func(m)) => {
                Err(load_error(st, name.as_bytes(), &file, &m))
            }
        },
    }
}

fn searcher_croot(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    let root = match name.as_bytes().iter().position(|&c| c == b'.') {
        None => return Ok(0),
        Some(p) => name.as_bytes()[..p].to_vec(),
    };
    match find_file(st, &root, "cpath", b"/")? {
        Err(m) => {
            let m = st.str_value(m);
            Ok(st.ret(&[m]))
        }
        Ok(file) => match load_func(st, &file, name.as_bytes()) {
            Ok(f) => {
                let fv = st.str_value(&file);
                Ok(st.ret(&[f, fv]))
            }
            Err(CLoadError::Func(_)) => {
                let m = [b"no module '", name.as_bytes(), b"' in file '", &file, b"'"].concat();
                let m = st.str_value(m);
                Ok(st.ret(&[m]))
            }
            Err(CLoadError::Lib(m)) => Err(load_error(st, name.as_bytes(), &file, &m)),
        },
    }
}

fn loaded_table(st: &mut State) -> Gc<Table> {
    let reg = st.registry;
    match st.get_field(reg, "_LOADED") {
        Value::Table(t) => t,
        _ => st.loaded,
    }
}

/// PUC's `findloader`: (loader, loader data) or the "module not found" error.
fn find_loader(st: &mut State, name: Gc<LuaStr>) -> Result<(Value, Value), LuaError> {
    let searchers = match package_table(st).map(|p| st.get_field(p, "searchers")) {
        Some(Value::Table(t)) => t,
        _ => return Err(st.rt_error("'package.searchers' must be a table")),
    };
    // Keep the searchers table rooted while searchers run.
    st.push(Value::Table(searchers));
    let mut msg: Vec<u8> = Vec::new();
    let mut i = 1;
    loop {
        let s = searchers.get_int(i);
        if s.is_nil() {
            let m = [b"module '", name.as_bytes(), b"' not found:", &msg].concat();
            return Err(st.rt_error(m));
        }
        let r = st.call_value(s, &[Value::Str(name)], 2)?;
        let a = r.first().copied().unwrap_or(Value::Nil);
        let b = r.get(1).copied().unwrap_or(Value::Nil);
        if a.is_function() {
            return Ok((a, b));
        }
        match a {
            Value::Str(s) => {
                msg.extend_from_slice(b"\n\t");
                msg.extend_from_slice(s.as_bytes());
            }
            Value::Int(_) | Value::Float(_) => {
                msg.extend_from_slice(b"\n\t");
                msg.extend_from_slice(st.tostring_basic(&a).as_bytes());
            }
            _ => {}
        }
        i += 1;
    }
}

fn require(st: &mut State) -> NResults {
    let name = st.check_str(1)?;
    st.set_nargs(1);
    let loaded = loaded_table(st);
    st.push(Value::Table(loaded));
    let key = Value::Str(name);
    let v = loaded.get(&key);
    if v.truthy() {
        return Ok(st.ret(&[v]));
    }
    let (loader, data) = find_loader(st, name)?;
    // Root the loader data across the loader call (it is returned afterwards).
    st.push(data);
    let r = st.call_value(loader, &[key, data], 1)?;
    let res = r.first().copied().unwrap_or(Value::Nil);
    if !res.is_nil() {
        st.raw_set(loaded, key, res)?;
    }
    let mut v = loaded.get(&key);
    if v.is_nil() {
        v = Value::Bool(true);
        st.raw_set(loaded, key, v)?;
    }
    Ok(st.ret(&[v, data]))
}

#[cfg(test)]
mod tests {
    use super::{gsub, search_path};
    #[test]
    fn gsub_and_search() {
        assert_eq!(gsub(b"a.b.c", b".", b"/"), b"a/b/c");
        let e = search_path(
            b"x.y",
            b"/nonexistent/?.lua;/nonexistent/?/init.lua",
            b".",
            b"/",
        )
        .unwrap_err();
        assert_eq!(
            String::from_utf8(e).unwrap(),
            "no file '/nonexistent/x/y.lua'\n\tno file '/nonexistent/x/y/init.lua'"
        );
    }
}
