//! Debug information derived from bytecode (PUC's ldebug): names of the variables involved
//! in an error ("(local 'x')", "(global 'f')"), the position prefix of error messages,
//! function names of calls, and tracebacks.
//!
//! Names come from symbolic execution over the caller's bytecode: `obj_name` finds the
//! instruction that last set a register before `pc` and reads the name off it, as Lua 5.4
//! does, so messages match PUC's for the same code shapes.

#![forbid(unsafe_code)]

use crate::error::chunkid_bytes;
use crate::opcodes::Op;
use crate::proto::Proto;
use crate::state::State;
use crate::thread::Frame;
use crate::value::Value;

/// Where an operand came from, in the running Lua frame.
#[derive(Clone, Copy, Debug)]
pub enum Slot {
    Reg(usize),
    Upval(usize),
}

/// Current line of a Lua frame (-1 for natives).
pub fn frame_line(fr: &Frame) -> i64 {
    match fr.closure {
        Some(cl) => {
            let pc = fr.pc.saturating_sub(1);
            cl.proto.lineinfo.get(pc).map_or(-1, |&l| l as i64)
        }
        None => -1,
    }
}

/// "chunk:line: " for the frame `level` levels below the top (0 = running function), or ""
/// if that frame is not a Lua function.
pub fn where_(st: &State, level: usize) -> Vec<u8> {
    let ts = st.ts();
    if ts.frames.len() <= level {
        return Vec::new();
    }
    let fr = &ts.frames[ts.frames.len() - 1 - level];
    match fr.closure {
        Some(cl) => {
            let line = format!(":{}: ", frame_line(fr));
            [&chunkid_bytes(&cl.proto.source)[..], line.as_bytes()].concat()
        }
        None => Vec::new(),
    }
}

/// The position prefix library code adds (PUC's luaL_where): like `where_`, but empty when
/// the line is unknown (a stripped function), where runtime errors would say "?:-1:".
pub fn where_lib(st: &State, level: usize) -> Vec<u8> {
    let ts = st.ts();
    match ts
        .frames
        .len()
        .checked_sub(1 + level)
        .map(|i| &ts.frames[i])
    {
        Some(fr) if fr.closure.is_some() && frame_line(fr) > 0 => where_(st, level),
        _ => Vec::new(),
    }
}

/// " (kind 'name')" for an operand of the running Lua frame, or "".
pub fn varinfo(st: &State, slot: Option<Slot>) -> Vec<u8> {
    let ts = st.ts();
    let Some(fr) = ts.frames.last() else {
        return Vec::new();
    };
    let Some(cl) = fr.closure else {
        return Vec::new();
    };
    let found = match slot {
        Some(Slot::Upval(i)) => upval_name(&cl.proto, i).map(|n| ("upvalue", n)),
        Some(Slot::Reg(r)) => obj_name(&cl.proto, fr.pc.saturating_sub(1), r),
        None => None,
    };
    match found {
        Some((kind, name)) => [format!(" ({kind} '").as_bytes(), &name, b"')"].concat(),
        None => Vec::new(),
    }
}

/// The register of stack slot `idx` in the running Lua frame, if it is one.
pub fn slot_of_stack(st: &State, idx: usize) -> Option<Slot> {
    let fr = st.ts().frames.last()?;
    fr.closure?;
    if idx >= fr.base && idx < fr.top {
        Some(Slot::Reg(idx - fr.base))
    } else {
        None
    }
}

/// Name of the local variable in stack slot `idx` of the running Lua frame.
pub fn local_name_at(st: &State, idx: usize) -> Option<String> {
    let fr = st.ts().frames.last()?;
    let cl = fr.closure?;
    let reg = idx.checked_sub(fr.base)?;
    cl.proto
        .local_name(reg + 1, fr.pc.saturating_sub(1))
        .map(|s| s.to_string())
}

