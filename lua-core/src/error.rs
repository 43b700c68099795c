//! Error types, named for whose fault they are.
//!
//! - [`LuaError::Error`]: a Lua error raised by the program (or by a library on its behalf);
//!   carries the error object, caught by `pcall`/`xpcall` or reported by the embedder.
//! - [`LuaError::Yield`]: not an error; a coroutine yield unwinding the Rust frames of nested
//!   run loops back to `resume` (the yielded values wait on the coroutine's stack).
//!
//! Internal errors (bugs) are not represented: they are panics, and a panic is always a bug.

#![forbid(unsafe_code)]

use crate::value::Value;

#[derive(Clone, Copy, Debug)]
pub enum LuaError {
    Error(Value),
    Yield,
}

pub type LuaResult<T> = Result<T, LuaError>;

/// A compile-time error: the full message, e.g. `input:3: unexpected symbol near 'x'`, as
/// bytes (a chunk name or a token may be any bytes; Display shows them lossily).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError(pub Vec<u8>);

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

/// Maximum length of a chunk id in messages (Lua's LUA_IDSIZE - 1).
const IDSIZE: usize = 59;

/// The chunk name as messages show it (Lua's `luaO_chunkid`): `@file` -> `file`,
/// `=name` -> `name`, source text -> `[string "first line..."]`; bytes, as the name is.
pub fn chunkid_bytes(source: &[u8]) -> Vec<u8> {
    let cat = |parts: &[&[u8]]| parts.concat();
    match source.first() {
        Some(b'=') => source[1..source.len().min(IDSIZE + 1)].to_vec(),
        Some(b'@') => {
            let s = &source[1..];
            if s.len() <= IDSIZE {
                s.to_vec()
            } else {
                cat(&[b"...", &s[s.len() - (IDSIZE - 3)..]])
            }
        }
        _ => {
            let nl = source.iter().position(|&c| c == b'\n');
            let avail = IDSIZE - "[string \"...\"]".len();
            let line = &source[..nl.unwrap_or(source.len())];
            if nl.is_none() && source.len() <= avail {
                cat(&[b"[string \"", source, b"\"]"])
            } else {
                let cut = line.len().min(avail);
                cat(&[b"[string \"", &line[..cut], b"...\"]"])
            }
        }
    }
}

/// `chunkid_bytes` as text, for displays that need it (invalid UTF-8 shown lossily).
pub fn chunkid(source: &[u8]) -> String {
    String::from_utf8_lossy(&chunkid_bytes(source)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::chunkid;
    #[test]
    fn chunkids() {
        assert_eq!(chunkid(b"@foo.lua"), "foo.lua");
        assert_eq!(chunkid(b"=stdin"), "stdin");
        assert_eq!(chunkid(b"x = 1"), "[string \"x = 1\"]");
        assert_eq!(chunkid(b"x = 1\ny = 2"), "[string \"x = 1...\"]");
    }
}
