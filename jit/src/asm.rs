//! The x86-64 backend: one function per IR op, emitting with dynasm into a byte vector.
//!
//! Register conventions inside a trace (see `regalloc::reg`): r14 holds the root frame's
//! base (register 0 of the Lua frame), r15 the execution context (`exec::ExecCtx`); r10,
//! r11 and xmm15 are scratch; everything else is allocated. A trace is entered as an
//! `extern "C"` function: the prologue saves the callee-saved registers and aligns the
//! stack, the epilogue (shared by all exits) restores them and returns the exit number.
//!
//! ```text
//!   prologue            push callee-saved, rsp 16-aligned, r14 = base, r15 = ctx
//!   preamble            the first iteration
//!   loop:               the loop body
//!   phi moves; jmp loop
//!   exit k:             ctx.exitno = k; jmp exit_common          (one stub per guard)
//!   exit_common:        save the trace's registers in ctx; epilogue; return exit number
//!   constant pool       floats and masks, RIP-relative
//! ```
//!
//! Guards are conditional jumps to their exit stub; a helper call saves the live
//! caller-saved registers to their save slots and restores them afterwards.
//!
//! Exits go through the trace's exit table, so compiled code is never patched: a stub saves
//! rax in the context, records its exit number and jumps through the table's entry for
//! its exit: the trace's common exit (which records the trace number) until a side trace
//! takes the exit over. A side trace has no
//! prologue: it runs in its parent's native frame, and its code starts with the transfer,
//! which stores the parent's snapshot values (still in the parent's registers and spill
//! slots; rax in the context) into the Lua stack. A trace that does not loop ends with
//! `LINK`: it stores its snapshot's slots and jumps into the target trace after its
//! prologue. Every trace has the same prologue, so any trace may continue in any other
//! within one native frame.
//!
//! Invariants:
//! - The generated code is position independent (relative jumps inside the buffer,
//!   absolute addresses as immediates), so `mcode` may copy it anywhere.
//! - An instruction writes its result location only after its own guards, unless the
//!   register allocator gave it a register no live value (snapshots included) uses.

use crate::abort::{Abort, Reason};
use crate::exec::{
    CTX_BASE_OFF, CTX_CLOSURE, CTX_EXITNO, CTX_EXITTRACE, CTX_GPR, CTX_NEXTRA, CTX_ROOT_FI,
    CTX_SPILL, CTX_XMM,
};
use crate::helpers;
use crate::ir::{Field, Ins, Ir, Op, Ref, Ty};
use crate::regalloc::{is_call, reg::*, Alloc, Loc};
use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};
use lua_core::layout;

macro_rules! a {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

/// Whether the CPU has SSE4.1 (`roundsd` for floor and ceil).
pub fn has_sse41() -> bool {
    std::arch::is_x86_feature_detected!("sse4.1")
}

/// The assembled trace.
pub struct Code {
    pub bytes: Vec<u8>,
    /// The snapshot of each exit number.
    pub exits: Vec<u32>,
    /// The instruction of each exit number.
    pub exit_ins: Vec<u32>,
    /// Offset of the loop body's first instruction.
    pub loop_offset: usize,
    /// Offset just after the prologue (where linking traces jump in).
    pub body_offset: usize,
    /// Offset of the common exit, where every exit table entry points until a side trace
    /// takes it over.
    pub common_offset: usize,
}

/// How the code is entered.
pub enum Entry<'a> {
    /// Called from Rust (a root trace): a prologue.
    Root,
    /// Jumped to from exit `exit` of `parent` (a side trace): the transfer.
    Side {
        parent_ir: &'a Ir,
        parent_ra: &'a Alloc,
        snap: u32,
    },
}

/// What the assembler needs besides the IR and the allocation.
pub struct Params<'a> {
    /// One past the highest stack slot the trace touches (for the upvalue range guard).
    pub max_slot: i32,
    /// This trace's number (exit stubs record it).
    pub trace_no: u32,
    /// The exit table: one word per exit, 0 or the code to continue at.
    pub exit_table: *const std::cell::Cell<usize>,
    pub entry: Entry<'a>,
    /// Where a final `LINK` jumps to.
    pub link_addr: usize,
    /// Before that jump: where the target's base frame is, when this trace returned out of
    /// frames (RETF) first.
    pub link_rebase: LinkRebase,
    /// A link into the loop of an inlined frame: the frames to push first (they live as
    /// long as the code), and the loop header's pc.
    pub link_frames: Option<(*const crate::ir::SnapFrame, usize, u32)>,
}

/// The frame a trace that returned out of its base frame (RETF) links in: its base and
/// function slots (relative to this trace's base), its extra arguments (a vararg function),
/// and the frames returned out of (0: no rebase).
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkRebase {
    pub base: i32,
    pub func: i32,
    pub nextra: u32,
    pub popped: u32,
}

/// Number of exits the code of `ir` has (one per guard, one for a link to the
/// interpreter): the size of its exit table.
pub fn count_exits(ir: &Ir) -> usize {
    ir.ins
        .iter()
        .filter(|i| {
            i.op.is_guard()
                || (i.op == Op::Link && (i.k == 0 || !ir.snaps[i.snap as usize].frames.is_empty()))
        })
        .count()
}

/// Where an operand comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Src {
    Reg(u8),
    Mem(i32),
    Imm(i64),
    /// A float constant in the pool (its label index).
    Pool(usize),
    /// The bits of an XMM register, as an integer argument of a helper.
    XBits(u8),
}

struct Asm<'a> {
    ops: VecAssembler<X64Relocation>,
    ir: &'a Ir,
    ra: &'a Alloc,
    max_slot: i32,
    trace_no: u32,
    exit_table: usize,
    link_addr: usize,
    /// The frame the final link goes on in (see `Params::link_rebase`).
    link_rebase: LinkRebase,
    link_frames: Option<(*const crate::ir::SnapFrame, usize, u32)>,
    exits: Vec<u32>,
    exit_ins: Vec<u32>,
    exit_labels: Vec<DynamicLabel>,
    pool: Vec<(DynamicLabel, [u64; 2])>,
    exit_common: DynamicLabel,
    /// Slow paths to emit after the main line.
    cold: Vec<Cold>,
    /// Instruction being assembled.
    cur: usize,
    /// `AREF`s whose address the `VLOAD` right after them, their only use, computes in its
    /// own addressing mode (no code of their own).
    fused: Vec<bool>,
    /// `ADD x, -1` instructions done by the guard `NE x, 0` before them (`count_down`).
    counted: Vec<bool>,
    /// Out-of-line fix-ups of those guards' exits: label, register (add 1 back), exit.
    count_fixups: Vec<(DynamicLabel, u8, DynamicLabel)>,
    /// In the loop body: the register of the loop's count after its decrement (the loop
    /// value of a PHI), which paces the interrupt check (`IntrCheck`).
    timer: Option<u8>,
    /// The index whose double the scratch register holds, and the code offset up to which
    /// it does (a fused `VLOAD` right after another of the same index reuses it).
    twice: Option<(Ref, usize)>,
    /// Registers holding the trace's values (`used_regs`).
    used: (u16, u16),
    /// The loop's start (a looping trace).
    loop_label: DynamicLabel,
    /// The instruction that branches back to the loop itself (`loop_closer`).
    closer: Option<usize>,
}

/// An instruction's slow path, out of line: entered at `entry`, it leaves its result in
/// register `dst` and jumps to `back`; `live` are the values to save around its call.
struct Cold {
    entry: DynamicLabel,
    back: DynamicLabel,
    ins: usize,
    live: Vec<usize>,
    dst: u8,
}

/// The `AREF`s a `VLOAD` can fold into its addressing: the load comes right after, and
/// nothing else uses the address (operands and snapshot entries counted). Their operands are
/// then read by the load; the allocator gave the `AREF`'s value no register anyone writes in
/// between (nothing is computed between the two).
fn fused_arefs(ir: &Ir) -> Vec<bool> {
    let n = ir.ins.len();
    let mut uses = vec![0u32; n];
    let mut count = |r: Ref| {
        if !r.is_const() && !r.is_none() {
            uses[r.idx()] += 1;
        }
    };
    for ins in &ir.ins[1..] {
        if ins.op.has_a() {
            count(ins.a);
        }
        if ins.op.has_b() {
            count(ins.b);
        }
    }
    for sn in &ir.snaps {
        for &(_, r) in &sn.entries {
            count(r);
        }
    }
    (0..n)
        .map(|i| {
            ir.ins[i].op == Op::ARef
                && !ir.ins[i].b.is_const()
                && uses[i] == 1
                && i + 1 < n
                && ir.ins[i + 1].op == Op::VLoad
                && ir.ins[i + 1].a == Ref::ins(i)
        })
        .collect()
}

/// The general and XMM registers (bit masks) that hold some value of the trace: the ones
/// an exit or a call-out saves in the context. Never rsp or r15 (the context itself).
fn used_regs(ra: &Alloc) -> (u16, u16) {
    let (mut gprs, mut xmms) = (0u16, 0u16);
    for l in &ra.loc {
        match *l {
            Loc::Gpr(g) => gprs |= 1 << g,
            Loc::Xmm(x) => xmms |= 1 << x,
            _ => {}
        }
    }
    (gprs & !(1 << RSP | 1 << CTX), xmms)
}

