//! Scopes: local variables, blocks, upvalues, labels and gotos (PUC's lparser.c scoping).
//!
//! Invariants:
//! - `Compiler::actvar` holds the declared locals of every function being compiled; a
//!   function's locals start at its `firstlocal`, the first `nactvar` of them are active.
//! - A local's register (`ridx`) is the number of register-holding locals declared before
//!   it; compile-time constants (`VarKind::Ctc`) hold no register.
//! - A block whose locals are captured by a closure (or that holds a to-be-closed variable)
//!   has `upval` set; leaving it emits CLOSE (except at function end, where RETURN's k does).
//! - Pending gotos move outwards block by block; a goto leaving a block with `upval` set
//!   gets `close`, and the label that resolves it emits CLOSE at its position.

#![forbid(unsafe_code)]

use super::expdesc::{ExpDesc, EK};
use super::jumps::JumpList;
use super::{Compiler, R};
use crate::opcodes::Op;
use crate::proto::{LocVar, UpvalDesc};
use std::rc::Rc;

/// Limit of active locals per function (PUC's MAXVARS).
const MAXVARS: usize = 200;
/// Limit of upvalues per function.
const MAXUPVAL: usize = 255;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum VarKind {
    Reg = 0,
    Const = 1,
    Close = 2,
    /// Compile-time constant: no register, value in `VarDesc::k`.
    Ctc = 3,
}

pub(crate) struct VarDesc {
    pub(crate) name: Rc<str>,
    pub(crate) kind: VarKind,
    pub(crate) ridx: usize,
    /// Index of the variable's entry in `Proto::locvars`.
    pub(crate) pidx: usize,
    /// Value of a compile-time constant.
    pub(crate) k: EK,
}

pub(crate) struct BlockCnt {
    pub(crate) nactvar: usize,
    pub(crate) firstlabel: usize,
    pub(crate) firstgoto: usize,
    pub(crate) upval: bool,
    pub(crate) insidetbc: bool,
    pub(crate) isloop: bool,
}

pub(crate) struct LabelDesc {
    pub(crate) name: Rc<str>,
    pub(crate) pc: usize,
    pub(crate) line: u32,
    pub(crate) nactvar: usize,
}

impl crate::labels::Named for LabelDesc {
    fn name(&self) -> &str {
        &self.name
    }
}

pub(crate) struct GotoDesc {
    pub(crate) name: Rc<str>,
    pub(crate) jumps: JumpList,
    pub(crate) line: u32,
    pub(crate) nactvar: usize,
    pub(crate) close: bool,
}

