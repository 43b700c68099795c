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
/// on, every loop hot at once, every loop and every exit hot at once (side traces
/// everywhere), and every loop hot at once with 16 KB of code memory in 4 KB areas (all
/// traces flushed every few traces, often from inside call-outs, and the memory reused).
pub const MODES: [(&str, &[&str]); 5] = [
    ("-joff", &["-joff"]),
    ("default", &[]),
    ("-Ohotloop=1", &["-Ohotloop=1"]),
    ("-Ohotexit=1", &["-Ohotloop=1", "-Ohotexit=1"]),
    (
        "-Omaxmcode=16",
        &["-Ohotloop=1", "-Omaxmcode=16", "-Osizemcode=4"],
    ),
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

/// A counter of `jit.stats()` that a script's first line can require a minimum of, with a
/// count marker `<marker>N` (see [`JIT_COUNTERS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitCounter {
    /// The text that starts the marker; the count follows directly (`-- jit-traces>=`).
    pub marker: &'static str,
    /// The field of the table `jit.stats()` returns that holds the count.
    pub field: &'static str,
    /// What it counts, for failure messages (`expected at least N <what>, got M`).
    pub what: &'static str,
}

/// `-- jit-traces>=N`: traces compiled (`jit.stats().traces`).
pub const JIT_TRACES: JitCounter = JitCounter {
    marker: "-- jit-traces>=",
    field: "traces",
    what: "traces",
};
/// `-- jit-side>=N`: side traces among them (`jit.stats().side`).
pub const JIT_SIDE: JitCounter = JitCounter {
    marker: "-- jit-side>=",
    field: "side",
    what: "side traces",
};
/// `-- jit-callouts>=N`: calls traces made through call-outs (`jit.stats().callouts`).
pub const JIT_CALLOUTS: JitCounter = JitCounter {
    marker: "-- jit-callouts>=",
    field: "callouts",
    what: "call-outs",
};
/// `-- jit-nested>=N`: traces entered while another trace was running
/// (`jit.stats().nested_entries`).
pub const JIT_NESTED: JitCounter = JitCounter {
    marker: "-- jit-nested>=",
    field: "nested_entries",
    what: "nested trace entries",
};
/// `-- jit-depth>=N`: the most traces running at once on one thread's stack
/// (`jit.stats().max_depth`).
pub const JIT_DEPTH: JitCounter = JitCounter {
    marker: "-- jit-depth>=",
    field: "max_depth",
    what: "levels of trace nesting (max_depth)",
};

/// Every count marker, in the order [`Markers::jit_mins`] and [`JitCounts::counts`] keep them.
/// `traces` comes first: the [`JIT_STATS_WRAPPER`] always reports it.
pub const JIT_COUNTERS: [JitCounter; 5] =
    [JIT_TRACES, JIT_SIDE, JIT_CALLOUTS, JIT_NESTED, JIT_DEPTH];

/// The position of `counter` in [`JIT_COUNTERS`]; it must be one of them.
fn counter_index(counter: &JitCounter) -> usize {
    JIT_COUNTERS
        .iter()
        .position(|c| c == counter)
        .unwrap_or_else(|| panic!("{counter:?} is not one of JIT_COUNTERS"))
}

/// What a script's first line says about how to check it.
///
/// The count markers (`-- jit-traces>=N`, `-- jit-side>=N`, `-- jit-callouts>=N`,
/// `-- jit-nested>=N`, `-- jit-depth>=N`; see [`JIT_COUNTERS`]) each require that counter of
/// `jit.stats()` to be at least `N` after the script ran once more with `-Ohotloop=1` through
/// [`JIT_STATS_WRAPPER`]. Any one of them makes that run happen; each is checked on its own
/// (`-- jit-side>=1` alone requires no count of traces).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Markers {
    /// `-- nondeterministic`: do not compare stdout with the reference.
    pub nondeterministic: bool,
    /// `-- expect-error`: the script must fail (exit 1) under the reference, and ours must fail
    /// with the same first stderr line.
    pub expect_error: bool,
    /// The count markers' minimums, one per entry of [`JIT_COUNTERS`] in its order; `None`
    /// where the line has no such marker. Read them with [`Markers::jit_min`] and
    /// [`Markers::jit_required`].
    pub jit_mins: [Option<u64>; JIT_COUNTERS.len()],
}

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

