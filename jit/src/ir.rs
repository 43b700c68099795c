//! The trace IR: typed SSA instructions in one linear array, defined once in [`for_each_irop!`].
//!
//! A trace is straight-line code: what the recorder saw one iteration of a loop do,
//! specialised to the types and shapes it saw, with a guard for every assumption. After the
//! loop optimisation the array holds the first iteration (the preamble), a `LOOP` marker, the
//! loop body, and the `PHI`s that carry values from one iteration to the next.
//!
//! ```text
//!  Ins (24 bytes)                          Ref (u32)
//!  +------+------+------+--------------+   +-+-----------------------------+
//!  |  op  |  ty  |  -   |     snap     |   |K|     index                   |
//!  +------+------+------+--------------+   +-+-----------------------------+
//!  |      a (Ref)       |    b (Ref)   |    K=1: a constant (index into `Ir::k`)
//!  +--------------------+--------------+    K=0: an instruction (index into `Ir::ins`,
//!  |   k (i64): slot, field, constant  |         0 is "none", instructions start at 1)
//!  +-----------------------------------+
//! ```
//!
//! Constants live in their own array, interned (one `Ref` per distinct constant), so they
//! dominate every instruction and need no register until used. Every instruction has a
//! type: the type of the value it produces, or for guards and stores the type of the
//! operands they compare or store (`Void` only for markers).
//!
//! Invariants (checked by `verify`):
//! - An instruction's operands are constants or instructions before it, except a `PHI`'s
//!   second operand, which may come from anywhere in the loop body.
//! - `PHI`s come last, after the loop body; `LOOP` appears at most once.
//! - Every guard names a snapshot (`snap`) whose entries refer to instructions before the
//!   guard (or constants).
//! - Floats compare with LuaJIT's convention: `LT`/`LE` are the ordered relations and `GE`/`GT`
//!   their negations, so `GE` also holds when an operand is NaN.

use std::fmt::Write as _;

