//! The bytecode: a register machine with 32-bit instructions, defined once in [`for_each_op!`].
//!
//! Bit packing (the logical fields are read through the accessors on [`Instr`]):
//! ```text
//!   31        24 23        16  15  14           7 6        0
//!  +------------+------------+---+--------------+----------+
//!  |   C (8)    |   B (8)    | k |    A (8)     |  op (7)  |   iABC
//!  +------------+------------+---+--------------+----------+
//!  |          Bx (17, unsigned) / sBx           |    A     |   iABx / iAsBx
//!  +-------------------------------------------------------+
//!  |              Ax (25) / sJ (25, signed)     |    op    |   iAx / isJ
//!  +-------------------------------------------------------+
//! ```
//! Signed fields are stored with an offset: sBx = Bx - 65535, sJ = J - 16777215,
//! sB = B - 127, sC = C - 127.
//!
//! Notation: R[x] register x of the frame; K[x] constant x; U[x] upvalue x; RK(C) is K[C] if
//! k is set else R[C]; "top" is the stack top set by the previous instruction (a multi-result
//! CALL or VARARG) when an operand says so. `pc` already points at the next instruction when
//! an instruction runs; jumps add to it.
//!
//! The semantics follow Lua 5.4's instruction set with these simplifications: there are no
//! MMBIN/MMBINI/MMBINK instructions (arithmetic instructions call their own metamethods), and
//! NEWTABLE carries its size hints in B and C without an EXTRAARG.

