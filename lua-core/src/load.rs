//! Loading chunks: source text -> parser -> compiler -> closure (PUC's lua_load path).
//! Binary chunks are recognised by their first byte, checked against the `mode`, then loaded
//! and verified by `undump` (format in `dump.rs`, safety guarantees in `bcverify.rs`).

#![forbid(unsafe_code)]

use crate::gc::Gc;
use crate::object::{LuaClosure, UpVal};
use crate::state::State;
use crate::value::Value;
use std::rc::Rc;

/// First byte of a binary chunk (as Lua's LUA_SIGNATURE).
pub const BINARY_SIGNATURE: &[u8] = b"\x1bLua";

/// The bytes before the first NUL: what C sees of a name passed as a C string (chunk
/// names, file names).
pub fn until_nul(s: &[u8]) -> &[u8] {
    &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())]
}

impl State {
    /// Compile `source` into a closure whose first upvalue (_ENV) is `env` (default: the
    /// globals table). Errors are the messages `load` returns.
    pub fn load_chunk(
        &mut self,
        source: &[u8],
        chunkname: &[u8],
        mode: &[u8],
        env: Option<Value>,
    ) -> Result<Value, Vec<u8>> {
        // lua_load takes the name as a C string: it ends at the first NUL.
        let chunkname = until_nul(chunkname);
        // As PUC: the first byte alone decides, so a mangled chunk gets a binary-format error.
        let is_binary = source.first() == Some(&BINARY_SIGNATURE[0]);
        if is_binary && !mode.contains(&b'b') {
            let mode = until_nul(mode);
            return Err([b"attempt to load a binary chunk (mode is '", mode, b"')"].concat());
        }
        if !is_binary && !mode.contains(&b't') {
            let mode = until_nul(mode);
            return Err([b"attempt to load a text chunk (mode is '", mode, b"')"].concat());
        }
        if is_binary {
            // Verified by the loader before it returns.
            let proto = crate::undump::undump(&mut self.heap, source, chunkname)?;
            return Ok(self.make_main_closure(Rc::new(proto), env));
        }
        let ast = crate::parser::parse(source, chunkname).map_err(|e| e.0)?;
        let proto =
            crate::compiler::compile(&ast, Rc::from(chunkname), &mut self.heap).map_err(|e| e.0)?;
        // Our compiler's output must satisfy what binary chunks are checked for.
        #[cfg(debug_assertions)]
        if let Err(e) = crate::bcverify::verify(&proto) {
            panic!(
                "compiler produced unverifiable code ({e}):\n{}",
                proto.disassemble()
            );
        }
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
