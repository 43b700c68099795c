//! Which registers of a function hold values the rest of the function may read, at each
//! instruction: what a snapshot must restore, and what it may leave out.
//!
//! A snapshot restores every slot the trace changed; many of those are temporaries or
//! locals whose scope has ended by the time the snapshot's pc runs again. Leaving them out
//! makes exits and links store less, keeps fewer values alive, and needs fewer PHIs. But
//! "dead" must be exact from the interpreter's point of view:
//! - a register the rest of the function reads before writing is live (dataflow over the
//!   bytecode, conservative where an instruction's effect on registers depends on run time:
//!   "up to top" operands read everything above, conditional writes kill nothing);
//! - a local variable in scope stays live even if nothing reads it again, because
//!   `debug.getlocal` can see it;
//! - registers captured by a closure are always live (an upvalue may read them at any call);
//! - without debug information (stripped code) nothing is pruned.

use lua_core::opcodes::{Instr, Op};
use lua_core::proto::Proto;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

/// The liveness of the prototypes recordings met, kept from one recording to the next (side
/// traces record through the functions their parents did). Keyed by the prototype's address:
/// the weak reference held with it keeps that address from being reused, and a prototype that
/// died is recomputed if its address comes back; dead entries are dropped as the map grows.
#[derive(Default)]
pub struct LivenessCache {
    map: RefCell<HashMap<usize, CacheEntry>>,
}

/// A prototype (held weakly) and its liveness.
type CacheEntry = (Weak<Proto>, Rc<Liveness>);

impl LivenessCache {
    pub fn get(&self, p: &Rc<Proto>) -> Rc<Liveness> {
        let key = Rc::as_ptr(p) as usize;
        let mut m = self.map.borrow_mut();
        if let Some((w, l)) = m.get(&key) {
            if w.strong_count() > 0 {
                return l.clone();
            }
        }
        if m.len() >= 1024 {
            m.retain(|_, (w, _)| w.strong_count() > 0);
        }
        let l = Rc::new(Liveness::of(p));
        m.insert(key, (Rc::downgrade(p), l.clone()));
        l
    }
}

/// A set of registers (at most 256).
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct RegSet([u64; 4]);

impl RegSet {
    pub fn all() -> RegSet {
        RegSet([u64::MAX; 4])
    }
    pub fn contains(&self, r: usize) -> bool {
        r < 256 && self.0[r / 64] & (1 << (r % 64)) != 0
    }
    fn add(&mut self, r: usize) {
        if r < 256 {
            self.0[r / 64] |= 1 << (r % 64);
        }
    }
    /// Add registers `from..to` (word by word).
    fn add_range(&mut self, from: usize, to: usize) {
        let to = to.min(256);
        for (w, word) in self.0.iter_mut().enumerate() {
            let (lo, hi) = (from.max(w * 64), to.min(w * 64 + 64));
            if lo < hi {
                let n = hi - lo;
                let ones = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                *word |= ones << (lo - w * 64);
            }
        }
    }
    /// Remove every register of `o`.
    fn minus(&mut self, o: &RegSet) {
        for (w, x) in self.0.iter_mut().zip(o.0) {
            *w &= !x;
        }
    }
    fn union(&mut self, o: &RegSet) -> bool {
        let mut changed = false;
        for i in 0..4 {
            let n = self.0[i] | o.0[i];
            changed |= n != self.0[i];
            self.0[i] = n;
        }
        changed
    }
}

/// Registers each instruction reads and (certainly) writes.
fn use_def(p: &Proto, pc: usize) -> (RegSet, RegSet) {
    let i = p.code[pc];
    let (a, b, c) = (i.a(), i.b(), i.c());
    let max = p.maxstacksize as usize;
    let mut u = RegSet::default();
    let mut d = RegSet::default();
    use Op::*;
    match i.op() {
        Move | Unm | BNot | Not | Len => {
            u.add(b);
            d.add(a);
        }
        LoadI | LoadF | LoadK | LoadKX | LoadFalse | LFalseSkip | LoadTrue | GetUpval
        | GetTabUp | NewTable | Closure => d.add(a),
        LoadNil => d.add_range(a, a + b + 1),
        SetUpval | Test | Tbc => u.add(a),
        GetTable => {
            u.add(b);
            u.add(c);
            d.add(a);
        }
        GetI | GetField | AddI | AddK | SubK | MulK | ModK | PowK | DivK | IDivK | BAndK | BOrK
        | BXorK | ShrI | ShlI => {
            u.add(b);
            d.add(a);
        }
        Add | Sub | Mul | Mod | Pow | Div | IDiv | BAnd | BOr | BXor | Shl | Shr => {
            u.add(b);
            u.add(c);
            d.add(a);
        }
        SetTabUp => {
            if !i.k() {
                u.add(c);
            }
        }
        SetTable => {
            u.add(a);
            u.add(b);
            if !i.k() {
                u.add(c);
            }
        }
        SetI | SetField => {
            u.add(a);
            if !i.k() {
                u.add(c);
            }
        }
        Self_ => {
            u.add(b);
            if !i.k() {
                u.add(c);
            }
            d.add(a);
            d.add(a + 1);
        }
        Concat => {
            u.add_range(a, a + b);
            d.add(a);
        }
        Eq | Lt | Le => {
            u.add(a);
            u.add(b);
        }
        EqK | EqI | LtI | LeI | GtI | GeI => u.add(a),
        TestSet => u.add(b),
        Call => {
            if b == 0 {
                u.add_range(a, max);
            } else {
                u.add_range(a, a + b);
            }
            if c > 0 {
                d.add_range(a, a + c - 1);
            }
        }
        TailCall => u.add_range(a, if b == 0 { max } else { a + b }),
        Return => u.add_range(a, if b == 0 { max } else { a + b - 1 }),
        Return1 => u.add(a),
        ForLoop | ForPrep => u.add_range(a, a + 3),
        TForPrep => u.add_range(a, a + 4),
        TForCall => {
            u.add_range(a, a + 3);
            d.add_range(a + 4, a + 4 + c);
        }
        TForLoop => {
            u.add(a + 4);
            u.add_range(a, a + 3);
        }
        SetList => u.add_range(a, if b == 0 { max } else { a + b + 1 }),
        VarArg => {
            if c > 0 {
                d.add_range(a, a + c - 1);
            }
        }
        Close | Jmp | Return0 | VarArgPrep | ExtraArg => {}
    }
    (u, d)
}

