//! The parser: Lua 5.4 source to [`crate::ast::Chunk`], with PUC Lua 5.4's error messages.
//!
//! Owns: the grammar (statements here, expressions in `expr`), the static checks PUC's parser
//! makes (scopes, constants, gotos and labels, limits: in `scope`), and the line numbers the
//! AST carries.
//!
//! Invariants:
//! - The AST satisfies the contract at the top of `ast.rs`.
//! - The first error found is the one PUC Lua 5.4 reports, worded the same, at the same line,
//!   with the same "near" token: the parser follows the order of PUC's `lparser.c`.
//! - Recursion is bounded: nesting is counted as PUC counts C calls (`enter_level`) and fails
//!   with "C stack overflow" at the same depth; and the height of the AST is capped at
//!   [`MAX_AST_DEPTH`] so that recursive consumers (the compiler, constant folding) stay
//!   within the stack. Left-deep chains (`a.b.c...`, `a+b+c...`, `f()()...`), which PUC's
//!   parser builds in loops, are walked along their left spine iteratively by every consumer
//!   (and by `Expr`'s `Drop`), so a chain is only one level higher than its tallest part,
//!   however long; PUC has no such cap, and only absurd programs reach it.
//! - Never panics, on any input.
//!
//! Lines: a token's line is the line the lexer is on after reading it (PUC's
//! `ls->linenumber`); statements and most expressions take the line of their first token, a
//! binary or unary operator the operator's line, a call the line where its prefix expression
//! starts.

#![forbid(unsafe_code)]

mod expr;
mod scope;
#[cfg(test)]
mod tests;

use crate::ast::{Attrib, Block, Chunk, Expr, ExprKind, FuncBody, Stat};
use crate::error::SyntaxError;
use crate::lexer::{Lexer, Tok, Token};
use scope::{FuncState, LabelDesc, VarDesc, VarKind};

/// PUC's LUAI_MAXCCALLS: the nesting depth at which parsing fails with "C stack overflow".
pub const MAX_C_CALLS: u32 = 200;

/// The message of a nesting too deep (PUC's luaE_checkcstack).
pub const C_STACK_OVERFLOW: &str = "C stack overflow";

/// C-call depth PUC already has when `load` is called from a main chunk run by `lua`; the
/// `lua` program loading a script from the command line is at depth 1.
pub const LOAD_C_CALLS: u32 = 2;

/// Highest AST the parser builds (see the module invariants).
pub const MAX_AST_DEPTH: u32 = 1000;

/// Parse a chunk as `load` would from a main chunk.
pub fn parse(source: &[u8], chunkname: &[u8]) -> Result<Chunk, SyntaxError> {
    parse_at_depth(source, chunkname, LOAD_C_CALLS)
}

/// Parse a chunk when the caller is already `c_calls` nested C calls deep (PUC's
/// `nCcalls`): nesting fails with "C stack overflow" where PUC's would.
pub fn parse_at_depth(source: &[u8], chunkname: &[u8], c_calls: u32) -> Result<Chunk, SyntaxError> {
    let mut p = Parser {
        lex: Lexer::new(source, chunkname),
        t: Token {
            tok: Tok::Eos,
            line: 1,
            text: Vec::new(),
        },
        ahead: None,
        level: c_calls,
        funcs: Vec::new(),
        actvar: Vec::new(),
        labels: crate::labels::LabelStack::new(),
        gotos: Vec::new(),
    };
    p.main_func()
}

pub(crate) struct Parser<'a> {
    lex: Lexer<'a>,
    /// The current token.
    t: Token,
    /// A token read ahead (only table constructors look ahead).
    ahead: Option<Token>,
    /// Nesting depth in PUC's C-call units.
    level: u32,
    /// Open functions, innermost last.
    funcs: Vec<FuncState>,
    /// Declared variables of all open functions (PUC's `dyd->actvar`).
    actvar: Vec<VarDesc>,
    /// Visible labels of all open blocks (PUC's `dyd->label`).
    labels: crate::labels::LabelStack<LabelDesc>,
    /// Pending gotos (PUC's `dyd->gt`).
    gotos: Vec<LabelDesc>,
}

/// A block being built.
struct BlockBuilder {
    stats: Vec<Stat>,
    ret: Option<(Vec<Expr>, u32)>,
}

impl<'a> Parser<'a> {
    // ---- tokens and errors ----

    fn next(&mut self) -> Result<(), SyntaxError> {
        self.t = match self.ahead.take() {
            Some(t) => t,
            None => self.lex.next_token()?,
        };
        Ok(())
    }

