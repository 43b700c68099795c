//! `compare`: whole-process comparison of our `lua` against reference Lua 5.4.
//!
//! ```text
//! cargo run --release -p benches --bin compare -- [--runs N] [--filter SUBSTR]
//!     [--size default|small|tiny] [--no-build] [--no-startup] [--record]
//!     [--awfy DIR] [--awfy-long]
//! ```
//!
//! Every script in `benches/scripts/checksums.txt` is run as a separate process under each
//! implementation: our `target/release/lua` with `-joff` and with `-jon`, reference Lua 5.4
//! (`bench-reflua`, mlua-sys's vendored PUC build), and `lua5.4` / `luajit` when they are on
//! PATH. Each run's output is checked against the recorded checksum line; a run that fails or
//! prints something else is reported, not timed. Wall time (median of the runs) and peak
//! resident set size (`ru_maxrss` from `wait4`, the largest over the runs) go into a markdown
//! table with, for each of our modes, the ratio reference time / our time (above 1 means we
//! are faster) and the geometric mean of each ratio column. A start-up row times `-e ''`.
//!
//! When `--awfy DIR` or the environment variable `AWFY_DIR` names a checkout of
//! are-we-fast-yet (its `benchmarks/Lua` directory or its root; see `benches::awfy`), each of
//! its Lua benchmarks adds a row `awfy/<Name>`, run through AWFY's own harness from that
//! directory at the counts in `benches::awfy::BENCHMARKS` (the default ones, or the tiny ones
//! with `--size tiny`); a run counts only when the harness reports all its runs checked.
//! Those rows get their own geometric mean, `geometric mean (AWFY)`, so the first one keeps
//! meaning "our scripts". Havlak takes about 12 s per run even at its smallest checked size
//! and is only run with `--awfy-long`.
//!
//! The machine this runs on is noisy, so the implementations take turns: run 1 of every
//! implementation, then run 2 of every implementation, and so on, so that a burst of
//! background load spreads over all of them instead of penalising one.
//!
//! Unless `--no-build` is given it first runs `cargo build --release -p lua-cmd -p benches --bins`
//! (a no-op when up to date) so the binaries it times are current. `--record` instead rewrites
//! the expected lines of `checksums.txt` from reference Lua (in-process) and exits.
//!
//! Linux only: `ru_maxrss` is read in kilobytes, as Linux reports it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benches::awfy;
use benches::manifest::{self, Script};

// ---------------------------------------------------------------------------------------------
// Running one process and measuring it

mod sys {
    //! The one system call std does not wrap: `wait4`, which reaps a child and reports its
    //! resource usage (for the peak RSS).

    use std::ffi::{c_int, c_long};

    #[repr(C)]
    struct Timeval {
        tv_sec: c_long,
        tv_usec: c_long,
    }

    /// `struct rusage` as Linux lays it out: two timevals and fourteen longs.
    #[repr(C)]
    struct Rusage {
        ru_utime: Timeval,
        ru_stime: Timeval,
        ru_maxrss: c_long,
        rest: [c_long; 13],
    }

