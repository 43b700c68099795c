//! The Lua benchmarks of are-we-fast-yet (AWFY, github.com/smarr/are-we-fast-yet,
//! `benchmarks/Lua`) as an optional, external addition to our own scripts.
//!
//! Nothing of AWFY is in this repository: the checkout lives elsewhere and is named by the
//! environment variable [`ENV`] (`AWFY_DIR`), either its `benchmarks/Lua` directory or the
//! repository's root. Unset means "skip, saying so"; set to something that is not such a
//! directory is an error (as for the external test suites, docs/suites.md).
//!
//! A benchmark runs through AWFY's own harness, from the benchmark directory (the files
//! `require` each other): `lua harness.lua <Name> <outer> <inner>`. The harness runs the
//! benchmark `outer` times, each run doing `inner` inner iterations and checking its result;
//! a wrong result makes it raise an error (exit status 1). It prints one line per completed
//! run (`<Name>: iterations=1 runtime: ...`), then a summary (`<Name>: iterations=<outer>
//! average: ...`) and `Total Runtime: ...`. [`check_output`] accepts a run only if all of
//! these are there, so an early exit that still returns status 0 does not pass either.
//!
//! Several benchmarks use `inner` as a problem size and only know the right result for a few
//! sizes (CD: the number of aircraft; Havlak, Mandelbrot, NBody likewise); for those the
//! counts below are sizes the benchmark checks, and time is scaled with `outer` instead.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The environment variable naming the AWFY checkout.
pub const ENV: &str = "AWFY_DIR";

/// The harness file every benchmark runs through.
pub const HARNESS: &str = "harness.lua";

/// One AWFY benchmark and the iteration counts we run it with.
#[derive(Clone, Copy, Debug)]
pub struct Benchmark {
    /// The class name the harness takes (its file is the lower-cased name plus `.lua`).
    pub name: &'static str,
    /// Counts for `compare`: (outer, inner), about 0.5-1 s under reference Lua 5.4.
    pub default: (u32, u32),
    /// Counts for the quick test: a few milliseconds to a few hundred.
    pub tiny: (u32, u32),
    /// Takes far longer than a second even at its smallest checked size; only run when asked.
    pub long: bool,
}

impl Benchmark {
    /// The benchmark's own file, which must exist in the AWFY directory.
    pub fn file_name(&self) -> String {
        format!("{}.lua", self.name.to_lowercase())
    }

    /// The row label in `compare`'s table.
    pub fn label(&self) -> String {
        format!("awfy/{}", self.name)
    }
}

const fn b(name: &'static str, default: (u32, u32), tiny: (u32, u32)) -> Benchmark {
    Benchmark {
        name,
        default,
        tiny,
        long: false,
    }
}

/// The benchmarks, in table order, with their counts. Default counts were chosen from
/// single runs of reference Lua 5.4 (`bench-reflua`) on the 2-core development machine;
/// the times in the comments are those runs (outer x inner).
pub const BENCHMARKS: &[Benchmark] = &[
    b("Bounce", (1, 1000), (2, 10)),     // 0.78 s
    b("CD", (1, 100), (2, 10)),          // 0.85 s; inner = aircraft, checked: 2 10 100 200 ...
    b("DeltaBlue", (1, 6000), (2, 100)), // 0.9-1.0 s; grows faster than linearly with inner
    b("Json", (1, 70), (2, 2)),          // 0.87 s
    b("List", (1, 1500), (2, 10)),       // 0.56 s
    b("Mandelbrot", (1, 750), (2, 1)),   // 0.89 s; inner = image size, checked: 1 500 750
    b("NBody", (1, 250000), (2, 1)),     // 0.90 s; inner = steps, checked: 1 250000
    b("Permute", (1, 1000), (2, 10)),    // 0.81 s
    b("Queens", (1, 1000), (2, 10)),     // 0.73 s
    b("Richards", (1, 20), (2, 1)),      // 0.70-0.86 s
    b("Sieve", (1, 2500), (2, 10)),      // 0.57 s
    b("Storage", (1, 400), (2, 10)),     // 0.81 s
    b("Towers", (1, 400), (2, 10)),      // 0.79 s
    // inner is the number of dummy loops, checked: 1 15 150 1500 15000. Even 1 takes about
    // 12 s under reference Lua (the fixed part, building and analysing the graph, dominates).
    Benchmark {
        name: "Havlak",
        default: (1, 1),
        tiny: (1, 1),
        long: true,
    },
];

