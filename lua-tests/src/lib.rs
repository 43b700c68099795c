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

/// The JIT modes every script runs in, as `(name, options before the script name)`: off,
/// on, every loop hot at once, and every loop and every exit hot at once (side traces
/// everywhere).
pub const MODES: [(&str, &[&str]); 4] = [
    ("-joff", &["-joff"]),
    ("default", &[]),
    ("-Ohotloop=1", &["-Ohotloop=1"]),
    ("-Ohotexit=1", &["-Ohotloop=1", "-Ohotexit=1"]),
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
    /// `-- jit-traces>=N`: run with `-Ohotloop=1`, the script must compile at least `N` traces,
    /// as `jit.stats().traces` reports after it ran (see [`JIT_STATS_WRAPPER`]).
    pub jit_traces: Option<u64>,
    /// `-- jit-side>=N`: likewise, at least `N` of them side traces (`jit.stats().side`).
    pub jit_side: Option<u64>,
}

/// The texts that start the count markers; the count follows directly.
const JIT_TRACES_MARKER: &str = "-- jit-traces>=";
const JIT_SIDE_MARKER: &str = "-- jit-side>=";

/// The count after `marker` in line `first`, if the marker is there. A marker without a count
/// after it (`-- jit-traces>=x`, `-- jit-traces=3`) is an error, not a marker quietly ignored.
fn count_marker(first: &str, marker: &str) -> Result<Option<u64>, String> {
    match first.find(marker) {
        Some(at) => {
            let rest = &first[at + marker.len()..];
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .map_or(rest, |end| &rest[..end]);
            match digits.parse::<u64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) => Err(format!(
                    "malformed marker: '{marker}' must be followed by a count, got {rest:?}"
                )),
            }
        }
        None if first.contains(marker.trim_end_matches(">=")) => Err(format!(
            "malformed marker: a count marker is written '{marker}N'"
        )),
        None => Ok(None),
    }
}

impl Markers {
    /// Read the markers from the first line of `source` (see [`count_marker`] for the
    /// count markers).
    pub fn parse(source: &str) -> Result<Markers, String> {
        let first = source.lines().next().unwrap_or("");
        Ok(Markers {
            nondeterministic: first.contains("-- nondeterministic"),
            expect_error: first.contains("-- expect-error"),
            jit_traces: count_marker(first, JIT_TRACES_MARKER)?,
            jit_side: count_marker(first, JIT_SIDE_MARKER)?,
        })
    }
}

/// The JIT mode the count markers are checked in: every loop is hot at once.
pub const JIT_TRACES_OPTION: &str = "-Ohotloop=1";

/// The Lua program that counts a script's traces, run as `ourlua -Ohotloop=1 <wrapper>
/// <script>`: it loads the script, runs it under `pcall` (so an expect-error script still gets
/// counted) and then writes one line to stderr, either `JIT-STATS traces=<n>` with
/// `jit.stats().traces` (and ` side=<n>` when `jit.stats().side` is an integer), or `JIT-STATS missing: <why>` when there is no `jit` module, no
/// `jit.stats`, or it does not return a table with an integer `traces`. An error of the script
/// is written as a `JIT-SCRIPT-ERROR <message>` line before it. The functions it needs are
/// captured before the script runs, so a script that replaces globals does not break it.
pub const JIT_STATS_WRAPPER: &str = r#"-- Written by the lua-tests runner (lua-tests/src/lib.rs, JIT_STATS_WRAPPER): runs the script
-- named by its first argument under pcall, then reports jit.stats().traces on stderr.
local type, tostring, pcall, loadfile = type, tostring, pcall, loadfile
local mtype, format, stderr, stdout = math.type, string.format, io.stderr, io.stdout
local name = assert(arg and arg[1], "usage: lua wrapper.lua script.lua")
local J = jit
arg = { [0] = name }
local chunk, err = loadfile(name)
local ok, msg
if chunk then ok, msg = pcall(chunk) else ok, msg = false, err end
stdout:flush()
if not ok then stderr:write("JIT-SCRIPT-ERROR ", tostring(msg), "\n") end
if J == nil then J = jit end
local why
if type(J) ~= "table" then
  why = "there is no jit module (global 'jit' is " .. type(J) .. ")"
