//! Binary chunks, reading side (PUC's lundump): rebuild a prototype tree from the bytes
//! `dump` wrote, then hand it to `bcverify` so nothing unverified can run.
//!
//! ```text
//!  header   "\x1bLua" 0x54 0 "\x19\x93\r\n\x1a\n" 4 8 8 <i64 0x5678> <f64 370.5> 'R' 1 <nup>
//!  function source linedefined lastlinedefined numparams is_vararg maxstacksize
//!           code constants upvalues protos lineinfo locvars upvalue-names
//! ```
//! (drawn field by field in `dump.rs`).
//!
//! The input is untrusted. Guarantees:
//! - Every failure is an `Err` with PUC's wording, `"<name>: bad binary format (<why>)"`:
//!   "truncated chunk", "not a binary chunk", "version mismatch", "format mismatch",
//!   "corrupted chunk", "<type> size mismatch", "integer format mismatch",
//!   "float format mismatch", "integer overflow", or a verifier complaint.
//!   Never a panic.
//! - No allocation is sized by the chunk beyond what the remaining input can fill: every
//!   count is checked against the bytes left (at the minimum encoded size of one item)
//!   before a vector is reserved, so a chunk claiming 2^60 instructions fails at once with
//!   "truncated chunk".
//! - Nesting of functions is limited ([`MAX_DEPTH`]), so recursion depth is bounded.
//! - The result has passed [`crate::bcverify::verify`].
//!
//! Strings become interned Lua strings; no collection can happen while loading (the heap
//! only collects at safepoints), so the unrooted strings are safe until the caller roots
//! the closure.

#![forbid(unsafe_code)]

use crate::dump::{
    BODY_MARK, DATA, FLOAT_SIZE, FORMAT, INSTR_SIZE, INT_SIZE, K_FALSE, K_FLOAT, K_INT, K_NIL,
    K_STR, K_TRUE, TEST_FLOAT, TEST_INT, VERSION,
};
use crate::gc::Heap;
use crate::opcodes::Instr;
use crate::proto::{LocVar, Proto, UpvalDesc};
use crate::value::Value;
use std::cell::Cell;
use std::rc::Rc;

/// Deepest nesting of functions accepted (the parser's own limit is lower).
pub const MAX_DEPTH: usize = 200;

