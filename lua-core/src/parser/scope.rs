//! Scopes as the parser sees them: functions, blocks, local variables, upvalues, labels and
//! pending gotos, and the compile-time constants of `local x <const> = k`.
//!
//! This mirrors the bookkeeping of PUC's `lparser.c` (FuncState, BlockCnt, Dyndata) for the
//! checks the parser itself reports: read-only variables, the 200-locals and 255-upvalues
//! limits, goto/label visibility (5.4 rules), `break` outside a loop. The compiler resolves
//! scopes again for code generation; the parser only guarantees the AST is free of these
//! errors. Checks happen at the same moments as in PUC so that the first error reported, its
//! line and its "near" token are the same.

#![forbid(unsafe_code)]

use super::Parser;
use crate::ast::{BinOp, Expr, ExprKind, UnOp};
use crate::error::SyntaxError;
use crate::number::{self, ArithOp};
use crate::value::Value;

/// Most local variables per function (PUC's MAXVARS).
pub const MAX_VARS: usize = 200;
/// Most upvalues per function (PUC's MAXUPVAL).
pub const MAX_UPVALS: usize = 255;
/// Most local variable declarations over a function's life (PUC's SHRT_MAX for `locvars`).
pub const MAX_LOCVARS: usize = 32767;
/// Most pending gotos, and most visible labels (PUC's SHRT_MAX for `dyd->gt`, `dyd->label`).
pub const MAX_LABELS: usize = 32767;
/// Most functions nested directly in one function (PUC's MAXARG_Bx).
pub const MAX_PROTOS: usize = (1 << 17) - 1;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VarKind {
    /// A regular variable.
    Reg,
    /// `<const>` kept in a register.
    Const,
    /// `<close>`.
    Close,
    /// `<const>` with a constant initializer: no register, no upvalue; its value is known.
    CompileTime,
}

/// A constant value known at compile time (PUC's constant `expdesc` kinds).
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Nil,
    Bool(bool),
    Int(i64),
    Flt(f64),
    Str(Vec<u8>),
}

#[derive(Debug)]
pub struct VarDesc {
    pub name: String,
    pub kind: VarKind,
    /// The value of a `CompileTime` variable.
    pub value: Option<Const>,
}

#[derive(Debug)]
pub struct BlockCnt {
    /// Active locals outside the block.
    pub nactvar: usize,
    pub firstlabel: usize,
    pub firstgoto: usize,
    pub isloop: bool,
}

/// A label, or a goto waiting for its label (`break` is a goto to the label "break").
#[derive(Debug)]
pub struct LabelDesc {
    pub name: String,
    pub line: u32,
    pub nactvar: usize,
}

impl crate::labels::Named for LabelDesc {
    fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug)]
pub struct FuncState {
    /// 0 for the main function.
    pub linedefined: u32,
    pub is_vararg: bool,
    /// Index of this function's first variable in `Parser::actvar`.
    pub firstlocal: usize,
    /// Index of this function's first label in `Parser::labels`.
    pub firstlabel: usize,
    /// Number of active (visible) locals, counting compile-time constants.
    pub nactvar: usize,
    pub upvals: Vec<(String, VarKind)>,
    pub blocks: Vec<BlockCnt>,
    /// Variables declared so far (PUC's `ndebugvars`; compile-time constants excluded).
    pub ndebugvars: usize,
    /// Functions nested directly in this one so far.
    pub nprotos: usize,
    /// Largest AST height seen in this function's body so far (see `Parser::note_depth`).
    pub max_depth: u32,
}

/// How a name resolves (PUC's VLOCAL / VUPVAL / VCONST / global).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarRef {
    /// Index among the function's locals (relative to `firstlocal`).
    Local(usize),
    Upval(usize),
    /// Absolute index in `Parser::actvar` of a compile-time constant.
    Const(usize),
    Global,
}