elseif type(J.stats) ~= "function" then
  why = "jit.stats is not a function (it is " .. type(J.stats) .. ")"
else
  local got, stats = pcall(J.stats)
  if not got then
    why = "jit.stats() failed: " .. tostring(stats)
  elseif type(stats) ~= "table" then
    why = "jit.stats() returned a " .. type(stats) .. ", not a table"
  elseif mtype(stats.traces) ~= "integer" then
    why = "jit.stats().traces is not an integer (" .. tostring(stats.traces) .. ")"
  else
    local side = mtype(stats.side) == "integer" and format(" side=%d", stats.side) or ""
    stderr:write(format("JIT-STATS traces=%d%s\n", stats.traces, side))
    return
  end
end
stderr:write("JIT-STATS missing: ", why, "\n")
"#;

/// The counts a [`JIT_STATS_WRAPPER`] run reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitCounts {
    pub traces: u64,
    /// Absent when the `jit` module does not count side traces.
    pub side: Option<u64>,
}

/// The counts a [`JIT_STATS_WRAPPER`] run reported on stderr, or why there are none.
pub fn parse_jit_stats(stderr: &[u8]) -> Result<JitCounts, String> {
    let err = String::from_utf8_lossy(stderr);
    let Some(line) = err.lines().rev().find(|l| l.starts_with("JIT-STATS ")) else {
        return Err("the wrapper reported no JIT-STATS line".to_string());
    };
    let report = &line["JIT-STATS ".len()..];
    if let Some(why) = report.strip_prefix("missing: ") {
        return Err(why.to_string());
    }
    let unreadable = || format!("unreadable report {line:?}");
    let mut words = report.split_whitespace();
    let count =
        |w: Option<&str>, key: &str| w.and_then(|w| w.strip_prefix(key)?.parse::<u64>().ok());
    let traces = count(words.next(), "traces=").ok_or_else(unreadable)?;
    let side = match words.next() {
        None => None,
        w => Some(count(w, "side=").ok_or_else(unreadable)?),
    };
    Ok(JitCounts { traces, side })
}

/// Whether a [`JIT_STATS_WRAPPER`] run shows at least `expected` traces: `None` when it does,
/// else the failure (`expected at least N traces, got M`, or why no count came back).
pub fn check_jit_traces(expected: u64, run: &Outcome, limit: Duration) -> Option<String> {
    check_jit_count(expected, "traces", |c| Some(c.traces), run, limit)
}

/// Whether a [`JIT_STATS_WRAPPER`] run shows at least `expected` side traces (as
/// [`check_jit_traces`]).
pub fn check_jit_side(expected: u64, run: &Outcome, limit: Duration) -> Option<String> {
    check_jit_count(expected, "side traces", |c| c.side, run, limit)
}

