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

use lua_core::jitif::JitHook;
use std::cell::Cell;

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
    pub hot_loops: Cell<u64>,
}

impl Jit {
    pub fn new(config: JitConfig) -> Jit {
        Jit {
            config,
            hot_loops: Cell::new(0),
        }
    }
}

/// Install the JIT into `st` with `config`: with the JIT off nothing is installed, so the
/// interpreter does not even count loop iterations.
pub fn install(st: &mut lua_core::State, config: JitConfig) {
    st.hot_threshold = config.hotloop.clamp(1, u16::MAX as u32) as u16;
    st.jit = if config.enabled {
        Some(std::rc::Rc::new(Jit::new(config)))
    } else {
        None
    };
}

impl JitHook for Jit {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn loop_header(&self, st: &mut lua_core::State, pc: usize) -> lua_core::LuaResult<bool> {
        // lua-core counted this loop to the hot threshold; recording would start here.
        self.hot_loops.set(self.hot_loops.get() + 1);
        let cl = st.ts().frames.last().and_then(|f| f.closure);
        if let Some(cl) = cl {
            cl.proto.hot_slot(pc, 0).count.set(st.hot_threshold - 1);
        }
        Ok(false)
    }
    fn record(&self, st: &mut lua_core::State, _pc: usize) {
        st.ts().hook_mask &= !lua_core::jitif::HOOK_RECORD;
    }
    fn mark_roots(&self, _m: &mut lua_core::gc::Marker) {}
    fn hooks_changed(&self, _st: &mut lua_core::State) {}
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
