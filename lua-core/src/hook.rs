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
//! - As in PUC, the instructions of Lua code run by a hook are traced too, only without
//!   calling hooks: they count towards the count hook, and they move `oldpc` (a hook does
//!   not restore it). So after a count hook the line hook may fire again for the same line,
//!   exactly when PUC's does.

#![forbid(unsafe_code)]

use crate::error::LuaResult;
use crate::state::State;
use crate::thread::{HOOK_COUNT, HOOK_LINE};
use crate::value::Value;

impl State {
    /// Call the running thread's hook for `event` ("call", "return", "line", "count",
    /// "tail call"), with `line` for line events.
    pub fn run_hook(&mut self, event: &str, line: Option<i64>) -> LuaResult<()> {
        self.run_hook_with(event, line, None)
    }

    /// Call the hook for a call or return event ("call", "tail call", "return") of the
    /// frame on top: `n` values, from its local `first` on (1-based), are its arguments or
    /// its results.
    pub(crate) fn run_transfer_hook(
        &mut self,
        event: &str,
        first: usize,
        n: usize,
    ) -> LuaResult<()> {
        // No values, no transfer information (getinfo reports 0, 0), as PUC's luaD_hook.
        self.run_hook_with(event, None, (n != 0).then_some((first, n)))
    }

    fn run_hook_with(
        &mut self,
        event: &str,
        line: Option<i64>,
        transfer: Option<(usize, usize)>,
    ) -> LuaResult<()> {
        let ts = self.ts();
        if !ts.allow_hook || ts.hook.is_nil() {
            return Ok(());
        }
        let hook = ts.hook;
        ts.allow_hook = false;
        ts.hook_frame = ts.frames.len();
        ts.hook_transfer = transfer;
        let top = ts.top;
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
        ts.allow_hook = true;
        ts.hook_transfer = None;
        r.map(|_| ())
    }

    /// Before executing instruction `pc` of the running Lua frame with line/count hooks on
    /// (also inside a hook, where no hook is called: module doc).
    pub(crate) fn trace_exec(&mut self, pc: usize) -> LuaResult<()> {
        if self.ts().hook_mask & crate::jitif::HOOK_RECORD != 0 {
            // The JIT records: it sees every instruction, before any debug hook runs.
            self.jit_record(pc);
        }
        let ts = self.ts();
        let mask = ts.hook_mask;
        let Some(cl) = ts.frames.last().and_then(|f| f.closure) else {
            return Ok(());
        };
        let proto = &cl.proto;
        // VARARGPREP is not traced (no count, no line): PUC's hooks start after it. Neither
        // is TFORLOOP: PUC's TFORCALL goes on to it without fetching it.
        if (pc == 0 && proto.is_vararg) || proto.code[pc].op() == crate::opcodes::Op::TForLoop {
            return Ok(());
        }
        if mask & HOOK_COUNT != 0 && ts.base_hook_count > 0 {
            ts.hook_count = ts.hook_count.saturating_sub(1);
            if ts.hook_count == 0 {
                ts.hook_count = ts.base_hook_count;
                self.run_hook("count", None)?;
            }
        }
        if mask & HOOK_LINE != 0 {
            // `oldpc` may be stale (from another function): then it counts as 0. Without
            // line information (stripped code) only backward jumps and the first
            // instruction fire, with a nil line.
            let ts = self.ts();
            let lines = &proto.lineinfo;
            let oldpc = if ts.oldpc < proto.code.len() {
                ts.oldpc
            } else {
                0
            };
            let newline = lines.get(pc).copied();
            if pc <= oldpc || lines.get(oldpc).copied() != newline {
                self.run_hook("line", newline.map(i64::from))?;
            }
            self.ts().oldpc = pc;
        }
        Ok(())
    }
}
