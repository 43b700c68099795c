//! Tells the external-suite runners (tests/official_suite.rs, tests/luajit_suite.rs) whether
//! their suite's directory variable is set: when it is not, the runner is compiled as an
//! ignored test, so `cargo test` reports it as "ignored" with the reason, never as "ok" for a
//! suite that did not run. Changing a variable rebuilds the tests.
//!
//! It also makes `reflua` export reference Lua's API symbols (as PUC's `lua` does with
//! `-Wl,-E`), so the C API tests (lua-cmd/tests/capi.rs) load the same C modules into it as
//! into our `lua`.

#![forbid(unsafe_code)]

fn main() {
    println!("cargo::rustc-link-arg-bin=reflua=-Wl,--export-dynamic");
    for (var, cfg) in [
        ("LUA_TESTSUITE_DIR", "lua_testsuite"),
        ("LUAJIT_TESTSUITE_DIR", "luajit_testsuite"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var_os(var).is_some() {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
