//! The collector's testing modes over the script suite: scripts run under our `lua` with
//! `LUA_GC_STRESS=1` (a collection at every safepoint), `LUA_GC_VERIFY=1` (the heap verifier
//! after every atomic phase and sweep, and before every minor collection) and both at once, in
//! each collector mode (`LUA_GC_MODE=gen`: generational, where stress means a minor collection
//! at every safepoint; `LUA_GC_MODE=inc`: incremental, where it means a full cycle), and must
//! print exactly what reference Lua prints. GC bugs hide from ordinary runs; these modes make
//! them deterministic.
//!
//! By default a representative subset runs (every `gc_*.lua` plus scripts heavy in
//! coroutines, closures, tables and strings), in the five JIT modes, within about a minute on
//! a 2-core machine. Scripts whose heap is large stay out of stress mode by default (a full
//! cycle per allocation makes them quadratic). `LUA_GC_FULL_MODES=1` runs every script in every
//! GC mode, slow ones included, with a longer time limit (`LUA_TESTS_TIMEOUT` still wins).
//! `LUA_TESTS_FILTER` restricts the scripts as in `scripts.rs`.
//!
//! The `known_bug_*` tests are ignored: each reproduces a collector bug reported to the
//! collector's owner (see docs/gc.md); run them with `cargo test -- --ignored`.

#![forbid(unsafe_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use lua_tests::{
    first_difference, list_scripts, parallel_map, run_with_timeout, scripts_dir, workers, Exit,
    Outcome, Script, MODES,
};

const REFLUA: &str = env!("CARGO_BIN_EXE_reflua");
const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// GC modes: a name and the environment that selects it.
const GC_MODES: [(&str, &[(&str, &str)]); 6] = [
    (
        "gen stress",
        &[("LUA_GC_MODE", "gen"), ("LUA_GC_STRESS", "1")],
    ),
    (
        "gen verify",
        &[("LUA_GC_MODE", "gen"), ("LUA_GC_VERIFY", "1")],
    ),
    (
        "gen stress+verify",
        &[
            ("LUA_GC_MODE", "gen"),
            ("LUA_GC_STRESS", "1"),
            ("LUA_GC_VERIFY", "1"),
        ],
    ),
    (
        "inc stress",
        &[("LUA_GC_MODE", "inc"), ("LUA_GC_STRESS", "1")],
    ),
    (
        "inc verify",
        &[("LUA_GC_MODE", "inc"), ("LUA_GC_VERIFY", "1")],
    ),
    (
        "inc stress+verify",
        &[
            ("LUA_GC_MODE", "inc"),
            ("LUA_GC_STRESS", "1"),
            ("LUA_GC_VERIFY", "1"),
        ],
    ),
];

/// Non-gc scripts in the default subset: coroutines, closures, tables, strings, metamethods.
const SUBSET: &[&str] = &[
    "call_tail.lua",
    "clo_counters.lua",
    "clo_loop_capture.lua",
    "clo_recursion.lua",
    "clo_scope_close.lua",
    "coro_basics.lua",
    "coro_close.lua",
    "coro_generators.lua",
    "coro_producer_consumer.lua",
    "coro_wrap.lua",
    "coro_yield_pcall.lua",
    "err_pcall_xpcall.lua",
    "lib_string_gsub.lua",
    "lib_table_basic.lua",
    "meta_close.lua",
    "meta_index_chain.lua",
    "meta_pairs.lua",
    "misc_algorithms.lua",
    "misc_oop.lua",
    "str_concat.lua",
    "str_methods.lua",
    "tbl_keys.lua",
    "tbl_nested.lua",
    "tbl_next_pairs.lua",
];

/// Scripts too slow under stress mode for the default run (seconds to minutes: their live heap
/// is large and they allocate in long loops). They still run in verify mode.
const SLOW_UNDER_STRESS: &[&str] = &[
    "gc_barriers.lua", // made for incremental steps; stress turns them into full cycles
    "gc_basics.lua",
    "gc_bounded.lua",
    "gc_churn.lua",
];

fn full_modes() -> bool {
    std::env::var_os("LUA_GC_FULL_MODES").is_some_and(|v| v != "0")
}

