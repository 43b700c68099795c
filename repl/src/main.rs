//! The `lua` binary: PUC Lua 5.4's command line and REPL (see `repl::run` and docs/cli.md).

fn main() {
    // A C `lua` dies quietly of SIGPIPE when stdout's reader goes away; do the same.
    repl::default_sigpipe();
    std::process::exit(repl::run(std::env::args_os().collect()));
}
