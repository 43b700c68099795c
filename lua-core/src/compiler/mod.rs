//! The bytecode compiler: turns a parsed [`ast::Chunk`] into a [`Proto`] tree.
//!
//! It generates the same instruction shapes as PUC Lua 5.4's code generator, because the VM
//! derives variable names for error messages by symbolic execution over the bytecode (as
//! ldebug.c does) and the JIT records traces from it. The design is PUC's one-pass scheme
//! applied to a tree: every expression is compiled into an [`expdesc::ExpDesc`], a
//! description of where its value is (a constant, a register, a pending table access, a
//! relocatable instruction whose destination register is not yet fixed, a comparison
//! followed by a jump...) that is turned into code only when the context says what it needs
//! (a value in a given register, any register, an RK operand, a conditional jump).
//! Conditional expressions carry two lists of pending jumps (taken when the value is true /
//! false) that are patched once their targets are known.
//!
//! Modules:
//! - `code`: instruction emission, line info, registers, the constant table, final peephole.
//! - `jumps`: jump lists and conditional jumps (`and`/`or`/`not`, tests).
//! - `expdesc`: expression descriptors and how they are discharged and stored.
//! - `ops`: unary/binary operators, constant folding.
//! - `scope`: local variables, blocks, upvalues, labels and gotos.
//! - `expr`: the walk over expression nodes (calls, constructors, closures).
//! - `stat`: the walk over statements.
//!
//! Invariants (as PUC's):
//! - Locals occupy consecutive registers from 0 in declaration order (compile-time constants
//!   occupy none); temporaries live above them. `freereg` is the first free register; after
//!   each statement it equals the number of registers used by active locals.
//! - `maxstacksize` is one more than the highest register ever reserved, and at least 2.
//! - Every emitted jump is patched before its function is finished.
//!
//! Deviations from PUC's shapes (the VM has no MMBIN instructions, so an arithmetic
//! instruction must describe its metamethod call exactly: event and operand order):
//! - `x - k` uses SUBK (never ADDI with a negated immediate).
//! - `k + x`, `k * x`, `k & x`... are not swapped into the K/immediate forms; the constant is
//!   loaded into a register and the register form is used.
//! - `x << k` uses SHL with registers (never SHRI with a negated immediate).
//! - NEWTABLE's B and C are the raw hash and array size hints capped at 255, with no EXTRAARG.
//!
//! Tests can switch to PUC's exact shapes (`ops::PUC_SHAPES`) to compare listings with
//! `luac5.4`; with that switch the output is identical to PUC 5.4.6's except where PUC's
//! line numbers come from tokens the AST does not record (the `then` of an `if`, the `)` of
//! a call, the `}` of a constructor, the end of a parameter list).
//! Debug ranges of locals follow 5.4.6 (a block's locals end before its CLOSE).
#![forbid(unsafe_code)]

mod code;
mod expdesc;
mod expr;
mod jumps;
mod ops;
mod scope;
mod stat;
#[cfg(test)]
mod tests;

use crate::ast;
use crate::error::{chunkid_bytes, SyntaxError};
use crate::gc::Heap;
use crate::opcodes::Op;
use crate::proto::{Proto, UpvalDesc};
use std::collections::HashMap;
use std::rc::Rc;

use code::KKey;
use scope::{BlockCnt, GotoDesc, LabelDesc, VarDesc};

pub(crate) type R<T> = Result<T, SyntaxError>;

/// Compile a chunk into its main function: a vararg function with one upvalue, `_ENV`.
pub fn compile(chunk: &ast::Chunk, source: Rc<[u8]>, heap: &mut Heap) -> R<Proto> {
    let mut c = Compiler {
        heap,
        source: source.clone(),
        line: 1,
        fs: Vec::new(),
        actvar: Vec::new(),
        gotos: Vec::new(),
        labels: crate::labels::LabelStack::new(),
        kcache: HashMap::new(),
        long_strings: HashMap::new(),
    };
    c.open_func(0);
    c.set_vararg(0);
    c.fs_mut().f.upvalues.push(UpvalDesc {
        name: Some(Rc::from("_ENV")),
        instack: true,
        idx: 0,
        kind: 0,
    });
    c.statlist(&chunk.body, false)?;
    c.close_func()
}

/// Per-function compilation state (PUC's FuncState).
pub(crate) struct FuncState {
    /// The prototype being built (code, constants, children, upvalues, debug info).
    f: Proto,
    /// Active blocks, innermost last.
    blocks: Vec<BlockCnt>,
    /// Last pc that is a jump target (instructions before it may not be merged with new ones).
    lasttarget: usize,
    /// First free register.
    freereg: usize,
    /// Number of active local variables (including compile-time constants).
    nactvar: usize,
    /// Index in `Compiler::actvar` of this function's first local.
    firstlocal: usize,
    /// Index in `Compiler::labels` of this function's first label.
    firstlabel: usize,
    /// The function has captured locals or to-be-closed variables: returns must close.
    needclose: bool,
}

