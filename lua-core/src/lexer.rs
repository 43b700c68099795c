//! The lexer: Lua 5.4 source bytes to tokens, with PUC Lua's error messages.
//!
//! Owns: tokens, keywords, comments, long brackets, string escapes, numerals (converted with
//! [`crate::numparse`]), line counting, and the text PUC shows after "near" in messages.
//!
//! Invariants:
//! - Any `\n`, `\r`, `\r\n` or `\n\r` is one line break; inside long strings it becomes `\n`.
//! - `Token::line` is the line the lexer is on after reading the token (PUC's
//!   `ls->linenumber`): the line of the token's last character. Parser messages and AST lines
//!   use it, exactly as PUC does.
//! - [`Token::near`] is what PUC's messages print after "near": for names, strings and
//!   numerals the scanner buffer after reading the token (the name or numeral as written; for
//!   strings the delimiters with escapes already decoded, cut at a NUL byte), otherwise the
//!   token's symbol.
//! - Never panics, on any input; every failure is a [`SyntaxError`] with PUC's wording.
//!
//! The scanner mirrors the buffer discipline of PUC's `llex.c` (characters are saved as they
//! are read and escapes rewrite the tail of the buffer) because error messages print that
//! buffer mid-token, e.g. `invalid escape sequence '\q'` shows `'"abc\q'`.

#![forbid(unsafe_code)]

use crate::error::{chunkid_bytes, SyntaxError};
use crate::numparse;
use crate::value::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    /// `//`
    IDiv,
    /// `..`
    Concat,
    /// `...`
    Dots,
    /// `==`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `~=`
    Ne,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `::`
    DbColon,
    Eos,
    Flt(f64),
    Int(i64),
    Name(String),
    Str(Vec<u8>),
    /// Any single-byte token: `+ - * ( ) { } [ ] ; , . = < > ~ # % ^ & | :` and stray bytes.
    Char(u8),
}

const RESERVED: [(&str, Tok); 22] = [
    ("and", Tok::And),
    ("break", Tok::Break),
    ("do", Tok::Do),
    ("else", Tok::Else),
    ("elseif", Tok::Elseif),
    ("end", Tok::End),
    ("false", Tok::False),
    ("for", Tok::For),
    ("function", Tok::Function),
    ("goto", Tok::Goto),
    ("if", Tok::If),
    ("in", Tok::In),
    ("local", Tok::Local),
    ("nil", Tok::Nil),
    ("not", Tok::Not),
    ("or", Tok::Or),
    ("repeat", Tok::Repeat),
    ("return", Tok::Return),
    ("then", Tok::Then),
    ("true", Tok::True),
    ("until", Tok::Until),
    ("while", Tok::While),
];

impl Tok {
    /// How messages name a token kind when it is expected (`luaX_token2str`): `'end'`,
    /// `'='`, `<name>`, `<eof>`, `'<\1>'` for control bytes.
    pub fn describe(&self) -> String {
        let fixed = |s: &str| format!("'{s}'");
        match self {
            Tok::IDiv => fixed("//"),
            Tok::Concat => fixed(".."),
            Tok::Dots => fixed("..."),
            Tok::Eq => fixed("=="),
            Tok::Ge => fixed(">="),
            Tok::Le => fixed("<="),
            Tok::Ne => fixed("~="),
            Tok::Shl => fixed("<<"),
            Tok::Shr => fixed(">>"),
            Tok::DbColon => fixed("::"),
            Tok::Eos => "<eof>".into(),
            Tok::Flt(_) => "<number>".into(),
            Tok::Int(_) => "<integer>".into(),
            Tok::Name(_) => "<name>".into(),
            Tok::Str(_) => "<string>".into(),
            Tok::Char(c) => {
                if (0x20..0x7f).contains(c) {
                    format!("'{}'", *c as char)
                } else {
                    format!("'<\\{c}>'")
                }
            }
            kw => match RESERVED.iter().find(|(_, t)| t == kw) {
                Some((s, _)) => fixed(s),
                None => "?".into(),
            },
        }
    }
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    /// The line after reading the token (see the module invariants).
    pub line: u32,
    /// Scanner text for strings and numerals (empty otherwise; a name is its own text).
    pub text: Vec<u8>,
}

