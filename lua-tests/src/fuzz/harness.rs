//! Running one generated program in every JIT mode and comparing the runs.
//!
//! The first mode is the baseline (`-joff`, the interpreter alone); every other mode must print
//! the same stdout byte for byte, end with the same exit status and write the same first
//! stderr line. The baseline itself must be a clean run (exit status 0, nothing on stderr, a
//! last line `final <checksum>`): anything else means the generator produced a bad program or
//! the interpreter broke, and is reported too. With a reference runner, reference Lua 5.4 must
//! agree with the baseline in the same way.
//!
//! How a mode is run is a function ([`Fuzzer::ours`]), so tests can substitute one that
//! tampers with a mode's outcome and check that the comparison catches it.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::generate;
use crate::{first_difference, run_command, Exit, Outcome};

/// A JIT mode: a name for reports and the options given before the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mode {
    pub name: String,
    pub args: Vec<String>,
}

impl Mode {
    pub fn new(name: &str, args: &[&str]) -> Mode {
        Mode {
            name: name.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }
}

/// The modes a program runs in: the baseline `-joff` first, then the JIT at hot-loop
/// thresholds 1 (every loop is hot at once), 2, 7 and 56 (LuaJIT's default), and with every
/// loop and every exit hot at once (side traces from the first exit on).
pub fn jit_modes() -> Vec<Mode> {
    let mut modes = vec![Mode::new("-joff", &["-joff"])];
    for n in [1, 2, 7, 56] {
        let opt = format!("-Ohotloop={n}");
        modes.push(Mode::new(&opt, &[&opt]));
    }
    modes.push(Mode::new("-Ohotexit=1", &["-Ohotloop=1", "-Ohotexit=1"]));
    modes
}

/// The file name a seed's program is written to and run as (it is the chunkname in error
/// messages, so it must be the same in every run that is compared).
pub fn script_name(seed: u64) -> String {
    format!("jitfuzz_{seed}.lua")
}

/// A Lua command (`ourlua`, `reflua`, or this binary re-executing itself as one of them).
#[derive(Clone, Debug)]
pub struct LuaCommand {
    pub program: PathBuf,
    /// Environment variables to set for it.
    pub env: Vec<(String, String)>,
}

impl LuaCommand {
    pub fn new(program: impl Into<PathBuf>) -> LuaCommand {
        LuaCommand {
            program: program.into(),
            env: Vec::new(),
        }
    }

    /// Run `program [opts...] script` in `dir` with a time limit. `LUA_INIT` is cleared so the
    /// caller's environment cannot change what runs.
    pub fn run(&self, opts: &[String], dir: &Path, script: &str, limit: Duration) -> Outcome {
        let mut cmd = Command::new(&self.program);
        cmd.args(opts).arg(script).current_dir(dir);
        for var in ["LUA_INIT", "LUA_INIT_5_4"] {
            cmd.env_remove(var);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        run_command(cmd, limit)
    }
}

/// One mode's disagreement on one program.
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    /// The mode that disagreed, `reference` for reference Lua, or the baseline's name when
    /// the baseline run itself was bad.
    pub mode: String,
    /// What differed (multi-line: the first differing line, expected and got).
    pub report: String,
}

/// Runs our `lua` on a script in a directory with some options: `ours(opts, dir, script)`.
pub type OursFn<'a> = Box<dyn Fn(&[String], &Path, &str) -> Outcome + Sync + 'a>;

/// Runs reference Lua 5.4 on a script in a directory: `reference(dir, script)`.
pub type ReferenceFn<'a> = Box<dyn Fn(&Path, &str) -> Outcome + Sync + 'a>;

/// Runs programs in every mode (one process per mode) and compares the runs.
pub struct Fuzzer<'a> {
    pub ours: OursFn<'a>,
    pub reference: Option<ReferenceFn<'a>>,
    /// The baseline first.
    pub modes: Vec<Mode>,
    /// Per-process time limit (used in reports; the runner functions enforce it).
    pub timeout: Duration,
    /// Where programs are written while they run (created by [`Fuzzer::new`], removed on drop).
    pub workdir: PathBuf,
    /// Where failing programs are kept, with a report beside each.
    pub keep: Option<PathBuf>,
}

