//! The standard library. Each submodule registers its functions in `open_libs`.
//! Pure algorithms (patterns, format, pack) live in their own modules, independent of the VM.

pub mod base;
pub mod coroutine;
pub mod io;
pub mod lformat;
pub mod lpack;
pub mod lpattern;
pub mod math;
pub mod os;
pub mod package;
pub mod table;
pub mod utf8;

use crate::state::State;
use crate::value::Value;

/// Open every standard library into the globals table and package.loaded.
pub fn open_libs(st: &mut State) {
    let g = st.globals;
    st.set_field(g, "_G", Value::Table(g));
    let loaded = st.loaded;
    st.set_field(loaded, "_G", Value::Table(g));
    base::open(st);
    coroutine::open(st);
    package::open(st);
    io::open(st);
    table::open(st);
    math::open(st);
    utf8::open(st);
    os::open(st);
}

/// Create a library table with `funcs`, store it as global `name` and in package.loaded.
pub fn new_lib(
    st: &mut State,
    name: &str,
    funcs: &[(&str, crate::object::NativeFn)],
) -> crate::gc::Gc<crate::table::Table> {
    let t = st.new_table(0, funcs.len());
    for (n, f) in funcs {
        st.set_fn(t, n, *f);
    }
    let g = st.globals;
    st.set_field(g, name, Value::Table(t));
    let loaded = st.loaded;
    st.set_field(loaded, name, Value::Table(t));
    t
}

/// The C library's text for an OS error ("No such file or directory"), as PUC prints it.
pub fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(p) => s[..p].to_string(),
        None => s,
    }
}
