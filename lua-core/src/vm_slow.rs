//! Out-of-line slow paths of the interpreter's table-access and comparison instructions.
//!
//! The interpreter loop (`vm.rs`) handles the common cases inline (a plain table, an integer
//! or string key, two numbers) and calls these for everything else: metamethods, non-table
//! operands, mixed types and errors. Each reads its operands again from the instruction and
//! the stack instead of receiving them, so the inline fast path does not have to keep loaded
//! values alive (in a loop this large, live values end up spilled to memory on every
//! execution, slow path taken or not).
//!
//! Invariants:
//! - Called with the running Lua frame's `pc` already saved (the caller's `protect!`), its
//!   registers starting at stack slot `base`, and `k` its prototype's constants.
//! - Only the opcodes named in each function's comment reach it.

#![forbid(unsafe_code)]

use crate::debug::Slot;
use crate::error::LuaResult;
use crate::opcodes::{Instr, Op};
use crate::state::State;
use crate::tm::Tm;
use crate::value::Value;

impl State {
    /// The interrupt flag (Ctrl-C) was seen at a control point: clear it and raise
    /// "interrupted!" where lua.c's interrupt hook would (`luaL_error` from a hook: the
    /// position of the running function's caller, if that is a Lua function).
    #[cold]
    #[inline(never)]
    pub(crate) fn interrupted(&mut self) -> crate::error::LuaError {
        self.interrupt
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let mut m = crate::debug::where_lib(self, 1);
        m.extend_from_slice(b"interrupted!");
        self.error_msg(m)
    }

    /// GETTABLE, GETI, GETFIELD: indexing that may run `__index` (or raise).
    #[inline(never)]
    pub(crate) fn get_slow(&mut self, i: Instr, base: usize, k: &[Value]) -> LuaResult<Value> {
        let ts = self.ts();
        let t = ts.stack[base + i.b()];
        let key = match i.op() {
            Op::GetTable => ts.stack[base + i.c()],
            Op::GetI => Value::Int(i.c() as i64),
            _ => k[i.c()],
        };
        self.index(t, key, Some(Slot::Reg(i.b())))
    }

    /// SETTABLE, SETI, SETFIELD: assignment that may run `__newindex`, rehash, or raise
    /// (nil/NaN key, non-table).
    #[inline(never)]
    pub(crate) fn set_slow(&mut self, i: Instr, base: usize, k: &[Value]) -> LuaResult<()> {
        let ts = self.ts();
        let t = ts.stack[base + i.a()];
        let key = match i.op() {
            Op::SetTable => ts.stack[base + i.b()],
            Op::SetI => Value::Int(i.b() as i64),
            _ => k[i.b()],
        };
        let v = if i.k() {
            k[i.c()]
        } else {
            ts.stack[base + i.c()]
        };
        if let Value::Table(tab) = t {
            // No `__newindex` (as `set_index` would find): a raw set, whether the key is
            // present or not. This also fills the metatable's absent-`__newindex` cache bit
            // that lets the interpreter's inline path take the next such store.
            let raw = match tab.metatable() {
                None => true,
                Some(mt) => self.tm_of_table(mt, Tm::NewIndex).is_nil(),
            };
            if raw {
                return self.raw_set(tab, key, v);
            }
        }
        self.set_index(t, key, v, Some(Slot::Reg(i.a())))
    }

    /// EQ, LT, LE, LTI, LEI, GTI, GEI when the operands are not two numbers of one kind:
    /// mixed numbers, strings, metamethods, errors.
    #[inline(never)]
    pub(crate) fn compare_slow(&mut self, i: Instr, base: usize) -> LuaResult<bool> {
        let ts = self.ts();
        let a = ts.stack[base + i.a()];
        let imm = || {
            let n = i.sb() as i64;
            if i.c() != 0 {
                Value::Float(n as f64)
            } else {
                Value::Int(n)
            }
        };
        match i.op() {
            Op::Eq => {
                let b = ts.stack[base + i.b()];
                self.equals(a, b)
            }
            Op::Lt => {
                let b = ts.stack[base + i.b()];
                self.less_than(a, b)
            }
            Op::Le => {
                let b = ts.stack[base + i.b()];
                self.less_equal(a, b)
            }
            Op::LtI => self.less_than(a, imm()),
            Op::LeI => self.less_equal(a, imm()),
            Op::GtI => self.less_than(imm(), a),
            _ => self.less_equal(imm(), a),
        }
    }
}
