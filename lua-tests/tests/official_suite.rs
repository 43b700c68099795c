//! The official Lua 5.4 test suite (`testes/` of the PUC Lua sources), run with our `lua` in
//! each of the five JIT modes ([`lua_tests::MODES`]).
//!
//! The suite is not part of this repository: point `LUA_TESTSUITE_DIR` at a `testes/` directory
//! (docs/suites.md says how to get one). Without it (when the tests were built) this test is
//! ignored, and `cargo test` says so with the reason; run with `--ignored` and still no
//! directory, it fails rather than pass without running anything.
//!
//! What runs, with the working directory set to `testes/`:
//! - each file that `all.lua` runs (the names are read from `all.lua` itself), as its own process,
//!   with the globals `all.lua` sets for user tests (`_U`, `_soft`, `_port`, `_nomsg`; no `T`);
//!   a file passes when it exits with status 0 and prints no `lua:` error report;
//! - `all.lua` itself, as `lua -e"_U=true" all.lua`, which passes when its output ends with
//!   `final OK`.
//!
//! Every one of these runs once per JIT mode (the mode's options come first on the command line),
//! and the report gives each mode its own verdict and summary. Since several runs of one file go
//! on at once and some files write beside themselves (`attrib.lua` creates and removes modules
//! in `libs/`, which `all.lua` runs too), every process runs in its own copy of `testes/` under
//! the temporary directory, removed after the run. Each file also runs (once) under
//! the reference (`reflua`, PUC Lua 5.4 built by mlua-sys, which may be
//! an older 5.4 release than the suite), and the report says when the reference fails too: that
//! points at a test of a newer release's fix rather than at us. It does not excuse the failure.
//!
//! The test fails when any file fails in any mode. Environment: `LUA_SUITE_TIMEOUT` (seconds per file,
//! default 120), `LUA_SUITE_ALL_TIMEOUT` (seconds for `all.lua`, default 600), `LUA_TESTS_FILTER`
//! (only file names containing it), `LUA_TESTS_JOBS` (processes at once). Run with
//! `-- --nocapture` to see the report when everything passes.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lua_tests::{
    parallel_map, run_with_timeout, suite_dir, timeout_from_env, workers, Exit, Outcome, MODES,
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

/// One process of the run: a job under the reference (`mode` is `None`) or under ours in
/// `MODES[mode]`.
struct Task {
    job: usize,
    mode: Option<usize>,
}