/// The AWFY benchmark directory named by [`ENV`]: `Ok(None)` when the variable is unset.
pub fn dir_from_env() -> Result<Option<PathBuf>, String> {
    match std::env::var_os(ENV) {
        None => Ok(None),
        Some(v) => resolve_dir(Path::new(&v))
            .map(Some)
            .map_err(|e| format!("{ENV}: {e}")),
    }
}

/// `path` itself when it holds the harness, else its `benchmarks/Lua`; an error when `path`
/// is not a directory or neither place holds the harness.
pub fn resolve_dir(path: &Path) -> Result<PathBuf, String> {
    if !path.is_dir() {
        return Err(format!("{} is not a directory", path.display()));
    }
    let nested = path.join("benchmarks").join("Lua");
    for dir in [path.to_path_buf(), nested] {
        if dir.join(HARNESS).is_file() {
            return Ok(dir);
        }
    }
    Err(format!(
        "no {HARNESS} in {} or in its benchmarks/Lua \
         (expected an are-we-fast-yet checkout; see docs/benchmarks.md)",
        path.display()
    ))
}

/// The script arguments for one run (to follow the interpreter's own options).
pub fn args(b: &Benchmark, (outer, inner): (u32, u32)) -> Vec<String> {
    vec![
        HARNESS.to_string(),
        b.name.to_string(),
        outer.to_string(),
        inner.to_string(),
    ]
}

/// Whether a run's stdout shows that the harness completed `outer` checked runs of `name`.
/// (Exit status 0 is checked by the caller; a failed check exits with status 1.)
pub fn check_output(name: &str, outer: u32, stdout: &str) -> Result<(), String> {
    let run_line = format!("{name}: iterations=1 runtime:");
    let summary = format!("{name}: iterations={outer} average:");
    let runs = stdout.lines().filter(|l| l.starts_with(&run_line)).count();
    let summarised = stdout.lines().any(|l| l.starts_with(&summary));
    let total = stdout.lines().any(|l| l.starts_with("Total Runtime:"));
    if runs == outer as usize && summarised && total {
        return Ok(());
    }
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)");
    Err(format!(
        "harness did not report {outer} checked runs ({runs} run lines, summary {}, total {}); \
         last line: {}",
        if summarised { "present" } else { "missing" },
        if total { "present" } else { "missing" },
        last.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_check() {
        let ok = "Starting X benchmark ...\nX: iterations=1 runtime: 5us\n\
                  X: iterations=1 runtime: 4us\nX: iterations=2 average: 4us total: 9us\n\n\
                  Total Runtime: 9us\n";
        assert!(check_output("X", 2, ok).is_ok());
        assert!(check_output("X", 3, ok).is_err());
        assert!(check_output("Y", 2, ok).is_err());
        let cut = "Starting X benchmark ...\nX: iterations=1 runtime: 5us\n";
        assert!(check_output("X", 1, cut).is_err());
    }

    #[test]
    fn names_and_counts() {
        for b in BENCHMARKS {
            assert!(b.default.0 >= 1 && b.default.1 >= 1 && b.tiny.0 >= 1 && b.tiny.1 >= 1);
            assert_eq!(b.label(), format!("awfy/{}", b.name));
        }
        assert_eq!(BENCHMARKS[0].file_name(), "bounce.lua");
    }
}
