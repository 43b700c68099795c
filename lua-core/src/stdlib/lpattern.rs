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
//! Invariants: the matcher never panics and never recurses more than [`MAXCCALLS`] levels
//! (deeper patterns fail with "pattern too complex", exactly where PUC fails); single-item
//! repetitions are loops. Reading "past the end" of the pattern yields 0, which reproduces what
//! PUC's C code sees at the terminating NUL, so behaviour on odd patterns (e.g. a trailing `(`)
//! is the same.
#![forbid(unsafe_code)]

/// Maximum number of captures in one pattern (LUA_MAXCAPTURES).
pub const MAXCAPTURES: usize = 32;
/// Maximum nesting of the recursive matcher (PUC's MAXCCALLS for patterns).
pub const MAXCCALLS: usize = 200;

const ESC: u8 = b'%';
const SPECIALS: &[u8] = b"^$*+?.([%-";

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

/// Raw capture state while matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RawCap {
    /// `(` seen at `init`, `)` not yet.
    Open(usize),
    Closed(usize, usize),
    Position(usize),
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
    caps: [RawCap; MAXCAPTURES],
}

impl Match {
    fn empty() -> Match {
        Match { start: 0, end: 0, level: 0, caps: [RawCap::Open(0); MAXCAPTURES] }
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
        match self.caps[i] {
            RawCap::Open(_) => Err("unfinished capture".to_string()),
            RawCap::Closed(a, l) => Ok(Capture::Span(a, a + l)),
            RawCap::Position(a) => Ok(Capture::Position(a + 1)),
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
fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        // C's isspace includes '\v', which Rust's is_ascii_whitespace does not.
        b's' => c == b' ' || (b'\t'..=b'\r').contains(&c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0, // deprecated, still accepted by 5.4
        _ => return cl == c,
    };
    if cl.is_ascii_lowercase() {
        res
    } else {
        !res
    }
}

/// The matcher proper: subject, pattern (without a leading `^` anchor), capture stack and
/// remaining recursion budget.
struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    level: usize,
    caps: [RawCap; MAXCAPTURES],
}

type MResult = Result<Option<usize>, String>;

impl<'a> Matcher<'a> {
    fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        Matcher { src, pat, depth: MAXCCALLS, level: 0, caps: [RawCap::Open(0); MAXCAPTURES] }
    }