/// The name PUC's messages use for a chunk: `@f`/`=f` lose their first character, a
/// chunk name that is itself a binary string is "binary string".
fn display_name(chunkname: &[u8]) -> &[u8] {
    match chunkname.first() {
        Some(b'@' | b'=') => &chunkname[1..],
        Some(&c) if c == crate::load::BINARY_SIGNATURE[0] => b"binary string",
        _ => chunkname,
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    heap: &'a mut Heap,
}

/// Why loading failed (the part inside the parentheses of the message).
type Why = String;

fn why(s: &str) -> Why {
    s.to_string()
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn block(&mut self, n: usize) -> Result<&'a [u8], Why> {
        if n > self.remaining() {
            return Err(why("truncated chunk"));
        }
        let data: &'a [u8] = self.data;
        let b = &data[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    fn byte(&mut self) -> Result<u8, Why> {
        Ok(self.block(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Why> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.block(N)?);
        Ok(a)
    }

    /// Unsigned LEB128, at most `limit`.
    fn varint(&mut self, limit: u64) -> Result<u64, Why> {
        let mut x: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            let part = (b & 0x7f) as u64;
            if shift >= 64 || (part << shift) >> shift != part {
                return Err(why("integer overflow"));
            }
            x |= part << shift;
            if x > limit {
                return Err(why("integer overflow"));
            }
            if b & 0x80 == 0 {
                return Ok(x);
            }
            shift += 7;
        }
    }

    fn u32(&mut self) -> Result<u32, Why> {
        Ok(self.varint(u32::MAX as u64)? as u32)
    }

    /// A count of items each taking at least `min_size` bytes: bounded by the input left.
    fn count(&mut self, min_size: usize) -> Result<usize, Why> {
        let n = self.varint(u64::MAX)?;
        if n > (self.remaining() / min_size) as u64 {
            return Err(why("truncated chunk"));
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> Result<Option<&'a [u8]>, Why> {
        let n = self.varint(u64::MAX)?;
        if n == 0 {
            return Ok(None);
        }
        let len = n - 1;
        if len > self.remaining() as u64 {
            return Err(why("truncated chunk"));
        }
        self.block(len as usize).map(Some)
    }

    fn name(&mut self) -> Result<Option<Rc<str>>, Why> {
        Ok(self
            .string()?
            .map(|s| Rc::from(String::from_utf8_lossy(s).as_ref())))
    }

    fn header(&mut self) -> Result<u8, Why> {
        let sig = crate::load::BINARY_SIGNATURE;
        if self.block(sig.len())? != sig {
            return Err(why("not a binary chunk"));
        }
        if self.byte()? != VERSION {
            return Err(why("version mismatch"));
        }
        if self.byte()? != FORMAT {
            return Err(why("format mismatch"));
        }
        if self.block(DATA.len())? != DATA {
            return Err(why("corrupted chunk"));
        }
        for (size, tname) in [
            (INSTR_SIZE, "Instruction"),
            (INT_SIZE, "lua_Integer"),
            (FLOAT_SIZE, "lua_Number"),
        ] {
            if self.byte()? != size {
                return Err(format!("{tname} size mismatch"));
            }
        }
        if i64::from_le_bytes(self.array()?) != TEST_INT {
            return Err(why("integer format mismatch"));
        }
        if f64::from_le_bytes(self.array()?) != TEST_FLOAT {
            return Err(why("float format mismatch"));
        }
        if self.block(BODY_MARK.len())? != BODY_MARK {
            return Err(why(
                "body format mismatch: not written by this implementation",
            ));
        }
        self.byte()
    }

    fn function(&mut self, parent_source: &Rc<[u8]>, depth: usize) -> Result<Proto, Why> {
        if depth > MAX_DEPTH {
            return Err(why("functions nested too deeply"));
        }
        let source: Rc<[u8]> = match self.string()? {
            Some(s) => Rc::from(s),
            None => parent_source.clone(),
        };
        let mut p = Proto::new(source);
        p.linedefined = self.u32()?;
        p.lastlinedefined = self.u32()?;
        p.numparams = self.byte()?;
        p.is_vararg = match self.byte()? {
            0 => false,
            1 => true,
            _ => return Err(why("corrupted chunk")),
        };
        p.maxstacksize = self.byte()?;

        let n = self.count(4)?;
        p.code.reserve_exact(n);
        for _ in 0..n {
            p.code.push(Instr(u32::from_le_bytes(self.array()?)));
        }

        let n = self.count(1)?;
        p.k.reserve_exact(n);
        for _ in 0..n {
            let v = match self.byte()? {
                K_NIL => Value::Nil,
                K_FALSE => Value::Bool(false),
                K_TRUE => Value::Bool(true),
                K_INT => Value::Int(i64::from_le_bytes(self.array()?)),
                K_FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(self.array()?))),
                K_STR => match self.string()? {
                    Some(s) => Value::Str(self.heap.intern(s)),
                    None => return Err(why("bad format for constant string")),
                },
                _ => return Err(why("corrupted chunk")),
            };
            p.k.push(v);
        }

        let n = self.count(3)?;
        p.upvalues.reserve_exact(n);
        for _ in 0..n {
            let instack = match self.byte()? {
                0 => false,
                1 => true,
                _ => return Err(why("corrupted chunk")),
            };
            let idx = self.byte()?;
            let kind = self.byte()?;
            p.upvalues.push(UpvalDesc {
                name: None,
                instack,
                idx,
                kind,
            });
        }

        // The smallest nested function takes well over 8 bytes.
        let n = self.count(8)?;
        p.p.reserve_exact(n);
        for _ in 0..n {
            let sub = self.function(&p.source, depth + 1)?;
            p.p.push(Rc::new(sub));
        }

        let n = self.count(1)?;
        p.lineinfo.reserve_exact(n);
        for _ in 0..n {
            p.lineinfo.push(self.u32()?);
        }
        let n = self.count(3)?;
        p.locvars.reserve_exact(n);
        for _ in 0..n {
            let name = self.name()?.ok_or_else(|| why("corrupted chunk"))?;
            let startpc = self.u32()?;
            let endpc = self.u32()?;
            p.locvars.push(LocVar {
                name,
                startpc,
                endpc,
            });
        }
        let n = self.count(1)?;
        if n != 0 {
            if n != p.upvalues.len() {
                return Err(why("corrupted chunk"));
            }
            for i in 0..n {
                p.upvalues[i].name = self.name()?;
            }
        }
        p.gc_epoch = Cell::new(0);
        Ok(p)
    }
}

/// Load the binary chunk `data` (which starts with the signature) named `chunkname`;
/// the prototype returned has passed the bytecode verifier.
pub fn undump(heap: &mut Heap, data: &[u8], chunkname: &[u8]) -> Result<Proto, Vec<u8>> {
    let mut r = Reader { data, pos: 0, heap };
    let load = |r: &mut Reader| -> Result<Proto, Why> {
        let nup = r.header()?;
        // A stripped main function has no source: debug info shows "?" (PUC's "=?").
        let p = r.function(&Rc::from(&b"=?"[..]), 0)?;
        if nup as usize != p.upvalues.len() {
            return Err(why("corrupted chunk"));
        }
        crate::bcverify::verify(&p).map_err(|e| format!("bad code: {e}"))?;
        Ok(p)
    };
    load(&mut r).map_err(|w| {
        let why = format!(": bad binary format ({w})");
        [display_name(chunkname), why.as_bytes()].concat()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;

    fn compile(st: &mut State, src: &str) -> Rc<Proto> {
        match st.load_chunk(src.as_bytes(), b"=test", b"t", None) {
            Ok(Value::LuaFn(cl)) => cl.proto.clone(),
            Ok(_) => unreachable!("load returns a Lua function"),
            Err(e) => panic!("compile error: {}", String::from_utf8_lossy(&e)),
        }
    }

    const SOURCES: &[&str] = &[
        "return 1",
        "local a, b = ... return a + b, a .. b, {a, b, ...}",
        "local t = {} for i = 1, 10 do t[i] = i * 2.5 end return t",
        "for k, v in pairs({x = 1}) do print(k, v) end",
        "local x <close> = nil local y <const> = 'k' return function() return y, x end",
        "local function f(n) if n < 2 then return n end return f(n-1) + f(n-2) end return f(10)",
        "return 'a' .. 'b' .. 1 .. 2.0, -0.0, 1/0, math.huge, 0x7fffffffffffffff, nil, true, false",
        "goto l ::l:: while true do break end repeat local z = 1 until z == 1",
        "local a = {...} return select('#', ...), a[1] and a[2] or a[3]",
        "local s = 0 for i = 10, 1, -1 do s = s + i // 3 % 2 ^ 2 end return s & 3 | 4 ~ 5 << 1 >> 1",
        "local o = {} function o:m(x) return self, x end return o:m(1), #o, not o, -o.x",
    ];

    #[test]
    fn round_trip_disassembly() {
        let mut st = State::new();
        for src in SOURCES {
            let p = compile(&mut st, src);
            let bytes = crate::dump::dump(&p, false);
            let q = undump(&mut st.heap, &bytes, b"=test").expect("loads");
            assert_eq!(p.disassemble(), q.disassemble(), "{src}");
            assert_eq!(p.locvars.len(), q.locvars.len());
            assert_eq!(crate::dump::dump(&q, false), bytes, "dump is stable");
            let stripped = crate::dump::dump(&p, true);
            assert!(stripped.len() < bytes.len());
            let q = undump(&mut st.heap, &stripped, b"=test").expect("loads stripped");
            assert!(q.lineinfo.is_empty() && q.locvars.is_empty());
            assert_eq!(&*q.source, b"=?");
            assert_eq!(p.code.len(), q.code.len());
        }
    }

    #[test]
    fn every_truncation_fails() {
        let mut st = State::new();
        for src in SOURCES {
            let p = compile(&mut st, src);
            for strip in [false, true] {
                let bytes = crate::dump::dump(&p, strip);
                for n in 0..bytes.len() {
                    let e = undump(&mut st.heap, &bytes[..n], b"=t")
                        .err()
                        .expect("truncated");
                    let e = String::from_utf8_lossy(&e).into_owned();
                    assert!(e.starts_with("t: bad binary format ("), "{e}");
                }
            }
        }
    }

    #[test]
    fn header_errors() {
        let mut st = State::new();
        let p = compile(&mut st, "return 1");
        let good = crate::dump::dump(&p, false);
        let check = |st: &mut State, at: usize, b: u8, msg: &str| {
            let mut bad = good.clone();
            bad[at] = b;
            let e = undump(&mut st.heap, &bad, b"@f.lua").err().expect("bad");
            let e = String::from_utf8_lossy(&e).into_owned();
            assert_eq!(e, format!("f.lua: bad binary format ({msg})"));
        };
        check(&mut st, 1, b'X', "not a binary chunk");
        check(&mut st, 4, 0x53, "version mismatch");
        check(&mut st, 5, 1, "format mismatch");
        check(&mut st, 8, b'\n', "corrupted chunk");
        check(&mut st, 12, 8, "Instruction size mismatch");
        check(&mut st, 13, 4, "lua_Integer size mismatch");
        check(&mut st, 15, 0x79, "integer format mismatch");
        check(&mut st, 30, 0, "float format mismatch");
        check(
            &mut st,
            31,
            b'Q',
            "body format mismatch: not written by this implementation",
        );
        let e = undump(&mut st.heap, &good[..20], &good)
            .err()
            .expect("name");
        let e = String::from_utf8_lossy(&e).into_owned();
        assert!(e.starts_with("binary string: "), "{e}");
    }

    #[test]
    fn huge_counts_fail_fast() {
        let mut st = State::new();
        let p = compile(&mut st, "return 1");
        let good = crate::dump::dump(&p, true);
        // Header (34 bytes), source (absent), linedefined, lastlinedefined, 3 bytes, then
        // the instruction count: claim 2^60 instructions.
        let at = 34 + 1 + 1 + 1 + 3;
        let mut bad = good[..at].to_vec();
        let mut n: u64 = 1 << 60;
        while n >= 0x80 {
            bad.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        bad.push(n as u8);
        bad.extend_from_slice(&good[at + 1..]);
        let e = undump(&mut st.heap, &bad, b"=x").err().expect("huge");
        let e = String::from_utf8_lossy(&e).into_owned();
        assert_eq!(e, "x: bad binary format (truncated chunk)");
        // An over-long varint.
        let mut bad = good[..at].to_vec();
        bad.extend_from_slice(&[0xff; 12]);
        let e = undump(&mut st.heap, &bad, b"=x").err().expect("overflow");
        let e = String::from_utf8_lossy(&e).into_owned();
        assert_eq!(e, "x: bad binary format (integer overflow)");
    }

    /// A tiny deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// A table with a few harmless globals for mutated code (no output, no OS access).
    fn sandbox(st: &mut State) -> Value {
        let env = compile(
            st,
            "return {pairs = pairs, select = select, type = type, tostring = tostring, \
             pcall = pcall, error = error, setmetatable = setmetatable}",
        );
        let env = st.make_main_closure(env, None);
        let top = st.ts().top;
        st.push(env);
        st.pcall_at(top, 1, None).expect("no error").expect("env");
        let t = st.ts().stack[top];
        st.ts().top = top;
        t
    }

    /// Sets the interrupt flag every few milliseconds until dropped, so mutated loops
    /// cannot spin forever (interrupts are checked at loop back-edges).
    struct Watchdog(
        std::sync::Arc<std::sync::atomic::AtomicBool>,
        Option<std::thread::JoinHandle<()>>,
    );
    impl Watchdog {
        fn new(st: &State) -> Watchdog {
            use std::sync::atomic::Ordering::Relaxed;
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (s, flag) = (stop.clone(), st.interrupt.clone());
            let h = std::thread::spawn(move || {
                while !s.load(Relaxed) {
                    flag.store(true, Relaxed);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            });
            Watchdog(stop, Some(h))
        }
    }
    impl Drop for Watchdog {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(h) = self.1.take() {
                let _ = h.join();
            }
        }
    }

    fn has_tailcall(p: &Proto) -> bool {
        p.code
            .iter()
            .any(|i| i.op() == crate::opcodes::Op::TailCall)
            || p.p.iter().any(|q| has_tailcall(q))
    }

    /// Verify-then-run, as `load` does; returns whether it ran. An endless tail-call loop
    /// has no back-edge to interrupt (as in PUC), so chunks with TAILCALL only load.
    fn run_mutant(st: &mut State, q: Proto, env: Value) -> bool {
        crate::bcverify::verify(&q).expect("a loaded chunk is verified");
        if has_tailcall(&q) {
            return false;
        }
        let f = st.make_main_closure(Rc::new(q), Some(env));
        let top = st.ts().top;
        st.push(f);
        let _ = st.pcall_at(top, 0, None);
        st.ts().top = top;
        true
    }

    #[test]
    fn random_flips_fail_or_verify_and_run_safely() {
        let mut st = State::new();
        let env = sandbox(&mut st);
        let _wd = Watchdog::new(&st);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut loaded, mut ran) = (0, 0);
        for src in SOURCES {
            let p = compile(&mut st, src);
            let good = crate::dump::dump(&p, false);
            for _ in 0..1000 {
                let mut bad = good.clone();
                let flips = 1 + rng.next() % 3;
                for _ in 0..flips {
                    let at = (rng.next() % bad.len() as u64) as usize;
                    bad[at] ^= 1 << (rng.next() % 8);
                }
                let Ok(q) = undump(&mut st.heap, &bad, b"=fuzz") else {
                    continue;
                };
                loaded += 1;
                ran += run_mutant(&mut st, q, env) as usize;
            }
        }
        assert!(loaded > 0 && ran > 0, "{loaded} loaded, {ran} ran");
    }

    /// Instruction-level mutations (random operands, opcodes and whole words) reach the
    /// verifier far more often than byte flips; whatever it accepts must run safely, also
    /// with a collection at every safepoint.
    #[test]
    fn mutated_instructions_are_rejected_or_run_safely() {
        let mut st = State::new();
        let env = sandbox(&mut st);
        let _wd = Watchdog::new(&st);
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut accepted, mut ran) = (0, 0);
        for (n, src) in SOURCES.iter().enumerate() {
            st.heap.stress = n % 2 == 1;
            let p = compile(&mut st, src);
            let good = crate::dump::dump(&p, false);
            for _ in 0..3000 {
                let mut q = undump(&mut st.heap, &good, b"=mut").expect("loads");
                // Pick the main function or one nested level down.
                let target: &mut Proto = if !q.p.is_empty() && rng.next().is_multiple_of(2) {
                    let j = (rng.next() % q.p.len() as u64) as usize;
                    Rc::get_mut(&mut q.p[j]).expect("fresh prototype")
                } else {
                    &mut q
                };
                let at = (rng.next() % target.code.len() as u64) as usize;
                let r = rng.next();
                let ins = &mut target.code[at];
                match r % 6 {
                    0 => ins.0 = (r >> 8) as u32,
                    1 => ins.0 = (ins.0 & !0x7f) | ((r >> 8) as u32 % 0x80),
                    2 => ins.set_a((r >> 8) as u32 & 0xff),
                    3 => ins.set_b((r >> 8) as u32 & 0xff),
                    4 => ins.set_c((r >> 8) as u32 & 0xff),
                    _ => ins.0 ^= 1 << ((r >> 8) % 32),
                }
                if r.is_multiple_of(7) {
                    target.maxstacksize = (r >> 40) as u8;
                }
                if crate::bcverify::verify(&q).is_err() {
                    continue;
                }
                accepted += 1;
                ran += run_mutant(&mut st, q, env) as usize;
            }
        }
        st.heap.stress = false;
        eprintln!("{accepted} mutants accepted, {ran} ran");
        assert!(accepted > 0 && ran > 0);
    }
}
