//! Expressions: operator precedence, suffixed expressions (fields, indexing, calls, method
//! calls), table constructors and function literals.
//!
//! Every function here returns the expression with its height (see `MAX_AST_DEPTH`); every
//! node is built through `Parser::depth`, which refuses heights above the cap.

#![forbid(unsafe_code)]

use super::Parser;
use crate::ast::{BinOp, Expr, ExprKind, Field, UnOp};
use crate::error::SyntaxError;
use crate::lexer::Tok;

/// Priority of unary operators: binds tighter than everything but `^` on its right.
const UNARY_PRIORITY: u8 = 12;

fn unop(t: &Tok) -> Option<UnOp> {
    Some(match t {
        Tok::Not => UnOp::Not,
        Tok::Char(b'-') => UnOp::Neg,
        Tok::Char(b'~') => UnOp::BNot,
        Tok::Char(b'#') => UnOp::Len,
        _ => return None,
    })
}

fn binop(t: &Tok) -> Option<BinOp> {
    Some(match t {
        Tok::Char(b'+') => BinOp::Add,
        Tok::Char(b'-') => BinOp::Sub,
        Tok::Char(b'*') => BinOp::Mul,
        Tok::Char(b'%') => BinOp::Mod,
        Tok::Char(b'^') => BinOp::Pow,
        Tok::Char(b'/') => BinOp::Div,
        Tok::IDiv => BinOp::IDiv,
        Tok::Char(b'&') => BinOp::BAnd,
        Tok::Char(b'|') => BinOp::BOr,
        Tok::Char(b'~') => BinOp::BXor,
        Tok::Shl => BinOp::Shl,
        Tok::Shr => BinOp::Shr,
        Tok::Concat => BinOp::Concat,
        Tok::Ne => BinOp::Ne,
        Tok::Eq => BinOp::Eq,
        Tok::Char(b'<') => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Char(b'>') => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::And => BinOp::And,
        Tok::Or => BinOp::Or,
        _ => return None,
    })
}

/// (left, right) priority; right < left makes an operator right associative.
fn priority(op: BinOp) -> (u8, u8) {
    match op {
        BinOp::Or => (1, 1),
        BinOp::And => (2, 2),
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (3, 3),
        BinOp::BOr => (4, 4),
        BinOp::BXor => (5, 5),
        BinOp::BAnd => (6, 6),
        BinOp::Shl | BinOp::Shr => (7, 7),
        BinOp::Concat => (9, 8),
        BinOp::Add | BinOp::Sub => (10, 10),
        BinOp::Mul | BinOp::Div | BinOp::IDiv | BinOp::Mod => (11, 11),
        BinOp::Pow => (14, 13),
    }
}

fn mk(kind: ExprKind, line: u32) -> Expr {
    Expr { kind, line }
}

