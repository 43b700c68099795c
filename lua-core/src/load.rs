//! Loading chunks: source text -> parser -> compiler -> closure (PUC's lua_load path).
//! Binary chunks are recognised by their signature and checked against the `mode`.

use crate::gc::Gc;
use crate::object::{LuaClosure, UpVal};
use crate::state::State;
use crate::value::Value;
use std::rc::Rc;

/// First byte of a binary chunk (as Lua's LUA_SIGNATURE).
pub const BINARY_SIGNATURE: &[u8] = b"\x1bLua";

impl State {
    /// Compile `source` into a closure whose first upvalue (_ENV) is `env` (default: the
    /// globals table). Errors are the messages `load` returns.
    pub fn load_chunk(
        &mut self,
        source: &[u8],
        chunkname: &[u8],
        mode: &[u8],
        env: Option<Value>,
    ) -> Result<Value, String> {
        // As PUC: the first byte alone decides (a text chunk never starts with ESC).
        let is_binary = source.first() == Some(&BINARY_SIGNATURE[0]);
        let cid = crate::error::chunkid(chunkname);
        if is_binary && !mode.contains(&b'b') {
            return Err(format!(
                "attempt to load a binary chunk (mode is '{}')",
                String::from_utf8_lossy(mode)
            ));
        }
        if !is_binary && !mode.contains(&b't') {
            return Err(format!(
                "attempt to load a text chunk (mode is '{}')",
                String::from_utf8_lossy(mode)
            ));
        }
        if is_binary {
            return Err(format!(
                "{cid}: bad binary format (binary chunks are not supported yet)"
            ));
        }
        let ast = crate::parser::parse(source, chunkname).map_err(|e| e.0)?;
        let proto =
            crate::compiler::compile(&ast, Rc::from(chunkname), &mut self.heap).map_err(|e| e.0)?;
        Ok(self.make_main_closure(Rc::new(proto), env))
    }

    /// A closure for a main-chunk prototype with its upvalues closed; the first is _ENV.
    pub fn make_main_closure(
        &mut self,
        proto: Rc<crate::proto::Proto>,
        env: Option<Value>,
    ) -> Value {
        let env = env.unwrap_or(Value::Table(self.globals));
        let n = proto.upvalues.len();
        let mut ups: Vec<Gc<UpVal>> = Vec::with_capacity(n);
        for j in 0..n {
            let uv = self.heap.alloc(UpVal {
                v: std::cell::Cell::new(std::ptr::null_mut()),
                idx: std::cell::Cell::new(0),
                closed: std::cell::UnsafeCell::new(if j == 0 { env } else { Value::Nil }),
                barrier: std::cell::Cell::new(std::ptr::null()),
            });
            uv.v.set(uv.closed.get());
            ups.push(uv);
        }
        Value::LuaFn(self.heap.alloc(LuaClosure::new(proto, ups)))
    }
}
