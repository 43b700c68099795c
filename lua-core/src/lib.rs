//! lua-core: a Lua 5.4 implementation (values, GC, compiler, interpreter, standard library,
//! embedding API). It knows nothing about machine code; a JIT plugs in through
//! `jitif::JitHook`, called at loop control points (see `jitif` and `vm`).
//!
//! Where `unsafe` lives: `value` (field-wise value moves, tag reads), `gc` (heap, `Gc`
//! pointers, marking, sweeping, the verifier), `object` (interior mutability of
//! single-threaded objects, upvalue pointers), `table` (table storage), `pool` (size-class
//! free lists), `thread` (stack
//! growth), `vm`/`call` (raw register access in the loop), `opcodes` (unchecked decode), and
//! libc calls in `stdlib::lformat` and `stdlib::os`. Everything else is safe Rust; the lexer,
//! parser, compiler, undump and verifier forbid unsafe code.

pub mod api;
pub mod ast;
pub mod auxlib;
pub mod bcverify;
pub mod call;
pub mod compiler;
pub mod debug;
pub mod dump;
pub mod error;
pub mod gc;
pub mod hook;
pub mod jitif;
mod labels;
pub mod layout;
pub mod lexer;
pub mod load;
pub mod number;
pub mod numparse;
pub mod object;
pub mod opcodes;
pub mod parser;
pub mod pool;
pub mod proto;
pub mod rawslice;
pub mod state;
pub mod stdlib;
pub mod table;
pub mod thread;
pub mod tm;
pub mod undump;
pub mod value;
pub mod vm;
mod vm_slow;
pub mod vm_step;

pub use api::{Lua, Val};
pub use error::{LuaError, LuaResult};
pub use state::State;
pub use value::Value;