/// `for_each_irop!(m)` calls `m!` with one `Name, "mode", "flags", "description";` entry per
/// IR op. Mode: the operands `a` and `b` (`r` a reference, `-` unused) then `k` (`s` a stack
/// slot, `f` a field, `n` a node index, `x` a helper-specific number, `c` a conversion, `-`
/// unused). Flags: `G` guard (may leave the trace), `L` load, `S` store or other memory
/// effect, `C` commutative, `A` allocates, `X` calls a helper, `E` effect (never removed),
/// `v` produces no value.
#[macro_export]
macro_rules! for_each_irop {
    ($m:ident) => {
        $m! {
            Nop,    "---", "v",    "nothing (a removed instruction)";
            Loop,   "---", "Ev",   "start of the loop body";
            Phi,    "rr-", "",    "value at loop entry (a) and at the back-edge (b)";
            // Constants (only in the constant table).
            KNil,   "---", "",    "nil";
            KBool,  "--x", "",    "false (0) or true (1)";
            KInt,   "--x", "",    "an integer";
            KNum,   "--x", "",    "a float (k holds its bits)";
            KGc,    "--x", "",    "a GC object of type ty (k holds its address)";
            KPtr,   "--x", "",    "a raw pointer or machine integer";
            // Entry values.
            SLoad,  "--s", "GL",  "stack slot k of the trace (relative to the root frame's base), type-checked: its value at entry, or, when k's high half names a CALLOUT or the LOOP, as that left it (`Ins::slot`, `Ins::after`)";
            FnRoot, "---", "",    "the closure of the trace's root frame";
            NExtra, "---", "",    "the count of extra arguments (varargs) of the trace's root frame";
            // Guards on operands of type ty.
            Lt,     "rr-", "Gv",   "a < b";
            Ge,     "rr-", "Gv",   "a >= b (floats: not a < b)";
            Le,     "rr-", "Gv",   "a <= b";
            Gt,     "rr-", "Gv",   "a > b (floats: not a <= b)";
            Eq,     "rr-", "GCv",  "a == b";
            Ne,     "rr-", "GCv",  "a ~= b";
            ULt,    "rr-", "Gv",   "a < b unsigned";
            UGe,    "rr-", "Gv",   "a >= b unsigned";
            // Arithmetic (ty: Int wraps, Num is IEEE).
            Add,    "rr-", "C",   "a + b";
            Sub,    "rr-", "",    "a - b";
            Mul,    "rr-", "C",   "a * b";
            Div,    "rr-", "",    "a / b (floats)";
            IDiv,   "rr-", "X",   "floor(a / b) (integers: b ~= 0 is guarded before)";
            Mod,    "rr-", "X",   "a - floor(a / b) * b (integers: b ~= 0 is guarded before)";
            Pow,    "rr-", "X",   "a ^ b (floats)";
            Neg,    "r--", "",    "-a";
            Abs,    "r--", "",    "|a| (floats)";
            Min,    "rr-", "",    "math.min(a, b)";
            Max,    "rr-", "",    "math.max(a, b)";
            Sqrt,   "r--", "",    "square root (floats)";
            Floor,  "r--", "",    "floor (floats)";
            Ceil,   "r--", "",    "ceil (floats)";
            BAnd,   "rr-", "C",   "a & b";
            BOr,    "rr-", "C",   "a | b";
            BXor,   "rr-", "C",   "a ~ b";
            BShl,   "rr-", "",    "a << b (Lua's shift: b outside 0..63 gives 0, negative shifts right)";
            BShr,   "rr-", "",    "a >> b (logical, Lua's shift)";
            BNot,   "r--", "",    "~a";
            Not,    "r--", "",    "not a (booleans)";
            Conv,   "r-c", "",    "convert a (k: 0 int to float; 1 float to int, guarded exact)";
            NToI,   "r--", "G",   "float a as an integer, guarded: a has an exact integer value";
            // Memory. Pointers (ty Ptr) are machine addresses; values at them are Lua values.
            FLoad,  "r-f", "L",   "field k of object a";
            FStore, "rrf", "Sv",   "field k of object a := b";
            ARef,   "rr-", "",    "address of array slot b (1-based) at array pointer a";
            StrByte, "rr-", "",   "byte b (1-based, in range) of the string bytes at address a, as an integer (strings never change)";
            HRefK,  "rrn", "G",   "address of node k's value at node pointer a, guarded: the node's key is constant b";
            VLoad,  "r--", "GL",  "the value at address a, guarded: its type is ty";
            NotNil, "r--", "Gv",   "guard: the value at address a is not nil";
            VStore, "rr-", "Sv",   "the value at address a := b";
            UpRef,  "r-x", "L",   "upvalue k of closure a (the UpVal object)";
            UpAddr, "r--", "L",   "the address of upvalue a's value";
            UpInFrame, "r-x", "Gv", "guard: upvalue value address a is the trace's stack slot k";
            UpOutFrame, "r--", "Gv", "guard: upvalue value address a is outside the trace's stack slots (from slot k, <= 0, up)";
            Barrier, "r-x", "SXv", "write barrier on object a (k: 0 table, 1 upvalue)";
            // Helper calls.
            TNew,   "--x", "AX",  "a new table (k: array size << 32 | hash size)";
            TLen,   "r--", "SX",  "the length (border) of table a";
            TGetInt, "rr-", "LX", "address of table a's value for integer key b (a nil value if absent)";
            TGetStr, "rrx", "LX", "address of table a's value for string key b (a nil value if absent); k: 0, or 2^32 + b's hash when b is a constant short string, looked up inline without a call";
            NewRef, "rr-", "GSX", "address of a new slot for key b in table a (may rehash); leaves, before the store, when there is no memory for it";
            ASlot,  "rr-", "GSX", "address of table a's slot for integer key b: inline when b is within the array part, else found or made by a helper (may rehash: appending grows the array); leaves, before the store, when there is no memory for it";
            Concat, "rr-", "AX",  "a .. b (strings or numbers)";
            StrChar, "r--", "AX", "the one-byte string of byte a (0..=255)";
            StrSub, "rr-", "AX",  "string.sub(a, i, j) for integers i, j: b is the CARG (i, j) just before";
            CArg,   "rr-", "",    "the pair (a, b) as the last arguments of the helper call that follows (no code)";
            SetMeta, "rr-", "SXv", "setmetatable(a, b) (b a table or nil; registers a finalizer as the library does)";
            CloseChk, "--s", "GXv", "guard: no open upvalue and no to-be-closed variable at or above stack slot k";
            TNext,  "rr-", "LX",  "address of the (key, value) after key b in table a: a nil key at the end, an invalid tag for a bad key";
            GcCheck, "---", "GXv", "guard: no garbage collection step is due";
            RetF,   "r-x", "GXv", "guard: the frame the trace returns out of (k & 0xff frames below its base's) is a plain Lua call from prototype a at pc k >> 24 with (k >> 8) & 0xffff extra arguments (a helper reads the interpreter's frames)";
            IntrCheck, "--x", "Gv", "guard: the interrupt flag (a byte at address k) is clear";
            // Calls the trace does not inline.
            CallOut, "--x", "GEv", "run the call at the snapshot's pc in a nested interpreter loop, from the snapshot's state (stored first); leaves through the exit when the call raises or yields, or when the trace may not go on; k: 0, or for a call keeping all its results, their count plus one (another count leaves)";
            // The end of a trace that does not loop.
            Link,   "--x", "Ev",  "store the snapshot's slots and continue in trace k (0: leave to the interpreter at the snapshot)";
        }
    };
}

