//! `ourlua`: our `lua` command as a library call, so the script runner tests the same code path
//! as the real binary. Accepts the JIT options (`-joff`, `-jon`, `-Ohotloop=N`) before the script.
//!
//! Like the `lua` binary (lua-cmd/src/main.rs), `main` is the C entry point, so Rust's start-up
//! code neither ignores SIGPIPE nor reopens closed standard descriptors: the process sees
//! what a C `lua` sees.

#![no_main]

use std::ffi::{c_char, c_int};

#[no_mangle]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    // A panic (always a bug) exits with 101, as under Rust's own `main`.
    std::panic::catch_unwind(|| repl::run(std::env::args_os().collect())).unwrap_or(101)
}
