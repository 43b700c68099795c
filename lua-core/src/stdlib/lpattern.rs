//! Lua 5.4 patterns: the matcher behind `string.find`, `string.match`, `string.gmatch` and
//! `string.gsub`.
//!
//! What it owns: parsing and matching Lua patterns over byte slices (single characters, `.`,
//! `%a`-style classes in the C locale, `%x` escapes, `[...]` sets, the quantifiers `* + - ?`,
//! anchors, captures including position captures, back-references `%1`-`%9`, `%b`, `%f`), the
//! iteration rules of `gmatch`/`gsub` (including 5.4's "no empty match right where the previous
//! match ended" rule), and the expansion of `%0`-`%9`/`%%` in gsub replacement strings.
//! It knows nothing about the VM: subjects and patterns are `&[u8]`, positions are 0-based byte
//! offsets unless a doc comment says otherwise, errors are the exact PUC message texts as
//! `String` (the caller raises them as Lua errors, without position prefix, as `luaL_error`
//! from a C function does).
//!
//! How the VM uses it:
//! - `string.find(s, p, init, plain)`: `let i = start_offset(init, s.len())`; if `i > s.len()`
//!   return fail; if `plain || !has_specials(p)` use [`find_plain`] (results `start+1`,
//!   `start+p.len()`); otherwise [`pattern_find`] and return `m.start+1`, `m.end`, then
//!   [`Match::captures`].
//! - `string.match`: [`pattern_find`] then [`Match::values`].
//! - `string.gmatch(s, p, init)`: keep a [`GMatch`] in the iterator closure (together with the
//!   two strings) and call [`GMatch::next`]; push [`Match::values`].
//! - `string.gsub(s, p, repl, n)`: [`gsub`] with a closure that, per match, appends the
//!   replacement to the output buffer (a string repl uses [`expand_replacement`], a table uses
//!   `m.capture(0)` as key, a function gets [`Match::values`]) and says whether it replaced.
//!
//! How it matches: like PUC's `match`, an interpreter walking the pattern text, recursing only
//! where PUC recurses (captures, `?`, and each continuation tried by `*`/`+`/`-`), so the
//! recursion budget runs out exactly where PUC's does. Inside the matcher "no match" is the
//! sentinel `NOMATCH` and errors are the small `PErr`, so results travel in registers.
//! Shortcuts skip work PUC does, without changing any result:
//! - *start filter*: before trying the pattern at a subject position, the scanning loops of
//!   find/match/gmatch/gsub check the first item the pattern must match there (after any
//!   leading captures); positions where it cannot match are skipped in a tight loop.
//! - *follow filter*: the continuation after a repetition (`*`, `+`, `-`) is only tried at
//!   positions where its first required item (after any `)`) can match, or, for a trailing
//!   `$`, only at the end of the subject.
//! - *run cache*: the matcher remembers the last run of a repeated item it measured; a
//!   measurement starting inside that run reuses its end.
//! - *lead-run skip*: when a pattern without back-references starts with `x*`, `x+` or `x-`
//!   and an attempt fails, the scanning loops resume after the run of `x` (see `Scan::lead`).
//!
//! A skipped attempt is one that would certainly have returned "no match" without raising an
//! error: `Matcher::follow` gives up (returns `Follow::Any`) whenever the skipped calls
//! could hit the recursion limit, the capture limit, an unclosed `)`, or a malformed item.
//!
//! Invariants: the matcher never panics and never recurses more than [`MAXCCALLS`] levels
//! (deeper patterns fail with "pattern too complex", exactly where PUC fails); single-item
//! repetitions are loops. Reading "past the end" of the pattern yields 0, which reproduces what
//! PUC's C code sees at the terminating NUL, so behaviour on odd patterns (e.g. a trailing `(`)
//! is the same. Subject positions handled by the matcher are always `<= src.len()`.
#![forbid(unsafe_code)]

/// Maximum number of captures in one pattern (LUA_MAXCAPTURES).
pub const MAXCAPTURES: usize = 32;
/// Maximum nesting of the recursive matcher (PUC's MAXCCALLS for patterns).
pub const MAXCCALLS: usize = 200;

const ESC: u8 = b'%';
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// "No match" inside the matcher (never a valid subject position).
const NOMATCH: usize = usize::MAX;

/// `Cap::len` of a capture whose `)` has not been seen yet.
const CAP_UNFINISHED: usize = usize::MAX;
/// `Cap::len` of a position capture `()`.
const CAP_POSITION: usize = usize::MAX - 1;

// C-locale ctype bits, one per class letter.
const C_ALPHA: u16 = 1 << 0;
const C_CNTRL: u16 = 1 << 1;
const C_DIGIT: u16 = 1 << 2;
const C_GRAPH: u16 = 1 << 3;
const C_LOWER: u16 = 1 << 4;
const C_PUNCT: u16 = 1 << 5;
const C_SPACE: u16 = 1 << 6;
const C_UPPER: u16 = 1 << 7;
const C_ALNUM: u16 = 1 << 8;
const C_XDIGIT: u16 = 1 << 9;
const C_ZERO: u16 = 1 << 10;

/// The ctype bits of every byte.
static CTYPE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut m = 0;
        if c.is_ascii_alphabetic() {
            m |= C_ALPHA;
        }
        if c.is_ascii_control() {
            m |= C_CNTRL;
        }
        if c.is_ascii_digit() {
            m |= C_DIGIT;
        }
        if c.is_ascii_graphic() {
            m |= C_GRAPH;
        }
        if c.is_ascii_lowercase() {
            m |= C_LOWER;
        }
        if c.is_ascii_punctuation() {
            m |= C_PUNCT;
        }
        // C's isspace includes '\v', which Rust's is_ascii_whitespace does not.
        if c == b' ' || (c >= b'\t' && c <= b'\r') {
            m |= C_SPACE;
        }
        if c.is_ascii_uppercase() {
            m |= C_UPPER;
        }
        if c.is_ascii_alphanumeric() {
            m |= C_ALNUM;
        }
        if c.is_ascii_hexdigit() {
            m |= C_XDIGIT;
        }
        if c == 0 {
            m |= C_ZERO; // `%z`: deprecated, still accepted by 5.4
        }
        t[i] = m;
        i += 1;
    }
    t
};

/// For a class letter (either case) the ctype bit it tests; 0 for every other byte.
static CLASS_BIT: [u16; 256] = {
    let mut t = [0u16; 256];
    let letters = b"acdglpsuwxz";
    let bits = [
        C_ALPHA, C_CNTRL, C_DIGIT, C_GRAPH, C_LOWER, C_PUNCT, C_SPACE, C_UPPER, C_ALNUM, C_XDIGIT,
        C_ZERO,
    ];
    let mut i = 0;
    while i < letters.len() {
        t[letters[i] as usize] = bits[i];
        t[letters[i].to_ascii_uppercase() as usize] = bits[i];
        i += 1;
    }
    t
};