/// Where control may go after instruction `pc`.
fn successors(p: &Proto, pc: usize) -> Succ {
    let i: Instr = p.code[pc];
    let op = i.op();
    let next = pc + 1;
    let mut s = Succ::default();
    if op.is_test() {
        if let Some(j) = p.code.get(next) {
            s.push(next + 1);
            s.push((next as i64 + 1 + j.sj() as i64) as usize);
        }
    } else if i.has_extraarg() {
        s.push(next + 1);
    } else {
        if !op.no_fallthrough() {
            s.push(next);
        }
        if op.skips_next() {
            s.push(next + 1);
        }
    }
    if let Some(t) = i.jump_target(pc) {
        s.push(t as usize);
    }
    let all = s;
    s.len = 0;
    for &x in all.as_slice() {
        if x < p.code.len() {
            s.push(x);
        }
    }
    s
}

/// The successors of one instruction (at most three: fall through, skip, jump), without
/// a heap allocation each.
#[derive(Clone, Copy, Default)]
struct Succ {
    pcs: [usize; 3],
    len: u8,
}

impl Succ {
    fn push(&mut self, pc: usize) {
        self.pcs[self.len as usize] = pc;
        self.len += 1;
    }

    fn as_slice(&self) -> &[usize] {
        &self.pcs[..self.len as usize]
    }
}

/// Live registers before each instruction of one function.
pub struct Liveness {
    live_in: Vec<RegSet>,
}

impl Liveness {
    pub fn of(p: &Proto) -> Liveness {
        let n = p.code.len();
        if p.locvars.is_empty() && p.lineinfo.is_empty() {
            // Stripped: keep everything.
            return Liveness {
                live_in: vec![RegSet::all(); n],
            };
        }
        // Registers captured by closures are live everywhere.
        let mut captured = RegSet::default();
        for sub in &p.p {
            for uv in &sub.upvalues {
                if uv.instack {
                    captured.add(uv.idx as usize);
                }
            }
        }
        let ud: Vec<(RegSet, RegSet)> = (0..n).map(|pc| use_def(p, pc)).collect();
        let succ: Vec<Succ> = (0..n).map(|pc| successors(p, pc)).collect();
        let mut live_in = vec![RegSet::default(); n];
        let mut changed = true;
        while changed {
            changed = false;
            for pc in (0..n).rev() {
                let mut out = RegSet::default();
                for &s in succ[pc].as_slice() {
                    out.union(&live_in[s]);
                }
                let (u, d) = &ud[pc];
                out.minus(d);
                out.union(u);
                out.union(&captured);
                if live_in[pc].union(&out) {
                    changed = true;
                }
            }
        }
        // Locals in scope are live (debug.getlocal sees them).
        for (pc, set) in live_in.iter_mut().enumerate() {
            let n = p.active_locals(pc).unwrap_or(256);
            set.add_range(0, n);
        }
        Liveness { live_in }
    }

    /// Registers whose values matter when the function resumes at `pc`.
    pub fn live_at(&self, pc: usize) -> RegSet {
        self.live_in.get(pc).copied().unwrap_or_else(RegSet::all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto(src: &str) -> std::rc::Rc<Proto> {
        let mut lua = lua_core::Lua::new();
        let f = lua.load(src.as_bytes(), "=t").expect("compiles");
        match f.raw() {
            lua_core::Value::LuaFn(c) => c.proto.clone(),
            _ => panic!("a Lua function"),
        }
    }

    #[test]
    fn loop_body_locals_die_after_the_loop() {
        let p = proto("local s = 0\nfor i = 1, 10 do local d = i * 2\n s = s + d end\nreturn s");
        let live = Liveness::of(&p);
        // At the RETURN, only s (register 0) is live among the low registers.
        let ret = p
            .code
            .iter()
            .position(|i| matches!(i.op(), Op::Return1 | Op::Return))
            .expect("a return");
        let at = live.live_at(ret);
        assert!(at.contains(0));
        assert!(!at.contains(5), "the loop's local d is dead after the loop");
    }
}