static WORKDIRS: AtomicUsize = AtomicUsize::new(0);

impl<'a> Fuzzer<'a> {
    /// A fuzzer running `ours` (and `reference`, if given) as processes, in `modes`.
    pub fn new(
        ours: LuaCommand,
        reference: Option<LuaCommand>,
        modes: Vec<Mode>,
        timeout: Duration,
    ) -> Fuzzer<'a> {
        Fuzzer::with_runner(
            Box::new(move |opts, dir, script| ours.run(opts, dir, script, timeout)),
            reference.map(|r| {
                Box::new(move |dir: &Path, script: &str| r.run(&[], dir, script, timeout))
                    as ReferenceFn
            }),
            modes,
            timeout,
        )
    }

    /// A fuzzer with its own way of running our `lua` (tests use this to inject differences).
    pub fn with_runner(
        ours: OursFn<'a>,
        reference: Option<ReferenceFn<'a>>,
        modes: Vec<Mode>,
        timeout: Duration,
    ) -> Fuzzer<'a> {
        assert!(!modes.is_empty(), "at least the baseline mode");
        let n = WORKDIRS.fetch_add(1, Ordering::Relaxed);
        let workdir = std::env::temp_dir().join(format!("jitfuzz-work-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&workdir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", workdir.display()));
        Fuzzer {
            ours,
            reference,
            modes,
            timeout,
            workdir,
            keep: None,
        }
    }

    /// Generate the program for `seed`, run it in every mode and compare.
    pub fn check_seed(&self, seed: u64) -> Vec<Failure> {
        self.check_source(seed, &generate(seed))
    }

    /// Run `source` (named after `seed`) in every mode and compare; keep it if anything failed.
    pub fn check_source(&self, seed: u64, source: &str) -> Vec<Failure> {
        let name = script_name(seed);
        let path = self.workdir.join(&name);
        std::fs::write(&path, source)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        let fail = |mode: &str, report: String| Failure {
            seed,
            mode: mode.to_string(),
            report,
        };
        let mut failures = Vec::new();
        let base_mode = &self.modes[0];
        let base = (self.ours)(&base_mode.args, &self.workdir, &name);
        if let Some(why) = clean_run(&base, self.timeout) {
            failures.push(fail(
                &base_mode.name,
                format!("the baseline run is not clean (generator or interpreter bug): {why}"),
            ));
        }
        if let Some(reference) = &self.reference {
            let r = reference(&self.workdir, &name);
            if let Some(why) = clean_run(&r, self.timeout) {
                failures.push(fail(
                    "reference",
                    format!("reference Lua rejects the program (generator bug): {why}"),
                ));
            } else if let Some(why) = compare(&r, &base, self.timeout) {
                failures.push(fail(
                    "reference",
                    format!("{} differs from reference Lua 5.4: {why}", base_mode.name),
                ));
            }
        }
        // A baseline that timed out printed an arbitrary prefix of its output: nothing to
        // compare the other modes with (the failure is already reported).
        let modes = if base.exit == Exit::TimedOut {
            &[][..]
        } else {
            &self.modes[1..]
        };
        for mode in modes {
            let got = (self.ours)(&mode.args, &self.workdir, &name);
            if let Some(why) = compare(&base, &got, self.timeout) {
                failures.push(fail(&mode.name, why));
            }
        }
        let _ = std::fs::remove_file(&path);
        if !failures.is_empty() {
            if let Some(dir) = &self.keep {
                self.keep_failure(dir, seed, source, &failures);
            }
        }
        failures
    }

    /// Write the program and a report with the commands that reproduce it to `dir`.
    fn keep_failure(&self, dir: &Path, seed: u64, source: &str, failures: &[Failure]) {
        let name = script_name(seed);
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(&name), source);
        let mut text = String::new();
        for f in failures {
            text.push_str(&format!("[{}] {}\n\n", f.mode, f.report));
        }
        text.push_str(&reproduce(seed, dir, failures));
        let _ = std::fs::write(dir.join(format!("jitfuzz_{seed}.txt")), text);
    }
}

impl Drop for Fuzzer<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.workdir);
    }
}

