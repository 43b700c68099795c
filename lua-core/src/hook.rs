//! Debug hooks (debug.sethook): call, return, line and count events, per thread.
//!
//! Invariants:
//! - A hook runs as an ordinary non-yieldable call of the hook function with (event, line);
//!   while it runs, `allow_hook` is false so hooks do not nest.
//! - Running a hook never disturbs the interrupted frame: `top` is raised to the Lua frame's
//!   register limit while the hook runs and restored after (values pending between a
//!   multi-result instruction and its consumer survive).
//! - The line hook fires when the interpreter reaches an instruction of a new line, or jumps
//!   backwards (`pc <= oldpc`), as PUC's luaG_traceexec.

use crate::error::LuaResult;
use crate::state::State;
use crate::thread::{HOOK_COUNT, HOOK_LINE};
use crate::value::Value;

impl State {
    /// Call the running thread's hook for `event` ("call", "return", "line", "count",
    /// "tail call"), with `line` for line events.
    pub fn run_hook(&mut self, event: &str, line: Option<i64>) -> LuaResult<()> {
        let ts = self.ts();
        if !ts.allow_hook || ts.hook.is_nil() {
            return Ok(());
        }
        let hook = ts.hook;
        ts.allow_hook = false;
        let top = ts.top;
        let oldpc = ts.oldpc;
        if let Some(fr) = ts.frames.last() {
            if fr.closure.is_some() && ts.top < fr.top {
                ts.top = fr.top;
            }
        }
        let ev = self.str_value(event);
        let lv = line.map_or(Value::Nil, Value::Int);
        let r = self.call_value(hook, &[ev, lv], 0);
        let ts = self.ts();
        ts.top = top;
        ts.oldpc = oldpc;
        ts.allow_hook = true;
        r.map(|_| ())
    }

    /// Before executing instruction `pc` of the running Lua frame with line/count hooks on.
    pub(crate) fn trace_exec(&mut self, pc: usize) -> LuaResult<()> {
        let ts = self.ts();
        if !ts.allow_hook {
            return Ok(());
        }
        let mask = ts.hook_mask;
        if mask & HOOK_COUNT != 0 && ts.base_hook_count > 0 {
            ts.hook_count = ts.hook_count.saturating_sub(1);
            if ts.hook_count == 0 {
                ts.hook_count = ts.base_hook_count;
                self.run_hook("count", None)?;
            }
        }
        if mask & HOOK_LINE != 0 {
            let ts = self.ts();
            let Some(cl) = ts.frames.last().and_then(|f| f.closure) else {
                return Ok(());
            };
            let lines = &cl.proto.lineinfo;
            let oldpc = if ts.oldpc < lines.len() { ts.oldpc } else { 0 };
            let newline = lines.get(pc).copied().unwrap_or(0);
            let changed = lines.get(oldpc).copied().unwrap_or(0) != newline;
            ts.oldpc = pc;
            if pc <= oldpc || changed {
                self.run_hook("line", Some(newline as i64))?;
            }
        }
        Ok(())
    }
}
