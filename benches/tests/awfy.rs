//! Quick check of the are-we-fast-yet Lua benchmarks (docs/benchmarks.md), when `AWFY_DIR`
//! names a checkout (its `benchmarks/Lua` directory or its root); without it the test says
//! SKIPPED and passes. Each benchmark runs at its tiny counts (`benches::awfy::BENCHMARKS`)
//! through AWFY's harness, from the AWFY directory, under reference Lua (`bench-reflua`) and
//! under our `lua` in three JIT modes (`-joff`, `-jon`, `-Ohotloop=1`), and must pass the
//! harness's own result checks in every one. Havlak, which takes over 10 s per run even at its
//! smallest checked size, runs only when `AWFY_LONG=1`.
//!
//! Our `lua` is `target/release/lua` (this package does not build it): build it first with
//! `cargo build --release -p lua-cmd`, or set `AWFY_LUA` to another binary.

#![forbid(unsafe_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benches::awfy;

const REFLUA: &str = env!("CARGO_BIN_EXE_bench-reflua");

/// Our JIT modes: a label and the options placed before the script.
const MODES: [(&str, &[&str]); 3] = [
    ("-joff", &["-joff"]),
    ("-jon", &["-jon"]),
    ("-Ohotloop=1", &["-Ohotloop=1"]),
];

/// Per-process time limit: tiny runs take well under a second, Havlak about 15 s.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Our `lua`: `AWFY_LUA`, else `target/release/lua` of this workspace.
fn our_lua() -> PathBuf {
    if let Some(p) = std::env::var_os("AWFY_LUA") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("release").join("lua")
}

/// Run `program options... args...` in `cwd` with a time limit; returns stdout, or what went
/// wrong (exit status and the first stderr line, or the time-out).
fn run(program: &Path, options: &[&str], args: &[String], cwd: &Path) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(options)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {} s", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else {
        let first = stderr.lines().next().unwrap_or("").trim().to_string();
        Err(format!("{status}: {first}"))
    }
}

#[test]
fn awfy_benchmarks_pass_their_own_checks() {
    let dir = match awfy::dir_from_env() {
        Ok(Some(dir)) => dir,
        Ok(None) => {
            println!(
                "are-we-fast-yet check SKIPPED: {} is not set (set it to a checkout of \
                 github.com/smarr/are-we-fast-yet or its benchmarks/Lua; see docs/benchmarks.md)",
                awfy::ENV
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let lua = our_lua();
    assert!(
        lua.is_file(),
        "{} not found: run `cargo build --release -p lua-cmd` first (or set AWFY_LUA)",
        lua.display()
    );
    let long = std::env::var_os("AWFY_LONG").is_some_and(|v| v != "0");
    let mut failures = Vec::new();
    let mut passed = 0;
    for b in awfy::BENCHMARKS {
        let label = b.label();
        if !dir.join(b.file_name()).is_file() {
            println!("SKIP {label}: no {} in {}", b.file_name(), dir.display());
            continue;
        }
        if b.long && !long {
            println!("SKIP {label}: over 10 s per run (set AWFY_LONG=1 to run it)");
            continue;
        }
        let args = awfy::args(b, b.tiny);
        let check = |r: Result<String, String>| {
            r.and_then(|out| awfy::check_output(b.name, b.tiny.0, &out))
        };
        let reference = check(run(Path::new(REFLUA), &[], &args, &dir));
        if let Err(e) = &reference {
            println!("FAIL {label} [reference]: {e}");
            failures.push(format!("{label} [reference]: {e}"));
        }
        for (mode, options) in MODES {
            let start = Instant::now();
            match check(run(&lua, options, &args, &dir)) {
                Ok(()) => {
                    passed += 1;
                    println!(
                        "PASS {label} [{mode}] ({:.2}s)",
                        start.elapsed().as_secs_f64()
                    );
                }
                Err(e) => {
                    let also = if reference.is_err() {
                        " (reference fails too)"
                    } else {
                        ""
                    };
                    println!("FAIL {label} [{mode}]: {e}{also}");
                    failures.push(format!("{label} [{mode}]: {e}{also}"));
                }
            }
        }
    }
    println!("{passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
