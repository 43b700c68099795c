//! criterion benchmarks: every script in `scripts/checksums.txt` at its `small` size, in-process,
//! under reference Lua 5.4 (mlua-sys), our VM with the JIT off and our VM with the JIT on. One
//! benchmark group per script with the three engines as members, so criterion's report puts
//! them side by side and all three are measured in the same process and the same run.
//!
//! Each engine's output is checked against the recorded checksum once before it is timed; an
//! engine that fails (a library not implemented yet, a wrong result) is reported and skipped so
//! the other measurements still happen. `print` is captured by a Lua-level replacement in both
//! VMs (see `benches::CAPTURE_PRELUDE`), so nothing reaches the terminal while timing.
//!
//! Every iteration creates a fresh state, runs the prelude and the script: start-up cost is
//! included, but at these sizes it is well under a percent.
//!
//! `cargo bench -p benches` runs everything (about 5 minutes); `cargo bench -p benches -- fib`
//! runs the groups whose id contains "fib".

use std::hint::black_box;
use std::time::Duration;

use benches::{manifest, Engine};
use criterion::Criterion;

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let dir = benches::scripts_dir();
    let scripts = manifest::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    for script in &scripts {
        let Some(size) = script.size("small") else {
            continue;
        };
        let file = script.file_name();
        let src = std::fs::read(dir.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut group = c.benchmark_group(&script.name);
        for engine in Engine::ALL {
            match engine.run(&file, &src, &size.n) {
                Ok(out) if manifest::matches(&out, &size.expected) => {
                    group.bench_function(engine.name(), |b| {
                        b.iter(|| engine.run(&file, black_box(&src), &size.n))
                    });
                }
                Ok(out) => eprintln!(
                    "{}/{}: skipped, wrong output {:?} (expected {:?})",
                    script.name,
                    engine.name(),
                    out.trim_end(),
                    size.expected
                ),
                Err(e) => eprintln!("{}/{}: skipped, {e}", script.name, engine.name()),
            }
        }
        group.finish();
    }
    c.final_summary();
}