impl Token {
    /// The token as messages show it after "near" (PUC's `txtToken`).
    pub fn near(&self) -> Vec<u8> {
        match &self.tok {
            Tok::Name(n) => quote_text(n.as_bytes()),
            Tok::Str(_) | Tok::Flt(_) | Tok::Int(_) => quote_text(&self.text),
            _ => self.tok.describe().into_bytes(),
        }
    }
}

/// `'text'`, cut at the first NUL as C's `%s` would; bytes kept as they are.
fn quote_text(text: &[u8]) -> Vec<u8> {
    let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
    [b"'", &text[..end], b"'"].concat()
}

/// What a lexer error prints after "near".
enum Near {
    Eof,
    Buffer,
}

/// Lines beyond this are an error, as in PUC (`MAX_INT`).
const MAX_LINE: u32 = i32::MAX as u32;

const EOZ: i32 = -1;

pub struct Lexer<'a> {
    src: &'a [u8],
    /// Index of the current character in `src`.
    pos: usize,
    line: u32,
    /// PUC's scanner buffer (see the module doc).
    buf: Vec<u8>,
    chunkid: Vec<u8>,
}

#[inline]
fn is_alpha(c: i32) -> bool {
    c >= 0 && (c as u8 == b'_' || (c as u8).is_ascii_alphabetic())
}
#[inline]
fn is_alnum(c: i32) -> bool {
    c >= 0 && (c as u8 == b'_' || (c as u8).is_ascii_alphanumeric())
}
#[inline]
fn is_digit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_digit()
}
#[inline]
fn is_xdigit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_hexdigit()
}
#[inline]
fn is_newline(c: i32) -> bool {
    c == i32::from(b'\n') || c == i32::from(b'\r')
}
#[inline]
fn is_space(c: i32) -> bool {
    c >= 0 && numparse::is_space(c as u8)
}

