//! Running a benchmark script in-process under our VM (lua-core), with the JIT hook installed
//! and enabled or disabled exactly as the `lua` command's `-jon`/`-joff` would.

#![forbid(unsafe_code)]

use lua_core::Lua;

/// A fresh state with the standard libraries and the JIT configured.
pub fn new_state(jit_on: bool) -> Lua {
    let mut lua = Lua::new();
    let config = jit::JitConfig {
        enabled: jit_on,
        ..jit::JitConfig::default()
    };
    jit::install(lua.state(), config);
    lua
}

/// Run `src` (the text of the file `script`) with `arg[1] = n` in a fresh state; returns what
/// it printed. Errors carry the Lua error message.
pub fn run(script: &str, src: &[u8], n: &str, jit_on: bool) -> Result<String, String> {
    let mut lua = new_state(jit_on);
    lua.exec(crate::prelude(script, n).as_bytes(), "=prelude")?;
    lua.exec(src, &format!("@{script}"))?;
    lua.global_string(crate::OUTPUT_GLOBAL)
        .ok_or_else(|| "print capture lost".to_string())
}