impl Parser<'_> {
    /// A full expression of a statement (its height is recorded for the function).
    pub(super) fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let (e, d) = self.expr_d()?;
        self.note_depth(d)?;
        Ok(e)
    }

    /// `explist -> expr { ',' expr }` of a statement.
    pub(super) fn expr_list(&mut self) -> Result<Vec<Expr>, SyntaxError> {
        let (v, d) = self.expr_list_d()?;
        self.note_depth(d)?;
        Ok(v)
    }

    fn expr_list_d(&mut self) -> Result<(Vec<Expr>, u32), SyntaxError> {
        let (e, mut d) = self.expr_d()?;
        let mut v = vec![e];
        while self.test_next_char(b',')? {
            let (e, d2) = self.expr_d()?;
            d = d.max(d2);
            v.push(e);
        }
        Ok((v, d))
    }

    pub(super) fn expr_d(&mut self) -> Result<(Expr, u32), SyntaxError> {
        self.subexpr(0)
    }

    /// `subexpr -> (simpleexp | unop subexpr) { binop subexpr }`, taking binary operators
    /// whose left priority exceeds `limit`.
    ///
    /// A chain of operators is a loop here, as in PUC, and its consumers walk its left spine
    /// iteratively, so its height is one more than its tallest operand, however long it is.
    fn subexpr(&mut self, limit: u8) -> Result<(Expr, u32), SyntaxError> {
        self.enter_level()?;
        let (mut e, mut d) = if let Some(op) = unop(&self.t.tok) {
            let line = self.line();
            self.next()?;
            let (a, d) = self.subexpr(UNARY_PRIORITY)?;
            (mk(ExprKind::Un(op, Box::new(a)), line), self.depth(d + 1)?)
        } else {
            self.simple_exp()?
        };
        // The tallest operand of the chain so far.
        let mut operands = d;
        while let Some(op) = binop(&self.t.tok) {
            let (left, right) = priority(op);
            if left <= limit {
                break;
            }
            let line = self.line();
            self.next()?;
            let (b, d2) = self.subexpr(right)?;
            operands = operands.max(d2);
            d = self.depth(operands + 1)?;
            e = mk(ExprKind::Bin(op, Box::new(e), Box::new(b)), line);
        }
        self.leave_level();
        Ok((e, d))
    }

    /// `simpleexp -> FLT | INT | STRING | NIL | TRUE | FALSE | ... | constructor |
    /// FUNCTION body | suffixedexp`
    fn simple_exp(&mut self) -> Result<(Expr, u32), SyntaxError> {
        let line = self.line();
        let kind = match &mut self.t.tok {
            Tok::Flt(f) => ExprKind::Float(*f),
            Tok::Int(i) => ExprKind::Int(*i),
            Tok::Str(s) => ExprKind::Str(std::mem::take(s)),
            Tok::Nil => ExprKind::Nil,
            Tok::True => ExprKind::True,
            Tok::False => ExprKind::False,
            Tok::Dots => {
                if !self.fs().is_vararg {
                    return Err(self.syntax_error("cannot use '...' outside a vararg function"));
                }
                ExprKind::Vararg
            }
            Tok::Char(b'{') => return self.constructor(),
            Tok::Function => {
                self.next()?;
                let fline = self.line();
                let (f, d) = self.func_body(false, fline)?;
                return Ok((
                    mk(ExprKind::Function(Box::new(f)), line),
                    self.depth(d + 1)?,
                ));
            }
            _ => return self.suffixed_exp(),
        };
        self.next()?;
        Ok((mk(kind, line), 1))
    }

    /// `primaryexp -> NAME | '(' expr ')'`
    fn primary_exp(&mut self) -> Result<(Expr, u32), SyntaxError> {
        let line = self.line();
        match self.t.tok {
            Tok::Char(b'(') => {
                self.next()?;
                let (e, d) = self.expr_d()?;
                self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                Ok((mk(ExprKind::Paren(Box::new(e)), line), self.depth(d + 1)?))
            }
            Tok::Name(_) => {
                let name = self.check_name()?;
                self.resolve(&name)?;
                Ok((mk(ExprKind::Name(name), line), 1))
            }
            _ => Err(self.syntax_error("unexpected symbol")),
        }
    }

    /// `suffixedexp -> primaryexp { '.' NAME | '[' exp ']' | ':' NAME funcargs | funcargs }`
    ///
    /// A loop, as in PUC; its height is one more than its tallest part (see `subexpr`).
    pub(super) fn suffixed_exp(&mut self) -> Result<(Expr, u32), SyntaxError> {
        let line = self.line();
        let (mut e, mut d) = self.primary_exp()?;
        // The tallest part of the chain so far (its primary expression, keys, arguments).
        let mut parts = d;
        loop {
            let (kind, d2) = match self.t.tok {
                Tok::Char(b'.') => {
                    self.next()?;
                    let kline = self.line();
                    let name = self.check_name()?;
                    let key = mk(ExprKind::Str(name.into_bytes()), kline);
                    (ExprKind::Index(Box::new(e), Box::new(key)), 1)
                }
                Tok::Char(b'[') => {
                    self.next()?;
                    let (key, dk) = self.expr_d()?;
                    self.check_next_char(b']')?;
                    (ExprKind::Index(Box::new(e), Box::new(key)), dk)
                }
                Tok::Char(b':') => {
                    self.next()?;
                    let name = self.check_name()?;
                    // As Lua 5.4.7+: a call's line is where its arguments start.
                    let cline = self.line();
                    let (args, da) = self.func_args()?;
                    parts = parts.max(da);
                    d = self.depth(parts + 1)?;
                    e = mk(ExprKind::Method(Box::new(e), name, args), cline);
                    continue;
                }
                Tok::Char(b'(') | Tok::Str(_) | Tok::Char(b'{') => {
                    let cline = self.line();
                    let (args, da) = self.func_args()?;
                    parts = parts.max(da);
                    d = self.depth(parts + 1)?;
                    e = mk(ExprKind::Call(Box::new(e), args), cline);
                    continue;
                }
                _ => return Ok((e, d)),
            };
            parts = parts.max(d2);
            d = self.depth(parts + 1)?;
            e = mk(kind, line);
        }
    }

    /// `funcargs -> '(' [ explist ] ')' | constructor | STRING`
    fn func_args(&mut self) -> Result<(Vec<Expr>, u32), SyntaxError> {
        let line = self.line();
        match &mut self.t.tok {
            Tok::Char(b'(') => {
                self.next()?;
                let (args, d) = if self.is(b')') {
                    (Vec::new(), 0)
                } else {
                    self.expr_list_d()?
                };
                self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                Ok((args, d))
            }
            Tok::Char(b'{') => {
                let (t, d) = self.constructor()?;
                Ok((vec![t], d))
            }
            Tok::Str(s) => {
                let s = std::mem::take(s);
                self.next()?;
                Ok((vec![mk(ExprKind::Str(s), line)], 1))
            }
            _ => Err(self.syntax_error("function arguments expected")),
        }
    }

    /// `constructor -> '{' [ field { sep field } [sep] ] '}'`, `sep -> ',' | ';'`
    fn constructor(&mut self) -> Result<(Expr, u32), SyntaxError> {
        let line = self.line();
        self.check_next_char(b'{')?;
        let mut fields = Vec::new();
        let mut d = 0;
        loop {
            if self.is(b'}') {
                break;
            }
            let (f, df) = self.field()?;
            d = d.max(df);
            fields.push(f);
            if !(self.test_next_char(b',')? || self.test_next_char(b';')?) {
                break;
            }
        }
        let close_line = self.line();
        self.check_match(&Tok::Char(b'}'), &Tok::Char(b'{'), line)?;
        let e = mk(ExprKind::Table(fields, close_line), line);
        Ok((e, self.depth(d + 1)?))
    }

    /// `field -> listfield | recfield`
    fn field(&mut self) -> Result<(Field, u32), SyntaxError> {
        let named = match self.t.tok {
            Tok::Name(_) => *self.lookahead()? == Tok::Char(b'='),
            Tok::Char(b'[') => true,
            _ => false,
        };
        if !named {
            let (e, d) = self.expr_d()?;
            return Ok((Field::Pos(e), d));
        }
        // recfield -> (NAME | '[' exp ']') '=' exp
        let (key, dk) = if self.is(b'[') {
            self.next()?;
            let k = self.expr_d()?;
            self.check_next_char(b']')?;
            k
        } else {
            let kline = self.line();
            let name = self.check_name()?;
            (mk(ExprKind::Str(name.into_bytes()), kline), 1)
        };
        self.check_next_char(b'=')?;
        let (v, dv) = self.expr_d()?;
        Ok((Field::Named(key, v), dk.max(dv) + 1))
    }
}