/// An error for the first `-- jit-<name>` in line `first` whose name is not one of
/// [`JIT_COUNTERS`] (`-- jit-callout>=1`), so a misspelt count marker is not quietly ignored.
fn unknown_jit_marker(first: &str) -> Result<(), String> {
    const PREFIX: &str = "-- jit-";
    for (at, _) in first.match_indices(PREFIX) {
        let rest = &first[at + PREFIX.len()..];
        let name = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(rest, |end| &rest[..end]);
        let known = JIT_COUNTERS
            .iter()
            .any(|c| c.marker.trim_end_matches(">=") == format!("{PREFIX}{name}"));
        if !known {
            let markers: Vec<String> = JIT_COUNTERS
                .iter()
                .map(|c| format!("'{}N'", c.marker))
                .collect();
            return Err(format!(
                "unknown marker '{PREFIX}{name}': the count markers are {}",
                markers.join(", ")
            ));
        }
    }
    Ok(())
}

impl Markers {
    /// Read the markers from the first line of `source` (see [`count_marker`] for the
    /// count markers; a `-- jit-<name>` that is none of them is an error too).
    pub fn parse(source: &str) -> Result<Markers, String> {
        let first = source.lines().next().unwrap_or("");
        unknown_jit_marker(first)?;
        let mut jit_mins = [None; JIT_COUNTERS.len()];
        for (min, counter) in jit_mins.iter_mut().zip(&JIT_COUNTERS) {
            *min = count_marker(first, counter.marker)?;
        }
        Ok(Markers {
            nondeterministic: first.contains("-- nondeterministic"),
            expect_error: first.contains("-- expect-error"),
            jit_mins,
        })
    }

    /// The minimum the line requires of `counter` (one of [`JIT_COUNTERS`]), if any.
    pub fn jit_min(&self, counter: &JitCounter) -> Option<u64> {
        self.jit_mins[counter_index(counter)]
    }

    /// Every count the line requires, as `(counter, minimum)` in [`JIT_COUNTERS`] order; empty
    /// when the script needs no run through [`JIT_STATS_WRAPPER`].
    pub fn jit_required(&self) -> Vec<(&'static JitCounter, u64)> {
        JIT_COUNTERS
            .iter()
            .zip(self.jit_mins)
            .filter_map(|(c, min)| Some((c, min?)))
            .collect()
    }
}

/// The JIT mode the count markers are checked in: every loop is hot at once.
pub const JIT_TRACES_OPTION: &str = "-Ohotloop=1";

/// The Lua program that counts a script's traces, run as `ourlua -Ohotloop=1 <wrapper>
/// <script> [field...]` (the fields being those of [`JIT_COUNTERS`], see
/// [`jit_stats_fields`]): it loads the script, runs it under `pcall` (so an expect-error
/// script still gets counted) with `arg` holding only the script's name, and then writes one
/// line to stderr, either `JIT-STATS traces=<n>` with `jit.stats().traces` followed by
/// ` <field>=<n>` for each field asked about whose value is an integer, or
/// `JIT-STATS missing: <why>` when there is no `jit` module, no `jit.stats`, or it does not
/// return a table with an integer `traces`. An error of the script is written as a
/// `JIT-SCRIPT-ERROR <message>` line before it. The functions it needs are captured before the
/// script runs, so a script that replaces globals does not break it.
pub const JIT_STATS_WRAPPER: &str = r#"-- Written by the lua-tests runner (lua-tests/src/lib.rs, JIT_STATS_WRAPPER): runs the script
-- named by its first argument under pcall, then reports jit.stats().traces and the integer
-- fields of jit.stats() named by the further arguments on stderr.
local type, tostring, pcall, loadfile = type, tostring, pcall, loadfile
local mtype, format, stderr, stdout = math.type, string.format, io.stderr, io.stdout
local name = assert(arg and arg[1], "usage: lua wrapper.lua script.lua [field...]")
local fields = {}
for i = 2, #arg do fields[i - 1] = arg[i] end
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
    local line = format("JIT-STATS traces=%d", stats.traces)
    for i = 1, #fields do
      local k = fields[i]
      if k ~= "traces" and mtype(stats[k]) == "integer" then
        line = line .. format(" %s=%d", k, stats[k])
      end
    end
    stderr:write(line, "\n")
    return
  end