fn limit() -> Duration {
    let default = if full_modes() { 600 } else { 60 };
    Duration::from_secs(
        std::env::var("LUA_TESTS_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default),
    )
}

/// Run `program opts... script` in the scripts directory, with `env` set for the child only:
/// `run_with_timeout` passes our environment through, and setting variables on the test
/// process would race with other tests' threads, so they travel through `env(1)`.
fn run(program: &str, opts: &[&str], script: &str, env: &[(&str, &str)]) -> Outcome {
    let assigns: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut args: Vec<&str> = assigns.iter().map(String::as_str).collect();
    args.push(program);
    args.extend_from_slice(opts);
    args.push(script);
    run_with_timeout(Path::new("/usr/bin/env"), &args, &scripts_dir(), limit())
}

/// One (script, GC mode, JIT mode) job.
struct Job {
    script: Script,
    gc: usize,
    jit: usize,
}

/// Does our run conform to the reference? `None` when it does.
fn compare(script: &Script, reference: &Outcome, ours: &Outcome) -> Option<String> {
    lua_tests::compare_with_reference(script, reference, ours, limit())
}

fn selected_scripts() -> Vec<Script> {
    let all = list_scripts(&scripts_dir());
    if full_modes() {
        return all;
    }
    all.into_iter()
        .filter(|s| s.name.starts_with("gc_") || SUBSET.contains(&s.name.as_str()))
        .collect()
}

fn jobs_for(scripts: &[Script]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for script in scripts {
        for (gc, (name, _)) in GC_MODES.iter().enumerate() {
            let stress = name.contains("stress");
            if stress && !full_modes() && SLOW_UNDER_STRESS.contains(&script.name.as_str()) {
                continue;
            }
            for (jit, (jit_name, _)) in MODES.iter().enumerate() {
                // The incremental modes run in the default JIT mode only (the lua command
                // starts generational: the other modes are the usual configuration).
                if name.starts_with("inc") && !full_modes() && *jit_name != "default" {
                    continue;
                }
                jobs.push(Job {
                    script: script.clone(),
                    gc,
                    jit,
                });
            }
        }
    }
    jobs
}

#[test]
fn scripts_under_gc_modes_match_reference() {
    let start = Instant::now();
    let scripts = selected_scripts();
    assert!(
        !scripts.is_empty() || std::env::var_os("LUA_TESTS_FILTER").is_some(),
        "no scripts selected"
    );
    // The reference output, once per script.
    let references = parallel_map(&scripts, workers(), |s| run(REFLUA, &[], &s.name, &[]));
    let jobs = jobs_for(&scripts);
    let results = parallel_map(&jobs, workers(), |job| {
        let t = Instant::now();
        let (_, env) = GC_MODES[job.gc];
        let (_, opts) = MODES[job.jit];
        let ours = run(OURLUA, opts, &job.script.name, env);
        let i = scripts
            .iter()
            .position(|s| s.name == job.script.name)
            .expect("job script is selected");
        let reference = &references[i];
        let failure = if reference.exit != Exit::Code(0) && !job.script.markers.expect_error {
            // The plain script runner reports a broken script; nothing to compare here.
            None
        } else {
            compare(&job.script, reference, &ours)
        };
        (failure, t.elapsed())
    });
    let mut failed = 0;
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    for (job, (failure, took)) in jobs.iter().zip(&results) {
        let label = format!(
            "{} [{}, {}]",
            job.script.name, GC_MODES[job.gc].0, MODES[job.jit].0
        );
        slowest.push((*took, label.clone()));
        if let Some(why) = failure {
            failed += 1;
            println!("FAIL {label}: {why}");
        }
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (took, label) in slowest.iter().take(5) {
        println!("slowest: {label} {:.2}s", took.as_secs_f64());
    }
    println!(
        "{} runs of {} scripts, {failed} failed, {:.1}s",
        jobs.len(),
        scripts.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failed == 0, "{failed} GC-mode runs failed (see FAIL lines)");
}

/// Run a chunk given on the command line (`-e`) under `program` with `env`; returns stdout.
fn run_chunk(program: &str, code: &str, env: &[(&str, &str)]) -> Outcome {
    let assigns: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut args: Vec<&str> = assigns.iter().map(String::as_str).collect();
    args.extend_from_slice(&[program, "-e", code]);
    run_with_timeout(
        Path::new("/usr/bin/env"),
        &args,
        &scripts_dir(),
        Duration::from_secs(30),
    )
}

/// `LUA_MEMLIMIT`: allocation beyond the limit raises "not enough memory", which pcall
/// catches; once the memory is released the program goes on.
#[test]
fn memory_limit_raises_not_enough_memory() {
    let code = r#"
        local t = {}
        local ok, err = pcall(function()
          for i = 1, 1e7 do t[i] = { i } end
        end)
        print(ok, err)
        t = nil
        collectgarbage()
        local s = {}
        for i = 1, 1000 do s[i] = { i } end
        print("recovered", #s)
    "#;
    let out = run_chunk(OURLUA, code, &[("LUA_MEMLIMIT", "20000000")]);
    assert_eq!(out.exit, Exit::Code(0), "{}", out.stderr_first_line());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "false\tnot enough memory\nrecovered\t1000\n"
    );
}

/// Out of address space (`ulimit -v`), a table that grows in a loop raises "not enough
/// memory" in every JIT mode: compiled code's appends (ASLOT) and hash insertions (NEWREF)
/// leave the trace when their helper finds no memory, and the interpreter's store raises.
#[test]
fn out_of_memory_in_table_growth_is_an_error() {
    for code in [
        "local t = {} for i = 1, 1e9 do t[i] = i end",
        "local t = {} for i = 1, 1e9 do t[i * 3 + 0.5] = i end",
    ] {
        let chunk = format!("print(pcall(function() {code} end)) print('after')");
        for mode in [&["-joff"][..], &["-jon"], &["-jon", "-Ohotloop=1"]] {
            let mut cmd = "ulimit -v 400000 && exec \"$0\"".to_string();
            for m in mode {
                cmd.push(' ');
                cmd.push_str(m);
            }
            cmd.push_str(" -e \"$1\"");
            let args = ["-c", cmd.as_str(), OURLUA, chunk.as_str()];
            let out = run_with_timeout(
                Path::new("/bin/sh"),
                &args,
                &scripts_dir(),
                Duration::from_secs(60),
            );
            assert_eq!(
                out.exit,
                Exit::Code(0),
                "{mode:?} {code}: {}",
                out.stderr_first_line()
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "false\tnot enough memory\nafter\n",
                "{mode:?} {code}"
            );
        }
    }
}

/// A native that allocates past `LUA_MEMLIMIT` fails inside its own frame, so a pcall that
/// calls it directly catches "not enough memory" (it used to surface at the caller's next
/// safepoint, outside the pcall); the big string is garbage and the program goes on.
#[test]
fn memory_limit_in_native_called_by_pcall() {
    let code = r#"
        print(pcall(string.rep, "x", 2e8))
        print(pcall(string.rep, "x", 100))
        local s = string.rep("y", 1000)
        print(#s)
    "#;
    let out = run_chunk(OURLUA, code, &[("LUA_MEMLIMIT", "20000000")]);
    assert_eq!(out.exit, Exit::Code(0), "{}", out.stderr_first_line());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "false\tnot enough memory\ntrue\t{}\n1000\n",
            "x".repeat(100)
        )
    );
}

/// `collectgarbage("count")` counts a table's array and hash parts as soon as they grow,
/// even when no object was allocated since (a loop that only stores integers).
#[test]
fn count_includes_table_parts() {
    let code = r#"
        local before = collectgarbage("count")
        local t = {}
        for i = 1, 1000000 do t[i] = i end
        local grown = collectgarbage("count") - before
        print(grown > 16 * 1000000 / 1024, grown < 2 * 16 * 1048576 / 1024)
        local h = {}
        for i = 1, 100000 do h[-i] = i end
        print(collectgarbage("count") - before - grown > 100000 * 16 / 1024)
        t, h = nil, nil
        collectgarbage()
        print(collectgarbage("count") - before < 100)
    "#;
    let out = run_chunk(OURLUA, code, &[]);
    assert_eq!(out.exit, Exit::Code(0), "{}", out.stderr_first_line());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "true\ttrue\ntrue\ntrue\n"
    );
}