/// `for_each_op!(m)` calls `m!` with one `Name, "description";` entry per opcode, in opcode order.
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            Move,      "A B      R[A] := R[B]";
            LoadI,     "A sBx    R[A] := sBx (integer)";
            LoadF,     "A sBx    R[A] := (float)sBx";
            LoadK,     "A Bx     R[A] := K[Bx]";
            LoadKX,    "A        R[A] := K[extra arg]; next instruction is EXTRAARG";
            LoadFalse, "A        R[A] := false";
            LFalseSkip,"A        R[A] := false; pc++";
            LoadTrue,  "A        R[A] := true";
            LoadNil,   "A B      R[A], ..., R[A+B] := nil";
            GetUpval,  "A B      R[A] := U[B]";
            SetUpval,  "A B      U[B] := R[A]";
            GetTabUp,  "A B C    R[A] := U[B][K[C]:string]";
            GetTable,  "A B C    R[A] := R[B][R[C]]";
            GetI,      "A B C    R[A] := R[B][C] (C an integer)";
            GetField,  "A B C    R[A] := R[B][K[C]:string]";
            SetTabUp,  "A B C k  U[A][K[B]:string] := RK(C)";
            SetTable,  "A B C k  R[A][R[B]] := RK(C)";
            SetI,      "A B C k  R[A][B] := RK(C) (B an integer)";
            SetField,  "A B C k  R[A][K[B]:string] := RK(C)";
            NewTable,  "A B C    R[A] := {} with hash size hint B and array size hint C";
            Self_,     "A B C k  R[A+1] := R[B]; R[A] := R[B][RK(C):string]";
            AddI,      "A B sC   R[A] := R[B] + sC";
            AddK,      "A B C    R[A] := R[B] + K[C]:number";
            SubK,      "A B C    R[A] := R[B] - K[C]:number";
            MulK,      "A B C    R[A] := R[B] * K[C]:number";
            ModK,      "A B C    R[A] := R[B] % K[C]:number";
            PowK,      "A B C    R[A] := R[B] ^ K[C]:number";
            DivK,      "A B C    R[A] := R[B] / K[C]:number";
            IDivK,     "A B C    R[A] := R[B] // K[C]:number";
            BAndK,     "A B C    R[A] := R[B] & K[C]:integer";
            BOrK,      "A B C    R[A] := R[B] | K[C]:integer";
            BXorK,     "A B C    R[A] := R[B] ~ K[C]:integer";
            ShrI,      "A B sC   R[A] := R[B] >> sC";
            ShlI,      "A B sC   R[A] := sC << R[B]";
            Add,       "A B C    R[A] := R[B] + R[C]";
            Sub,       "A B C    R[A] := R[B] - R[C]";
            Mul,       "A B C    R[A] := R[B] * R[C]";
            Mod,       "A B C    R[A] := R[B] % R[C]";
            Pow,       "A B C    R[A] := R[B] ^ R[C]";
            Div,       "A B C    R[A] := R[B] / R[C]";
            IDiv,      "A B C    R[A] := R[B] // R[C]";
            BAnd,      "A B C    R[A] := R[B] & R[C]";
            BOr,       "A B C    R[A] := R[B] | R[C]";
            BXor,      "A B C    R[A] := R[B] ~ R[C]";
            Shl,       "A B C    R[A] := R[B] << R[C]";
            Shr,       "A B C    R[A] := R[B] >> R[C]";
            Unm,       "A B      R[A] := -R[B]";
            BNot,      "A B      R[A] := ~R[B]";
            Not,       "A B      R[A] := not R[B]";
            Len,       "A B      R[A] := #R[B] (length operator)";
            Concat,    "A B      R[A] := R[A].. ... ..R[A + B - 1]";
            Close,     "A        close all upvalues >= R[A] (and call pending __close)";
            Tbc,       "A        mark variable R[A] 'to be closed'";
            Jmp,       "sJ       pc += sJ";
            Eq,        "A B k    if ((R[A] == R[B]) ~= k) then pc++";
            Lt,        "A B k    if ((R[A] <  R[B]) ~= k) then pc++";
            Le,        "A B k    if ((R[A] <= R[B]) ~= k) then pc++";
            EqK,       "A B k    if ((R[A] == K[B]) ~= k) then pc++";
            EqI,       "A sB k C if ((R[A] == sB) ~= k) then pc++ (C: 1 if sB stands for a float)";
            LtI,       "A sB k C if ((R[A] < sB) ~= k) then pc++ (C: 1 if sB stands for a float)";
            LeI,       "A sB k C if ((R[A] <= sB) ~= k) then pc++";
            GtI,       "A sB k C if ((R[A] > sB) ~= k) then pc++";
            GeI,       "A sB k C if ((R[A] >= sB) ~= k) then pc++";
            Test,      "A k      if (not R[A] == k) then pc++";
            TestSet,   "A B k    if (not R[B] == k) then pc++ else R[A] := R[B]";
            Call,      "A B C    R[A], ... ,R[A+C-2] := R[A](R[A+1], ... ,R[A+B-1]); B=0: args up to top; C=0: all results, set top";
            TailCall,  "A B C k  return R[A](R[A+1], ... ,R[A+B-1]); B=0: up to top; k: close upvalues first; C>0: vararg fn with C-1 fixed params";
            Return,    "A B C k  return R[A], ... ,R[A+B-2]; B=0: up to top; k: close upvalues/tbc first; C>0: vararg fn with C-1 fixed params";
            Return0,   "         return (no values)";
            Return1,   "A        return R[A]";
            ForLoop,   "A Bx     update counters; if loop continues then pc -= Bx";
            ForPrep,   "A Bx     check values and prepare counters; if not to run then pc += Bx + 1";
            TForPrep,  "A Bx     create upvalue for R[A + 3] (tbc); pc += Bx";
            TForCall,  "A C      R[A+4], ... ,R[A+3+C] := R[A](R[A+1], R[A+2])";
            TForLoop,  "A Bx     if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }";
            SetList,   "A B C k  R[A][C+i] := R[A+i], 1 <= i <= B; B=0: up to top; k: C += EXTRAARG*256";
            Closure,   "A Bx     R[A] := closure(KPROTO[Bx])";
            VarArg,    "A C      R[A], R[A+1], ..., R[A+C-2] = vararg; C=0: all, set top";
            VarArgPrep,"A        adjust vararg parameters (A = number of fixed params)";
            ExtraArg,  "Ax       extra (larger) argument for previous opcode";
        }
    };
}

