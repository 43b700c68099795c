//! The `lua` command, modelled on PUC Lua 5.4's lua.c: `run` is its `main` + `pmain`.
//!
//! Order of work, as in lua.c: parse argv (`args`), print the banner for `-v`/`-i`, apply
//! `-E`, build the `arg` table, run LUA_INIT_5_4 / LUA_INIT, run `-e`/`-l`/`-W` in command-line
//! order, run the script with its arguments, then the REPL (`interactive`) for `-i`, or when
//! nothing else was asked for: the REPL if stdin is a terminal, else stdin as a script.
//! Every call into Lua goes through `docall`, which lets Ctrl-C interrupt it (`signal`).
//!
//! Output: Lua's stdout is a buffer inside the state; everything this crate prints to stdout
//! goes through that buffer too (so the order holds), and it is flushed before anything is
//! written to stderr. Write errors (a closed pipe) are ignored, never a panic.
//!
//! Users: the `lua` binary (lua-cmd/src/main.rs, through `run_with`, adding the C API) and
//! lua-tests' `ourlua` (through `run`).

mod args;
mod complete;
mod interactive;
mod signal;

use lua_core::{Lua, Value};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

/// The banner (lua.c's LUA_COPYRIGHT).
pub const VERSION: &str = "Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio";

/// The program name in error reports. lua.c uses argv[0]; we say "lua" whatever the binary is
/// called, so reports read the same from `lua`, `ourlua` and the reference runner. (The usage
/// text, which nothing compares, names argv[0] as lua.c's does.)
const PROGNAME: &str = "lua";

/// Run the `lua` command with `args` (args[0] is the program name); returns the exit status.
pub fn run(args: Vec<OsString>) -> i32 {
    run_with(args, None)
}

/// `run`, calling `setup` on the new state before anything runs in it (the `lua` binary
/// installs the C API there: this crate must not link it, see lua-capi's link rule).
pub fn run_with(args: Vec<OsString>, setup: Option<fn(&mut lua_core::State)>) -> i32 {
    let argv: Vec<Vec<u8>> = args.into_iter().map(os_bytes).collect();
    let opts = match args::parse(&argv) {
        Ok(o) => o,
        Err(bad) => {
            // lua.c's progname: argv[0] if there is one.
            let progname = match argv.first() {
                Some(a) if !a.is_empty() => &a[..],
                _ => PROGNAME.as_bytes(),
            };
            args::print_usage(progname, &bad);
            return 1;
        }
    };
    let mut jit_config = jit::JitConfig::default();
    // LUA_JIT first (for harnesses that cannot pass options), then the command line.
    if let Ok(words) = std::env::var("LUA_JIT") {
        for bad in jit_config.apply_env(&words) {
            eprintln!("{PROGNAME}: LUA_JIT: unknown JIT option '{bad}'");
        }
    }
    for o in &opts.jit {
        jit_config.apply_option(o);
    }
    let mut lua = Lua::new();
    // lua.c runs the script two C calls deep (pmain, docall); `pmain` below is one of them,
    // count the other so "C stack overflow" strikes at the same depth as in PUC's `lua`.
    lua.state().c_depth = 1;
    // lua.c switches the collector to generational mode at start (LUA_GC_MODE may say
    // otherwise, for tests).
    lua.state().set_default_gc_mode(true);
    jit::install(lua.state(), jit_config);
    if let Some(setup) = setup {
        setup(lua.state());
    }
    if opts.version {
        print_version(&mut lua);
    }
    if opts.no_env {
        ignore_env(&mut lua);
    }
    create_arg_table(&mut lua, &argv, opts.script.unwrap_or(0));
    if !opts.no_env && handle_luainit(&mut lua).is_err() {
        return 1;
    }
    for act in &opts.actions {
        let r = match act {
            args::Action::Exec(code) => dostring(&mut lua, code, "=(command line)"),
            args::Action::Require(val) => dolibrary(&mut lua, val),
            args::Action::WarnOn => {
                lua.state().warn_on = true;
                Ok(())
            }
        };
        if r.is_err() {
            return 1;
        }
    }
    if let Some(si) = opts.script {
        let stdin = argv[si] == b"-" && !opts.script_is_file_dash;
        let fname = if stdin { None } else { Some(&argv[si][..]) };
        if handle_script(&mut lua, fname).is_err() {
            return 1;
        }
    }
    if opts.interactive {
        interactive::do_repl(&mut lua);
    } else if opts.script.is_none() && !opts.has_e && !opts.version {
        if std::io::stdin().is_terminal() {
            print_version(&mut lua);
            interactive::do_repl(&mut lua);
        } else {
            // As lua.c: an error in stdin-as-a-script is reported but the status stays 0.
            let _ = dofile(&mut lua, None);
        }
    }
    lua.state().flush_out();
    0
}

