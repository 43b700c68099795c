//! The walk over statements: locals, assignments, control structures, loops, functions,
//! returns, labels and gotos (PUC's lparser.c statement rules).
//!
//! Invariants: after each statement `freereg == nvarstack()` (temporaries are released);
//! a loop block is marked `isloop` so that leaving it resolves pending `break`s.

#![forbid(unsafe_code)]

use super::expdesc::{ExpDesc, EK};
use super::jumps::JumpList;
use super::scope::VarKind;
use super::{Compiler, R};
use crate::ast::{Attrib, Block, Expr, FuncBody, Name, Stat};
use crate::opcodes::{Instr, Op, MAXARG_BX};

impl Compiler<'_> {
    /// The statements of `b` in the current block (no new scope).
    pub(crate) fn statlist(&mut self, b: &Block, in_repeat: bool) -> R<()> {
        self.stats(&b.stats, b.ret.as_ref(), in_repeat)
    }

    fn stats(&mut self, stats: &[Stat], ret: Option<&(Vec<Expr>, u32)>, in_repeat: bool) -> R<()> {
        for (i, s) in stats.iter().enumerate() {
            if let Stat::Label { name, line } = s {
                // A label followed only by labels, at the end of a block that does not
                // continue (as `until` does), is outside the scope of the block's locals.
                let last = !in_repeat
                    && ret.is_none()
                    && stats[i + 1..]
                        .iter()
                        .all(|s| matches!(s, Stat::Label { .. }));
                self.line = *line;
                self.label_stat(name, *line, last)?;
            } else {
                self.statement(s)?;
            }
            let n = self.nvarstack();
            self.fs_mut().freereg = n;
        }
        if let Some((exprs, line)) = ret {
            self.ret_stat(exprs, *line)?;
            let n = self.nvarstack();
            self.fs_mut().freereg = n;
        }
        Ok(())
    }

    /// A block with its own scope.
    pub(crate) fn block(&mut self, b: &Block) -> R<()> {
        self.enter_block(false);
        self.statlist(b, false)?;
        self.leave_block()?;
        Ok(())
    }

    fn statement(&mut self, s: &Stat) -> R<()> {
        match s {
            Stat::Local { names, exprs, line } => {
                self.line = *line;
                self.local_stat(names, exprs)
            }
            Stat::Assign {
                targets,
                exprs,
                line,
            } => {
                self.line = *line;
                self.assign_stat(targets, exprs)
            }
            Stat::Call(e) => {
                let v = self.expr(e)?;
                match v.k {
                    EK::Call(pc) => {
                        self.instr_mut(pc).set_c(1);
                        Ok(())
                    }
                    _ => Err(self.error("syntax error")),
                }
            }
            Stat::Do(b) => {
                self.block(b)?;
                self.line = b.end_line;
                Ok(())
            }
            Stat::While { cond, body, line } => {
                self.line = *line;
                self.while_stat(cond, body)
            }
            Stat::Repeat { body, cond, line } => {
                self.line = *line;
                self.repeat_stat(body, cond)
            }
            Stat::If { conds, else_, line } => {
                self.line = *line;
                self.if_stat(conds, else_.as_ref())?;
                let last = else_.as_ref().or(conds.last().map(|(_, _, b)| b));
                if let Some(b) = last {
                    self.line = b.end_line; // the closing `end`
                }
                Ok(())
            }
            Stat::NumFor {
                var,
                start,
                limit,
                step,
                body,
                line,
            } => {
                self.line = *line;
                self.fornum(var, start, limit, step.as_ref(), body, *line)
            }
            Stat::GenFor {
                names,
                exprs,
                body,
                line,
            } => {
                self.line = *line;
                self.forlist(names, exprs, body)
            }
            Stat::Function {
                path,
                method,
                func,
                line,
            } => {
                self.line = *line;
                self.func_stat(path, method.as_deref(), func, *line)
            }
            Stat::LocalFunction { name, func, line } => {
                self.line = *line;
                let fvar = self.fs().nactvar;
                self.new_localvar(name, VarKind::Reg)?;
                self.adjust_localvars(1);
                self.closure(func, *line)?;
                // Debug information sees the variable only after the closure exists.
                self.set_local_startpc(fvar);
                Ok(())
            }
            Stat::Break { line } => {
                self.line = *line;
                let j = self.jump();
                self.new_goto("break", *line, vec![j]);
                Ok(())
            }
            Stat::Goto { label, line } => {
                self.line = *line;
                self.goto_stat(label, *line)
            }
            Stat::Label { name, line } => {
                self.line = *line;
                self.label_stat(name, *line, false)
            }
        }
    }

    /// Adjust the values of an expression list of `nexps` items (last one `e`) to `nvars`.
    fn adjust_assign(&mut self, nvars: usize, nexps: usize, e: &mut ExpDesc) -> R<()> {
        let needed = nvars as i64 - nexps as i64;
        if e.has_multret() {
            let extra = (needed + 1).max(0);
            self.set_returns(e, extra as i32)?;
        } else {
            if !matches!(e.k, EK::Void) {
                self.exp2nextreg(e)?;
            }
            if needed > 0 {
                let fr = self.fs().freereg;
                self.load_nil(fr, needed as usize);
            }
        }
        if needed > 0 {
            self.reserve_regs(needed as usize)?;
        } else {
            let fs = self.fs_mut();
            fs.freereg = (fs.freereg as i64 + needed).max(0) as usize;
        }
        Ok(())
    }

    fn local_stat(&mut self, names: &[(Name, Attrib)], exprs: &[Expr]) -> R<()> {
        let mut toclose = None;
        let mut vidx = 0;
        for (i, (name, attr)) in names.iter().enumerate() {
            let kind = match attr {
                Attrib::None => VarKind::Reg,
                Attrib::Const => VarKind::Const,
                Attrib::Close => VarKind::Close,
            };
            vidx = self.new_localvar(name, kind)?;
            if kind == VarKind::Close {
                if toclose.is_some() {
                    return Err(self.error("multiple to-be-closed variables in local list"));
                }
                toclose = Some(self.fs().nactvar + i);
            }
        }
        let nvars = names.len();
        let (mut e, nexps) = self.explist(exprs)?;
        let last_const = matches!(names.last(), Some((_, Attrib::Const)));
        let k = if nvars == nexps && last_const {
            self.exp2const(&e)
        } else {
            None
        };
        if let Some(k) = k {
            // A compile-time constant: no register, no debug entry.
            self.set_var_const(vidx, k);
            self.adjust_localvars(nvars - 1);
            self.fs_mut().nactvar += 1;
        } else {
            self.adjust_assign(nvars, nexps, &mut e)?;
            self.adjust_localvars(nvars);
        }
        if let Some(level) = toclose {
            self.mark_to_be_closed();
            let r = self.reglevel(level);
            self.code_abc(Op::Tbc, r as u32, 0, 0);
        }
        Ok(())
    }

    /// If a local/upvalue assigned now is the table or key of an earlier target of the same
    /// multiple assignment, copy it first and make the earlier target use the copy.
    fn check_conflict(&mut self, lhs: &mut [ExpDesc], v: &ExpDesc) -> R<()> {
        let extra = self.fs().freereg;
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match (&mut lh.k, &v.k) {
                (EK::IndexUp { t, key }, EK::Upval(u)) if *t == *u => {
                    conflict = true;
                    lh.k = EK::IndexStr {
                        t: extra,
                        key: *key,
                    };
                }
                (EK::Indexed { t, key }, EK::Local { reg, .. }) => {
                    if *t == *reg {
                        conflict = true;
                        *t = extra;
                    }
                    if *key == *reg {
                        conflict = true;
                        *key = extra;
                    }
                }
                (EK::IndexI { t, .. } | EK::IndexStr { t, .. }, EK::Local { reg, .. })
                    if *t == *reg =>
                {
                    conflict = true;
                    *t = extra;
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                EK::Local { reg, .. } => {
                    self.code_abc(Op::Move, extra as u32, reg as u32, 0);
                }
                EK::Upval(u) => {
                    self.code_abc(Op::GetUpval, extra as u32, u as u32, 0);
                }
                _ => {}
            }
            self.reserve_regs(1)?;
        }
        Ok(())
    }

    fn assign_stat(&mut self, targets: &[Expr], exprs: &[Expr]) -> R<()> {
        let mut lhs: Vec<ExpDesc> = Vec::with_capacity(targets.len());
        for t in targets {
            let v = self.suffixed_exp(t)?;
            match v.k {
                EK::Local { .. } | EK::Upval(_) => self.check_conflict(&mut lhs, &v)?,
                _ if v.is_indexed() => {}
                _ => return Err(self.error("syntax error")),
            }
            lhs.push(v);
        }
        let Some((last, rest)) = lhs.split_last() else {
            return Err(self.error("syntax error"));
        };
        let (mut e, nexps) = self.explist(exprs)?;
        if nexps != lhs.len() {
            self.adjust_assign(lhs.len(), nexps, &mut e)?;
            let mut ex = ExpDesc::new(EK::NonReloc(self.fs().freereg.saturating_sub(1)));
            self.store_var(last, &mut ex)?;
        } else {
            self.set_one_ret(&mut e);
            self.store_var(last, &mut e)?;
        }
        for v in rest.iter().rev() {
            let mut ex = ExpDesc::new(EK::NonReloc(self.fs().freereg.saturating_sub(1)));
            self.store_var(v, &mut ex)?;
        }
        Ok(())
    }

    /// A condition: returns the jumps taken when it is false.
    fn cond(&mut self, e: &Expr) -> R<JumpList> {
        let mut v = self.expr(e)?;
        if matches!(v.k, EK::Nil) {
            v.k = EK::False; // all falses are equal here
        }
        self.go_if_true(&mut v)?;
        Ok(std::mem::take(&mut v.f))
    }

    fn while_stat(&mut self, cond: &Expr, body: &Block) -> R<()> {
        let whileinit = self.get_label();
        let condexit = self.cond(cond)?;
        self.enter_block(true);
        self.block(body)?;
        self.jump_to(whileinit)?;
        self.line = body.end_line; // PUC leaves the loop block after reading `end`
        self.leave_block()?;
        self.patch_to_here(condexit)
    }

    fn repeat_stat(&mut self, body: &Block, cond: &Expr) -> R<()> {
        let repeat_init = self.get_label();
        self.enter_block(true); // loop block
        self.enter_block(false); // scope block
        self.statlist(body, true)?;
        let mut condexit = self.cond(cond)?;
        let bl2 = self.leave_block()?;
        if bl2.upval {
            // The repetition path must close the body's upvalues too.
            let exit = self.jump();
            self.patch_to_here(condexit)?;
            let lvl = self.reglevel(bl2.nactvar);
            self.code_abc(Op::Close, lvl as u32, 0, 0);
            condexit = vec![self.jump()];
            self.patch_to_here(vec![exit])?;
        }
        self.patch_list(condexit, repeat_init)?;
        self.leave_block()?;
        Ok(())
    }

    fn if_stat(&mut self, conds: &[(Expr, u32, Block)], else_: Option<&Block>) -> R<()> {
        let mut escape = Vec::new();
        for (i, (c, then_line, b)) in conds.iter().enumerate() {
            let more = i + 1 < conds.len() || else_.is_some();
            self.test_then_block(c, *then_line, b, more, &mut escape)?;
        }
        if let Some(b) = else_ {
            self.block(b)?;
        }
        self.patch_to_here(escape)
    }

    fn test_then_block(
        &mut self,
        c: &Expr,
        then_line: u32,
        b: &Block,
        more: bool,
        escape: &mut JumpList,
    ) -> R<()> {
        let mut v = self.expr(c)?;
        self.line = then_line;
        let jf;
        if let Some(Stat::Break { line }) = b.stats.first() {
            // `if c then break`: jump straight out of the loop when c is true.
            self.go_if_false(&mut v)?;
            self.enter_block(false);
            let t = std::mem::take(&mut v.t);
            self.new_goto("break", *line, t);
            if b.stats.len() == 1 && b.ret.is_none() {
                self.leave_block()?;
                return Ok(());
            }
            jf = vec![self.jump()];
            self.stats(&b.stats[1..], b.ret.as_ref(), false)?;
        } else {
            self.go_if_true(&mut v)?;
            self.enter_block(false);
            jf = std::mem::take(&mut v.f);
            self.statlist(b, false)?;
        }
        self.leave_block()?;
        if more {
            let j = self.jump();
            escape.push(j);
        }
        self.patch_to_here(jf)
    }

    /// An expression into the next register.
    fn exp1(&mut self, e: &Expr) -> R<()> {
        let mut v = self.expr(e)?;
        self.exp2nextreg(&mut v)
    }

    fn fix_for_jump(&mut self, pc: usize, dest: usize, back: bool) -> R<()> {
        let mut offset = dest as i64 - (pc as i64 + 1);
        if back {
            offset = -offset;
        }
        if !(0..=MAXARG_BX as i64).contains(&offset) {
            return Err(self.error("control structure too long"));
        }
        self.instr_mut(pc).set_bx(offset as u32);
        Ok(())
    }

    /// Body of a for loop whose control registers start at `base`.
    fn for_body(
        &mut self,
        base: usize,
        line: u32,
        nvars: usize,
        isgen: bool,
        body: &Block,
    ) -> R<()> {
        let (prep_op, loop_op) = if isgen {
            (Op::TForPrep, Op::TForLoop)
        } else {
            (Op::ForPrep, Op::ForLoop)
        };
        let prep = self.code_abx(prep_op, base as u32, 0);
        self.enter_block(false); // scope for declared variables
        self.adjust_localvars(nvars);
        self.reserve_regs(nvars)?;
        self.block(body)?;
        self.leave_block()?;
        let here = self.get_label();
        self.fix_for_jump(prep, here, false)?;
        if isgen {
            self.code_abc(Op::TForCall, base as u32, 0, nvars as u32);
            self.fixline(line);
        }
        let endfor = self.code_abx(loop_op, base as u32, 0);
        self.fix_for_jump(endfor, prep + 1, true)?;
        self.fixline(line);
        Ok(())
    }

    fn fornum(
        &mut self,
        var: &str,
        start: &Expr,
        limit: &Expr,
        step: Option<&Expr>,
        body: &Block,
        line: u32,
    ) -> R<()> {
        self.enter_block(true);
        let base = self.fs().freereg;
        for _ in 0..3 {
            self.new_localvar("(for state)", VarKind::Reg)?;
        }
        self.new_localvar(var, VarKind::Reg)?;
        self.exp1(start)?;
        self.exp1(limit)?;
        match step {
            Some(s) => self.exp1(s)?,
            None => {
                let fr = self.fs().freereg;
                self.load_int(fr, 1)?;
                self.reserve_regs(1)?;
            }
        }
        self.adjust_localvars(3);
        self.for_body(base, line, 1, false, body)?;
        self.line = body.end_line;
        self.leave_block()?;
        Ok(())
    }

    fn forlist(&mut self, names: &[Name], exprs: &[Expr], body: &Block) -> R<()> {
        self.enter_block(true);
        let base = self.fs().freereg;
        for _ in 0..4 {
            self.new_localvar("(for state)", VarKind::Reg)?;
        }
        for n in names {
            self.new_localvar(n, VarKind::Reg)?;
        }
        let line = exprs.first().map_or(self.line, |e| e.line);
        let (mut e, nexps) = self.explist(exprs)?;
        self.adjust_assign(4, nexps, &mut e)?;
        self.adjust_localvars(4);
        self.mark_to_be_closed(); // the 4th control variable is to be closed
        self.check_stack(3)?; // room to call the generator
        self.for_body(base, line, names.len(), true, body)?;
        self.line = body.end_line;
        self.leave_block()?;
        Ok(())
    }

    fn func_stat(
        &mut self,
        path: &[Name],
        method: Option<&str>,
        func: &FuncBody,
        line: u32,
    ) -> R<()> {
        let Some((first, rest)) = path.split_first() else {
            return Err(self.error("syntax error"));
        };
        let mut v = self.single_var(first)?;
        for n in rest {
            self.field_sel(&mut v, n)?;
        }
        if let Some(m) = method {
            self.field_sel(&mut v, m)?;
        }
        let mut b = self.closure(func, line)?;
        self.store_var(&v, &mut b)?;
        self.fixline(line); // the definition "happens" in the first line
        Ok(())
    }

    fn ret_stat(&mut self, exprs: &[Expr], line: u32) -> R<()> {
        self.line = line;
        let mut first = self.nvarstack();
        let nret: i32;
        if exprs.is_empty() {
            nret = 0;
        } else {
            let (mut e, n) = self.explist(exprs)?;
            if e.has_multret() {
                self.set_multret(&mut e)?;
                let insidetbc = self.fs().blocks.last().is_some_and(|b| b.insidetbc);
                if let (EK::Call(pc), 1, false) = (&e.k, n, insidetbc) {
                    let i = self.instr(*pc);
                    *self.instr_mut(*pc) = Instr::abc(
                        Op::TailCall,
                        i.a() as u32,
                        i.b() as u32,
                        i.c() as u32,
                        false,
                    );
                }
                nret = -1;
            } else if n == 1 {
                first = self.exp2anyreg(&mut e)?;
                nret = 1;
            } else {
                self.exp2nextreg(&mut e)?;
                nret = n as i32;
            }
        }
        self.ret(first, nret);
        Ok(())
    }
}
