//! The LuaJIT test suite's `misc/` scripts (openresty/luajit2-test-suite), run with our `lua` in
//! the three JIT modes.
//!
//! The suite is not part of this repository: point `LUAJIT_TESTSUITE_DIR` at its `test/`
//! directory (docs/suites.md says how to get one). Without it this test says it skipped and
//! passes, so the default `cargo test` stays fast.
//!
//! Each `test/misc/*.lua` runs as its own process with the working directory `test/misc`; exit
//! status 0 is a pass. Many of these scripts exercise LuaJIT extensions (the `jit` and `ffi`
//! modules, `bit`, 5.1 globals such as `unpack`, `setfenv`), so a script is only expected to pass
//! here when it passes under reference PUC Lua 5.4 (`reflua`). That is decided at run time by
//! running the reference too; the others are reported as not applicable, and no list of names
//! is kept.
//!
//! The test fails when an applicable script fails in any mode. Environment:
//! `LUAJIT_SUITE_TIMEOUT` (seconds per process, default 60), `LUA_TESTS_FILTER` (only file names
//! containing it), `LUA_TESTS_JOBS` (processes at once). Run with `-- --nocapture` to see the
//! report when everything passes.

use std::path::Path;
use std::time::Duration;

use lua_tests::{
    parallel_map, run_with_timeout, suite_dir, timeout_from_env, workers, Outcome, MODES,
};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// One script's runs: the reference's, then ours in each of [`MODES`].
struct Runs {
    reference: Outcome,
    ours: Vec<Outcome>,
}

#[test]
fn luajit_misc_suite() {
    let Some(dir) = suite_dir("LUAJIT_TESTSUITE_DIR") else {
        println!(
            "LuaJIT test suite skipped: LUAJIT_TESTSUITE_DIR is not set \
             (set it to the test/ directory of openresty/luajit2-test-suite; see docs/suites.md)"
        );
        return;
    };
    let misc = dir.join("misc");
    let limit = timeout_from_env("LUAJIT_SUITE_TIMEOUT", Duration::from_secs(60));
    let filter = std::env::var("LUA_TESTS_FILTER").unwrap_or_default();
    let mut names: Vec<String> = std::fs::read_dir(&misc)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", misc.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".lua") && n.contains(filter.as_str()))
        .collect();
    names.sort();

    let runs = parallel_map(&names, workers(), |name| {
        let reference = run_with_timeout(Path::new(REFLUA), &[name], &misc, limit);
        // Not applicable scripts still run in our interpreter: a crash there is news too.
        let ours = MODES
            .iter()
            .map(|(_, opts)| {
                let mut args: Vec<&str> = opts.to_vec();
                args.push(name);
                run_with_timeout(Path::new(OURLUA), &args, &misc, limit)
            })
            .collect();
        Runs { reference, ours }
    });

    println!("LuaJIT test suite: {}", misc.display());
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut not_applicable = Vec::new();
    for (name, r) in names.iter().zip(&runs) {
        if !r.reference.passed() {
            let ours_too = r.ours.iter().all(|o| !o.passed());
            not_applicable.push(format!(
                "{name}: {}{}",
                r.reference.failure_reason(),
                if ours_too {
                    ""
                } else {
                    " (passes here in some mode)"
                }
            ));
            continue;
        }
        let failures: Vec<String> = MODES
            .iter()
            .zip(&r.ours)
            .filter(|(_, o)| !o.passed())
            .map(|((mode, _), o)| format!("[{mode}] {}", o.failure_reason()))
            .collect();
        if failures.is_empty() {
            passed += 1;
            println!("PASS {name}");
        } else {
            failed.push(name.as_str());
            println!("FAIL {name}: {}", failures.join("\n    "));
        }
    }
    println!(
        "not applicable (fail under reference Lua 5.4 too): {}",
        not_applicable.len()
    );
    for line in &not_applicable {
        println!("    {line}");
    }
    println!(
        "{} applicable scripts, each run in {} modes",
        passed + failed.len(),
        MODES.len()
    );
    println!("{passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "failed: {}", failed.join(", "));
}
