//! The `lua` command as a process: options and their order, the `arg` table, exit statuses,
//! the exact stderr text of errors and of the usage message (PUC lua.c's, with the program
//! name "lua"), stdin as a script, LUA_INIT, `-l` with a module in a temporary directory.
//!
//! Every process gets stdin from a pipe (never the terminal) and a fixed environment for the
//! variables that matter (LUA_INIT*, LUA_PATH*), so results do not depend on the caller.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const LUA: &str = env!("CARGO_BIN_EXE_lua");

/// The usage text after "usage: <argv[0]>" (lua.c names the program as invoked).
const USAGE_TAIL: &str = " [options] [script [args]]
Available options are:
  -e stat   execute string 'stat'
  -i        enter interactive mode after executing 'script'
  -l mod    require library 'mod' into global 'mod'
  -l g=mod  require library 'mod' into global 'g'
  -v        show version information
  -E        ignore environment variables
  -W        turn warnings on
  --        stop handling options
  -         stop handling options and execute stdin
";

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("lua-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `lua` command with a clean environment, run in `dir` (or the current directory).
fn lua(args: &[&str], dir: Option<&Path>) -> Command {
    let mut c = Command::new(LUA);
    c.args(args);
    for v in [
        "LUA_INIT",
        "LUA_INIT_5_4",
        "LUA_PATH",
        "LUA_PATH_5_4",
        "LUA_CPATH",
        "LUA_CPATH_5_4",
    ] {
        c.env_remove(v);
    }
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c
}

/// Run with `stdin` as standard input.
fn run_cmd(mut c: Command, stdin: &str) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn lua");
    let mut input = child.stdin.take().unwrap();
    // The process may exit without reading its stdin; a broken pipe here is fine.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().unwrap()
}

fn run(args: &[&str], stdin: &str) -> Output {
    run_cmd(lua(args, None), stdin)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_options_print_usage_and_fail() {
    let cases: &[(&[&str], &str)] = &[
        (&["-x"], "unrecognized option '-x'\n"),
        (&["-Ex"], "unrecognized option '-Ex'\n"),
        (&["--x"], "unrecognized option '--x'\n"),
        (&["-iv"], "unrecognized option '-iv'\n"),
        (&["-e"], "'-e' needs argument\n"),
        (&["-l"], "'-l' needs argument\n"),
        (&["-e", "-x"], "'-e' needs argument\n"),
        (&["-i", "-x"], "unrecognized option '-x'\n"),
        (&["-jbogus"], "'-jbogus' needs argument\n"),
        (&["-Ohotloop=x"], "unrecognized option '-Ohotloop=x'\n"),
    ];
    for (args, first) in cases {
        let o = run(args, "print('stdin ran')");
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(
            err(&o),
            format!("{LUA}: {first}usage: {LUA}{USAGE_TAIL}"),
            "{args:?}"
        );
        assert_eq!(out(&o), "", "{args:?}: nothing runs, no banner");
    }
}

#[test]
fn script_arguments_and_arg_table() {
    let d = TempDir::new("args");
    let s = d.file(
        "s.lua",
        "print(select('#', ...), ...)\nfor i = -3, #arg do io.write(tostring(arg[i]), ' ') end\nprint()",
    );
    let s = s.to_str().unwrap();
    let o = run(&["-e", "x=1", s, "a", "-e", "b"], "");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!("3\ta\t-e\tb\n{LUA} -e x=1 {s} a -e b \n"),
        "script args stop option handling"
    );
    // No script: argv[0] at index 0, the options above it.
    let o = run(
        &[
            "-e",
            "print(arg[0] == arg[-0], #arg, arg[1], arg[2], arg[-1])",
        ],
        "",
    );
    assert_eq!(
        out(&o),
        "true\t2\t-e\tprint(arg[0] == arg[-0], #arg, arg[1], arg[2], arg[-1])\tnil\n"
    );
    // The script gets arg[1..#arg] as read back from the global `arg`.
    let o = run(&["-e", "arg = 1", s], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err(&o), "lua: 'arg' is not a table\n");
}

