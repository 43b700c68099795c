//! `ourlua`: our `lua` command as a library call, so the script runner tests the same code path
//! as the real binary. Accepts the JIT options (`-joff`, `-jon`, `-Ohotloop=N`) before the script.

fn main() {
    std::process::exit(repl::run(std::env::args_os().collect()))
}
