//! Benchmark harness shared by the criterion benches (`benches/scripts.rs`), the whole-process
//! `compare` command and the `bench-reflua` reference runner.
//!
//! The benchmarks themselves are Lua scripts in `benches/scripts/`. Each takes a size in
//! `arg[1]` and prints one checksum line. `scripts/checksums.txt` (the [`manifest`]) records,
//! for every script, three size classes (`default` about 1 s under reference Lua, `small` for
//! criterion, `tiny` for tests) and the exact line reference Lua 5.4 prints at that size;
//! every harness checks a run's output against it before trusting the run's time.
//!
//! Two in-process runners execute a script with a given size and return what it printed:
//! [`ours`] (lua-core, JIT on or off) and [`reference`] (PUC Lua 5.4 through mlua-sys). Both
//! install the same Lua-level `print` replacement ([`CAPTURE_PRELUDE`]) so output is captured
//! the same way in both VMs and the cost of capturing is the same.
//!
//! [`awfy`] describes the are-we-fast-yet benchmarks, which `compare` and `tests/awfy.rs` run
//! from a checkout outside this repository when `AWFY_DIR` names one.
//!
//! Unsafe code: only [`reference`] (the C API of reference Lua) and the `wait4` call in the
//! `compare` binary.

pub mod awfy;
pub mod manifest;
pub mod ours;
pub mod reference;

use std::path::PathBuf;

/// Directory holding the benchmark scripts and `checksums.txt`.
pub fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts")
}

/// Lua code run before a script in-process: sets `arg` like the `lua` command would (script
/// name at 0, the size at 1) and replaces `print` with a function that appends the line to
/// the global [`OUTPUT_GLOBAL`] instead of writing to stdout. Uses only the base library, so it
/// works before the string and table libraries exist. `%SCRIPT%` and `%N%` are substituted.
pub const CAPTURE_PRELUDE: &str = r##"
arg = { [0] = "%SCRIPT%", "%N%" }
__bench_output = ""
print = function(...)
  local line = ""
  for i = 1, select("#", ...) do
    if i > 1 then line = line .. "\t" end
    line = line .. tostring((select(i, ...)))
  end
  __bench_output = __bench_output .. line .. "\n"
end
"##;

/// The global the captured output accumulates in.
pub const OUTPUT_GLOBAL: &str = "__bench_output";

/// The prelude for one run of `script` (a file name) with size `n`.
pub fn prelude(script: &str, n: &str) -> String {
    CAPTURE_PRELUDE
        .replace("%SCRIPT%", script)
        .replace("%N%", n)
}

/// Which Lua runs a script in-process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// lua-core with the JIT hook installed but disabled (`-joff`).
    OursJitOff,
    /// lua-core with the JIT enabled (`-jon`).
    OursJitOn,
    /// PUC Lua 5.4 built by mlua-sys.
    Reference,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Reference, Engine::OursJitOff, Engine::OursJitOn];

    pub fn name(self) -> &'static str {
        match self {
            Engine::OursJitOff => "ours-joff",
            Engine::OursJitOn => "ours-jon",
            Engine::Reference => "ref-5.4",
        }
    }

    /// Run `src` (the text of `script`) with size `n`; returns the captured output.
    pub fn run(self, script: &str, src: &[u8], n: &str) -> Result<String, String> {
        match self {
            Engine::OursJitOff => ours::run(script, src, n, false),
            Engine::OursJitOn => ours::run(script, src, n, true),
            Engine::Reference => reference::run(script, src, n),
        }
    }
}
