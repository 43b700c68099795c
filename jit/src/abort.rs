//! Why a trace was not compiled: every abort reason, defined once in [`for_each_abort!`].
//!
//! An abort is expected behaviour, not an error: the recorder met something it does not
//! compile (NYI), a limit was reached, or the program left the loop. The loop goes back to
//! the interpreter, backs off, and is blacklisted if it keeps aborting. The messages follow
//! LuaJIT's wording where LuaJIT has the same reason, so `-jv` output reads the same.

/// `for_each_abort!(m)` calls `m!` with one `Name, "message";` entry per reason. A message
/// may contain one `{}`, filled with the abort's detail (an opcode or function name).
#[macro_export]
macro_rules! for_each_abort {
    ($m:ident) => {
        $m! {
            NyiBytecode,   "NYI: bytecode {}";
            NyiType,       "NYI: operand types of {}";
            NyiFunc,       "NYI: function {}";
            NyiMeta,       "NYI: metamethod {}";
            NyiKey,        "NYI: table key type {}";
            NyiCoercion,   "NYI: string coercion in {}";
            NyiVararg,     "NYI: vararg function";
            NyiUpvalue,    "NYI: upvalue access";
            LoopLeave,     "leaving loop in root trace";
            InnerLoop,     "inner loop in root trace";
            LoopUnroll,    "loop unroll limit reached";
            ReturnLeave,   "NYI: return to lower frame";
            TailLink,      "NYI: link after a tail call from the base frame";
            Recursion,     "call unroll limit reached";
            TooDeep,       "too many inlined frames";
            TraceTooLong,  "trace too long";
            TooManySnaps,  "too many snapshots";
            TooManyIns,    "too many IR instructions";
            TypeInstable,  "loop unroll: type instability";
            GuardFail,     "guard would always fail";
            FrameMismatch, "frame mismatch (error or unexpected call during recording)";
            Hooked,        "debug hook set during recording";
            Flushed,       "trace flushed during recording";
            SpillOverflow, "too many spill slots";
            McodeFull,     "failed to allocate mcode memory";
            McodeTooBig,   "trace too big for mcode area";
            Blacklisted,   "blacklisted";
        }
    };
}

macro_rules! define_aborts {
    ($($name:ident, $msg:literal;)*) => {
        /// Abort reasons, in the order of [`for_each_abort!`].
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub enum Reason { $($name,)* }
        const MESSAGES: &[&str] = &[$($msg,)*];
    };
}
for_each_abort!(define_aborts);

/// A recording abort: the reason and, for messages with `{}`, what it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Abort {
    pub reason: Reason,
    pub detail: String,
}

impl Abort {
    pub fn new(reason: Reason) -> Abort {
        Abort {
            reason,
            detail: String::new(),
        }
    }
    pub fn with(reason: Reason, detail: impl Into<String>) -> Abort {
        Abort {
            reason,
            detail: detail.into(),
        }
    }
    pub fn message(&self) -> String {
        MESSAGES[self.reason as usize].replace("{}", &self.detail)
    }
}

impl From<Reason> for Abort {
    fn from(r: Reason) -> Abort {
        Abort::new(r)
    }
}

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

pub type RecResult<T> = Result<T, Abort>;

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn messages() {
        assert_eq!(
            Abort::with(Reason::NyiBytecode, "CONCAT").message(),
            "NYI: bytecode CONCAT"
        );
        assert_eq!(
            Abort::new(Reason::LoopLeave).message(),
            "leaving loop in root trace"
        );
    }
}
