//! The REPL, following lua.c's `doREPL`/`loadline`: read a line; if `return <line>;`
//! compiles, run that and print its values with `print`; else keep reading continuation lines
//! (prompt `>> `) while the chunk's syntax error ends in `<eof>`, then run it. Errors print
//! with a traceback (no program name) and the loop goes on; end of input ends it.
//!
//! On a terminal lines come from rustyline: editing, persistent history in `~/.lua_history`
//! (one entry per chunk), Ctrl-R search, tab completion (`complete`), Ctrl-C clearing the
//! line, Ctrl-D at an empty prompt ending the session. Otherwise (`lua -i < file`) prompts go
//! to stdout and lines are read from stdin like lua.c without readline.

#![forbid(unsafe_code)]

use crate::complete::LuaHelper;
use crate::{docall, message};
use lua_core::{Lua, Value};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

const PROMPT: &str = "> ";
const PROMPT2: &str = ">> ";
/// Lines kept in the history file.
const HISTORY_SIZE: usize = 1000;

enum Read {
    Line(Vec<u8>),
    Eof,
    /// Ctrl-C at the prompt: drop what was typed.
    Interrupted,
}

enum Input {
    Editor {
        editor: Box<Editor<LuaHelper, FileHistory>>,
        history: Option<PathBuf>,
    },
    Plain,
}

impl Input {
    fn new(lua: &mut Lua) -> Input {
        if !std::io::stdin().is_terminal() {
            return Input::Plain;
        }
        let config = Config::builder()
            .max_history_size(HISTORY_SIZE)
            .and_then(|b| b.history_ignore_dups(true))
            .map(|b| {
                b.completion_type(CompletionType::List)
                    .auto_add_history(false)
                    .build()
            });
        let Ok(config) = config else {
            return Input::Plain;
        };
        let Ok(mut editor) = Editor::<LuaHelper, FileHistory>::with_config(config) else {
            return Input::Plain;
        };
        let st = lua.state();
        let empty = st.str_value("");
        editor.set_helper(Some(LuaHelper {
            globals: st.globals,
            string_meta: st.metatable(&empty),
        }));
        let history = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".lua_history"));
        if let Some(path) = &history {
            let _ = editor.load_history(path);
        }
        Input::Editor {
            editor: Box::new(editor),
            history,
        }
    }

    fn read(&mut self, lua: &mut Lua, prompt: &str) -> Read {
        lua.state().flush_out();
        match self {
            Input::Editor { editor, .. } => match editor.readline(prompt) {
                Ok(s) => Read::Line(s.into_bytes()),
                Err(ReadlineError::Interrupted) => Read::Interrupted,
                Err(_) => Read::Eof,
            },
            Input::Plain => {
                let st = lua.state();
                st.write_out(prompt.as_bytes());
                st.flush_out();
                let mut line = Vec::new();
                match std::io::stdin().lock().read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => Read::Eof,
                    Ok(_) => {
                        if line.last() == Some(&b'\n') {
                            line.pop();
                        }
                        Read::Line(line)
                    }
                }
            }
        }
    }

    /// Keep `chunk` in the history (and the history file) if it is not empty.
    fn save(&mut self, chunk: &[u8]) {
        if let Input::Editor { editor, history } = self {
            if chunk.is_empty() {
                return;
            }
            let entry = String::from_utf8_lossy(chunk).into_owned();
            if let Ok(true) = editor.add_history_entry(entry) {
                if let Some(path) = history {
                    let _ = editor.append_history(path);
                }
            }
        }
    }
}

/// What `load_line` produced.
enum Loaded {
    Chunk(Result<Value, Vec<u8>>),
    /// Ctrl-C at a prompt: nothing to run.
    Cancelled,
    Eof,
}

/// lua.c's `get_prompt`: `_PROMPT`/`_PROMPT2` through `tostring`, else the default.
fn prompt(lua: &mut Lua, first: bool) -> String {
    let (name, dflt) = if first {
        ("_PROMPT", PROMPT)
    } else {
        ("_PROMPT2", PROMPT2)
    };
    let v = lua.state().get_global(name);
    let v = match v {
        Value::Nil => return dflt.to_string(),
        Value::Str(_) => v,
        _ => {
            let tostring = lua.state().get_global("tostring");
            match lua.state().pcall_values(tostring, &[v]) {
                Ok(r) => r.first().copied().unwrap_or(Value::Nil),
                Err(_) => return dflt.to_string(),
            }
        }
    };
    match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        _ => dflt.to_string(),
    }
}

/// lua.c's `loadline`: one complete chunk, or why there is none.
fn load_line(lua: &mut Lua, input: &mut Input) -> Loaded {
    let p = prompt(lua, true);
    let typed = match input.read(lua, &p) {
        Read::Line(l) => l,
        Read::Eof => return Loaded::Eof,
        Read::Interrupted => return Loaded::Cancelled,
    };
    // 5.2 compatibility: a first line `=expr` means `return expr`.
    let line = match typed.strip_prefix(b"=") {
        Some(rest) => [&b"return "[..], rest].concat(),
        None => typed.clone(),
    };
    // An expression line: print its values.
    let ret = [&b"return "[..], &line, b";"].concat();
    if let Ok(f) = load(lua, &ret) {
        input.save(&typed);
        return Loaded::Chunk(Ok(f));
    }
    // A statement, maybe with continuation lines.
    let mut chunk = line;
    let mut history = typed;
    loop {
        let r = load(lua, &chunk);
        match r {
            Err(m) if m.ends_with(b"<eof>") => {
                let p2 = prompt(lua, false);
                match input.read(lua, &p2) {
                    Read::Line(l) => {
                        chunk.push(b'\n');
                        chunk.extend_from_slice(&l);
                        history.push(b'\n');
                        history.extend_from_slice(&l);
                    }
                    Read::Eof => {
                        input.save(&history);
                        return Loaded::Chunk(Err(m));
                    }
                    Read::Interrupted => return Loaded::Cancelled,
                }
            }
            r => {
                input.save(&history);
                return Loaded::Chunk(r);
            }
        }
    }
}

/// Compile a chunk read from stdin (the message keeps its bytes).
fn load(lua: &mut Lua, chunk: &[u8]) -> Result<Value, Vec<u8>> {
    lua.state().load_chunk(chunk, b"=stdin", b"bt", None)
}

/// lua.c's `l_print`: the chunk's values through the global `print`.
fn print_values(lua: &mut Lua, vals: &[Value]) {
    if vals.is_empty() {
        return;
    }
    let print = lua.state().get_global("print");
    if let Err(e) = lua.state().pcall_values(print, vals) {
        let msg = lua.state().display(e);
        let text = [b"error calling 'print' (", msg.as_bytes(), b")"].concat();
        message(lua, None, &text);
    }
}

/// lua.c's `doREPL`.
pub fn do_repl(lua: &mut Lua) {
    let mut input = Input::new(lua);
    loop {
        match load_line(lua, &mut input) {
            Loaded::Eof => break,
            Loaded::Cancelled => {}
            Loaded::Chunk(Ok(f)) => match docall(lua, f, &[]) {
                Ok(vals) => print_values(lua, &vals),
                Err(m) => message(lua, None, &m),
            },
            Loaded::Chunk(Err(m)) => message(lua, None, &m),
        }
    }
    // lua.c ends with a newline after the Ctrl-D; rustyline has already written one.
    let st = lua.state();
    if matches!(input, Input::Plain) {
        st.write_out(b"\n");
    }
    st.flush_out();
}