fn check_jit_count(
    expected: u64,
    what: &str,
    pick: fn(&JitCounts) -> Option<u64>,
    run: &Outcome,
    limit: Duration,
) -> Option<String> {
    if run.exit == Exit::TimedOut {
        return Some(format!(
            "counting {what}: timed out after {}s",
            limit.as_secs()
        ));
    }
    let counts = parse_jit_stats(&run.stderr).and_then(|c| {
        pick(&c).ok_or_else(|| format!("jit.stats() has no integer count of {what}"))
    });
    match counts {
        Ok(got) if got >= expected => None,
        Ok(got) => Some(format!("expected at least {expected} {what}, got {got}")),
        Err(why) => {
            let mut msg = format!("expected at least {expected} {what}, cannot count them: {why}");
            if run.exit != Exit::Code(0) {
                msg.push_str(&format!(
                    " ({}; stderr: {})",
                    run.exit,
                    run.stderr_first_line()
                ));
            }
            Some(msg)
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
            let markers = Markers::parse(&source).unwrap_or_else(|e| panic!("{name}: {e}"));
            Script { markers, name }
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
        assert_eq!(
            m,
            Ok(Markers {
                expect_error: true,
                ..Markers::default()
            })
        );
        let m = Markers::parse("-- nondeterministic (prints addresses)\n").unwrap();
        assert!(m.nondeterministic && !m.expect_error && m.jit_traces.is_none());
        let m = Markers::parse("-- plain\n-- jit-traces>=3\n").unwrap();
        assert_eq!(m.jit_traces, None);
    }

    #[test]
    fn jit_traces_marker_reads_its_count() {
        let m = Markers::parse("-- Hot loops. -- jit-traces>=12\nlocal x\n").unwrap();
        assert_eq!(m.jit_traces, Some(12));
        let m = Markers::parse("-- jit-traces>=0 -- expect-error: boom").unwrap();
        assert_eq!(m.jit_traces, Some(0));
        assert!(m.expect_error);
        // The count ends at the first non-digit.
        let m = Markers::parse("-- loops (-- jit-traces>=7), -- nondeterministic").unwrap();
        assert_eq!(m.jit_traces, Some(7));
        assert!(m.nondeterministic);
        assert_eq!(Markers::parse("").unwrap().jit_traces, None);
        let m = Markers::parse("-- branchy -- jit-traces>=2 -- jit-side>=1\n").unwrap();
        assert_eq!((m.jit_traces, m.jit_side), (Some(2), Some(1)));
        for bad in [
            "-- jit-side>=",
            "-- jit-side=1",
            "-- jit-traces>=",
            "-- jit-traces>=x",
            "-- jit-traces>= 3",
            "-- jit-traces=3",
            "-- jit-traces>3",
            "-- jit-traces>=99999999999999999999999",
        ] {
            let e = Markers::parse(bad).unwrap_err();
            assert!(e.contains("malformed marker"), "{bad}: {e}");
        }
    }

    #[test]
    fn jit_stats_lines_are_read_and_judged() {
        let counts = |traces, side| Ok(JitCounts { traces, side });
        assert_eq!(parse_jit_stats(b"JIT-STATS traces=5\n"), counts(5, None));
        assert_eq!(
            parse_jit_stats(b"JIT-STATS traces=5 side=2\n"),
            counts(5, Some(2))
        );
        assert_eq!(
            parse_jit_stats(b"Lua warning: x\nJIT-SCRIPT-ERROR a.lua:1: e\nJIT-STATS traces=0\n"),
            counts(0, None)
        );
        assert!(parse_jit_stats(b"JIT-STATS traces=5 side=x\n")
            .unwrap_err()
            .contains("unreadable"));
        assert_eq!(
            parse_jit_stats(b"JIT-STATS missing: there is no jit module\n"),
            Err("there is no jit module".to_string())
        );
        assert!(parse_jit_stats(b"")
            .unwrap_err()
            .contains("no JIT-STATS line"));
        assert!(parse_jit_stats(b"JIT-STATS traces=many\n")
            .unwrap_err()
            .contains("unreadable"));
        let run = |exit, err: &str| Outcome {
            exit,
            stdout: Vec::new(),
            stderr: err.as_bytes().to_vec(),
        };
        let limit = Duration::from_secs(5);
        let ok = run(Exit::Code(0), "JIT-STATS traces=4 side=3\n");
        assert_eq!(check_jit_traces(4, &ok, limit), None);
        assert_eq!(check_jit_side(3, &ok, limit), None);
        assert_eq!(
            check_jit_side(4, &ok, limit).as_deref(),
            Some("expected at least 4 side traces, got 3")
        );
        let no_side = run(Exit::Code(0), "JIT-STATS traces=4\n");
        assert!(check_jit_side(1, &no_side, limit)
            .unwrap()
            .contains("no integer count of side traces"));
        assert_eq!(
            check_jit_traces(5, &ok, limit).as_deref(),
            Some("expected at least 5 traces, got 4")
        );
        let missing = run(
            Exit::Code(0),
            "JIT-STATS missing: jit.stats is not a function\n",
        );
        let msg = check_jit_traces(1, &missing, limit).unwrap();
        assert!(msg.contains("jit.stats is not a function"), "{msg}");
        let crashed = run(Exit::Signal, "thread 'main' panicked at x\n");
        let msg = check_jit_traces(1, &crashed, limit).unwrap();
        assert!(
            msg.contains("no JIT-STATS line") && msg.contains("panicked"),
            "{msg}"
        );
        let slow = run(Exit::TimedOut, "");
        assert!(check_jit_traces(1, &slow, limit)
            .unwrap()
            .contains("timed out"));
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
