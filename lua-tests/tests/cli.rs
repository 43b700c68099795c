//! The `lua` command as a process, compared with the reference: what a script cannot check
//! about itself (files flushed by `os.exit`, output that survives a kill, signals, closed or
//! full standard streams, the top-level error report).
//!
//! Each case is a shell command line in which `$LUA` names the interpreter; it runs once with
//! `reflua` and once with `ourlua`, in a fresh temporary directory, and stdout, stderr and the
//! exit status must be identical. The few cases where `reflua` cannot stand in for PUC's `lua`
//! (it is a Rust program: Rust's start-up code ignores SIGPIPE and reopens closed standard
//! descriptors) compare with PUC's output written out, and say so.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lua_tests::{run_command, Outcome};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("lua-tests-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run the shell command line `cmd` with `$LUA` set to `lua`, in a fresh directory `tag`.
fn sh(lua: &str, tag: &str, cmd: &str) -> Outcome {
    let dir = TempDir::new(tag);
    sh_in(lua, &dir.0, cmd)
}

fn sh_in(lua: &str, dir: &Path, cmd: &str) -> Outcome {
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd).env("LUA", lua).current_dir(dir);
    for v in ["LUA_INIT", "LUA_INIT_5_4", "LUA_PATH", "LUA_PATH_5_4"] {
        c.env_remove(v);
    }
    run_command(c, Duration::from_secs(30))
}

fn show(o: &Outcome) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        o.exit,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Ours must do exactly what the reference does.
fn same_as_reference(tag: &str, cmd: &str) {
    let r = sh(REFLUA, &format!("{tag}-ref"), cmd);
    let o = sh(OURLUA, &format!("{tag}-our"), cmd);
    assert!(
        r.exit == o.exit && r.stdout == o.stdout && r.stderr == o.stderr,
        "{tag}: {cmd}\n=== reference:\n{}=== ours:\n{}",
        show(&r),
        show(&o)
    );
}

/// Ours must print `stdout` and `stderr` and end with `status` (PUC's behaviour, where reflua
/// cannot show it).
fn same_as_puc(tag: &str, cmd: &str, stdout: &str, stderr: &str, status: i32) {
    let o = sh(OURLUA, tag, cmd);
    assert!(
        o.exit == lua_tests::Exit::Code(status)
            && o.stdout == stdout.as_bytes()
            && o.stderr == stderr.as_bytes(),
        "{tag}: {cmd}\n=== ours:\n{}",
        show(&o)
    );
}

#[test]
fn os_exit_flushes_and_closes_files() {
    same_as_reference(
        "exit-file",
        r#"$LUA -e 'local f = io.open("f.txt", "w") f:write("data") os.exit(0)'; cat f.txt"#,
    );
    same_as_reference(
        "exit-output",
        r#"$LUA -e 'io.output("g.txt") io.write("gdata") os.exit(3)'; echo " $?"; cat g.txt"#,
    );
    same_as_reference(
        "exit-unreachable",
        r#"$LUA -e 'io.open("u.txt", "w"):write("lost handle") collectgarbage() os.exit(false)'; echo " $?"; cat u.txt"#,
    );
}

#[test]
fn os_exit_close_closes_the_state() {
    let script = r#"
        local x <close> = setmetatable({}, {__close = function(_, e) print("closed", e) end})
        setmetatable({}, {__gc = function() print("gc") end})
        local f = io.open("h.txt", "w") f:write("h")
        io.write("pending ")
        os.exit(7, true)
    "#;
    same_as_reference(
        "exit-close",
        &format!("$LUA -e '{script}'; echo \" $?\"; cat h.txt"),
    );
    // Without `close`, neither handlers nor finalizers run.
    let script = script.replace("os.exit(7, true)", "os.exit(7)");
    same_as_reference(
        "exit-noclose",
        &format!("$LUA -e '{script}'; echo \" $?\"; cat h.txt"),
    );
}

#[test]
fn print_flushes_each_line() {
    // Killed while looping: what print wrote is there; what io.write buffered is not.
    same_as_reference(
        "print-flush",
        r#"$LUA -e 'print("line1") io.write("buffered") while true do end' > out.txt &
           pid=$!; sleep 1; kill $pid; wait $pid; echo "status $?"; cat out.txt"#,
    );
}

#[test]
fn io_errors_are_reported() {
    same_as_reference(
        "dev-full",
        r#"$LUA -e 'io.stdout:write("x") local a, b, c = io.stdout:flush()
              io.stderr:write(tostring(a), " ", b, " ", c, "\n")' > /dev/full"#,
    );
    same_as_reference(
        "dev-full-unbuffered",
        r#"$LUA -e 'io.stdout:setvbuf("no") local a, b, c = io.write("x")
              io.stderr:write(tostring(a), " ", b, " ", c, "\n")' > /dev/full"#,
    );
    // reflua's Rust start-up reopens a closed stdin on /dev/null; PUC's `lua` reports EBADF.
    same_as_puc(
        "closed-stdin",
        r#"$LUA -e 'print(io.read()) print(io.read("a")) print(io.read("n")) print(pcall(io.lines()))' <&-"#,
        "nil\tBad file descriptor\t9\nnil\tBad file descriptor\t9\n\
         nil\tBad file descriptor\t9\nfalse\tBad file descriptor\n",
        "",
        0,
    );
}

