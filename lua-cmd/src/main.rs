//! The `lua` binary: PUC Lua 5.4's command line and REPL (see `repl::run` and docs/cli.md),
//! with the C API (lua-capi) installed and exported, so `require` loads C modules.
//!
//! `main` is the C entry point itself (`no_main`), not Rust's: Rust's start-up code would
//! ignore SIGPIPE and reopen closed standard descriptors on /dev/null, and a C `lua` does
//! neither. So, as PUC's: SIGPIPE keeps the disposition the parent gave (by default writing to
//! a closed pipe kills quietly; ignored, the write fails with "Broken pipe"), and `io.read`
//! on a closed stdin fails with "Bad file descriptor".

#![no_main]

use std::ffi::{c_char, c_int};

#[no_mangle]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    // std reads the arguments itself (glibc passes them to its initialisers too). A panic
    // (always a bug) ends the process with status 101 after its message, as under Rust's
    // own `main`, instead of finding no frame to unwind to.
    std::panic::catch_unwind(|| repl::run_with(std::env::args_os().collect(), Some(setup)))
        .unwrap_or(101)
}

/// Every state the command makes serves the C API, so `require` loads C modules.
fn setup(st: &mut lua_core::State) {
    lua_capi::keep_symbols();
    lua_capi::install(st);
}