/// Compare our output for a chunk with the reference's.
fn assert_same_as_reference(code: &str) {
    let reference = run_chunk(REFLUA, code, &[]);
    let ours = run_chunk(OURLUA, code, &[]);
    assert_eq!(reference.exit, Exit::Code(0));
    if let Some(d) = first_difference(&reference.stdout, &ours.stdout) {
        panic!("{d}");
    }
}

/// Bug: the `lua` command does not close the state at exit, so pending finalizers never run
/// (lua.c calls lua_close, which calls every pending __gc, newest first).
#[test]
fn finalizers_run_at_exit() {
    assert_same_as_reference(
        r#"
        setmetatable({}, { __gc = function() print("gc 1") end })
        x = setmetatable({}, { __gc = function() print("gc 2") end })
        print("end")
        "#,
    );
}

/// Bug: an object whose finalizer has run can be registered again by setmetatable (PUC clears
/// the "to be finalized" mark after the call); ours keeps it marked, so the finalizer runs once.
#[test]
fn finalizer_reregistration() {
    assert_same_as_reference(
        r#"
        local count = 0
        local mt = {}
        mt.__gc = function(o) count = count + 1; if count < 3 then setmetatable(o, mt) end end
        do setmetatable({}, mt) end
        for i = 1, 5 do collectgarbage() end
        print(count)
        "#,
    );
}

/// Bug: collectgarbage("step", n) runs a full collection and always returns true; PUC does
/// about n KB of work (n = 0: one basic step) and returns true only when a cycle ended.
#[test]
fn step_is_incremental() {
    assert_same_as_reference(
        r#"
        collectgarbage("incremental")
        local live = {}
        for i = 1, 100000 do live[i] = { i } end
        collectgarbage()
        print(collectgarbage("step", 0), collectgarbage("step", 1))
        "#,
    );
}

/// Bug: collectgarbage("incremental", pause, stepmul, stepsize) ignores its parameters.
#[test]
fn incremental_parameters() {
    assert_same_as_reference(
        r#"
        collectgarbage("incremental", 120, 300, 10)
        print(collectgarbage("setpause", 200), collectgarbage("setstepmul", 100))
        "#,
    );
}
