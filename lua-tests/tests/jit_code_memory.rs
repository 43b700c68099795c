//! Code memory: when `maxmcode` is reached, or trace numbers run out (`maxtrace`), every
//! trace is flushed and, once no compiled code runs, its memory and numbers are reused
//! (`Jit::reclaim`, `Mcode::reset`); traces of prototypes the collector freed are freed too.
//! Programs that keep compiling new loops go on compiling, with bounded code memory and the
//! same results.

#![forbid(unsafe_code)]

use std::path::Path;
use std::time::Duration;

use lua_tests::{run_with_timeout, scripts_dir, Exit};

const OURLUA: &str = env!("CARGO_BIN_EXE_ourlua");

/// Run `code` with JIT options `opts`; its stdout.
fn run(opts: &[&str], code: &str) -> String {
    let mut args: Vec<&str> = opts.to_vec();
    args.extend_from_slice(&["-e", code]);
    let out = run_with_timeout(
        Path::new(OURLUA),
        &args,
        &scripts_dir(),
        Duration::from_secs(120),
    );
    assert_eq!(
        out.exit,
        Exit::Code(0),
        "{opts:?}: {}",
        out.stderr_first_line()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Distinct hot loops made by `load`, each run once (hot in its first run), then the
/// counters `jit.stats()` reports. (A few of the loops run while the outer loop records,
/// which blocks their recording, as in LuaJIT, and a loop sharing a hot counter with a
/// traced one may miss its turn: hence "at least 2950" traces.)
const MANY_LOOPS: &str = r#"
    local sum = 0
    for i = 1, 3000 do
      local f = load("local s = 0 for j = 1, 80 do s = s + j * " .. i .. " end return s")
      sum = sum + f()
    end
    local s = jit.stats()
    print(sum, s.traces >= 2950, s.flushes > 0, s.freed > 0, s.mcode <= s.mcode_limit)
"#;

#[test]
fn small_maxmcode_flushes_and_keeps_compiling() {
    let want = "14584860000\ttrue\ttrue\ttrue\ttrue\n";
    assert_eq!(
        run(&["-jon", "-Omaxmcode=16", "-Osizemcode=4"], MANY_LOOPS),
        want
    );
}

#[test]
fn trace_numbers_run_out_and_start_again() {
    // maxtrace 1000: thousands of traces need the numbers flushed and reused.
    let want = "14584860000\ttrue\ttrue\ttrue\ttrue\n";
    assert_eq!(run(&["-jon"], MANY_LOOPS), want);
}

/// `jit.flush()` from inside metamethods called out by a running trace (its code is freed
/// only after it returned), from a coroutine suspended inside a call-out, and at top level;
/// the loops compile again afterwards.
#[test]
fn flush_inside_call_outs_and_coroutines() {
    let code = r#"
        local V = {}
        V.__add = function(a, b)
          local r = setmetatable({}, V)
          for i = 1, 8 do r[i] = a[i] + b[i] end
          if a.k and a.k % 97 == 0 then jit.flush() end
          return r
        end
        local function vec(k) local v = setmetatable({ k = k }, V) for i = 1, 8 do v[i] = i end return v end
        local total = 0
        for k = 1, 2000 do
          local d = vec(k) + vec(k)
          total = total + d[8]
          if k % 500 == 0 then jit.flush() end
        end
        local co = coroutine.wrap(function()
          for k = 1, 300 do
            local d = vec(k) + vec(1)
            if k % 50 == 0 then coroutine.yield(d[1]) end
          end
          return "done"
        end)
        local ys = 0
        while true do
          local v = co()
          if v == "done" then break end
          ys = ys + v
          jit.flush()
        end
        local s = jit.stats()
        print(total, ys, s.flushes >= 20, s.traces > s.flushes)
    "#;
    let want = "32000\t12\ttrue\ttrue\n";
    for opts in [
        &["-jon"][..],
        &["-jon", "-Ohotloop=1"],
        &["-jon", "-Omaxmcode=16", "-Osizemcode=4"],
    ] {
        assert_eq!(run(opts, code), want, "{opts:?}");
    }
}
