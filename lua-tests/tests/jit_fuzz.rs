//! Differential fuzzing of the JIT on a fixed set of seeds (docs/testing.md, "Fuzzing the JIT").
//!
//! Each seed names a random program from `lua_tests::fuzz::generate`; it runs under `ourlua`
//! with `-joff` and with `-Ohotloop=1,2,7,56`, and every JIT mode must print exactly what
//! `-joff` printed, end with the same exit status and the same first stderr line. A few seeds
//! also run under reference Lua 5.4 (`reflua`), which must agree with `-joff`: that checks the
//! generator itself. Thousands of seeds run on demand with the `jitfuzz` binary.
//!
//! `LUA_TESTS_JOBS` and `LUA_TESTS_TIMEOUT` apply as for the script runner.

#![forbid(unsafe_code)]

use std::path::Path;

use lua_tests::fuzz::harness::{jit_modes, reproduce, Failure, Fuzzer, LuaCommand, Mode};
use lua_tests::{parallel_map, timeout, workers};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// The seeds every `cargo test` runs in all JIT modes.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=40;
/// The seeds also checked against reference Lua.
const REFERENCE_SEEDS: std::ops::RangeInclusive<u64> = 1..=10;

fn fuzzer(modes: Vec<Mode>, reference: bool) -> Fuzzer<'static> {
    let mut f = Fuzzer::new(
        LuaCommand::new(OURLUA),
        reference.then(|| LuaCommand::new(REFLUA)),
        modes,
        timeout(),
    );
    f.keep = Some(std::env::temp_dir().join("jitfuzz-failures"));
    f
}

/// Run the seeds, print every failure with the way to reproduce it, and fail the test if any.
fn check(fuzzer: &Fuzzer, seeds: Vec<u64>) {
    let results: Vec<Vec<Failure>> = parallel_map(&seeds, workers(), |&s| fuzzer.check_seed(s));
    let mut failed = 0;
    for failures in results.iter().filter(|f| !f.is_empty()) {
        failed += 1;
        let seed = failures[0].seed;
        for f in failures {
            println!("FAIL seed {seed} [{}]: {}", f.mode, f.report);
        }
        let keep = fuzzer.keep.as_deref().unwrap_or(Path::new("."));
        println!("{}", reproduce(seed, keep, failures));
    }
    println!("{} programs, {failed} failures", seeds.len());
    assert!(
        failed == 0,
        "{failed} of {} generated programs failed (see FAIL lines above)",
        seeds.len()
    );
}

#[test]
fn jit_modes_agree_with_the_interpreter() {
    check(&fuzzer(jit_modes(), false), SEEDS.collect());
}

/// The generator makes valid programs: reference Lua runs them cleanly and prints what our
/// interpreter prints.
#[test]
fn reference_lua_agrees_with_the_interpreter() {
    let baseline = jit_modes().into_iter().take(1).collect();
    check(&fuzzer(baseline, true), REFERENCE_SEEDS.collect());
}

/// The comparison is real: a mode that tampers with one line of output (here: `print` is
/// replaced before the program runs, so its third call prints something else) is caught.
#[test]
fn a_broken_mode_is_caught() {
    let tamper = "local p, n = print, 0 \
        print = function(...) n = n + 1 if n == 3 then p('tampered') else p(...) end end";
    let mut modes = jit_modes();
    modes.truncate(2);
    modes.push(Mode::new("broken", &["-Ohotloop=1", "-e", tamper]));
    let mut fuzzer = fuzzer(modes, false);
    let keep = std::env::temp_dir().join(format!("jitfuzz-broken-mode-{}", std::process::id()));
    fuzzer.keep = Some(keep.clone());
    let failures = fuzzer.check_seed(1);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].mode, "broken");
    assert!(
        failures[0].report.starts_with("stdout line 3:") && failures[0].report.contains("tampered"),
        "{}",
        failures[0].report
    );
    // The failing program was kept for inspection.
    assert!(keep.join("jitfuzz_1.lua").is_file());
    let _ = std::fs::remove_dir_all(&keep);
}
