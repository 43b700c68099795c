//! The official Lua 5.4 test suite (`testes/` of the PUC Lua sources), run with our `lua`.
//!
//! The suite is not part of this repository: point `LUA_TESTSUITE_DIR` at a `testes/` directory
//! (docs/suites.md says how to get one). Without it this test says it skipped and passes, so the
//! default `cargo test` stays fast.
//!
//! What runs, with the working directory set to `testes/`:
//! - each file that `all.lua` runs (the names are read from `all.lua` itself), as its own process,
//!   with the globals `all.lua` sets for user tests (`_U`, `_soft`, `_port`, `_nomsg`; no `T`);
//!   a file passes when it exits with status 0 and prints no `lua:` error report;
//! - `all.lua` itself, as `lua -e"_U=true" all.lua`, which passes when its output ends with
//!   `final OK`.
//!
//! Each file also runs under the reference (`reflua`, PUC Lua 5.4 built by mlua-sys, which may be
//! an older 5.4 release than the suite), and the report says when the reference fails too: that
//! points at a test of a newer release's fix rather than at us. It does not excuse the failure.
//!
//! The test fails when any file fails. Environment: `LUA_SUITE_TIMEOUT` (seconds per file,
//! default 120), `LUA_SUITE_ALL_TIMEOUT` (seconds for `all.lua`, default 600), `LUA_TESTS_FILTER`
//! (only file names containing it), `LUA_TESTS_JOBS` (processes at once). Run with
//! `-- --nocapture` to see the report when everything passes.

use std::path::Path;
use std::time::{Duration, Instant};

use lua_tests::{
    parallel_map, run_with_timeout, suite_dir, timeout_from_env, workers, Exit, Outcome,
};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// What `all.lua` sets up when `_U` is true, as a chunk run before a file run on its own.
const USER_TEST_GLOBALS: &str = "_U=true _soft=true _port=true _nomsg=true";

/// The test files named in `all.lua`, in the order it runs them, without duplicates.
fn files_of_all_lua(dir: &Path) -> Vec<String> {
    let all = std::fs::read_to_string(dir.join("all.lua"))
        .unwrap_or_else(|e| panic!("cannot read all.lua in {}: {e}", dir.display()));
    let mut names: Vec<String> = Vec::new();
    // Every `word.lua` in the text, the word being letters, digits and underscores.
    for (end, _) in all.match_indices(".lua") {
        let stem_start = all[..end]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &all[stem_start..end + 4];
        let is_file = stem_start < end && name != "all.lua" && dir.join(name).is_file();
        if is_file && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// One process to run: a suite file alone, or `all.lua`.
struct Job {
    name: String,
    args: Vec<String>,
    limit: Duration,
}

struct Result {
    ours: Outcome,
    elapsed: Duration,
    reference: Outcome,
}

impl Job {
    fn passed(&self, o: &Outcome) -> bool {
        if self.name == "all.lua" {
            o.exit == Exit::Code(0) && ends_with_final_ok(o)
        } else {
            o.passed()
        }
    }
}

/// The last line that matters starts with `final OK`. all.lua's own finalizer prints a
/// `>>> closing state <<<` line when the state closes, after it; that line does not count.
fn ends_with_final_ok(o: &Outcome) -> bool {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.contains(">>> closing state <<<"))
        .is_some_and(|l| l.starts_with("final OK"))
}

fn run(program: &str, job: &Job, dir: &Path) -> Outcome {
    let args: Vec<&str> = job.args.iter().map(String::as_str).collect();
    run_with_timeout(Path::new(program), &args, dir, job.limit)
}

#[test]
fn official_lua_suite() {
    let Some(dir) = suite_dir("LUA_TESTSUITE_DIR") else {
        println!(
            "official Lua test suite skipped: LUA_TESTSUITE_DIR is not set \
             (set it to the testes/ directory of the Lua 5.4 sources; see docs/suites.md)"
        );
        return;
    };
    let file_limit = timeout_from_env("LUA_SUITE_TIMEOUT", Duration::from_secs(120));
    let all_limit = timeout_from_env("LUA_SUITE_ALL_TIMEOUT", Duration::from_secs(600));
    let filter = std::env::var("LUA_TESTS_FILTER").unwrap_or_default();

    let files = files_of_all_lua(&dir);
    assert!(!files.is_empty(), "no test files named in all.lua");
    let mut others: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".lua") && n != "all.lua" && !files.contains(n))
        .collect();
    others.sort();

    let mut jobs: Vec<Job> = files
        .iter()
        .map(|name| Job {
            name: name.clone(),
            args: vec!["-e".into(), USER_TEST_GLOBALS.into(), name.clone()],
            limit: file_limit,
        })
        .collect();
    // all.lua first: it is the longest run, so the others fill in beside it.
    jobs.insert(
        0,
        Job {
            name: "all.lua".into(),
            args: vec!["-e".into(), "_U=true".into(), "all.lua".into()],
            limit: all_limit,
        },
    );
    jobs.retain(|j| j.name.contains(filter.as_str()));

    let results = parallel_map(&jobs, workers(), |job| {
        let start = Instant::now();
        let ours = run(OURLUA, job, &dir);
        let elapsed = start.elapsed();
        let reference = run(REFLUA, job, &dir);
        Result {
            ours,
            elapsed,
            reference,
        }
    });

    println!("official Lua test suite in {}", dir.display());
    let (mut passed, mut failed) = (0, Vec::new());
    let mut all_line = None;
    for (job, r) in jobs.iter().zip(&results) {
        let secs = r.elapsed.as_secs_f64();
        let line = if job.passed(&r.ours) {
            passed += 1;
            format!("PASS {} ({secs:.1}s)", job.name)
        } else {
            failed.push(job.name.as_str());
            let reason = if job.name == "all.lua" && r.ours.passed() {
                "exited normally but did not print 'final OK'".to_string()
            } else {
                r.ours.failure_reason()
            };
            let reference = if job.passed(&r.reference) {
                String::new()
            } else {
                format!(
                    "\n    (reference fails too: {})",
                    r.reference.failure_reason()
                )
            };
            format!("FAIL {} ({secs:.1}s): {reason}{reference}", job.name)
        };
        if job.name == "all.lua" {
            all_line = Some(line);
        } else {
            println!("{line}");
        }
    }
    if !others.is_empty() {
        println!(
            "not run (not named in all.lua: helper modules, heavy.lua): {}",
            others.join(", ")
        );
    }
    if let Some(line) = all_line {
        println!("{line}");
    }
    println!("{passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "failed: {}", failed.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_ok_is_the_last_nonblank_line() {
        let o = |out: &str| Outcome {
            exit: Exit::Code(0),
            stdout: out.as_bytes().to_vec(),
            stderr: Vec::new(),
        };
        assert!(ends_with_final_ok(&o("x\nfinal OK !!!\n\n")));
        assert!(!ends_with_final_ok(&o("final OK !!!\nmore\n")));
        assert!(ends_with_final_ok(&o(
            "final OK !!!\n.>>> closing state <<<\n"
        )));
        assert!(!ends_with_final_ok(&o("")));
    }
}
