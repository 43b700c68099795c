fn main() {
    std::process::exit(repl::run(std::env::args_os().collect()));
}
