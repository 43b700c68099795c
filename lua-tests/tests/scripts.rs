//! The script runner: every `lua-tests/scripts/*.lua` under reference Lua 5.4 (`reflua`) and under
//! our `lua` (`ourlua`) in the five JIT modes, comparing stdout exactly and the error outcome.
//!
//! Rules (docs/testing.md has the long form):
//! - cwd is `lua-tests/scripts` and the script is named by its file name, so chunknames in error
//!   messages read `name.lua:LINE:`;
//! - stdout must be identical to the reference, byte for byte, unless the first line says
//!   `-- nondeterministic`, in which case only the exit status is compared;
//! - the exit status must match; when the reference fails, the first stderr line (`lua: msg`)
//!   must match too (tracebacks may differ);
//! - `-- expect-error` scripts must fail under the reference;
//! - every process is killed after `LUA_TESTS_TIMEOUT` seconds (default 30);
//! - a script whose first line has a count marker (`-- jit-traces>=N`, `-- jit-side>=N`,
//!   `-- jit-callouts>=N`, `-- jit-nested>=N`, `-- jit-depth>=N`; `lua_tests::JIT_COUNTERS`)
//!   runs once more, as `ourlua -Ohotloop=1 <wrapper> <script> <fields...>`, where the wrapper
//!   (`lua_tests::JIT_STATS_WRAPPER`, written to a temporary directory) runs it under `pcall` and
//!   reports `jit.stats().traces`, `side`, `callouts`, `nested_entries` and `max_depth`; a
//!   counter below its marker's `N`, or no `jit.stats` to ask, fails the script.
//!
//! `LUA_TESTS_FILTER=substring` restricts both tests to matching script names.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use lua_tests::{
    check_jit_counts, first_difference, jit_stats_fields, list_scripts, parallel_map,
    run_with_timeout, scripts_dir, timeout, workers, Exit, JitCounter, Outcome, Script,
    JIT_CALLOUTS, JIT_DEPTH, JIT_NESTED, JIT_SIDE, JIT_STATS_WRAPPER, JIT_TRACES,
    JIT_TRACES_OPTION, MODES,
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

/// A temporary directory holding the trace-counting wrapper, removed when dropped.
struct Wrapper {
    dir: PathBuf,
    file: PathBuf,
}

impl Wrapper {
    /// Write [`JIT_STATS_WRAPPER`] to a fresh directory under the system's temporary directory;
    /// `tag` keeps the tests of one process apart.
    fn new(tag: &str) -> Wrapper {
        let dir =
            std::env::temp_dir().join(format!("lua-tests-jit-stats-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let file = dir.join("jit_stats_wrapper.lua");
        std::fs::write(&file, JIT_STATS_WRAPPER)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        Wrapper { dir, file }
    }

    /// Run `script` through the wrapper with our lua, after the `-e` chunks in `pre`, asking it
    /// for every counter of `lua_tests::JIT_COUNTERS`.
    fn run(&self, pre: &[&str], script: &Script) -> Outcome {
        let file = self.file.to_str().expect("temporary path is UTF-8");
        let mut args = vec![JIT_TRACES_OPTION];
        args.extend_from_slice(pre);
        args.extend([file, script.name.as_str()]);
        args.extend(jit_stats_fields());
        run_with_timeout(Path::new(OURLUA), &args, &scripts_dir(), timeout())
    }
}

impl Drop for Wrapper {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// All failures of one script as `(mode, report)`.
fn check_script(script: &Script, wrapper: &Wrapper) -> Vec<(String, String)> {
    let reference = run(REFLUA, &[], script);
    if let Some(problem) = check_reference(script, &reference) {
        return vec![("reference".to_string(), problem)];
    }
    let mut failures: Vec<(String, String)> = MODES
        .iter()
        .filter_map(|(mode, opts)| {
            let ours = run(OURLUA, opts, script);
            compare(script, &reference, &ours).map(|r| (mode.to_string(), r))
        })
        .collect();
    let required = script.markers.jit_required();
    if !required.is_empty() {
        let counted = wrapper.run(&[], script);
        for why in check_jit_counts(&required, &counted, timeout()) {
            failures.push((JIT_TRACES_OPTION.to_string(), why));
        }
    }
    failures
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
    let wrapper = Wrapper::new("scripts");
    let results = parallel_map(&scripts, workers(), |s| check_script(s, &wrapper));
    report(&scripts, &results);
}

/// The trace-counting wrapper itself, with a stand-in `jit` module given by `-e` (the real one
/// may not exist yet): it reports the counts after a normal script and after one that ends in an
/// error, leaves out counters that are not integers, and a missing `jit` or `jit.stats` comes
/// back as a failure, not a count.
#[test]
fn jit_stats_wrapper_reports_traces() {
    let wrapper = Wrapper::new("wrapper");
    let limit = timeout();
    let script = |name: &str| Script {
        name: name.to_string(),
        markers: lua_tests::Markers::default(),
    };
    let check = |c: &JitCounter, n: u64, run: &Outcome| check_jit_counts(&[(c, n)], run, limit);
    let ok = script("jit_type_change.lua");
    let fails = script("errtop_runtime.lua");
    let fake = "jit = {stats = function() return {traces = 7, side = 2, callouts = 5, \
                nested_entries = 1, max_depth = 3, other = 1} end}";
    for s in [&ok, &fails] {
        let run = wrapper.run(&["-e", fake], s);
        for (c, n) in [
            (&JIT_TRACES, 7),
            (&JIT_SIDE, 2),
            (&JIT_CALLOUTS, 5),
            (&JIT_NESTED, 1),
            (&JIT_DEPTH, 3),
        ] {
            assert!(check(c, n, &run).is_empty(), "{} {c:?}: {run:?}", s.name);
            assert_eq!(
                check(c, n + 1, &run),
                [format!("expected at least {} {}, got {n}", n + 1, c.what)],
                "{}",
                s.name
            );
        }
    }
    let err = String::from_utf8_lossy(&wrapper.run(&["-e", fake], &fails).stderr).into_owned();
    assert!(
        err.contains("JIT-SCRIPT-ERROR errtop_runtime.lua:"),
        "{err}"
    );
    let partial = "jit = {stats = function() return {traces = 2, side = 1.5, max_depth = 1} end}";
    let run = wrapper.run(&["-e", partial], &ok);
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(err.contains("JIT-STATS traces=2 max_depth=1\n"), "{err}");
    assert!(check(&JIT_DEPTH, 1, &run).is_empty(), "{run:?}");
    let msg = check(&JIT_SIDE, 1, &run).concat();
    assert!(msg.contains("no integer count of side traces"), "{msg}");
    for (pre, why) in [
        ("jit = nil", "there is no jit module"),
        ("jit = {}", "jit.stats is not a function"),
        ("jit = {stats = function() return 3 end}", "not a table"),
        (
            "jit = {stats = function() return {traces = 1.5} end}",
            "not an integer",
        ),
        (
            "jit = {stats = function() error('no stats') end}",
            "jit.stats() failed",
        ),
    ] {
        let run = wrapper.run(&["-e", pre], &ok);
        let msg = check(&JIT_TRACES, 0, &run).concat();
        assert!(msg.contains(why), "{pre}: {msg:?} in {run:?}");
    }
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
