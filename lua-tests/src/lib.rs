//! lua-tests runner support: running a Lua command on a script with a time limit, the markers a
//! script's first line may carry, and finding the first difference between two outputs.
//!
//! The runners themselves live in `tests/` (see `tests/scripts.rs` and docs/testing.md); this
//! module holds what every runner needs so the external-suite runners can share it. The two
//! binaries are `reflua` (reference PUC Lua 5.4 via mlua-sys, the oracle) and `ourlua` (our
//! `lua` command as a library call).
//!
//! [`fuzz`] is the JIT's differential fuzzer: a generator of random Lua programs and the harness
//! that runs them in every JIT mode (used by the `jitfuzz` binary and `tests/jit_fuzz.rs`).

#![forbid(unsafe_code)]

pub mod fuzz;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The JIT modes every script runs in, as `(name, options before the script name)`.
pub const MODES: [(&str, &[&str]); 3] = [
    ("-joff", &["-joff"]),
    ("default", &[]),
    ("-Ohotloop=1", &["-Ohotloop=1"]),
];

/// Per-process time limit unless `LUA_TESTS_TIMEOUT` (seconds) says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The directory holding this crate's Lua scripts.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts")
}

/// The per-process time limit: `LUA_TESTS_TIMEOUT` in seconds, or [`DEFAULT_TIMEOUT`].
pub fn timeout() -> Duration {
    std::env::var("LUA_TESTS_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

/// How many scripts run at once: `LUA_TESTS_JOBS`, else 3 (the CI machine has 2 cores and the
/// processes spend part of their time starting up).
pub fn workers() -> usize {
    std::env::var("LUA_TESTS_JOBS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3)
}

/// What a script's first line says about how to check it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Markers {
    /// `-- nondeterministic`: do not compare stdout with the reference.
    pub nondeterministic: bool,
    /// `-- expect-error`: the script must fail (exit 1) under the reference, and ours must fail
    /// with the same first stderr line.
    pub expect_error: bool,
}

impl Markers {
    /// Read the markers from the first line of `source`.
    pub fn parse(source: &str) -> Markers {
        let first = source.lines().next().unwrap_or("");
        Markers {
            nondeterministic: first.contains("-- nondeterministic"),
            expect_error: first.contains("-- expect-error"),
        }
    }
}

/// One Lua script of the suite.
#[derive(Clone, Debug)]
pub struct Script {
    /// File name, relative to [`scripts_dir`]; also what is passed as the script name, so it is
    /// the chunkname error messages show.
    pub name: String,
    pub markers: Markers,
}

/// Every `*.lua` in `dir`, sorted by name, keeping those whose name contains
/// `LUA_TESTS_FILTER` when it is set.
pub fn list_scripts(dir: &Path) -> Vec<Script> {
    let filter = std::env::var("LUA_TESTS_FILTER").unwrap_or_default();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            (name.ends_with(".lua") && name.contains(filter.as_str())).then_some(name)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let source = std::fs::read_to_string(dir.join(&name))
                .unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
            Script {
                markers: Markers::parse(&source),
                name,
            }
        })
        .collect()
}

/// How a process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this status.
    Code(i32),
    /// Killed by a signal (or no status available), e.g. a crash.
    Signal,
    /// Did not finish within the time limit and was killed.
    TimedOut,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal => write!(f, "killed by a signal (crash?)"),
            Exit::TimedOut => write!(f, "timed out (killed)"),
        }
    }
}

/// Everything the runners compare about one run.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    /// The first line of stderr: the `lua: <msg>` line. Tracebacks that follow may differ.
    pub fn stderr_first_line(&self) -> String {
        String::from_utf8_lossy(&self.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }
}

/// Run `program args...` in `cwd` with stdin closed, capturing stdout and stderr; kill it after
/// `limit`.
pub fn run_with_timeout(program: &Path, args: &[&str], cwd: &Path, limit: Duration) -> Outcome {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(cwd);
    run_command(cmd, limit)
}