#[test]
fn sigpipe() {
    // Ignored by the parent: writes to the closed pipe fail with "Broken pipe" (print ignores
    // the error, io.write reports it); reflua ignores SIGPIPE too, being a Rust program.
    same_as_reference(
        "sigpipe-ignored",
        r#"trap '' PIPE; $LUA -e 'for i = 1, 1e5 do print("xxxxxxxxxx") end
              for i = 1, 1e5 do local ok, e, n = io.write("yyyyyyyyyy\n")
                if not ok then io.stderr:write(e, " ", n, "\n") os.exit(2) end
              end' | head -1; echo "done""#,
    );
    // Left as it is by default, SIGPIPE kills quietly, as it kills PUC's `lua`.
    same_as_puc(
        "sigpipe-default",
        r#"$LUA -e 'for i = 1, 1e5 do print("xxxxxxxxxx") end io.stderr:write("not reached")' | head -1"#,
        "xxxxxxxxxx\n",
        "",
        0,
    );
}

/// Ours must end like the reference: same stdout, exit status and first stderr line (the
/// `lua: <message>` line; tracebacks may differ), and a traceback exactly when it has one.
fn same_report_as_reference(tag: &str, cmd: &str) {
    let r = sh(REFLUA, &format!("{tag}-ref"), cmd);
    let o = sh(OURLUA, &format!("{tag}-our"), cmd);
    let traceback = |o: &Outcome| String::from_utf8_lossy(&o.stderr).contains("stack traceback:");
    assert!(
        r.exit == o.exit
            && r.stdout == o.stdout
            && r.stderr_first_line() == o.stderr_first_line()
            && traceback(&r) == traceback(&o),
        "{tag}: {cmd}\n=== reference:\n{}=== ours:\n{}",
        show(&r),
        show(&o)
    );
}

