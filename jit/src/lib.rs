//! The tracing JIT for lua-core (x86-64). See DESIGN.md section 6.
//!
//! Status: only the front door exists. [`Jit`] plugs into lua-core's control points: the
//! interpreter counts each loop's back-edges in its prototype and calls the hook when a loop
//! reaches the hot threshold. Recording and code generation are not implemented yet, so
//! every loop keeps running in the interpreter. The `lua` command's `-j`/`-O` options
//! configure this object through [`install`].
//!
//! Invariants:
//! - The JIT never changes what a program does: until a trace exists, a hot loop is only
//!   counted.

use lua_core::proto::Proto;
use lua_core::state::JitHook;

/// JIT settings, as the command line gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitConfig {
    pub enabled: bool,
    /// Executions of a loop back-edge before the loop counts as hot (LuaJIT's `hotloop`).
    pub hotloop: u32,
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            enabled: true,
            hotloop: 56,
        }
    }
}

impl JitConfig {
    /// Apply a LuaJIT-style option: `-joff`, `-jon`, `-Ohotloop=N` (without the dash).
    /// Returns false for an option this JIT does not know.
    pub fn apply_option(&mut self, opt: &str) -> bool {
        match opt {
            "joff" => self.enabled = false,
            "jon" => self.enabled = true,
            _ => {
                if let Some(rest) = opt.strip_prefix("Ohotloop=") {
                    match rest.parse::<u32>() {
                        Ok(n) if n >= 1 => self.hotloop = n,
                        _ => return false,
                    }
                } else if let Some(level) = opt.strip_prefix('O') {
                    return level.is_empty() || matches!(level, "0" | "1" | "2" | "3");
                } else {
                    return false;
                }
            }
        }
        true
    }
}

/// The JIT state installed into a lua-core `State` as its control-point hook.
pub struct Jit {
    pub config: JitConfig,
    /// Loops that reached the hot threshold (where recording will start).
    pub hot_loops: u64,
}

impl Jit {
    pub fn new(config: JitConfig) -> Jit {
        Jit {
            config,
            hot_loops: 0,
        }
    }
}

/// Install the JIT into `st` with `config`: with the JIT off nothing is installed, so the
/// interpreter does not even count loop iterations.
pub fn install(st: &mut lua_core::State, config: JitConfig) {
    st.hot_threshold = config.hotloop.clamp(1, u16::MAX as u32) as u16;
    st.jit = if config.enabled {
        Some(Box::new(Jit::new(config)))
    } else {
        None
    };
}

impl JitHook for Jit {
    fn control_point(&mut self, _proto: &Proto, _pc: usize, _base: usize) {
        // lua-core counted this loop to the hot threshold; recording would start here.
        self.hot_loops += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn options() {
        let mut c = JitConfig::default();
        assert!(c.apply_option("joff"));
        assert!(!c.enabled);
        assert!(c.apply_option("Ohotloop=1"));
        assert_eq!(c.hotloop, 1);
        assert!(!c.apply_option("Ohotloop=x"));
        assert!(!c.apply_option("jfoo"));
    }
}
