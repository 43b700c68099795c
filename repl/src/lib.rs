//! The `lua` command: PUC-compatible command line (script, `-e`, `-l`, `-i`, `-v`, `-E`,
//! `-W`, `--`, `-`), the `arg` table, LUA_INIT, and error reporting with a traceback.
//! JIT options in LuaJIT's style (`-joff`, `-jon`, `-O...`) are accepted in the same place.

use lua_core::{Lua, Value};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

const VERSION: &str = "Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio";

fn usage(progname: &str, badopt: &str) {
    let mut e = std::io::stderr();
    if badopt.starts_with("-e") || badopt.starts_with("-l") {
        let _ = writeln!(e, "{progname}: '{badopt}' needs argument");
    } else {
        let _ = writeln!(e, "{progname}: unrecognized option '{badopt}'");
    }
    let _ = write!(
        e,
        "usage: {progname} [options] [script [args]]\n\
Available options are:\n  -e stat   execute string 'stat'\n  -i        enter interactive mode after executing 'script'\n  -l mod    require library 'mod' into global 'mod'\n  -l g=mod  require library 'mod' into global 'g'\n  -v        show version information\n  -E        ignore environment variables\n  -W        turn warnings on\n  -joff/-jon  turn the JIT compiler off/on\n  -Ohotloop=N  JIT hot threshold\n  --        stop handling options\n  -         stop handling options and execute stdin\n"
    );
}

fn report(progname: &str, msg: &str) {
    let _ = std::io::stdout().flush();
    let _ = writeln!(std::io::stderr(), "{progname}: {msg}");
}

enum Action {
    Exec(Vec<u8>),
    Require(String),
}