macro_rules! define_irops {
    ($($name:ident, $mode:literal, $flags:literal, $doc:literal;)*) => {
        /// IR opcodes, in the order of [`for_each_irop!`].
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[repr(u8)]
        pub enum Op { $(#[doc = $doc] $name,)* }

        /// Upper-case names as the text form prints them.
        const OP_NAMES: &[&str] = &[$(stringify!($name),)*];
        const OP_MODES: &[&str] = &[$($mode,)*];
        /// Each op's flags as a bit set (`flag_bit`): asking is a load and a test, not a
        /// search of the string (the compiler asks for every instruction, many times).
        const OP_FLAG_BITS: &[u8] = &[$(flag_bits($flags),)*];
        /// All ops, indexed by number.
        pub const ALL_OPS: &[Op] = &[$(Op::$name,)*];
    };
}
for_each_irop!(define_irops);

/// The bit of flag letter `c` (see [`for_each_irop!`]); an unknown letter fails the build.
const fn flag_bit(c: u8) -> u8 {
    match c {
        b'G' => 1,
        b'L' => 2,
        b'S' => 4,
        b'C' => 8,
        b'A' => 16,
        b'X' => 32,
        b'E' => 64,
        b'v' => 128,
        _ => panic!("unknown IR op flag"),
    }
}

const fn flag_bits(flags: &str) -> u8 {
    let b = flags.as_bytes();
    let (mut i, mut m) = (0, 0);
    while i < b.len() {
        m |= flag_bit(b[i]);
        i += 1;
    }
    m
}

impl Op {
    pub fn name(self) -> &'static str {
        OP_NAMES[self as usize]
    }
    fn flag(self, c: u8) -> bool {
        OP_FLAG_BITS[self as usize] & flag_bit(c) != 0
    }
    fn mode(self) -> &'static [u8] {
        OP_MODES[self as usize].as_bytes()
    }
    /// May leave the trace.
    pub fn is_guard(self) -> bool {
        self.flag(b'G')
    }
    pub fn is_load(self) -> bool {
        self.flag(b'L')
    }
    /// Writes memory or otherwise has an effect beyond its value.
    pub fn has_effect(self) -> bool {
        self.flag(b'S') || self.flag(b'E') || self.flag(b'A')
    }
    pub fn is_commutative(self) -> bool {
        self.flag(b'C')
    }
    pub fn allocates(self) -> bool {
        self.flag(b'A')
    }
    /// Implemented as a call of a runtime helper.
    pub fn calls(self) -> bool {
        self.flag(b'X')
    }
    /// Produces a value other instructions can use.
    pub fn has_value(self) -> bool {
        !self.flag(b'v')
    }
    pub fn is_const(self) -> bool {
        matches!(
            self,
            Op::KNil | Op::KBool | Op::KInt | Op::KNum | Op::KGc | Op::KPtr
        )
    }
    /// Operand `a` is a reference.
    pub fn has_a(self) -> bool {
        self.mode()[0] == b'r'
    }
    pub fn has_b(self) -> bool {
        self.mode()[1] == b'r'
    }
    /// What the `k` field holds (see the mode letters in [`for_each_irop!`]).
    pub fn k_kind(self) -> u8 {
        self.mode()[2]
    }
    /// Has a snapshot (`snap`): guards, and `LINK`, which stores its snapshot's slots.
    pub fn has_snapshot(self) -> bool {
        self.is_guard() || self == Op::Link
    }
    /// A comparison guard.
    pub fn is_cmp(self) -> bool {
        matches!(
            self,
            Op::Lt | Op::Ge | Op::Le | Op::Gt | Op::Eq | Op::Ne | Op::ULt | Op::UGe
        )
    }
    /// The comparison that holds exactly when this one does not (for integers and pointers;
    /// for floats too under the NaN convention of the module doc).
    pub fn negate_cmp(self) -> Op {
        match self {
            Op::Lt => Op::Ge,
            Op::Ge => Op::Lt,
            Op::Le => Op::Gt,
            Op::Gt => Op::Le,
            Op::Eq => Op::Ne,
            Op::Ne => Op::Eq,
            Op::ULt => Op::UGe,
            Op::UGe => Op::ULt,
            other => other,
        }
    }
    pub fn from_name(s: &str) -> Option<Op> {
        ALL_OPS
            .iter()
            .copied()
            .find(|o| o.name().eq_ignore_ascii_case(s))
    }
}

/// IR types: Lua value types (nil, boolean, integer, float, and the reference types) plus
/// machine pointers and "no value".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[repr(u8)]
pub enum Ty {
    Nil,
    Bool,
    Int,
    Num,
    LightUd,
    LightFn,
    Str,
    Tab,
    LFn,
    NFn,
    Udata,
    Thread,
    /// A machine pointer or integer that is not a Lua value.
    Ptr,
    Void,
}

const TY_NAMES: &[&str] = &[
    "nil", "bool", "int", "num", "lud", "lfn", "str", "tab", "fun", "nfn", "udt", "thr", "ptr",
    "---",
];

