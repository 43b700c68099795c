//! The script runner: every `lua-tests/scripts/*.lua` under reference Lua 5.4 (`reflua`) and under
//! our `lua` (`ourlua`) in the three JIT modes, comparing stdout exactly and the error outcome.
//!
//! Rules (docs/testing.md has the long form):
//! - cwd is `lua-tests/scripts` and the script is named by its file name, so chunknames in error
//!   messages read `name.lua:LINE:`;
//! - stdout must be identical to the reference, byte for byte, unless the first line says
//!   `-- nondeterministic`, in which case only the exit status is compared;
//! - the exit status must match; when the reference fails, the first stderr line (`lua: msg`)
//!   must match too (tracebacks may differ);
//! - `-- expect-error` scripts must fail under the reference;
//! - every process is killed after `LUA_TESTS_TIMEOUT` seconds (default 30).
//!
//! `LUA_TESTS_FILTER=substring` restricts both tests to matching script names.

use std::path::Path;

use lua_tests::{
    first_difference, list_scripts, parallel_map, run_with_timeout, scripts_dir, timeout, workers,
    Exit, Outcome, Script, MODES,
};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

fn run(program: &str, opts: &[&str], script: &Script) -> Outcome {
    let mut args: Vec<&str> = opts.to_vec();
    args.push(&script.name);
    run_with_timeout(Path::new(program), &args, &scripts_dir(), timeout())
}

/// Problems with the reference run itself: the script, not our VM, is wrong.
fn check_reference(script: &Script, reference: &Outcome) -> Option<String> {
    let ok = reference.exit == Exit::Code(0);
    if script.markers.expect_error {
        if reference.exit != Exit::Code(1) {
            return Some(format!(
                "marked expect-error but reference ended with {}",
                reference.exit
            ));
        }
        if !reference.stderr_first_line().starts_with("lua: ") {
            return Some(format!(
                "reference error report does not start with 'lua: ': {:?}",
                reference.stderr_first_line()
            ));
        }
    } else if !ok {
        let err = reference.stderr_first_line();
        let sep = if err.is_empty() { "" } else { "; stderr: " };
        return Some(format!("reference run: {}{sep}{err}", reference.exit));
    }
    None
}

/// Compare one of our runs with the reference; `None` when it conforms.
fn compare(script: &Script, reference: &Outcome, ours: &Outcome) -> Option<String> {
    lua_tests::compare_with_reference(script, reference, ours, timeout())
}

/// All failures of one script as `(mode, report)`.
fn check_script(script: &Script) -> Vec<(String, String)> {
    let reference = run(REFLUA, &[], script);
    if let Some(problem) = check_reference(script, &reference) {
        return vec![("reference".to_string(), problem)];
    }
    MODES
        .iter()
        .filter_map(|(mode, opts)| {
            let ours = run(OURLUA, opts, script);
            compare(script, &reference, &ours).map(|r| (mode.to_string(), r))
        })
        .collect()
}

/// Print per-script failures and the summary line; panic with the failure count if any.
/// Modes that fail the same way are reported on one line.
fn report(scripts: &[Script], results: &[Vec<(String, String)>]) {
    let mut failed = 0;
    for (script, failures) in scripts.iter().zip(results) {
        if failures.is_empty() {
            continue;
        }
        failed += 1;
        let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
        for (mode, why) in failures {
            match groups.iter_mut().find(|(_, w)| *w == why.as_str()) {
                Some((modes, _)) => modes.push(mode),
                None => groups.push((vec![mode.as_str()], why.as_str())),
            }
        }
        for (modes, why) in groups {
            println!("FAIL {} [{}]: {why}", script.name, modes.join(", "));
        }
    }
    let passed = scripts.len() - failed;
    println!("{passed} passed, {failed} failed");
    assert!(
        failed == 0,
        "{failed} of {} scripts failed (see FAIL lines above)",
        scripts.len()
    );
}

#[test]
fn scripts_match_reference() {
    let scripts = list_scripts(&scripts_dir());
    assert!(
        !scripts.is_empty() || std::env::var_os("LUA_TESTS_FILTER").is_some(),
        "no scripts found in {}",
        scripts_dir().display()
    );
    let results = parallel_map(&scripts, workers(), check_script);
    report(&scripts, &results);
}

/// The scripts themselves are right: the reference accepts every one (or fails the
/// expect-error ones), and deterministic scripts print the same thing twice (PUC seeds its string
/// hash per run, so two runs catch most `pairs` order leaks).
#[test]
fn reference_accepts_scripts() {
    let scripts = list_scripts(&scripts_dir());
    let results = parallel_map(&scripts, workers(), |script| {
        let first = run(REFLUA, &[], script);
        if let Some(problem) = check_reference(script, &first) {
            return vec![("reference".to_string(), problem)];
        }
        if !script.markers.nondeterministic {
            let second = run(REFLUA, &[], script);
            if let Some(diff) = first_difference(&first.stdout, &second.stdout) {
                let why = format!("output differs between two reference runs: {diff}");
                return vec![("reference".to_string(), why)];
            }
        }
        Vec::new()
    });
    report(&scripts, &results);
}
