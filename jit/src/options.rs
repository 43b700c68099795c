//! JIT options, in LuaJIT's words: `-j` commands (`-jon`, `-joff`, `-jv`, `-jdump`), `-O`
//! levels and flags (`-O3`, `-O-fold`), `-O` parameters (`-Ohotloop=N`...), the same words in
//! the environment variable `LUA_JIT`, and `jit.opt.start(...)` at run time.

use crate::trace::Passes;

/// The JIT's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitConfig {
    pub enabled: bool,
    /// Back-edges of a loop before it is recorded.
    pub hotloop: u32,
    /// Exits of a guard before a side trace starts there.
    pub hotexit: u32,
    /// Traces at most.
    pub maxtrace: u32,
    /// Bytecodes recorded at most per trace.
    pub maxrecord: u32,
    /// Snapshots at most per trace.
    pub maxsnap: u32,
    /// Side traces per root trace at most.
    pub maxside: u32,
    /// Attempts to record a side trace from one exit.
    pub tryside: u32,
    /// Back-edges of loops without a trace a side trace may record through.
    pub loopunroll: u32,
    /// Size of one machine-code area in KB.
    pub sizemcode: u32,
    /// All machine code together at most, in KB.
    pub maxmcode: u32,
    pub fold: bool,
    pub cse: bool,
    pub dce: bool,
    pub fwd: bool,
    pub loop_opt: bool,
    /// `-jv`: one line per trace event on stderr (or the named file).
    pub verbose: Option<String>,
    /// `-jdump`: IR, snapshots and machine code of each trace.
    pub dump: Option<String>,
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            enabled: true,
            hotloop: lua_core::jitif::DEFAULT_HOT_THRESHOLD as u32,
            hotexit: 10,
            maxtrace: 1000,
            maxrecord: 4000,
            maxsnap: 500,
            maxside: 100,
            tryside: 4,
            loopunroll: 15,
            sizemcode: 64,
            maxmcode: 4096,
            fold: true,
            cse: true,
            dce: true,
            fwd: true,
            loop_opt: true,
            verbose: None,
            dump: None,
        }
    }
}

/// The names `-O` accepts as flags, and `jit.status()` lists when on.
pub const FLAGS: &[&str] = &["fold", "cse", "dce", "fwd", "loop"];

impl JitConfig {
    pub fn passes(&self) -> Passes {
        Passes {
            fold: self.fold,
            cse: self.cse,
            fwd: self.fwd,
            dce: self.dce,
            loop_opt: self.loop_opt,
        }
    }

    fn flag_mut(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "fold" => &mut self.fold,
            "cse" => &mut self.cse,
            "dce" => &mut self.dce,
            "fwd" => &mut self.fwd,
            "loop" => &mut self.loop_opt,
            _ => return None,
        })
    }

    pub fn flag(&self, name: &str) -> bool {
        match name {
            "fold" => self.fold,
            "cse" => self.cse,
            "dce" => self.dce,
            "fwd" => self.fwd,
            "loop" => self.loop_opt,
            _ => false,
        }
    }

    fn param_mut(&mut self, name: &str) -> Option<&mut u32> {
        Some(match name {
            "hotloop" => &mut self.hotloop,
            "hotexit" => &mut self.hotexit,
            "maxtrace" => &mut self.maxtrace,
            "maxrecord" => &mut self.maxrecord,
            "maxsnap" => &mut self.maxsnap,
            "maxside" => &mut self.maxside,
            "tryside" => &mut self.tryside,
            "loopunroll" => &mut self.loopunroll,
            "sizemcode" => &mut self.sizemcode,
            "maxmcode" => &mut self.maxmcode,
            _ => return None,
        })
    }

    /// Apply one `-O` word: a level `0`..`3`, a flag `fold` / `+fold` / `-fold`, or a
    /// parameter `hotloop=N`. Returns false for a word LuaJIT would reject.
    pub fn apply_o(&mut self, word: &str) -> bool {
        match word {
            "" | "3" | "2" => {
                for f in FLAGS {
                    *self.flag_mut(f).expect("flag") = true;
                }
                return true;
            }
            "1" => {
                for f in FLAGS {
                    *self.flag_mut(f).expect("flag") =
                        matches!(*f, "fold" | "cse" | "dce" | "loop");
                }
                return true;
            }
            "0" => {
                // The loop optimisation is structural here (every trace is a peeled
                // loop), so level 0 leaves it on.
                for f in FLAGS {
                    *self.flag_mut(f).expect("flag") = *f == "loop";
                }
                return true;
            }
            _ => {}
        }
        if let Some((name, val)) = word.split_once('=') {
            let Ok(n) = val.parse::<u32>() else {
                return false;
            };
            let min = if name == "hotloop" || name == "sizemcode" {
                1
            } else {
                0
            };
            return match self.param_mut(name) {
                Some(p) if n >= min => {
                    *p = n;
                    true
                }
                _ => false,
            };
        }
        let (on, name) = match word.as_bytes()[0] {
            b'+' => (true, &word[1..]),
            b'-' => (false, &word[1..]),
            _ => (true, word),
        };
        match self.flag_mut(name) {
            Some(f) => {
                *f = on || name == "loop";
                true
            }
            None => false,
        }
    }

    /// Apply a command-line option without its dash: `joff`, `jon`, `jv`, `jv=file`,
    /// `jdump`, `jdump=file`, `O3`, `Ohotloop=10`, `O-fold`. Returns false for an option
    /// this JIT does not know.
    pub fn apply_option(&mut self, opt: &str) -> bool {
        if let Some(j) = opt.strip_prefix('j') {
            match j {
                "off" => self.enabled = false,
                "on" => self.enabled = true,
                "v" => self.verbose = Some(String::new()),
                "dump" => self.dump = Some(String::new()),
                "flush" => {}
                _ => {
                    if let Some(f) = j.strip_prefix("v=") {
                        self.verbose = Some(f.to_string());
                    } else if let Some(f) = j.strip_prefix("dump=") {
                        // LuaJIT's dump options come first: "-jdump=is,file".
                        let file = f.rsplit_once(',').map_or("", |(_, f)| f);
                        self.dump = Some(file.to_string());
                    } else {
                        return false;
                    }
                }
            }
            return true;
        }
        if let Some(o) = opt.strip_prefix('O') {
            return o.split(',').all(|w| self.apply_o(w));
        }
        false
    }

    /// Apply the words of the `LUA_JIT` environment variable (`-Ohotloop=1 -jv`): each
    /// word with or without its leading dash. Returns the words it did not understand.
    pub fn apply_env(&mut self, words: &str) -> Vec<String> {
        words
            .split_whitespace()
            .filter(|w| !self.apply_option(w.trim_start_matches('-')))
            .map(String::from)
            .collect()
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
        assert!(!c.apply_option("Ohotloop=0"));
        assert!(!c.apply_option("jfoo"));
        assert!(c.apply_option("O-fold,maxmcode=128"));
        assert!(!c.fold && c.maxmcode == 128);
        assert!(c.apply_option("O3"));
        assert!(c.fold);
        assert!(c.apply_option("jv"));
        assert_eq!(c.verbose.as_deref(), Some(""));
        assert!(c.apply_option("jdump=is,/tmp/x"));
        assert_eq!(c.dump.as_deref(), Some("/tmp/x"));
    }

    #[test]
    fn env_words() {
        let mut c = JitConfig::default();
        let bad = c.apply_env("-Ohotloop=3 jv -Obogus");
        assert_eq!(c.hotloop, 3);
        assert!(c.verbose.is_some());
        assert_eq!(bad, vec!["-Obogus".to_string()]);
    }
}