pub(crate) struct Compiler<'h> {
    heap: &'h mut Heap,
    source: Rc<[u8]>,
    /// Line attributed to the instructions being emitted: the line of the last AST node
    /// visited, which tracks PUC's "line of the last token read".
    line: u32,
    /// Functions being compiled, innermost last.
    fs: Vec<FuncState>,
    /// Active local variables of all functions being compiled (PUC's Dyndata.actvar).
    actvar: Vec<VarDesc>,
    /// Pending (unresolved) gotos and breaks.
    gotos: Vec<GotoDesc>,
    /// Visible labels.
    labels: crate::labels::LabelStack<LabelDesc>,
    /// Constant cache shared by all functions, as PUC's scanner table: value -> the index it
    /// last got in some function's `k`. An entry is reused only if the current function's
    /// `k` holds that value at that index, so (exactly as PUC) a constant used by a nested
    /// function and then again by its parent may appear twice in the parent's list.
    kcache: HashMap<KKey, usize>,
    /// Long string literals of this chunk: equal literals are one string object, as PUC's
    /// lexer anchors every string it reads (short strings are interned anyway).
    long_strings: HashMap<Vec<u8>, crate::gc::Gc<crate::object::LuaStr>>,
}

impl Compiler<'_> {
    fn fs(&self) -> &FuncState {
        self.fs.last().expect("a function is being compiled")
    }

    fn fs_mut(&mut self) -> &mut FuncState {
        self.fs.last_mut().expect("a function is being compiled")
    }

    /// A compile error at the current line.
    fn error(&self, msg: &str) -> SyntaxError {
        let pos = format!(":{}: ", self.line);
        SyntaxError(
            [
                &chunkid_bytes(&self.source)[..],
                pos.as_bytes(),
                msg.as_bytes(),
            ]
            .concat(),
        )
    }

    /// PUC's errorlimit: "too many <what> (limit is <limit>) in <function>".
    fn error_limit(&self, limit: usize, what: &str) -> SyntaxError {
        let line = self.fs().f.linedefined;
        let wher = if line == 0 {
            "main function".to_string()
        } else {
            format!("function at line {line}")
        };
        self.error(&format!("too many {what} (limit is {limit}) in {wher}"))
    }

    fn open_func(&mut self, linedefined: u32) {
        let mut f = Proto::new(self.source.clone());
        f.linedefined = linedefined;
        f.maxstacksize = 2;
        let fs = FuncState {
            f,
            blocks: Vec::new(),
            lasttarget: 0,
            freereg: 0,
            nactvar: 0,
            firstlocal: self.actvar.len(),
            firstlabel: self.labels.len(),
            needclose: false,
        };
        self.fs.push(fs);
        self.enter_block(false);
    }

    /// Mark the current function vararg and emit its VARARGPREP.
    fn set_vararg(&mut self, nparams: usize) {
        self.fs_mut().f.is_vararg = true;
        self.code_abc(Op::VarArgPrep, nparams as u32, 0, 0);
    }

    /// Finish the current function: final return, close its outer block, peephole pass.
    fn close_func(&mut self) -> R<Proto> {
        let first = self.nvarstack();
        self.ret(first, 0);
        self.leave_block()?;
        self.finish()?;
        let fs = self.fs.pop().expect("a function is being compiled");
        self.actvar.truncate(fs.firstlocal);
        Ok(fs.f)
    }

    /// Compile a function body in a new FuncState; returns its prototype.
    fn function_body(&mut self, body: &ast::FuncBody, line: u32) -> R<Proto> {
        self.line = line;
        self.open_func(body.line);
        if body.is_method {
            self.new_localvar("self", scope::VarKind::Reg)?;
            self.adjust_localvars(1);
        }
        for p in &body.params {
            self.new_localvar(p, scope::VarKind::Reg)?;
        }
        self.adjust_localvars(body.params.len());
        let nparams = self.fs().nactvar;
        self.fs_mut().f.numparams = nparams as u8;
        if body.is_vararg {
            self.set_vararg(nparams);
        }
        self.reserve_regs(nparams)?;
        self.statlist(&body.body, false)?;
        self.fs_mut().f.lastlinedefined = body.end_line;
        self.line = body.end_line;
        let proto = self.close_func()?;
        self.line = body.end_line;
        Ok(proto)
    }
}

impl Compiler<'_> {
    /// The string object for a literal: one object per distinct literal in the chunk.
    pub(crate) fn literal_string(&mut self, s: &[u8]) -> crate::gc::Gc<crate::object::LuaStr> {
        if s.len() <= crate::gc::MAX_SHORT_LEN {
            return self.heap.intern(s);
        }
        if let Some(g) = self.long_strings.get(s) {
            return *g;
        }
        let g = self.heap.intern(s);
        self.long_strings.insert(s.to_vec(), g);
        g
    }
}