impl Ty {
    pub fn name(self) -> &'static str {
        TY_NAMES[self as usize]
    }
    pub fn from_name(s: &str) -> Option<Ty> {
        TY_NAMES.iter().position(|n| *n == s).map(|i| ALL_TYS[i])
    }
    /// The Lua value tag of this type (lua-core's `TAG_*`), if it is a Lua value type.
    pub fn tag(self) -> Option<u8> {
        use lua_core::layout::*;
        Some(match self {
            Ty::Nil => TAG_NIL,
            Ty::Bool => TAG_BOOL,
            Ty::Int => TAG_INT,
            Ty::Num => TAG_FLOAT,
            Ty::LightUd => TAG_LIGHTUSERDATA,
            Ty::LightFn => TAG_LIGHTFN,
            Ty::Str => TAG_STR,
            Ty::Tab => TAG_TABLE,
            Ty::LFn => TAG_LUAFN,
            Ty::NFn => TAG_NATIVEFN,
            Ty::Udata => TAG_USERDATA,
            Ty::Thread => TAG_THREAD,
            Ty::Ptr | Ty::Void => return None,
        })
    }
    /// The type of a value with tag `tag`.
    pub fn of_tag(tag: u8) -> Ty {
        ALL_TYS
            .iter()
            .copied()
            .find(|t| t.tag() == Some(tag))
            .unwrap_or(Ty::Void)
    }
    pub fn of_value(v: &lua_core::Value) -> Ty {
        Ty::of_tag(v.tag())
    }
    /// Held in a floating-point register.
    pub fn is_fp(self) -> bool {
        self == Ty::Num
    }
    /// A reference to a GC object.
    pub fn is_gc(self) -> bool {
        matches!(
            self,
            Ty::Str | Ty::Tab | Ty::LFn | Ty::NFn | Ty::Udata | Ty::Thread
        )
    }
    /// Has a payload worth keeping in a register (nil has none).
    pub fn has_payload(self) -> bool {
        !matches!(self, Ty::Nil | Ty::Void)
    }
}

const ALL_TYS: &[Ty] = &[
    Ty::Nil,
    Ty::Bool,
    Ty::Int,
    Ty::Num,
    Ty::LightUd,
    Ty::LightFn,
    Ty::Str,
    Ty::Tab,
    Ty::LFn,
    Ty::NFn,
    Ty::Udata,
    Ty::Thread,
    Ty::Ptr,
    Ty::Void,
];

/// Fields of objects that `FLOAD`/`FSTORE` name (offsets in lua-core's `layout`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum Field {
    /// A table's array part (pointer).
    TabArray,
    /// A table's array bound for compiled accesses (PUC's `alimit`).
    TabLimit,
    /// A table's hash part (pointer to its nodes).
    TabNode,
    /// A table's node count.
    TabNodeLen,
    /// A table's metatable (a table, or null).
    TabMeta,
    /// A table's absent-metamethod cache (u32).
    TabFlags,
    /// A string's length.
    StrLen,
    /// A string's bytes (pointer).
    StrData,
    /// A closure's upvalue slots (pointer).
    FnUpvals,
    /// A closure's prototype's code pointer (identifies the prototype).
    FnCode,
    /// The 8 bytes at the address itself (a pointer-sized cell outside any object, such
    /// as the string type's metatable slot in the `State`).
    Raw,
}

/// Every field with its name in the text form, in declaration order.
const FIELDS: &[(Field, &str)] = &[
    (Field::TabArray, "tab.array"),
    (Field::TabLimit, "tab.limit"),
    (Field::TabNode, "tab.node"),
    (Field::TabNodeLen, "tab.nodelen"),
    (Field::TabMeta, "tab.meta"),
    (Field::TabFlags, "tab.flags"),
    (Field::StrLen, "str.len"),
    (Field::StrData, "str.data"),
    (Field::FnUpvals, "fn.upvals"),
    (Field::FnCode, "fn.code"),
    (Field::Raw, "raw"),
];

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS[self as usize].1
    }
    pub fn from_k(k: i64) -> Field {
        FIELDS[k as usize].0
    }
    pub fn from_name(s: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.1 == s).map(|f| f.0)
    }
    /// Byte offset from the object address (lua-core's layout).
    pub fn offset(self) -> i32 {
        use lua_core::layout::*;
        (match self {
            Field::TabArray => TABLE_ARRAY,
            Field::TabLimit => TABLE_LIMIT,
            Field::TabNode => TABLE_NODE,
            Field::TabNodeLen => TABLE_NODE_LEN,
            Field::TabMeta => TABLE_META,
            Field::TabFlags => TABLE_FLAGS,
            Field::StrLen => STR_LEN,
            Field::StrData => STR_DATA,
            Field::FnUpvals => CLOSURE_UPVALS,
            Field::FnCode => CLOSURE_CODE,
            Field::Raw => 0,
        }) as i32
    }
    /// The IR type of the field's value.
    pub fn ty(self) -> Ty {
        match self {
            Field::TabMeta => Ty::Ptr,
            Field::TabLimit | Field::TabNodeLen | Field::StrLen | Field::TabFlags => Ty::Int,
            _ => Ty::Ptr,
        }
    }
    /// Width in bytes of the stored field (8, or 4 for the flags).
    pub fn width(self) -> u8 {
        if self == Field::TabFlags {
            4
        } else {
            8
        }
    }
}

/// A reference to an instruction or a constant (see the module diagram).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ref(pub u32);

const KBIT: u32 = 1 << 31;

impl Ref {
    pub const NONE: Ref = Ref(0);
    pub fn ins(i: usize) -> Ref {
        Ref(i as u32)
    }
    pub fn konst(i: usize) -> Ref {
        Ref(i as u32 | KBIT)
    }
    pub fn is_const(self) -> bool {
        self.0 & KBIT != 0
    }
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
    /// Index into the instruction array (instructions) or the constant array (constants).
    pub fn idx(self) -> usize {
        (self.0 & !KBIT) as usize
    }
}

