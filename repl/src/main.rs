//! The `lua` binary: PUC Lua 5.4's command line and REPL (see `repl::run` and docs/cli.md).
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
    // std reads the arguments itself (glibc passes them to its initialisers too).
    repl::run(std::env::args_os().collect())
}
