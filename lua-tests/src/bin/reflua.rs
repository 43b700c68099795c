//! `reflua`: reference PUC Lua 5.4 (built from source through mlua-sys) behaving like PUC's
//! `lua` command for the subset the conformance runner needs:
//!
//! ```text
//! reflua script.lua [args...]     run a script; `arg` and `...` as lua.c builds them
//! reflua -e 'code' [script ...]   run a chunk of code first (chunkname "=(command line)")
//! ```
//!
//! It is the oracle the script runner diffs our interpreter against, so it follows lua.c where
//! the difference is observable: the generational GC mode set at start-up, `arg` layout, the
//! message handler (non-string error objects, `__tostring`, traceback appended) and the
//! `lua: <msg>` report on stderr with exit status 1.
//!
//! All unsafe in lua-tests lives here: this file is a thin shell around the C API.

use std::ffi::{c_int, CStr, CString};
use std::process::ExitCode;

use mlua_sys as ffi;

/// The program name in error reports and in `arg[-1]`. lua.c uses argv[0]; we use "lua" so the
/// oracle's reports read like the command we replace.
const PROGNAME: &str = "lua";

/// lua.c's `msghandler`: turn the error object into a string and append a traceback.
unsafe extern "C-unwind" fn msghandler(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua as a message handler with the error object at index 1; every call
    // below is a plain C API call on that live state with in-range stack indices.
    unsafe {
        let mut msg = ffi::lua_tostring(l, 1);
        if msg.is_null() {
            if ffi::luaL_callmeta(l, 1, c"__tostring".as_ptr()) != 0
                && ffi::lua_type(l, -1) == ffi::LUA_TSTRING
            {
                return 1;
            }
            msg = ffi::lua_pushfstring(
                l,
                c"(error object is a %s value)".as_ptr(),
                ffi::luaL_typename(l, 1),
            );
        }
        ffi::luaL_traceback(l, l, msg, 1);
        1
    }
}

/// What to run, parsed from the command line.
struct Options {
    /// Chunks given with `-e`, in order.
    exec: Vec<Vec<u8>>,
    /// Index in argv of the script name, if any.
    script: Option<usize>,
}

fn parse_args(argv: &[Vec<u8>]) -> Result<Options, String> {
    let mut exec = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i][..];
        if a == b"-e" {
            i += 1;
            match argv.get(i) {
                Some(code) => exec.push(code.clone()),
                None => return Err("'-e' needs argument".into()),
            }
        } else if let Some(code) = a.strip_prefix(b"-e") {
            exec.push(code.to_vec());
        } else if a == b"--" {
            i += 1;
            break;
        } else if a.starts_with(b"-") && a != b"-" {
            let a = String::from_utf8_lossy(a);
            return Err(format!("unrecognized option '{a}'"));
        } else {
            break;
        }
        i += 1;
    }
    let script = (i < argv.len()).then_some(i);
    Ok(Options { exec, script })
}

/// A Lua state that is closed when dropped.
struct State(*mut ffi::lua_State);

impl State {
    fn new() -> Option<State> {
        // SAFETY: luaL_newstate has no preconditions; a null result is checked below.
        let l = unsafe { ffi::luaL_newstate() };
        if l.is_null() {
            return None;
        }
        // SAFETY: `l` is a fresh, valid state; these calls mirror lua.c's pmain set-up.
        unsafe {
            ffi::luaL_openlibs(l);
            ffi::lua_gc(l, ffi::LUA_GCRESTART);
            ffi::lua_gc(l, ffi::LUA_GCGEN, 0, 0);
        }
        Some(State(l))
    }

    /// lua.c's `createargtable`: the script at index 0, its arguments at 1.., everything before
    /// it (program name and options) at negative indices.
    fn create_arg_table(&self, argv: &[Vec<u8>], script: usize) {
        let l = self.0;
        let narg = (argv.len() - (script + 1)) as c_int;
        // SAFETY: valid state; the table stays on top of the stack while we fill it, each
        // pushed string is consumed by lua_rawseti, then lua_setglobal pops the table.
        unsafe {
            ffi::lua_createtable(l, narg, (script + 1) as c_int);
            for (i, a) in argv.iter().enumerate() {
                let s = if i == 0 { PROGNAME.as_bytes() } else { &a[..] };
                ffi::lua_pushlstring(l, s.as_ptr().cast(), s.len());
                ffi::lua_rawseti(l, -2, i as ffi::lua_Integer - script as ffi::lua_Integer);
            }
            ffi::lua_setglobal(l, c"arg".as_ptr());
        }
    }

    /// lua.c's `docall`: call the function below `narg` arguments with the message handler.
    fn docall(&self, narg: c_int) -> c_int {
        let l = self.0;
        // SAFETY: the function and its `narg` arguments are on the stack (pushed by the caller);
        // the handler is inserted beneath them and removed afterwards, as lua.c does.
        unsafe {
            let base = ffi::lua_gettop(l) - narg;
            ffi::lua_pushcfunction(l, msghandler);
            ffi::lua_insert(l, base);
            let status = ffi::lua_pcall(l, narg, ffi::LUA_MULTRET, base);
            ffi::lua_remove(l, base);
            status
        }
    }

