//! A small Lua parser used only by the compiler's tests (the real parser lives elsewhere).
//! It follows ast.rs's line rules; error handling is minimal (tests feed valid programs).

use crate::ast::*;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Str(Vec<u8>),
    Int(i64),
    Flt(f64),
    Sym(&'static str),
    Eof,
}

const SYMS: &[&str] = &[
    "...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::", "+", "-", "*", "/", "%", "^", "#",
    "&", "~", "|", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ":", ",", ".",
];

fn lex(src: &str) -> Vec<(Tok, u32)> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    let long_bracket = |i: usize| -> Option<usize> {
        // returns level if b[i..] starts a long bracket
        if b.get(i) != Some(&b'[') {
            return None;
        }
        let mut j = i + 1;
        while b.get(j) == Some(&b'=') {
            j += 1;
        }
        if b.get(j) == Some(&b'[') {
            Some(j - i - 1)
        } else {
            None
        }
    };
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i += 2;
            if let Some(lvl) = long_bracket(i) {
                let close = format!("]{}]", "=".repeat(lvl));
                let rest = &src[i..];
                let end = rest.find(&close).unwrap();
                line += rest[..end].matches('\n').count() as u32;
                i += end + close.len();
            } else {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            continue;
        }
        let tline = line;
        if c.is_ascii_alphabetic() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Name(src[s..i].to_string()), tline));
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let s = i;
            if c == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
                i += 2;
                let mut v: u64 = 0;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v
                        .wrapping_mul(16)
                        .wrapping_add((b[i] as char).to_digit(16).unwrap() as u64);
                    i += 1;
                }
                out.push((Tok::Int(v as i64), tline));
                continue;
            }
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            let t = &src[s..i];
            let tok = match t.parse::<i64>() {
                Ok(v) => Tok::Int(v),
                Err(_) => Tok::Flt(t.parse::<f64>().unwrap()),
            };
            out.push((tok, tline));
            continue;
        }
        if c == b'"' || c == b'\'' {
            i += 1;
            let mut s = Vec::new();
            while b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                    match b[i] {
                        b'n' => s.push(b'\n'),
                        b't' => s.push(b'\t'),
                        b'\\' => s.push(b'\\'),
                        b'"' => s.push(b'"'),
                        b'\'' => s.push(b'\''),
                        b'x' => {
                            s.push(u8::from_str_radix(&src[i + 1..i + 3], 16).unwrap());
                            i += 2;
                        }
                        d if d.is_ascii_digit() => {
                            let st = i;
                            while i < b.len() && i < st + 3 && b[i].is_ascii_digit() {
                                i += 1;
                            }
                            s.push(src[st..i].parse::<u32>().unwrap() as u8);
                            continue;
                        }
                        o => s.push(o),
                    }
                    i += 1;
                } else {
                    s.push(b[i]);
                    i += 1;
                }
            }
            i += 1;
            out.push((Tok::Str(s), tline));
            continue;
        }
        if let Some(lvl) = long_bracket(i) {
            let close = format!("]{}]", "=".repeat(lvl));
            i += lvl + 2;
            if b.get(i) == Some(&b'\n') {
                i += 1;
                line += 1;
            }
            let rest = &src[i..];
            let end = rest.find(&close).unwrap();
            line += rest[..end].matches('\n').count() as u32;
            out.push((Tok::Str(rest.as_bytes()[..end].to_vec()), tline));
            i += end + close.len();
            continue;
        }
        let sym = SYMS
            .iter()
            .find(|s| src[i..].starts_with(**s))
            .unwrap_or_else(|| panic!("bad char {}", c as char));
        i += sym.len();
        out.push((Tok::Sym(sym), tline));
    }
    out.push((Tok::Eof, line));
    out
}

struct P {
    toks: Vec<(Tok, u32)>,
    pos: usize,
}

const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

