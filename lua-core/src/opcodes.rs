//! The bytecode: a register machine with 32-bit instructions, defined once in [`for_each_op!`].
//!
//! Each entry of that table gives an opcode's name, its operand format ([`OpFormat`]: how its
//! fields are packed and printed), its flags ([`flag`]: what its instructions may do, the facts
//! other modules act on) and a description. Invariant: code outside this module takes such
//! facts from the table (`Op::format`, the flag accessors such as `Op::sets_a` or
//! `Op::is_test`, and the operand-aware `Instr::sets_top`, `Instr::uses_top`,
//! `Instr::has_extraarg`, `Instr::jump_target`) instead of listing the opcodes that share
//! them, so the interpreter's debug info, the verifier and the JIT cannot drift apart when an
//! opcode is added or changed. What is left as per-opcode code is operand meaning: which
//! registers, constants and upvalues an instruction touches (the interpreter, the verifier's
//! operand checks, debug info's symbolic execution).
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
//! CALL or VARARG) when an operand says so. In the descriptions `pc` already points at the
//! next instruction when an instruction runs; jumps add to it. (The flag documentation
//! instead counts from the instruction itself: "pc + 1" is the one after it.)
//!
//! The semantics follow Lua 5.4's instruction set with these simplifications: there are no
//! MMBIN/MMBINI/MMBINK instructions (arithmetic instructions call their own metamethods), and
//! NEWTABLE carries its size hints in B and C without an EXTRAARG.

