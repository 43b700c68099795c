//! The REPL on a pseudo-terminal (rexpect): banner and prompts, expression values, multi-line
//! chunks, errors, `_PROMPT`, history kept in `$HOME/.lua_history` across sessions, Ctrl-R,
//! tab completion, and Ctrl-C both at the prompt and on a running loop.
//!
//! Each session gets its own HOME (a temporary directory) and TERM=xterm. Every wait is an
//! expect with a generous timeout (no fixed sleeps); a test that hangs fails at the timeout.

#![forbid(unsafe_code)]

use rexpect::session::{spawn_command, PtySession};
use std::path::PathBuf;
use std::process::Command;

const LUA: &str = env!("CARGO_BIN_EXE_lua");
/// Per expect; generous so a loaded machine does not fail the test.
const TIMEOUT_MS: u64 = 15_000;

struct Home(PathBuf);

impl Home {
    fn new(tag: &str) -> Home {
        let p = std::env::temp_dir().join(format!("lua-repl-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Home(p)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start(home: &Home) -> PtySession {
    let mut c = Command::new(LUA);
    c.env("HOME", &home.0).env("TERM", "xterm");
    for v in ["LUA_INIT", "LUA_INIT_5_4", "_PROMPT"] {
        c.env_remove(v);
    }
    let mut p = spawn_command(c, Some(TIMEOUT_MS)).expect("spawn lua on a pty");
    p.exp_string("Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio")
        .unwrap();
    p.exp_string("> ").unwrap();
    p
}

/// Type `s` (rexpect's `send` does not flush).
fn keys(p: &mut PtySession, s: &str) {
    p.send(s).unwrap();
    p.flush().unwrap();
}

/// Ctrl-D at an empty prompt ends the session.
fn quit(mut p: PtySession) {
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn expressions_statements_and_errors() {
    let home = Home::new("basic");
    let mut p = start(&home);
    p.send_line("6 * 7").unwrap();
    p.exp_string("42").unwrap();
    p.exp_string("> ").unwrap();
    // A multi-line chunk: continuation prompt until it is complete.
    p.send_line("for i = 3, 5 do").unwrap();
    p.exp_string(">> ").unwrap();
    p.send_line("io.write(i * 11, ',')").unwrap();
    p.exp_string(">> ").unwrap();
    p.send_line("end").unwrap();
    p.exp_string("33,44,55,").unwrap();
    // Several values, nil among them; `=expr` as in 5.1.
    p.send_line("'a' .. 'b', nil, 10 // 3").unwrap();
    p.exp_string("ab\tnil\t3").unwrap();
    p.send_line("=  2^10").unwrap();
    p.exp_string("1024.0").unwrap();
    // Errors show with a traceback and the loop goes on.
    p.send_line("error('oops' .. 'ie')").unwrap();
    p.exp_string("stdin:1: oopsie").unwrap();
    p.exp_string("stack traceback:").unwrap();
    p.send_line("local x = = 1").unwrap();
    p.exp_string("stdin:1: unexpected symbol near '='").unwrap();
    // Custom prompts.
    p.send_line("_PROMPT = 'LUA' .. '% '; _PROMPT2 = 'MORE' .. '% '")
        .unwrap();
    p.exp_string("LUA% ").unwrap();
    p.send_line("if true then").unwrap();
    p.exp_string("MORE% ").unwrap();
    p.send_line("print('in' .. 'side') end").unwrap();
    p.exp_string("inside").unwrap();
    p.exp_string("LUA% ").unwrap();
    quit(p);
}

#[test]
fn ctrl_c_interrupts_running_code_and_clears_the_line() {
    let home = Home::new("ctrlc");
    let mut p = start(&home);
    // print flushes on a terminal, so "looping" means the loop (and the handler) is running.
    p.send_line("print('loop' .. 'ing') while true do end")
        .unwrap();
    p.exp_string("looping").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("interrupted!").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("6 * 7").unwrap();
    p.exp_string("42").unwrap();
    p.exp_string("> ").unwrap();
    // A second interrupt works too (the handler is installed for each chunk).
    p.send_line("print('again' .. '!') while true do end")
        .unwrap();
    p.exp_string("again!").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("interrupted!").unwrap();
    p.exp_string("> ").unwrap();
    // Ctrl-C at the prompt drops the typed text, also in a continuation.
    keys(&mut p, "error('should not run')");
    p.send_control('c').unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("do").unwrap();
    p.exp_string(">> ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("100 + 23").unwrap();
    p.exp_string("123").unwrap();
    p.exp_string("> ").unwrap();
    quit(p);
}

#[test]
fn history_persists_across_sessions() {
    let home = Home::new("history");
    let mut p = start(&home);
    // A multi-line chunk is one entry.
    p.send_line("for i = 1, 2 do").unwrap();
    p.exp_string(">> ").unwrap();
    p.send_line("end").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("hist_value = 5000 + 1").unwrap();
    p.exp_string("> ").unwrap();
    quit(p);
    let text = std::fs::read_to_string(home.0.join(".lua_history")).unwrap();
    assert!(text.contains("hist_value = 5000 + 1"), "{text}");
    assert!(text.contains("for i = 1, 2 do"), "{text}");

    let mut p = start(&home);
    // Up reaches the assignment from the last session; run it, then use the value.
    keys(&mut p, "\x1b[A\r");
    p.exp_string("> ").unwrap();
    p.send_line("hist_value + 1").unwrap();
    p.exp_string("5002").unwrap();
    p.exp_string("> ").unwrap();
    // Ctrl-R searches backwards; Enter runs the match.
    p.send_line("hist_value = 7").unwrap();
    p.exp_string("> ").unwrap();
    p.send_control('r').unwrap();
    keys(&mut p, "5000 +");
    p.exp_string("hist_value = 5000 + 1").unwrap();
    keys(&mut p, "\r");
    p.exp_string("> ").unwrap();
    p.send_line("hist_value * 2").unwrap();
    p.exp_string("10002").unwrap();
    quit(p);
}

#[test]
fn tab_completion() {
    let home = Home::new("complete");
    let mut p = start(&home);
    p.send_line("completion_table = {alpha_field = 4000, beta = 1}")
        .unwrap();
    p.exp_string("> ").unwrap();
    // A unique global, then a unique field after `.`: both complete in place.
    keys(&mut p, "completion_ta\t");
    p.exp_string("completion_table").unwrap();
    keys(&mut p, ".alp\t");
    p.exp_string("alpha_field").unwrap();
    keys(&mut p, " + 321\r");
    p.exp_string("4321").unwrap();
    p.exp_string("> ").unwrap();
    // A keyword.
    keys(&mut p, "functio\t");
    p.exp_string("function").unwrap();
    keys(&mut p, " f() return 77 * 11 end print(f())\r");
    p.exp_string("847").unwrap();
    quit(p);
}