fn os_bytes(s: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

fn print_version(lua: &mut Lua) {
    let st = lua.state();
    st.write_out(VERSION.as_bytes());
    st.write_out(b"\n");
    st.flush_out();
}

/// lua.c's `l_message`: `progname: msg` (no prefix in the REPL) on stderr. The message is
/// bytes, written as they are.
fn message(lua: &mut Lua, progname: Option<&str>, msg: &[u8]) {
    lua.state().flush_out();
    let mut text = Vec::with_capacity(msg.len() + 8);
    if let Some(p) = progname {
        text.extend_from_slice(p.as_bytes());
        text.extend_from_slice(b": ");
    }
    text.extend_from_slice(msg);
    text.push(b'\n');
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(&text);
    let _ = err.flush();
}

/// Report an error of the non-interactive part (with the program name); passes `r` through.
fn report<T>(lua: &mut Lua, r: Result<T, Vec<u8>>) -> Result<T, ()> {
    r.map_err(|m| message(lua, Some(PROGNAME), &m))
}

/// lua.c's `docall`: call `f` with a traceback handler, Ctrl-C interrupting it.
fn docall(lua: &mut Lua, f: Value, args: &[Value]) -> Result<Vec<Value>, Vec<u8>> {
    let flag = lua.state().interrupt.clone();
    let _guard = signal::InterruptGuard::install(&flag);
    let mut pargs = Vec::with_capacity(args.len() + 1);
    pargs.push(f);
    pargs.extend_from_slice(args);
    lua.state().call_traceback(Value::LightFn(pmain), &pargs)
}

/// lua.c runs everything inside the C function `pmain`, so Lua code sees that frame below
/// its main chunk: a traceback ends with `[C]: in ?`, `debug.getinfo(2)` from a main chunk
/// is a C function. Every chunk is called through this native to have the same frame.
fn pmain(st: &mut lua_core::state::State) -> lua_core::state::NResults {
    // The chunk and its arguments are this native's arguments; its results are ours.
    let base = st.frame().base;
    st.call_at(base, -1)?;
    Ok(st.ts().top - base)
}

fn dochunk(lua: &mut Lua, f: Result<Value, Vec<u8>>) -> Result<(), ()> {
    let r = f.and_then(|f| docall(lua, f, &[]).map(|_| ()));
    report(lua, r)
}

fn dostring(lua: &mut Lua, code: &[u8], name: &str) -> Result<(), ()> {
    let f = lua.state().load_chunk(code, name.as_bytes(), b"bt", None);
    dochunk(lua, f)
}

/// Run a file (None: stdin) with no arguments.
fn dofile(lua: &mut Lua, fname: Option<&[u8]>) -> Result<(), ()> {
    let f = lua_core::stdlib::base::load_file(lua.state(), fname, b"bt", None);
    dochunk(lua, f)
}

/// lua.c's `dolibrary`: `-l mod`, `-l g=mod`.
fn dolibrary(lua: &mut Lua, val: &[u8]) -> Result<(), ()> {
    let (global, modname) = args::lib_names(val);
    let require = lua.state().get_global("require");
    let m = lua.state().str_value(&modname);
    let r = docall(lua, require, &[m]);
    let v = report(lua, r)?;
    let v = v.first().copied().unwrap_or(Value::Nil);
    lua.state().set_global(&String::from_utf8_lossy(&global), v);
    Ok(())
}

/// lua.c's `createargtable`: argv[script] at index 0 (argv[0] when there is no script),
/// options below it and script arguments above.
fn create_arg_table(lua: &mut Lua, argv: &[Vec<u8>], script: usize) {
    let st = lua.state();
    let t = st.new_table(argv.len().saturating_sub(script + 1), script + 1);
    for (i, a) in argv.iter().enumerate() {
        let v = st.str_value(a);
        t.set_int(i as i64 - script as i64, v);
    }
    lua.state().set_global("arg", Value::Table(t));
}

/// `-E`: as lua.c's `LUA_NOENV` registry flag, then package.path/cpath from the defaults.
fn ignore_env(lua: &mut Lua) {
    let st = lua.state();
    let reg = st.registry;
    st.set_field(reg, "LUA_NOENV", Value::Bool(true));
    let loaded = st.loaded;
    if let Value::Table(pkg) = st.get_field(loaded, "package") {
        lua_core::stdlib::package::set_paths(st, pkg);
    }
}

/// lua.c's `handle_luainit`: LUA_INIT_5_4, else LUA_INIT; `@file` runs a file.
fn handle_luainit(lua: &mut Lua) -> Result<(), ()> {
    let (name, init) = match std::env::var_os("LUA_INIT_5_4") {
        Some(v) => ("LUA_INIT_5_4", v),
        None => match std::env::var_os("LUA_INIT") {
            Some(v) => ("LUA_INIT", v),
            None => return Ok(()),
        },
    };
    let init = os_bytes(init);
    match init.strip_prefix(b"@") {
        Some(file) => dofile(lua, Some(file)),
        None => dostring(lua, &init, &format!("={name}")),
    }
}

/// lua.c's `handle_script`: load the script, call it with `arg[1..#arg]` (read back from the
/// global `arg`, which `-e` code may have changed).
fn handle_script(lua: &mut Lua, fname: Option<&[u8]>) -> Result<(), ()> {
    let f = lua_core::stdlib::base::load_file(lua.state(), fname, b"bt", None);
    let f = report(lua, f)?;
    let args = match lua.state().get_global("arg") {
        Value::Table(t) => {
            let n = t.len();
            (1..=n).map(|i| t.get_int(i)).collect::<Vec<_>>()
        }
        _ => return report(lua, Err(b"'arg' is not a table".to_vec())),
    };
    let r = docall(lua, f, &args).map(|_| ());
    report(lua, r)
}