impl std::fmt::Debug for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_const() {
            write!(f, "K{}", self.idx())
        } else {
            write!(f, "{:04}", self.idx())
        }
    }
}

/// One instruction (see the module diagram).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Ins {
    pub op: Op,
    pub ty: Ty,
    /// Snapshot number of a guard (index into `Ir::snaps`).
    pub snap: u32,
    pub a: Ref,
    pub b: Ref,
    pub k: i64,
}

impl Ins {
    pub fn new(op: Op, ty: Ty, a: Ref, b: Ref, k: i64) -> Ins {
        Ins {
            op,
            ty,
            snap: 0,
            a,
            b,
            k,
        }
    }
    pub fn knum(&self) -> f64 {
        f64::from_bits(self.k as u64)
    }

    /// An `SLOAD`'s stack slot (the low half of k).
    pub fn slot(&self) -> i32 {
        self.k as i32
    }

    /// An `SLOAD`'s reload point (the high half of k): 0 for the slot's value at trace
    /// entry, else the index of the `CALLOUT` (or of the `LOOP`, for a slot the previous
    /// iteration's call-out left in the stack) after which the slot is read from the stack.
    pub fn after(&self) -> usize {
        ((self.k - self.slot() as i64) >> 32) as usize
    }

    /// The k of an `SLOAD` of `slot` read after instruction `after` (0: at entry, when k
    /// is just the slot).
    pub fn sload_k(slot: i32, after: usize) -> i64 {
        ((after as i64) << 32) + slot as i64
    }
}

/// A snapshot: how to rebuild the interpreter's state at a guard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Where the interpreter resumes: pc in the innermost frame.
    pub pc: u32,
    /// Stack slots (relative to the root frame's base) and their values. Slots not listed
    /// hold what they held when the trace was entered.
    pub entries: Vec<(i32, Ref)>,
    /// Inlined frames to rebuild, outermost first.
    pub frames: Vec<SnapFrame>,
    /// `Some(slot)`: the stack top is at `slot` (after an instruction that produced a
    /// variable number of values); `None`: the innermost frame's register limit.
    pub top: Option<i32>,
    /// Interpreter frames the trace returned out of below its base's frame (RETF): the
    /// restored frames start that many frames lower, at the one the last return went to.
    pub below: u32,
    /// The bottom frame made a tail call (side traces only): the interpreter's frame still
    /// holds the caller, and is rebuilt for the closure in its function slot.
    pub root_tail: bool,
}

/// A Lua frame the trace inlined: rebuilt as a real frame when a guard fails inside it.
/// Its closure is the value in its function slot (the call guarded its prototype).
#[derive(Clone, Debug, PartialEq)]
pub struct SnapFrame {
    /// The called function's stack slot (relative to the root frame's base).
    pub func: i32,
    /// pc in the calling frame to return to (the instruction after the call).
    pub ret_pc: u32,
    /// Results the caller wants (-1: all).
    pub nresults: i32,
    /// Extra arguments of a vararg callee (its registers start above them).
    pub nextra: u32,
    /// A metamethod called by an instruction of the frame below (`ret_pc` is the
    /// instruction after it): rebuilt as a fresh `Meta` frame, whose return finishes that
    /// instruction.
    pub meta: bool,
}

/// A trace's IR: instructions, constants and snapshots.
#[derive(Clone, Default)]
pub struct Ir {
    /// Instructions; index 0 is an unused `NOP` so that `Ref(0)` means none.
    pub ins: Vec<Ins>,
    pub k: Vec<Ins>,
    pub snaps: Vec<Snapshot>,
    /// Index of the `LOOP` instruction, once the loop is closed.
    pub loop_start: Option<usize>,
    /// Constants by (op, ty, k), for interning (only while recording and optimising:
    /// `take_kmap`).
    kmap: KMap,
}

/// The constant-interning map of an [`Ir`].
pub type KMap = crate::fasthash::FastMap<(Op, Ty, i64), Ref>;

impl Ir {
    pub fn new() -> Ir {
        Ir::with_kmap(KMap::default())
    }

    /// A new IR interning its constants in `kmap` (emptied: a map kept from an earlier
    /// recording, so that it need not be allocated and grown again).
    pub fn with_kmap(mut kmap: KMap) -> Ir {
        kmap.clear();
        // (Room for a short trace from the start: growing these one doubling at a time was
        // a measurable part of compiling one.)
        let mut ins = Vec::with_capacity(32);
        ins.push(Ins::new(Op::Nop, Ty::Void, Ref::NONE, Ref::NONE, 0));
        Ir {
            ins,
            k: Vec::with_capacity(16),
            snaps: Vec::with_capacity(8),
            kmap,
            ..Default::default()
        }
    }

    /// Take the interning map out.
    pub fn take_kmap(&mut self) -> KMap {
        std::mem::take(&mut self.kmap)
    }

    /// Move `other`'s interning map here (`other` is final: no constants are added to it
    /// any more).
    pub fn kmap_from(&mut self, other: &mut Ir) {
        self.kmap = other.take_kmap();
    }

    /// The instruction or constant `r` refers to.
    #[inline]
    pub fn get(&self, r: Ref) -> &Ins {
        if r.is_const() {
            &self.k[r.idx()]
        } else {
            &self.ins[r.idx()]
        }
    }