end
stderr:write("JIT-STATS missing: ", why, "\n")
"#;

/// The fields of `jit.stats()` to pass to [`JIT_STATS_WRAPPER`] after the script's name: those
/// of every [`JIT_COUNTERS`] entry.
/// (Any lifetime, so they extend a list of borrowed arguments.)
pub fn jit_stats_fields<'a>() -> impl Iterator<Item = &'a str> {
    JIT_COUNTERS.iter().map(|c| -> &'a str { c.field })
}

/// The counts a [`JIT_STATS_WRAPPER`] run reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitCounts {
    /// One per entry of [`JIT_COUNTERS`] in its order; `None` where the report had no integer
    /// for that field (the `jit` module does not count it). `traces` is always there.
    pub counts: [Option<u64>; JIT_COUNTERS.len()],
}

impl JitCounts {
    /// The count of `counter` (one of [`JIT_COUNTERS`]), if reported.
    pub fn get(&self, counter: &JitCounter) -> Option<u64> {
        self.counts[counter_index(counter)]
    }
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
    let mut counts = JitCounts::default();
    for (i, word) in report.split_whitespace().enumerate() {
        let (key, value) = word.split_once('=').ok_or_else(unreadable)?;
        let at = JIT_COUNTERS
            .iter()
            .position(|c| c.field == key)
            .filter(|&at| (at == counter_index(&JIT_TRACES)) == (i == 0))
            .ok_or_else(unreadable)?;
        if counts.counts[at].is_some() {
            return Err(unreadable());
        }
        counts.counts[at] = Some(value.parse::<u64>().map_err(|_| unreadable())?);
    }
    if counts.get(&JIT_TRACES).is_none() {
        return Err(unreadable());
    }
    Ok(counts)
}