/// Lua's `luaO_utf8esc`: UTF-8 extended to 6 bytes for values up to 2^31 - 1.
pub fn utf8_encode(x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut bytes = [0u8; 6];
    let mut n = 0;
    let mut x = x;
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        bytes[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    let first = ((!mfb << 1) | x) as u8;
    out.push(first);
    out.extend(bytes[..n].iter().rev());
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8], chunkname: &[u8]) -> Self {
        Lexer {
            src,
            pos: 0,
            line: 1,
            buf: Vec::new(),
            chunkid: chunkid_bytes(chunkname),
        }
    }

    /// The current line (PUC's `ls->linenumber`).
    pub fn line(&self) -> u32 {
        self.line
    }

    pub fn chunkid(&self) -> &[u8] {
        &self.chunkid
    }

    /// `<chunkid>:<line>: <msg>`
    pub fn error_at(&self, line: u32, msg: impl AsRef<[u8]>) -> SyntaxError {
        let pos = format!(":{line}: ");
        SyntaxError([&self.chunkid[..], pos.as_bytes(), msg.as_ref()].concat())
    }

    fn lex_error(&self, msg: &str, near: Near) -> SyntaxError {
        let near = match near {
            Near::Eof => b"<eof>".to_vec(),
            Near::Buffer => quote_text(&self.buf),
        };
        self.error_at(self.line, [msg.as_bytes(), b" near ", &near].concat())
    }

    #[inline]
    fn cur(&self) -> i32 {
        self.src.get(self.pos).map_or(EOZ, |&c| i32::from(c))
    }

    #[inline]
    fn advance(&mut self) {
        if self.pos < self.src.len() {
            self.pos += 1;
        }
    }

    #[inline]
    fn save(&mut self, c: i32) {
        self.buf.push(c as u8);
    }

    #[inline]
    fn save_and_next(&mut self) {
        let c = self.cur();
        if c != EOZ {
            self.save(c);
        }
        self.advance();
    }

    fn check_next1(&mut self, c: u8) -> bool {
        if self.cur() == i32::from(c) {
            self.advance();
            true
        } else {
            false
        }
    }

    /// If the current char is `a` or `b`, save it and advance.
    fn check_next2(&mut self, a: u8, b: u8) -> bool {
        let c = self.cur();
        if c == i32::from(a) || c == i32::from(b) {
            self.save_and_next();
            true
        } else {
            false
        }
    }

    /// Skip one line break (`\n`, `\r`, `\n\r` or `\r\n`) and count it.
    fn inc_line(&mut self) -> Result<(), SyntaxError> {
        let old = self.cur();
        self.advance();
        if is_newline(self.cur()) && self.cur() != old {
            self.advance();
        }
        self.line += 1;
        if self.line >= MAX_LINE {
            return Err(self.error_at(self.line, "chunk has too many lines"));
        }
        Ok(())
    }

    /// Read the next token.
    pub fn next_token(&mut self) -> Result<Token, SyntaxError> {
        self.buf.clear();
        let tok = self.lex()?;
        let text = match tok {
            Tok::Str(_) | Tok::Flt(_) | Tok::Int(_) => std::mem::take(&mut self.buf),
            _ => Vec::new(),
        };
        Ok(Token {
            tok,
            line: self.line,
            text,
        })
    }

    fn lex(&mut self) -> Result<Tok, SyntaxError> {
        loop {
            let c = self.cur();
            if c == EOZ {
                return Ok(Tok::Eos);
            }
            let b = c as u8;
            match b {
                b'\n' | b'\r' => self.inc_line()?,
                b' ' | b'\x0c' | b'\t' | b'\x0b' => self.advance(),
                b'-' => {
                    self.advance();
                    if self.cur() != i32::from(b'-') {
                        return Ok(Tok::Char(b'-'));
                    }
                    self.advance();
                    if self.cur() == i32::from(b'[') {
                        let sep = self.skip_sep();
                        self.buf.clear();
                        if sep >= 2 {
                            self.read_long_string(sep, false)?;
                            self.buf.clear();
                            continue;
                        }
                    }
                    while !is_newline(self.cur()) && self.cur() != EOZ {
                        self.advance();
                    }
                }
                b'[' => {
                    let sep = self.skip_sep();
                    if sep >= 2 {
                        return self.read_long_string(sep, true).map(Tok::Str);
                    } else if sep == 0 {
                        return Err(self.lex_error("invalid long string delimiter", Near::Buffer));
                    }
                    return Ok(Tok::Char(b'['));
                }
                b'=' => {
                    self.advance();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Eq
                    } else {
                        Tok::Char(b'=')
                    });
                }
                b'<' => {
                    self.advance();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Le
                    } else if self.check_next1(b'<') {
                        Tok::Shl
                    } else {
                        Tok::Char(b'<')
                    });
                }
                b'>' => {
                    self.advance();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Ge
                    } else if self.check_next1(b'>') {
                        Tok::Shr
                    } else {
                        Tok::Char(b'>')
                    });
                }
                b'/' => {
                    self.advance();
                    return Ok(if self.check_next1(b'/') {
                        Tok::IDiv
                    } else {
                        Tok::Char(b'/')
                    });
                }
                b'~' => {
                    self.advance();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Ne
                    } else {
                        Tok::Char(b'~')
                    });
                }
                b':' => {
                    self.advance();
                    return Ok(if self.check_next1(b':') {
                        Tok::DbColon
                    } else {
                        Tok::Char(b':')
                    });
                }
                b'"' | b'\'' => return self.read_string(b).map(Tok::Str),
                b'.' => {
                    self.save_and_next();
                    if self.check_next1(b'.') {
                        return Ok(if self.check_next1(b'.') {
                            Tok::Dots
                        } else {
                            Tok::Concat
                        });
                    } else if !is_digit(self.cur()) {
                        return Ok(Tok::Char(b'.'));
                    }
                    return self.read_numeral();
                }
                b'0'..=b'9' => return self.read_numeral(),
                _ if is_alpha(c) => {
                    while is_alnum(self.cur()) {
                        self.save_and_next();
                    }
                    if let Some((_, kw)) = RESERVED.iter().find(|(s, _)| s.as_bytes() == self.buf) {
                        return Ok(kw.clone());
                    }
                    // Only ASCII letters, digits and '_' were saved.
                    return Ok(Tok::Name(String::from_utf8_lossy(&self.buf).into_owned()));
                }
                _ => {
                    self.advance();
                    return Ok(Tok::Char(b));
                }
            }
        }
    }

    /// A numeral, read liberally (digits, hex digits, dots, exponent marks with an optional
    /// sign, plus one touching letter) and then validated by `str2number`.
    fn read_numeral(&mut self) -> Result<Tok, SyntaxError> {
        // The current char is a digit (the caller may already have saved a leading '.').
        let first = self.cur();
        let (mut e1, mut e2) = (b'E', b'e');
        self.save_and_next();
        if first == i32::from(b'0') && self.check_next2(b'x', b'X') {
            (e1, e2) = (b'P', b'p');
        }
        loop {
            if self.check_next2(e1, e2) {
                self.check_next2(b'-', b'+');
            } else if is_xdigit(self.cur()) || self.cur() == i32::from(b'.') {
                self.save_and_next();
            } else {
                break;
            }
        }
        if is_alpha(self.cur()) {
            self.save_and_next(); // a numeral touching a letter: force an error
        }
        match numparse::str2number(&self.buf) {
            Some(Value::Int(i)) => Ok(Tok::Int(i)),
            Some(Value::Float(f)) => Ok(Tok::Flt(f)),
            _ => Err(self.lex_error("malformed number", Near::Buffer)),
        }
    }

    /// After a `[` or `]`: read `=*` and say what was found: the level + 2 for a well-formed
    /// `[=*[`, 1 for a lone bracket, 0 for `[=` without the second bracket.
    fn skip_sep(&mut self) -> usize {
        let s = self.cur();
        let mut count = 0;
        self.save_and_next();
        while self.cur() == i32::from(b'=') {
            self.save_and_next();
            count += 1;
        }
        if self.cur() == s {
            count + 2
        } else if count == 0 {
            1
        } else {
            0
        }
    }

    /// A long string or comment; returns the contents (for strings).
    fn read_long_string(&mut self, sep: usize, is_string: bool) -> Result<Vec<u8>, SyntaxError> {
        let start_line = self.line;
        self.save_and_next(); // second '['
        if is_newline(self.cur()) {
            self.inc_line()?;
        }
        loop {
            let c = self.cur();
            if c == EOZ {
                let what = if is_string { "string" } else { "comment" };
                let msg = format!("unfinished long {what} (starting at line {start_line})");
                return Err(self.lex_error(&msg, Near::Eof));
            } else if c == i32::from(b']') {
                if self.skip_sep() == sep {
                    self.save_and_next(); // second ']'
                    break;
                }
            } else if is_newline(c) {
                self.save(i32::from(b'\n'));
                self.inc_line()?;
                if !is_string {
                    self.buf.clear();
                }
            } else if is_string {
                self.save_and_next();
            } else {
                self.advance();
            }
        }
        if !is_string {
            return Ok(Vec::new());
        }
        let len = self.buf.len();
        Ok(self
            .buf
            .get(sep..len.saturating_sub(sep))
            .unwrap_or(&[])
            .to_vec())
    }

    /// Escape error: add the offending char (if any) to the buffer for the message.
    fn esc_error(&mut self, msg: &str) -> SyntaxError {
        if self.cur() != EOZ {
            self.save_and_next();
        }
        self.lex_error(msg, Near::Buffer)
    }

    fn hex_digit(&mut self) -> Result<u32, SyntaxError> {
        self.save_and_next();
        let c = self.cur();
        if !is_xdigit(c) {
            return Err(self.esc_error("hexadecimal digit expected"));
        }
        Ok((c as u8 as char).to_digit(16).unwrap_or(0))
    }

    fn drop_saved(&mut self, n: usize) {
        let len = self.buf.len();
        self.buf.truncate(len.saturating_sub(n));
    }

    /// `\xXX`; the buffer holds the backslash, which the caller removes.
    fn read_hex_esc(&mut self) -> Result<u8, SyntaxError> {
        let hi = self.hex_digit()?;
        let lo = self.hex_digit()?;
        self.drop_saved(2);
        Ok((hi << 4 | lo) as u8)
    }

    /// `\u{XXX}`: replaces the saved `\u{XXX` by the UTF-8 bytes.
    fn read_utf8_esc(&mut self) -> Result<(), SyntaxError> {
        let mut remove = 4; // '\', 'u', '{' and the first digit
        self.save_and_next(); // 'u'
        if self.cur() != i32::from(b'{') {
            return Err(self.esc_error("missing '{'"));
        }
        let mut r = self.hex_digit()?;
        loop {
            self.save_and_next();
            let c = self.cur();
            if !is_xdigit(c) {
                break;
            }
            remove += 1;
            if r > (0x7FFF_FFFFu32 >> 4) {
                return Err(self.esc_error("UTF-8 value too large"));
            }
            r = (r << 4) + (c as u8 as char).to_digit(16).unwrap_or(0);
        }
        if self.cur() != i32::from(b'}') {
            return Err(self.esc_error("missing '}'"));
        }
        self.advance();
        self.drop_saved(remove);
        utf8_encode(r, &mut self.buf);
        Ok(())
    }

    /// `\ddd`: up to three decimal digits.
    fn read_dec_esc(&mut self) -> Result<u8, SyntaxError> {
        let mut r: u32 = 0;
        let mut i = 0;
        while i < 3 && is_digit(self.cur()) {
            r = 10 * r + (self.cur() as u32 - u32::from(b'0'));
            self.save_and_next();
            i += 1;
        }
        if r > 255 {
            return Err(self.esc_error("decimal escape too large"));
        }
        self.drop_saved(i);
        Ok(r as u8)
    }

    fn read_string(&mut self, del: u8) -> Result<Vec<u8>, SyntaxError> {
        self.save_and_next(); // keep the delimiter for messages
        while self.cur() != i32::from(del) {
            let c = self.cur();
            if c == EOZ {
                return Err(self.lex_error("unfinished string", Near::Eof));
            }
            if is_newline(c) {
                return Err(self.lex_error("unfinished string", Near::Buffer));
            }
            if c != i32::from(b'\\') {
                self.save_and_next();
                continue;
            }
            self.save_and_next(); // keep '\' for messages
            let e = self.cur();
            if e == EOZ {
                continue; // reported as unfinished string next round
            }
            let decoded: u8 = match e as u8 {
                b'a' => 7,
                b'b' => 8,
                b'f' => 12,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'v' => 11,
                b'x' => self.read_hex_esc()?,
                b'\\' | b'"' | b'\'' => e as u8,
                b'u' => {
                    self.read_utf8_esc()?;
                    continue;
                }
                b'\n' | b'\r' => {
                    self.inc_line()?;
                    self.drop_saved(1);
                    self.save(i32::from(b'\n'));
                    continue;
                }
                b'z' => {
                    self.drop_saved(1);
                    self.advance();
                    while is_space(self.cur()) {
                        if is_newline(self.cur()) {
                            self.inc_line()?;
                        } else {
                            self.advance();
                        }
                    }
                    continue;
                }
                _ => {
                    if !is_digit(e) {
                        return Err(self.esc_error("invalid escape sequence"));
                    }
                    let v = self.read_dec_esc()?;
                    self.drop_saved(1);
                    self.save(i32::from(v));
                    continue;
                }
            };
            // Simple and hex escapes: skip the last char read, replace '\' by the byte.
            self.advance();
            self.drop_saved(1);
            self.save(i32::from(decoded));
        }
        self.save_and_next(); // closing delimiter
        let len = self.buf.len();
        Ok(self
            .buf
            .get(1..len.saturating_sub(1))
            .unwrap_or(&[])
            .to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let mut lex = Lexer::new(src.as_bytes(), b"=t");
        let mut v = Vec::new();
        loop {
            let t = lex.next_token().unwrap();
            if t.tok == Tok::Eos {
                return v;
            }
            v.push(t.tok);
        }
    }

    #[test]
    fn symbols_and_keywords() {
        use Tok::*;
        assert_eq!(
            toks("a.b..c...d// / == = ~= ~ <= << < >= >> > :: : -- x\n#"),
            vec![
                Name("a".into()),
                Char(b'.'),
                Name("b".into()),
                Concat,
                Name("c".into()),
                Dots,
                Name("d".into()),
                IDiv,
                Char(b'/'),
                Eq,
                Char(b'='),
                Ne,
                Char(b'~'),
                Le,
                Shl,
                Char(b'<'),
                Ge,
                Shr,
                Char(b'>'),
                DbColon,
                Char(b':'),
                Char(b'#'),
            ]
        );
        assert_eq!(
            toks("and or not goto _x x1 End"),
            vec![
                And,
                Or,
                Not,
                Goto,
                Name("_x".into()),
                Name("x1".into()),
                Name("End".into())
            ]
        );
        assert_eq!(
            toks("3 3.0 0x.8p1 .5 3e-2"),
            vec![Int(3), Flt(3.0), Flt(1.0), Flt(0.5), Flt(0.03)]
        );
        assert_eq!(toks("0xA--comment"), vec![Int(10)]);
        assert_eq!(
            toks("a--[==[ long\n]] ]==]b"),
            vec![Name("a".into()), Name("b".into())]
        );
    }

    #[test]
    fn describe_and_near() {
        assert_eq!(Tok::End.describe(), "'end'");
        assert_eq!(Tok::Eos.describe(), "<eof>");
        assert_eq!(Tok::Name(String::new()).describe(), "<name>");
        assert_eq!(Tok::Char(b'\x01').describe(), "'<\\1>'");
        assert_eq!(Tok::Char(0xff).describe(), "'<\\255>'");
        let mut lex = Lexer::new(b"0x1F 'a\\tb'", b"=t");
        assert_eq!(lex.next_token().unwrap().near(), b"'0x1F'");
        assert_eq!(lex.next_token().unwrap().near(), b"''a\tb''");
    }

    #[test]
    fn utf8_escapes() {
        let enc = |x: u32| {
            let mut v = Vec::new();
            utf8_encode(x, &mut v);
            v
        };
        assert_eq!(enc(0x41), b"A");
        assert_eq!(enc(0x7ff), "\u{7ff}".as_bytes());
        assert_eq!(enc(0xffff), "\u{ffff}".as_bytes());
        assert_eq!(enc(0x10ffff), "\u{10ffff}".as_bytes());
        assert_eq!(enc(0x200000), b"\xf8\x88\x80\x80\x80");
        assert_eq!(enc(0x4000000), b"\xfc\x84\x80\x80\x80\x80");
    }

    #[test]
    fn line_counting() {
        let mut lex = Lexer::new(b"a\r\nb\n\rc\r\rd\n\ne [[\n\r\n]] f", b"=t");
        let lines: Vec<u32> = std::iter::from_fn(|| {
            let t = lex.next_token().ok()?;
            (t.tok != Tok::Eos).then_some(t.line)
        })
        .collect();
        assert_eq!(lines, vec![1, 2, 3, 5, 7, 9, 9]);
    }
}
