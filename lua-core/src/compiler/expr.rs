//! The walk over expression nodes: literals, variables, suffixed expressions (indexing,
//! calls, method calls), operators, table constructors and closures.
//!
//! Left-deep chains (`a.b.c...`, `f()()`, `a + b + c ...`) are walked iteratively, as PUC's
//! parser loops over them, so their length never deepens the Rust stack; right-recursive
//! nesting is bounded by the parser's depth limit.
//!
//! Line attribution: `self.line` is set when a node whose line is its first token is
//! entered (literals, names, constructors, functions, unary operators), so it tracks the
//! line of the last token PUC's parser would have read; operators and calls fix their own
//! instruction's line to the operator's / call's line.

#![forbid(unsafe_code)]

use super::expdesc::{ExpDesc, EK};
use super::{Compiler, R};
use crate::ast::{Expr, ExprKind, Field, FuncBody};
use crate::opcodes::{Instr, Op, FIELDS_PER_FLUSH, MAXARG_BX};
use std::rc::Rc;

impl Compiler<'_> {
    pub(crate) fn expr(&mut self, e: &Expr) -> R<ExpDesc> {
        let k = match &e.kind {
            ExprKind::Nil => EK::Nil,
            ExprKind::True => EK::True,
            ExprKind::False => EK::False,
            ExprKind::Int(i) => EK::KInt(*i),
            ExprKind::Float(f) => EK::KFlt(*f),
            ExprKind::Str(s) => EK::KStr(self.literal_string(s)),
            // PUC emits VARARG before reading the `...` (it keeps the previous line).
            ExprKind::Vararg => {
                if !self.fs().f.is_vararg {
                    // The parser rejects this; never emit a VARARG the VM cannot run.
                    self.line = e.line;
                    return Err(self.error("cannot use '...' outside a vararg function"));
                }
                EK::Vararg(self.code_abc(Op::VarArg, 0, 0, 1))
            }
            ExprKind::Function(body) => return self.closure(body, e.line),
            ExprKind::Table(fields, close_line) => return self.constructor(fields, *close_line),
            ExprKind::Bin(..) => return self.bin_expr(e),
            ExprKind::Un(op, sub) => {
                self.line = e.line;
                let mut v = self.expr(sub)?;
                self.prefix(*op, &mut v, e.line)?;
                return Ok(v);
            }
            ExprKind::Name(_)
            | ExprKind::Index(..)
            | ExprKind::Call(..)
            | ExprKind::Method(..)
            | ExprKind::Paren(_) => return self.suffixed_exp(e),
        };
        self.line = e.line;
        Ok(ExpDesc::new(k))
    }

    /// A chain of binary operators, iterating over its left spine.
    fn bin_expr(&mut self, e: &Expr) -> R<ExpDesc> {
        let mut spine = Vec::new();
        let mut cur = e;
        while let ExprKind::Bin(op, l, r) = &cur.kind {
            spine.push((*op, &**r, cur.line));
            cur = l;
        }
        let mut v = self.expr(cur)?;
        for &(op, r, line) in spine.iter().rev() {
            self.line = line; // the operator has been read
            self.infix(op, &mut v)?;
            let v2 = self.expr(r)?;
            self.posfix(op, &mut v, v2, line)?;
        }
        Ok(v)
    }

    /// A primary expression followed by indexing, calls and method calls.
    pub(crate) fn suffixed_exp(&mut self, e: &Expr) -> R<ExpDesc> {
        let mut chain = Vec::new();
        let mut cur = e;
        while let ExprKind::Index(o, _) | ExprKind::Call(o, _) | ExprKind::Method(o, _, _) =
            &cur.kind
        {
            chain.push(cur);
            cur = o;
        }
        let mut v = match &cur.kind {
            ExprKind::Name(n) => {
                self.line = cur.line;
                self.single_var(n)?
            }
            ExprKind::Paren(inner) => {
                let mut v = self.expr(inner)?;
                self.discharge_vars(&mut v)?;
                v
            }
            _ => self.expr(cur)?,
        };
        for node in chain.iter().rev() {
            match &node.kind {
                ExprKind::Index(_, key) => {
                    self.exp2anyregup(&mut v)?;
                    let mut k = self.expr(key)?;
                    self.exp2val(&mut k)?;
                    self.indexed(&mut v, &mut k)?;
                }
                ExprKind::Call(_, args) => {
                    self.exp2nextreg(&mut v)?;
                    self.funcargs(&mut v, args, node.line)?;
                }
                ExprKind::Method(_, name, args) => {
                    let mut key = ExpDesc::new(EK::KStr(self.heap.intern(name.as_bytes())));
                    self.code_self(&mut v, &mut key)?;
                    self.funcargs(&mut v, args, node.line)?;
                }
                _ => {}
            }
        }
        Ok(v)
    }

    /// `v.name` (or `v:name` in a function statement).
    pub(crate) fn field_sel(&mut self, v: &mut ExpDesc, name: &str) -> R<()> {
        self.exp2anyregup(v)?;
        let mut key = ExpDesc::new(EK::KStr(self.heap.intern(name.as_bytes())));
        self.indexed(v, &mut key)
    }

    /// Compile a non-empty expression list: all but the last value go to consecutive
    /// registers; the last is returned undischarged (it may be multi-valued).
    pub(crate) fn explist(&mut self, exprs: &[Expr]) -> R<(ExpDesc, usize)> {
        let Some((first, rest)) = exprs.split_first() else {
            return Ok((ExpDesc::new(EK::Void), 0));
        };
        let mut v = self.expr(first)?;
        for e in rest {
            self.exp2nextreg(&mut v)?;
            v = self.expr(e)?;
        }
        Ok((v, exprs.len()))
    }

    /// Arguments and CALL for the function in register `f`.
    fn funcargs(&mut self, f: &mut ExpDesc, args: &[Expr], line: u32) -> R<()> {
        let (mut a, _) = self.explist(args)?;
        let multret = a.has_multret();
        if multret {
            self.set_multret(&mut a)?;
        }
        let base = f.reg();
        let nparams = if multret {
            -1
        } else {
            if !matches!(a.k, EK::Void) {
                self.exp2nextreg(&mut a)?;
            }
            self.fs().freereg as i32 - (base as i32 + 1)
        };
        let pc = self.code_abc(Op::Call, base as u32, (nparams + 1) as u32, 2);
        self.fixline(line);
        self.fs_mut().freereg = base + 1;
        f.k = EK::Call(pc);
        f.t.clear();
        f.f.clear();
        Ok(())
    }

    /// A function expression: compile its body and emit CLOSURE into the next register.
    pub(crate) fn closure(&mut self, body: &FuncBody, line: u32) -> R<ExpDesc> {
        let proto = self.function_body(body, line)?;
        let idx = self.fs().f.p.len();
        if idx >= MAXARG_BX as usize {
            return Err(self.error_limit(MAXARG_BX as usize, "functions"));
        }
        self.fs_mut().f.p.push(Rc::new(proto));
        let mut e = ExpDesc::new(EK::Reloc(self.code_abx(Op::Closure, 0, idx as u32)));
        self.exp2nextreg(&mut e)?;
        Ok(e)
    }

    /// A table constructor.
    /// A table constructor. NEWTABLE keeps the current line: PUC emits it before reading
    /// the `{`, so it belongs to the previous token (the last node visited).
    fn constructor(&mut self, fields: &[Field], close_line: u32) -> R<ExpDesc> {
        let pc = self.code_abc(Op::NewTable, 0, 0, 0);
        let treg = self.fs().freereg;
        let t = ExpDesc::new(EK::NonReloc(treg));
        self.reserve_regs(1)?;
        let mut na: usize = 0; // array items already stored
        let mut nh: usize = 0; // hash items
        let mut tostore: usize = 0; // array items pending
        let mut v = ExpDesc::new(EK::Void); // last array item read
        for field in fields {
            if !matches!(v.k, EK::Void) {
                self.exp2nextreg(&mut v)?;
                v = ExpDesc::new(EK::Void);
                if tostore == FIELDS_PER_FLUSH as usize {
                    self.set_list(treg, na, tostore as i32);
                    na += tostore;
                    tostore = 0;
                }
            }
            match field {
                Field::Pos(e) => {
                    v = self.expr(e)?;
                    tostore += 1;
                }
                Field::Named(k, val) => {
                    let reg = self.fs().freereg;
                    let mut key = self.expr(k)?;
                    self.exp2val(&mut key)?;
                    nh += 1;
                    let mut tab = t.clone();
                    self.indexed(&mut tab, &mut key)?;
                    let mut ve = self.expr(val)?;
                    self.store_var(&tab, &mut ve)?;
                    self.fs_mut().freereg = reg;
                }
            }
        }
        self.line = close_line;
        if tostore > 0 {
            if v.has_multret() {
                self.set_multret(&mut v)?;
                self.set_list(treg, na, -1);
                na += tostore - 1;
            } else {
                if !matches!(v.k, EK::Void) {
                    self.exp2nextreg(&mut v)?;
                }
                self.set_list(treg, na, tostore as i32);
                na += tostore;
            }
        }
        *self.instr_mut(pc) = Instr::abc(
            Op::NewTable,
            treg as u32,
            nh.min(255) as u32,
            na.min(255) as u32,
            false,
        );
        Ok(t)
    }

    /// SETLIST storing `tostore` items (-1: up to top) after the first `nelems`.
    fn set_list(&mut self, base: usize, nelems: usize, tostore: i32) {
        let tostore = tostore.max(0) as u32;
        if nelems <= 255 {
            self.code_abc(Op::SetList, base as u32, tostore, nelems as u32);
        } else {
            self.code_abck(
                Op::SetList,
                base as u32,
                tostore,
                (nelems % 256) as u32,
                true,
            );
            self.code_extraarg(nelems / 256);
        }
        self.fs_mut().freereg = base + 1;
    }
}