#[test]
fn options_run_in_order() {
    let d = TempDir::new("order");
    d.file(
        "mod.lua",
        "io.write('loading ', ..., ' x=', tostring(x), '\\n') return {v = x}",
    );
    // (`...` is the module name; 5.4 also passes the file name, which we do not check.)
    d.file("mod-v2.lua", "return {v = 'two'}");
    let o = run_cmd(
        lua(
            &[
                "-e",
                "x=1",
                "-lmod",
                "-e",
                "x=2",
                "-l",
                "g=mod",
                "-e",
                "print(mod.v, g.v, x)",
            ],
            Some(&d.0),
        ),
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "loading mod x=1\n1\t1\t2\n");
    // `-l mod-v2` loads mod-v2 into global `mod` (5.4.8's LUA_IGMARK rule).
    let o = run_cmd(
        lua(
            &["-l", "mod-v2", "-e", "print(mod.v, rawget(_G, 'mod-v2'))"],
            Some(&d.0),
        ),
        "",
    );
    assert_eq!(out(&o), "two\tnil\n", "{}", err(&o));
    // -W takes effect where it stands.
    let o = run(&["-e", "warn('early')", "-W", "-e", "warn('late')"], "");
    assert_eq!(err(&o), "Lua warning: late\n");
}

#[test]
fn missing_module_fails_with_traceback() {
    let d = TempDir::new("nomod");
    let o = run_cmd(lua(&["-l", "nosuchmod", "-e", "print'no'"], Some(&d.0)), "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "");
    let e = err(&o);
    assert!(e.starts_with("lua: module 'nosuchmod' not found:\n"), "{e}");
    assert!(
        e.contains("\nstack traceback:\n\t[C]: in function 'require'\n"),
        "{e}"
    );
    assert!(e.ends_with("\n\t[C]: in ?\n"), "{e}");
}

#[test]
fn errors_are_reported_with_traceback() {
    let o = run(&["-e", "error('boom')"], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        "lua: (command line):1: boom\nstack traceback:\n\t[C]: in function 'error'\n\t\
         (command line):1: in main chunk\n\t[C]: in ?\n"
    );
    // __tostring objects are shown without a traceback, as lua.c's msghandler does.
    let o = run(
        &[
            "-e",
            "error(setmetatable({}, {__tostring = function() return 'TS' end}))",
        ],
        "",
    );
    assert_eq!(err(&o), "lua: TS\n");
    // Syntax errors and missing files: the message only.
    let d = TempDir::new("errs");
    let bad = d.file("bad.lua", "x = = 1");
    let o = run(&[bad.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        format!("lua: {}:1: unexpected symbol near '='\n", bad.display())
    );
    let o = run(&["nosuch-script.lua"], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        "lua: cannot open nosuch-script.lua: No such file or directory\n"
    );
    // An error stops the remaining options and the script.
    let o = run(
        &["-e", "print(1)", "-e", "error('x', 0)", "-e", "print(2)"],
        "",
    );
    assert_eq!(out(&o), "1\n");
    assert!(err(&o).starts_with("lua: x\n"));
}

#[test]
fn exit_codes() {
    for (code, want) in [
        ("os.exit(3)", 3),
        ("os.exit(true)", 0),
        ("os.exit(false)", 1),
        ("os.exit()", 0),
    ] {
        let o = run(
            &[
                "-e",
                "io.write('out')",
                "-e",
                code,
                "-e",
                "print('not here')",
            ],
            "",
        );
        assert_eq!(o.status.code(), Some(want), "{code}");
        assert_eq!(out(&o), "out", "{code}: output flushed before exit");
    }
}

#[test]
fn stdin_as_script() {
    // Not a terminal and nothing else to do: stdin is the script.
    let o = run(&[], "print('from stdin', ...)");
    assert_eq!(out(&o), "from stdin\n");
    // lua.c reports an error in that case but keeps status 0.
    let o = run(&[], "error('e')");
    assert_eq!(o.status.code(), Some(0));
    assert!(err(&o).starts_with("lua: stdin:1: e\nstack traceback:\n"));
    // `-` is stdin, with arguments; `--` alone is no script.
    let o = run(&["-", "a", "b"], "print(arg[0], #arg, ...)");
    assert_eq!(out(&o), "-\t2\ta\tb\n");
    let o = run(&["-", "x"], "error('e')");
    assert_eq!(o.status.code(), Some(1), "an explicit `-` is a script");
    let o = run(&["--"], "print('dashdash')");
    assert_eq!(out(&o), "dashdash\n");
    // `-l` alone still reads stdin (only -e and -v count as something to do) ...
    let o = run(&["-W"], "print('W')");
    assert_eq!(out(&o), "W\n");
    // ... but -e and -v do not.
    let o = run(&["-e", "print('e')"], "print('stdin')");
    assert_eq!(out(&o), "e\n");
    let o = run(&["-v"], "print('stdin')");
    assert_eq!(
        out(&o),
        "Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio\n"
    );
}

#[test]
fn dash_dash_then_file_named_dash() {
    let d = TempDir::new("dash");
    d.file("-", "print('file named dash', ...)");
    let o = run_cmd(lua(&["--", "-", "z"], Some(&d.0)), "print('stdin')");
    assert_eq!(out(&o), "file named dash\tz\n", "{}", err(&o));
}

#[test]
fn lua_init() {
    let d = TempDir::new("init");
    let f = d.file("init.lua", "print('init file', arg[0])");
    let script = d.file("s.lua", "print('script', X)");
    let script = script.to_str().unwrap();
    let mut c = lua(&[script], None);
    c.env("LUA_INIT", "X = 'plain'");
    assert_eq!(out(&run_cmd(c, "")), "script\tplain\n");
    let mut c = lua(&[script], None);
    c.env("LUA_INIT", "X = 'plain'")
        .env("LUA_INIT_5_4", "X = 'versioned'");
    assert_eq!(out(&run_cmd(c, "")), "script\tversioned\n");
    let mut c = lua(&[script], None);
    c.env("LUA_INIT", format!("@{}", f.display()));
    assert_eq!(
        out(&run_cmd(c, "")),
        format!("init file\t{script}\nscript\tnil\n")
    );
    // -E ignores it.
    let mut c = lua(&["-E", script], None);
    c.env("LUA_INIT", "X = 'plain'");
    assert_eq!(out(&run_cmd(c, "")), "script\tnil\n");
    // An error in it stops everything, named after the variable.
    let mut c = lua(&["-e", "print'no'"], None);
    c.env("LUA_INIT_5_4", "error('boom')");
    let o = run_cmd(c, "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "");
    assert!(err(&o).starts_with("lua: LUA_INIT_5_4:1: boom\nstack traceback:\n"));
    let mut c = lua(&["-e", "print'no'"], None);
    c.env("LUA_INIT", "@/nonexistent/init.lua");
    let o = run_cmd(c, "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        "lua: cannot open /nonexistent/init.lua: No such file or directory\n"
    );
}

#[test]
fn no_env_ignores_lua_path() {
    let mut c = lua(&["-E", "-e", "print(package.path)"], None);
    c.env("LUA_PATH", "FROMENV/?.lua");
    let o = run_cmd(c, "");
    assert!(
        out(&o).contains("./?.lua") && !out(&o).contains("FROMENV"),
        "{}",
        out(&o)
    );
    let mut c = lua(&["-e", "print(package.path)"], None);
    c.env("LUA_PATH", "FROMENV/?.lua");
    assert_eq!(out(&run_cmd(c, "")), "FROMENV/?.lua\n");
}

#[test]
fn version_banner_comes_first() {
    let o = run(&["-e", "print('code')", "-v"], "");
    assert_eq!(
        out(&o),
        "Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio\ncode\n"
    );
}

#[test]
fn interactive_on_a_pipe() {
    // `-i` with stdin not a terminal: prompts on stdout, no line editing.
    let o = run(
        &["-i", "-e", "y = 5"],
        "y\n= y + 1\nfor i = 1, 2 do\nio.write(i)\nend\nerror('e')\nreturn 1, nil, 3\n",
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        out(&o),
        "Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio\n\
         > 5\n> 6\n> >> >> 12> > 1\tnil\t3\n> \n"
    );
    assert!(
        err(&o).starts_with("stdin:1: e\nstack traceback:\n"),
        "{}",
        err(&o)
    );
}

#[test]
fn jit_options_are_accepted() {
    let o = run(
        &[
            "-joff",
            "-jon",
            "-j",
            "off",
            "-O3",
            "-Ohotloop=1",
            "-e",
            "local s = 0 for i = 1, 100 do s = s + i end print(s)",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "5050\n");
}

#[test]
fn non_utf8_arguments() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let mut c = lua(&["-e", "print(#arg[1], arg[1] == '\\255')", "-"], None);
    c.arg(OsStr::from_bytes(b"\xff"));
    let o = run_cmd(c, "");
    assert_eq!(out(&o), "1\ttrue\n", "{}", err(&o));
    let mut c = lua(&[], None);
    c.arg(OsStr::from_bytes(b"-\xff"));
    let o = run_cmd(c, "");
    assert_eq!(o.status.code(), Some(1));
    // Bytes are bytes: the option is shown as it was given.
    let want = [LUA.as_bytes(), b": unrecognized option '-\xff'\n"].concat();
    assert!(o.stderr.starts_with(&want), "{}", err(&o));
}

#[test]
fn closed_stdout_is_not_a_panic() {
    let mut c = lua(
        &[
            "-e",
            "for i = 1, 200000 do print(i) end io.stderr:write('done')",
        ],
        None,
    );
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let e = err(&o);
    assert!(!e.contains("panicked"), "{e}");
    // Like a C program: killed by SIGPIPE, quietly.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(13), "{e}");
}