/// `for_each_op!(m)` calls `m!` with one `Name, Format, [FLAG | ...], "description";` entry
/// per opcode, in opcode order. `Format` names an [`OpFormat`] variant and each `FLAG` a
/// constant of [`flag`], both as bare identifiers, so a consumer can prefix them as it needs.
/// The flags of an entry say what its instructions *may* do; the operand conditions (B = 0,
/// C = 0, k) are in the flag documentation and in the `Instr` methods that apply them.
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            Move,      ABC,  [SETS_A],                                            "A B      R[A] := R[B]";
            LoadI,     AsBx, [SETS_A],                                            "A sBx    R[A] := sBx (integer)";
            LoadF,     AsBx, [SETS_A],                                            "A sBx    R[A] := (float)sBx";
            LoadK,     ABx,  [SETS_A],                                            "A Bx     R[A] := K[Bx]";
            LoadKX,    ABx,  [SETS_A | HAS_EXTRAARG],                             "A        R[A] := K[extra arg]; next instruction is EXTRAARG";
            LoadFalse, ABC,  [SETS_A],                                            "A        R[A] := false";
            LFalseSkip,ABC,  [SETS_A | NO_FALLTHROUGH | SKIPS_NEXT],              "A        R[A] := false; pc++";
            LoadTrue,  ABC,  [SETS_A],                                            "A        R[A] := true";
            LoadNil,   ABC,  [SETS_A],                                            "A B      R[A], ..., R[A+B] := nil";
            GetUpval,  ABC,  [SETS_A],                                            "A B      R[A] := U[B]";
            SetUpval,  ABC,  [],                                                  "A B      U[B] := R[A]";
            GetTabUp,  ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := U[B][K[C]:string]";
            GetTable,  ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B][R[C]]";
            GetI,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B][C] (C an integer)";
            GetField,  ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B][K[C]:string]";
            SetTabUp,  ABC,  [MAY_CALL],                                          "A B C k  U[A][K[B]:string] := RK(C)";
            SetTable,  ABC,  [MAY_CALL],                                          "A B C k  R[A][R[B]] := RK(C)";
            SetI,      ABC,  [MAY_CALL],                                          "A B C k  R[A][B] := RK(C) (B an integer)";
            SetField,  ABC,  [MAY_CALL],                                          "A B C k  R[A][K[B]:string] := RK(C)";
            NewTable,  ABC,  [SETS_A],                                            "A B C    R[A] := {} with hash size hint B and array size hint C";
            Self_,     ABC,  [SETS_A | MAY_CALL],                                 "A B C k  R[A+1] := R[B]; R[A] := R[B][RK(C):string]";
            AddI,      ABC,  [SETS_A | MAY_CALL],                                 "A B sC   R[A] := R[B] + sC";
            AddK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] + K[C]:number";
            SubK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] - K[C]:number";
            MulK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] * K[C]:number";
            ModK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] % K[C]:number";
            PowK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] ^ K[C]:number";
            DivK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] / K[C]:number";
            IDivK,     ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] // K[C]:number";
            BAndK,     ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] & K[C]:integer";
            BOrK,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] | K[C]:integer";
            BXorK,     ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] ~ K[C]:integer";
            ShrI,      ABC,  [SETS_A | MAY_CALL],                                 "A B sC   R[A] := R[B] >> sC";
            ShlI,      ABC,  [SETS_A | MAY_CALL],                                 "A B sC   R[A] := sC << R[B]";
            Add,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] + R[C]";
            Sub,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] - R[C]";
            Mul,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] * R[C]";
            Mod,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] % R[C]";
            Pow,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] ^ R[C]";
            Div,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] / R[C]";
            IDiv,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] // R[C]";
            BAnd,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] & R[C]";
            BOr,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] | R[C]";
            BXor,      ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] ~ R[C]";
            Shl,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] << R[C]";
            Shr,       ABC,  [SETS_A | MAY_CALL],                                 "A B C    R[A] := R[B] >> R[C]";
            Unm,       ABC,  [SETS_A | MAY_CALL],                                 "A B      R[A] := -R[B]";
            BNot,      ABC,  [SETS_A | MAY_CALL],                                 "A B      R[A] := ~R[B]";
            Not,       ABC,  [SETS_A],                                            "A B      R[A] := not R[B]";
            Len,       ABC,  [SETS_A | MAY_CALL],                                 "A B      R[A] := #R[B] (length operator)";
            Concat,    ABC,  [SETS_A | MAY_CALL],                                 "A B      R[A] := R[A].. ... ..R[A + B - 1]";
            Close,     ABC,  [MAY_CALL],                                          "A        close all upvalues >= R[A] (and call pending __close)";
            Tbc,       ABC,  [],                                                  "A        mark variable R[A] 'to be closed'";
            Jmp,       sJ,   [JUMP | BACK_EDGE | NO_FALLTHROUGH],                 "sJ       pc += sJ";
            Eq,        ABC,  [TEST | MAY_CALL],                                   "A B k    if ((R[A] == R[B]) ~= k) then pc++";
            Lt,        ABC,  [TEST | MAY_CALL],                                   "A B k    if ((R[A] <  R[B]) ~= k) then pc++";
            Le,        ABC,  [TEST | MAY_CALL],                                   "A B k    if ((R[A] <= R[B]) ~= k) then pc++";
            EqK,       ABC,  [TEST],                                              "A B k    if ((R[A] == K[B]) ~= k) then pc++";
            EqI,       ABC,  [TEST],                                              "A sB k C if ((R[A] == sB) ~= k) then pc++ (C: 1 if sB stands for a float)";
            LtI,       ABC,  [TEST | MAY_CALL],                                   "A sB k C if ((R[A] < sB) ~= k) then pc++ (C: 1 if sB stands for a float)";
            LeI,       ABC,  [TEST | MAY_CALL],                                   "A sB k C if ((R[A] <= sB) ~= k) then pc++";
            GtI,       ABC,  [TEST | MAY_CALL],                                   "A sB k C if ((R[A] > sB) ~= k) then pc++";
            GeI,       ABC,  [TEST | MAY_CALL],                                   "A sB k C if ((R[A] >= sB) ~= k) then pc++";
            Test,      ABC,  [TEST],                                              "A k      if (not R[A] == k) then pc++";
            TestSet,   ABC,  [TEST | SETS_A],                                     "A B k    if (not R[B] == k) then pc++ else R[A] := R[B]";
            Call,      ABC,  [SETS_A | USES_TOP | SETS_TOP | TOP_ON_C0 | MAY_CALL], "A B C    R[A], ... ,R[A+C-2] := R[A](R[A+1], ... ,R[A+B-1]); B=0: args up to top; C=0: all results, set top";
            TailCall,  ABC,  [SETS_A | USES_TOP | SETS_TOP | MAY_CALL],           "A B C k  return R[A](R[A+1], ... ,R[A+B-1]); B=0: up to top; k: close upvalues first; C>0: vararg fn with C-1 fixed params";
            Return,    ABC,  [USES_TOP | NO_FALLTHROUGH | MAY_CALL],              "A B C k  return R[A], ... ,R[A+B-2]; B=0: up to top; k: close upvalues/tbc first; C>0: vararg fn with C-1 fixed params";
            Return0,   ABC,  [NO_FALLTHROUGH],                                    "         return (no values)";
            Return1,   ABC,  [NO_FALLTHROUGH],                                    "A        return R[A]";
            ForLoop,   ABx,  [SETS_A | JUMP | BACK_EDGE],                         "A Bx     update counters; if loop continues then pc -= Bx";
            ForPrep,   ABx,  [SETS_A | JUMP | JUMP_PAST],                         "A Bx     check values and prepare counters; if not to run then pc += Bx + 1";
            TForPrep,  ABx,  [JUMP | NO_FALLTHROUGH],                             "A Bx     create upvalue for R[A + 3] (tbc); pc += Bx";
            TForCall,  ABC,  [MAY_CALL],                                          "A C      R[A+4], ... ,R[A+3+C] := R[A](R[A+1], R[A+2])";
            TForLoop,  ABx,  [JUMP | BACK_EDGE],                                  "A Bx     if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }";
            SetList,   ABC,  [USES_TOP | HAS_EXTRAARG | EXTRAARG_ON_K],           "A B C k  R[A][C+i] := R[A+i], 1 <= i <= B; B=0: up to top; k: C += EXTRAARG*256";
            Closure,   ABx,  [SETS_A],                                            "A Bx     R[A] := closure(KPROTO[Bx])";
            VarArg,    ABC,  [SETS_A | SETS_TOP | TOP_ON_C0],                     "A C      R[A], R[A+1], ..., R[A+C-2] = vararg; C=0: all, set top";
            VarArgPrep,ABC,  [],                                                  "A        adjust vararg parameters (A = number of fixed params)";
            ExtraArg,  Ax,   [NO_FALLTHROUGH],                                    "Ax       extra (larger) argument for previous opcode";
        }
    };
}