/// How to reproduce a failure: the fuzzer command and the direct runs of the kept program.
pub fn reproduce(seed: u64, keep: &Path, failures: &[Failure]) -> String {
    let name = script_name(seed);
    let mut modes: Vec<&str> = failures.iter().map(|f| f.mode.as_str()).collect();
    modes.dedup();
    let mut s = format!(
        "reproduce: cargo run --release -p lua-tests --bin jitfuzz -- --seeds {seed}..{} --reference\n",
        seed + 1
    );
    s.push_str(&format!(
        "or, in {}: ourlua -joff {name} > base.txt; then ourlua <mode> {name} (modes: {})\n",
        keep.display(),
        modes.join(", ")
    ));
    s
}

/// Is this a clean run of a generated program (exit 0, no stderr, ends with `final N`)?
/// `None` when it is, else why not.
pub fn clean_run(o: &Outcome, limit: Duration) -> Option<String> {
    match o.exit {
        Exit::TimedOut => return Some(format!("timed out after {}s", limit.as_secs())),
        Exit::Code(0) => {}
        ref e => return Some(format!("{e}; stderr: {}", o.stderr_first_line())),
    }
    if !o.stderr.is_empty() {
        return Some(format!("stderr: {}", o.stderr_first_line()));
    }
    let out = String::from_utf8_lossy(&o.stdout);
    match out.lines().last() {
        Some(l) if l.starts_with("final ") => None,
        l => Some(format!("the last line is not the final checksum: {l:?}")),
    }
}