    /// Print the error message on top of the stack as lua.c's `report` does and pop it.
    fn report(&self) {
        let l = self.0;
        // SAFETY: the error object is on top of the stack; the returned C string stays valid
        // until we pop it, which happens after copying it out.
        let msg = unsafe {
            let p = ffi::lua_tostring(l, -1);
            let msg = if p.is_null() {
                let t = CStr::from_ptr(ffi::luaL_typename(l, -1)).to_string_lossy();
                format!("(error object is a {t} value)").into_bytes()
            } else {
                CStr::from_ptr(p).to_bytes().to_vec()
            };
            ffi::lua_pop(l, 1);
            msg
        };
        // Bytes, as lua.c's fprintf writes them.
        let line = [PROGNAME.as_bytes(), b": ", &msg, b"\n"].concat();
        let _ = std::io::Write::write_all(&mut std::io::stderr(), &line);
    }

    fn dostring(&self, code: &[u8]) -> c_int {
        let l = self.0;
        // SAFETY: the buffer pointer/length describe `code`, which outlives the call; the
        // chunkname is a NUL-terminated literal.
        let status = unsafe {
            ffi::luaL_loadbufferx(
                l,
                code.as_ptr().cast(),
                code.len(),
                c"=(command line)".as_ptr(),
                std::ptr::null(),
            )
        };
        if status == ffi::LUA_OK {
            self.docall(0)
        } else {
            status
        }
    }

    /// lua.c's `handle_script`: load the file, push the script arguments, call it.
    fn handle_script(&self, argv: &[Vec<u8>], script: usize) -> Result<c_int, String> {
        let l = self.0;
        let fname = &argv[script];
        let cname = CString::new(fname.clone()).map_err(|_| "script name contains NUL")?;
        let fname_ptr = if fname == b"-" {
            std::ptr::null()
        } else {
            cname.as_ptr()
        };
        // SAFETY: `cname` is NUL-terminated and outlives the call; null means stdin.
        let status = unsafe { ffi::luaL_loadfilex(l, fname_ptr, std::ptr::null()) };
        if status != ffi::LUA_OK {
            return Ok(status);
        }
        let args = &argv[script + 1..];
        // SAFETY: valid state; we make room for the arguments before pushing them.
        unsafe {
            ffi::luaL_checkstack(l, args.len() as c_int + 3, c"too many arguments".as_ptr());
            for a in args {
                ffi::lua_pushlstring(l, a.as_ptr().cast(), a.len());
            }
        }
        Ok(self.docall(args.len() as c_int))
    }
}

impl Drop for State {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from luaL_newstate and is closed exactly once, here.
        unsafe { ffi::lua_close(self.0) };
    }
}

/// What `pmain` needs, and whether everything it ran succeeded.
struct Run<'a> {
    argv: &'a [Vec<u8>],
    opts: &'a Options,
    ok: bool,
}

/// lua.c's `pmain`: everything runs inside this C function, so Lua code sees its frame below
/// the main chunk (a traceback ends with `[C]: in ?`, `debug.getinfo(2)` from a main chunk is
/// a C function), as under PUC's `lua`.
unsafe extern "C-unwind" fn pmain(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by lua_pcall in `main` with a light userdata pointing to a live `Run`
    // that nothing else touches during the call.
    let run = unsafe { &mut *ffi::lua_touserdata(l, 1).cast::<Run>() };
    // Borrowed: `main` owns (and closes) the state.
    let state = std::mem::ManuallyDrop::new(State(l));
    run.ok = state.run(run.argv, run.opts);
    0
}

impl State {
    /// The body of `pmain`: the `arg` table, the `-e` chunks, then the script; false if one
    /// of them failed (the error is reported).
    fn run(&self, argv: &[Vec<u8>], opts: &Options) -> bool {
        // With no script, lua.c puts the program name at arg[0].
        self.create_arg_table(argv, opts.script.unwrap_or(0));
        let mut ok = true;
        for code in &opts.exec {
            if self.dostring(code) != ffi::LUA_OK {
                self.report();
                ok = false;
                break;
            }
        }
        if ok {
            if let Some(script) = opts.script {
                match self.handle_script(argv, script) {
                    Ok(ffi::LUA_OK) => {}
                    Ok(_) => {
                        self.report();
                        ok = false;
                    }
                    Err(e) => {
                        eprintln!("{PROGNAME}: {e}");
                        ok = false;
                    }
                }
            }
        }
        ok
    }
}

/// Public so that `jitfuzz`, which includes this file as a module, can run the reference by
/// re-executing itself.
pub fn main() -> ExitCode {
    // Arguments are bytes, as C's argv is.
    let argv: Vec<Vec<u8>> = std::env::args_os()
        .map(std::os::unix::ffi::OsStringExt::into_vec)
        .collect();
    let opts = match parse_args(&argv) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{PROGNAME}: {e}");
            eprintln!("usage: reflua [-e stat] [script [args]]");
            return ExitCode::FAILURE;
        }
    };
    let Some(state) = State::new() else {
        eprintln!("{PROGNAME}: cannot create state: not enough memory");
        return ExitCode::FAILURE;
    };
    let mut run = Run {
        argv: &argv,
        opts: &opts,
        ok: false,
    };
    // SAFETY: valid state; `pmain` gets a pointer to `run`, which outlives the call, and is
    // the only user of it while the call lasts.
    let status = unsafe {
        ffi::lua_pushcfunction(state.0, pmain);
        ffi::lua_pushlightuserdata(state.0, (&mut run as *mut Run).cast());
        ffi::lua_pcall(state.0, 1, 0, 0)
    };
    if status != ffi::LUA_OK {
        state.report();
    }
    let ok = status == ffi::LUA_OK && run.ok;
    drop(state);
    // Lua's print writes through C stdio; process exit flushes it (ExitCode returns from main,
    // which runs the C exit path).
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