/// How an opcode's operands are packed into the instruction word (see the diagram above) and
/// printed by `Instr`'s `Debug`. Named as PUC's lopcodes.h names its modes (iABC, ...).
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpFormat {
    /// A (8), k (1), B (8), C (8); B and C may be read signed (sB, sC) by some opcodes.
    ABC,
    /// A (8), Bx (17, unsigned).
    ABx,
    /// A (8), sBx (17, signed).
    AsBx,
    /// Ax (25, unsigned): EXTRAARG's payload.
    Ax,
    /// sJ (25, signed): JMP's offset.
    sJ,
}

/// Defines the flag constants (module [`flag`]) and one accessor on [`Op`] per flag, with the
/// same documentation, from one list; bits are numbered in list order.
macro_rules! define_flags {
    ($($(#[doc = $doc:literal])* $flag:ident => $method:ident;)*) => {
        /// Opcode flags: the bits of `Op::flags`, one fact each about what an opcode's
        /// instructions may do. Each also has an accessor on `Op` (`Op::sets_a`, ...).
        pub mod flag {
            // Bit numbers, in list order; `Count` checks they fit the u16.
            #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
            enum Bit { $($flag,)* Count }
            const _: () = assert!((Bit::Count as u32) <= 16, "flags are a u16");
            $( $(#[doc = $doc])* pub const $flag: u16 = 1 << Bit::$flag as u16; )*
            /// Every flag with its name (for tests and listings).
            pub const ALL: &[(u16, &str)] = &[$(($flag, stringify!($flag)),)*];
        }
        impl Op {
            $(
                $(#[doc = $doc])*
                #[inline]
                pub const fn $method(self) -> bool {
                    self.flags() & flag::$flag != 0
                }
            )*
        }
    };
}

define_flags! {
    /// May write R[A] (possibly with more registers: LOADNIL A..A+B, SELF A+1, CALL and
    /// VARARG their results from A, TAILCALL a native callee's results from A, FORLOOP and
    /// FORPREP the loop state A..A+3; TESTSET only when it jumps). Unset where A is no
    /// register written: an upvalue (SETTABUP), a table stored into (SETTABLE..SETFIELD,
    /// SETLIST), a level (CLOSE, TBC), a generic loop's base (TFORPREP, TFORCALL and TFORLOOP
    /// write only above it), a count (VARARGPREP), a value tested or returned; and JMP and
    /// EXTRAARG, which have no A. As PUC's "A mode", with which debug info finds the
    /// instruction that last set a register.
    SETS_A => sets_a;
    /// A test (EQ..GEI, TEST, TESTSET): the instruction at pc + 1 is a JMP, which runs as
    /// part of the test (the interpreter jumps straight to its target) when the outcome
    /// equals k; otherwise both are skipped and control goes on at pc + 2. Tests carry no
    /// other control-flow flag.
    TEST => is_test;
    /// Jumps by an offset in its own operands, to `Instr::jump_target`: pc + 1 + sJ (format
    /// sJ), pc + 1 - Bx (format ABx with BACK_EDGE), pc + 1 + Bx (ABx; one further with
    /// JUMP_PAST). Whether it may also go on to pc + 1 is NO_FALLTHROUGH's to say.
    JUMP => is_jump;
    /// Its jump may go backwards: FORLOOP and TFORLOOP always (pc + 1 - Bx, to the loop
    /// body), JMP when sJ < 0. These close loops: the interpreter's control points (hot
    /// counting, entering traces) are on them and on a test's backward JMP.
    BACK_EDGE => is_back_edge;
    /// The jump lands one past the instruction its offset reaches: FORPREP, whose Bx reaches
    /// its loop's FORLOOP, skips the loop to pc + 2 + Bx.
    JUMP_PAST => jumps_past;
    /// Never goes on to pc + 1: it jumps unconditionally (JMP, TFORPREP), skips it
    /// (LFALSESKIP), leaves the function (RETURN, RETURN0, RETURN1), or is never executed
    /// (EXTRAARG, an operand of the instruction before it). An instruction with an EXTRAARG
    /// goes on past it; that is HAS_EXTRAARG's, not this flag's.
    NO_FALLTHROUGH => no_fallthrough;
    /// Goes on at pc + 2, skipping the next instruction (LFALSESKIP; tests are TEST's).
    SKIPS_NEXT => skips_next;
    /// The instruction at pc + 1 is an EXTRAARG holding more of its operand, read as part of
    /// this instruction, which then goes on at pc + 2 (LOADKX always; SETLIST, with
    /// EXTRAARG_ON_K, when k is set). `Instr::has_extraarg` applies the condition.
    HAS_EXTRAARG => has_extraarg;
    /// HAS_EXTRAARG only when the k bit is set (SETLIST: a list index base over 255).
    EXTRAARG_ON_K => extraarg_on_k;
    /// With B = 0 its operands run up to top, which the instruction right before it set (one
    /// with SETS_TOP): CALL's and TAILCALL's arguments, RETURN's values, SETLIST's items.
    /// `Instr::uses_top` applies the condition.
    USES_TOP => uses_top;
    /// May leave values up to top for the instruction after it (one with USES_TOP and B = 0):
    /// with TOP_ON_C0 only when C = 0 (CALL's results, VARARG's values: "all of them"),
    /// otherwise always (TAILCALL: a native callee's results, which the RETURN after it
    /// returns). `Instr::sets_top` applies the condition.
    SETS_TOP => sets_top;
    /// SETS_TOP only when C = 0 (C is otherwise a result count plus one).
    TOP_ON_C0 => top_on_c0;
    /// May run Lua code before it completes: a metamethod (__index and __newindex by the
    /// table accesses and SELF, arithmetic and bitwise by all those instructions as this set
    /// has no MMBIN*, __unm, __bnot, __len, __concat, __eq/__lt/__le by EQ, LT, LE, LTI..GEI,
    /// __close by CLOSE and by RETURN with k), or a called function (CALL, TAILCALL,
    /// TFORCALL). Not counted: hooks (any instruction may run one), finalizers run by a GC
    /// step (after an allocating instruction), and a message handler run for an error. EQK
    /// and EQI compare raw; RETURN0 and RETURN1 close nothing (the compiler turns them into
    /// RETURN with k when they must).
    MAY_CALL => may_call;
}

macro_rules! define_ops {
    ($($name:ident, $fmt:ident, [$($flag:ident)|*], $doc:literal;)*) => {
        /// Opcodes, in the order of [`for_each_op!`].
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub enum Op { $(#[doc = $doc] $name,)* }

        /// Opcode names, indexed by `Op as usize` (upper case, as `luac -l` prints them).
        pub const OP_NAMES: &[&str] = &[$(stringify!($name),)*];

        /// All opcodes, indexed by their number.
        pub const ALL_OPS: &[Op] = &[$(Op::$name,)*];

        /// Operand formats, indexed by `Op as usize`.
        const OP_FORMATS: &[OpFormat] = &[$(OpFormat::$fmt,)*];

        /// Flags, indexed by `Op as usize`.
        const OP_FLAGS: &[u16] = &[$(0 $(| flag::$flag)*,)*];

        /// Descriptions, indexed by `Op as usize`.
        const OP_DESCRIPTIONS: &[&str] = &[$($doc,)*];

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
    /// How the operands are packed (and printed).
    #[inline]
    pub const fn format(self) -> OpFormat {
        OP_FORMATS[self as usize]
    }

    /// The [`flag`] bits of this opcode.
    #[inline]
    pub const fn flags(self) -> u16 {
        OP_FLAGS[self as usize]
    }

    /// The description from [`for_each_op!`] (operands, then semantics).
    pub const fn description(self) -> &'static str {
        OP_DESCRIPTIONS[self as usize]
    }

    /// May a coroutine yield while this instruction runs? Exactly when it may call Lua code
    /// ([`flag::MAY_CALL`]): every such instruction is resumable, a call by returning into
    /// its frame, a metamethod by `State::finish_op` completing the instruction (or, for
    /// CLOSE and RETURN, running it again for the handlers still pending). A separate flag
    /// becomes due only if some instruction ever calls Lua code that may not yield.
    #[inline]
    pub const fn may_yield(self) -> bool {
        self.may_call()
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

    // Flags with their operand conditions applied (see `flag`); like `op`, these assume a
    // valid opcode.

    /// Does this instruction leave values up to top for the next one? ([`flag::SETS_TOP`])
    pub fn sets_top(self) -> bool {
        let op = self.op();
        op.sets_top() && (!op.top_on_c0() || self.c() == 0)
    }

    /// Does this instruction take values up to top, set by the one before it?
    /// ([`flag::USES_TOP`])
    pub fn uses_top(self) -> bool {
        self.op().uses_top() && self.b() == 0
    }

    /// Is the next instruction this one's EXTRAARG? ([`flag::HAS_EXTRAARG`])
    pub fn has_extraarg(self) -> bool {
        let op = self.op();
        op.has_extraarg() && (!op.extraarg_on_k() || self.k())
    }

    /// Where this instruction, at `pc`, may jump by its own offset ([`flag::JUMP`]), or None
    /// for an opcode without one. Not range-checked: the verifier checks it is in the code.
    pub fn jump_target(self, pc: usize) -> Option<i64> {
        let op = self.op();
        if !op.is_jump() {
            return None;
        }
        let next = pc as i64 + 1;
        Some(match op.format() {
            OpFormat::sJ => next + self.sj() as i64,
            _ if op.is_back_edge() => next - self.bx() as i64,
            _ => next + self.bx() as i64 + op.jumps_past() as i64,
        })
    }
}

impl std::fmt::Debug for Instr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = self.op();
        write!(f, "{:<10} ", OP_NAMES[op as usize].to_uppercase())?;
        match op.format() {
            OpFormat::ABC => write!(
                f,
                "{} {} {}{}",
                self.a(),
                self.b(),
                self.c(),
                if self.k() { "k" } else { "" }
            ),
            OpFormat::ABx => write!(f, "{} {}", self.a(), self.bx()),
            OpFormat::AsBx => write!(f, "{} {}", self.a(), self.sbx()),
            OpFormat::Ax => write!(f, "{}", self.ax()),
            OpFormat::sJ => write!(f, "{}", self.sj()),
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

    /// The opcodes with flag `f`.
    fn with(f: u16) -> Vec<Op> {
        ALL_OPS
            .iter()
            .copied()
            .filter(|op| op.flags() & f != 0)
            .collect()
    }

    #[test]
    fn formats() {
        use OpFormat::*;
        for (op, fmt) in [
            (Op::Move, ABC),
            (Op::LoadI, AsBx),
            (Op::LoadF, AsBx),
            (Op::LoadK, ABx),
            (Op::LoadKX, ABx),
            (Op::Closure, ABx),
            (Op::ForLoop, ABx),
            (Op::TForPrep, ABx),
            (Op::Call, ABC),
            (Op::Jmp, sJ),
            (Op::ExtraArg, Ax),
        ] {
            assert_eq!(op.format(), fmt, "{op:?}");
        }
        // sJ and Ax each belong to one opcode.
        assert_eq!(
            ALL_OPS.iter().filter(|op| op.format() == sJ).count(),
            1,
            "only JMP is sJ"
        );
        assert_eq!(ALL_OPS.iter().filter(|op| op.format() == Ax).count(), 1);
        assert_eq!(
            format!("{:?}", Instr::abx(Op::LoadK, 3, 70000)),
            "LOADK      3 70000"
        );
        assert_eq!(
            format!("{:?}", Instr::asbx(Op::LoadI, 1, -5)),
            "LOADI      1 -5"
        );
        assert_eq!(format!("{:?}", Instr::sj_(Op::Jmp, -2)), "JMP        -2");
        assert_eq!(
            format!("{:?}", Instr::abc(Op::SetField, 0, 1, 2, true)),
            "SETFIELD   0 1 2k"
        );
    }

    #[test]
    fn flag_bits_are_distinct() {
        let mut seen = 0u16;
        for &(f, name) in flag::ALL {
            assert_eq!(f.count_ones(), 1, "{name}");
            assert_eq!(seen & f, 0, "{name}");
            seen |= f;
        }
        assert!(ALL_OPS.iter().all(|op| op.flags() & !seen == 0));
    }

    #[test]
    fn tests_are_eq_to_testset() {
        // The tests are the contiguous run EQ..TESTSET; each is followed by a JMP, which
        // the TEST flag alone describes: no other control-flow or top flag.
        let tests: Vec<Op> = ALL_OPS[Op::Eq as usize..=Op::TestSet as usize].to_vec();
        assert_eq!(with(flag::TEST), tests);
        let control = flag::JUMP
            | flag::BACK_EDGE
            | flag::JUMP_PAST
            | flag::NO_FALLTHROUGH
            | flag::SKIPS_NEXT
            | flag::HAS_EXTRAARG
            | flag::USES_TOP
            | flag::SETS_TOP;
        for op in tests {
            assert_eq!(op.flags() & control, 0, "{op:?}");
            assert_eq!(op.format(), OpFormat::ABC, "{op:?}");
            // Only TESTSET writes a register (the tested value, when it jumps).
            assert_eq!(op.sets_a(), op == Op::TestSet, "{op:?}");
        }
        assert!(Op::Jmp.is_jump() && !Op::Jmp.is_test());
    }

    #[test]
    fn control_flow_flags_are_consistent() {
        for &op in ALL_OPS {
            let name = OP_NAMES[op as usize];
            if op.is_back_edge() || op.jumps_past() {
                assert!(op.is_jump(), "{name}");
            }
            assert!(!(op.is_back_edge() && op.jumps_past()), "{name}");
            if op.is_jump() {
                assert!(
                    matches!(op.format(), OpFormat::sJ | OpFormat::ABx),
                    "{name}: jump_target reads sJ or Bx"
                );
            }
            if op.skips_next() {
                assert!(op.no_fallthrough(), "{name}");
            }
            if op.extraarg_on_k() {
                assert!(op.has_extraarg(), "{name}");
            }
            if op.top_on_c0() {
                assert!(op.sets_top(), "{name}");
            }
            if op.uses_top() || op.sets_top() {
                assert_eq!(op.format(), OpFormat::ABC, "{name}: B and C");
            }
        }
        // Nowhere to go: exactly the returns and EXTRAARG.
        let ends: Vec<Op> = ALL_OPS
            .iter()
            .copied()
            .filter(|op| op.no_fallthrough() && !op.is_jump() && !op.skips_next())
            .collect();
        assert_eq!(ends, [Op::Return, Op::Return0, Op::Return1, Op::ExtraArg]);
        assert_eq!(with(flag::BACK_EDGE), [Op::Jmp, Op::ForLoop, Op::TForLoop]);
        assert_eq!(
            with(flag::JUMP),
            [
                Op::Jmp,
                Op::ForLoop,
                Op::ForPrep,
                Op::TForPrep,
                Op::TForLoop
            ]
        );
    }

    #[test]
    fn jump_targets() {
        let at = |i: Instr| i.jump_target(10);
        assert_eq!(at(Instr::sj_(Op::Jmp, -3)), Some(8));
        assert_eq!(at(Instr::sj_(Op::Jmp, 0)), Some(11));
        assert_eq!(at(Instr::abx(Op::ForLoop, 0, 4)), Some(7));
        assert_eq!(at(Instr::abx(Op::TForLoop, 0, 4)), Some(7));
        // FORPREP's Bx reaches its FORLOOP; skipping the loop lands after it.
        assert_eq!(at(Instr::abx(Op::ForPrep, 0, 4)), Some(16));
        assert_eq!(at(Instr::abx(Op::TForPrep, 0, 4)), Some(15));
        assert_eq!(at(Instr::abc(Op::Move, 0, 4, 0, false)), None);
        assert_eq!(at(Instr::abc(Op::Eq, 0, 1, 0, true)), None);
        // Not range-checked: the verifier does that.
        assert_eq!(Instr::sj_(Op::Jmp, -5).jump_target(0), Some(-4));
    }

    #[test]
    fn top_and_extraarg() {
        let abc = |op, b, c, k| Instr::abc(op, 0, b, c, k);
        // CALL: B = 0 takes arguments up to top, C = 0 leaves results up to top.
        assert!(abc(Op::Call, 0, 1, false).uses_top());
        assert!(!abc(Op::Call, 2, 1, false).uses_top());
        assert!(abc(Op::Call, 2, 0, false).sets_top());
        assert!(!abc(Op::Call, 2, 1, false).sets_top());
        // TAILCALL sets top whatever C is (C is a vararg function's parameter count).
        assert!(abc(Op::TailCall, 2, 3, false).sets_top());
        assert!(abc(Op::VarArg, 0, 0, false).sets_top());
        assert!(!abc(Op::VarArg, 0, 3, false).sets_top());
        assert!(abc(Op::Return, 0, 0, false).uses_top());
        assert!(!abc(Op::Return, 0, 0, false).sets_top());
        assert!(abc(Op::SetList, 0, 0, false).uses_top());
        assert_eq!(with(flag::SETS_TOP), [Op::Call, Op::TailCall, Op::VarArg]);
        assert_eq!(
            with(flag::USES_TOP),
            [Op::Call, Op::TailCall, Op::Return, Op::SetList]
        );
        // EXTRAARG owners.
        assert!(Instr::abx(Op::LoadKX, 0, 0).has_extraarg());
        assert!(abc(Op::SetList, 1, 0, true).has_extraarg());
        assert!(!abc(Op::SetList, 1, 0, false).has_extraarg());
        assert!(!Instr::ax_(Op::ExtraArg, 5).has_extraarg());
        assert_eq!(with(flag::HAS_EXTRAARG), [Op::LoadKX, Op::SetList]);
    }

    #[test]
    fn sets_a_and_calls() {
        for op in [
            Op::Move,
            Op::LoadNil,
            Op::Self_,
            Op::Add,
            Op::TestSet,
            Op::Call,
        ] {
            assert!(op.sets_a(), "{op:?}");
        }
        for op in [
            Op::ForLoop,
            Op::ForPrep,
            Op::Closure,
            Op::VarArg,
            Op::Concat,
        ] {
            assert!(op.sets_a(), "{op:?}");
        }
        for op in [Op::SetField, Op::SetUpval, Op::Test, Op::Jmp, Op::SetList] {
            assert!(!op.sets_a(), "{op:?}");
        }
        for op in [Op::TForCall, Op::TForLoop, Op::VarArgPrep, Op::Return] {
            assert!(!op.sets_a(), "{op:?}");
        }
        // No MMBIN*: arithmetic calls its own metamethods.
        for op in [Op::Add, Op::AddI, Op::BAndK, Op::Unm, Op::Len, Op::Concat] {
            assert!(op.may_call(), "{op:?}");
        }
        for op in [
            Op::GetField,
            Op::SetTabUp,
            Op::Self_,
            Op::Lt,
            Op::GeI,
            Op::Close,
        ] {
            assert!(op.may_call(), "{op:?}");
        }
        for op in [Op::Call, Op::TailCall, Op::TForCall, Op::Return] {
            assert!(op.may_call(), "{op:?}");
        }
        for op in [Op::Move, Op::Not, Op::EqK, Op::EqI, Op::Test, Op::TestSet] {
            assert!(!op.may_call(), "{op:?}");
        }
        for op in [Op::Return0, Op::Return1, Op::ForLoop, Op::ForPrep, Op::Tbc] {
            assert!(!op.may_call(), "{op:?}");
        }
        assert!(ALL_OPS.iter().all(|op| op.may_yield() == op.may_call()));
    }

    /// The flags say what the descriptions say, where a description says it in words a
    /// test can find.
    #[test]
    fn descriptions_agree_with_flags() {
        for &op in ALL_OPS {
            let name = OP_NAMES[op as usize];
            let d = op.description();
            // Layout: a 9-column operand list, then the semantics.
            assert_eq!(d.as_bytes()[8], b' ', "{name}: {d}");
            let (operands, sem) = d.split_at(9);
            let has = |w: &str| operands.split_whitespace().any(|x| x == w);
            let fmt = op.format();
            assert_eq!(has("sBx"), fmt == OpFormat::AsBx, "{name}");
            assert_eq!(has("sJ"), fmt == OpFormat::sJ, "{name}");
            assert_eq!(has("Ax"), fmt == OpFormat::Ax, "{name}");
            // LOADKX is ABx (as PUC's) but takes its constant index from its EXTRAARG.
            assert_eq!(
                has("Bx"),
                fmt == OpFormat::ABx && op != Op::LoadKX,
                "{name}"
            );
            let skips = sem.contains("pc++");
            assert_eq!(skips, op.is_test() || op.skips_next(), "{name}");
            let jumps = sem.contains("pc +=") || sem.contains("pc -=");
            assert_eq!(jumps, op.is_jump(), "{name}");
            let back = sem.contains("pc -=");
            assert_eq!(back, op.is_back_edge() && fmt == OpFormat::ABx, "{name}");
            assert_eq!(sem.contains("Bx + 1"), op.jumps_past(), "{name}");
            assert_eq!(sem.contains("B=0:"), op.uses_top(), "{name}");
            assert_eq!(sem.contains("C=0:"), op.top_on_c0(), "{name}");
            assert_eq!(sem.contains("EXTRAARG"), op.has_extraarg(), "{name}");
            let k_extra = sem
                .split("; ")
                .any(|clause| clause.starts_with("k:") && clause.contains("EXTRAARG"));
            assert_eq!(k_extra, op.extraarg_on_k(), "{name}");
            // An assignment to R[A] means SETS_A; the loop counters (FORLOOP, FORPREP) and a
            // native tail callee's results (TAILCALL) are the writes the text leaves out.
            if sem.contains("R[A] :=") || sem.starts_with("R[A], ") {
                assert!(op.sets_a(), "{name}");
            } else {
                assert_eq!(
                    op.sets_a(),
                    matches!(op, Op::ForLoop | Op::ForPrep | Op::TailCall),
                    "{name}"
                );
            }
        }
    }
}