    extern "C" {
        fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut Rusage) -> c_int;
    }

    /// Wait for child `pid` to exit; returns (exit code or None if killed by a signal, peak
    /// RSS in KiB).
    pub fn wait_rusage(pid: u32) -> std::io::Result<(Option<i32>, u64)> {
        let mut status: c_int = 0;
        let mut ru = Rusage {
            ru_utime: Timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            ru_stime: Timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
            ru_maxrss: 0,
            rest: [0; 13],
        };
        loop {
            // SAFETY: `status` and `ru` are live, writable and laid out as the kernel expects
            // (`Rusage` matches Linux's struct rusage); `pid` is our own unreaped child.
            let r = unsafe { wait4(pid as c_int, &mut status, 0, &mut ru) };
            if r == pid as c_int {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        let code = if status & 0x7f == 0 {
            Some((status >> 8) & 0xff)
        } else {
            None
        };
        Ok((code, ru.ru_maxrss.max(0) as u64))
    }
}

/// One measured process run.
struct Measured {
    wall: Duration,
    rss_kib: u64,
    stdout: String,
}

/// Run `program args...` in `cwd`; Err carries the reason and the first line of stderr.
fn run_once(program: &Path, args: &[String], cwd: &Path) -> Result<Measured, String> {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    // wait4 reaps the child; `child` is only dropped afterwards, which does not wait again.
    let (code, rss_kib) = sys::wait_rusage(child.id()).map_err(|e| format!("wait4: {e}"))?;
    let wall = start.elapsed();
    let stderr = err_reader.join().unwrap_or_default();
    drop(child);
    match code {
        Some(0) => Ok(Measured {
            wall,
            rss_kib,
            stdout,
        }),
        Some(c) => Err(format!("exit status {c}: {}", first_line(&stderr))),
        None => Err(format!("killed by a signal: {}", first_line(&stderr))),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

// ---------------------------------------------------------------------------------------------
// Implementations

/// One Lua implementation to time.
struct Impl {
    name: &'static str,
    program: PathBuf,
    /// Options placed before the script name.
    options: Vec<String>,
    /// Whether this is one of our modes (gets a ratio column).
    ours: bool,
}

fn find_on_path(cmd: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
}

/// The implementations in table order; the first is the reference the ratios divide by.
fn implementations(bin_dir: &Path) -> Vec<Impl> {
    let ours = bin_dir.join("lua");
    let mut v = vec![
        Impl {
            name: "ref-5.4",
            program: bin_dir.join("bench-reflua"),
            options: vec![],
            ours: false,
        },
        Impl {
            name: "ours -joff",
            program: ours.clone(),
            options: vec!["-joff".into()],
            ours: true,
        },
        Impl {
            name: "ours -jon",
            program: ours,
            options: vec!["-jon".into()],
            ours: true,
        },
    ];
    for (name, cmd) in [("lua5.4", "lua5.4"), ("luajit", "luajit")] {
        if let Some(p) = find_on_path(cmd) {
            v.push(Impl {
                name,
                program: p,
                options: vec![],
                ours: false,
            });
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Command line

struct Options {
    runs: usize,
    filter: Option<String>,
    size: String,
    build: bool,
    startup: bool,
    record: bool,
    /// `--awfy DIR`; `AWFY_DIR` when not given.
    awfy: Option<PathBuf>,
    awfy_long: bool,
}

const USAGE: &str = "usage: compare [--runs N] [--filter SUBSTR] [--size default|small|tiny] \
                     [--no-build] [--no-startup] [--record] [--awfy DIR] [--awfy-long]";

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        runs: 5,
        filter: None,
        size: "default".into(),
        build: true,
        startup: true,
        record: false,
        awfy: None,
        awfy_long: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |what: &str| args.next().ok_or(format!("{a} needs {what}"));
        match a.as_str() {
            "--runs" => {
                o.runs = value("a number")?
                    .parse()
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or("--runs needs a positive number")?
            }
            "--filter" => o.filter = Some(value("a substring")?),
            "--size" => {
                o.size = value("a size class")?;
                if !manifest::CLASSES.contains(&o.size.as_str()) {
                    return Err(format!("unknown size class {}", o.size));
                }
            }
            "--no-build" => o.build = false,
            "--no-startup" => o.startup = false,
            "--record" => o.record = true,
            "--awfy" => o.awfy = Some(PathBuf::from(value("a directory")?)),
            "--awfy-long" => o.awfy_long = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown option {a}\n{USAGE}")),
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// Recording checksums

/// Rewrite every expected line from an in-process reference run, checking that each
/// script's declared default size agrees with the manifest.
fn record(dir: &Path, scripts: &mut [Script]) -> Result<(), String> {
    for s in scripts.iter_mut() {
        let src = std::fs::read(dir.join(s.file_name())).map_err(|e| format!("{}: {e}", s.name))?;
        let declared = manifest::declared_default(&String::from_utf8_lossy(&src));
        let default = s.size("default").map(|d| d.n.clone());
        if declared != default {
            return Err(format!(
                "{}: script default {declared:?} differs from checksums.txt {default:?}",
                s.name
            ));
        }
        let file = s.file_name();
        for (class, size) in s.sizes.iter_mut() {
            let out = benches::reference::run(&file, &src, &size.n)
                .map_err(|e| format!("{} ({class}): {e}", s.name))?;
            size.expected = out.trim_end().to_string();
            eprintln!("{:<13} {:<7} {}", s.name, class, size.expected);
        }
    }
    std::fs::write(dir.join("checksums.txt"), manifest::render(scripts))
        .map_err(|e| format!("checksums.txt: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Measuring and reporting

/// Results of all runs of one implementation on one row.
#[derive(Default)]
struct Cell {
    times: Vec<Duration>,
    rss_kib: u64,
    error: Option<String>,
}

impl Cell {
    fn median(&self) -> Option<Duration> {
        if self.error.is_some() || self.times.is_empty() {
            return None;
        }
        let mut t = self.times.clone();
        t.sort();
        Some(t[t.len() / 2])
    }
}

/// One table row: a label and what each implementation did.
struct Row {
    label: String,
    cells: Vec<Cell>,
}

/// Run every implementation `runs` times, round-robin, checking output with `check` (which
/// says what is wrong with a run's stdout).
fn measure_row(
    label: &str,
    impls: &[Impl],
    args: &[String],
    cwd: &Path,
    runs: usize,
    check: &dyn Fn(&str) -> Result<(), String>,
) -> Row {
    let mut cells: Vec<Cell> = impls.iter().map(|_| Cell::default()).collect();
    for _ in 0..runs {
        for (imp, cell) in impls.iter().zip(cells.iter_mut()) {
            if cell.error.is_some() {
                continue;
            }
            let mut full = imp.options.clone();
            full.extend(args.iter().cloned());
            match run_once(&imp.program, &full, cwd) {
                Ok(m) => match check(&m.stdout) {
                    Ok(()) => {
                        cell.times.push(m.wall);
                        cell.rss_kib = cell.rss_kib.max(m.rss_kib);
                    }
                    Err(e) => cell.error = Some(e),
                },
                Err(e) => cell.error = Some(e),
            }
        }
    }
    let summary: Vec<String> = impls
        .iter()
        .zip(&cells)
        .map(|(i, c)| format!("{} {}", i.name, fmt_time(c.median())))
        .collect();
    eprintln!("{label}: {}", summary.join(", "));
    Row {
        label: label.to_string(),
        cells,
    }
}

fn fmt_time(t: Option<Duration>) -> String {
    match t {
        None => "FAIL".into(),
        Some(t) if t < Duration::from_millis(100) => format!("{:.1} ms", t.as_secs_f64() * 1e3),
        Some(t) => format!("{:.3} s", t.as_secs_f64()),
    }
}

fn fmt_cell(c: &Cell) -> String {
    match c.median() {
        None => "FAIL".into(),
        Some(_) => format!(
            "{} / {:.1} MB",
            fmt_time(c.median()),
            c.rss_kib as f64 / 1024.0
        ),
    }
}

/// Reference time / our time for one row, when both ran.
fn ratio(row: &Row, ours: usize) -> Option<f64> {
    let r = row.cells[0].median()?.as_secs_f64();
    let o = row.cells[ours].median()?.as_secs_f64();
    (o > 0.0).then(|| r / o)
}

/// The geometric-mean row over `rows`: one cell per ratio column (`what` names the rows).
fn geo_row(label: &str, impls: &[Impl], ours: &[usize], rows: &[Row], what: &str) -> String {
    let mut geo = vec![format!("**{label}**")];
    geo.extend(impls.iter().map(|_| String::new()));
    for &i in ours {
        let rs: Vec<f64> = rows.iter().filter_map(|r| ratio(r, i)).collect();
        geo.push(if rs.is_empty() {
            "-".into()
        } else {
            let g = (rs.iter().map(|r| r.ln()).sum::<f64>() / rs.len() as f64).exp();
            format!("**{g:.2}** ({} {what})", rs.len())
        });
    }
    format!("| {} |", geo.join(" | "))
}

fn print_table(
    impls: &[Impl],
    rows: &[Row],
    awfy_rows: &[Row],
    startup: Option<&Row>,
    size: &str,
    runs: usize,
) {
    let ours: Vec<usize> = (0..impls.len()).filter(|&i| impls[i].ours).collect();
    let awfy_note = if awfy_rows.is_empty() {
        ""
    } else {
        "; `awfy/` rows: are-we-fast-yet's harness at the counts in benches/src/awfy.rs \
         (tiny ones with `--size tiny`)"
    };
    println!(
        "Median wall time / peak RSS of {runs} runs, size `{size}`{awfy_note}; ratio = {} time \
         / our time (above 1: we are faster).\n",
        impls[0].name
    );
    let mut header = vec!["script".to_string()];
    header.extend(impls.iter().map(|i| i.name.to_string()));
    header.extend(ours.iter().map(|&i| format!("ratio {}", impls[i].name)));
    println!("| {} |", header.join(" | "));
    println!("|{}", "---|".repeat(header.len()));
    let line = |row: &Row| {
        let mut cols = vec![row.label.clone()];
        cols.extend(row.cells.iter().map(fmt_cell));
        cols.extend(ours.iter().map(|&i| match ratio(row, i) {
            Some(r) => format!("{r:.2}"),
            None => "-".into(),
        }));
        println!("| {} |", cols.join(" | "));
    };
    for row in rows {
        line(row);
    }
    // With only AWFY rows (`--filter awfy`) an empty mean of our scripts says nothing.
    if !rows.is_empty() || awfy_rows.is_empty() {
        println!(
            "{}",
            geo_row("geometric mean", impls, &ours, rows, "scripts")
        );
    }
    if !awfy_rows.is_empty() {
        for row in awfy_rows {
            line(row);
        }
        println!(
            "{}",
            geo_row(
                "geometric mean (AWFY)",
                impls,
                &ours,
                awfy_rows,
                "benchmarks"
            )
        );
    }
    if let Some(s) = startup {
        line(s);
    }
    let failures: Vec<String> = rows
        .iter()
        .chain(awfy_rows)
        .chain(startup)
        .flat_map(|row| {
            row.cells.iter().zip(impls).filter_map(move |(c, i)| {
                c.error
                    .as_ref()
                    .map(|e| format!("- {} under {}: {e}", row.label, i.name))
            })
        })
        .collect();
    if !failures.is_empty() {
        println!("\nFailures (not timed):\n");
        for f in failures {
            println!("{f}");
        }
    }
}

fn build_binaries() -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "lua-cmd",
            "-p",
            "benches",
            "--bins",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cargo build --release failed".into())
    }
}

fn main_result() -> Result<(), String> {
    let opts = parse_options()?;
    let dir = benches::scripts_dir();
    let mut scripts = manifest::load(&dir)?;
    if opts.record {
        return record(&dir, &mut scripts);
    }
    if opts.build {
        build_binaries()?;
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin_dir = exe.parent().ok_or("no directory for the compare binary")?;
    let impls = implementations(bin_dir);
    for i in impls.iter().take(3) {
        if !i.program.is_file() {
            return Err(format!(
                "{} not found: run `cargo build --release` first",
                i.program.display()
            ));
        }
    }
    let mut rows = Vec::new();
    for s in &scripts {
        if opts
            .filter
            .as_ref()
            .is_some_and(|f| !s.name.contains(f.as_str()))
        {
            continue;
        }
        let Some(size) = s.size(&opts.size) else {
            eprintln!(
                "{}: no `{}` size in checksums.txt, skipped",
                s.name, opts.size
            );
            continue;
        };
        let expected = size.expected.clone();
        let check = move |out: &str| {
            if manifest::matches(out, &expected) {
                Ok(())
            } else {
                Err(format!("wrong output: {}", first_line(out)))
            }
        };
        let args = vec![s.file_name(), size.n.clone()];
        rows.push(measure_row(&s.name, &impls, &args, &dir, opts.runs, &check));
    }
    let awfy_rows = match awfy_dir(&opts)? {
        Some(awfy) => measure_awfy(&awfy, &impls, &opts),
        None => Vec::new(),
    };
    let startup = opts.startup.then(|| {
        let args = vec!["-e".to_string(), String::new()];
        measure_row("startup (-e '')", &impls, &args, &dir, opts.runs, &|out| {
            if out.is_empty() {
                Ok(())
            } else {
                Err(format!("wrong output: {}", first_line(out)))
            }
        })
    });
    print_table(
        &impls,
        &rows,
        &awfy_rows,
        startup.as_ref(),
        &opts.size,
        opts.runs,
    );
    Ok(())
}

/// The AWFY benchmark directory from `--awfy` or `AWFY_DIR`; `None` (with a note) when neither
/// is given, an error when the one given is not an AWFY checkout.
fn awfy_dir(opts: &Options) -> Result<Option<PathBuf>, String> {
    let dir = match &opts.awfy {
        Some(d) => Some(awfy::resolve_dir(d).map_err(|e| format!("--awfy: {e}"))?),
        None => awfy::dir_from_env()?,
    };
    if dir.is_none() {
        eprintln!(
            "are-we-fast-yet benchmarks skipped: {} is not set (see docs/benchmarks.md)",
            awfy::ENV
        );
    }
    Ok(dir)
}

/// One row per AWFY benchmark present in `dir` and selected by the filter, each run through
/// the harness in `dir` at its default counts (its tiny ones with `--size tiny`).
fn measure_awfy(dir: &Path, impls: &[Impl], opts: &Options) -> Vec<Row> {
    let mut rows = Vec::new();
    for b in awfy::BENCHMARKS {
        let label = b.label();
        if opts
            .filter
            .as_ref()
            .is_some_and(|f| !label.contains(f.as_str()))
        {
            continue;
        }
        if !dir.join(b.file_name()).is_file() {
            eprintln!(
                "{label}: no {} in {}, skipped",
                b.file_name(),
                dir.display()
            );
            continue;
        }
        if b.long && !opts.awfy_long {
            eprintln!("{label}: skipped, takes over 10 s per run (pass --awfy-long to run it)");
            continue;
        }
        let counts = if opts.size == "tiny" {
            b.tiny
        } else {
            b.default
        };
        let check = move |out: &str| awfy::check_output(b.name, counts.0, out);
        let args = awfy::args(b, counts);
        rows.push(measure_row(&label, impls, &args, dir, opts.runs, &check));
    }
    rows
}

fn main() -> std::process::ExitCode {
    match main_result() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