fn spill_off(s: u16) -> i32 {
    CTX_SPILL + 8 * s as i32
}

/// Assemble `ir` with allocation `ra`.
pub fn assemble(ir: &Ir, ra: &Alloc, p: Params) -> Result<Code, Abort> {
    // (Sized for the trace up front: growing the buffers step by step was a measurable part
    // of compiling a short trace.)
    let n = ir.ins.len();
    let mut ops = VecAssembler::<X64Relocation>::new_with_capacity(0, 32 * n + 1024, 0, 0, n, 0, n);
    let exit_common = ops.new_dynamic_label();
    let loop_label = ops.new_dynamic_label();
    let mut asm = Asm {
        ops,
        ir,
        ra,
        max_slot: p.max_slot,
        trace_no: p.trace_no,
        exit_table: p.exit_table as usize,
        link_addr: p.link_addr,
        link_rebase: p.link_rebase,
        link_frames: p.link_frames,
        exits: Vec::with_capacity(n),
        exit_ins: Vec::with_capacity(n),
        exit_labels: Vec::with_capacity(n),
        pool: Vec::new(),
        exit_common,
        cold: Vec::new(),
        cur: 0,
        fused: fused_arefs(ir),
        twice: None,
        counted: vec![false; ir.ins.len()],
        count_fixups: Vec::new(),
        timer: None,
        used: used_regs(ra),
        loop_label,
        closer: None,
    };
    asm.closer = asm.loop_closer();
    match p.entry {
        Entry::Root => asm.prologue(),
        Entry::Side {
            parent_ir,
            parent_ra,
            snap,
        } => asm.transfer(parent_ir, parent_ra, snap),
    }
    let body_offset = asm.ops.offset().0;
    let loop_label = asm.loop_label;
    let mut loop_offset = 0;
    let n = ir.ins.len();
    for i in 1..n {
        asm.cur = i;
        let ins = ir.ins[i];
        match ins.op {
            Op::Nop | Op::Phi => {}
            Op::Loop => {
                // (The loop is entered from its back-edge too: no scratch value carries in.)
                asm.twice = None;
                asm.timer = None;
                a!(asm.ops; .align 16);
                loop_offset = asm.ops.offset().0;
                a!(asm.ops; =>loop_label);
            }
            Op::Link => asm.link(ins),
            _ => asm.ins(i, ins)?,
        }
    }
    if ir.loop_start.is_some() {
        if asm.closer.is_none() {
            asm.phi_moves();
            a!(asm.ops; jmp =>loop_label);
        }
    } else if ir.ins.last().map(|i| i.op) != Some(Op::Link) {
        return Err(Abort::with(
            Reason::NyiBytecode,
            "trace without a loop or a link",
        ));
    }
    asm.cold_paths();
    let common_offset = asm.exit_stubs();
    asm.const_pool();
    let exits = std::mem::take(&mut asm.exits);
    let exit_ins = std::mem::take(&mut asm.exit_ins);
    let bytes = asm
        .ops
        .finalize()
        .map_err(|_| Abort::with(Reason::NyiBytecode, "assembler error"))?;
    Ok(Code {
        bytes,
        exits,
        exit_ins,
        loop_offset,
        body_offset,
        common_offset,
    })
}

