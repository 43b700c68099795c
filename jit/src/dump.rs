//! What the JIT tells the user: `-jv` (one line per trace event, LuaJIT's format) and
//! `-jdump` (each trace's IR, snapshots and machine code).
//!
//! ```text
//!   [TRACE   1 file.lua:12 loop]
//!   [TRACE --- file.lua:12 -- NYI: bytecode CONCAT at file.lua:15]
//! ```
//!
//! Output goes to stderr or to the file named by `-jv=file` / `-jdump=file`.

use crate::mcode::Mcode;
use crate::options::JitConfig;
use crate::trace::Trace;
use lua_core::proto::Proto;
use std::io::Write;

/// Where `-jv` and `-jdump` lines go.
pub struct Output {
    verbose: Option<Box<dyn Write>>,
    dump: Option<Box<dyn Write>>,
}

fn open(target: &Option<String>) -> Option<Box<dyn Write>> {
    match target.as_deref() {
        None => None,
        Some("") | Some("-") => Some(Box::new(std::io::stderr())),
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(Box::new(std::io::BufWriter::new(f))),
            Err(_) => Some(Box::new(std::io::stderr())),
        },
    }
}

/// "file.lua:12": where `pc` of `p` is, as LuaJIT's messages say it.
pub fn location(p: &Proto, pc: usize) -> String {
    let line = p.lineinfo.get(pc).copied().unwrap_or(p.linedefined);
    format!("{}:{}", lua_core::error::chunkid(&p.source), line)
}

impl Output {
    pub fn new(c: &JitConfig) -> Output {
        Output {
            verbose: open(&c.verbose),
            dump: open(&c.dump),
        }
    }

    /// Does anything print traces (`-jv` or `-jdump`)? Locations are only worth their
    /// formatting then.
    pub fn wanted(&self) -> bool {
        self.verbose.is_some() || self.dump.is_some()
    }

    /// Change the `-jv` target at run time (`jit.v`-style), None to stop.
    pub fn set_verbose(&mut self, target: Option<String>) {
        self.verbose = open(&target);
    }

    pub fn abort(&mut self, start: &str, msg: &str, at: &str) {
        if let Some(w) = self.verbose.as_mut() {
            let _ = writeln!(w, "[TRACE --- {start} -- {msg} at {at}]");
            let _ = w.flush();
        }
        if let Some(w) = self.dump.as_mut() {
            let _ = writeln!(w, "---- TRACE --- abort {start} -- {msg} at {at}");
            let _ = w.flush();
        }
    }

    pub fn note(&mut self, msg: &str) {
        if let Some(w) = self.verbose.as_mut() {
            let _ = writeln!(w, "[TRACE {msg}]");
            let _ = w.flush();
        }
    }

    pub fn trace_done(&mut self, t: &Trace, mcode: &Mcode) {
        if let Some(w) = self.verbose.as_mut() {
            // (Recorded inside a call-out: how many traces ran below it.)
            let nested = match t.nested {
                0 => String::new(),
                n => format!(" nested {n}"),
            };
            let _ = writeln!(
                w,
                "[TRACE {:>3} {}{} {}{nested}]",
                t.no,
                parent_text(t),
                t.location,
                link_text(t)
            );
            let _ = w.flush();
        }
        if let Some(w) = self.dump.as_mut() {
            let _ = write!(w, "{}", dump_trace(t, mcode));
            let _ = w.flush();
        }
    }
}

/// "(2/3) " for a side trace of trace 2's exit 3, "" for a root trace.
pub fn parent_text(t: &Trace) -> String {
    match t.parent {
        Some((p, e)) => format!("({p}/{e}) "),
        None => String::new(),
    }
}

/// How the trace ends: "loop", or "-> N" for a link to trace N.
pub fn link_text(t: &Trace) -> String {
    match t.link {
        Some(0) => "interpreter".to_string(),
        Some(n) => format!("-> {n}"),
        None => "loop".to_string(),
    }
}

/// The `-jdump` text of trace `t`: IR with snapshots, then the machine code.
pub fn dump_trace(t: &Trace, mcode: &Mcode) -> String {
    let mut s = format!(
        "---- TRACE {} start {}{}\n",
        t.no,
        parent_text(t),
        t.location
    );
    s.push_str(&format!("---- TRACE {} IR\n", t.no));
    s.push_str(&t.ir.to_text());
    s.push_str(&format!("---- TRACE {} mcode {}\n", t.no, t.code.len));
    s.push_str(&disassemble(mcode.bytes(t.code), t.code.addr as u64));
    s.push_str(&format!("---- TRACE {} stop {}\n\n", t.no, link_text(t)));
    s
}

/// Intel-syntax disassembly, one instruction per line with its address.
pub fn disassemble(code: &[u8], addr: u64) -> String {
    use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
    let mut out = String::new();
    let mut dec = Decoder::with_ip(64, code, addr, DecoderOptions::NONE);
    let mut fmt = IntelFormatter::new();
    let mut text = String::new();
    for ins in &mut dec {
        text.clear();
        fmt.format(&ins, &mut text);
        out.push_str(&format!("{:08x}  {}\n", ins.ip() & 0xffff_ffff, text));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn disassembles() {
        // mov eax, 42; ret
        let s = super::disassemble(&[0xb8, 42, 0, 0, 0, 0xc3], 0x1000);
        assert!(s.contains("mov eax,2Ah"), "{s}");
        assert!(s.contains("ret"), "{s}");
    }
}