    pub fn ty(&self, r: Ref) -> Ty {
        self.get(r).ty
    }

    /// Next instruction's ref.
    pub fn next_ref(&self) -> Ref {
        Ref::ins(self.ins.len())
    }

    /// Append an instruction as is (no folding: see `fold::Emitter` for that).
    pub fn push(&mut self, ins: Ins) -> Ref {
        self.ins.push(ins);
        Ref::ins(self.ins.len() - 1)
    }

    fn konst(&mut self, op: Op, ty: Ty, k: i64) -> Ref {
        if let Some(&r) = self.kmap.get(&(op, ty, k)) {
            return r;
        }
        self.k.push(Ins::new(op, ty, Ref::NONE, Ref::NONE, k));
        let r = Ref::konst(self.k.len() - 1);
        self.kmap.insert((op, ty, k), r);
        r
    }
    pub fn knil(&mut self) -> Ref {
        self.konst(Op::KNil, Ty::Nil, 0)
    }
    pub fn kbool(&mut self, b: bool) -> Ref {
        self.konst(Op::KBool, Ty::Bool, b as i64)
    }
    pub fn kint(&mut self, i: i64) -> Ref {
        self.konst(Op::KInt, Ty::Int, i)
    }
    pub fn knum(&mut self, f: f64) -> Ref {
        self.konst(Op::KNum, Ty::Num, f.to_bits() as i64)
    }
    /// A GC object (or light function/userdata) of type `ty` at `addr`.
    pub fn kgc(&mut self, ty: Ty, addr: usize) -> Ref {
        self.konst(Op::KGc, ty, addr as i64)
    }
    pub fn kptr(&mut self, p: usize) -> Ref {
        self.konst(Op::KPtr, Ty::Ptr, p as i64)
    }
    /// A constant for Lua value `v`, if it has one (numbers, booleans, nil, references).
    pub fn kvalue(&mut self, v: &lua_core::Value) -> Ref {
        use lua_core::Value as V;
        match *v {
            V::Nil => self.knil(),
            V::Bool(b) => self.kbool(b),
            V::Int(i) => self.kint(i),
            V::Float(f) => self.knum(f),
            _ => self.kgc(Ty::of_value(v), v.ptr_addr().unwrap_or(0)),
        }
    }

    /// The constant `r`, if it is an integer constant.
    pub fn as_kint(&self, r: Ref) -> Option<i64> {
        (r.is_const() && self.get(r).op == Op::KInt).then(|| self.get(r).k)
    }
    /// Is `r` an `SLOAD` of `slot`'s value at trace entry?
    pub fn is_entry_sload(&self, r: Ref, slot: i32) -> bool {
        !r.is_const() && {
            let i = self.get(r);
            i.op == Op::SLoad && i.k == Ins::sload_k(slot, 0)
        }
    }

    pub fn as_knum(&self, r: Ref) -> Option<f64> {
        (r.is_const() && self.get(r).op == Op::KNum).then(|| self.get(r).knum())
    }

    pub fn loop_ref(&self) -> Option<Ref> {
        self.loop_start.map(Ref::ins)
    }

    /// The text form (see `parse` for the grammar).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let mut last_snap = u32::MAX;
        for (i, ins) in self.ins.iter().enumerate().skip(1) {
            if ins.op.has_snapshot()
                && ins.snap != last_snap
                && (ins.snap as usize) < self.snaps.len()
            {
                last_snap = ins.snap;
                let _ = writeln!(s, "{}", self.snap_text(ins.snap as usize));
            }
            let _ = writeln!(s, "{}", self.ins_text(i));
        }
        s
    }

    /// One instruction as text: `0004 > int ADD 0002 +1`.
    pub fn ins_text(&self, i: usize) -> String {
        let ins = &self.ins[i];
        let mut s = format!(
            "{:04} {} {} {:<6}",
            i,
            if ins.op.is_guard() { ">" } else { " " },
            ins.ty.name(),
            ins.op.name().to_uppercase()
        );
        if ins.op.has_a() {
            let _ = write!(s, " {}", self.ref_text(ins.a));
        }
        if ins.op.has_b() {
            let _ = write!(s, " {}", self.ref_text(ins.b));
        }
        match ins.op.k_kind() {
            b's' => {
                let _ = write!(s, " #{}", ins.slot());
                if ins.after() != 0 {
                    let _ = write!(s, "/{:04}", ins.after());
                }
            }
            b'f' => {
                let _ = write!(s, " {}", Field::from_k(ins.k).name());
            }
            b'n' => {
                let _ = write!(s, " @{}", ins.k);
            }
            b'x' | b'c' => {
                let _ = write!(s, " ${}", ins.k);
            }
            _ => {}
        }
        s.trim_end().to_string()
    }

    /// A reference as text: an instruction number, or the constant's literal.
    pub fn ref_text(&self, r: Ref) -> String {
        if !r.is_const() {
            return format!("{:04}", r.idx());
        }
        let k = self.get(r);
        match k.op {
            Op::KNil => "nil".into(),
            Op::KBool => (if k.k != 0 { "true" } else { "false" }).into(),
            Op::KInt => format!("{}", k.k),
            Op::KNum => {
                let f = k.knum();
                if f.is_nan() {
                    "nan".into()
                } else if f.is_infinite() {
                    (if f > 0.0 { "+inf" } else { "-inf" }).into()
                } else {
                    format!("{f:+e}")
                }
            }
            Op::KGc => format!("{}:{:#x}", k.ty.name(), k.k),
            Op::KPtr => format!("ptr:{:#x}", k.k),
            _ => "?".into(),
        }
    }

    /// A snapshot as text: `.... SNAP #2 pc=7 [ 0:0003 1:+1e0 ] frames=[ 5:fun:0x... @3 1 ]`.
    pub fn snap_text(&self, n: usize) -> String {
        let sn = &self.snaps[n];
        let mut s = format!(".... SNAP #{} pc={} [", n, sn.pc);
        for (slot, r) in &sn.entries {
            let _ = write!(s, " {}:{}", slot, self.ref_text(*r));
        }
        s.push_str(" ]");
        if !sn.frames.is_empty() {
            s.push_str(" frames=[");
            for f in &sn.frames {
                let m = if f.meta { "m" } else { "" };
                let _ = write!(s, " {}@{}/{}+{}{m}", f.func, f.ret_pc, f.nresults, f.nextra);
            }
            s.push_str(" ]");
        }
        if let Some(t) = sn.top {
            let _ = write!(s, " top={t}");
        }
        s
    }
}

