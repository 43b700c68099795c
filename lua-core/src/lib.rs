//! lua-core: a Lua 5.4 implementation (values, GC, compiler, interpreter, standard library,
//! embedding API). It knows nothing about machine code; the JIT plugs in through `jit_iface`.
//!
//! Where `unsafe` lives: `value` (tag read), `gc` (object allocation, `Gc` deref, sweeping),
//! `object` (interior mutability of single-threaded objects, upvalue pointers), `table`
//! (interior mutability), `thread`/`vm` (raw stack access in the loop), `number` (libc
//! formatting/parsing). Everything else is safe Rust.

pub mod api;
pub mod ast;
pub mod auxlib;
pub mod call;
pub mod compiler;
pub mod debug;
pub mod error;
pub mod gc;
pub mod lexer;
pub mod load;
pub mod number;
pub mod numparse;
pub mod object;
pub mod opcodes;
pub mod parser;
pub mod proto;
pub mod state;
pub mod stdlib;
pub mod table;
pub mod thread;
pub mod tm;
pub mod value;
pub mod vm;

pub use api::Lua;
pub use error::{LuaError, LuaResult};
pub use state::State;
pub use value::Value;