/// Whether a [`JIT_STATS_WRAPPER`] run shows at least the minimum of every `(counter, minimum)`
/// in `required` (as [`Markers::jit_required`] gives them): empty when it does, else one
/// failure per counter that fell short (`expected at least N side traces, got M`, or
/// `... cannot count them: <why>` when the report lacks that count), or a single failure when
/// the run timed out or gave no report at all.
pub fn check_jit_counts(
    required: &[(&JitCounter, u64)],
    run: &Outcome,
    limit: Duration,
) -> Vec<String> {
    if required.is_empty() {
        return Vec::new();
    }
    let whats: Vec<&str> = required.iter().map(|(c, _)| c.what).collect();
    if run.exit == Exit::TimedOut {
        return vec![format!(
            "counting {}: timed out after {}s",
            whats.join(" and "),
            limit.as_secs()
        )];
    }
    let cannot = |wanted: String, why: &str| {
        let mut msg = format!("expected at least {wanted}, cannot count them: {why}");
        if run.exit != Exit::Code(0) {
            msg.push_str(&format!(
                " ({}; stderr: {})",
                run.exit,
                run.stderr_first_line()
            ));
        }
        msg
    };
    let counts = match parse_jit_stats(&run.stderr) {
        Ok(counts) => counts,
        Err(why) => {
            let wanted: Vec<String> = required
                .iter()
                .map(|(c, n)| format!("{n} {}", c.what))
                .collect();
            return vec![cannot(wanted.join(" and "), &why)];
        }
    };
    required
        .iter()
        .filter_map(|&(c, expected)| match counts.get(c) {
            Some(got) if got >= expected => None,
            Some(got) => Some(format!(
                "expected at least {expected} {}, got {got}",
                c.what
            )),
            None => Some(cannot(
                format!("{expected} {}", c.what),
                &format!("jit.stats() has no integer count of {}", c.what),
            )),
        })
        .collect()
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
        assert!(m.nondeterministic && !m.expect_error && m.jit_min(&JIT_TRACES).is_none());
        assert!(m.jit_required().is_empty());
        let m = Markers::parse("-- plain\n-- jit-traces>=3 -- jit-depth>=x\n").unwrap();
        assert_eq!(m.jit_min(&JIT_TRACES), None);
        assert_eq!(m, Markers::default());
    }

    #[test]
    fn jit_traces_marker_reads_its_count() {
        let m = Markers::parse("-- Hot loops. -- jit-traces>=12\nlocal x\n").unwrap();
        assert_eq!(m.jit_min(&JIT_TRACES), Some(12));
        assert_eq!(m.jit_required(), vec![(&JIT_TRACES, 12)]);
        let m = Markers::parse("-- jit-traces>=0 -- expect-error: boom").unwrap();
        assert_eq!(m.jit_min(&JIT_TRACES), Some(0));
        assert!(m.expect_error);
        // The count ends at the first non-digit.
        let m = Markers::parse("-- loops (-- jit-traces>=7), -- nondeterministic").unwrap();
        assert_eq!(m.jit_min(&JIT_TRACES), Some(7));
        assert!(m.nondeterministic);
        assert_eq!(Markers::parse("").unwrap().jit_min(&JIT_TRACES), None);
        let m = Markers::parse("-- branchy -- jit-traces>=2 -- jit-side>=1\n").unwrap();
        assert_eq!(
            (m.jit_min(&JIT_TRACES), m.jit_min(&JIT_SIDE)),
            (Some(2), Some(1))
        );
        // A side marker alone still asks for the counting run, but not for a count of traces.
        let m = Markers::parse("-- jit-side>=3").unwrap();
        assert_eq!(m.jit_required(), vec![(&JIT_SIDE, 3)]);
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
    fn callout_nested_and_depth_markers_read_their_counts() {
        let m = Markers::parse(
            "-- calls -- jit-depth>=3 -- jit-callouts>=10 -- jit-nested>=2 -- expect-error",
        )
        .unwrap();
        assert_eq!(m.jit_min(&JIT_CALLOUTS), Some(10));
        assert_eq!(m.jit_min(&JIT_NESTED), Some(2));
        assert_eq!(m.jit_min(&JIT_DEPTH), Some(3));
        assert_eq!((m.jit_min(&JIT_TRACES), m.jit_min(&JIT_SIDE)), (None, None));
        assert!(m.expect_error);
        // In JIT_COUNTERS order, whatever the order on the line.
        assert_eq!(
            m.jit_required(),
            vec![(&JIT_CALLOUTS, 10), (&JIT_NESTED, 2), (&JIT_DEPTH, 3)]
        );
        let all = "-- jit-traces>=1 -- jit-side>=2 -- jit-callouts>=3 -- jit-nested>=4 \
                   -- jit-depth>=5";
        let m = Markers::parse(all).unwrap();
        assert_eq!(m.jit_mins, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
        for c in &JIT_COUNTERS {
            assert_eq!(m.jit_min(c), Some(counter_index(c) as u64 + 1), "{c:?}");
        }
        assert_eq!(
            Markers::parse("-- jit-nested>=0").unwrap().jit_required(),
            vec![(&JIT_NESTED, 0)]
        );
        for bad in [
            "-- jit-depth>=x",
            "-- jit-depth>=",
            "-- jit-depth=2",
            "-- jit-callouts>= 1",
            "-- jit-callouts>1",
            "-- jit-nested>=-1",
            "-- jit-traces>=2 -- jit-depth>=two",
        ] {
            let e = Markers::parse(bad).unwrap_err();
            assert!(e.contains("malformed marker"), "{bad}: {e}");
        }
        let e = Markers::parse("-- jit-depth>=x").unwrap_err();
        assert!(e.contains("'-- jit-depth>='"), "{e}");
        // A count marker of no counter is a mistake too, not a comment.
        for bad in [
            "-- jit-callout>=1",
            "-- jit-max_depth>=2",
            "-- jit-Traces>=1",
        ] {
            let e = Markers::parse(bad).unwrap_err();
            assert!(e.contains("unknown marker"), "{bad}: {e}");
            assert!(e.contains("-- jit-nested>="), "{bad}: {e}");
        }
    }

    #[test]
    fn every_counter_has_its_own_marker_and_field() {
        assert_eq!(JIT_COUNTERS[0], JIT_TRACES);
        let fields: Vec<&str> = jit_stats_fields().collect();
        assert_eq!(
            fields,
            ["traces", "side", "callouts", "nested_entries", "max_depth"]
        );
        for (i, a) in JIT_COUNTERS.iter().enumerate() {
            assert!(
                a.marker.starts_with("-- jit-") && a.marker.ends_with(">="),
                "{a:?}"
            );
            for b in &JIT_COUNTERS[i + 1..] {
                // No marker name may be a prefix of another (count_marker's malformed check).
                let (x, y) = (
                    a.marker.trim_end_matches(">="),
                    b.marker.trim_end_matches(">="),
                );
                assert!(!x.starts_with(y) && !y.starts_with(x), "{a:?} {b:?}");
                assert_ne!(a.field, b.field);
            }
        }
        // The wrapper reports whatever it is asked about.
        assert!(JIT_STATS_WRAPPER.contains("for i = 2, #arg do"));
    }

    fn run(exit: Exit, err: &str) -> Outcome {
        Outcome {
            exit,
            stdout: Vec::new(),
            stderr: err.as_bytes().to_vec(),
        }
    }

    /// `check_jit_counts` for one counter, as the one failure or `None`.
    fn check_one(c: &JitCounter, n: u64, run: &Outcome) -> Option<String> {
        let mut failures = check_jit_counts(&[(c, n)], run, Duration::from_secs(5));
        assert!(failures.len() <= 1, "{failures:?}");
        failures.pop()
    }

    #[test]
    fn jit_stats_lines_are_read_and_judged() {
        let counts = |traces, side| {
            let mut c = JitCounts::default();
            c.counts[0] = Some(traces);
            c.counts[1] = side;
            Ok(c)
        };
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
        let limit = Duration::from_secs(5);
        let ok = run(Exit::Code(0), "JIT-STATS traces=4 side=3\n");
        assert_eq!(check_one(&JIT_TRACES, 4, &ok), None);
        assert_eq!(check_one(&JIT_SIDE, 3, &ok), None);
        assert_eq!(
            check_one(&JIT_SIDE, 4, &ok).as_deref(),
            Some("expected at least 4 side traces, got 3")
        );
        let no_side = run(Exit::Code(0), "JIT-STATS traces=4\n");
        assert!(check_one(&JIT_SIDE, 1, &no_side)
            .unwrap()
            .contains("no integer count of side traces"));
        assert_eq!(
            check_one(&JIT_TRACES, 5, &ok).as_deref(),
            Some("expected at least 5 traces, got 4")
        );
        let missing = run(
            Exit::Code(0),
            "JIT-STATS missing: jit.stats is not a function\n",
        );
        let msg = check_one(&JIT_TRACES, 1, &missing).unwrap();
        assert!(msg.contains("jit.stats is not a function"), "{msg}");
        let crashed = run(Exit::Signal, "thread 'main' panicked at x\n");
        let msg = check_one(&JIT_TRACES, 1, &crashed).unwrap();
        assert!(
            msg.contains("no JIT-STATS line") && msg.contains("panicked"),
            "{msg}"
        );
        let slow = run(Exit::TimedOut, "");
        assert!(check_one(&JIT_TRACES, 1, &slow)
            .unwrap()
            .contains("timed out"));
        assert!(check_jit_counts(&[], &slow, limit).is_empty());
    }

    #[test]
    fn callout_nested_and_depth_counts_are_read_and_judged() {
        let line = b"JIT-STATS traces=9 side=2 callouts=40 nested_entries=6 max_depth=3\n";
        let c = parse_jit_stats(line).unwrap();
        assert_eq!(c.counts, [Some(9), Some(2), Some(40), Some(6), Some(3)]);
        assert_eq!(
            (c.get(&JIT_CALLOUTS), c.get(&JIT_NESTED), c.get(&JIT_DEPTH)),
            (Some(40), Some(6), Some(3))
        );
        // Only the fields the jit module counts are there.
        let c = parse_jit_stats(b"JIT-STATS traces=1 max_depth=1\n").unwrap();
        assert_eq!(c.counts, [Some(1), None, None, None, Some(1)]);
        for bad in [
            "JIT-STATS traces=1 nested_entries=x\n",
            "JIT-STATS traces=1 depth=2\n",
            "JIT-STATS traces=1 max_depth\n",
            "JIT-STATS traces=1 max_depth=1 max_depth=2\n",
            "JIT-STATS side=1 traces=1\n",
            "JIT-STATS callouts=1\n",
            "JIT-STATS \n",
        ] {
            let e = parse_jit_stats(bad.as_bytes()).unwrap_err();
            assert!(e.contains("unreadable"), "{bad}: {e}");
        }
        let limit = Duration::from_secs(5);
        let ok = run(Exit::Code(0), std::str::from_utf8(line).unwrap());
        let all =
            |mins: [u64; 5]| -> Vec<(&JitCounter, u64)> { JIT_COUNTERS.iter().zip(mins).collect() };
        assert!(check_jit_counts(&all([9, 2, 40, 6, 3]), &ok, limit).is_empty());
        assert_eq!(check_one(&JIT_CALLOUTS, 40, &ok), None);
        assert_eq!(
            check_one(&JIT_CALLOUTS, 41, &ok).as_deref(),
            Some("expected at least 41 call-outs, got 40")
        );
        assert_eq!(
            check_one(&JIT_NESTED, 7, &ok).as_deref(),
            Some("expected at least 7 nested trace entries, got 6")
        );
        assert_eq!(
            check_one(&JIT_DEPTH, 4, &ok).as_deref(),
            Some("expected at least 4 levels of trace nesting (max_depth), got 3")
        );
        // Each counter that falls short is reported, the others not.
        assert_eq!(
            check_jit_counts(&all([9, 3, 40, 7, 3]), &ok, limit),
            [
                "expected at least 3 side traces, got 2",
                "expected at least 7 nested trace entries, got 6",
            ]
        );
        let bare = run(Exit::Code(0), "JIT-STATS traces=4\n");
        let msg = check_one(&JIT_DEPTH, 1, &bare).unwrap();
        assert!(
            msg.contains("no integer count of levels of trace nesting (max_depth)"),
            "{msg}"
        );
        // No report at all, or a timeout, is one failure naming every count asked for.
        let missing = run(Exit::Code(1), "JIT-STATS missing: there is no jit module\n");
        let required = [(&JIT_TRACES, 1), (&JIT_CALLOUTS, 2)];
        let msgs = check_jit_counts(&required, &missing, limit);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with("expected at least 1 traces and 2 call-outs, cannot count them:")
                && msgs[0].contains("there is no jit module")
                && msgs[0].contains("exit status 1"),
            "{msgs:?}"
        );
        let slow = run(Exit::TimedOut, "");
        assert_eq!(
            check_jit_counts(&required, &slow, limit),
            ["counting traces and call-outs: timed out after 5s"]
        );
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
