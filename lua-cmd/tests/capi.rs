//! The C API from C: a test module (tests/capi/capitest.c, built here with the `cc` crate as
//! a shared object) loaded with `require` by tests/capi/capitest.lua, under our `lua` in
//! four JIT modes and under reference Lua (`reflua`, which exports its API as PUC's `lua`
//! does), comparing stdout and exit status byte for byte. Reference Lua and our API are
//! never linked into one binary (they define the same symbols): they meet only here, across
//! a process boundary.
//!
//! Also Debian's builds of real modules (lua-filesystem, lua-cjson, lua-lpeg, lua-socket in
//! /usr/lib/x86_64-linux-gnu/lua/5.4), when installed; the test says it skipped otherwise.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

const LUA: &str = env!("CARGO_BIN_EXE_lua");
const MODES: [&[&str]; 4] = [
    &["-joff"],
    &[],
    &["-Ohotloop=1"],
    &["-Ohotloop=1", "-Ohotexit=1"],
];
const DEBIAN_DIR: &str = "/usr/lib/x86_64-linux-gnu/lua/5.4";

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/capi")
}

/// reference Lua, built by lua-tests into the same target directory.
fn reflua() -> Option<PathBuf> {
    let p = Path::new(LUA).with_file_name("reflua");
    p.exists().then_some(p)
}

/// Build capitest.so (and a copy named capitest-v2.so, for the hyphen rule) into a fresh
/// directory; returns the directory.
fn build_module() -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capi");
    std::fs::create_dir_all(&out).unwrap();
    let target = "x86_64-unknown-linux-gnu";
    let compiler = cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(1)
        .cargo_metadata(false)
        .get_compiler();
    let so = out.join("capitest.so");
    let status = compiler
        .to_command()
        .args(["-shared", "-fPIC", "-Wall", "-o"])
        .arg(&so)
        .arg(src_dir().join("capitest.c"))
        .status()
        .expect("the C compiler runs");
    assert!(status.success(), "building capitest.so failed");
    std::fs::copy(&so, out.join("capitest-v2.so")).unwrap();
    out
}

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(exe: &Path, opts: &[&str], script: &Path, arg: &Path) -> Run {
    let o = Command::new(exe)
        .args(opts)
        .arg(script)
        .arg(arg)
        .env_remove("LUA_INIT")
        .env_remove("LUA_INIT_5_4")
        .env_remove("LUA_CPATH")
        .env_remove("LUA_CPATH_5_4")
        .output()
        .expect("the interpreter runs");
    Run {
        status: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Run `script` under our `lua` in every mode and under reflua (when built); the outputs
/// must match. Returns our output (JIT off).
fn compare(script: &Path, arg: &Path) -> String {
    let ours: Vec<Run> = MODES
        .iter()
        .map(|m| run(Path::new(LUA), m, script, arg))
        .collect();
    for (m, r) in MODES.iter().zip(&ours) {
        assert_eq!(
            r.status,
            Some(0),
            "lua {m:?} failed:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
    match reflua() {
        None => eprintln!("capi: reflua not built (cargo build -p lua-tests): not compared"),
        Some(rl) => {
            let r = run(&rl, &[], script, arg);
            assert_eq!(
                r.status,
                Some(0),
                "reflua failed:\n{}\n{}",
                r.stdout,
                r.stderr
            );
            for (m, o) in MODES.iter().zip(&ours) {
                if o.stdout != r.stdout {
                    let (i, (a, b)) = o
                        .stdout
                        .lines()
                        .zip(r.stdout.lines())
                        .enumerate()
                        .find(|(_, (a, b))| a != b)
                        .unwrap_or((0, ("(length differs)", "")));
                    panic!(
                        "{} {m:?}: line {} differs\n ours: {a}\n  ref: {b}",
                        script.display(),
                        i + 1
                    );
                }
            }
        }
    }
    ours.into_iter()
        .next()
        .map(|r| r.stdout)
        .unwrap_or_default()
}

#[test]
fn c_module_matches_reference() {
    let dir = build_module();
    let out = compare(&src_dir().join("capitest.lua"), &dir);
    // Spot checks that hold whatever the reference says.
    assert!(out.contains("fmt\tfalse\t"), "{out}");
    assert!(out.contains("extra module"), "{out}");
}

#[test]
fn debian_modules() {
    let have = |m: &str| Path::new(DEBIAN_DIR).join(m).exists();
    if !have("lfs.so") || !have("cjson.so") {
        eprintln!(
            "debian_modules: skipped (apt-get install lua-filesystem lua-cjson lua-lpeg \
             lua-socket)"
        );
        return;
    }
    let out = compare(&src_dir().join("modules.lua"), Path::new(DEBIAN_DIR));
    assert!(out.contains("lfs ok"), "{out}");
    assert!(out.contains("cjson ok"), "{out}");
}
