//! Binary chunks, writing side (PUC's ldump): serialise a prototype tree for `string.dump`.
//!
//! The header is PUC 5.4's, field for field (so tools and tests that check it agree), then
//! a body mark ('R', 1) says the rest is our own format: a PUC chunk is rejected there with
//! "body format mismatch" instead of being misread, and PUC rejects ours (its function
//! starts with a string size where our mark is). `undump` reads it back and `bcverify` checks
//! the result before it can run; this module trusts its input (a prototype our compiler or
//! our loader made).
//!
//! ```text
//!  header
//!  +------+----+----+-------------------+----+----+----+----------+----------+------+-------+
//!  |\x1bLua|0x54|0   |\x19\x93\r\n\x1a\n | 4  | 8  | 8  | int 0x5678| f64 370.5| 'R' 1| nup u8|
//!  +------+----+----+-------------------+----+----+----+----------+----------+------+-------+
//!   sig    ver  fmt   LUAC_DATA (catches  sizes: instr, integer, float;   body    upvalues
//!                     text-mode mangling) the two test values are little-  mark    of the main
//!                                         endian and catch other builds   (ours)  function
//!  function (recursive)
//!  +--------+-----------+---------------+-------+--------+--------+
//!  | source | linedef v | lastlinedef v | np u8 | va u8  | mss u8 |
//!  +--------+-----------+---------------+-------+--------+--------+
//!  | code:      n v, n x u32 LE                                   |
//!  | constants: n v, n x (tag u8, payload)                        |
//!  |    tag 0 nil | 1 false | 2 true | 3 int i64 LE | 4 float f64 LE | 5 string |
//!  | upvalues:  n v, n x (instack u8, idx u8, kind u8)            |
//!  | protos:    n v, n x function                                 |
//!  | lineinfo:  n v (0 when stripped, else #code), n x line v     |
//!  | locvars:   n v, n x (name string, startpc v, endpc v)        |
//!  | upvalue names: n v (0 when stripped, else #upvalues), n x string |
//!  +--------------------------------------------------------------+
//!  v      = unsigned LEB128 varint (7 bits a byte, low first, high bit = more)
//!  string = v (length + 1; 0 = absent) followed by the bytes
//!  source = string; absent when stripped or when equal to the enclosing function's
//! ```
//!
//! Upvalue *values* are not saved (as in PUC): a loaded function gets fresh upvalues, the
//! first one `_ENV`.

#![forbid(unsafe_code)]

use crate::proto::Proto;
use crate::value::Value;

/// Version byte (Lua 5.4).
pub const VERSION: u8 = 0x54;
/// Format byte: PUC's official 0 (our own body is announced by `BODY_MARK`).
pub const FORMAT: u8 = 0;
/// After PUC's header: our body format and its version.
pub const BODY_MARK: [u8; 2] = [b'R', 1];
/// Bytes that text-mode transfers tend to mangle (as PUC's LUAC_DATA).
pub const DATA: &[u8] = b"\x19\x93\r\n\x1a\n";
/// Size checks: instruction, integer, float.
pub const INSTR_SIZE: u8 = 4;
pub const INT_SIZE: u8 = 8;
pub const FLOAT_SIZE: u8 = 8;
/// Test values that catch a different integer or float representation.
pub const TEST_INT: i64 = 0x5678;
pub const TEST_FLOAT: f64 = 370.5;

/// Constant tags.
pub const K_NIL: u8 = 0;
pub const K_FALSE: u8 = 1;
pub const K_TRUE: u8 = 2;
pub const K_INT: u8 = 3;
pub const K_FLOAT: u8 = 4;
pub const K_STR: u8 = 5;

struct Writer {
    out: Vec<u8>,
    strip: bool,
}

impl Writer {
    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn varint(&mut self, mut x: u64) {
        loop {
            let b = (x & 0x7f) as u8;
            x >>= 7;
            if x == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }

    fn string(&mut self, s: Option<&[u8]>) {
        match s {
            None => self.varint(0),
            Some(s) => {
                self.varint(s.len() as u64 + 1);
                self.out.extend_from_slice(s);
            }
        }
    }

    fn header(&mut self, nupvals: usize) {
        self.out.extend_from_slice(crate::load::BINARY_SIGNATURE);
        self.byte(VERSION);
        self.byte(FORMAT);
        self.out.extend_from_slice(DATA);
        self.byte(INSTR_SIZE);
        self.byte(INT_SIZE);
        self.byte(FLOAT_SIZE);
        self.out.extend_from_slice(&TEST_INT.to_le_bytes());
        self.out.extend_from_slice(&TEST_FLOAT.to_le_bytes());
        self.out.extend_from_slice(&BODY_MARK);
        // A prototype has at most 255 upvalues (the compiler's limit); the loader checks
        // this byte against the prototype's own count.
        self.byte(nupvals.min(255) as u8);
    }

    fn function(&mut self, p: &Proto, parent_source: Option<&[u8]>) {
        let src: &[u8] = &p.source;
        if self.strip || parent_source == Some(src) {
            self.string(None);
        } else {
            self.string(Some(src));
        }
        self.varint(p.linedefined as u64);
        self.varint(p.lastlinedefined as u64);
        self.byte(p.numparams);
        self.byte(p.is_vararg as u8);
        self.byte(p.maxstacksize);

        self.varint(p.code.len() as u64);
        for i in &p.code {
            self.out.extend_from_slice(&i.0.to_le_bytes());
        }

        self.varint(p.k.len() as u64);
        for k in &p.k {
            match *k {
                Value::Bool(false) => self.byte(K_FALSE),
                Value::Bool(true) => self.byte(K_TRUE),
                Value::Int(n) => {
                    self.byte(K_INT);
                    self.out.extend_from_slice(&n.to_le_bytes());
                }
                Value::Float(f) => {
                    self.byte(K_FLOAT);
                    self.out.extend_from_slice(&f.to_bits().to_le_bytes());
                }
                Value::Str(s) => {
                    self.byte(K_STR);
                    self.string(Some(s.as_bytes()));
                }
                // Prototypes hold only nil, booleans, numbers and strings (proto.rs).
                _ => self.byte(K_NIL),
            }
        }

        self.varint(p.upvalues.len() as u64);
        for u in &p.upvalues {
            self.byte(u.instack as u8);
            self.byte(u.idx);
            self.byte(u.kind);
        }

        self.varint(p.p.len() as u64);
        for sub in &p.p {
            // Nested functions share their parent's source unless it was stripped.
            self.function(sub, if self.strip { None } else { Some(src) });
        }

        if self.strip {
            self.varint(0);
            self.varint(0);
            self.varint(0);
            return;
        }
        self.varint(p.lineinfo.len() as u64);
        for &l in &p.lineinfo {
            self.varint(l as u64);
        }
        self.varint(p.locvars.len() as u64);
        for lv in &p.locvars {
            self.string(Some(lv.name.as_bytes()));
            self.varint(lv.startpc as u64);
            self.varint(lv.endpc as u64);
        }
        self.varint(p.upvalues.len() as u64);
        for u in &p.upvalues {
            self.string(u.name.as_deref().map(str::as_bytes));
        }
    }
}

/// Serialise `p` (a main function or any nested one) as a binary chunk; `strip` leaves out
/// the source name, line info, local variable and upvalue names.
pub fn dump(p: &Proto, strip: bool) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::new(),
        strip,
    };
    w.header(p.upvalues.len());
    w.function(p, None);
    w.out
}