macro_rules! define_ops {
    ($($name:ident, $doc:literal;)*) => {
        /// Opcodes, in the order of [`for_each_op!`].
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub enum Op { $(#[doc = $doc] $name,)* }

        /// Opcode names, indexed by `Op as usize` (upper case, as `luac -l` prints them).
        pub const OP_NAMES: &[&str] = &[$(stringify!($name),)*];

        /// All opcodes, indexed by their number.
        pub const ALL_OPS: &[Op] = &[$(Op::$name,)*];

        /// What the interpreter loop dispatches on: every opcode, plus `Hook`, the opcode of
        /// every instruction of a trap copy of some code (see `Proto::trap_code`).
        // (Built only by `Instr::dispatch`, by transmute.)
        #[allow(dead_code)]
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub(crate) enum Dispatch { $($name,)* Hook = HOOK_DISPATCH }
    };
}
for_each_op!(define_ops);

pub const NUM_OPS: usize = ALL_OPS.len();

impl Op {
    /// A test: the next instruction is a JMP, taken or skipped by the outcome (EQ..TESTSET).
    pub fn is_test(self) -> bool {
        matches!(
            self,
            Op::Eq
                | Op::Lt
                | Op::Le
                | Op::EqK
                | Op::EqI
                | Op::LtI
                | Op::LeI
                | Op::GtI
                | Op::GeI
                | Op::Test
                | Op::TestSet
        )
    }
}
const _: () = assert!(NUM_OPS <= 128, "op field is 7 bits");

/// `Dispatch::Hook`'s number: all seven opcode bits set, never a real opcode.
pub(crate) const HOOK_DISPATCH: u8 = 0x7f;
const _: () = assert!(NUM_OPS <= HOOK_DISPATCH as usize, "Hook is not an opcode");

pub const MAXARG_A: u32 = 255;
pub const MAXARG_B: u32 = 255;
pub const MAXARG_C: u32 = 255;
pub const MAXARG_BX: u32 = (1 << 17) - 1;
pub const OFFSET_SBX: i32 = (MAXARG_BX >> 1) as i32;
pub const MAXARG_AX: u32 = (1 << 25) - 1;
pub const OFFSET_SJ: i32 = (MAXARG_AX >> 1) as i32;
pub const OFFSET_SC: i32 = 127;
/// Register count limit per function (as Lua's MAXREGS).
pub const MAX_REGS: usize = 255;
/// Number of list items to accumulate before a SETLIST (Lua's LFIELDS_PER_FLUSH).
pub const FIELDS_PER_FLUSH: u32 = 50;

/// One packed instruction.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Instr(pub u32);

impl Instr {
    #[inline(always)]
    pub fn op(self) -> Op {
        // Every instruction is built by the constructors below from a valid `Op`.
        ALL_OPS[(self.0 & 0x7f) as usize]
    }

    /// The dispatch target, without a table lookup or bounds check: the opcode, or
    /// `Dispatch::Hook` for an instruction of a prototype's trap code (`Proto::trap_code`).
    ///
    /// # Safety
    /// The instruction holds a valid opcode (< NUM_OPS: true of everything the compiler emits
    /// and everything the binary-chunk verifier accepts) or `HOOK_DISPATCH`.
    #[inline(always)]
    pub(crate) unsafe fn dispatch(self) -> Dispatch {
        let b = (self.0 & 0x7f) as u8;
        debug_assert!((b as usize) < NUM_OPS || b == HOOK_DISPATCH);
        // SAFETY: Dispatch is repr(u8) with discriminants 0..NUM_OPS and HOOK_DISPATCH; b is
        // one of them (caller).
        unsafe { std::mem::transmute::<u8, Dispatch>(b) }
    }

    #[inline(always)]
    pub fn opcode(self) -> u8 {
        (self.0 & 0x7f) as u8
    }
    #[inline(always)]
    pub fn a(self) -> usize {
        ((self.0 >> 7) & 0xff) as usize
    }
    #[inline(always)]
    pub fn k(self) -> bool {
        (self.0 >> 15) & 1 != 0
    }
    #[inline(always)]
    pub fn b(self) -> usize {
        ((self.0 >> 16) & 0xff) as usize
    }
    #[inline(always)]
    pub fn c(self) -> usize {
        (self.0 >> 24) as usize
    }
    #[inline(always)]
    pub fn sb(self) -> i32 {
        self.b() as i32 - OFFSET_SC
    }
    #[inline(always)]
    pub fn sc(self) -> i32 {
        self.c() as i32 - OFFSET_SC
    }
    #[inline(always)]
    pub fn bx(self) -> usize {
        (self.0 >> 15) as usize
    }
    #[inline(always)]
    pub fn sbx(self) -> i32 {
        self.bx() as i32 - OFFSET_SBX
    }
    #[inline(always)]
    pub fn ax(self) -> usize {
        (self.0 >> 7) as usize
    }
    #[inline(always)]
    pub fn sj(self) -> i32 {
        self.ax() as i32 - OFFSET_SJ
    }

    pub fn abc(op: Op, a: u32, b: u32, c: u32, k: bool) -> Instr {
        debug_assert!(a <= MAXARG_A && b <= MAXARG_B && c <= MAXARG_C);
        Instr(op as u32 | (a << 7) | ((k as u32) << 15) | (b << 16) | (c << 24))
    }
    pub fn abx(op: Op, a: u32, bx: u32) -> Instr {
        debug_assert!(a <= MAXARG_A && bx <= MAXARG_BX);
        Instr(op as u32 | (a << 7) | (bx << 15))
    }
    pub fn asbx(op: Op, a: u32, sbx: i32) -> Instr {
        Instr::abx(op, a, (sbx + OFFSET_SBX) as u32)
    }
    pub fn ax_(op: Op, ax: u32) -> Instr {
        debug_assert!(ax <= MAXARG_AX);
        Instr(op as u32 | (ax << 7))
    }
    pub fn sj_(op: Op, sj: i32) -> Instr {
        Instr::ax_(op, (sj + OFFSET_SJ) as u32)
    }

    pub fn set_a(&mut self, a: u32) {
        self.0 = (self.0 & !(0xff << 7)) | (a << 7);
    }
    pub fn set_b(&mut self, b: u32) {
        self.0 = (self.0 & !(0xff << 16)) | (b << 16);
    }
    pub fn set_c(&mut self, c: u32) {
        self.0 = (self.0 & !(0xff << 24)) | (c << 24);
    }
    pub fn set_k(&mut self, k: bool) {
        self.0 = (self.0 & !(1 << 15)) | ((k as u32) << 15);
    }
    pub fn set_bx(&mut self, bx: u32) {
        self.0 = (self.0 & 0x7fff) | (bx << 15);
    }
    pub fn set_sbx(&mut self, sbx: i32) {
        self.set_bx((sbx + OFFSET_SBX) as u32);
    }
    pub fn set_sj(&mut self, sj: i32) {
        self.0 = (self.0 & 0x7f) | (((sj + OFFSET_SJ) as u32) << 7);
    }
}

impl std::fmt::Debug for Instr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = self.op();
        write!(f, "{:<10} ", OP_NAMES[op as usize].to_uppercase())?;
        match op {
            Op::LoadI | Op::LoadF => write!(f, "{} {}", self.a(), self.sbx()),
            Op::LoadK | Op::ForLoop | Op::ForPrep | Op::TForPrep | Op::TForLoop | Op::Closure => {
                write!(f, "{} {}", self.a(), self.bx())
            }
            Op::Jmp => write!(f, "{}", self.sj()),
            Op::ExtraArg => write!(f, "{}", self.ax()),
            _ => write!(
                f,
                "{} {} {}{}",
                self.a(),
                self.b(),
                self.c(),
                if self.k() { "k" } else { "" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip_fields() {
        let i = Instr::abc(Op::Call, 200, 3, 255, true);
        assert_eq!(
            (i.op(), i.a(), i.b(), i.c(), i.k()),
            (Op::Call, 200, 3, 255, true)
        );
        let j = Instr::asbx(Op::LoadI, 7, -65535);
        assert_eq!((j.op(), j.a(), j.sbx()), (Op::LoadI, 7, -65535));
        let s = Instr::sj_(Op::Jmp, -12345);
        assert_eq!(s.sj(), -12345);
        assert_eq!(OP_NAMES[Op::VarArgPrep as usize], "VarArgPrep");
    }
}