impl Asm<'_> {
    fn prologue(&mut self) {
        a!(self.ops
            ; push rbx ; push rbp ; push r12 ; push r13 ; push r14 ; push r15
            ; sub rsp, 8
            ; mov r14, rdi
            ; mov r15, rsi
        );
    }

    /// The exit stubs and the common exit; returns the common exit's offset.
    fn exit_stubs(&mut self) -> usize {
        let ec = self.exit_common;
        let no = self.trace_no as i32;
        for (k, lbl) in self.exit_labels.clone().into_iter().enumerate() {
            let entry = (self.exit_table + 8 * k) as i64;
            a!(self.ops
                ; =>lbl
                ; mov [r15 + CTX_GPR], rax
                ; mov DWORD [r15 + CTX_EXITNO], k as i32
                ; mov rax, QWORD entry
                ; jmp QWORD [rax]
            );
        }
        // The exit table's entries start out here (see `Code::common_offset`).
        let common_offset = self.ops.offset().0;
        a!(self.ops
            ; =>ec
            ; mov DWORD [r15 + CTX_EXITTRACE], no
        );
        // Only the registers this trace's values live in: the exit's restore reads values
        // at their locations in this trace's allocation. (rax is saved by the stub.)
        let (gprs, xmms) = self.used;
        for g in 1..16u8 {
            if gprs & (1 << g) != 0 {
                a!(self.ops; mov [r15 + CTX_GPR + 8 * g as i32], Rq(g));
            }
        }
        for x in 0..16u8 {
            if xmms & (1 << x) != 0 {
                a!(self.ops; movsd [r15 + CTX_XMM + 8 * x as i32], Rx(x));
            }
        }
        a!(self.ops
            ; mov eax, [r15 + CTX_EXITNO]
            ; add rsp, 8
            ; pop r15 ; pop r14 ; pop r13 ; pop r12 ; pop rbp ; pop rbx
            ; ret
        );
        common_offset
    }

    /// Store the Lua value of type `ty` at `src` into stack slot `slot` (for a float,
    /// `Src::Reg` names an XMM register; a float in memory moves as 8 bytes through the GPR
    /// scratch).
    fn store_slot(&mut self, slot: i32, ty: Ty, src: Src) {
        let off = 16 * slot;
        let tag = ty.tag().expect("a Lua value") as i8;
        a!(self.ops; mov BYTE [r14 + off], tag);
        match (ty, src) {
            (Ty::Nil, _) => {}
            (Ty::Num, Src::Reg(x)) => a!(self.ops; movsd [r14 + off + 8], Rx(x)),
            (Ty::Num, Src::Pool(p)) => {
                let l = self.pool[p].0;
                a!(self.ops; movsd xmm15, [=>l] ; movsd [r14 + off + 8], xmm15);
            }
            (_, Src::Reg(g)) => a!(self.ops; mov [r14 + off + 8], Rq(g)),
            (_, Src::Imm(k)) if k == k as i32 as i64 => {
                a!(self.ops; mov QWORD [r14 + off + 8], k as i32)
            }
            (_, s) => {
                self.gload(TMP, s);
                a!(self.ops; mov [r14 + off + 8], Rq(TMP));
            }
        }
    }

    /// Store the values of snapshot `snap` into their stack slots.
    fn store_snapshot(&mut self, snap: u32) {
        let entries = self.ir.snaps[snap as usize].entries.clone();
        for (slot, r) in entries {
            let ty = self.ir.ty(r);
            let s = if ty == Ty::Num {
                self.xsrc(r)
            } else {
                self.gsrc(r)
            };
            self.store_slot(slot, ty, s);
        }
    }

    /// The side trace's transfer: store the parent's snapshot values into the stack.
    fn transfer(&mut self, pir: &Ir, pra: &Alloc, snap: u32) {
        for &(slot, r) in &pir.snaps[snap as usize].entries {
            let ty = pir.ty(r);
            let src = if r.is_const() {
                let k = pir.get(r);
                if ty == Ty::Num {
                    Src::Pool(self.pool16([k.k as u64, 0]))
                } else {
                    Src::Imm(if k.op == Op::KNil { 0 } else { k.k })
                }
            } else {
                match pra.loc_of(r) {
                    Loc::Gpr(RAX) => Src::Mem(CTX_GPR),
                    Loc::Gpr(g) => Src::Reg(g),
                    Loc::Xmm(x) => Src::Reg(x),
                    Loc::Spill(s) => Src::Mem(spill_off(s)),
                    Loc::None => Src::Imm(0),
                }
            };
            self.store_slot(slot, ty, src);
        }
    }

    /// The end of a trace that does not loop: store its snapshot, go on in the target; or,
    /// for a link to the interpreter, leave through an exit with the snapshot.
    fn link(&mut self, ins: Ins) {
        if ins.k == 0 {
            let e = self.exit();
            a!(self.ops; jmp =>e);
            return;
        }
        self.store_snapshot(ins.snap);
        let LinkRebase {
            base: shift,
            func,
            nextra,
            popped,
        } = self.link_rebase;
        if popped > 0 && self.link_frames.is_none() {
            // The trace returned out of `popped` frames (RETF): the target's base frame is
            // the one at slot `shift`, whose closure is in slot `func` (below its extra
            // arguments for a vararg function).
            let fslot = 16 * func + 8;
            a!(self.ops
                ; mov Rq(TMP), [r14 + fslot]
                ; mov [r15 + CTX_CLOSURE], Rq(TMP)
                ; mov QWORD [r15 + CTX_NEXTRA], nextra as i32
                ; sub QWORD [r15 + CTX_ROOT_FI], popped as i32
                ; add QWORD [r15 + CTX_BASE_OFF], shift
                ; lea r14, [r14 + 16 * shift]
            );
        }
        if let Some((frames, n, pc)) = self.link_frames {
            // The target runs in the innermost inlined frame: a helper pushes the frames
            // and returns its base (the stack may have moved), or 0 to leave instead.
            a!(self.ops; mov Rq(TMP2), r14);
            self.call_helper(
                helpers::jit_link_frames as *const () as usize,
                &[
                    Src::Reg(CTX),
                    Src::Imm(frames as i64),
                    Src::Imm(n as i64),
                    Src::Reg(TMP2),
                    Src::Imm(((pc as i64) << 8) | popped as i64),
                ],
                &[],
            );
            a!(self.ops; test rax, rax);
            // The slots are stored already (and the registers clobbered): leave through
            // the same snapshot without its slots, which follows it.
            let e = self.exit_at(ins.snap + 1);
            a!(self.ops
                ; jz =>e
                ; mov r14, rax
            );
        }
        let target = self.link_addr as i64;
        a!(self.ops
            ; mov rax, QWORD target
            ; jmp rax
        );
    }

    fn const_pool(&mut self) {
        a!(self.ops; .align 16);
        for (lbl, v) in std::mem::take(&mut self.pool) {
            a!(self.ops
                ; =>lbl
                ; .u64 v[0]
                ; .u64 v[1]
            );
        }
    }

    /// A pool entry of 16 bytes (16-aligned: usable as a packed operand).
    fn pool16(&mut self, v: [u64; 2]) -> usize {
        if let Some(p) = self.pool.iter().position(|e| e.1 == v) {
            return p;
        }
        let l = self.ops.new_dynamic_label();
        self.pool.push((l, v));
        self.pool.len() - 1
    }

    /// The exit label for the current guard (a new exit number).
    fn exit(&mut self) -> DynamicLabel {
        self.exit_at(self.ir.ins[self.cur].snap)
    }

    /// An exit of the current instruction with snapshot `snap`.
    fn exit_at(&mut self, snap: u32) -> DynamicLabel {
        let l = self.ops.new_dynamic_label();
        self.exits.push(snap);
        self.exit_ins.push(self.cur as u32);
        self.exit_labels.push(l);
        l
    }

    // ----- operands -----

    fn loc(&self, r: Ref) -> Loc {
        self.ra.loc_of(r)
    }

    /// A general-purpose operand as a source (register, memory or immediate).
    fn gsrc(&mut self, r: Ref) -> Src {
        if r.is_const() {
            let k = self.ir.get(r);
            return Src::Imm(match k.op {
                Op::KNil => 0,
                _ => k.k,
            });
        }
        match self.loc(r) {
            Loc::Gpr(g) => Src::Reg(g),
            Loc::Spill(s) => Src::Mem(spill_off(s)),
            _ => Src::Imm(0),
        }
    }

    /// A float operand as a source (register, memory or pool constant).
    fn xsrc(&mut self, r: Ref) -> Src {
        if r.is_const() {
            let bits = self.ir.get(r).k as u64;
            return Src::Pool(self.pool16([bits, 0]));
        }
        match self.loc(r) {
            Loc::Xmm(x) => Src::Reg(x),
            Loc::Spill(s) => Src::Mem(spill_off(s)),
            _ => Src::Pool(self.pool16([0, 0])),
        }
    }

    /// `r` in a general-purpose register (loading into `scratch` if needed).
    fn greg(&mut self, r: Ref, scratch: u8) -> u8 {
        match self.gsrc(r) {
            Src::Reg(g) => g,
            s => {
                self.gload(scratch, s);
                scratch
            }
        }
    }

    fn gload(&mut self, d: u8, s: Src) {
        match s {
            Src::Reg(g) => {
                if g != d {
                    a!(self.ops; mov Rq(d), Rq(g));
                }
            }
            Src::Mem(off) => a!(self.ops; mov Rq(d), [r15 + off]),
            Src::Imm(0) => a!(self.ops; xor Rd(d), Rd(d)),
            Src::Imm(k) if k == k as i32 as i64 => a!(self.ops; mov Rq(d), k as i32),
            Src::Imm(k) => a!(self.ops; mov Rq(d), QWORD k),
            Src::Pool(_) => unreachable!("pool operands are floats"),
            Src::XBits(x) => a!(self.ops; movq Rq(d), Rx(x)),
        }
    }

    /// `r` in an XMM register (loading into `scratch` if needed).
    fn xreg(&mut self, r: Ref, scratch: u8) -> u8 {
        match self.xsrc(r) {
            Src::Reg(x) => x,
            s => {
                self.xload(scratch, s);
                scratch
            }
        }
    }

    fn xload(&mut self, d: u8, s: Src) {
        match s {
            Src::Reg(x) => {
                if x != d {
                    a!(self.ops; movapd Rx(d), Rx(x));
                }
            }
            Src::Mem(off) => a!(self.ops; movsd Rx(d), [r15 + off]),
            Src::Pool(p) => {
                let l = self.pool[p].0;
                a!(self.ops; movsd Rx(d), [=>l]);
            }
            Src::Imm(_) | Src::XBits(_) => unreachable!("float immediates live in the pool"),
        }
    }

    /// The register the result of the current instruction is computed in.
    fn gdst(&self) -> u8 {
        match self.ra.loc[self.cur] {
            Loc::Gpr(g) => g,
            _ => TMP,
        }
    }
    fn xdst(&self) -> u8 {
        match self.ra.loc[self.cur] {
            Loc::Xmm(x) => x,
            _ => FTMP,
        }
    }

    /// Store the result computed in `d` to the current instruction's location.
    fn gfinish(&mut self, d: u8) {
        match self.ra.loc[self.cur] {
            Loc::Gpr(g) if g != d => a!(self.ops; mov Rq(g), Rq(d)),
            Loc::Spill(s) => a!(self.ops; mov [r15 + spill_off(s)], Rq(d)),
            _ => {}
        }
    }
    fn xfinish(&mut self, d: u8) {
        match self.ra.loc[self.cur] {
            Loc::Xmm(x) if x != d => a!(self.ops; movapd Rx(x), Rx(d)),
            Loc::Spill(s) => a!(self.ops; movsd [r15 + spill_off(s)], Rx(d)),
            _ => {}
        }
    }

    // ----- instructions -----

    fn ins(&mut self, i: usize, ins: Ins) -> Result<(), Abort> {
        if is_call(self.ir, i) {
            return self.call_op(ins);
        }
        match ins.op {
            Op::SLoad => self.sload(ins),
            Op::FnRoot => {
                let d = self.gdst();
                a!(self.ops; mov Rq(d), [r15 + CTX_CLOSURE]);
                self.gfinish(d);
            }
            Op::NExtra => {
                let d = self.gdst();
                a!(self.ops; mov Rq(d), [r15 + CTX_NEXTRA]);
                self.gfinish(d);
            }
            Op::Add if self.counted[self.cur] => {}
            Op::Ne if self.count_down(ins) => {}
            Op::Lt | Op::Ge | Op::Le | Op::Gt | Op::Eq | Op::Ne | Op::ULt | Op::UGe => {
                if ins.ty == Ty::Num {
                    self.fcmp(ins)
                } else {
                    self.icmp(ins)
                }
            }
            Op::Add | Op::Sub | Op::Mul | Op::BAnd | Op::BOr | Op::BXor if ins.ty != Ty::Num => {
                self.ibin(ins)
            }
            Op::Add | Op::Sub | Op::Mul | Op::Div => self.fbin(ins),
            Op::Min | Op::Max => {
                if ins.ty == Ty::Num {
                    self.fminmax(ins)
                } else {
                    self.iminmax(ins)
                }
            }
            Op::Neg | Op::BNot | Op::Not if ins.ty != Ty::Num => {
                let d = self.gdst();
                let s = self.gsrc(ins.a);
                self.gload(d, s);
                match ins.op {
                    Op::Neg => a!(self.ops; neg Rq(d)),
                    Op::BNot => a!(self.ops; not Rq(d)),
                    _ => a!(self.ops; xor Rq(d), 1),
                }
                self.gfinish(d);
            }
            Op::Neg | Op::Abs => {
                let mask = if ins.op == Op::Neg {
                    [1u64 << 63, 0]
                } else {
                    [!(1u64 << 63), 0]
                };
                let p = self.pool16(mask);
                let l = self.pool[p].0;
                let d = self.xdst();
                let s = self.xsrc(ins.a);
                self.xload(d, s);
                if ins.op == Op::Neg {
                    a!(self.ops; xorpd Rx(d), [=>l]);
                } else {
                    a!(self.ops; andpd Rx(d), [=>l]);
                }
                self.xfinish(d);
            }
            Op::Sqrt | Op::Floor | Op::Ceil => {
                let d = self.xdst();
                let s = self.xsrc(ins.a);
                let mode: i8 = if ins.op == Op::Floor { 9 } else { 10 };
                match (ins.op, s) {
                    (Op::Sqrt, Src::Reg(x)) => a!(self.ops; sqrtsd Rx(d), Rx(x)),
                    (Op::Sqrt, _) => {
                        self.xload(d, s);
                        a!(self.ops; sqrtsd Rx(d), Rx(d));
                    }
                    (_, Src::Reg(x)) => a!(self.ops; roundsd Rx(d), Rx(x), mode),
                    _ => {
                        self.xload(d, s);
                        a!(self.ops; roundsd Rx(d), Rx(d), mode);
                    }
                }
                self.xfinish(d);
            }
            Op::BShl | Op::BShr => self.shift_const(ins),
            Op::Conv => {
                let d = self.xdst();
                let g = self.greg(ins.a, TMP);
                a!(self.ops; xorps Rx(d), Rx(d) ; cvtsi2sd Rx(d), Rq(g));
                self.xfinish(d);
            }
            Op::NToI => {
                // Truncate, convert back, compare: equal only for an exact integer value.
                let xs = self.xsrc(ins.a);
                let d = self.gdst();
                let e = self.exit();
                match xs {
                    Src::Reg(x) => a!(self.ops; cvttsd2si Rq(d), Rx(x)),
                    Src::Mem(off) => a!(self.ops; cvttsd2si Rq(d), QWORD [r15 + off]),
                    Src::Pool(p) => {
                        let l = self.pool[p].0;
                        a!(self.ops; cvttsd2si Rq(d), QWORD [=>l]);
                    }
                    Src::Imm(_) | Src::XBits(_) => unreachable!("float operand"),
                }
                a!(self.ops
                    ; xorps xmm15, xmm15
                    ; cvtsi2sd xmm15, Rq(d)
                );
                self.ucomi(FTMP, xs);
                a!(self.ops
                    ; jne =>e
                    ; jp =>e
                );
                self.gfinish(d);
            }
            Op::FLoad => {
                let obj = self.greg(ins.a, TMP2);
                let d = self.gdst();
                let f = Field::from_k(ins.k);
                let off = f.offset();
                if f.width() == 4 {
                    a!(self.ops; mov Rd(d), [Rq(obj) + off]);
                } else {
                    a!(self.ops; mov Rq(d), [Rq(obj) + off]);
                }
                self.gfinish(d);
            }
            Op::FStore => {
                let obj = self.greg(ins.a, TMP2);
                let f = Field::from_k(ins.k);
                let off = f.offset();
                let v = self.greg(ins.b, TMP);
                if f.width() == 4 {
                    a!(self.ops; mov [Rq(obj) + off], Rd(v));
                } else {
                    a!(self.ops; mov [Rq(obj) + off], Rq(v));
                }
            }
            Op::ARef if self.fused[self.cur] => {}
            Op::ARef => {
                let arr = self.greg(ins.a, TMP2);
                let d = self.gdst();
                let mut doubled = false;
                match self.ir.as_kint(ins.b) {
                    Some(k)
                        if (k - 1)
                            .checked_mul(16)
                            .is_some_and(|o| o == o as i32 as i64) =>
                    {
                        let off = ((k - 1) * 16) as i32;
                        a!(self.ops; lea Rq(d), [Rq(arr) + off]);
                    }
                    _ => {
                        // Slot k is 16 bytes at arr + 16 * (k - 1) (the doubled index
                        // reused as in `vload`).
                        if self.twice != Some((ins.b, self.ops.offset().0)) {
                            let k = self.greg(ins.b, TMP);
                            a!(self.ops; lea Rq(TMP), [Rq(k) + Rq(k)]);
                        }
                        a!(self.ops; lea Rq(d), [Rq(arr) + Rq(TMP) * 8 - 16]);
                        doubled = d != TMP;
                    }
                }
                self.gfinish(d);
                if doubled {
                    self.twice = Some((ins.b, self.ops.offset().0));
                }
            }
            Op::TGetStr => self.tget_str_inline(ins),
            // (Its operands are read by the call after it.)
            Op::CArg => {}
            Op::StrByte => {
                let data = self.greg(ins.a, TMP2);
                let d = self.gdst();
                match self.ir.as_kint(ins.b) {
                    Some(k) if k - 1 == (k - 1) as i32 as i64 => {
                        a!(self.ops; movzx Rd(d), BYTE [Rq(data) + (k - 1) as i32]);
                    }
                    _ => {
                        let i = self.greg(ins.b, TMP);
                        a!(self.ops; movzx Rd(d), BYTE [Rq(data) + Rq(i) - 1]);
                    }
                }
                self.gfinish(d);
            }
            Op::HRefK => {
                let nodes = self.greg(ins.a, TMP2);
                let off = (ins.k as usize * layout::NODE_SIZE) as i32;
                let key_addr = self.ir.get(ins.b).k;
                let e = self.exit();
                let d = self.gdst();
                a!(self.ops
                    ; cmp BYTE [Rq(nodes) + off + layout::NODE_KEY as i32], layout::TAG_STR as i8
                    ; jne =>e
                    ; mov Rq(TMP), QWORD key_addr
                    ; cmp [Rq(nodes) + off + (layout::NODE_KEY + 8) as i32], Rq(TMP)
                    ; jne =>e
                    ; lea Rq(d), [Rq(nodes) + off]
                );
                self.gfinish(d);
            }
            Op::VLoad => self.vload(ins),
            Op::NotNil => {
                let p = self.greg(ins.a, TMP2);
                let e = self.exit();
                a!(self.ops
                    ; cmp BYTE [Rq(p)], layout::TAG_NIL as i8
                    ; je =>e
                );
            }
            Op::VStore => self.vstore(ins),
            Op::UpRef => {
                let cl = self.greg(ins.a, TMP2);
                let d = self.gdst();
                a!(self.ops
                    ; mov Rq(TMP), [Rq(cl) + layout::CLOSURE_UPVALS as i32]
                    ; mov Rq(d), [Rq(TMP) + 8 * ins.k as i32]
                );
                self.gfinish(d);
            }
            Op::UpAddr => {
                let uv = self.greg(ins.a, TMP2);
                let d = self.gdst();
                a!(self.ops; mov Rq(d), [Rq(uv) + layout::UPVAL_V as i32]);
                self.gfinish(d);
            }
            Op::CallOut => self.callout(),
            Op::IntrCheck => {
                let e = self.exit();
                let closes = self.closer == Some(self.cur);
                // In a counted loop the flag is read every 1024th iteration (the count's
                // low bits all 0): an interrupt waits at most that long.
                let skip = self.ops.new_dynamic_label();
                if let Some(r) = self.timer {
                    let next = if closes { self.loop_label } else { skip };
                    a!(self.ops; test Rq(r), 1023; jnz =>next);
                }
                a!(self.ops
                    ; mov Rq(TMP), QWORD ins.k
                    ; cmp BYTE [Rq(TMP)], 0
                );
                if closes {
                    let l = self.loop_label;
                    a!(self.ops; je =>l ; jmp =>e);
                } else {
                    a!(self.ops; jne =>e ; =>skip);
                }
            }
            Op::UpInFrame => {
                let p = self.greg(ins.a, TMP2);
                let e = self.exit();
                let off = 16 * ins.k as i32;
                a!(self.ops
                    ; lea Rq(TMP), [r14 + off]
                    ; cmp Rq(p), Rq(TMP)
                    ; jne =>e
                );
            }
            Op::UpOutFrame => {
                // Outside slots k (the lowest the trace holds, <= 0) .. max_slot.
                let s = self.gsrc(ins.a);
                self.gload(TMP, s);
                let e = self.exit();
                let lo = 16 * ins.k as i32;
                let ext = 16 * self.max_slot - lo;
                a!(self.ops
                    ; sub Rq(TMP), r14
                    ; sub Rq(TMP), lo
                    ; cmp Rq(TMP), ext
                    ; jb =>e
                );
            }
            _ => {
                return Err(Abort::with(
                    Reason::NyiBytecode,
                    format!("IR {}", ins.op.name()),
                ))
            }
        }
        Ok(())
    }

    fn sload(&mut self, ins: Ins) {
        let off = 16 * ins.k as i32;
        let tag = ins.ty.tag().expect("SLOAD of a Lua type") as i8;
        let e = self.exit();
        a!(self.ops
            ; cmp BYTE [r14 + off], tag
            ; jne =>e
        );
        self.load_payload(ins.ty, BASE, off + 8);
    }

    /// Load the payload of type `ty` at [base + off] into the current result location.
    fn load_payload(&mut self, ty: Ty, base: u8, off: i32) {
        match ty {
            Ty::Nil => {}
            Ty::Num => {
                let d = self.xdst();
                a!(self.ops; movsd Rx(d), [Rq(base) + off]);
                self.xfinish(d);
            }
            Ty::Bool => {
                let d = self.gdst();
                a!(self.ops; movzx Rd(d), BYTE [Rq(base) + off]);
                self.gfinish(d);
            }
            _ => {
                let d = self.gdst();
                a!(self.ops; mov Rq(d), [Rq(base) + off]);
                self.gfinish(d);
            }
        }
    }

    fn vload(&mut self, ins: Ins) {
        let tag = ins.ty.tag().expect("VLOAD of a Lua type") as i8;
        if !ins.a.is_const() && self.fused[ins.a.idx()] {
            // The slot at arr + 16 * (k - 1), addressed directly (`fused_arefs`): the
            // operands are read before the destination is written.
            // Nothing emitted since a fused load of the same index: the scratch register
            // still holds its double.
            let aref = self.ir.get(ins.a);
            let reuse = self.twice == Some((aref.b, self.ops.offset().0));
            let arr = self.greg(aref.a, TMP2);
            if !reuse {
                let k = self.greg(aref.b, TMP);
                a!(self.ops; lea Rq(TMP), [Rq(k) + Rq(k)]);
            }
            let e = self.exit();
            a!(self.ops
                ; cmp BYTE [Rq(arr) + Rq(TMP) * 8 - 16], tag
                ; jne =>e
            );
            self.load_payload_indexed(ins.ty, arr);
            // (Unless the value went to the scratch register: a spilled one.)
            let kept = matches!(ins.ty, Ty::Num | Ty::Nil) || self.gdst() != TMP;
            self.twice = kept.then(|| (aref.b, self.ops.offset().0));
            return;
        }
        let p = self.greg(ins.a, TMP2);
        let e = self.exit();
        a!(self.ops
            ; cmp BYTE [Rq(p)], tag
            ; jne =>e
        );
        self.load_payload(ins.ty, p, 8);
    }

    /// `load_payload` from the slot at `base + 8 * TMP - 16` (TMP: twice the key).
    fn load_payload_indexed(&mut self, ty: Ty, base: u8) {
        match ty {
            Ty::Nil => {}
            Ty::Num => {
                let d = self.xdst();
                a!(self.ops; movsd Rx(d), [Rq(base) + Rq(TMP) * 8 - 8]);
                self.xfinish(d);
            }
            Ty::Bool => {
                let d = self.gdst();
                a!(self.ops; movzx Rd(d), BYTE [Rq(base) + Rq(TMP) * 8 - 8]);
                self.gfinish(d);
            }
            _ => {
                let d = self.gdst();
                a!(self.ops; mov Rq(d), [Rq(base) + Rq(TMP) * 8 - 8]);
                self.gfinish(d);
            }
        }
    }

    fn vstore(&mut self, ins: Ins) {
        let p = self.greg(ins.a, TMP2);
        let ty = self.ir.ty(ins.b);
        let tag = ty.tag().expect("VSTORE of a Lua type") as i8;
        a!(self.ops; mov BYTE [Rq(p)], tag);
        match ty {
            Ty::Nil => {}
            Ty::Num => match self.xsrc(ins.b) {
                Src::Reg(x) => a!(self.ops; movsd [Rq(p) + 8], Rx(x)),
                _ => {
                    let bits = if ins.b.is_const() {
                        Src::Imm(self.ir.get(ins.b).k)
                    } else {
                        self.gsrc(ins.b)
                    };
                    self.gload(TMP, bits);
                    a!(self.ops; mov [Rq(p) + 8], Rq(TMP));
                }
            },
            _ => match self.gsrc(ins.b) {
                Src::Reg(g) => a!(self.ops; mov [Rq(p) + 8], Rq(g)),
                Src::Imm(k) if k == k as i32 as i64 => {
                    a!(self.ops; mov QWORD [Rq(p) + 8], k as i32)
                }
                s => {
                    self.gload(TMP, s);
                    a!(self.ops; mov [Rq(p) + 8], Rq(TMP));
                }
            },
        }
    }

    fn icmp(&mut self, ins: Ins) {
        let (mut a, mut b, mut op) = (ins.a, ins.b, ins.op);
        if a.is_const() && !b.is_const() {
            std::mem::swap(&mut a, &mut b);
            op = match op {
                Op::Lt => Op::Gt,
                Op::Gt => Op::Lt,
                Op::Le => Op::Ge,
                Op::Ge => Op::Le,
                o => o,
            };
            if matches!(op, Op::ULt | Op::UGe) {
                // Unsigned swaps are not needed by the recorder; keep the order.
                std::mem::swap(&mut a, &mut b);
                op = ins.op;
            }
        }
        let x = self.greg(a, TMP);
        let e = self.exit();
        match self.gsrc(b) {
            Src::Reg(g) => a!(self.ops; cmp Rq(x), Rq(g)),
            Src::Mem(off) => a!(self.ops; cmp Rq(x), [r15 + off]),
            Src::Imm(k) if k == k as i32 as i64 => a!(self.ops; cmp Rq(x), k as i32),
            Src::Imm(k) => {
                a!(self.ops; mov Rq(TMP2), QWORD k ; cmp Rq(x), Rq(TMP2));
            }
            Src::Pool(_) | Src::XBits(_) => unreachable!("integer compare"),
        }
        // Jump to the exit when the guard does not hold.
        match op {
            Op::Lt => a!(self.ops; jge =>e),
            Op::Ge => a!(self.ops; jl =>e),
            Op::Le => a!(self.ops; jg =>e),
            Op::Gt => a!(self.ops; jle =>e),
            Op::Eq => a!(self.ops; jne =>e),
            Op::Ne => a!(self.ops; je =>e),
            Op::ULt => a!(self.ops; jae =>e),
            _ => a!(self.ops; jb =>e),
        }
    }

    /// A numeric `for` loop's count: the guard `NE x, 0` right before `ADD x, -1`, both in
    /// one register (x dies with the ADD), is one `sub x, 1; jb`: the borrow says x was 0,
    /// and the guard's exit adds the 1 back out of line. Returns whether it was (the ADD
    /// then emits nothing).
    fn count_down(&mut self, ins: Ins) -> bool {
        let next = self.ir.ins.get(self.cur + 1).copied();
        let (Some(next), Loc::Gpr(r)) = (next, self.loc(ins.a)) else {
            return false;
        };
        let fits = ins.ty == Ty::Int
            && !ins.a.is_const()
            && self.ir.as_kint(ins.b) == Some(0)
            && next.op == Op::Add
            && next.ty == Ty::Int
            && next.a == ins.a
            && self.ir.as_kint(next.b) == Some(-1)
            && self.ra.loc[self.cur + 1] == Loc::Gpr(r);
        if !fits {
            return false;
        }
        let (e, fix) = (self.exit(), self.ops.new_dynamic_label());
        a!(self.ops; sub Rq(r), 1; jb =>fix);
        self.count_fixups.push((fix, r, e));
        self.counted[self.cur + 1] = true;
        let dec = Ref::ins(self.cur + 1);
        let in_body = self.ir.loop_start.is_some_and(|l| self.cur > l);
        if in_body && self.ir.ins.iter().any(|p| p.op == Op::Phi && p.b == dec) {
            self.timer = Some(r);
        }
        true
    }

    /// `ucomisd x, y` with x a register.
    fn ucomi(&mut self, x: u8, y: Src) {
        match y {
            Src::Reg(r) => a!(self.ops; ucomisd Rx(x), Rx(r)),
            Src::Mem(off) => a!(self.ops; ucomisd Rx(x), [r15 + off]),
            Src::Pool(p) => {
                let l = self.pool[p].0;
                a!(self.ops; ucomisd Rx(x), [=>l]);
            }
            Src::Imm(_) | Src::XBits(_) => unreachable!("float compare"),
        }
    }

    fn fcmp(&mut self, ins: Ins) {
        let e = self.exit();
        match ins.op {
            Op::Eq | Op::Ne => {
                let x = self.xreg(ins.a, FTMP);
                let y = self.xsrc(ins.b);
                self.ucomi(x, y);
                if ins.op == Op::Eq {
                    a!(self.ops; jne =>e ; jp =>e);
                } else {
                    let ok = self.ops.new_dynamic_label();
                    a!(self.ops; jp =>ok ; je =>e ; =>ok);
                }
            }
            _ => {
                // Compare b with a: "b > a" (CF=0, ZF=0) is exactly "a < b" ordered.
                let x = self.xreg(ins.b, FTMP);
                let y = self.xsrc(ins.a);
                self.ucomi(x, y);
                match ins.op {
                    Op::Lt => a!(self.ops; jbe =>e),
                    Op::Ge => a!(self.ops; ja =>e),
                    Op::Le => a!(self.ops; jb =>e),
                    _ => a!(self.ops; jae =>e),
                }
            }
        }
    }

    /// Integer `d = a op b` for add, sub, mul and the bitwise ops.
    fn ibin(&mut self, ins: Ins) {
        let (mut a, mut b) = (ins.a, ins.b);
        let mut d = self.gdst();
        // d must not be b's register when d is loaded with a first.
        if self.gsrc(b) == Src::Reg(d) {
            if ins.op.is_commutative() {
                std::mem::swap(&mut a, &mut b);
            } else {
                d = TMP;
            }
        }
        if ins.op == Op::Add {
            // lea for register + small constant.
            if let (Src::Reg(x), Src::Imm(k)) = (self.gsrc(a), self.gsrc(b)) {
                if k == k as i32 as i64 {
                    a!(self.ops; lea Rq(d), [Rq(x) + k as i32]);
                    self.gfinish(d);
                    return;
                }
            }
        }
        let sa = self.gsrc(a);
        self.gload(d, sa);
        let sb = self.gsrc(b);
        let sb = match sb {
            Src::Imm(k) if k != k as i32 as i64 => {
                self.gload(TMP2, sb);
                Src::Reg(TMP2)
            }
            s => s,
        };
        macro_rules! op3 {
            ($m:ident) => {
                match sb {
                    Src::Reg(g) => a!(self.ops; $m Rq(d), Rq(g)),
                    Src::Mem(off) => a!(self.ops; $m Rq(d), [r15 + off]),
                    Src::Imm(k) => a!(self.ops; $m Rq(d), k as i32),
                    Src::Pool(_) | Src::XBits(_) => unreachable!(),
                }
            };
        }
        match ins.op {
            Op::Add => op3!(add),
            Op::Sub => op3!(sub),
            Op::BAnd => op3!(and),
            Op::BOr => op3!(or),
            Op::BXor => op3!(xor),
            _ => match sb {
                Src::Reg(g) => a!(self.ops; imul Rq(d), Rq(g)),
                Src::Mem(off) => a!(self.ops; imul Rq(d), [r15 + off]),
                Src::Imm(k) => a!(self.ops; imul Rq(d), Rq(d), k as i32),
                Src::Pool(_) | Src::XBits(_) => unreachable!(),
            },
        }
        self.gfinish(d);
    }

    /// Float `d = a op b`.
    fn fbin(&mut self, ins: Ins) {
        let (mut a, mut b) = (ins.a, ins.b);
        let mut d = self.xdst();
        if self.xsrc(b) == Src::Reg(d) {
            if ins.op.is_commutative() {
                std::mem::swap(&mut a, &mut b);
            } else {
                d = FTMP;
            }
        }
        let sa = self.xsrc(a);
        self.xload(d, sa);
        let sb = self.xsrc(b);
        macro_rules! op3 {
            ($m:ident) => {
                match sb {
                    Src::Reg(x) => a!(self.ops; $m Rx(d), Rx(x)),
                    Src::Mem(off) => a!(self.ops; $m Rx(d), [r15 + off]),
                    Src::Pool(p) => {
                        let l = self.pool[p].0;
                        a!(self.ops; $m Rx(d), [=>l]);
                    }
                    Src::Imm(_) | Src::XBits(_) => unreachable!(),
                }
            };
        }
        match ins.op {
            Op::Add => op3!(addsd),
            Op::Sub => op3!(subsd),
            Op::Mul => op3!(mulsd),
            _ => op3!(divsd),
        }
        self.xfinish(d);
    }

    /// math.min/max on floats: min(a, b) is (b < a) ? b : a, which `minsd b, a` computes
    /// (NaN and equal operands give a, as Lua's loop does).
    fn fminmax(&mut self, ins: Ins) {
        let sb = self.xsrc(ins.b);
        self.xload(FTMP, sb);
        let sa = self.xsrc(ins.a);
        macro_rules! op {
            ($m:ident) => {
                match sa {
                    Src::Reg(x) => a!(self.ops; $m xmm15, Rx(x)),
                    Src::Mem(off) => a!(self.ops; $m xmm15, [r15 + off]),
                    Src::Pool(p) => {
                        let l = self.pool[p].0;
                        a!(self.ops; $m xmm15, [=>l]);
                    }
                    Src::Imm(_) | Src::XBits(_) => unreachable!(),
                }
            };
        }
        if ins.op == Op::Min {
            op!(minsd);
        } else {
            op!(maxsd);
        }
        self.xfinish(FTMP);
    }

    /// math.min/max on integers: (b < a) ? b : a, and (a < b) ? b : a.
    fn iminmax(&mut self, ins: Ins) {
        let sa = self.gsrc(ins.a);
        self.gload(TMP, sa);
        let b = self.greg(ins.b, TMP2);
        if ins.op == Op::Min {
            a!(self.ops; cmp Rq(b), Rq(TMP) ; cmovl Rq(TMP), Rq(b));
        } else {
            a!(self.ops; cmp Rq(TMP), Rq(b) ; cmovl Rq(TMP), Rq(b));
        }
        self.gfinish(TMP);
    }

    /// Shifts by a constant, with Lua's semantics (64 or more gives 0; a negative shift
    /// goes the other way).
    fn shift_const(&mut self, ins: Ins) {
        let k = self
            .ir
            .as_kint(ins.b)
            .expect("constant shift (others call)");
        let left = (ins.op == Op::BShl) == (k >= 0);
        let amount = k.unsigned_abs();
        let d = self.gdst();
        if amount >= 64 {
            a!(self.ops; xor Rd(d), Rd(d));
        } else {
            let s = self.gsrc(ins.a);
            self.gload(d, s);
            if left {
                a!(self.ops; shl Rq(d), amount as i8);
            } else {
                a!(self.ops; shr Rq(d), amount as i8);
            }
        }
        self.gfinish(d);
    }

    // ----- helper calls -----

    /// Values in caller-saved registers that must survive a call at the current
    /// instruction.
    fn live_across(&self) -> Vec<usize> {
        let c = self.cur as u32;
        (1..self.cur)
            .filter(|&v| self.ra.save[v].is_some() && self.ra.end[v] > c)
            .collect()
    }

    fn save_regs(&mut self, vals: &[usize]) {
        for &v in vals {
            let off = spill_off(self.ra.save[v].expect("save slot"));
            match self.ra.loc[v] {
                Loc::Gpr(g) => a!(self.ops; mov [r15 + off], Rq(g)),
                Loc::Xmm(x) => a!(self.ops; movsd [r15 + off], Rx(x)),
                _ => {}
            }
        }
    }

    /// `CALLOUT`: the snapshot's values go to the stack and the trace's registers (those
    /// its values live in, and r14) to the context; the helper rebuilds the snapshot's
    /// frames and runs the call; the registers come back, r14 as the helper left it (the
    /// stack may have moved). A nonzero result leaves through the exit (the restored
    /// registers are what a plain exit needs).
    fn callout(&mut self) {
        self.store_snapshot(self.ir.ins[self.cur].snap);
        let (gprs, xmms) = (self.used.0 | 1 << BASE, self.used.1);
        for g in 0..16u8 {
            if gprs & (1 << g) != 0 {
                a!(self.ops; mov [r15 + CTX_GPR + 8 * g as i32], Rq(g));
            }
        }
        for x in 0..16u8 {
            if xmms & (1 << x) != 0 {
                a!(self.ops; movsd [r15 + CTX_XMM + 8 * x as i32], Rx(x));
            }
        }
        let e = self.exit();
        let exitno = self.exits.len() as i32 - 1;
        a!(self.ops
            ; mov DWORD [r15 + CTX_EXITNO], exitno
            ; mov DWORD [r15 + CTX_EXITTRACE], self.trace_no as i32
            ; mov rdi, r15
            ; mov rax, QWORD crate::callout::jit_callout as *const () as i64
            ; call rax
            ; test eax, eax
        );
        // (Moves keep the flags.)
        for g in 0..16u8 {
            if gprs & (1 << g) != 0 {
                a!(self.ops; mov Rq(g), [r15 + CTX_GPR + 8 * g as i32]);
            }
        }
        for x in 0..16u8 {
            if xmms & (1 << x) != 0 {
                a!(self.ops; movsd Rx(x), [r15 + CTX_XMM + 8 * x as i32]);
            }
        }
        a!(self.ops; jnz =>e);
    }

    fn restore_regs(&mut self, vals: &[usize]) {
        for &v in vals {
            let off = spill_off(self.ra.save[v].expect("save slot"));
            match self.ra.loc[v] {
                Loc::Gpr(g) => a!(self.ops; mov Rq(g), [r15 + off]),
                Loc::Xmm(x) => a!(self.ops; movsd Rx(x), [r15 + off]),
                _ => {}
            }
        }
    }

    /// Call helper `f` with integer arguments `gargs` (sources, in rdi, rsi, ...) and
    /// float arguments `xargs` (xmm0, xmm1). The result stays in rax / xmm0.
    fn call_helper(&mut self, f: usize, gargs: &[Src], xargs: &[Src]) {
        const ARGS: [u8; 6] = [RDI, RSI, RDX, RCX, R8, R9];
        if xargs.is_empty() {
            self.arg_moves(
                gargs
                    .iter()
                    .enumerate()
                    .map(|(j, s)| (ARGS[j], *s))
                    .collect(),
            );
        } else {
            // Stage through the stack, so no argument register is overwritten before it is
            // read as a source (16 bytes per argument keeps rsp aligned).
            let total = (gargs.len() + xargs.len()) as i32 * 16;
            a!(self.ops; sub rsp, total);
            for (j, s) in gargs.iter().enumerate() {
                self.gload(TMP, *s);
                a!(self.ops; mov [rsp + 16 * j as i32], Rq(TMP));
            }
            for (j, s) in xargs.iter().enumerate() {
                self.xload(FTMP, *s);
                let off = 16 * (gargs.len() + j) as i32;
                a!(self.ops; movsd [rsp + off], xmm15);
            }
            for (j, _) in gargs.iter().enumerate() {
                a!(self.ops; mov Rq(ARGS[j]), [rsp + 16 * j as i32]);
            }
            for (j, _) in xargs.iter().enumerate() {
                let off = 16 * (gargs.len() + j) as i32;
                a!(self.ops; movsd Rx(j as u8), [rsp + off]);
            }
            a!(self.ops; add rsp, total);
        }
        a!(self.ops
            ; mov rax, QWORD f as i64
            ; call rax
        );
    }

    /// Load integer argument registers from their sources as one parallel move: a move is
    /// emitted once no pending move still reads its destination; a cycle is broken by
    /// parking one destination's old value in the scratch register.
    fn arg_moves(&mut self, mut pending: Vec<(u8, Src)>) {
        pending.retain(|&(d, s)| s != Src::Reg(d));
        while !pending.is_empty() {
            let free = (0..pending.len()).find(|&i| {
                let d = pending[i].0;
                !pending.iter().any(|&(_, s)| s == Src::Reg(d))
            });
            match free {
                Some(i) => {
                    let (d, s) = pending.remove(i);
                    self.gload(d, s);
                }
                None => {
                    let d = pending[0].0;
                    a!(self.ops; mov Rq(TMP), Rq(d));
                    for m in pending.iter_mut() {
                        if m.1 == Src::Reg(d) {
                            m.1 = Src::Reg(TMP);
                        }
                    }
                }
            }
        }
    }

    /// A guard that is a helper call: leave through the current instruction's exit when
    /// the helper's (32-bit) result is nonzero, or zero when `exit_on_nonzero` is false.
    /// The caller saved `live` before.
    fn helper_guard(&mut self, f: usize, args: &[Src], live: &[usize], exit_on_nonzero: bool) {
        self.call_helper(f, args, &[]);
        // Test before restoring (a restored register may be rax; moves keep the flags).
        a!(self.ops; test eax, eax);
        self.restore_regs(live);
        let e = self.exit();
        if exit_on_nonzero {
            a!(self.ops; jnz =>e);
        } else {
            a!(self.ops; jz =>e);
        }
    }

    fn call_op(&mut self, ins: Ins) -> Result<(), Abort> {
        let live = self.live_across();
        if ins.op == Op::Barrier {
            let obj = self.greg(ins.a, TMP2);
            let off = if ins.k == 0 {
                layout::TABLE_BARRIER
            } else {
                layout::UPVAL_BARRIER
            } as i32;
            let skip = self.ops.new_dynamic_label();
            a!(self.ops
                ; cmp QWORD [Rq(obj) + off], 0
                ; je =>skip
            );
            self.save_regs(&live);
            let s = self.gsrc(ins.a);
            let f = if ins.k == 0 {
                helpers::jit_barrier_tab as *const () as usize
            } else {
                helpers::jit_barrier_uv as *const () as usize
            };
            self.call_helper(f, &[s], &[]);
            self.restore_regs(&live);
            a!(self.ops; =>skip);
            return Ok(());
        }
        if ins.op == Op::ASlot {
            self.aslot(ins, live);
            return Ok(());
        }
        self.save_regs(&live);
        let ctx = Src::Reg(CTX);
        let ga = |s: &mut Self, r: Ref| s.gsrc(r);
        let fp = ins.ty == Ty::Num;
        match ins.op {
            Op::IDiv | Op::Mod if ins.ty == Ty::Int => {
                let (x, y) = (ga(self, ins.a), ga(self, ins.b));
                let f = if ins.op == Op::IDiv {
                    helpers::jit_idiv as *const () as usize
                } else {
                    helpers::jit_imod as *const () as usize
                };
                self.call_helper(f, &[x, y], &[]);
            }
            Op::Mod | Op::Pow => {
                let (x, y) = (self.xsrc(ins.a), self.xsrc(ins.b));
                let f = if ins.op == Op::Mod {
                    helpers::jit_fmod as *const () as usize
                } else {
                    helpers::jit_pow as *const () as usize
                };
                self.call_helper(f, &[], &[x, y]);
            }
            Op::Floor | Op::Ceil => {
                let x = self.xsrc(ins.a);
                let f = if ins.op == Op::Floor {
                    helpers::jit_floor as *const () as usize
                } else {
                    helpers::jit_ceil as *const () as usize
                };
                self.call_helper(f, &[], &[x]);
            }
            Op::BShl | Op::BShr => {
                let (x, y) = (ga(self, ins.a), ga(self, ins.b));
                let f = if ins.op == Op::BShl {
                    helpers::jit_shl as *const () as usize
                } else {
                    helpers::jit_shr as *const () as usize
                };
                self.call_helper(f, &[x, y], &[]);
            }
            Op::TNew => {
                let (narr, nhash) = (ins.k >> 32, ins.k & 0xffff_ffff);
                self.call_helper(
                    helpers::jit_tnew as *const () as usize,
                    &[ctx, Src::Imm(narr), Src::Imm(nhash)],
                    &[],
                );
            }
            Op::TLen => {
                let t = ga(self, ins.a);
                self.call_helper(helpers::jit_tlen as *const () as usize, &[t], &[]);
            }
            Op::TGetInt | Op::TGetStr | Op::NewRef => {
                let (t, k) = (ga(self, ins.a), ga(self, ins.b));
                let f = match (ins.op, self.ir.ty(ins.b)) {
                    (Op::TGetInt, _) => helpers::jit_tgetint as *const () as usize,
                    (Op::TGetStr, _) => helpers::jit_tgetstr as *const () as usize,
                    (_, Ty::Int) => helpers::jit_newref_int as *const () as usize,
                    _ => helpers::jit_newref_str as *const () as usize,
                };
                self.call_helper(f, &[t, k], &[]);
                if ins.op == Op::NewRef {
                    // No slot (no memory): leave before the store, registers restored.
                    a!(self.ops; mov Rq(TMP), rax; test Rq(TMP), Rq(TMP));
                    self.restore_regs(&live);
                    let e = self.exit();
                    a!(self.ops; jz =>e);
                    let d = self.gdst();
                    if d != TMP {
                        a!(self.ops; mov Rq(d), Rq(TMP));
                    }
                    self.gfinish(d);
                    return Ok(());
                }
            }
            Op::TNext => {
                let t = ga(self, ins.a);
                let ty = self.ir.ty(ins.b);
                let k = if ty == Ty::Num {
                    match self.xsrc(ins.b) {
                        Src::Reg(x) => Src::XBits(x),
                        Src::Pool(_) => Src::Imm(self.ir.get(ins.b).k),
                        other => other,
                    }
                } else if ty == Ty::Nil {
                    Src::Imm(0)
                } else {
                    ga(self, ins.b)
                };
                let tag = Src::Imm(ty.tag().unwrap_or(0) as i64);
                self.call_helper(
                    helpers::jit_next as *const () as usize,
                    &[ctx, t, tag, k],
                    &[],
                );
            }
            Op::Concat => {
                let mut args = vec![ctx];
                for r in [ins.a, ins.b] {
                    let ty = self.ir.ty(r);
                    args.push(Src::Imm(ty.tag().unwrap_or(0) as i64));
                    let p = if ty == Ty::Num {
                        match self.xsrc(r) {
                            Src::Reg(x) => Src::XBits(x),
                            Src::Pool(_) => Src::Imm(self.ir.get(r).k),
                            other => other,
                        }
                    } else {
                        ga(self, r)
                    };
                    args.push(p);
                }
                self.call_helper(helpers::jit_concat as *const () as usize, &args, &[]);
            }
            Op::StrSub => {
                let pair = self.ir.get(ins.b);
                let (s, i, j) = (ga(self, ins.a), ga(self, pair.a), ga(self, pair.b));
                self.call_helper(
                    helpers::jit_strsub as *const () as usize,
                    &[ctx, s, i, j],
                    &[],
                );
            }
            Op::StrChar => {
                let b = ga(self, ins.a);
                self.call_helper(helpers::jit_strchar as *const () as usize, &[ctx, b], &[]);
            }
            Op::SetMeta => {
                let (t, m) = (ga(self, ins.a), ga(self, ins.b));
                self.call_helper(
                    helpers::jit_setmeta as *const () as usize,
                    &[ctx, t, m],
                    &[],
                );
            }
            Op::CloseChk => {
                a!(self.ops; lea Rq(TMP2), [r14 + 16 * ins.k as i32]);
                let f = helpers::jit_close_needed as *const () as usize;
                self.helper_guard(f, &[ctx, Src::Reg(TMP2)], &live, true);
                return Ok(());
            }
            Op::RetF => {
                let proto = self.ir.get(ins.a).k;
                let f = helpers::jit_retf as *const () as usize;
                self.helper_guard(f, &[ctx, Src::Imm(proto), Src::Imm(ins.k)], &live, false);
                return Ok(());
            }
            Op::GcCheck => {
                let f = helpers::jit_gc_due as *const () as usize;
                self.helper_guard(f, &[ctx], &live, true);
                return Ok(());
            }
            _ => {
                return Err(Abort::with(
                    Reason::NyiBytecode,
                    format!("IR call {}", ins.op.name()),
                ))
            }
        }
        // The result.
        if ins.op.has_value() && ins.ty.has_payload() {
            if fp {
                let d = self.xdst();
                if d != 0 {
                    a!(self.ops; movapd Rx(d), xmm0);
                }
                self.xfinish(d);
            } else {
                let d = self.gdst();
                if d != RAX {
                    a!(self.ops; mov Rq(d), rax);
                }
                self.gfinish(d);
            }
        }
        self.restore_regs(&live);
        Ok(())
    }

    /// `ASLOT`: the array slot inline when the key is within the array part; else (an
    /// append, or a key in the hash part) the helper's slot, on a path out of line (see
    /// `cold_paths`) that saves registers around the call.
    fn aslot(&mut self, ins: Ins, live: Vec<usize>) {
        let t = self.greg(ins.a, TMP2);
        let k = self.greg(ins.b, TMP);
        let (slow, back) = (self.ops.new_dynamic_label(), self.ops.new_dynamic_label());
        // The address is computed in the destination register when that is neither operand's
        // (the slow path needs both), else in the scratch register and moved.
        let d = self.gdst();
        let w = if d != t && d != k { d } else { TMP };
        a!(self.ops
            ; lea Rq(w), [Rq(k) - 1]
            ; cmp Rq(w), [Rq(t) + Field::TabLimit.offset()]
            ; jae =>slow
            ; shl Rq(w), 4
            ; add Rq(w), [Rq(t) + Field::TabArray.offset()]
            ; =>back
        );
        self.cold.push(Cold {
            entry: slow,
            back,
            ins: self.cur,
            live,
            dst: w,
        });
        if d != w {
            a!(self.ops; mov Rq(d), Rq(w));
        }
        self.gfinish(d);
    }

    /// The slow paths of instructions, after the trace's main line (whose branch to them is
    /// not taken in the common case): each calls its helper and jumps back with the result
    /// in the scratch register.
    fn cold_paths(&mut self) {
        for (fix, r, e) in std::mem::take(&mut self.count_fixups) {
            a!(self.ops; =>fix; add Rq(r), 1; jmp =>e);
        }
        for c in std::mem::take(&mut self.cold) {
            self.cur = c.ins;
            let ins = self.ir.ins[c.ins];
            a!(self.ops; =>c.entry);
            self.save_regs(&c.live);
            let (ts, ks) = (self.gsrc(ins.a), self.gsrc(ins.b));
            self.call_helper(
                helpers::jit_newref_int as *const () as usize,
                &[ts, ks],
                &[],
            );
            // No slot (no memory): leave before the store, registers restored.
            a!(self.ops; mov Rq(TMP), rax; test Rq(TMP), Rq(TMP));
            self.restore_regs(&c.live);
            let e = self.exit();
            a!(self.ops; jz =>e);
            if c.dst != TMP {
                a!(self.ops; mov Rq(c.dst), Rq(TMP));
            }
            a!(self.ops; jmp =>c.back);
        }
    }

    /// TGETSTR of a constant short string key (interned: found by address), inline: from
    /// the key's main position in the table's nodes, follow the collision chain; the
    /// node's value, or the shared nil at the chain's end. Uses the scratch registers and
    /// the destination (rax, saved on the machine stack, when the destination is spilled).
    fn tget_str_inline(&mut self, ins: Ins) {
        let key = self.ir.get(ins.b).k;
        let hash = ins.k as u32;
        let pool = self.pool16([key as u64, 0]);
        let key_l = self.pool[pool].0;
        let tab = self.greg(ins.a, TMP2);
        let spilled = self.gdst() == TMP;
        let d = if spilled { RAX } else { self.gdst() };
        let (top, found, next, absent) = (
            self.ops.new_dynamic_label(),
            self.ops.new_dynamic_label(),
            self.ops.new_dynamic_label(),
            self.ops.new_dynamic_label(),
        );
        if spilled {
            a!(self.ops; push rax);
        }
        a!(self.ops
            ; mov Rq(TMP), [Rq(tab) + layout::TABLE_NODE_LEN as i32]
            ; mov Rq(TMP2), [Rq(tab) + layout::TABLE_NODE as i32]
            ; test Rq(TMP), Rq(TMP)
            ; jz =>absent
            ; sub Rq(TMP), 1
            // (The node count is below 2^32: the sign-extended mask's high bits meet zeros.)
            ; and Rq(TMP), hash as i32
            ; mov Rq(d), Rq(TMP)
            ; =>top
            ; lea Rq(d), [Rq(d) + Rq(d) * 4]
            ; lea Rq(d), [Rq(TMP2) + Rq(d) * 8]
            ; cmp BYTE [Rq(d) + layout::NODE_KEY as i32], layout::TAG_STR as i8
            ; jne =>next
            ; mov Rq(TMP), [Rq(d) + (layout::NODE_KEY + 8) as i32]
            ; cmp Rq(TMP), [=>key_l]
            ; je =>found
            ; =>next
            ; mov Rd(d), [Rq(d) + layout::NODE_NEXT as i32]
            ; cmp Rd(d), -1
            ; jne =>top
            ; =>absent
            ; mov Rq(d), QWORD helpers::nil_ptr() as i64
            ; =>found
        );
        if spilled {
            a!(self.ops
                ; mov Rq(TMP), rax
                ; pop rax
            );
            self.gfinish(TMP);
        } else {
            self.gfinish(d);
        }
    }

    // ----- the back-edge -----

    /// The moves of the back-edge: each PHI's loop value to its loop-entry value's
    /// location, where they differ.
    fn phi_move_list(&self) -> Vec<(Loc, Ref)> {
        let n = self.ir.ins.len();
        let mut moves: Vec<(Loc, Ref)> = Vec::new();
        for i in self.ir.loop_start.unwrap_or(n)..n {
            let ins = self.ir.ins[i];
            if ins.op != Op::Phi {
                continue;
            }
            let dst = self.loc(ins.a);
            if dst == Loc::None {
                continue;
            }
            if !ins.b.is_const() && self.loc(ins.b) == dst {
                continue;
            }
            moves.push((dst, ins.b));
        }
        moves
    }

    /// The instruction that closes the loop with its own branch: the loop body's last
    /// instruction, when it is the interrupt check and the back-edge has no moves. It then
    /// jumps back to the loop while the flag is clear and to its exit otherwise, saving
    /// the back-edge's own jump.
    fn loop_closer(&self) -> Option<usize> {
        self.ir.loop_start?;
        let last = (1..self.ir.ins.len())
            .rev()
            .find(|&i| self.ir.ins[i].op != Op::Phi)?;
        (self.ir.ins[last].op == Op::IntrCheck && self.phi_move_list().is_empty()).then_some(last)
    }

    /// Move every PHI's loop value into its loop-entry value's location (a parallel move).
    fn phi_moves(&mut self) {
        let moves = self.phi_move_list();
        // Sources that are registers or spill slots, by location.
        let src_loc = |s: &Self, r: Ref| -> Option<Loc> {
            if r.is_const() {
                None
            } else {
                Some(s.loc(r))
            }
        };
        let mut pending: Vec<(Loc, Ref, Option<Loc>)> = moves
            .iter()
            .map(|&(d, r)| (d, r, src_loc(self, r)))
            .collect();
        while !pending.is_empty() {
            let ready = (0..pending.len()).find(|&j| {
                let d = pending[j].0;
                !pending
                    .iter()
                    .enumerate()
                    .any(|(k, m)| k != j && m.2 == Some(d))
            });
            match ready {
                Some(j) => {
                    let (d, r, s) = pending.remove(j);
                    self.move_to(d, r, s);
                }
                None => {
                    // A cycle: park the first destination's current value in a scratch
                    // register and read it from there.
                    let d = pending[0].0;
                    let park = match d {
                        Loc::Xmm(x) => {
                            a!(self.ops; movapd xmm15, Rx(x));
                            Loc::Xmm(FTMP)
                        }
                        Loc::Gpr(g) => {
                            a!(self.ops; mov Rq(TMP), Rq(g));
                            Loc::Gpr(TMP)
                        }
                        Loc::Spill(s) => {
                            a!(self.ops; mov Rq(TMP), [r15 + spill_off(s)]);
                            Loc::Gpr(TMP)
                        }
                        Loc::None => unreachable!(),
                    };
                    for m in pending.iter_mut() {
                        if m.2 == Some(d) {
                            m.2 = Some(park);
                        }
                    }
                }
            }
        }
    }

    /// Move the value `r` (now at `src`, or a constant) to location `d`.
    fn move_to(&mut self, d: Loc, r: Ref, src: Option<Loc>) {
        let s = match src {
            None => {
                if self.ir.ty(r) == Ty::Num {
                    let b = self.ir.get(r).k as u64;
                    Src::Pool(self.pool16([b, 0]))
                } else {
                    self.gsrc(r)
                }
            }
            Some(Loc::Gpr(g)) | Some(Loc::Xmm(g)) => Src::Reg(g),
            Some(Loc::Spill(sl)) => Src::Mem(spill_off(sl)),
            Some(Loc::None) => return,
        };
        match d {
            Loc::Gpr(g) => self.gload(g, s),
            Loc::Xmm(x) => self.xload(x, s),
            Loc::Spill(sl) => {
                let off = spill_off(sl);
                match (s, src) {
                    (Src::Reg(x), Some(Loc::Xmm(_))) => a!(self.ops; movsd [r15 + off], Rx(x)),
                    (Src::Pool(p), _) => {
                        let l = self.pool[p].0;
                        a!(self.ops; movsd xmm15, [=>l] ; movsd [r15 + off], xmm15);
                    }
                    _ => {
                        self.gload(TMP2, s);
                        a!(self.ops; mov [r15 + off], Rq(TMP2));
                    }
                }
            }
            Loc::None => {}
        }
    }
}
