//! `jitfuzz`: differential fuzzing of the JIT (see `lua_tests::fuzz` and docs/testing.md).
//!
//! ```text
//! jitfuzz [--seeds A..B | --count N [--start S]] [--reference] [--keep DIR] [--jobs N]
//!         [--timeout SECS]
//! jitfuzz --print SEED
//! ```
//!
//! For every seed it generates a program and runs it under our `lua` with `-joff` and with
//! `-Ohotloop=1,2,7,56`; with `--reference` also under reference Lua 5.4, which must agree
//! with `-joff`. It prints one line per failing seed (the failing modes and the first
//! difference), keeps failing programs with a report in `--keep DIR` (default
//! /tmp/jitfuzz-failures), ends with `N programs, M failures` and exits with status 1 if any
//! program failed.
//!
//! Our `lua` and the reference are this very binary, re-executed with `JITFUZZ_RUN_AS` set to
//! `ourlua` or `reflua`: so `cargo run --bin jitfuzz` always tests the interpreter and JIT it
//! was just built with, whatever other binaries in the target directory may be stale.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lua_tests::fuzz::harness::{jit_modes, script_name, Failure, Fuzzer, LuaCommand};

#[path = "reflua.rs"]
mod reflua;

const RUN_AS: &str = "JITFUZZ_RUN_AS";

const USAGE: &str = "usage: jitfuzz [--seeds A..B | --count N [--start S]] [--reference] \
[--keep DIR] [--jobs N] [--timeout SECS]\n       jitfuzz --print SEED\n\
  --seeds A..B   seeds A to B-1\n\
  --count N      N seeds from --start (default: 1000 seeds from 1)\n\
  --reference    also run reference Lua 5.4, which must agree with -joff\n\
  --keep DIR     where failing programs are kept (default /tmp/jitfuzz-failures)\n\
  --jobs N       programs run at once (default: the number of CPUs)\n\
  --timeout SECS per-process time limit (default 10)\n\
  --print SEED   print the program for SEED and exit";

struct Options {
    seeds: std::ops::Range<u64>,
    reference: bool,
    keep: PathBuf,
    jobs: usize,
    timeout: Duration,
    print: Option<u64>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seeds: 1..1001,
        reference: false,
        keep: PathBuf::from("/tmp/jitfuzz-failures"),
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        timeout: Duration::from_secs(10),
        print: None,
    };
    let (mut count, mut start, mut range) = (None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs {what}"))
        };
        let num = |s: String| -> Result<u64, String> {
            s.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {s}"))
        };
        match a.as_str() {
            "--seeds" => {
                let v = value("A..B")?;
                let (x, y) = v
                    .split_once("..")
                    .ok_or_else(|| format!("--seeds wants A..B, got {v}"))?;
                let (x, y) = (num(x.to_string())?, num(y.to_string())?);
                if y < x {
                    return Err(format!("--seeds {v}: empty range"));
                }
                range = Some(x..y);
            }
            "--count" => count = Some(num(value("a number")?)?),
            "--start" => start = Some(num(value("a number")?)?),
            "--reference" => o.reference = true,
            "--keep" => o.keep = PathBuf::from(value("a directory")?),
            "--jobs" => o.jobs = num(value("a number")?)?.max(1) as usize,
            "--timeout" => o.timeout = Duration::from_secs(num(value("seconds")?)?.max(1)),
            "--print" => o.print = Some(num(value("a seed")?)?),
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    match (range, count, start) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err("give either --seeds or --count/--start".into())
        }
        (Some(r), None, None) => o.seeds = r,
        (None, c, s) => {
            let s = s.unwrap_or(1);
            o.seeds = s..s.saturating_add(c.unwrap_or(1000));
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    // Re-executed as one of the Lua commands.
    match std::env::var(RUN_AS).as_deref() {
        Ok("ourlua") => std::process::exit(repl::run(std::env::args_os().collect())),
        Ok("reflua") => return reflua::main(),
        _ => {}
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("jitfuzz: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(seed) = opts.print {
        print!("{}", lua_tests::fuzz::generate(seed));
        return ExitCode::SUCCESS;
    }
    let me = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("jitfuzz: cannot find my own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let as_cmd = |what: &str| {
        let mut c = LuaCommand::new(&me);
        c.env.push((RUN_AS.to_string(), what.to_string()));
        c
    };
    let mut fuzzer = Fuzzer::new(
        as_cmd("ourlua"),
        opts.reference.then(|| as_cmd("reflua")),
        jit_modes(),
        opts.timeout,
    );
    fuzzer.keep = Some(opts.keep.clone());
    run(&fuzzer, &opts)
}

fn run(fuzzer: &Fuzzer, opts: &Options) -> ExitCode {
    let total = opts.seeds.end - opts.seeds.start;
    let next = AtomicU64::new(opts.seeds.start);
    let done = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    // Held while reporting; holds when the next progress line is due.
    let lock = Mutex::new(0usize);
    let started = Instant::now();
    let progress_every = (total / 20).clamp(50, 1000) as usize;
    *lock.lock().unwrap_or_else(|e| e.into_inner()) = progress_every;
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.min(total.max(1) as usize) {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= opts.seeds.end {
                    break;
                }
                let failures = fuzzer.check_seed(seed);
                let mut next_progress = lock.lock().unwrap_or_else(|e| e.into_inner());
                if !failures.is_empty() {
                    failed.fetch_add(1, Ordering::Relaxed);
                    println!("{}", one_line(seed, &failures, &opts.keep));
                    let _ = std::io::stdout().flush();
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n >= *next_progress && (n as u64) < total {
                    *next_progress += progress_every;
                    eprintln!(
                        "... {n}/{total} programs, {} failures, {:.0}s",
                        failed.load(Ordering::Relaxed),
                        started.elapsed().as_secs_f64()
                    );
                }
            });
        }
    });
    let failed = failed.load(Ordering::Relaxed);
    println!("{total} programs, {failed} failures");
    if failed > 0 {
        println!(
            "failing programs and reports are in {} (jitfuzz_SEED.lua, jitfuzz_SEED.txt)",
            opts.keep.display()
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `FAIL seed N [modes]: first difference (program: path)` on one line.
fn one_line(seed: u64, failures: &[Failure], keep: &std::path::Path) -> String {
    let modes: Vec<&str> = failures.iter().map(|f| f.mode.as_str()).collect();
    let first = failures[0]
        .report
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "FAIL seed {seed} [{}]: {first} (program: {})",
        modes.join(", "),
        keep.join(script_name(seed)).display()
    )
}