/// One capture value, as Lua would push it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// A substring of the subject: byte range `start..end`.
    Span(usize, usize),
    /// A position capture `()`: the 1-based position Lua returns.
    Position(usize),
}

impl Capture {
    /// The captured bytes, or `None` for a position capture.
    pub fn bytes<'s>(&self, subject: &'s [u8]) -> Option<&'s [u8]> {
        match *self {
            Capture::Span(a, b) => subject.get(a..b),
            Capture::Position(_) => None,
        }
    }
}

/// Raw capture state while matching (PUC's `capture` entry): start offset and length, or
/// [`CAP_UNFINISHED`] / [`CAP_POSITION`] as the length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cap {
    init: usize,
    len: usize,
}

const CAP0: Cap = Cap { init: 0, len: 0 };

/// An error raised by the matcher; [`PErr::message`] gives PUC's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PErr {
    TooComplex,
    TooManyCaptures,
    InvalidPatternCapture,
    /// "invalid capture index %n" with this n.
    CaptureIndex(u8),
    EndsWithEsc,
    MissingBracket,
    MissingFBracket,
    MissingBalanceArgs,
}

impl PErr {
    fn message(self) -> String {
        match self {
            PErr::TooComplex => "pattern too complex".to_string(),
            PErr::TooManyCaptures => "too many captures".to_string(),
            PErr::InvalidPatternCapture => "invalid pattern capture".to_string(),
            PErr::CaptureIndex(n) => format!("invalid capture index %{n}"),
            PErr::EndsWithEsc => "malformed pattern (ends with '%')".to_string(),
            PErr::MissingBracket => "malformed pattern (missing ']')".to_string(),
            PErr::MissingFBracket => "missing '[' after '%f' in pattern".to_string(),
            PErr::MissingBalanceArgs => "malformed pattern (missing arguments to '%b')".to_string(),
        }
    }
}

impl From<PErr> for String {
    fn from(e: PErr) -> String {
        e.message()
    }
}

/// A successful match: the whole match `start..end` (0-based, end exclusive) and the captures.
///
/// Captures are kept raw because PUC reports some errors ("unfinished capture", "invalid capture
/// index") only when a capture is actually used; the accessors reproduce that.
#[derive(Clone, Debug)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    level: usize,
    caps: [Cap; MAXCAPTURES],
}

impl Match {
    fn empty() -> Match {
        Match {
            start: 0,
            end: 0,
            level: 0,
            caps: [CAP0; MAXCAPTURES],
        }
    }

    /// Number of captures the pattern opened (0 if it has none).
    pub fn level(&self) -> usize {
        self.level
    }

    /// Capture `i` (0-based) with `get_onecapture` semantics: when the pattern has no captures,
    /// capture 0 is the whole match; other missing indices fail with "invalid capture index
    /// %<i+1>"; a capture never closed fails with "unfinished capture".
    pub fn capture(&self, i: usize) -> Result<Capture, String> {
        if i >= self.level {
            if i != 0 {
                return Err(format!("invalid capture index %{}", i + 1));
            }
            return Ok(Capture::Span(self.start, self.end));
        }
        let c = self.caps[i];
        match c.len {
            CAP_UNFINISHED => Err("unfinished capture".to_string()),
            CAP_POSITION => Ok(Capture::Position(c.init + 1)),
            l => Ok(Capture::Span(c.init, c.init + l)),
        }
    }

    /// The explicit captures only (what `string.find` returns after the two indices).
    pub fn captures(&self) -> Result<Vec<Capture>, String> {
        (0..self.level).map(|i| self.capture(i)).collect()
    }

    /// The values `string.match`/`gmatch` and a gsub function receive: the captures, or the
    /// whole match when the pattern has none.
    pub fn values(&self) -> Result<Vec<Capture>, String> {
        (0..self.level.max(1)).map(|i| self.capture(i)).collect()
    }
}

/// PUC's `posrelatI` minus one: turns a Lua `init` argument (1-based, negative counts from the
/// end, 0 means 1) into a 0-based offset. The result may exceed `len` (then nothing matches).
pub fn start_offset(init: i64, len: usize) -> usize {
    if init > 0 {
        (init as u64 as usize).saturating_sub(1)
    } else if init == 0 || init.unsigned_abs() > len as u64 {
        0
    } else {
        len - init.unsigned_abs() as usize
    }
}

/// Does `p` contain any pattern special character? If not, `string.find` searches plainly.
pub fn has_specials(p: &[u8]) -> bool {
    p.iter().any(|c| SPECIALS.contains(c))
}

/// Plain substring search of `needle` in `hay[init..]`; returns the absolute start offset.
/// An empty needle is found at `init` (when `init <= hay.len()`).
pub fn find_plain(hay: &[u8], needle: &[u8], init: usize) -> Option<usize> {
    let rest = hay.get(init..)?;
    let Some((&first, tail)) = needle.split_first() else {
        return Some(init);
    };
    if needle.len() > rest.len() {
        return None;
    }
    let last_start = rest.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match rest[i..=last_start].iter().position(|&c| c == first) {
            None => return None,
            Some(off) => {
                let at = i + off;
                if &rest[at + 1..at + needle.len()] == tail {
                    return Some(init + at);
                }
                i = at + 1;
            }
        }
    }
    None
}

/// C-locale `ctype` classification of `c` by the class letter `cl` (`%a`, `%A`, ...); any other
/// letter matches itself.
#[inline]
fn match_class(c: u8, cl: u8) -> bool {
    let bit = CLASS_BIT[cl as usize];
    if bit == 0 {
        return cl == c;
    }
    // Only letters have a bit, and upper case ones ('A'..'Z' < 'a') negate the class.
    ((CTYPE[c as usize] & bit) != 0) != (cl < b'a')
}

/// A decoded single-character class (PUC's `singlematch` cases).
#[derive(Clone, Copy, Debug)]
enum Single {
    /// `.`
    Any,
    /// A literal byte, an escaped non-class character such as `%.`, or a one-byte set `[x]`.
    Byte(u8),
    /// Any byte but this one: a set `[^x]` with a single plain byte.
    NotByte(u8),
    /// `%a`-style class: the ctype bit and whether it is negated (`%A`).
    Class(u16, bool),
    /// `[...]`: the pattern offsets of the `[` and of the closing `]`.
    Set(usize, usize),
}