impl Compiler<'_> {
    fn var(&self, vidx: usize) -> &VarDesc {
        &self.actvar[self.fs().firstlocal + vidx]
    }

    /// Declare a local (not yet active). Returns its index among the function's locals.
    pub(crate) fn new_localvar(&mut self, name: &str, kind: VarKind) -> R<usize> {
        let n = self.actvar.len() + 1 - self.fs().firstlocal;
        if n > MAXVARS {
            return Err(self.error_limit(MAXVARS, "local variables"));
        }
        self.actvar.push(VarDesc {
            name: Rc::from(name),
            kind,
            ridx: 0,
            pidx: 0,
            k: EK::Nil,
        });
        Ok(self.actvar.len() - 1 - self.fs().firstlocal)
    }

    /// Register level of the first `nvar` locals of the current function.
    pub(crate) fn reglevel(&self, nvar: usize) -> usize {
        let fs = self.fs();
        let end = (fs.firstlocal + nvar).min(self.actvar.len());
        self.actvar[fs.firstlocal.min(end)..end]
            .iter()
            .rev()
            .find(|v| v.kind != VarKind::Ctc)
            .map_or(0, |v| v.ridx + 1)
    }

    /// Number of registers holding active locals.
    pub(crate) fn nvarstack(&self) -> usize {
        self.reglevel(self.fs().nactvar)
    }

    fn register_localvar(&mut self, name: Rc<str>) -> usize {
        let pc = self.pc() as u32;
        let f = &mut self.fs_mut().f;
        f.locvars.push(LocVar {
            name,
            startpc: pc,
            endpc: 0,
        });
        f.locvars.len() - 1
    }

    /// Activate the last `n` declared locals.
    pub(crate) fn adjust_localvars(&mut self, n: usize) {
        let first = self.nvarstack();
        for rl in first..first + n {
            let vidx = self.fs().nactvar;
            self.fs_mut().nactvar += 1;
            let i = self.fs().firstlocal + vidx;
            let name = self.actvar[i].name.clone();
            let pidx = self.register_localvar(name);
            let v = &mut self.actvar[i];
            v.ridx = rl;
            v.pidx = pidx;
        }
    }

    /// Deactivate locals down to `tolevel`, closing their debug ranges.
    fn remove_vars(&mut self, tolevel: usize) {
        let pc = self.pc() as u32;
        while self.fs().nactvar > tolevel {
            self.fs_mut().nactvar -= 1;
            let vidx = self.fs().nactvar;
            let (kind, pidx) = {
                let v = self.var(vidx);
                (v.kind, v.pidx)
            };
            if kind != VarKind::Ctc {
                if let Some(lv) = self.fs_mut().f.locvars.get_mut(pidx) {
                    lv.endpc = pc;
                }
            }
        }
        let n = self.fs().firstlocal + tolevel;
        self.actvar.truncate(n);
    }

    pub(crate) fn set_local_startpc(&mut self, vidx: usize) {
        let pidx = self.var(vidx).pidx;
        let pc = self.pc() as u32;
        if let Some(lv) = self.fs_mut().f.locvars.get_mut(pidx) {
            lv.startpc = pc;
        }
    }

    pub(crate) fn set_var_const(&mut self, vidx: usize, k: EK) {
        let i = self.fs().firstlocal + vidx;
        let v = &mut self.actvar[i];
        v.kind = VarKind::Ctc;
        v.k = k;
    }

    // ---- variable lookup ----

    /// Find an active local named `name` in function `level`.
    fn search_var(&self, level: usize, name: &str) -> Option<EK> {
        let fs = &self.fs[level];
        for i in (0..fs.nactvar).rev() {
            let v = &self.actvar[fs.firstlocal + i];
            if &*v.name == name {
                return Some(if v.kind == VarKind::Ctc {
                    EK::Const(fs.firstlocal + i)
                } else {
                    EK::Local {
                        reg: v.ridx,
                        vidx: i,
                    }
                });
            }
        }
        None
    }

    /// Mark the block of function `level` declaring local `vidx` as having a captured local.
    fn mark_upval(&mut self, level: usize, vidx: usize) {
        let fs = &mut self.fs[level];
        if let Some(bl) = fs.blocks.iter_mut().rev().find(|b| b.nactvar <= vidx) {
            bl.upval = true;
        }
        fs.needclose = true;
    }

    /// Mark the current block as holding a to-be-closed variable.
    pub(crate) fn mark_to_be_closed(&mut self) {
        let fs = self.fs_mut();
        if let Some(bl) = fs.blocks.last_mut() {
            bl.upval = true;
            bl.insidetbc = true;
        }
        fs.needclose = true;
    }

    fn search_upvalue(&self, level: usize, name: &str) -> Option<usize> {
        self.fs[level]
            .f
            .upvalues
            .iter()
            .position(|u| u.name.as_deref() == Some(name))
    }

    fn new_upvalue(&mut self, level: usize, name: &str, v: &EK) -> R<usize> {
        if self.fs[level].f.upvalues.len() >= MAXUPVAL {
            return Err(self.error_limit(MAXUPVAL, "upvalues"));
        }
        let prev = &self.fs[level - 1];
        let desc = match *v {
            EK::Local { reg, vidx } => UpvalDesc {
                name: Some(Rc::from(name)),
                instack: true,
                idx: reg as u8,
                kind: self.actvar[prev.firstlocal + vidx].kind as u8,
            },
            EK::Upval(u) => UpvalDesc {
                name: Some(Rc::from(name)),
                instack: false,
                idx: u as u8,
                kind: prev.f.upvalues[u].kind,
            },
            _ => return Err(self.error("internal error: bad upvalue")),
        };
        let ups = &mut self.fs[level].f.upvalues;
        ups.push(desc);
        Ok(ups.len() - 1)
    }

    /// Resolve `name` in function `level` and its enclosing functions, creating upvalues
    /// on the way. `Void` means global.
    fn single_var_aux(&mut self, level: usize, name: &str, base: bool) -> R<EK> {
        if let Some(v) = self.search_var(level, name) {
            if let (EK::Local { vidx, .. }, false) = (&v, base) {
                self.mark_upval(level, *vidx);
            }
            return Ok(v);
        }
        let idx = match self.search_upvalue(level, name) {
            Some(i) => i,
            None => {
                if level == 0 {
                    return Ok(EK::Void);
                }
                let v = self.single_var_aux(level - 1, name, false)?;
                match v {
                    EK::Local { .. } | EK::Upval(_) => self.new_upvalue(level, name, &v)?,
                    _ => return Ok(v),
                }
            }
        };
        Ok(EK::Upval(idx))
    }

    /// A variable reference: local, upvalue, constant, or `_ENV.name`.
    pub(crate) fn single_var(&mut self, name: &str) -> R<ExpDesc> {
        let top = self.fs.len() - 1;
        let k = self.single_var_aux(top, name, true)?;
        if !matches!(k, EK::Void) {
            return Ok(ExpDesc::new(k));
        }
        let env = self.single_var_aux(top, "_ENV", true)?;
        if matches!(env, EK::Void) {
            return Err(self.error("internal error: no _ENV"));
        }
        let mut var = ExpDesc::new(env);
        self.exp2anyregup(&mut var)?;
        let mut key = ExpDesc::new(EK::KStr(self.heap.intern(name.as_bytes())));
        self.indexed(&mut var, &mut key)?;
        Ok(var)
    }

    // ---- blocks ----

    pub(crate) fn enter_block(&mut self, isloop: bool) {
        let firstlabel = self.labels.len();
        let firstgoto = self.gotos.len();
        let fs = self.fs_mut();
        let insidetbc = fs.blocks.last().is_some_and(|b| b.insidetbc);
        let bl = BlockCnt {
            nactvar: fs.nactvar,
            firstlabel,
            firstgoto,
            upval: false,
            insidetbc,
            isloop,
        };
        fs.blocks.push(bl);
    }

    /// Leave the current block; returns it (repeat-until needs its `upval`).
    pub(crate) fn leave_block(&mut self) -> R<BlockCnt> {
        let bl = self
            .fs_mut()
            .blocks
            .pop()
            .expect("leave_block with an open block");
        let stklevel = self.reglevel(bl.nactvar);
        // Register levels of the block's variable counts, needed for pending gotos after
        // the variables are gone.
        let levels: Vec<usize> = (bl.nactvar..=self.fs().nactvar)
            .map(|n| self.reglevel(n))
            .collect();
        self.remove_vars(bl.nactvar);
        let has_previous = !self.fs().blocks.is_empty();
        let mut hasclose = false;
        if bl.isloop {
            // Breaks jump here; the block is still "current" for goto resolution.
            hasclose =
                self.create_label_in(Rc::from("break"), 0, false, bl.nactvar, bl.firstgoto)?;
        }
        if !hasclose && has_previous && bl.upval {
            self.code_abc(Op::Close, stklevel as u32, 0, 0);
        }
        self.fs_mut().freereg = stklevel;
        self.labels.truncate(bl.firstlabel);
        if has_previous {
            self.move_gotos_out(&bl, &levels);
        } else if bl.firstgoto < self.gotos.len() {
            let gt = &self.gotos[bl.firstgoto];
            let msg = if &*gt.name == "break" {
                format!("break outside loop at line {}", gt.line)
            } else {
                format!(
                    "no visible label '{}' for <goto> at line {}",
                    gt.name, gt.line
                )
            };
            return Err(self.error(&msg));
        }
        Ok(bl)
    }

    /// Pending gotos of the block just left now belong to the enclosing block.
    /// `levels[j]` is the register level of `bl.nactvar + j` variables of the block left.
    fn move_gotos_out(&mut self, bl: &BlockCnt, levels: &[usize]) {
        let outer = levels.first().copied().unwrap_or(0);
        for i in bl.firstgoto..self.gotos.len() {
            let n = self.gotos[i].nactvar;
            let lvl = match n.checked_sub(bl.nactvar) {
                Some(j) => levels.get(j).copied().unwrap_or(outer),
                None => self.reglevel(n),
            };
            let gt = &mut self.gotos[i];
            if lvl > outer {
                gt.close |= bl.upval;
            }
            gt.nactvar = bl.nactvar;
        }
    }

    // ---- labels and gotos ----

    pub(crate) fn new_goto(&mut self, name: &str, line: u32, jumps: JumpList) {
        let nactvar = self.fs().nactvar;
        self.gotos.push(GotoDesc {
            name: Rc::from(name),
            jumps,
            line,
            nactvar,
            close: false,
        });
    }

    fn find_label(&self, name: &str) -> Option<&LabelDesc> {
        self.labels.find(name, self.fs().firstlabel)
    }

    /// `goto name`: backward jumps resolve now, forward ones wait for their label.
    pub(crate) fn goto_stat(&mut self, name: &str, line: u32) -> R<()> {
        match self.find_label(name).map(|l| (l.pc, l.nactvar)) {
            None => {
                let j = self.jump();
                self.new_goto(name, line, vec![j]);
            }
            Some((pc, nactvar)) => {
                let lblevel = self.reglevel(nactvar);
                if self.nvarstack() > lblevel {
                    self.code_abc(Op::Close, lblevel as u32, 0, 0);
                }
                let j = self.jump();
                self.patch_list(vec![j], pc)?;
            }
        }
        Ok(())
    }

    /// `::name::`; `last` says it is the last statement of its block (ignoring other labels),
    /// so the block's locals are already out of scope there.
    pub(crate) fn label_stat(&mut self, name: &str, line: u32, last: bool) -> R<()> {
        if let Some(l) = self.find_label(name) {
            let msg = format!("label '{}' already defined on line {}", name, l.line);
            return Err(self.error(&msg));
        }
        let bl = self.fs().blocks.last().expect("an open block");
        let (bl_nactvar, firstgoto) = (bl.nactvar, bl.firstgoto);
        let nactvar = if last { bl_nactvar } else { self.fs().nactvar };
        self.create_label_in(Rc::from(name), line, true, nactvar, firstgoto)?;
        Ok(())
    }

    /// Create a label at the current pc with active-variable level `nactvar`, resolving the
    /// matching pending gotos from `firstgoto`. Emits CLOSE if one of them needs it;
    /// returns whether it did. `keep` keeps the label visible (false for "break").
    fn create_label_in(
        &mut self,
        name: Rc<str>,
        line: u32,
        keep: bool,
        nactvar: usize,
        firstgoto: usize,
    ) -> R<bool> {
        let pc = self.get_label();
        let mut needsclose = false;
        let mut i = firstgoto;
        while i < self.gotos.len() {
            if self.gotos[i].name == name {
                let gt = self.gotos.remove(i);
                if gt.nactvar < nactvar {
                    let vname = self
                        .actvar
                        .get(self.fs().firstlocal + gt.nactvar)
                        .map_or_else(|| Rc::from("?"), |v| v.name.clone());
                    let msg = format!(
                        "<goto {}> at line {} jumps into the scope of local '{}'",
                        gt.name, gt.line, vname
                    );
                    return Err(self.error(&msg));
                }
                needsclose |= gt.close;
                self.patch_list(gt.jumps, pc)?;
            } else {
                i += 1;
            }
        }
        if keep {
            self.labels.push(LabelDesc {
                name,
                pc,
                line,
                nactvar,
            });
        }
        if needsclose {
            let lvl = self.nvarstack();
            self.code_abc(Op::Close, lvl as u32, 0, 0);
            return Ok(true);
        }
        Ok(false)
    }
}