/// Run the `lua` command with `args` (args[0] is the program name); returns the exit status.
pub fn run(args: Vec<OsString>) -> i32 {
    let args: Vec<Vec<u8>> = args.into_iter().map(os_bytes).collect();
    let progname = "lua".to_string();
    let mut actions = Vec::new();
    let mut interactive = false;
    let mut version = false;
    let mut no_env = false;
    let mut warnings = false;
    let mut script: Option<usize> = None;
    let mut jit_config = jit::JitConfig::default();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        if a.first() != Some(&b'-') {
            script = Some(i);
            break;
        }
        match &a[..] {
            b"--" => {
                if i + 1 < args.len() {
                    script = Some(i + 1);
                }
                break;
            }
            b"-" => {
                script = Some(i);
                break;
            }
            b"-i" => {
                interactive = true;
                version = true;
            }
            b"-v" => version = true,
            b"-E" => no_env = true,
            b"-W" => warnings = true,
            _ if a.starts_with(b"-e") || a.starts_with(b"-l") => {
                let val = if a.len() > 2 {
                    a[2..].to_vec()
                } else {
                    i += 1;
                    match args.get(i) {
                        Some(v) if v.first() != Some(&b'-') || a.starts_with(b"-e") => v.clone(),
                        _ => {
                            usage(&progname, &String::from_utf8_lossy(a));
                            return 1;
                        }
                    }
                };
                if a.starts_with(b"-e") {
                    actions.push(Action::Exec(val));
                } else {
                    actions.push(Action::Require(String::from_utf8_lossy(&val).into_owned()));
                }
            }
            _ if a.starts_with(b"-j") || a.starts_with(b"-O") => {
                if !jit_config.apply_option(&String::from_utf8_lossy(&a[1..])) {
                    usage(&progname, &String::from_utf8_lossy(a));
                    return 1;
                }
            }
            _ => {
                usage(&progname, &String::from_utf8_lossy(a));
                return 1;
            }
        }
        i += 1;
    }
    let mut lua = Lua::new();
    // lua.c runs the script two C calls deep (pmain, docall); count them so "C stack
    // overflow" strikes at the same depth as in PUC's `lua`.
    lua.state().c_depth = 2;
    // lua.c switches the collector to generational mode at start.
    lua.state().heap.generational = true;
    lua.state().jit = Some(Box::new(jit::Jit::new(jit_config)));
    if version {
        println!("{VERSION}");
    }
    if warnings {
        lua.state().warn_on = true;
    }
    // The arg table: script at 0, interpreter and options below, script args above.
    let st = lua.state();
    let argt = st.new_table(args.len(), 1);
    let zero = script.unwrap_or(args.len());
    for (j, a) in args.iter().enumerate() {
        let v = st.str_value(a);
        argt.set_int(j as i64 - zero as i64, v);
    }
    lua.set_global("arg", Value::Table(argt));
    if !no_env {
        if let Some(init) =
            std::env::var_os("LUA_INIT_5_4").or_else(|| std::env::var_os("LUA_INIT"))
        {
            let init = os_bytes(init);
            let r = if let Some(f) = init.strip_prefix(b"@") {
                run_file(&mut lua, Some(f), &[])
            } else {
                run_chunk(&mut lua, &init, "=LUA_INIT", &[])
            };
            if let Err(m) = r {
                report(&progname, &m);
                return 1;
            }
        }
    }
    for act in &actions {
        let r = match act {
            Action::Exec(code) => run_chunk(&mut lua, code, "=(command line)", &[]),
            Action::Require(m) => {
                let (g, modname) = match m.split_once('=') {
                    Some((g, m)) => (g.to_string(), m.to_string()),
                    None => (m.clone(), m.clone()),
                };
                let req = lua.global("require");
                let mv = lua.state().str_value(&modname);
                match lua.call_traceback(req, &[mv]) {
                    Ok(v) => {
                        let val = v.first().copied().unwrap_or(Value::Nil);
                        lua.set_global(&g, val);
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(m) = r {
            report(&progname, &m);
            return 1;
        }
    }
    if let Some(si) = script {
        let sargs: Vec<Value> = args[si + 1..]
            .iter()
            .map(|a| lua.state().str_value(a))
            .collect();
        let fname = &args[si];
        let r = if fname == b"-" && si > 0 && args[si - 1] != b"--" {
            run_file(&mut lua, None, &sargs)
        } else {
            run_file(&mut lua, Some(fname), &sargs)
        };
        if let Err(m) = r {
            report(&progname, &m);
            return 1;
        }
    } else if actions.is_empty() && !version {
        if std::io::stdin().is_terminal() {
            println!("{VERSION}");
            interactive = true;
        } else if let Err(m) = run_file(&mut lua, None, &[]) {
            report(&progname, &m);
            return 1;
        }
    }
    if interactive {
        return repl_loop(&mut lua);
    }
    lua.state().flush_out();
    0
}

fn os_bytes(s: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

fn run_chunk(lua: &mut Lua, code: &[u8], name: &str, args: &[Value]) -> Result<(), String> {
    let f = lua.load(code, name)?;
    lua.call_traceback(f, args).map(|_| ())
}

fn run_file(lua: &mut Lua, fname: Option<&[u8]>, args: &[Value]) -> Result<(), String> {
    let f = lua_core::stdlib::base::load_file(lua.state(), fname, b"bt", None)?;
    lua.call_traceback(f, args).map(|_| ())
}

/// A minimal line-by-line interactive loop (the full REPL is separate work).
fn repl_loop(lua: &mut Lua) -> i32 {
    let mut input = String::new();
    let stdin = std::io::stdin();
    loop {
        print!("> ");
        let _ = std::io::stdout().flush();
        input.clear();
        match stdin.read_line(&mut input) {
            Ok(0) | Err(_) => {
                println!();
                return 0;
            }
            Ok(_) => {}
        }
        let line = input.trim_end();
        let ret = format!("return {line}");
        let f = match lua.load(ret.as_bytes(), "=stdin") {
            Ok(f) => Ok(f),
            Err(_) => lua.load(line.as_bytes(), "=stdin"),
        };
        match f {
            Ok(f) => match lua.call_traceback(f, &[]) {
                Ok(vals) if !vals.is_empty() => {
                    let print = lua.global("print");
                    let _ = lua.call(print, &vals);
                }
                Ok(_) => {}
                Err(m) => report("lua", &m),
            },
            Err(m) => report("lua", &m),
        }
    }
}