/// What [`Matcher::follow`] knows about the first subject byte a continuation needs.
#[derive(Clone, Copy, Debug)]
enum Follow {
    /// Nothing useful (or not safe to skip): try every position.
    Any,
    /// Only the end of the subject can match (a trailing `$`).
    End,
    /// The subject byte at the position must match this single class.
    Item(Single),
}

/// What the scanning loops of find/match/gmatch/gsub know about the pattern's start.
#[derive(Clone, Copy, Debug)]
struct Scan {
    /// The start filter: what the first subject byte of an attempt must be.
    first: Follow,
    /// The pattern starts (after any `(`/`()`) with a repetition `x*`, `x+` or `x-` of this
    /// single class, and has no back-reference. Then, when an attempt at `s` fails and `x`
    /// matches at `s`, the attempts at `s+1 ..` inside the same run of `x` fail too: each tries
    /// the rest of the pattern at a subset of the positions the attempt at `s` tried, with the
    /// same budget and capture layout, and without back-references the rest of the pattern
    /// does not depend on where the captures start.
    lead: Option<Single>,
    /// The pattern offset just past the lead item (its key in the run cache).
    lead_end: usize,
}

/// Does the pattern contain a back-reference `%0`-`%9` (anywhere, even inside a set: being
/// conservative only costs the lead-run shortcut)?
fn has_backref(p: &[u8]) -> bool {
    let mut i = 0;
    while i < p.len() {
        if p[i] == ESC {
            if p.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The matcher proper: subject, pattern (without a leading `^` anchor), capture stack and
/// remaining recursion budget.
struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    level: usize,
    caps: [Cap; MAXCAPTURES],
    /// The last run [`Matcher::count`] measured: the item (by its end offset in the pattern),
    /// where the run started, and where it stopped (the first byte not matching, or the end).
    /// Any start inside that span stops at the same place.
    run_item: usize,
    run_start: usize,
    run_end: usize,
}

/// A subject position, [`NOMATCH`], or an error.
type R = Result<usize, PErr>;

impl<'a> Matcher<'a> {
    fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        Matcher {
            src,
            pat,
            depth: MAXCCALLS,
            level: 0,
            caps: [CAP0; MAXCAPTURES],
            run_item: usize::MAX,
            run_start: 0,
            run_end: 0,
        }
    }

    /// Pattern byte at `i`, 0 past the end (the C terminator).
    #[inline(always)]
    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    /// One attempt from scratch at subject offset `s`.
    #[inline]
    fn attempt(&mut self, s: usize) -> R {
        self.level = 0;
        self.do_match(s, 0)
    }

    fn fill(&self, m: &mut Match, start: usize, end: usize) {
        m.start = start;
        m.end = end;
        m.level = self.level;
        m.caps[..self.level].copy_from_slice(&self.caps[..self.level]);
    }

    /// Index just past the single-character class starting at `p`.
    fn class_end(&self, mut p: usize) -> Result<usize, PErr> {
        let c = self.p(p);
        p += 1;
        if c == ESC {
            if p >= self.pat.len() {
                return Err(PErr::EndsWithEsc);
            }
            return Ok(p + 1);
        }
        if c == b'[' {
            if self.p(p) == b'^' {
                p += 1;
            }
            // The first character after '[' (or "[^") is never the closing ']'.
            loop {
                if p >= self.pat.len() {
                    return Err(PErr::MissingBracket);
                }
                let cc = self.pat[p];
                p += 1;
                if cc == ESC && p < self.pat.len() {
                    p += 1;
                }
                if self.p(p) == b']' {
                    break;
                }
            }
            return Ok(p + 1);
        }
        Ok(p)
    }

    /// Decodes the single-character class at `p` (which must be `< pat.len()`); returns it and
    /// the index just past it (where a quantifier may follow).
    #[inline]
    fn decode(&self, p: usize) -> Result<(Single, usize), PErr> {
        match self.p(p) {
            b'.' => Ok((Single::Any, p + 1)),
            ESC => {
                let Some(&cl) = self.pat.get(p + 1) else {
                    return Err(PErr::EndsWithEsc);
                };
                let bit = CLASS_BIT[cl as usize];
                let it = if bit == 0 {
                    Single::Byte(cl)
                } else {
                    Single::Class(bit, cl < b'a')
                };
                Ok((it, p + 2))
            }
            b'[' => {
                let ep = self.class_end(p)?;
                let ec = ep - 1;
                // `[x]` and `[^x]` (x not '%') are one-byte tests; see match_bracket.
                let it = match (ec - p, self.p(p + 1), self.p(p + 2)) {
                    (2, x, _) if x != ESC && x != b'^' => Single::Byte(x),
                    (3, b'^', x) if x != ESC => Single::NotByte(x),
                    _ => Single::Set(p, ec),
                };
                Ok((it, ep))
            }
            c => Ok((Single::Byte(c), p + 1)),
        }
    }

    /// Does `c` belong to the set `[...]` spanning `p` (the '[') to `ec` (the closing ']')?
    fn match_bracket(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            let pc = self.p(p);
            if pc == ESC {
                p += 1;
                if match_class(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if pc <= c && c <= self.p(p) {
                    return sig;
                }
            } else if pc == c {
                return sig;
            }
        }
        !sig
    }

    /// Does the byte `c` match the single class `it`?
    #[inline(always)]
    fn single(&self, it: Single, c: u8) -> bool {
        match it {
            Single::Any => true,
            Single::Byte(b) => b == c,
            Single::NotByte(b) => b != c,
            Single::Class(bit, neg) => ((CTYPE[c as usize] & bit) != 0) != neg,
            Single::Set(p, ec) => self.match_bracket(c, p, ec),
        }
    }

    /// Does the subject byte at `s` exist and match `it`?
    #[inline(always)]
    fn single_at(&self, s: usize, it: Single) -> bool {
        match self.src.get(s) {
            Some(&c) => self.single(it, c),
            None => false,
        }
    }

    /// How many subject bytes from `s` on (with `s <= src.len()`) match `it`, the item ending
    /// at pattern offset `ep`. Remembers the run, so scanning again from inside it is free
    /// (this makes `[^,]+$`-style searches linear instead of quadratic).
    #[inline]
    fn count(&mut self, s: usize, it: Single, ep: usize) -> usize {
        if ep == self.run_item && self.run_start <= s && s <= self.run_end {
            return self.run_end - s;
        }
        let n = self.measure(s, it);
        self.run_item = ep;
        self.run_start = s;
        self.run_end = s + n;
        n
    }

    /// The uncached part of [`Matcher::count`].
    #[inline]
    fn measure(&self, s: usize, it: Single) -> usize {
        let rest = self.src.get(s..).unwrap_or_default();
        let stop = match it {
            Single::Any => None,
            Single::Byte(b) => rest.iter().position(|&c| c != b),
            Single::NotByte(b) => rest.iter().position(|&c| c == b),
            Single::Class(bit, neg) => rest
                .iter()
                .position(|&c| ((CTYPE[c as usize] & bit) != 0) == neg),
            Single::Set(p, ec) => rest.iter().position(|&c| !self.match_bracket(c, p, ec)),
        };
        stop.unwrap_or(rest.len())
    }

    /// The first position `>= s` where `f` admits a match, or a position `> src.len()` if none.
    #[inline]
    fn next_candidate(&self, f: Follow, s: usize) -> usize {
        let len = self.src.len();
        match f {
            Follow::Any => s,
            Follow::End => {
                if s <= len {
                    len
                } else {
                    s
                }
            }
            Follow::Item(it) => match self.src.get(s..) {
                None => s,
                Some(rest) => {
                    let off = match it {
                        Single::Byte(b) => rest.iter().position(|&c| c == b),
                        _ => rest.iter().position(|&c| self.single(it, c)),
                    };
                    off.map_or(len + 1, |o| s + o)
                }
            },
        }
    }

    /// Can a continuation with first requirement `f` match at `s`?
    #[inline(always)]
    fn admits(&self, f: Follow, s: usize) -> bool {
        match f {
            Follow::Any => true,
            Follow::End => s == self.src.len(),
            Follow::Item(it) => self.single_at(s, it),
        }
    }

    /// Number of captures currently open (started, `)` not yet seen).
    fn open_captures(&self) -> usize {
        self.caps[..self.level]
            .iter()
            .filter(|c| c.len == CAP_UNFINISHED)
            .count()
    }

    /// What the first subject byte must be for `do_match(s, q)` to succeed, with the current
    /// captures and recursion budget. Leading `)` are looked through when closing them can
    /// neither fail nor exceed the budget; [`Follow::Any`] whenever a skipped call could have
    /// raised an error or could match without consuming a byte.
    fn follow(&self, mut q: usize) -> Follow {
        let mut closes = 0;
        while self.p(q) == b')' {
            closes += 1;
            q += 1;
        }
        // do_match(q) and one nested call per ')' each spend one level.
        if closes + 1 > self.depth || (closes > 0 && self.open_captures() < closes) {
            return Follow::Any;
        }
        self.first_item(q)
    }

    /// The start analysis for the scanning loops: the start filter ([`Matcher::follow`] for
    /// a fresh attempt at pattern offset 0, looking through leading `(` and `()` captures) and
    /// the lead repetition, if the pattern starts with one (see [`Scan::lead`]).
    fn scan(&self) -> Scan {
        let mut q = 0;
        let mut opened = 0;
        while self.p(q) == b'(' {
            opened += 1;
            q += if self.p(q + 1) == b')' { 2 } else { 1 };
        }
        // Each '(' needs a free capture slot and one more level of the budget.
        if opened > MAXCAPTURES || opened + 1 > MAXCCALLS {
            return Scan {
                first: Follow::Any,
                lead: None,
                lead_end: usize::MAX,
            };
        }
        let first = self.first_item(q);
        let lead = match self.pat.get(q) {
            Some(b'(' | b')') | None => None,
            Some(&ESC) if matches!(self.p(q + 1), b'b' | b'f' | b'0'..=b'9') => None,
            Some(_) => match self.decode(q) {
                Ok((it, ep))
                    if matches!(self.p(ep), b'*' | b'+' | b'-') && !has_backref(self.pat) =>
                {
                    Some((it, ep))
                }
                _ => None,
            },
        };
        Scan {
            first,
            lead: lead.map(|(it, _)| it),
            lead_end: lead.map_or(usize::MAX, |(_, ep)| ep),
        }
    }

    /// Where the scanning loops try next after the attempt at `s` failed (returned no match,
    /// not a rejected empty match): the next position the start filter admits, skipping the
    /// rest of the lead item's run (see [`Scan::lead`]).
    #[inline]
    fn resume(&self, scan: &Scan, s: usize) -> usize {
        let mut next = s + 1;
        if let Some(it) = scan.lead {
            if self.single_at(s, it) {
                // The failed attempt usually measured the run from `s` or `s + 1` already.
                let end = if self.run_item == scan.lead_end
                    && self.run_start <= next
                    && next <= self.run_end
                {
                    self.run_end
                } else {
                    s + self.measure(s, it)
                };
                next = next.max(end);
            }
        }
        self.next_candidate(scan.first, next)
    }

    /// The requirement of the plain item at `q` (after any capture marks), see `follow`.
    fn first_item(&self, q: usize) -> Follow {
        let Some(&c) = self.pat.get(q) else {
            return Follow::Any;
        };
        match c {
            b'(' | b')' => Follow::Any,
            b'$' if q + 1 == self.pat.len() => Follow::End,
            ESC if matches!(self.p(q + 1), b'b' | b'f' | b'0'..=b'9') => Follow::Any,
            _ => match self.decode(q) {
                Ok((it, ep)) if !matches!(self.p(ep), b'*' | b'?' | b'-') => Follow::Item(it),
                _ => Follow::Any,
            },
        }
    }

    /// Recursive entry (PUC's `match`): spends one level of the recursion budget.
    fn do_match(&mut self, s: usize, p: usize) -> R {
        if self.depth == 0 {
            return Err(PErr::TooComplex);
        }
        self.depth -= 1;
        let r = self.match_here(s, p);
        self.depth += 1;
        r
    }

    /// Match pattern `p..` against subject `s..`; returns the end of the match. Tail positions
    /// loop instead of recursing, so only captures, `?`, and repetitions use the budget.
    #[inline(always)]
    fn match_here(&mut self, mut s: usize, mut p: usize) -> R {
        loop {
            let Some(&pc) = self.pat.get(p) else {
                return Ok(s);
            };
            match pc {
                b'(' => {
                    return if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok(if s == self.src.len() { s } else { NOMATCH });
                }
                ESC => match self.p(p + 1) {
                    b'b' => {
                        s = self.match_balance(s, p + 2)?;
                        if s == NOMATCH {
                            return Ok(NOMATCH);
                        }
                        p += 4;
                        continue;
                    }
                    b'f' => {
                        p += 2;
                        if self.p(p) != b'[' {
                            return Err(PErr::MissingFBracket);
                        }
                        let ep = self.class_end(p)?;
                        let prev = if s == 0 { 0 } else { self.src[s - 1] };
                        let cur = self.src.get(s).copied().unwrap_or(0);
                        if !self.match_bracket(prev, p, ep - 1)
                            && self.match_bracket(cur, p, ep - 1)
                        {
                            p = ep;
                            continue;
                        }
                        return Ok(NOMATCH);
                    }
                    d @ b'0'..=b'9' => {
                        s = self.match_backref(s, d)?;
                        if s == NOMATCH {
                            return Ok(NOMATCH);
                        }
                        p += 2;
                        continue;
                    }
                    _ => {}
                },
                _ => {}
            }
            // Default: a single-character class, maybe followed by a quantifier.
            let (it, ep) = self.decode(p)?;
            let suffix = self.p(ep);
            if !self.single_at(s, it) {
                if matches!(suffix, b'*' | b'?' | b'-') {
                    p = ep + 1;
                    continue;
                }
                return Ok(NOMATCH);
            }
            match suffix {
                b'?' => {
                    let r = self.do_match(s + 1, ep + 1)?;
                    if r != NOMATCH {
                        return Ok(r);
                    }
                    p = ep + 1;
                }
                b'+' => return self.max_expand(s + 1, it, ep),
                b'*' => return self.max_expand(s, it, ep),
                b'-' => return self.min_expand(s, it, ep),
                _ => {
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    /// Greedy repetition of `it` from `s`: count the run, then back off one at a time, trying
    /// the continuation at `ep + 1` only where its first item can match.
    fn max_expand(&mut self, s: usize, it: Single, ep: usize) -> R {
        let n = self.count(s, it, ep);
        let q = ep + 1;
        match self.follow(q) {
            Follow::End => {
                if s + n == self.src.len() {
                    self.do_match(s + n, q)
                } else {
                    Ok(NOMATCH)
                }
            }
            f => {
                let mut i = n + 1;
                while i > 0 {
                    i -= 1;
                    if self.admits(f, s + i) {
                        let r = self.do_match(s + i, q)?;
                        if r != NOMATCH {
                            return Ok(r);
                        }
                    }
                }
                Ok(NOMATCH)
            }
        }
    }

    /// Lazy repetition of `it` from `s`: try the continuation first, then one more item.
    fn min_expand(&mut self, mut s: usize, it: Single, ep: usize) -> R {
        let q = ep + 1;
        let f = self.follow(q);
        loop {
            if self.admits(f, s) {
                let r = self.do_match(s, q)?;
                if r != NOMATCH {
                    return Ok(r);
                }
            }
            if self.single_at(s, it) {
                s += 1;
            } else {
                return Ok(NOMATCH);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: usize) -> R {
        if self.level >= MAXCAPTURES {
            return Err(PErr::TooManyCaptures);
        }
        self.caps[self.level] = Cap { init: s, len: what };
        self.level += 1;
        let r = self.do_match(s, p)?;
        if r == NOMATCH {
            self.level -= 1;
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> R {
        let Some(l) = (0..self.level)
            .rev()
            .find(|&l| self.caps[l].len == CAP_UNFINISHED)
        else {
            return Err(PErr::InvalidPatternCapture);
        };
        self.caps[l].len = s - self.caps[l].init;
        let r = self.do_match(s, p)?;
        if r == NOMATCH {
            self.caps[l].len = CAP_UNFINISHED;
        }
        Ok(r)
    }

    /// `%1`-`%9` (and the invalid `%0`): the text of an earlier closed capture.
    fn match_backref(&self, s: usize, digit: u8) -> R {
        let l = digit.wrapping_sub(b'1') as usize;
        if l >= self.level || self.caps[l].len == CAP_UNFINISHED {
            return Err(PErr::CaptureIndex(digit - b'0'));
        }
        let c = self.caps[l];
        // PUC compares against a position capture's negative length cast to size_t: never
        // enough subject left, so it never matches.
        if c.len == CAP_POSITION {
            return Ok(NOMATCH);
        }
        let rest = &self.src[s..];
        if rest.len() >= c.len && rest[..c.len] == self.src[c.init..c.init + c.len] {
            Ok(s + c.len)
        } else {
            Ok(NOMATCH)
        }
    }

    /// `%bxy` with `p` at `x`.
    fn match_balance(&self, s: usize, p: usize) -> R {
        if p + 1 >= self.pat.len() {
            return Err(PErr::MissingBalanceArgs);
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&open) {
            return Ok(NOMATCH);
        }
        let mut depth = 1usize;
        for (i, &c) in self.src.iter().enumerate().skip(s + 1) {
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(NOMATCH)
    }
}

/// Splits a leading `^` anchor off a pattern (find, match and gsub honour it; gmatch does not).
fn split_anchor(p: &[u8]) -> (bool, &[u8]) {
    match p.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, p),
    }
}

/// The first match of `p` in `s` at or after 0-based offset `init` (`string.find`/`match`).
/// Returns `Ok(None)` when `init > s.len()` or nothing matches.
pub fn pattern_find(s: &[u8], p: &[u8], init: usize) -> Result<Option<Match>, String> {
    if init > s.len() {
        return Ok(None);
    }
    let (anchor, pat) = split_anchor(p);
    let mut m = Matcher::new(s, pat);
    let scan = m.scan();
    let mut s1 = init;
    if anchor {
        if !m.admits(scan.first, s1) {
            return Ok(None);
        }
    } else {
        s1 = m.next_candidate(scan.first, s1);
    }
    while s1 <= s.len() {
        let e = m.attempt(s1)?;
        if e != NOMATCH {
            let mut out = Match::empty();
            m.fill(&mut out, s1, e);
            return Ok(Some(out));
        }
        if anchor {
            break;
        }
        s1 = m.resume(&scan, s1);
    }
    Ok(None)
}

/// Iteration state of one `string.gmatch` iterator. It holds only offsets; the VM keeps the
/// subject and pattern alive and passes them to every [`GMatch::next`] call.
#[derive(Clone, Debug)]
pub struct GMatch {
    pos: usize,
    lastmatch: Option<usize>,
}

impl GMatch {
    /// Starts at 0-based offset `init` (from [`start_offset`]) in a subject of length `len`.
    pub fn new(init: usize, len: usize) -> Self {
        GMatch {
            pos: init.min(len + 1),
            lastmatch: None,
        }
    }

    /// The next match, or `None` when exhausted. A `^` in `p` is an ordinary character here,
    /// as in PUC 5.4. An empty match ending where the previous match ended is skipped.
    pub fn next(&mut self, s: &[u8], p: &[u8]) -> Result<Option<Match>, String> {
        let mut m = Matcher::new(s, p);
        let scan = m.scan();
        let mut src = m.next_candidate(scan.first, self.pos);
        while src <= s.len() {
            let e = m.attempt(src)?;
            if e == NOMATCH {
                src = m.resume(&scan, src);
                continue;
            }
            if Some(e) != self.lastmatch {
                self.pos = e;
                self.lastmatch = Some(e);
                let mut out = Match::empty();
                m.fill(&mut out, src, e);
                return Ok(Some(out));
            }
            src = m.next_candidate(scan.first, src + 1);
        }
        self.pos = s.len() + 1;
        Ok(None)
    }
}

/// A gsub result that could not grow; the caller raises its memory error ("not enough
/// memory", as PUC's luaL_Buffer does) instead of the process aborting.
#[derive(Debug)]
pub struct NoMemory;

impl From<NoMemory> for String {
    fn from(_: NoMemory) -> String {
        "not enough memory".to_string()
    }
}

/// Appends `b` to the gsub output, growing it where failing is [`NoMemory`].
fn push(out: &mut Vec<u8>, b: &[u8]) -> Result<(), NoMemory> {
    out.try_reserve(b.len()).map_err(|_| NoMemory)?;
    out.extend_from_slice(b);
    Ok(())
}

/// The core of `string.gsub`: replaces up to `max_n` matches of `p` in `s`.
///
/// For each match, `repl(m, out)` appends the replacement to `out` and returns `Ok(true)`, or
/// returns `Ok(false)` without touching `out` to keep the original text (a function or table
/// replacement that gave nil/false); gsub then copies the matched text itself.
/// Returns the new string, or `None` when nothing was changed (return the original string),
/// and the number of matches. Pattern errors are converted with `E::from(String)`.
pub fn gsub<E, F>(s: &[u8], p: &[u8], max_n: i64, mut repl: F) -> Result<(Option<Vec<u8>>, i64), E>
where
    E: From<String> + From<NoMemory>,
    F: FnMut(&Match, &mut Vec<u8>) -> Result<bool, E>,
{
    let (anchor, pat) = split_anchor(p);
    let mut m = Matcher::new(s, pat);
    let scan = m.scan();
    let mut cur = Match::empty();
    let mut out = Vec::new();
    let mut src = 0;
    let mut lastmatch = None;
    let mut n = 0i64;
    let mut changed = false;
    while n < max_n {
        if !anchor {
            // Positions the start filter rejects are copied unchanged, as a failed attempt
            // would have done one byte at a time.
            let next = m.next_candidate(scan.first, src).min(s.len());
            push(&mut out, &s[src..next])?;
            src = next;
        }
        let e = if m.admits(scan.first, src) {
            m.attempt(src).map_err(|e| E::from(e.message()))?
        } else {
            NOMATCH
        };
        if e != NOMATCH && Some(e) != lastmatch {
            n += 1;
            m.fill(&mut cur, src, e);
            if repl(&cur, &mut out)? {
                changed = true;
            } else {
                push(&mut out, &s[src..e])?;
            }
            src = e;
            lastmatch = Some(e);
        } else if src < s.len() {
            // Failed attempts copy their byte unchanged; after a real failure (not a rejected
            // empty match) the rest of the lead run would fail as well.
            let next = if e == NOMATCH && !anchor {
                m.resume(&scan, src).min(s.len())
            } else {
                src + 1
            };
            push(&mut out, &s[src..next])?;
            src = next;
        } else {
            break;
        }
        if anchor {
            break;
        }
    }
    if !changed {
        return Ok((None, n));
    }
    push(&mut out, &s[src..])?;
    Ok((Some(out), n))
}

/// Appends the expansion of a gsub replacement string: `%0` is the whole match, `%1`-`%9` the
/// captures (a position capture as its decimal number), `%%` a percent sign; any other use of
/// `%` is the error "invalid use of '%' in replacement string".
pub fn expand_replacement<E: From<String> + From<NoMemory>>(
    repl: &[u8],
    s: &[u8],
    m: &Match,
    out: &mut Vec<u8>,
) -> Result<(), E> {
    let mut rest = repl;
    while let Some(i) = rest.iter().position(|&c| c == ESC) {
        push(out, &rest[..i])?;
        let c = rest.get(i + 1).copied().unwrap_or(0);
        if c == ESC {
            push(out, &[ESC])?;
        } else if c == b'0' {
            push(out, &s[m.start..m.end])?;
        } else if c.is_ascii_digit() {
            match m.capture((c - b'1') as usize).map_err(E::from)? {
                Capture::Span(a, b) => push(out, &s[a..b])?,
                Capture::Position(pos) => push(out, pos.to_string().as_bytes())?,
            }
        } else {
            return Err("invalid use of '%' in replacement string"
                .to_string()
                .into());
        }
        rest = &rest[i + 2..];
    }
    push(out, rest)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders captures as Lua would print them, tab-separated.
    fn show(s: &[u8], caps: &[Capture]) -> String {
        let v: Vec<String> = caps
            .iter()
            .map(|c| match c.bytes(s) {
                Some(b) => String::from_utf8_lossy(b).into_owned(),
                None => match c {
                    Capture::Position(p) => p.to_string(),
                    Capture::Span(..) => unreachable!(),
                },
            })
            .collect();
        v.join("\t")
    }

    /// `string.match(s, p, init)` rendered like `print` would (errors as "E:<msg>").
    fn smatch(s: &str, p: &str, init: i64) -> String {
        let s = s.as_bytes();
        match pattern_find(s, p.as_bytes(), start_offset(init, s.len())) {
            Err(e) => format!("E:{e}"),
            Ok(None) => "nil".into(),
            Ok(Some(m)) => match m.values() {
                Ok(c) => show(s, &c),
                Err(e) => format!("E:{e}"),
            },
        }
    }

    /// `string.find(s, p, init, plain)` rendered like `print`.
    fn sfind(s: &str, p: &str, init: i64, plain: bool) -> String {
        let (s, p) = (s.as_bytes(), p.as_bytes());
        let i = start_offset(init, s.len());
        if i > s.len() {
            return "nil".into();
        }
        if plain || !has_specials(p) {
            return match find_plain(s, p, i) {
                Some(a) => format!("{}\t{}", a + 1, a + p.len()),
                None => "nil".into(),
            };
        }
        match pattern_find(s, p, i) {
            Err(e) => format!("E:{e}"),
            Ok(None) => "nil".into(),
            Ok(Some(m)) => match m.captures() {
                Ok(c) if c.is_empty() => format!("{}\t{}", m.start + 1, m.end),
                Ok(c) => format!("{}\t{}\t{}", m.start + 1, m.end, show(s, &c)),
                Err(e) => format!("E:{e}"),
            },
        }
    }

    /// `string.gsub(s, p, repl_string, n)` rendered like `print`.
    fn sgsub(s: &str, p: &str, repl: &str, n: Option<i64>) -> String {
        let s = s.as_bytes();
        let n = n.unwrap_or(s.len() as i64 + 1);
        let r: Result<_, String> = gsub(s, p.as_bytes(), n, |m, out| {
            expand_replacement::<String>(repl.as_bytes(), s, m, out)?;
            Ok(true)
        });
        match r {
            Err(e) => format!("E:{e}"),
            Ok((res, k)) => format!(
                "{}\t{k}",
                String::from_utf8_lossy(res.as_deref().unwrap_or(s))
            ),
        }
    }

    fn sgmatch(s: &str, p: &str, init: i64) -> String {
        let (s, p) = (s.as_bytes(), p.as_bytes());
        let mut g = GMatch::new(start_offset(init, s.len()), s.len());
        let mut out = String::new();
        while let Some(m) = g.next(s, p).unwrap() {
            out.push_str(&show(s, &m.values().unwrap()));
            out.push(';');
        }
        out
    }

    // Expected values below were printed by PUC Lua 5.4.

    #[test]
    fn stdlib_pattern_basics() {
        assert_eq!(smatch("key = value", "(%w+)%s*=%s*(%w+)", 1), "key\tvalue");
        assert_eq!(smatch("  [[x]]", "()%[(=*)%[(.-)%]%2%]()", 1), "3\t\tx\t8");
        assert_eq!(smatch("THE (quick) fox", "%f[%a]%a+%f[%A]", 5), "quick");
        assert_eq!(sfind("x(a(b)c)y", "%b()", 1, false), "2\t8");
        assert_eq!(smatch("hello", ".-(l+)(.*)", 1), "ll\to");
        assert_eq!(smatch("aXb", "%u", 1), "X");
        assert_eq!(smatch("a\x0bb", "%s", 1), "\x0b");
        assert_eq!(smatch("a_b", "[%w_]+", 1), "a_b");
        assert_eq!(smatch("a]b", "[]]", 1), "]");
        assert_eq!(smatch("a^b", "[b^]+", 1), "^b");
        assert_eq!(smatch("a-b", "[a-]+", 1), "a-");
        assert_eq!(smatch("abc", "^(a)(b)%2", 1), "nil");
        assert_eq!(smatch("abb", "^(a)(b)%2$", 1), "a\tb");
        assert_eq!(smatch("x", "[^%a]", 1), "nil");
        assert_eq!(smatch("abc123", "%d+$", 1), "123");
        assert_eq!(smatch("a$b", "$b", 1), "$b");
        assert_eq!(smatch("aaa", "a-b", 1), "nil");
        assert_eq!(smatch("aaab", "a-b", 1), "aaab");
        assert_eq!(smatch("ab", "a?b?c?", 1), "ab");
        assert_eq!(smatch("\0a\0", "%z(.)", 1), "a");
        assert_eq!(smatch("f(a(b)c)", "%b()", 1), "(a(b)c)");
        assert_eq!(smatch("x", "()", 1), "1");
    }

    #[test]
    fn stdlib_pattern_find_positions() {
        assert_eq!(sfind("a+b", "+", 1, true), "2\t2");
        assert_eq!(sfind("a.b", ".", 2, false), "2\t2");
        assert_eq!(sfind("abc", "b", -1, false), "nil");
        assert_eq!(sfind("abc", "b", -10, false), "2\t2");
        assert_eq!(sfind("", "", 1, false), "1\t0");
        assert_eq!(sfind("abc", "", 10, false), "nil");
        assert_eq!(sfind("abc", "", 4, false), "4\t3");
        assert_eq!(sfind("abc", "a)", 1, false), "nil"); // no specials: plain search
        assert_eq!(sfind("hello", "l+", 1, false), "3\t4");
        assert_eq!(sfind("hello", "(h)(e)", 1, false), "1\t2\th\te");
        assert_eq!(find_plain(b"aaab", b"aab", 0), Some(1));
        assert_eq!(find_plain(b"ab", b"abc", 0), None);
        assert_eq!(find_plain(b"ab", b"", 2), Some(2));
        assert_eq!(find_plain(b"ab", b"", 3), None);
        assert_eq!(start_offset(i64::MIN, 5), 0);
        assert_eq!(start_offset(-2, 5), 3);
        assert_eq!(start_offset(0, 5), 0);
        assert_eq!(start_offset(7, 5), 6);
    }

    #[test]
    fn stdlib_pattern_gsub_and_gmatch() {
        assert_eq!(
            sgsub("hello world", "(o)", "[%1%1]", None),
            "hell[oo] w[oo]rld\t2"
        );
        assert_eq!(sgsub("abc", "", "-", None), "-a-b-c-\t4");
        assert_eq!(
            sgsub("hello world", "%w+", "%0 %0", Some(1)),
            "hello hello world\t1"
        );
        assert_eq!(sgsub("abc", "%w", "%%", None), "%%%\t3");
        assert_eq!(sgsub("  x  ", "^%s*", "", None), "x  \t1");
        assert_eq!(sgsub("abc d", "%w*", "x", None), "x x\t2");
        assert_eq!(sgsub("abc", "a", "%2", None), "E:invalid capture index %2");
        assert_eq!(
            sgsub("abc", "a", "%x", None),
            "E:invalid use of '%' in replacement string"
        );
        assert_eq!(
            sgsub("abc", "a", "%", None),
            "E:invalid use of '%' in replacement string"
        );
        assert_eq!(sgsub("abc", "(a", "x", None), "xbc\t1");
        assert_eq!(sgsub("abc", "()b", "%1", None), "a2c\t1");
        assert_eq!(sgsub("abc", "b", "x", Some(0)), "abc\t0");
        assert_eq!(sgmatch("a=1, b=2", "(%w+)=(%w+)", 1), "a\t1;b\t2;");
        assert_eq!(sgmatch("abc", "", 1), ";;;;");
        assert_eq!(sgmatch("^a^a", "^a", 1), "^a;^a;");
        assert_eq!(sgmatch("hello world from lua", "%a+", 7), "world;from;lua;");
        assert_eq!(sgmatch("abc", "x*", 10), "");
        // A gsub callback keeping the original text (nil/false result) counts but changes nothing.
        let r: Result<_, String> = gsub(b"abc", b"%w", 10, |_, _| Ok(false));
        assert_eq!(r.unwrap(), (None, 3));
    }

    #[test]
    fn stdlib_pattern_errors() {
        let e = |p: &str| smatch("abc", p, 1);
        assert_eq!(sfind("a", "%1", 1, false), "E:invalid capture index %1");
        assert_eq!(sfind("a", "(a)%2", 1, false), "E:invalid capture index %2");
        assert_eq!(e("%0"), "E:invalid capture index %0");
        assert_eq!(e("(a%1)"), "E:invalid capture index %1");
        assert_eq!(e("(a"), "E:unfinished capture");
        assert_eq!(sfind("abc", "(a", 1, false), "E:unfinished capture");
        assert_eq!(e("a)"), "E:invalid pattern capture");
        assert_eq!(e("%"), "E:malformed pattern (ends with '%')");
        assert_eq!(e("[a"), "E:malformed pattern (missing ']')");
        assert_eq!(e("[a%"), "E:malformed pattern (missing ']')");
        assert_eq!(e("[]"), "E:malformed pattern (missing ']')");
        assert_eq!(e("[^]"), "E:malformed pattern (missing ']')");
        assert_eq!(e("%f"), "E:missing '[' after '%f' in pattern");
        assert_eq!(e("%fa"), "E:missing '[' after '%f' in pattern");
        assert_eq!(e("%b"), "E:malformed pattern (missing arguments to '%b')");
        assert_eq!(e("%ba"), "E:malformed pattern (missing arguments to '%b')");
        // Errors only surface when the matcher reaches them.
        assert_eq!(e("x%"), "nil");
        // PUC's limits: 32 captures, 200 nested matcher calls.
        assert_eq!(smatch("x", &"()".repeat(32), 1).split('\t').count(), 32);
        assert_eq!(smatch("x", &"()".repeat(33), 1), "E:too many captures");
        let a199 = "a".repeat(199);
        assert_eq!(smatch(&a199, &"a?".repeat(199), 1), a199);
        assert_eq!(
            smatch(&"a".repeat(200), &"a?".repeat(200), 1),
            "E:pattern too complex"
        );
    }

    /// The start and follow filters skip only attempts that could neither match nor raise.
    #[test]
    fn stdlib_pattern_filters_keep_results_and_errors() {
        assert_eq!(sfind("aaa", "(a+))", 1, false), "E:invalid pattern capture");
        assert_eq!(
            sfind("aaa", "a+[b", 1, false),
            "E:malformed pattern (missing ']')"
        );
        assert_eq!(
            sfind("aaab", "a-%", 1, false),
            "E:malformed pattern (ends with '%')"
        );
        assert_eq!(smatch("ab,cd", "([^,]+)$", 1), "cd");
        assert_eq!(sfind("abc", "a*$", 1, false), "4\t3");
        assert_eq!(smatch("  x", "^%s*$", 1), "nil");
        assert_eq!(smatch("k=1 KEY=22", "(%u+)=(%d+)", 1), "KEY\t22");
        assert_eq!(smatch("aXbXXc", "(.-)XX", 1), "aXb");
        assert_eq!(sgsub("x1y22z", "%d+", "#", None), "x#y#z\t2");
        assert_eq!(sgsub("abc", "$", "!", None), "abc!\t1");
        assert_eq!(sgsub("ab1", "^%d", "!", None), "ab1\t0");
        assert_eq!(sgmatch("a1bb22", "(%a+)%d", 1), "a;bb;");
        // Lead-run skipping: off with back-references, exact with empty matches.
        assert_eq!(smatch("aaaaab", "(a+)%1b", 1), "aa");
        assert_eq!(sfind("xaaaab", "a+b", 1, false), "2\t6");
        assert_eq!(
            sgsub("00001:x=5;0.14,7.25", "(%d+)%.(%d+)", "%2.%1", None),
            "00001:x=5;14.0,25.7\t2"
        );
        assert_eq!(sgsub("baaac", "a*", "-", None), "-b-c-\t3");
        assert_eq!(sgsub("ab,cd,ef", "[^,]-$", "<%0>", None), "ab,cd,<ef>\t1");
        assert_eq!(sgmatch("aab aaab b", "a*b", 1), "aab;aaab;b;");
        // One-byte sets decode to byte tests.
        assert_eq!(smatch("a]b", "[^]]+", 1), "a");
        assert_eq!(smatch("x]]y", "[]]+", 1), "]]");
        assert_eq!(smatch("ab-c", "[^-]+$", 1), "c");
        assert_eq!(smatch("^^a", "[^^]", 1), "a");
        // The budget check still fires when the continuation is never admitted.
        let p = "a?".repeat(199) + "b*c";
        assert_eq!(
            smatch(&("a".repeat(199) + "b"), &p, 1),
            "E:pattern too complex"
        );
    }

    #[test]
    fn stdlib_pattern_long_inputs_do_not_overflow() {
        // Single-item repetitions iterate; long subjects are no problem.
        let s = "a".repeat(200_000);
        assert_eq!(smatch(&s, "a*$", 1).len(), 200_000);
        assert_eq!(smatch(&s, "^a-$", 1).len(), 200_000);
        assert_eq!(smatch(&s, "^(a+)$", 1).len(), 200_000);
        let deep = "(".repeat(100) + &")".repeat(100);
        assert_eq!(smatch(&deep, "%b()", 1).len(), 200);
        assert_eq!(smatch("x", &"(".repeat(1000), 1), "E:too many captures");
        assert_eq!(
            smatch(&"x".repeat(5000), &"x?".repeat(5000), 1),
            "E:pattern too complex"
        );
    }

    /// Random patterns and subjects over a pattern-heavy alphabet: no panics, and every
    /// successful match lies inside the subject.
    #[test]
    fn stdlib_pattern_fuzz_no_panic() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let palph = b"ab()[]^$%.*+-?%%()10bf9adsxAlp]\0";
        let salph = b"ab()[] \n0-%^$.\0\xe9";
        for _ in 0..20_000 {
            let p: Vec<u8> = (0..next(16)).map(|_| palph[next(palph.len())]).collect();
            let s: Vec<u8> = (0..next(20)).map(|_| salph[next(salph.len())]).collect();
            let init = next(s.len() + 3);
            if let Ok(Some(m)) = pattern_find(&s, &p, init) {
                assert!(m.start <= m.end && m.end <= s.len());
                if let Ok(caps) = m.values() {
                    for c in caps {
                        if let Capture::Span(a, b) = c {
                            assert!(a <= b && b <= s.len());
                        }
                    }
                }
            }
            let mut g = GMatch::new(init, s.len());
            for _ in 0..30 {
                if !matches!(g.next(&s, &p), Ok(Some(_))) {
                    break;
                }
            }
            let _ = gsub::<String, _>(&s, &p, 5, |m, out| {
                expand_replacement::<String>(b"<%0%1%2%%>", &s, m, out)?;
                Ok(true)
            });
        }
    }
}