/// How `got` differs from `expected`: a timeout or crash, the first differing stdout line, a
/// different exit status, a different first stderr line. `None` when they agree.
pub fn compare(expected: &Outcome, got: &Outcome, limit: Duration) -> Option<String> {
    let stderr = String::from_utf8_lossy(&got.stderr);
    if got.exit == Exit::TimedOut && expected.exit != Exit::TimedOut {
        return Some(format!("timed out after {}s", limit.as_secs()));
    }
    if got.exit == Exit::Signal || (stderr.contains("panicked") && expected.stderr != got.stderr) {
        let line = stderr
            .lines()
            .find(|l| l.contains("panicked"))
            .or_else(|| stderr.lines().next())
            .unwrap_or("");
        return Some(format!("{}: {line}", got.exit));
    }
    if let Some(diff) = first_difference(&expected.stdout, &got.stdout) {
        let mut msg = diff;
        if got.exit != expected.exit {
            msg.push_str(&format!(
                "\n    (then {} instead of {}; stderr: {})",
                got.exit,
                expected.exit,
                got.stderr_first_line()
            ));
        }
        return Some(msg);
    }
    if got.exit != expected.exit {
        return Some(format!(
            "expected {}, got {}; stderr: {}",
            expected.exit,
            got.exit,
            got.stderr_first_line()
        ));
    }
    let (e, g) = (expected.stderr_first_line(), got.stderr_first_line());
    if e != g {
        return Some(format!(
            "stderr first line:\n    expected: {e:?}\n    got:      {g:?}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake `lua`: prints a fixed output, except in the modes a test tampers with.
    fn fake_outcome(stdout: &str) -> Outcome {
        Outcome {
            exit: Exit::Code(0),
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
        }
    }

    const GOOD: &str = "a 1\nb 2.5f\nc x\nfinal 42\n";

    /// Run the harness with a runner that answers GOOD in every mode but `broken`, where
    /// `tamper` changes the outcome.
    fn failures_with(tamper: impl Fn(&mut Outcome) + Sync) -> Vec<Failure> {
        let modes = vec![
            Mode::new("-joff", &["-joff"]),
            Mode::new("-Ohotloop=1", &["-Ohotloop=1"]),
            Mode::new("broken", &["--broken"]),
        ];
        let fuzzer = Fuzzer::with_runner(
            Box::new(move |opts: &[String], _dir: &Path, _script: &str| {
                let mut o = fake_outcome(GOOD);
                if opts.iter().any(|a| a == "--broken") {
                    tamper(&mut o);
                }
                o
            }),
            None,
            modes,
            Duration::from_secs(1),
        );
        fuzzer.check_seed(7)
    }

    #[test]
    fn agreeing_modes_pass() {
        assert!(failures_with(|_| {}).is_empty());
    }

    #[test]
    fn a_changed_stdout_line_is_reported_with_its_line() {
        let f = failures_with(|o| o.stdout = b"a 1\nb 2.5000001f\nc x\nfinal 42\n".to_vec());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].seed, f[0].mode.as_str()), (7, "broken"));
        assert!(f[0].report.starts_with("stdout line 2:"), "{}", f[0].report);
        assert!(f[0].report.contains("2.5000001f"), "{}", f[0].report);
    }

    #[test]
    fn a_different_exit_status_or_error_is_reported() {
        let f = failures_with(|o| {
            o.exit = Exit::Code(1);
            o.stderr = b"lua: jitfuzz_7.lua:3: boom\nstack traceback:\n".to_vec();
        });
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].report.contains("exit status 1"), "{}", f[0].report);
        assert!(f[0].report.contains("boom"), "{}", f[0].report);
    }

    #[test]
    fn a_different_first_stderr_line_is_reported() {
        let f = failures_with(|o| o.stderr = b"lua: warning\n".to_vec());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].report.starts_with("stderr first line"),
            "{}",
            f[0].report
        );
    }

    #[test]
    fn crashes_timeouts_and_truncation_are_reported() {
        let f = failures_with(|o| o.exit = Exit::TimedOut);
        assert!(f[0].report.contains("timed out"), "{f:?}");
        let f = failures_with(|o| {
            o.exit = Exit::Signal;
            o.stdout.truncate(4);
        });
        assert!(f[0].report.contains("signal"), "{f:?}");
        let f = failures_with(|o| o.stdout.truncate(4));
        assert!(f[0].report.contains("<end of output>"), "{f:?}");
        let f = failures_with(|o| {
            o.exit = Exit::Code(101);
            o.stderr = b"thread 'main' panicked at jit/src/x.rs:1:1:\n".to_vec();
        });
        assert!(f[0].report.contains("panicked"), "{f:?}");
    }

    #[test]
    fn a_bad_baseline_is_reported() {
        let modes = vec![Mode::new("-joff", &["-joff"])];
        let fuzzer = Fuzzer::with_runner(
            Box::new(|_: &[String], _: &Path, _: &str| fake_outcome("no checksum\n")),
            None,
            modes,
            Duration::from_secs(1),
        );
        let f = fuzzer.check_seed(3);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].mode, "-joff");
        assert!(f[0].report.contains("not clean"), "{}", f[0].report);
    }

    #[test]
    fn the_reference_is_compared_with_the_baseline() {
        let modes = vec![Mode::new("-joff", &["-joff"])];
        let fuzzer = Fuzzer::with_runner(
            Box::new(|_: &[String], _: &Path, _: &str| fake_outcome(GOOD)),
            Some(Box::new(|_: &Path, _: &str| {
                fake_outcome("a 1\nb 2.5f\nc y\nfinal 42\n")
            })),
            modes,
            Duration::from_secs(1),
        );
        let f = fuzzer.check_seed(3);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].mode, "reference");
        assert!(f[0].report.contains("stdout line 3"), "{}", f[0].report);
    }

    #[test]
    fn failing_programs_are_kept_with_a_report() {
        let keep = std::env::temp_dir().join(format!("jitfuzz-keep-test-{}", std::process::id()));
        let modes = vec![Mode::new("-joff", &[]), Mode::new("broken", &["--broken"])];
        let mut fuzzer = Fuzzer::with_runner(
            Box::new(|opts: &[String], _: &Path, _: &str| {
                fake_outcome(if opts.is_empty() { GOOD } else { "final 0\n" })
            }),
            None,
            modes,
            Duration::from_secs(1),
        );
        fuzzer.keep = Some(keep.clone());
        assert_eq!(fuzzer.check_seed(11).len(), 1);
        let program = std::fs::read_to_string(keep.join("jitfuzz_11.lua")).unwrap();
        assert_eq!(program, generate(11));
        let report = std::fs::read_to_string(keep.join("jitfuzz_11.txt")).unwrap();
        assert!(report.contains("[broken] stdout line 1"), "{report}");
        assert!(report.contains("--seeds 11..12"), "{report}");
        let _ = std::fs::remove_dir_all(&keep);
    }
}