    fn lookahead(&mut self) -> Result<&Tok, SyntaxError> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lex.next_token()?);
        }
        Ok(&self.ahead.as_ref().expect("just set").tok)
    }

    /// PUC's `ls->linenumber`.
    fn line(&self) -> u32 {
        self.ahead.as_ref().map_or(self.t.line, |a| a.line)
    }

    fn is(&self, c: u8) -> bool {
        self.t.tok == Tok::Char(c)
    }

    /// `msg near <current token>` at the current line. A NUL byte token is token 0 for PUC,
    /// which means "no token": the message then has no "near" part.
    fn syntax_error(&self, msg: &str) -> SyntaxError {
        if self.t.tok == Tok::Char(0) {
            return self.sem_error(msg);
        }
        let text = [msg.as_bytes(), b" near ", &self.t.near()].concat();
        self.lex.error_at(self.line(), text)
    }

    /// A semantic error: no "near" part (PUC's `luaK_semerror`).
    fn sem_error(&self, msg: &str) -> SyntaxError {
        self.lex.error_at(self.line(), msg)
    }

    fn error_expected(&self, tok: &Tok) -> SyntaxError {
        self.syntax_error(&format!("{} expected", tok.describe()))
    }

    fn test_next(&mut self, tok: &Tok) -> Result<bool, SyntaxError> {
        if self.t.tok == *tok {
            self.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn test_next_char(&mut self, c: u8) -> Result<bool, SyntaxError> {
        self.test_next(&Tok::Char(c))
    }

    fn check(&self, tok: &Tok) -> Result<(), SyntaxError> {
        if self.t.tok != *tok {
            return Err(self.error_expected(tok));
        }
        Ok(())
    }

    fn check_next(&mut self, tok: &Tok) -> Result<(), SyntaxError> {
        self.check(tok)?;
        self.next()
    }

    fn check_next_char(&mut self, c: u8) -> Result<(), SyntaxError> {
        self.check_next(&Tok::Char(c))
    }

    /// Expect `what` closing `who` opened at line `line`.
    fn check_match(&mut self, what: &Tok, who: &Tok, line: u32) -> Result<(), SyntaxError> {
        if self.test_next(what)? {
            return Ok(());
        }
        if line == self.line() {
            Err(self.error_expected(what))
        } else {
            Err(self.syntax_error(&format!(
                "{} expected (to close {} at line {})",
                what.describe(),
                who.describe(),
                line
            )))
        }
    }

    fn check_name(&mut self) -> Result<String, SyntaxError> {
        match &mut self.t.tok {
            Tok::Name(n) => {
                let n = std::mem::take(n);
                self.next()?;
                Ok(n)
            }
            _ => Err(self.error_expected(&Tok::Name(String::new()))),
        }
    }

    fn enter_level(&mut self) -> Result<(), SyntaxError> {
        self.level += 1;
        if self.level >= MAX_C_CALLS {
            return Err(SyntaxError(C_STACK_OVERFLOW.into()));
        }
        Ok(())
    }

    fn leave_level(&mut self) {
        self.level -= 1;
    }

    /// Check the height of a node being built.
    fn depth(&self, d: u32) -> Result<u32, SyntaxError> {
        if d > MAX_AST_DEPTH {
            return Err(self.syntax_error("chunk has too many syntax levels"));
        }
        Ok(d)
    }

    /// Record the height of an expression of the current function's body.
    fn note_depth(&mut self, d: u32) -> Result<(), SyntaxError> {
        let fs = self.fs();
        let h = self.depth(d + 2 * fs.blocks.len() as u32)?;
        let fs = self.fs_mut();
        fs.max_depth = fs.max_depth.max(h);
        Ok(())
    }

    // ---- functions and blocks ----

    fn main_func(&mut self) -> Result<Chunk, SyntaxError> {
        self.open_func(0);
        let fs = self.fs_mut();
        fs.is_vararg = true;
        fs.upvals.push(("_ENV".to_string(), VarKind::Reg));
        self.next()?;
        let body = self.stat_list()?;
        self.check(&Tok::Eos)?;
        self.close_func()?;
        Ok(Chunk { body })
    }

    /// `body -> '(' parlist ')' block END`; `line` is the function's `linedefined`.
    fn func_body(&mut self, is_method: bool, line: u32) -> Result<(FuncBody, u32), SyntaxError> {
        self.add_proto()?;
        self.open_func(line);
        self.check_next_char(b'(')?;
        if is_method {
            self.new_localvar("self".to_string())?;
            self.adjust_localvars(1)?;
        }
        let mut params = Vec::new();
        let mut is_vararg = false;
        if !self.is(b')') {
            loop {
                match self.t.tok {
                    Tok::Name(_) => {
                        let n = self.check_name()?;
                        self.new_localvar(n.clone())?;
                        params.push(n);
                    }
                    Tok::Dots => {
                        self.next()?;
                        is_vararg = true;
                    }
                    _ => return Err(self.syntax_error("<name> or '...' expected")),
                }
                if is_vararg || !self.test_next_char(b',')? {
                    break;
                }
            }
        }
        self.adjust_localvars(params.len())?;
        self.fs_mut().is_vararg = is_vararg;
        self.check_next_char(b')')?;
        let body = self.stat_list()?;
        let end_line = self.line();
        self.check_match(&Tok::End, &Tok::Function, line)?;
        let height = self.close_func()?;
        let f = FuncBody {
            params,
            is_vararg,
            is_method,
            body,
            line,
            end_line,
        };
        Ok((f, self.depth(height + 2)?))
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match self.t.tok {
            Tok::Else | Tok::Elseif | Tok::End | Tok::Eos => true,
            Tok::Until => with_until,
            _ => false,
        }
    }

    /// `statlist -> { stat [';'] }`, in the current scope.
    fn stat_list(&mut self) -> Result<Block, SyntaxError> {
        let mut b = BlockBuilder {
            stats: Vec::new(),
            ret: None,
        };
        while !self.block_follow(true) {
            if self.t.tok == Tok::Return {
                self.statement(&mut b)?;
                break; // 'return' must be the last statement
            }
            self.statement(&mut b)?;
        }
        Ok(Block {
            stats: b.stats,
            ret: b.ret,
            end_line: self.line(),
        })
    }

    /// `block -> statlist` in a new scope.
    fn block(&mut self) -> Result<Block, SyntaxError> {
        self.enter_block(false);
        let b = self.stat_list()?;
        self.leave_block()?;
        Ok(b)
    }

    // ---- statements ----

    fn statement(&mut self, b: &mut BlockBuilder) -> Result<(), SyntaxError> {
        let line = self.line();
        self.enter_level()?;
        match self.t.tok {
            Tok::Char(b';') => self.next()?,
            Tok::If => self.if_stat(b, line)?,
            Tok::While => self.while_stat(b, line)?,
            Tok::Do => {
                self.next()?;
                let body = self.block()?;
                self.check_match(&Tok::End, &Tok::Do, line)?;
                b.stats.push(Stat::Do(body));
            }
            Tok::For => self.for_stat(b, line)?,
            Tok::Repeat => self.repeat_stat(b, line)?,
            Tok::Function => self.func_stat(b, line)?,
            Tok::Local => {
                self.next()?;
                if self.test_next(&Tok::Function)? {
                    self.local_func(b, line)?;
                } else {
                    self.local_stat(b, line)?;
                }
            }
            Tok::DbColon => {
                self.next()?;
                let name = self.check_name()?;
                self.label_stat(b, name, line)?;
            }
            Tok::Return => {
                self.next()?;
                self.ret_stat(b, line)?;
            }
            Tok::Break => {
                self.next()?;
                self.new_goto("break".to_string(), line)?;
                b.stats.push(Stat::Break { line });
            }
            Tok::Goto => {
                self.next()?;
                let gline = self.line();
                let label = self.check_name()?;
                self.new_goto(label.clone(), gline)?;
                b.stats.push(Stat::Goto { label, line });
            }
            _ => self.expr_stat(b)?,
        }
        self.leave_level();
        Ok(())
    }

    fn if_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        let mut conds = vec![self.test_then_block()?];
        while self.t.tok == Tok::Elseif {
            conds.push(self.test_then_block()?);
        }
        let else_ = if self.test_next(&Tok::Else)? {
            Some(self.block()?)
        } else {
            None
        };
        self.check_match(&Tok::End, &Tok::If, line)?;
        b.stats.push(Stat::If { conds, else_, line });
        Ok(())
    }

    /// `[IF | ELSEIF] cond THEN block`
    fn test_then_block(&mut self) -> Result<(Expr, u32, Block), SyntaxError> {
        self.next()?;
        let cond = self.expr()?;
        let then_line = self.line();
        self.check_next(&Tok::Then)?;
        let mut bb = BlockBuilder {
            stats: Vec::new(),
            ret: None,
        };
        if self.t.tok == Tok::Break {
            // 'if x then break': PUC compiles the jump before entering the block.
            let line = self.line();
            self.next()?;
            self.enter_block(false);
            self.new_goto("break".to_string(), line)?;
            bb.stats.push(Stat::Break { line });
            while self.test_next_char(b';')? {}
            if self.block_follow(false) {
                let end_line = self.line();
                self.leave_block()?;
                let blk = Block {
                    stats: bb.stats,
                    ret: None,
                    end_line,
                };
                return Ok((cond, then_line, blk));
            }
        } else {
            self.enter_block(false);
        }
        let rest = self.stat_list()?;
        self.leave_block()?;
        bb.stats.extend(rest.stats);
        let blk = Block {
            stats: bb.stats,
            ret: rest.ret,
            end_line: rest.end_line,
        };
        Ok((cond, then_line, blk))
    }

    fn while_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        self.next()?;
        let cond = self.expr()?;
        self.enter_block(true);
        self.check_next(&Tok::Do)?;
        let body = self.block()?;
        self.check_match(&Tok::End, &Tok::While, line)?;
        self.leave_block()?;
        b.stats.push(Stat::While { cond, body, line });
        Ok(())
    }

    fn repeat_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        self.enter_block(true); // loop block
        self.enter_block(false); // scope block
        self.next()?;
        let body = self.stat_list()?;
        self.check_match(&Tok::Until, &Tok::Repeat, line)?;
        let cond = self.expr()?; // sees the body's locals
        self.leave_block()?;
        self.leave_block()?;
        b.stats.push(Stat::Repeat { body, cond, line });
        Ok(())
    }

    fn for_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        self.enter_block(true);
        self.next()?;
        let var = self.check_name()?;
        let stat = match self.t.tok {
            Tok::Char(b'=') => self.for_num(var, line)?,
            Tok::Char(b',') | Tok::In => self.for_list(var, line)?,
            _ => return Err(self.syntax_error("'=' or 'in' expected")),
        };
        self.check_match(&Tok::End, &Tok::For, line)?;
        self.leave_block()?;
        b.stats.push(stat);
        Ok(())
    }

    fn for_num(&mut self, var: String, line: u32) -> Result<Stat, SyntaxError> {
        for _ in 0..3 {
            self.new_localvar("(for state)".to_string())?;
        }
        self.new_localvar(var.clone())?;
        self.check_next_char(b'=')?;
        let start = self.expr()?;
        self.check_next_char(b',')?;
        let limit = self.expr()?;
        let step = if self.test_next_char(b',')? {
            Some(self.expr()?)
        } else {
            None
        };
        self.adjust_localvars(3)?;
        let body = self.for_body(1)?;
        Ok(Stat::NumFor {
            var,
            start,
            limit,
            step,
            body,
            line,
        })
    }

    fn for_list(&mut self, first: String, line: u32) -> Result<Stat, SyntaxError> {
        for _ in 0..4 {
            self.new_localvar("(for state)".to_string())?;
        }
        self.new_localvar(first.clone())?;
        let mut names = vec![first];
        while self.test_next_char(b',')? {
            let n = self.check_name()?;
            self.new_localvar(n.clone())?;
            names.push(n);
        }
        self.check_next(&Tok::In)?;
        let exprs = self.expr_list()?;
        self.adjust_localvars(4)?;
        let body = self.for_body(names.len())?;
        Ok(Stat::GenFor {
            names,
            exprs,
            body,
            line,
        })
    }

    /// `forbody -> DO block`, with the loop's declared variables in scope.
    fn for_body(&mut self, nvars: usize) -> Result<Block, SyntaxError> {
        self.check_next(&Tok::Do)?;
        self.enter_block(false);
        self.adjust_localvars(nvars)?;
        let body = self.block()?;
        self.leave_block()?;
        Ok(body)
    }

    fn func_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        self.next()?;
        // funcname -> NAME {'.' NAME} [':' NAME]
        let first = self.check_name()?;
        self.resolve(&first)?;
        let mut path = vec![first];
        while self.is(b'.') {
            self.next()?;
            path.push(self.check_name()?);
        }
        let method = if self.is(b':') {
            self.next()?;
            Some(self.check_name()?)
        } else {
            None
        };
        let (func, d) = self.func_body(method.is_some(), line)?;
        self.note_depth(d)?;
        if path.len() == 1 && method.is_none() {
            self.check_readonly(&path[0].clone())?;
        }
        b.stats.push(Stat::Function {
            path,
            method,
            func: Box::new(func),
            line,
        });
        Ok(())
    }

    fn local_func(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        let name = self.check_name()?;
        self.new_localvar(name.clone())?;
        self.adjust_localvars(1)?;
        let fline = self.line();
        let (func, d) = self.func_body(false, fline)?;
        self.note_depth(d)?;
        b.stats.push(Stat::LocalFunction {
            name,
            func: Box::new(func),
            line,
        });
        Ok(())
    }

    /// `ATTRIB -> ['<' Name '>']`
    fn local_attrib(&mut self) -> Result<Attrib, SyntaxError> {
        if !self.test_next_char(b'<')? {
            return Ok(Attrib::None);
        }
        let attr = self.check_name()?;
        self.check_next_char(b'>')?;
        match attr.as_str() {
            "const" => Ok(Attrib::Const),
            "close" => Ok(Attrib::Close),
            _ => Err(self.sem_error(&format!("unknown attribute '{attr}'"))),
        }
    }

    fn local_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        let mut names = Vec::new();
        let mut has_close = false;
        let mut last;
        loop {
            let name = self.check_name()?;
            let vidx = self.new_localvar(name.clone())?;
            let attrib = self.local_attrib()?;
            let abs = self.fs().firstlocal + vidx;
            self.actvar[abs].kind = match attrib {
                Attrib::None => VarKind::Reg,
                Attrib::Const => VarKind::Const,
                Attrib::Close => VarKind::Close,
            };
            if attrib == Attrib::Close {
                if has_close {
                    return Err(self.sem_error("multiple to-be-closed variables in local list"));
                }
                has_close = true;
            }
            last = abs;
            names.push((name, attrib));
            if !self.test_next_char(b',')? {
                break;
            }
        }
        let exprs = if self.test_next_char(b'=')? {
            self.expr_list()?
        } else {
            Vec::new()
        };
        let nvars = names.len();
        let value = match exprs.last() {
            Some(e) if exprs.len() == nvars && self.actvar[last].kind == VarKind::Const => {
                self.const_value(e)
            }
            _ => None,
        };
        if let Some(v) = value {
            self.actvar[last].kind = VarKind::CompileTime;
            self.actvar[last].value = Some(v);
            // A compile-time constant gets no register and no debug entry, but is visible.
            self.adjust_localvars(nvars - 1)?;
            self.fs_mut().nactvar += 1;
        } else {
            self.adjust_localvars(nvars)?;
        }
        b.stats.push(Stat::Local { names, exprs, line });
        Ok(())
    }

    /// `label -> '::' NAME '::'`, followed by any no-op statements (parsed first, as PUC).
    fn label_stat(
        &mut self,
        b: &mut BlockBuilder,
        name: String,
        line: u32,
    ) -> Result<(), SyntaxError> {
        self.check_next(&Tok::DbColon)?;
        b.stats.push(Stat::Label {
            name: name.clone(),
            line,
        });
        while self.is(b';') || self.t.tok == Tok::DbColon {
            self.statement(b)?;
        }
        self.check_repeated(&name)?;
        let last = self.block_follow(false);
        self.create_label(name, line, last)
    }

    fn ret_stat(&mut self, b: &mut BlockBuilder, line: u32) -> Result<(), SyntaxError> {
        let exprs = if self.block_follow(true) || self.is(b';') {
            Vec::new()
        } else {
            self.expr_list()?
        };
        self.test_next_char(b';')?;
        b.ret = Some((exprs, line));
        Ok(())
    }

    /// `stat -> func | assignment`
    fn expr_stat(&mut self, b: &mut BlockBuilder) -> Result<(), SyntaxError> {
        let (first, d) = self.suffixed_exp()?;
        self.note_depth(d)?;
        if !(self.is(b'=') || self.is(b',')) {
            if !matches!(first.kind, ExprKind::Call(..) | ExprKind::Method(..)) {
                return Err(self.syntax_error("syntax error"));
            }
            b.stats.push(Stat::Call(first));
            return Ok(());
        }
        let mut targets = vec![first];
        let mut extra_levels = 0;
        let line = loop {
            let last = targets.last().expect("nonempty");
            if !matches!(last.kind, ExprKind::Name(_) | ExprKind::Index(..)) {
                return Err(self.syntax_error("syntax error"));
            }
            if let ExprKind::Name(n) = &last.kind {
                let n = n.clone();
                self.check_readonly(&n)?;
            }
            if self.test_next_char(b',')? {
                let (e, d) = self.suffixed_exp()?;
                self.note_depth(d)?;
                targets.push(e);
                self.enter_level()?;
                extra_levels += 1;
            } else {
                let line = self.line();
                self.check_next_char(b'=')?;
                break line;
            }
        };
        let exprs = self.expr_list()?;
        self.level -= extra_levels;
        b.stats.push(Stat::Assign {
            targets,
            exprs,
            line,
        });
        Ok(())
    }
}
