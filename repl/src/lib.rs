//! The `lua` command: command line handling and the REPL, wiring lua-core and the JIT.

use std::ffi::OsString;

/// Run the `lua` command with `args` (args[0] is the program name); returns the exit status.
pub fn run(args: Vec<OsString>) -> i32 {
    let _ = args;
    eprintln!("lua: not implemented yet");
    1
}
