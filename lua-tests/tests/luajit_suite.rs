//! The LuaJIT test suite's `misc/` scripts (openresty/luajit2-test-suite), run with our `lua` in
//! the five JIT modes.
//!
//! The suite is not part of this repository: point `LUAJIT_TESTSUITE_DIR` at its `test/`
//! directory (docs/suites.md says how to get one). Without it (when the tests were built) this
//! test is ignored, and `cargo test` says so with the reason; run with `--ignored` and still no
//! directory, it fails rather than pass without running anything.
//!
//! Each `test/misc/*.lua` runs as its own process with the working directory `test/misc`; exit
//! status 0 is a pass. Many of these scripts exercise LuaJIT extensions (the `jit` and `ffi`
//! modules, `bit`, 5.1 globals such as `unpack`, `setfenv`), so a script is only expected to pass
//! here when it passes under reference PUC Lua 5.4 (`reflua`). That is decided at run time by
//! running the reference too; the others are reported as not applicable.
//!
//! The exception is [`JIT_FILES`]: scripts that test a JIT through the `jit` module, which ours
//! provides. They are required in all five modes whatever the reference does, and run with
//! [`PRELUDE_51`] (the Lua 5.1 functions they call) and [`REQUIRE_JIT`] (most of them return at
//! once when there is no `jit`, which would pass them without testing anything).
//!
//! The test fails when an applicable script fails in any mode. Environment:
//! `LUAJIT_SUITE_TIMEOUT` (seconds per process, default 60), `LUA_TESTS_FILTER` (only file names
//! containing it), `LUA_TESTS_JOBS` (processes at once). Run with `-- --nocapture` to see the
//! report when everything passes.

#![forbid(unsafe_code)]

use std::path::Path;
use std::time::Duration;

use lua_tests::{
    parallel_map, run_with_timeout, suite_dir, timeout_from_env, workers, Outcome, MODES,
};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// The `test/misc` files that exercise the `jit` module (`jit.status`, `jit.flush`, `jit.off`,
/// `jit.opt.start`, `require("jit.util").traceinfo`) and must pass in all five modes,
/// although reference Lua 5.4 has no `jit`: under it, most of them return at once
/// (`if not jit ...`) and `stack_purge` and `string_dump` fail on `jit.off`. They run with
/// [`PRELUDE_51`] and [`REQUIRE_JIT`]. (`gc_trace` checks that the traces of collected
/// functions are gone.)
const JIT_FILES: [&str; 9] = [
    "gc_trace.lua",
    "jit_flush.lua",
    "jit_record.lua",
    "hook_record.lua",
    "hook_norecord.lua",
    "iter-bug.lua",
    "wbarrier_obar.lua",
    "stack_purge.lua",
    "string_dump.lua",
];

/// The Lua 5.1 functions the [`JIT_FILES`] call that Lua 5.4 lacks, defined unless present:
/// `loadstring` (string_dump) is `load`, and `gcinfo` (jit_flush) returns the heap size in KB as
/// an integer, as 5.1's does. Run as a `-e` chunk before the file.
const PRELUDE_51: &str = "loadstring = loadstring or load; \
    gcinfo = gcinfo or function() return math.floor(collectgarbage('count')) end";

/// Run after [`PRELUDE_51`] for a required [`JIT_FILES`] script: fail at once without a `jit`
/// module, since most of these files return silently when `jit` is missing.
const REQUIRE_JIT: &str = "assert(type(jit) == 'table', \
    'there is no jit module (global jit is ' .. type(jit) .. ')')";

/// One script's runs: the reference's, then ours in each of [`MODES`].
struct Runs {
    reference: Outcome,
    ours: Vec<Outcome>,
}

#[test]
#[cfg_attr(
    not(luajit_testsuite),
    ignore = "SKIPPED: LUAJIT_TESTSUITE_DIR is not set (the test/ directory of \
              openresty/luajit2-test-suite; see docs/suites.md)"
)]
fn luajit_misc_suite() {
    let Some(dir) = suite_dir("LUAJIT_TESTSUITE_DIR") else {
        panic!(
            "LuaJIT test suite not run: LUAJIT_TESTSUITE_DIR is not set \
             (set it to the test/ directory of openresty/luajit2-test-suite; see docs/suites.md)"
        );
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
    let is_required_jit = |name: &str| JIT_FILES.contains(&name);

    let runs = parallel_map(&names, workers(), |name| {
        let pre: &[&str] = if is_required_jit(name) {
            &["-e", PRELUDE_51, "-e", REQUIRE_JIT]
        } else {
            &[]
        };
        // The reference gets the prelude but not the jit check: its result is only reported.
        let mut ref_args: Vec<&str> = pre.iter().copied().take(2).collect();
        ref_args.push(name);
        let reference = run_with_timeout(Path::new(REFLUA), &ref_args, &misc, limit);
        // Not applicable scripts still run in our interpreter: a crash there is news too.
        let ours = MODES
            .iter()
            .map(|(_, opts)| {
                let mut args: Vec<&str> = opts.to_vec();
                args.extend_from_slice(pre);
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
    let mut jit_passed = 0;
    {
        for missing in JIT_FILES
            .iter()
            .filter(|f| f.contains(filter.as_str()) && !names.iter().any(|n| n == *f))
        {
            failed.push(missing.to_string());
            println!("FAIL {missing}: required jit-module file not found in the suite");
        }
    }
    for (name, r) in names.iter().zip(&runs) {
        if is_required_jit(name) {
            let failures: Vec<String> = MODES
                .iter()
                .zip(&r.ours)
                .filter(|(_, o)| !o.passed())
                .map(|((mode, _), o)| format!("[{mode}] {}", o.failure_reason()))
                .collect();
            let reference = if r.reference.passed() {
                "reference passes".to_string()
            } else {
                format!("reference fails: {}", r.reference.failure_reason())
            };
            if failures.is_empty() {
                jit_passed += 1;
                println!("PASS {name} (required jit-module file; {reference})");
            } else {
                failed.push(name.clone());
                println!(
                    "FAIL {name} (required jit-module file; {reference}): {}",
                    failures.join("\n    ")
                );
            }
            continue;
        }
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
            failed.push(name.clone());
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
    let listed: Vec<&str> = JIT_FILES
        .iter()
        .copied()
        .filter(|f| f.contains(filter.as_str()))
        .collect();
    println!(
        "required jit-module files (with the 5.1 prelude): {jit_passed} of {} passed",
        listed.len()
    );
    println!(
        "{} applicable scripts, each run in {} modes",
        passed + jit_passed + failed.len(),
        MODES.len()
    );
    println!("{} passed, {} failed", passed + jit_passed, failed.len());
    assert!(failed.is_empty(), "failed: {}", failed.join(", "));
}