impl std::fmt::Display for Ir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Parse the text form back into IR (for tests of passes: text in, text out).
///
/// Grammar, one item per line (blank lines and lines starting with `;` are ignored):
/// - an instruction `NNNN [>] ty OP [a] [b] [k]` where NNNN is the next instruction
///   number, operands are instruction numbers or constant literals (`nil`, `true`,
///   `false`, integers `12`/`-3`, floats with a sign, dot or exponent `+1.5`/`1e3`/`+inf`/
///   `nan`, `ty:0xADDR` for references, `ptr:0xADDR`), and `k` is `#slot`, a field name,
///   `@node` or `$number`;
/// - a snapshot `.... SNAP #n pc=P [ slot:ref ... ]` (optionally `frames=[...]` and
///   `top=T`), which guards after it use until the next snapshot line.
pub fn parse(text: &str) -> Result<Ir, String> {
    let mut ir = Ir::new();
    let mut cur_snap: Option<u32> = None;
    for (lno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        let err = |m: &str| format!("line {}: {m}: {line}", lno + 1);
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks[0] == "...." {
            let sn = parse_snap(&mut ir, &toks[1..]).map_err(|m| err(&m))?;
            ir.snaps.push(sn);
            cur_snap = Some(ir.snaps.len() as u32 - 1);
            continue;
        }
        let num: usize = toks[0].parse().map_err(|_| err("bad instruction number"))?;
        if num != ir.ins.len() {
            return Err(err("instruction numbers must be consecutive from 0001"));
        }
        let mut t = 1;
        let guard = toks.get(t) == Some(&">");
        if guard {
            t += 1;
        }
        let ty = toks
            .get(t)
            .and_then(|s| Ty::from_name(s))
            .ok_or_else(|| err("bad type"))?;
        t += 1;
        let op = toks
            .get(t)
            .and_then(|s| Op::from_name(s))
            .ok_or_else(|| err("bad op"))?;
        t += 1;
        let mut ins = Ins::new(op, ty, Ref::NONE, Ref::NONE, 0);
        if op.has_a() {
            ins.a = parse_ref(&mut ir, toks.get(t).copied().unwrap_or("")).map_err(|m| err(&m))?;
            t += 1;
        }
        if op.has_b() {
            ins.b = parse_ref(&mut ir, toks.get(t).copied().unwrap_or("")).map_err(|m| err(&m))?;
            t += 1;
        }
        if op.k_kind() != b'-' {
            let s = toks.get(t).copied().unwrap_or("");
            ins.k = match op.k_kind() {
                b's' => s.strip_prefix('#').and_then(|x| match x.split_once('/') {
                    Some((slot, after)) => {
                        Some(Ins::sload_k(slot.parse().ok()?, after.parse().ok()?))
                    }
                    None => x.parse().ok(),
                }),
                b'f' => Field::from_name(s).map(|f| f as i64),
                b'n' => s.strip_prefix('@').and_then(|x| x.parse().ok()),
                _ => s.strip_prefix('$').and_then(|x| x.parse().ok()),
            }
            .ok_or_else(|| err("bad k operand"))?;
        }
        if op.is_guard() != guard {
            return Err(err("guard marker '>' must match the op"));
        }
        if op.has_snapshot() {
            ins.snap = cur_snap.ok_or_else(|| err("guard before any snapshot"))?;
        }
        if op == Op::Loop {
            ir.loop_start = Some(ir.ins.len());
        }
        ir.push(ins);
    }
    Ok(ir)
}