impl P {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn peek2(&self) -> &Tok {
        &self.toks[(self.pos + 1).min(self.toks.len() - 1)].0
    }
    fn line(&self) -> u32 {
        self.toks[self.pos].1
    }
    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn is_kw(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == k)
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }
    fn test_kw(&mut self, k: &str) -> bool {
        if self.is_kw(k) {
            self.next();
            true
        } else {
            false
        }
    }
    fn test_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.next();
            true
        } else {
            false
        }
    }
    fn check_kw(&mut self, k: &str) {
        assert!(self.test_kw(k), "expected {k} at line {}", self.line());
    }
    fn check_sym(&mut self, s: &str) {
        assert!(
            self.test_sym(s),
            "expected {s} at line {} got {:?}",
            self.line(),
            self.peek()
        );
    }
    fn name(&mut self) -> String {
        match self.next() {
            Tok::Name(n) if !KEYWORDS.contains(&n.as_str()) => n,
            t => panic!("name expected, got {t:?}"),
        }
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match self.peek() {
            Tok::Eof => true,
            Tok::Name(n) => {
                n == "else" || n == "elseif" || n == "end" || (with_until && n == "until")
            }
            _ => false,
        }
    }

    fn block(&mut self) -> Block {
        let mut stats = Vec::new();
        let mut ret = None;
        while !self.block_follow(true) {
            if self.is_kw("return") {
                let line = self.line();
                self.next();
                let exprs = if self.block_follow(true) || self.is_sym(";") {
                    vec![]
                } else {
                    self.explist()
                };
                self.test_sym(";");
                ret = Some((exprs, line));
                break;
            }
            if let Some(s) = self.statement() {
                stats.push(s);
            }
        }
        Block {
            stats,
            ret,
            end_line: self.line(),
        }
    }

    fn statement(&mut self) -> Option<Stat> {
        let line = self.line();
        if self.test_sym(";") {
            return None;
        }
        if self.test_sym("::") {
            let name = self.name();
            self.check_sym("::");
            return Some(Stat::Label { name, line });
        }
        let Tok::Name(kw) = self.peek().clone() else {
            return Some(self.exprstat());
        };
        Some(match kw.as_str() {
            "if" => {
                let mut conds = Vec::new();
                self.next();
                let c = self.expr();
                self.check_kw("then");
                let b = self.block();
                conds.push((c, b));
                let mut else_ = None;
                loop {
                    if self.test_kw("elseif") {
                        let c = self.expr();
                        self.check_kw("then");
                        let b = self.block();
                        conds.push((c, b));
                    } else if self.test_kw("else") {
                        else_ = Some(self.block());
                        self.check_kw("end");
                        break;
                    } else {
                        self.check_kw("end");
                        break;
                    }
                }
                Stat::If { conds, else_, line }
            }
            "while" => {
                self.next();
                let cond = self.expr();
                self.check_kw("do");
                let body = self.block();
                self.check_kw("end");
                Stat::While { cond, body, line }
            }
            "do" => {
                self.next();
                let b = self.block();
                self.check_kw("end");
                Stat::Do(b)
            }
            "for" => {
                self.next();
                let n1 = self.name();
                if self.test_sym("=") {
                    let start = self.expr();
                    self.check_sym(",");
                    let limit = self.expr();
                    let step = if self.test_sym(",") {
                        Some(self.expr())
                    } else {
                        None
                    };
                    self.check_kw("do");
                    let body = self.block();
                    self.check_kw("end");
                    Stat::NumFor {
                        var: n1,
                        start,
                        limit,
                        step,
                        body,
                        line,
                    }
                } else {
                    let mut names = vec![n1];
                    while self.test_sym(",") {
                        names.push(self.name());
                    }
                    self.check_kw("in");
                    let exprs = self.explist();
                    self.check_kw("do");
                    let body = self.block();
                    self.check_kw("end");
                    Stat::GenFor {
                        names,
                        exprs,
                        body,
                        line,
                    }
                }
            }
            "repeat" => {
                self.next();
                let body = self.block();
                self.check_kw("until");
                let cond = self.expr();
                Stat::Repeat { body, cond, line }
            }
            "function" => {
                self.next();
                let mut path = vec![self.name()];
                while self.test_sym(".") {
                    path.push(self.name());
                }
                let method = if self.test_sym(":") {
                    Some(self.name())
                } else {
                    None
                };
                let func = Box::new(self.body(method.is_some(), line));
                Stat::Function {
                    path,
                    method,
                    func,
                    line,
                }
            }
            "local" => {
                self.next();
                if self.test_kw("function") {
                    let name = self.name();
                    let func = Box::new(self.body(false, line));
                    Stat::LocalFunction { name, func, line }
                } else {
                    let mut names = Vec::new();
                    loop {
                        let n = self.name();
                        let a = if self.test_sym("<") {
                            let a = self.name();
                            self.check_sym(">");
                            if a == "const" {
                                Attrib::Const
                            } else {
                                Attrib::Close
                            }
                        } else {
                            Attrib::None
                        };
                        names.push((n, a));
                        if !self.test_sym(",") {
                            break;
                        }
                    }
                    let exprs = if self.test_sym("=") {
                        self.explist()
                    } else {
                        vec![]
                    };
                    Stat::Local { names, exprs, line }
                }
            }
            "break" => {
                self.next();
                Stat::Break { line }
            }
            "goto" => {
                self.next();
                let label = self.name();
                Stat::Goto { label, line }
            }
            _ => self.exprstat(),
        })
    }

    fn exprstat(&mut self) -> Stat {
        let e = self.suffixedexp();
        if self.is_sym("=") || self.is_sym(",") {
            let mut targets = vec![e];
            while self.test_sym(",") {
                targets.push(self.suffixedexp());
            }
            let line = self.line();
            self.check_sym("=");
            let exprs = self.explist();
            Stat::Assign {
                targets,
                exprs,
                line,
            }
        } else {
            Stat::Call(e)
        }
    }

    fn body(&mut self, is_method: bool, line: u32) -> FuncBody {
        self.check_sym("(");
        let mut params = Vec::new();
        let mut is_vararg = false;
        if !self.is_sym(")") {
            loop {
                if self.test_sym("...") {
                    is_vararg = true;
                    break;
                }
                params.push(self.name());
                if !self.test_sym(",") {
                    break;
                }
            }
        }
        self.check_sym(")");
        let body = self.block();
        let end_line = self.line();
        self.check_kw("end");
        FuncBody {
            params,
            is_vararg,
            is_method,
            body,
            line,
            end_line,
        }
    }

    fn explist(&mut self) -> Vec<Expr> {
        let mut v = vec![self.expr()];
        while self.test_sym(",") {
            v.push(self.expr());
        }
        v
    }

    fn primaryexp(&mut self) -> Expr {
        let line = self.line();
        if self.test_sym("(") {
            let e = self.expr();
            self.check_sym(")");
            return Expr {
                kind: ExprKind::Paren(Box::new(e)),
                line,
            };
        }
        let n = self.name();
        Expr {
            kind: ExprKind::Name(n),
            line,
        }
    }

    fn suffixedexp(&mut self) -> Expr {
        let line = self.line();
        let mut e = self.primaryexp();
        loop {
            if self.test_sym(".") {
                let kl = self.line();
                let n = self.name();
                let k = Expr {
                    kind: ExprKind::Str(n.into_bytes()),
                    line: kl,
                };
                e = Expr {
                    kind: ExprKind::Index(Box::new(e), Box::new(k)),
                    line,
                };
            } else if self.test_sym("[") {
                let k = self.expr();
                self.check_sym("]");
                e = Expr {
                    kind: ExprKind::Index(Box::new(e), Box::new(k)),
                    line,
                };
            } else if self.test_sym(":") {
                let n = self.name();
                let args = self.funcargs();
                e = Expr {
                    kind: ExprKind::Method(Box::new(e), n, args),
                    line,
                };
            } else if self.is_sym("(") || self.is_sym("{") || matches!(self.peek(), Tok::Str(_)) {
                let args = self.funcargs();
                e = Expr {
                    kind: ExprKind::Call(Box::new(e), args),
                    line,
                };
            } else {
                return e;
            }
        }
    }

    fn funcargs(&mut self) -> Vec<Expr> {
        let line = self.line();
        match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                vec![Expr {
                    kind: ExprKind::Str(s),
                    line,
                }]
            }
            Tok::Sym("{") => vec![self.table()],
            _ => {
                self.check_sym("(");
                if self.test_sym(")") {
                    return vec![];
                }
                let v = self.explist();
                self.check_sym(")");
                v
            }
        }
    }

    fn table(&mut self) -> Expr {
        let line = self.line();
        self.check_sym("{");
        let mut fields = Vec::new();
        while !self.is_sym("}") {
            if self.test_sym("[") {
                let k = self.expr();
                self.check_sym("]");
                self.check_sym("=");
                fields.push(Field::Named(k, self.expr()));
            } else if matches!(self.peek(), Tok::Name(_)) && *self.peek2() == Tok::Sym("=") {
                let kl = self.line();
                let n = self.name();
                self.check_sym("=");
                let k = Expr {
                    kind: ExprKind::Str(n.into_bytes()),
                    line: kl,
                };
                fields.push(Field::Named(k, self.expr()));
            } else {
                fields.push(Field::Pos(self.expr()));
            }
            if !self.test_sym(",") && !self.test_sym(";") {
                break;
            }
        }
        self.check_sym("}");
        Expr {
            kind: ExprKind::Table(fields),
            line,
        }
    }

    fn simpleexp(&mut self) -> Expr {
        let line = self.line();
        let kind = match self.peek().clone() {
            Tok::Int(i) => ExprKind::Int(i),
            Tok::Flt(f) => ExprKind::Float(f),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::Sym("...") => ExprKind::Vararg,
            Tok::Sym("{") => return self.table(),
            Tok::Name(n) if n == "nil" => ExprKind::Nil,
            Tok::Name(n) if n == "true" => ExprKind::True,
            Tok::Name(n) if n == "false" => ExprKind::False,
            Tok::Name(n) if n == "function" => {
                self.next();
                let b = self.body(false, line);
                return Expr {
                    kind: ExprKind::Function(Box::new(b)),
                    line,
                };
            }
            _ => return self.suffixedexp(),
        };
        self.next();
        Expr { kind, line }
    }

    fn binop(&self) -> Option<(BinOp, u8, u8)> {
        Some(match self.peek() {
            Tok::Sym(s) => match *s {
                "+" => (BinOp::Add, 10, 10),
                "-" => (BinOp::Sub, 10, 10),
                "*" => (BinOp::Mul, 11, 11),
                "%" => (BinOp::Mod, 11, 11),
                "^" => (BinOp::Pow, 14, 13),
                "/" => (BinOp::Div, 11, 11),
                "//" => (BinOp::IDiv, 11, 11),
                "&" => (BinOp::BAnd, 6, 6),
                "|" => (BinOp::BOr, 4, 4),
                "~" => (BinOp::BXor, 5, 5),
                "<<" => (BinOp::Shl, 7, 7),
                ">>" => (BinOp::Shr, 7, 7),
                ".." => (BinOp::Concat, 9, 8),
                "==" => (BinOp::Eq, 3, 3),
                "~=" => (BinOp::Ne, 3, 3),
                "<" => (BinOp::Lt, 3, 3),
                "<=" => (BinOp::Le, 3, 3),
                ">" => (BinOp::Gt, 3, 3),
                ">=" => (BinOp::Ge, 3, 3),
                _ => return None,
            },
            Tok::Name(n) if n == "and" => (BinOp::And, 2, 2),
            Tok::Name(n) if n == "or" => (BinOp::Or, 1, 1),
            _ => return None,
        })
    }

    fn subexpr(&mut self, limit: u8) -> Expr {
        let line = self.line();
        let uop = match self.peek() {
            Tok::Name(n) if n == "not" => Some(UnOp::Not),
            Tok::Sym("-") => Some(UnOp::Neg),
            Tok::Sym("#") => Some(UnOp::Len),
            Tok::Sym("~") => Some(UnOp::BNot),
            _ => None,
        };
        let mut e = if let Some(op) = uop {
            self.next();
            let sub = self.subexpr(12);
            Expr {
                kind: ExprKind::Un(op, Box::new(sub)),
                line,
            }
        } else {
            self.simpleexp()
        };
        while let Some((op, l, r)) = self.binop() {
            if l <= limit {
                break;
            }
            let oline = self.line();
            self.next();
            let e2 = self.subexpr(r);
            e = Expr {
                kind: ExprKind::Bin(op, Box::new(e), Box::new(e2)),
                line: oline,
            };
        }
        e
    }

    fn expr(&mut self) -> Expr {
        self.subexpr(0)
    }
}

pub(crate) fn parse(src: &str) -> Chunk {
    let mut p = P {
        toks: lex(src),
        pos: 0,
    };
    let body = p.block();
    assert_eq!(*p.peek(), Tok::Eof, "unparsed input at line {}", p.line());
    Chunk { body }
}