fn upval_name(p: &Proto, i: usize) -> Option<Vec<u8>> {
    p.upvalues
        .get(i)
        .map(|u| u.name.as_deref().unwrap_or("?").as_bytes().to_vec())
}

/// A string constant, as bytes: names in messages keep every byte.
fn kstr(p: &Proto, i: usize) -> Option<Vec<u8>> {
    match p.k.get(i) {
        Some(Value::Str(s)) => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

/// Last instruction before `lastpc` that set register `reg` (None if unknown or jumped over).
fn find_set_reg(p: &Proto, lastpc: usize, reg: usize) -> Option<usize> {
    let mut setreg = None;
    let mut jmptarget = 0usize;
    for pc in 0..lastpc.min(p.code.len()) {
        let i = p.code[pc];
        let a = i.a();
        let change = match i.op() {
            Op::LoadNil => a <= reg && reg <= a + i.b(),
            Op::TForCall => reg >= a + 2,
            Op::Call | Op::TailCall => reg >= a,
            Op::Jmp => {
                let dest = i.jump_target(pc).unwrap_or(-1);
                if dest >= 0 && (dest as usize) <= lastpc && dest as usize > jmptarget {
                    jmptarget = dest as usize;
                }
                false
            }
            // Any other instruction counts as setting R[A] alone, when the opcode table says
            // it writes R[A] (SETS_A, PUC's "A mode"), as in PUC's findsetreg.
            op => op.sets_a() && reg == a,
        };
        if change {
            setreg = if pc < jmptarget { None } else { Some(pc) };
        }
    }
    setreg
}

/// Is the table operand named `_ENV` (then a field access is a global)?
fn is_env(p: &Proto, pc: usize, table: usize, upval: bool) -> bool {
    // Only a local or an upvalue named _ENV counts (Lua 5.4.8's basicgetobjname), not a
    // field called `_ENV`.
    let name = if upval {
        upval_name(p, table)
    } else {
        match basic_obj_name(p, pc, table) {
            Some(("local" | "upvalue", n)) => Some(n),
            _ => None, // a constant "_ENV" is not the variable _ENV
        }
    };
    name.as_deref() == Some(&b"_ENV"[..])
}

/// Names from locals, upvalues, constants and moves only (PUC's basicgetobjname).
fn basic_obj_name(p: &Proto, lastpc: usize, reg: usize) -> Option<(&'static str, Vec<u8>)> {
    if let Some(n) = p.local_name(reg + 1, lastpc) {
        return Some(("local", n.as_bytes().to_vec()));
    }
    let pc = find_set_reg(p, lastpc, reg)?;
    let i = p.code[pc];
    match i.op() {
        Op::Move if i.b() < i.a() => basic_obj_name(p, pc, i.b()),
        Op::GetUpval => upval_name(p, i.b()).map(|n| ("upvalue", n)),
        Op::LoadK => kstr(p, i.bx()).map(|n| ("constant", n)),
        Op::LoadKX => kstr(p, p.code.get(pc + 1)?.ax()).map(|n| ("constant", n)),
        _ => None,
    }
}

/// Kind and name of the value in register `reg` at `lastpc` (PUC's getobjname).
pub fn obj_name(p: &Proto, lastpc: usize, reg: usize) -> Option<(&'static str, Vec<u8>)> {
    if let Some(n) = p.local_name(reg + 1, lastpc) {
        return Some(("local", n.as_bytes().to_vec()));
    }
    let pc = find_set_reg(p, lastpc, reg)?;
    let i = p.code[pc];
    match i.op() {
        Op::Move => {
            let b = i.b();
            if b < i.a() {
                obj_name(p, pc, b)
            } else {
                None
            }
        }
        Op::GetTabUp => {
            let k = kstr(p, i.c()).unwrap_or_else(|| "?".into());
            Some((
                if is_env(p, pc, i.b(), true) {
                    "global"
                } else {
                    "field"
                },
                k,
            ))
        }
        Op::GetTable => {
            // Only a key register holding a string constant names the field (PUC's rname).
            let k = match obj_name(p, pc, i.c()) {
                Some(("constant", n)) => n,
                _ => "?".into(),
            };
            Some((
                if is_env(p, pc, i.b(), false) {
                    "global"
                } else {
                    "field"
                },
                k,
            ))
        }
        Op::GetI => Some(("field", "integer index".into())),
        Op::GetField => {
            let k = kstr(p, i.c()).unwrap_or_else(|| "?".into());
            Some((
                if is_env(p, pc, i.b(), false) {
                    "global"
                } else {
                    "field"
                },
                k,
            ))
        }
        Op::GetUpval => upval_name(p, i.b()).map(|n| ("upvalue", n)),
        Op::LoadK => kstr(p, i.bx()).map(|n| ("constant", n)),
        Op::LoadKX => kstr(p, p.code.get(pc + 1)?.ax()).map(|n| ("constant", n)),
        Op::Self_ => {
            // The key is a constant, or a register loaded from one (PUC's rkname).
            let k = if i.k() {
                kstr(p, i.c())
            } else {
                match obj_name(p, pc, i.c()) {
                    Some(("constant", n)) => Some(n),
                    _ => None,
                }
            };
            Some(("method", k.unwrap_or_else(|| "?".into())))
        }
        _ => None,
    }
}

/// How the instruction the running Lua frame is executing makes its call (for call errors).
pub fn calling_name(st: &State) -> Option<(&'static str, Vec<u8>)> {
    let idx = st.ts().frames.len();
    func_name_from(st, idx)
}

/// How the function running in frame `idx` was called, judged from its caller's code:
/// (namewhat, name), e.g. ("global", "print"), ("method", "push"), ("metamethod", "index").
pub fn func_name(st: &State, idx: usize) -> Option<(&'static str, Vec<u8>)> {
    let ts = st.ts();
    let fr = ts.frames.get(idx)?;
    if fr.tailcalled {
        return None;
    }
    if !ts.allow_hook && idx == ts.hook_frame {
        return Some(("hook", "?".into()));
    }
    if ts.fin_frame == Some(idx) {
        return Some(("metamethod", "__gc".into()));
    }
    func_name_from(st, idx)
}

/// The name the Lua frame `idx - 1` gives the callee of its current instruction.
fn func_name_from(st: &State, idx: usize) -> Option<(&'static str, Vec<u8>)> {
    let ts = st.ts();
    let caller = ts.frames.get(idx.checked_sub(1)?)?;
    let cl = caller.closure?;
    let p = &cl.proto;
    let pc = caller.pc.checked_sub(1)?;
    let i = *p.code.get(pc)?;
    let tm = match i.op() {
        Op::Call | Op::TailCall => return obj_name(p, pc, i.a()),
        Op::TForCall => return Some(("for iterator", "for iterator".into())),
        Op::Self_ | Op::GetTabUp | Op::GetTable | Op::GetI | Op::GetField => "index",
        Op::SetTabUp | Op::SetTable | Op::SetI | Op::SetField => "newindex",
        Op::AddI | Op::AddK | Op::Add => "add",
        Op::SubK | Op::Sub => "sub",
        Op::MulK | Op::Mul => "mul",
        Op::ModK | Op::Mod => "mod",
        Op::PowK | Op::Pow => "pow",
        Op::DivK | Op::Div => "div",
        Op::IDivK | Op::IDiv => "idiv",
        Op::BAndK | Op::BAnd => "band",
        Op::BOrK | Op::BOr => "bor",
        Op::BXorK | Op::BXor => "bxor",
        Op::ShlI | Op::Shl => "shl",
        Op::ShrI | Op::Shr => "shr",
        Op::Unm => "unm",
        Op::BNot => "bnot",
        Op::Len => "len",
        Op::Concat => "concat",
        Op::Eq => "eq",
        Op::Lt | Op::LtI | Op::GtI => "lt",
        Op::Le | Op::LeI | Op::GeI => "le",
        Op::Close | Op::Return => "close",
        _ => return None,
    };
    Some(("metamethod", tm.into()))
}

/// Name of a function value as a global or a field of a loaded module ("print",
/// "string.rep"), searching package.loaded like PUC's pushglobalfuncname.
pub fn global_func_name(st: &State, f: &Value) -> Option<String> {
    let loaded = st.loaded;
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = loaded.next(&key) {
        key = k;
        if let (Value::Str(modname), Value::Table(m)) = (k, v) {
            let mut k2 = Value::Nil;
            while let Ok(Some((fk, fv))) = m.next(&k2) {
                k2 = fk;
                if let Value::Str(fname) = fk {
                    if fv.raw_eq(f) {
                        let mn = modname.to_str_lossy();
                        return Some(if mn == "_G" {
                            fname.to_str_lossy().into_owned()
                        } else {
                            format!("{}.{}", mn, fname.to_str_lossy())
                        });
                    }
                }
            }
        }
    }
    None
}

/// The name used in "bad argument" messages for the running native (PUC's luaL_argerror).
pub fn current_func_name(st: &State) -> (Option<&'static str>, String) {
    let idx = st.ts().frames.len().saturating_sub(1);
    if let Some((what, name)) = func_name(st, idx) {
        return (Some(what), String::from_utf8_lossy(&name).into_owned());
    }
    let f = st
        .ts()
        .frames
        .last()
        .map(|fr| st.ts().stack[fr.func])
        .unwrap_or(Value::Nil);
    (None, global_func_name(st, &f).unwrap_or_else(|| "?".into()))
}

/// A traceback of the running thread from frame `level` down (luaL_traceback's format).
pub fn traceback(st: &State, msg: Option<&[u8]>, level: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(m) = msg {
        out.extend_from_slice(m);
        out.push(b'\n');
    }
    out.extend_from_slice(b"stack traceback:");
    let ts = st.ts();
    let n = ts.frames.len();
    let frames: Vec<usize> = (0..n.saturating_sub(level)).rev().collect();
    let total = frames.len();
    for (count, &idx) in frames.iter().enumerate() {
        if total > 22 && count == 10 {
            let skip = format!("\n\t...\t(skipping {} levels)", total - 21);
            out.extend_from_slice(skip.as_bytes());
        }
        if total > 22 && count >= 10 && count < total - 11 {
            continue;
        }
        let fr = &ts.frames[idx];
        out.extend_from_slice(b"\n\t");
        let f = ts.stack[fr.func];
        match fr.closure {
            Some(cl) => {
                out.extend_from_slice(&chunkid_bytes(&cl.proto.source));
                out.extend_from_slice(format!(":{}: in ", frame_line(fr)).as_bytes());
            }
            None => out.extend_from_slice(b"[C]: in "),
        }
        let gname = global_func_name(st, &f);
        if let Some(g) = gname {
            out.extend_from_slice(format!("function '{g}'").as_bytes());
        } else if let Some((what, name)) = func_name(st, idx) {
            out.extend_from_slice(format!("{what} '").as_bytes());
            out.extend_from_slice(&name);
            out.push(b'\'');
        } else if let Some(cl) = fr.closure {
            if cl.proto.linedefined == 0 {
                out.extend_from_slice(b"main chunk");
            } else {
                out.extend_from_slice(b"function <");
                out.extend_from_slice(&chunkid_bytes(&cl.proto.source));
                out.extend_from_slice(format!(":{}>", cl.proto.linedefined).as_bytes());
            }
        } else {
            out.push(b'?');
        }
        if fr.tailcalled {
            out.extend_from_slice(b"\n\t(...tail calls...)");
        }
    }
    out
}
