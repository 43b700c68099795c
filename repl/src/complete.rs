//! Tab completion for the REPL: keywords and global names, and after `a.b.` or `a:` the
//! fields of that table (and of the tables its metatable's `__index` chain leads to; for a
//! string value, the string library's methods).
//!
//! The helper holds GC handles to the globals table and the string metatable and walks tables
//! with `Table::next`. That is sound without touching the state: completion runs only inside
//! `readline`, when no Lua code runs and so no collection can free what is reachable from the
//! globals; the REPL outlives its helper.

#![forbid(unsafe_code)]

use lua_core::gc::Gc;
use lua_core::table::Table;
use lua_core::Value;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// How deep `__index` chains are followed when listing fields.
const MAX_INDEX_DEPTH: usize = 8;

pub struct LuaHelper {
    pub globals: Gc<Table>,
    pub string_meta: Option<Gc<Table>>,
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_identifier(s: &[u8]) -> bool {
    !s.is_empty()
        && !s[0].is_ascii_digit()
        && s.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
        && !KEYWORDS.iter().any(|k| k.as_bytes() == s)
}

/// Every (string key, value) of `t`, in traversal order.
fn entries(t: Gc<Table>) -> Vec<(Vec<u8>, Value)> {
    let mut out = Vec::new();
    let mut k = Value::Nil;
    while let Ok(Some((key, v))) = t.next(&k) {
        if let Value::Str(s) = key {
            out.push((s.as_bytes().to_vec(), v));
        }
        k = key;
    }
    out
}

/// Raw field `name` of `t` (found by walking, as interning a key would need the state).
fn field(t: Gc<Table>, name: &[u8]) -> Value {
    entries(t)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or(Value::Nil)
}

impl LuaHelper {
    /// `v.name`, following `__index` tables like the VM would (no functions are called).
    fn index(&self, v: Value, name: &[u8]) -> Value {
        let mut cur = v;
        for _ in 0..MAX_INDEX_DEPTH {
            let meta = match cur {
                Value::Table(t) => {
                    let r = field(t, name);
                    if !r.is_nil() {
                        return r;
                    }
                    t.metatable()
                }
                Value::Str(_) => self.string_meta,
                _ => None,
            };
            match meta.map(|m| field(m, b"__index")) {
                Some(next @ Value::Table(_)) => cur = next,
                _ => return Value::Nil,
            }
        }
        Value::Nil
    }

    /// Field names of `v` visible through indexing; `methods` keeps only functions.
    fn field_names(&self, v: Value, methods: bool) -> Vec<String> {
        let mut names = Vec::new();
        let mut cur = v;
        for _ in 0..MAX_INDEX_DEPTH {
            let meta = match cur {
                Value::Table(t) => {
                    for (k, fv) in entries(t) {
                        let is_fn =
                            matches!(fv, Value::LuaFn(_) | Value::NativeFn(_) | Value::LightFn(_));
                        if is_identifier(&k) && (!methods || is_fn) {
                            names.push(String::from_utf8_lossy(&k).into_owned());
                        }
                    }
                    t.metatable()
                }
                Value::Str(_) => self.string_meta,
                _ => None,
            };
            match meta.map(|m| field(m, b"__index")) {
                Some(next @ Value::Table(_)) => cur = next,
                _ => break,
            }
        }
        names
    }

    /// Candidates for the word ending at `pos`: (start of the replaced part, names).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let bytes = &line.as_bytes()[..pos];
        let mut start = pos;
        while start > 0 && (is_ident_byte(bytes[start - 1]) || b".:".contains(&bytes[start - 1])) {
            start -= 1;
        }
        let word = &bytes[start..];
        let sep = word.iter().rposition(|&c| c == b'.' || c == b':');
        let (names, partial_start) = match sep {
            None => {
                let mut names: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
                names.extend(self.field_names(Value::Table(self.globals), false));
                (names, start)
            }
            Some(s) => {
                let path = &word[..s];
                if path.contains(&b':') {
                    return (pos, Vec::new());
                }
                let mut v = Value::Table(self.globals);
                for comp in path.split(|&c| c == b'.') {
                    if comp.is_empty() {
                        return (pos, Vec::new());
                    }
                    v = self.index(v, comp);
                }
                (self.field_names(v, word[s] == b':'), start + s + 1)
            }
        };
        let partial = &line[partial_start..pos];
        let mut names: Vec<String> = names
            .into_iter()
            .filter(|n| n.starts_with(partial))
            .collect();
        names.sort();
        names.dedup();
        (partial_start, names)
    }
}

impl Completer for LuaHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, names) = self.candidates(line, pos);
        let pairs = names
            .into_iter()
            .map(|n| Pair {
                display: n.clone(),
                replacement: n,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for LuaHelper {
    type Hint = String;
}
impl Highlighter for LuaHelper {}
impl Validator for LuaHelper {}
impl Helper for LuaHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper(lua: &mut lua_core::Lua) -> LuaHelper {
        let st = lua.state();
        let s = st.str_value("");
        LuaHelper {
            globals: st.globals,
            string_meta: st.metatable(&s),
        }
    }

    #[test]
    fn globals_keywords_fields() {
        let mut lua = lua_core::Lua::new();
        lua.exec(
            b"obj = setmetatable({x=1}, {__index = {meth = function() end, y = 2}})\n\
              prefix_one, prefix_two = 1, 2\n\
              nested = {inner = {leaf = true}}",
            "=t",
        )
        .unwrap();
        let h = helper(&mut lua);
        assert_eq!(h.candidates("wh", 2), (0, vec!["while".to_string()]));
        let line = "print(prefix_";
        assert_eq!(
            h.candidates(line, line.len()),
            (6, vec!["prefix_one".to_string(), "prefix_two".to_string()])
        );
        assert_eq!(
            h.candidates("obj.", 4),
            (4, vec!["meth".into(), "x".into(), "y".into()])
        );
        assert_eq!(h.candidates("obj:", 4), (4, vec!["meth".into()]));
        assert_eq!(
            h.candidates("nested.inner.l", 14),
            (13, vec!["leaf".into()])
        );
        assert_eq!(h.candidates("nosuch.x", 8).1, Vec::<String>::new());
        assert_eq!(h.candidates("a:b.c", 5).1, Vec::<String>::new());
    }
}