    /// Pattern byte at `i`, 0 past the end (the C terminator).
    #[inline]
    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    /// Subject byte at `i`, 0 past the end (the C terminator).
    #[inline]
    fn s(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    /// One attempt from scratch at subject offset `s`.
    fn attempt(&mut self, s: usize) -> MResult {
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
    fn class_end(&self, mut p: usize) -> Result<usize, String> {
        let c = self.p(p);
        p += 1;
        if c == ESC {
            if p >= self.pat.len() {
                return Err("malformed pattern (ends with '%')".to_string());
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
                    return Err("malformed pattern (missing ']')".to_string());
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

    /// Does the class at `p..ep` match the subject byte at `s`?
    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.p(p) {
            b'.' => true,
            ESC => match_class(c, self.p(p + 1)),
            b'[' => self.match_bracket(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// Recursive entry: spends one level of the recursion budget.
    fn do_match(&mut self, s: usize, p: usize) -> MResult {
        if self.depth == 0 {
            return Err("pattern too complex".to_string());
        }
        self.depth -= 1;
        let r = self.match_here(s, p);
        self.depth += 1;
        r
    }

    /// Match pattern `p..` against subject `s..`; returns the end of the match. Tail positions
    /// loop instead of recursing, so only captures, `?`, and repetitions use the budget.
    fn match_here(&mut self, mut s: usize, mut p: usize) -> MResult {
        loop {
            if p >= self.pat.len() {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' => {
                    return if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, RawCap::Position(s))
                    } else {
                        self.start_capture(s, p + 1, RawCap::Open(s))
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                ESC if self.p(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(ns) => {
                        s = ns;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                ESC if self.p(p + 1) == b'f' => {
                    p += 2;
                    if self.p(p) != b'[' {
                        return Err("missing '[' after '%f' in pattern".to_string());
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 { 0 } else { self.s(s - 1) };
                    let cur = self.s(s);
                    if !self.match_bracket(prev, p, ep - 1) && self.match_bracket(cur, p, ep - 1) {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                ESC if self.p(p + 1).is_ascii_digit() => match self.match_backref(s, self.p(p + 1))? {
                    Some(ns) => {
                        s = ns;
                        p += 2;
                        continue;
                    }
                    None => return Ok(None),
                },
                _ => {
                    let ep = self.class_end(p)?;
                    let suffix = self.p(ep);
                    if !self.single_match(s, p, ep) {
                        if matches!(suffix, b'*' | b'?' | b'-') {
                            p = ep + 1;
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(r));
                            }
                            p = ep + 1;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                        }
                    }
                }
            }
        }
    }

    /// Greedy repetition: count the run, then back off one at a time.
    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> MResult {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    /// Lazy repetition: try the rest first, then one more item.
    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> MResult {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: RawCap) -> MResult {
        if self.level >= MAXCAPTURES {
            return Err("too many captures".to_string());
        }
        self.caps[self.level] = what;
        self.level += 1;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.level -= 1;
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> MResult {
        let open = (0..self.level).rev().find_map(|l| match self.caps[l] {
            RawCap::Open(init) => Some((l, init)),
            _ => None,
        });
        let Some((l, init)) = open else {
            return Err("invalid pattern capture".to_string());
        };
        self.caps[l] = RawCap::Closed(init, s - init);
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.caps[l] = RawCap::Open(init);
        }
        Ok(r)
    }

    /// `%1`-`%9` (and the invalid `%0`): the text of an earlier closed capture.
    fn match_backref(&self, s: usize, digit: u8) -> MResult {
        let l = digit as isize - b'1' as isize;
        let bad = || Err(format!("invalid capture index %{}", l + 1));
        if l < 0 || l as usize >= self.level {
            return bad();
        }
        match self.caps[l as usize] {
            RawCap::Open(_) => bad(),
            // PUC compares against a position capture's negative length cast to size_t: never
            // enough subject left, so it never matches.
            RawCap::Position(_) => Ok(None),
            RawCap::Closed(init, len) => {
                let rest = &self.src[s..];
                if rest.len() >= len && rest[..len] == self.src[init..init + len] {
                    Ok(Some(s + len))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// `%bxy` with `p` at `x`.
    fn match_balance(&self, s: usize, p: usize) -> MResult {
        if p + 1 >= self.pat.len() {
            return Err("malformed pattern (missing arguments to '%b')".to_string());
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&open) {
            return Ok(None);
        }
        let mut depth = 1usize;
        for (i, &c) in self.src.iter().enumerate().skip(s + 1) {
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
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
    let mut s1 = init;
    loop {
        if let Some(e) = m.attempt(s1)? {
            let mut out = Match::empty();
            m.fill(&mut out, s1, e);
            return Ok(Some(out));
        }
        if anchor || s1 >= s.len() {
            return Ok(None);
        }
        s1 += 1;
    }
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
        GMatch { pos: init.min(len + 1), lastmatch: None }
    }

    /// The next match, or `None` when exhausted. A `^` in `p` is an ordinary character here,
    /// as in PUC 5.4. An empty match ending where the previous match ended is skipped.
    pub fn next(&mut self, s: &[u8], p: &[u8]) -> Result<Option<Match>, String> {
        let mut m = Matcher::new(s, p);
        let mut src = self.pos;
        while src <= s.len() {
            if let Some(e) = m.attempt(src)? {
                if Some(e) != self.lastmatch {
                    self.pos = e;
                    self.lastmatch = Some(e);
                    let mut out = Match::empty();
                    m.fill(&mut out, src, e);
                    return Ok(Some(out));
                }
            }
            src += 1;
        }
        Ok(None)
    }
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
    E: From<String>,
    F: FnMut(&Match, &mut Vec<u8>) -> Result<bool, E>,
{
    let (anchor, pat) = split_anchor(p);
    let mut m = Matcher::new(s, pat);
    let mut cur = Match::empty();
    let mut out = Vec::new();
    let mut src = 0;
    let mut lastmatch = None;
    let mut n = 0i64;
    let mut changed = false;
    while n < max_n {
        match m.attempt(src)? {
            Some(e) if Some(e) != lastmatch => {
                n += 1;
                m.fill(&mut cur, src, e);
                if repl(&cur, &mut out)? {
                    changed = true;
                } else {
                    out.extend_from_slice(&s[src..e]);
                }
                src = e;
                lastmatch = Some(e);
            }
            _ if src < s.len() => {
                out.push(s[src]);
                src += 1;
            }
            _ => break,
        }
        if anchor {
            break;
        }
    }
    if !changed {
        return Ok((None, n));
    }
    out.extend_from_slice(&s[src..]);
    Ok((Some(out), n))
}

/// Appends the expansion of a gsub replacement string: `%0` is the whole match, `%1`-`%9` the
/// captures (a position capture as its decimal number), `%%` a percent sign; any other use of
/// `%` is the error "invalid use of '%' in replacement string".
pub fn expand_replacement(repl: &[u8], s: &[u8], m: &Match, out: &mut Vec<u8>) -> Result<(), String> {
    let mut rest = repl;
    while let Some(i) = rest.iter().position(|&c| c == ESC) {
        out.extend_from_slice(&rest[..i]);
        let c = rest.get(i + 1).copied().unwrap_or(0);
        if c == ESC {
            out.push(ESC);
        } else if c == b'0' {
            out.extend_from_slice(&s[m.start..m.end]);
        } else if c.is_ascii_digit() {
            match m.capture((c - b'1') as usize)? {
                Capture::Span(a, b) => out.extend_from_slice(&s[a..b]),
                Capture::Position(pos) => out.extend_from_slice(pos.to_string().as_bytes()),
            }
        } else {
            return Err("invalid use of '%' in replacement string".to_string());
        }
        rest = &rest[i + 2..];
    }
    out.extend_from_slice(rest);
    Ok(())
}