#[test]
fn top_level_error_objects() {
    // `__tostring` raising an error: the report shows that error, with a traceback.
    same_report_as_reference(
        "tostring-error",
        r#"echo 'error(setmetatable({}, {__tostring = function() error("nested") end}))' > tse.lua
           $LUA tse.lua"#,
    );
    // `__tostring` returning something other than a string: the object's type.
    for (tag, ret) in [("tostring-number", "42"), ("tostring-table", "{}")] {
        same_report_as_reference(
            tag,
            &format!(
                "$LUA -e 'error(setmetatable({{}}, {{__tostring = function() return {ret} end}}))'"
            ),
        );
    }
    // A string result is the message, without a traceback.
    same_report_as_reference(
        "tostring-string",
        r#"$LUA -e 'error(setmetatable({}, {__tostring = function() return "custom" end}))'"#,
    );
    // next's message has no position.
    same_report_as_reference("next-invalid-key", r#"$LUA -e 'next({}, "nokey")'"#);
}

#[test]
fn script_that_is_a_directory() {
    same_as_reference("dir-script", "mkdir d; $LUA d");
    same_as_reference("dir-dofile", "mkdir d; $LUA -e 'print(loadfile(\"d\"))'");
}

#[test]
fn bytes_are_bytes() {
    // File names, chunk names, tokens and names in messages keep every byte (none of these
    // is valid UTF-8), from the script name on the command line to the report on stderr.
    let script = r#"
print(pcall(dofile, "\255.lua"))
print(select(2, loadfile("nonexistent\255.lua")))
package.path = "./?.lua"
print(pcall(require, "m\254"))
print(pcall(require, "nomod\254"))
print(load("x = = 1", "=name\255"))
print(load("x = 'abc\255", "=n"))
print(load("x = \255", "=n"))
print(pcall(load("error('e')", "@file\255.lua")))
print(debug.getinfo(load("return 1", "@src\255.lua"), "S").short_src)
print(pcall(load("local t = {} return t['\255'].x")))
print(pcall(load("return _ENV['\255'].x")))
print(pcall(load("local t = {} t['\255']()")))
print(select(2, pcall(error, "\255msg")))
print(load("goto \255"))
print((debug.traceback(load("return debug.traceback('\254')", "=tb\255")())))
"#;
    let cmd = format!(
        r#"cat > bytes.lua <<'EOS'
{script}
EOS
printf 'error("boom")\n' > "$(printf '\377.lua')"
printf 'return "mod\\255"\n' > "$(printf 'm\376.lua')"
$LUA bytes.lua; echo "status $?"
$LUA "$(printf '\377.lua')"; echo "status $?"
$LUA "$(printf 'nofile\377.lua')"; echo "status $?"
$LUA -e 'error("\255")'
$LUA -e "$(printf 'x = = \377')"
$LUA -e 'error(setmetatable({{}}, {{__tostring = function() return "\254" end}}))'"#
    );
    same_as_reference("bytes", &cmd);
}

#[test]
fn ctrl_c_interrupts_anywhere() {
    // reflua has no SIGINT handler; PUC's `lua` reports these (its interrupt hook fires on
    // calls, lines and counts; the message has luaL_error's position of the running
    // function's caller).
    let cases = [
        (
            "local function g() return g() end g()",
            "lua: (command line):1: interrupted!",
        ),
        ("while true do end", "lua: interrupted!"),
        // (A counted loop's trace reads the flag every 1024th iteration.)
        (
            "local s = 0 for i = 1, math.maxinteger do s = s + i % 7 end",
            "lua: interrupted!",
        ),
        (
            "local function f()\n while true do end\nend\nf()",
            "lua: (command line):4: interrupted!",
        ),
    ];
    for (code, first) in cases {
        let cmd = format!(
            "$LUA -e '{code}' 2>err.txt & pid=$!; sleep 1; kill -INT $pid; wait $pid; \
             echo \"status $?\"; head -1 err.txt; grep -c 'stack traceback:' err.txt"
        );
        same_as_puc("interrupt", &cmd, &format!("status 1\n{first}\n1\n"), "", 0);
    }
}

#[test]
fn out_of_memory_in_table_growth_is_an_error() {
    // Under a 400 MB address-space limit, a table that cannot grow raises PUC's catchable
    // "not enough memory" and the program goes on. Interpreter only (LUA_JIT=-joff; reflua
    // ignores it): a compiled trace's table store still aborts (the JIT's NEWREF helpers
    // have no error path yet).
    let script = r#"
local t = {}
local ok, err = pcall(function() for i = 1, 1e8 do t[i] = i end end)
print(ok, err, #t > 1000000)
t = nil
collectgarbage()
local h = {}
ok, err = pcall(function() for i = 1, 1e8 do h["k" .. i] = i end end)
print(ok, err)
h = nil
collectgarbage()
print("still running", #{1, 2, 3})
"#;
    let cmd = format!(
        "cat > oom.lua <<'EOS'\n{script}\nEOS\n(ulimit -v 400000; LUA_JIT=-joff $LUA oom.lua); echo \"status $?\""
    );
    same_as_reference("oom", &cmd);
    // Concatenation: the result's buffer is allocated once, where failing is an error.
    let script = r#"
local s = string.rep("x", 2^26)
local ok, err = pcall(function() local t = s .. s .. s .. s .. s .. s .. s .. s return #t end)
print(ok, err)
ok, err = pcall(function() local u = s for i = 1, 10 do u = u .. u end return #u end)
print(ok, err)
print(#(s .. "y" .. 1 .. 2.5), ("a" .. 1 .. "b" .. 2.0 .. -3 .. math.mininteger .. 1e300))
"#;
    let cmd = format!(
        "cat > oom.lua <<'EOS'\n{script}\nEOS\n(ulimit -v 400000; $LUA oom.lua); echo \"status $?\""
    );
    same_as_reference("oom-concat", &cmd);
}

#[test]
fn out_of_memory_in_library_buffers_is_an_error() {
    // Strings the libraries build (gsub, upper/lower, reverse, table.concat, io reads of a
    // whole file or one line) and tables they grow (table.insert) raise PUC's "not enough
    // memory" where they cannot be allocated, and the program goes on (interpreter and
    // compile-at-once; each run takes seconds).
    let script = r#"
local s = string.rep("x", 2^26)
print(pcall(function() return #s:gsub("x+", "%0%0") end))
print(pcall(function() local u = s:gsub("x+", "%0%0%0") return #u:gsub("x+", "%0%0") end))
print(pcall(function() local a, b, c, d, e = s:upper(), s:lower(), s:upper(), s:lower(), s:upper() return #a end))
print(pcall(function() local a, b, c, d, e = s:reverse(), s:reverse(), s:reverse(), s:reverse(), s:reverse() return #a end))
print(pcall(function() local t = {} for i = 1, 10 do t[i] = s end return #table.concat(t) end))
print(pcall(function() local t = {} for i = 1, 10 do t[i] = s end return #table.concat(t, ",") end))
collectgarbage()
print(pcall(function() local t = {} for i = 1, 1e8 do table.insert(t, i) end end))
collectgarbage()
local f = assert(io.open("big.txt", "w")) f:write(s) f:close()
print(pcall(function() local t = {} for i = 1, 6 do local f = io.open("big.txt") t[i] = f:read("a") f:close() end return #t end))
collectgarbage()
print(pcall(function() local t = {} for i = 1, 6 do local f = io.open("big.txt") t[i] = f:read("l") f:close() end return #t end))
collectgarbage()
print(pcall(function() local t = {} for i = 1, 6 do for l in io.lines("big.txt") do t[i] = l end end return #t end))
os.remove("big.txt")
collectgarbage()
print("still running", #s:gsub("^x", "y"), #s:upper(), #table.concat({s, s}))
"#;
    for mode in ["-joff", "-Ohotloop=1"] {
        let cmd = format!(
            "cat > oom.lua <<'EOS'\n{script}\nEOS\n(ulimit -v 400000; LUA_JIT='{mode}' $LUA oom.lua); echo \"status $?\""
        );
        same_as_reference(&format!("oom-lib{mode}"), &cmd);
    }
}