fn parse_ref(ir: &mut Ir, s: &str) -> Result<Ref, String> {
    if s.len() == 4 && s.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(Ref::ins(s.parse::<usize>().map_err(|e| e.to_string())?));
    }
    match s {
        "nil" => return Ok(ir.knil()),
        "true" => return Ok(ir.kbool(true)),
        "false" => return Ok(ir.kbool(false)),
        "nan" => return Ok(ir.knum(f64::NAN)),
        "+inf" => return Ok(ir.knum(f64::INFINITY)),
        "-inf" => return Ok(ir.knum(f64::NEG_INFINITY)),
        _ => {}
    }
    if let Some((tyname, addr)) = s.split_once(':') {
        let addr = usize::from_str_radix(addr.trim_start_matches("0x"), 16)
            .map_err(|_| format!("bad address {s}"))?;
        if tyname == "ptr" {
            return Ok(ir.kptr(addr));
        }
        let ty = Ty::from_name(tyname).ok_or_else(|| format!("bad type in {s}"))?;
        return Ok(ir.kgc(ty, addr));
    }
    let is_float = s.starts_with('+') || s.contains('.') || s.contains('e');
    if is_float {
        return s
            .parse::<f64>()
            .map(|f| ir.knum(f))
            .map_err(|_| format!("bad float {s}"));
    }
    s.parse::<i64>()
        .map(|i| ir.kint(i))
        .map_err(|_| format!("bad operand {s:?}"))
}

fn parse_snap(ir: &mut Ir, toks: &[&str]) -> Result<Snapshot, String> {
    let mut sn = Snapshot::default();
    let mut i = 0;
    if toks.first() != Some(&"SNAP") {
        return Err("expected SNAP".into());
    }
    i += 2; // SNAP #n
    while i < toks.len() {
        let t = toks[i];
        if let Some(pc) = t.strip_prefix("pc=") {
            sn.pc = pc.parse().map_err(|_| "bad pc")?;
        } else if let Some(top) = t.strip_prefix("top=") {
            sn.top = Some(top.parse().map_err(|_| "bad top")?);
        } else if t == "[" {
            i += 1;
            while i < toks.len() && toks[i] != "]" {
                let (slot, r) = toks[i].split_once(':').ok_or("bad snapshot entry")?;
                let slot: i32 = slot.parse().map_err(|_| "bad slot")?;
                let r = parse_ref(ir, r)?;
                sn.entries.push((slot, r));
                i += 1;
            }
        } else if t == "frames=[" {
            i += 1;
            while i < toks.len() && toks[i] != "]" {
                // func@ret/nres+nextra
                let (func, rest) = toks[i].split_once('@').ok_or("bad frame")?;
                let (ret, rest) = rest.split_once('/').ok_or("bad frame")?;
                let (nres, nextra) = rest.split_once('+').ok_or("bad frame")?;
                let meta = nextra.ends_with('m');
                let nextra = nextra.trim_end_matches('m');
                sn.frames.push(SnapFrame {
                    func: func.parse().map_err(|_| "bad frame func")?,
                    ret_pc: ret.parse().map_err(|_| "bad frame pc")?,
                    nresults: nres.parse().map_err(|_| "bad frame nresults")?,
                    nextra: nextra.parse().map_err(|_| "bad frame nextra")?,
                    meta,
                });
                i += 1;
            }
        }
        i += 1;
    }
    Ok(sn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        let src = "\
.... SNAP #0 pc=3 [ 0:0001 2:+1.5e0 ] frames=[ 4@7/1+0 ]
0001 > int SLOAD #0
0002   num CONV 0001 $0
0003   num ADD 0002 +1.5e0
0004 > num LT 0003 +1e1
0005   --- LOOP
0006   ptr FLOAD 0001 tab.array
0007   int PHI 0001 0001
";
        let ir = parse(src).unwrap();
        assert_eq!(ir.ins.len(), 8);
        assert_eq!(ir.loop_start, Some(5));
        assert_eq!(ir.snaps[0].frames[0].ret_pc, 7);
        let out = ir.to_text();
        let again = parse(&out).unwrap();
        assert_eq!(again.to_text(), out);
        assert!(out.contains("0003   num ADD    0002 +1.5e0"), "{out}");
    }

    #[test]
    fn constants_are_interned() {
        let mut ir = Ir::new();
        let a = ir.kint(5);
        let b = ir.kint(5);
        let c = ir.knum(5.0);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.is_const());
        assert_eq!(ir.as_kint(a), Some(5));
    }

    #[test]
    fn op_table_flags() {
        assert!(Op::SLoad.is_guard() && Op::SLoad.is_load());
        assert!(Op::VStore.has_effect() && !Op::Add.has_effect());
        assert!(Op::Add.is_commutative() && !Op::Sub.is_commutative());
        assert_eq!(Op::Lt.negate_cmp(), Op::Ge);
        assert!(Op::TNew.allocates() && Op::TNew.calls());
        for op in ALL_OPS {
            assert_eq!(Op::from_name(op.name()), Some(*op));
        }
    }

    #[test]
    fn field_table_is_in_declaration_order() {
        for (i, &(f, name)) in FIELDS.iter().enumerate() {
            assert_eq!(f as usize, i);
            assert_eq!(Field::from_name(name), Some(f));
        }
    }
}