impl Parser<'_> {
    pub(super) fn fs(&self) -> &FuncState {
        // The function stack is never empty while parsing (the main function is opened first).
        self.funcs.last().expect("no open function")
    }

    pub(super) fn fs_mut(&mut self) -> &mut FuncState {
        self.funcs.last_mut().expect("no open function")
    }

    pub(super) fn open_func(&mut self, linedefined: u32) {
        self.funcs.push(FuncState {
            linedefined,
            is_vararg: false,
            firstlocal: self.actvar.len(),
            firstlabel: self.labels.len(),
            nactvar: 0,
            upvals: Vec::new(),
            blocks: Vec::new(),
            ndebugvars: 0,
            nprotos: 0,
            max_depth: 0,
        });
        self.enter_block(false);
    }

    /// Close the current function; returns the height of its body.
    pub(super) fn close_func(&mut self) -> Result<u32, SyntaxError> {
        self.leave_block()?;
        let fs = self.funcs.pop().expect("no open function");
        Ok(fs.max_depth)
    }

    pub(super) fn enter_block(&mut self, isloop: bool) {
        let bl = BlockCnt {
            nactvar: self.fs().nactvar,
            firstlabel: self.labels.len(),
            firstgoto: self.gotos.len(),
            isloop,
        };
        self.fs_mut().blocks.push(bl);
    }

    pub(super) fn leave_block(&mut self) -> Result<(), SyntaxError> {
        let (bl_nactvar, bl_firstlabel, bl_firstgoto, isloop) = {
            let bl = self.fs().blocks.last().expect("no open block");
            (bl.nactvar, bl.firstlabel, bl.firstgoto, bl.isloop)
        };
        // Remove the block's locals.
        let fs = self.fs_mut();
        let removed = fs.nactvar - bl_nactvar;
        fs.nactvar = bl_nactvar;
        let keep = self.actvar.len() - removed;
        self.actvar.truncate(keep);
        if isloop {
            self.create_label("break".to_string(), 0, false)?;
        }
        self.labels.truncate(bl_firstlabel);
        self.fs_mut().blocks.pop();
        if !self.fs().blocks.is_empty() {
            // Pending gotos now belong to the enclosing block, at its level.
            for g in &mut self.gotos[bl_firstgoto..] {
                g.nactvar = bl_nactvar;
            }
        } else if let Some(g) = self.gotos.get(bl_firstgoto) {
            let msg = if g.name == "break" {
                format!("break outside loop at line {}", g.line)
            } else {
                format!(
                    "no visible label '{}' for <goto> at line {}",
                    g.name, g.line
                )
            };
            return Err(self.sem_error(&msg));
        }
        Ok(())
    }

    /// "too many <what> (limit is N) in <function>"
    pub(super) fn error_limit(&self, fs_index: usize, limit: usize, what: &str) -> SyntaxError {
        let line = self.funcs[fs_index].linedefined;
        let whr = if line == 0 {
            "main function".to_string()
        } else {
            format!("function at line {line}")
        };
        self.syntax_error(&format!("too many {what} (limit is {limit}) in {whr}"))
    }

    /// Declare a variable (not yet visible); returns its index in the function.
    pub(super) fn new_localvar(&mut self, name: String) -> Result<usize, SyntaxError> {
        let firstlocal = self.fs().firstlocal;
        if self.actvar.len() + 1 - firstlocal > MAX_VARS {
            return Err(self.error_limit(self.funcs.len() - 1, MAX_VARS, "local variables"));
        }
        self.actvar.push(VarDesc {
            name,
            kind: VarKind::Reg,
            value: None,
        });
        Ok(self.actvar.len() - 1 - firstlocal)
    }

    /// Make the last `n` declared variables visible.
    pub(super) fn adjust_localvars(&mut self, n: usize) -> Result<(), SyntaxError> {
        let fs = self.fs_mut();
        fs.nactvar += n;
        fs.ndebugvars += n;
        if fs.ndebugvars > MAX_LOCVARS {
            return Err(too_many("local variables", MAX_LOCVARS));
        }
        Ok(())
    }

    /// Count a function nested in the current one.
    pub(super) fn add_proto(&mut self) -> Result<(), SyntaxError> {
        let fs = self.fs_mut();
        if fs.nprotos >= MAX_PROTOS {
            return Err(too_many("functions", MAX_PROTOS));
        }
        fs.nprotos += 1;
        Ok(())
    }

    fn search_var(&self, fi: usize, name: &str) -> Option<VarRef> {
        let fs = &self.funcs[fi];
        (0..fs.nactvar).rev().find_map(|i| {
            let v = &self.actvar[fs.firstlocal + i];
            (v.name == name).then_some(if v.kind == VarKind::CompileTime {
                VarRef::Const(fs.firstlocal + i)
            } else {
                VarRef::Local(i)
            })
        })
    }

    /// Resolve `name` in function `fi`, creating upvalues along the way (PUC's
    /// `singlevaraux`).
    fn resolve_in(&mut self, fi: usize, name: &str) -> Result<VarRef, SyntaxError> {
        if let Some(r) = self.search_var(fi, name) {
            return Ok(r);
        }
        if let Some(i) = self.funcs[fi].upvals.iter().position(|(n, _)| n == name) {
            return Ok(VarRef::Upval(i));
        }
        if fi == 0 {
            return Ok(VarRef::Global);
        }
        let kind = match self.resolve_in(fi - 1, name)? {
            VarRef::Local(i) => self.actvar[self.funcs[fi - 1].firstlocal + i].kind,
            VarRef::Upval(i) => self.funcs[fi - 1].upvals[i].1,
            other => return Ok(other),
        };
        if self.funcs[fi].upvals.len() + 1 > MAX_UPVALS {
            return Err(self.error_limit(fi, MAX_UPVALS, "upvalues"));
        }
        self.funcs[fi].upvals.push((name.to_string(), kind));
        Ok(VarRef::Upval(self.funcs[fi].upvals.len() - 1))
    }

    /// Resolve a variable name as PUC's `singlevar` does (globals also resolve `_ENV`).
    pub(super) fn resolve(&mut self, name: &str) -> Result<VarRef, SyntaxError> {
        let fi = self.funcs.len() - 1;
        let r = self.resolve_in(fi, name)?;
        if r == VarRef::Global {
            self.resolve_in(fi, "_ENV")?;
        }
        Ok(r)
    }

    /// "attempt to assign to const variable 'x'" when the variable `name` is read-only.
    pub(super) fn check_readonly(&mut self, name: &str) -> Result<(), SyntaxError> {
        let readonly = match self.resolve(name)? {
            VarRef::Const(_) => true,
            VarRef::Local(i) => self.actvar[self.fs().firstlocal + i].kind != VarKind::Reg,
            VarRef::Upval(i) => self.fs().upvals[i].1 != VarKind::Reg,
            VarRef::Global => false,
        };
        if readonly {
            let msg = format!("attempt to assign to const variable '{name}'");
            return Err(self.sem_error(&msg));
        }
        Ok(())
    }

    fn find_label(&self, name: &str) -> Option<&LabelDesc> {
        self.labels.find(name, self.fs().firstlabel)
    }

    /// A `goto name` at `line`: backward jumps resolve at once, forward ones wait.
    pub(super) fn new_goto(&mut self, name: String, line: u32) -> Result<(), SyntaxError> {
        if name != "break" && self.find_label(&name).is_some() {
            return Ok(());
        }
        if self.gotos.len() >= MAX_LABELS {
            return Err(too_many("labels/gotos", MAX_LABELS));
        }
        let nactvar = self.fs().nactvar;
        self.gotos.push(LabelDesc {
            name,
            line,
            nactvar,
        });
        Ok(())
    }

    pub(super) fn check_repeated(&self, name: &str) -> Result<(), SyntaxError> {
        if let Some(l) = self.find_label(name) {
            let msg = format!("label '{}' already defined on line {}", name, l.line);
            return Err(self.sem_error(&msg));
        }
        Ok(())
    }

    /// Define a label; `last` says it is the last statement of its block (then the block's
    /// locals are already out of scope for it). Resolves pending gotos of the block.
    pub(super) fn create_label(
        &mut self,
        name: String,
        line: u32,
        last: bool,
    ) -> Result<(), SyntaxError> {
        if self.labels.len() >= MAX_LABELS {
            return Err(too_many("labels/gotos", MAX_LABELS));
        }
        let fs = self.fs();
        let bl = fs.blocks.last().expect("no open block");
        let nactvar = if last { bl.nactvar } else { fs.nactvar };
        let firstgoto = bl.firstgoto;
        let firstlocal = fs.firstlocal;
        let pending = &self.gotos[firstgoto..];
        if let Some(g) = pending
            .iter()
            .find(|g| g.name == name && g.nactvar < nactvar)
        {
            let var = &self.actvar[firstlocal + g.nactvar].name;
            let msg = format!(
                "<goto {}> at line {} jumps into the scope of local '{}'",
                g.name, g.line, var
            );
            return Err(self.sem_error(&msg));
        }
        // Resolve them all at once (linear even with many gotos to one label).
        let mut i = 0;
        self.gotos.retain(|g| {
            i += 1;
            i <= firstgoto || g.name != name
        });
        self.labels.push(LabelDesc {
            name,
            line,
            nactvar,
        });
        Ok(())
    }

    /// The value of `e` if PUC would treat it as a compile-time constant (`luaK_exp2const`
    /// after constant folding), in the current scope.
    pub(super) fn const_value(&self, e: &Expr) -> Option<Const> {
        match &e.kind {
            ExprKind::Nil => Some(Const::Nil),
            ExprKind::True => Some(Const::Bool(true)),
            ExprKind::False => Some(Const::Bool(false)),
            ExprKind::Int(i) => Some(Const::Int(*i)),
            ExprKind::Float(f) => Some(Const::Flt(*f)),
            ExprKind::Str(s) => Some(Const::Str(s.clone())),
            ExprKind::Name(n) => self.lookup_const(n),
            ExprKind::Paren(inner) => self.const_value(inner),
            ExprKind::Un(op, a) => {
                let c = self.const_value(a)?;
                match op {
                    UnOp::Not => Some(Const::Bool(matches!(c, Const::Nil | Const::Bool(false)))),
                    UnOp::Neg => fold(ArithOp::Unm, &c, &Const::Int(0)),
                    UnOp::BNot => fold(ArithOp::BNot, &c, &Const::Int(0)),
                    UnOp::Len => None,
                }
            }
            ExprKind::Bin(..) => {
                // Along the left spine, iteratively: chains are unbounded (see `subexpr`).
                let mut spine = Vec::new();
                let mut cur = e;
                while let ExprKind::Bin(op, a, b) = &cur.kind {
                    spine.push((*op, &**b));
                    cur = a;
                }
                let mut c = self.const_value(cur)?;
                for &(op, b) in spine.iter().rev() {
                    c = match op {
                        BinOp::And | BinOp::Or => {
                            let falsy = matches!(c, Const::Nil | Const::Bool(false));
                            if falsy != (op == BinOp::Or) {
                                return None;
                            }
                            self.const_value(b)?
                        }
                        other => fold(other.arith_op()?, &c, &self.const_value(b)?)?,
                    };
                }
                Some(c)
            }
            _ => None,
        }
    }

    /// A name that resolves to a compile-time constant, looked up without side effects.
    fn lookup_const(&self, name: &str) -> Option<Const> {
        for fi in (0..self.funcs.len()).rev() {
            match self.search_var(fi, name) {
                Some(VarRef::Const(i)) => return self.actvar[i].value.clone(),
                Some(_) => return None,
                None => {}
            }
            if self.funcs[fi].upvals.iter().any(|(n, _)| n == name) {
                return None;
            }
        }
        None
    }
}

/// A size limit hit while growing one of PUC's arrays: a plain runtime error there, so the
/// message has no position.
fn too_many(what: &str, limit: usize) -> SyntaxError {
    SyntaxError(format!("too many {what} (limit is {limit})").into_bytes())
}

/// PUC's `constfolding`: numeric operands only, no division by zero, bitwise operands with
/// exact integer values, and no NaN or zero float results.
fn fold(op: ArithOp, a: &Const, b: &Const) -> Option<Const> {
    let val = |c: &Const| match *c {
        Const::Int(i) => Some(Value::Int(i)),
        Const::Flt(f) => Some(Value::Float(f)),
        _ => None,
    };
    match number::fold(op, val(a)?, val(b)?)? {
        Value::Int(i) => Some(Const::Int(i)),
        Value::Float(f) => Some(Const::Flt(f)),
        _ => None,
    }
}
