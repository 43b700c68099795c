//! Function prototypes: what the compiler produces and closures share.
//!
//! Invariants:
//! - `lineinfo.len() == code.len()`: the source line of every instruction.
//! - `k` holds only nil, booleans, numbers and strings; strings are kept alive by the GC
//!   through the closures that share this prototype (see `gc::Marker::mark_proto`).
//! - `traces` is unset until the JIT first compiles a trace for a loop of this prototype;
//!   then it has one slot per instruction, indexed by the pc of the loop's first
//!   instruction (the back-edge target), naming the loop's trace (0: none). A prototype
//!   that dies with traces named in its slots reports them to the JIT (`jitif::proto_died`).

#![forbid(unsafe_code)]

use crate::opcodes::Instr;
use crate::value::Value;
use std::cell::Cell;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct UpvalDesc {
    /// Upvalue name (for debug info and error messages).
    pub name: Option<Rc<str>>,
    /// True if the upvalue refers to a register of the enclosing function, else to one of
    /// the enclosing function's upvalues.
    pub instack: bool,
    pub idx: u8,
    /// Kind of the variable captured: 0 regular, 1 <const>, 2 <close>.
    pub kind: u8,
}

#[derive(Clone, Debug)]
pub struct LocVar {
    pub name: Rc<str>,
    /// First pc where the variable is active.
    pub startpc: u32,
    /// First pc where the variable is dead.
    pub endpc: u32,
}

pub struct Proto {
    pub code: Vec<Instr>,
    pub k: Vec<Value>,
    pub p: Vec<Rc<Proto>>,
    pub upvalues: Vec<UpvalDesc>,
    pub numparams: u8,
    pub is_vararg: bool,
    pub maxstacksize: u8,
    /// Source line of each instruction.
    pub lineinfo: Vec<u32>,
    pub linedefined: u32,
    pub lastlinedefined: u32,
    /// Chunk name as given to `load` ("@file.lua", "=stdin", or the source string).
    pub source: Rc<[u8]>,
    pub locvars: Vec<LocVar>,
    /// GC bookkeeping: epoch in which this prototype's constants were last marked.
    pub gc_epoch: Cell<u32>,
    /// The traces compiled for this prototype's loops, indexed by loop header pc (see the
    /// module invariants).
    pub traces: std::cell::OnceCell<Box<[Cell<u32>]>>,
    /// `code` with every opcode replaced by `Dispatch::Hook` (operands kept), built the first
    /// time hooks come on while this function runs (see `Proto::trap_code`).
    trap: std::cell::OnceCell<Box<[Instr]>>,
}

impl Drop for Proto {
    fn drop(&mut self) {
        crate::jitif::proto_died(self);
    }
}

impl Proto {
    pub fn new(source: Rc<[u8]>) -> Proto {
        Proto {
            code: Vec::new(),
            k: Vec::new(),
            p: Vec::new(),
            upvalues: Vec::new(),
            numparams: 0,
            is_vararg: false,
            maxstacksize: 2,
            lineinfo: Vec::new(),
            linedefined: 0,
            lastlinedefined: 0,
            source,
            locvars: Vec::new(),
            gc_epoch: Cell::new(0),
            traces: std::cell::OnceCell::new(),
            trap: std::cell::OnceCell::new(),
        }
    }

    /// The code as the unhooked interpreter loop fetches it once hooks are on: every
    /// instruction dispatches to `Hook`, and operands read from it (a jump's offset after a
    /// test, an EXTRAARG) are the real ones.
    pub(crate) fn trap_code(&self) -> *const Instr {
        self.trap
            .get_or_init(|| {
                self.code
                    .iter()
                    .map(|i| Instr((i.0 & !0x7f) | u32::from(crate::opcodes::HOOK_DISPATCH)))
                    .collect()
            })
            .as_ptr()
    }

    /// The slot naming the trace of the loop whose header is `pc` (all slots are created
    /// on first use).
    pub fn trace_slot(&self, pc: usize) -> &Cell<u32> {
        let slots = self
            .traces
            .get_or_init(|| (0..=self.code.len()).map(|_| Cell::new(0)).collect());
        &slots[pc.min(slots.len() - 1)]
    }

    /// The trace compiled for the loop whose header is `pc`, if any (0: none).
    #[inline]
    pub fn trace_at(&self, pc: usize) -> u32 {
        match self.traces.get() {
            Some(slots) => slots.get(pc).map_or(0, Cell::get),
            None => 0,
        }
    }

    /// How many registers hold local variables at `pc` when `pc` starts a statement (the
    /// registers above are dead temporaries there); None without debug information.
    pub fn active_locals(&self, pc: usize) -> Option<usize> {
        if self.locvars.is_empty() && self.lineinfo.is_empty() {
            return None;
        }
        Some(
            self.locvars
                .iter()
                .filter(|lv| lv.startpc as usize <= pc && pc < lv.endpc as usize)
                .count(),
        )
    }

    /// Name of the `n`-th (1-based) local variable active at `pc`, as Lua's luaF_getlocalname.
    pub fn local_name(&self, mut n: usize, pc: usize) -> Option<&Rc<str>> {
        for lv in &self.locvars {
            if lv.startpc as usize > pc {
                break;
            }
            if pc < lv.endpc as usize {
                n -= 1;
                if n == 0 {
                    return Some(&lv.name);
                }
            }
        }
        None
    }

    /// Human-readable listing (like `luac -l`), for debugging and compiler tests.
    pub fn disassemble(&self) -> String {
        let mut s = String::new();
        self.disassemble_into(&mut s);
        s
    }

    fn disassemble_into(&self, s: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            s,
            "function <{}:{},{}> ({} instructions)",
            String::from_utf8_lossy(&self.source),
            self.linedefined,
            self.lastlinedefined,
            self.code.len()
        );
        let _ = writeln!(
            s,
            "{}{} params, {} slots, {} upvalues, {} locals, {} constants, {} functions",
            self.numparams,
            if self.is_vararg { "+" } else { "" },
            self.maxstacksize,
            self.upvalues.len(),
            self.locvars.len(),
            self.k.len(),
            self.p.len()
        );
        for (pc, i) in self.code.iter().enumerate() {
            let _ = writeln!(
                s,
                "\t{}\t[{}]\t{:?}",
                pc + 1,
                self.lineinfo.get(pc).copied().unwrap_or(0),
                i
            );
        }
        for (i, k) in self.k.iter().enumerate() {
            let _ = writeln!(s, "\tk{i}\t{k:?}");
        }
        for p in &self.p {
            p.disassemble_into(s);
        }
    }
}
