//! The tracing JIT for lua-core (x86-64). See DESIGN.md section 6.
//!
//! Status: only the front door exists. [`Jit`] plugs into lua-core's control points (loop
//! back-edges), counts executions per loop and detects hot loops; recording and code
//! generation are not implemented yet, so every loop keeps running in the interpreter. The
//! `lua` command's `-j`/`-O` options configure this object.
//!
//! Invariants:
//! - The JIT never changes what a program does: until a trace exists, a hot loop is only
//!   counted.
//! - Counters are keyed by (prototype address, pc); a prototype is never freed while a frame
//!   runs it, and a stale key only costs a counter.

use lua_core::proto::Proto;
use lua_core::state::JitHook;
use std::collections::HashMap;

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
    counters: HashMap<(usize, usize), u32>,
    /// Loops that reached the hot threshold (what recording will start from).
    pub hot_loops: u64,
}

impl Jit {
    pub fn new(config: JitConfig) -> Jit {
        Jit {
            config,
            counters: HashMap::new(),
            hot_loops: 0,
        }
    }
}

impl JitHook for Jit {
    fn control_point(&mut self, proto: &Proto, pc: usize, _base: usize) {
        if !self.config.enabled {
            return;
        }
        let c = self
            .counters
            .entry((proto as *const Proto as usize, pc))
            .or_insert(0);
        *c += 1;
        if *c >= self.config.hotloop {
            *c = 0;
            self.hot_loops += 1;
        }
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