/// How one of our runs went.
struct Run {
    outcome: Outcome,
    elapsed: Duration,
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

/// Copy the directory tree `from` to `to` (regular files and directories; the suite has no
/// links).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Run `program opts... job.args...` in a fresh copy of the suite directory `dir` made at
/// `scratch`, which is removed afterwards.
fn run(program: &str, opts: &[&str], job: &Job, dir: &Path, scratch: &Path) -> Outcome {
    copy_tree(dir, scratch).unwrap_or_else(|e| {
        panic!(
            "cannot copy {} to {}: {e}",
            dir.display(),
            scratch.display()
        )
    });
    let mut args: Vec<&str> = opts.to_vec();
    args.extend(job.args.iter().map(String::as_str));
    let outcome = run_with_timeout(Path::new(program), &args, scratch, job.limit);
    let _ = std::fs::remove_dir_all(scratch);
    outcome
}

/// The temporary directory holding the per-process copies of the suite; removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Why `job` failed in our run `o`, plus a note when the reference fails too.
fn failure(job: &Job, o: &Outcome, reference: &Outcome) -> String {
    let reason = if job.name == "all.lua" && o.passed() {
        "exited normally but did not print 'final OK'".to_string()
    } else {
        o.failure_reason()
    };
    if job.passed(reference) {
        reason
    } else {
        format!(
            "{reason}\n    (reference fails too: {})",
            reference.failure_reason()
        )
    }
}

#[test]
#[cfg_attr(
    not(lua_testsuite),
    ignore = "SKIPPED: LUA_TESTSUITE_DIR is not set (the testes/ directory of the Lua 5.4 \
              sources; see docs/suites.md)"
)]
fn official_lua_suite() {
    let Some(dir) = suite_dir("LUA_TESTSUITE_DIR") else {
        panic!(
            "official Lua test suite not run: LUA_TESTSUITE_DIR is not set \
             (set it to the testes/ directory of the Lua 5.4 sources; see docs/suites.md)"
        );
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

    // One task per job and mode, plus the reference once per job; all.lua's tasks come first,
    // being the longest, so the others fill in beside them.
    let tasks: Vec<Task> = (0..jobs.len())
        .flat_map(|job| {
            (0..MODES.len())
                .map(move |m| Task { job, mode: Some(m) })
                .chain(std::iter::once(Task { job, mode: None }))
        })
        .collect();
    let scratch =
        Scratch(std::env::temp_dir().join(format!("lua-official-suite-{}", std::process::id())));
    let start = Instant::now();
    let outcomes = parallel_map(&tasks, workers(), |task| {
        let job = &jobs[task.job];
        let copy = scratch.0.join(format!(
            "{}-{}",
            task.job,
            task.mode.map_or("ref", |m| MODES[m].0)
        ));
        let begin = Instant::now();
        let outcome = match task.mode {
            Some(m) => run(OURLUA, MODES[m].1, job, &dir, &copy),
            None => run(REFLUA, &[], job, &dir, &copy),
        };
        Run {
            outcome,
            elapsed: begin.elapsed(),
        }
    });
    let wall = start.elapsed();
    // ours[job][mode] and reference[job].
    let mut ours: Vec<Vec<Option<&Run>>> = jobs.iter().map(|_| vec![None; MODES.len()]).collect();
    let mut reference: Vec<Option<&Outcome>> = vec![None; jobs.len()];
    for (task, r) in tasks.iter().zip(&outcomes) {
        match task.mode {
            Some(m) => ours[task.job][m] = Some(r),
            None => reference[task.job] = Some(&r.outcome),
        }
    }

    println!(
        "official Lua test suite in {}, in {} JIT modes",
        dir.display(),
        MODES.len()
    );
    let mut per_mode = vec![(0usize, 0usize); MODES.len()];
    let mut failed: Vec<String> = Vec::new();
    let mut all_lines = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        let reference = reference[j].expect("reference ran");
        let mut lines = Vec::new();
        for (m, (mode, _)) in MODES.iter().enumerate() {
            let r = ours[j][m].expect("every mode ran");
            let secs = r.elapsed.as_secs_f64();
            let line = if job.passed(&r.outcome) {
                per_mode[m].0 += 1;
                format!("PASS {} [{mode}] ({secs:.1}s)", job.name)
            } else {
                per_mode[m].1 += 1;
                failed.push(format!("{} [{mode}]", job.name));
                let why = failure(job, &r.outcome, reference);
                format!("FAIL {} [{mode}] ({secs:.1}s): {why}", job.name)
            };
            lines.push(line);
        }
        if job.name == "all.lua" {
            all_lines = lines;
        } else {
            lines.iter().for_each(|l| println!("{l}"));
        }
    }
    if !others.is_empty() {
        println!(
            "not run (not named in all.lua: helper modules, heavy.lua): {}",
            others.join(", ")
        );
    }
    all_lines.iter().for_each(|l| println!("{l}"));
    for ((mode, _), (p, f)) in MODES.iter().zip(&per_mode) {
        println!("[{mode}] {p} passed, {f} failed");
    }
    let passed: usize = per_mode.iter().map(|(p, _)| p).sum();
    println!(
        "{passed} passed, {} failed ({} runs: {} files and all.lua in {} modes; {:.0}s wall)",
        failed.len(),
        jobs.len() * MODES.len(),
        jobs.len() - usize::from(jobs.iter().any(|j| j.name == "all.lua")),
        MODES.len(),
        wall.as_secs_f64()
    );
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
