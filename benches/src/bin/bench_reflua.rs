//! `bench-reflua`: reference PUC Lua 5.4 (mlua-sys's vendored build) as a command, so the
//! `compare` tool can time it as a whole process next to our `lua`:
//!
//! ```text
//! bench-reflua [-e code]... [script [args...]]
//! ```
//!
//! The state is set up as lua.c's (libraries, generational GC), `arg` is built as lua.c builds
//! it and script arguments are passed as `...`. Errors print `lua: <message>` and exit with
//! status 1 (no traceback: the benchmarks only need to fail loudly). The C API calls live in
//! `benches::reference`; this file has no unsafe code.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use benches::reference::RefState;

fn run(argv: &[String]) -> Result<(), String> {
    let mut exec = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "-e" {
            i += 1;
            exec.push(argv.get(i).ok_or("'-e' needs argument")?.clone());
        } else if let Some(code) = a.strip_prefix("-e") {
            exec.push(code.to_string());
        } else if a == "--" {
            i += 1;
            break;
        } else if a.starts_with('-') {
            return Err(format!("unrecognized option '{a}'"));
        } else {
            break;
        }
        i += 1;
    }
    let st = RefState::new()?;
    let script = (i < argv.len()).then_some(i);
    st.set_arg_table(argv, script.unwrap_or(0));
    for code in &exec {
        st.exec(code.as_bytes(), "=(command line)", &[])?;
    }
    if let Some(si) = script {
        let fname = &argv[si];
        let src = std::fs::read(fname).map_err(|e| format!("cannot open {fname}: {e}"))?;
        st.exec(skip_hash_line(&src), &format!("@{fname}"), &argv[si + 1..])?;
    }
    Ok(())
}

/// As lua.c (through `luaL_loadfile`) does: a first line starting with `#` (a `#!` line, as
/// in are-we-fast-yet's `harness.lua`) is skipped, its newline kept so line numbers stay right.
fn skip_hash_line(src: &[u8]) -> &[u8] {
    if src.first() == Some(&b'#') {
        let end = src.iter().position(|&b| b == b'\n').unwrap_or(src.len());
        &src[end..]
    } else {
        src
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    match run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lua: {e}");
            ExitCode::FAILURE
        }
    }
}