/// Run a prepared command with stdin closed, capturing stdout and stderr; kill it after
/// `limit`.
pub fn run_command(mut cmd: Command, limit: Duration) -> Outcome {
    let program = Path::new(cmd.get_program()).to_path_buf();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    // Drain both pipes on their own threads so a chatty child cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code().map_or(Exit::Signal, Exit::Code),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Exit::TimedOut;
            }
            Ok(None) => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => panic!("waiting for {}: {e}", program.display()),
        }
    };
    Outcome {
        exit,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// The first line where `got` differs from `expected`, as a readable report (line number,
/// expected line, actual line), or `None` if they are equal byte for byte.
pub fn first_difference(expected: &[u8], got: &[u8]) -> Option<String> {
    if expected == got {
        return None;
    }
    let exp = String::from_utf8_lossy(expected);
    let got = String::from_utf8_lossy(got);
    let mut el = exp.split_inclusive('\n');
    let mut gl = got.split_inclusive('\n');
    let mut n = 1;
    loop {
        match (el.next(), gl.next()) {
            (Some(e), Some(g)) if e == g => n += 1,
            (e, g) => {
                let show = |l: Option<&str>| match l {
                    None => "<end of output>".to_string(),
                    Some(l) if !l.ends_with('\n') => format!("{l:?} (no newline at end)"),
                    Some(l) => format!("{:?}", l.trim_end_matches('\n')),
                };
                return Some(format!(
                    "stdout line {n}:\n    expected: {}\n    got:      {}",
                    show(e),
                    show(g)
                ));
            }
        }
    }
}

/// Does our run conform to the reference run of `script`? `None` when it does, else a report:
/// a timeout or crash (naming a GC-verify or panic line), the first stdout difference (unless
/// the script is nondeterministic), a different exit status, or for failing scripts a
/// different first stderr line (`lua: msg`; tracebacks may differ).
pub fn compare_with_reference(
    script: &Script,
    reference: &Outcome,
    ours: &Outcome,
    limit: Duration,
) -> Option<String> {
    if ours.exit == Exit::TimedOut {
        return Some(format!("timed out after {}s", limit.as_secs()));
    }
    let stderr = String::from_utf8_lossy(&ours.stderr);
    if ours.exit == Exit::Signal || stderr.contains("panicked") {
        let line = stderr
            .lines()
            .find(|l| l.contains("GC verify") || l.contains("panicked"))
            .or_else(|| stderr.lines().next())
            .unwrap_or("");
        return Some(format!("{}: {line}", ours.exit));
    }
    if !script.markers.nondeterministic {
        if let Some(diff) = first_difference(&reference.stdout, &ours.stdout) {
            let mut msg = diff;
            let ours_err = ours.stderr_first_line();
            if ours.exit != reference.exit
                || (ours.exit != Exit::Code(0) && ours_err != reference.stderr_first_line())
            {
                msg.push_str(&format!("\n    (ours: {}; stderr: {ours_err})", ours.exit));
            }
            return Some(msg);
        }
    }
    if ours.exit != reference.exit {
        return Some(format!(
            "expected {}, got {}; stderr: {}",
            reference.exit,
            ours.exit,
            ours.stderr_first_line()
        ));
    }
    if reference.exit != Exit::Code(0) && !script.markers.nondeterministic {
        let (e, g) = (reference.stderr_first_line(), ours.stderr_first_line());
        if e != g {
            return Some(format!(
                "stderr first line:\n    expected: {e:?}\n    got:      {g:?}"
            ));
        }
    }
    None
}

/// Run `job` on every item with `workers` threads; results come back in the items' order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    job: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..workers.max(1).min(items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = job(item);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// The directory of an external test suite, named by the environment variable `var`; `None`
/// when the variable is unset (the runner then says it skipped and passes). A variable that is
/// set but does not name a directory is a mistake worth failing for, not a reason to skip.
pub fn suite_dir(var: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os(var)?);
    assert!(dir.is_dir(), "{var}={} is not a directory", dir.display());
    Some(dir)
}

/// A time limit in seconds from the environment variable `var`, or `default`.
pub fn timeout_from_env(var: &str, default: Duration) -> Duration {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(default, Duration::from_secs)
}

impl Outcome {
    /// Whether the run counts as passing for a suite file: exit status 0 and no `lua:` error
    /// report on stderr (some suite files catch an error, print it and carry on).
    pub fn passed(&self) -> bool {
        self.exit == Exit::Code(0) && self.error_line().is_none()
    }

    /// The line that says why a run failed: the first stderr line starting with `lua:` (after
    /// any progress dots a test wrote to stderr before failing), else the first non-empty
    /// stderr line of a failed run; `None` when there is neither.
    pub fn error_line(&self) -> Option<String> {
        let err = String::from_utf8_lossy(&self.stderr);
        err.lines()
            .map(|l| l.trim_start_matches('.'))
            .find(|l| l.starts_with("lua:"))
            .or_else(|| err.lines().find(|l| !l.trim().is_empty()))
            .map(str::to_string)
            .filter(|l| l.starts_with("lua:") || self.exit != Exit::Code(0))
    }

    /// A one-line reason for a failed run, for the per-file report.
    pub fn failure_reason(&self) -> String {
        match (&self.exit, self.error_line()) {
            (Exit::Code(_), Some(line)) => line,
            (exit, Some(line)) => format!("{exit}; {line}"),
            (exit, None) => exit.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_come_from_the_first_line_only() {
        let m = Markers::parse("-- expect-error: uncaught\nprint(1) -- nondeterministic\n");
        assert!(m.expect_error && !m.nondeterministic);
        let m = Markers::parse("-- nondeterministic (prints addresses)\n");
        assert!(m.nondeterministic && !m.expect_error);
    }

    #[test]
    fn first_difference_reports_line_and_both_sides() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        let d = first_difference(b"a\nb\nc\n", b"a\nx\n").unwrap();
        assert!(d.starts_with("stdout line 2:"), "{d}");
        assert!(d.contains("\"b\"") && d.contains("\"x\""), "{d}");
        let d = first_difference(b"a\n", b"a\nextra\n").unwrap();
        assert!(d.contains("<end of output>"), "{d}");
        let d = first_difference(b"a\n", b"a").unwrap();
        assert!(d.contains("no newline"), "{d}");
    }

    #[test]
    fn suite_verdicts_read_the_lua_error_line() {
        let o = |exit, err: &str| Outcome {
            exit,
            stdout: Vec::new(),
            stderr: err.as_bytes().to_vec(),
        };
        assert!(o(Exit::Code(0), "Lua warning: x\n").passed());
        let f = o(Exit::Code(1), "...lua: a.lua:3: boom\nstack traceback:\n");
        assert!(!f.passed());
        assert_eq!(f.failure_reason(), "lua: a.lua:3: boom");
        assert!(!o(Exit::Code(0), "lua: caught but reported\n").passed());
        assert_eq!(o(Exit::TimedOut, "").failure_reason(), "timed out (killed)");
    }

    #[test]
    fn parallel_map_keeps_order() {
        let v: Vec<usize> = (0..50).collect();
        assert_eq!(
            parallel_map(&v, 3, |x| x * 2),
            (0..50).map(|x| x * 2).collect::<Vec<_>>()
        );
    }
}
