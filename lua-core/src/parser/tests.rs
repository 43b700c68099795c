#![forbid(unsafe_code)]

use super::*;

/// Developer harness: `CASES=/path cargo test -p lua-core dump_cases -- --ignored --nocapture`
/// prints one line per hex-encoded case (compare with reference Lua's `load(src, "=t")`).
#[test]
#[ignore]
fn dump_cases() {
    let Ok(path) = std::env::var("CASES") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    for line in text.lines() {
        let src: Vec<u8> = (0..line.len() / 2)
            .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        match parse(&src, b"=t") {
            Ok(_) => println!("OK"),
            Err(e) => println!("{}", e.to_string().replace('\n', "\\n")),
        }
    }
}

/// Developer harness: `NUMS=/path cargo test -p lua-core dump_numbers -- --ignored --nocapture`
/// prints `str2number` of each hex-encoded line (compare with reference `tonumber`).
#[test]
#[ignore]
fn dump_numbers() {
    let Ok(path) = std::env::var("NUMS") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    for line in text.lines() {
        let src: Vec<u8> = (0..line.len() / 2)
            .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        match crate::numparse::str2number(&src) {
            Some(crate::value::Value::Int(i)) => println!("i{i}"),
            Some(crate::value::Value::Float(f)) => println!("f{:016x}", f.to_bits()),
            _ => println!("nil"),
        }
    }
}

use crate::ast::{Block, Expr, ExprKind, Field, FuncBody, Stat};

/// Compact S-expression form of an AST, for tests.
fn sx_block(b: &Block, out: &mut String) {
    out.push('[');
    for (i, s) in b.stats.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        sx_stat(s, out);
    }
    if let Some((es, _)) = &b.ret {
        if !b.stats.is_empty() {
            out.push(' ');
        }
        out.push_str("(return");
        sx_list(es, out);
        out.push(')');
    }
    out.push(']');
}

fn sx_list(es: &[Expr], out: &mut String) {
    for e in es {
        out.push(' ');
        sx_expr(e, out);
    }
}

fn sx_func(f: &FuncBody, out: &mut String) {
    out.push_str(&format!("(fn ({}", f.params.join(" ")));
    if f.is_vararg {
        out.push_str(if f.params.is_empty() { "..." } else { " ..." });
    }
    out.push_str(") ");
    sx_block(&f.body, out);
    out.push(')');
}

fn sx_stat(s: &Stat, out: &mut String) {
    match s {
        Stat::Local { names, exprs, .. } => {
            out.push_str("(local");
            for (n, a) in names {
                out.push_str(&format!(" {n}"));
                match a {
                    crate::ast::Attrib::Const => out.push_str("<const>"),
                    crate::ast::Attrib::Close => out.push_str("<close>"),
                    crate::ast::Attrib::None => {}
                }
            }
            out.push_str(" =");
            sx_list(exprs, out);
            out.push(')');
        }
        Stat::Assign { targets, exprs, .. } => {
            out.push_str("(set");
            sx_list(targets, out);
            out.push_str(" =");
            sx_list(exprs, out);
            out.push(')');
        }
        Stat::Call(e) => sx_expr(e, out),
        Stat::Do(b) => {
            out.push_str("(do ");
            sx_block(b, out);
            out.push(')');
        }
        Stat::While { cond, body, .. } => {
            out.push_str("(while ");
            sx_expr(cond, out);
            out.push(' ');
            sx_block(body, out);
            out.push(')');
        }
        Stat::Repeat { body, cond, .. } => {
            out.push_str("(repeat ");
            sx_block(body, out);
            out.push(' ');
            sx_expr(cond, out);
            out.push(')');
        }
        Stat::If { conds, else_, .. } => {
            out.push_str("(if");
            for (c, _, b) in conds {
                out.push(' ');
                sx_expr(c, out);
                out.push(' ');
                sx_block(b, out);
            }
            if let Some(b) = else_ {
                out.push_str(" else ");
                sx_block(b, out);
            }
            out.push(')');
        }
        Stat::NumFor {
            var,
            start,
            limit,
            step,
            body,
            ..
        } => {
            out.push_str(&format!("(for {var} "));
            sx_expr(start, out);
            out.push(' ');
            sx_expr(limit, out);
            if let Some(s) = step {
                out.push(' ');
                sx_expr(s, out);
            }
            out.push(' ');
            sx_block(body, out);
            out.push(')');
        }
        Stat::GenFor {
            names, exprs, body, ..
        } => {
            out.push_str(&format!("(forin {} in", names.join(" ")));
            sx_list(exprs, out);
            out.push(' ');
            sx_block(body, out);
            out.push(')');
        }
        Stat::Function {
            path, method, func, ..
        } => {
            out.push_str(&format!("(function {}", path.join(".")));
            if let Some(m) = method {
                out.push_str(&format!(":{m}"));
            }
            out.push(' ');
            sx_func(func, out);
            out.push(')');
        }
        Stat::LocalFunction { name, func, .. } => {
            out.push_str(&format!("(localfunction {name} "));
            sx_func(func, out);
            out.push(')');
        }
        Stat::Break { .. } => out.push_str("break"),
        Stat::Goto { label, .. } => out.push_str(&format!("(goto {label})")),
        Stat::Label { name, .. } => out.push_str(&format!("::{name}::")),
    }
}

fn sx_expr(e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::Nil => out.push_str("nil"),
        ExprKind::True => out.push_str("true"),
        ExprKind::False => out.push_str("false"),
        ExprKind::Vararg => out.push_str("..."),
        ExprKind::Int(i) => out.push_str(&i.to_string()),
        ExprKind::Float(f) => out.push_str(&format!("{f:?}")),
        ExprKind::Str(s) => out.push_str(&format!("{:?}", String::from_utf8_lossy(s))),
        ExprKind::Function(f) => sx_func(f, out),
        ExprKind::Table(fields, _) => {
            out.push('{');
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                match f {
                    Field::Pos(v) => sx_expr(v, out),
                    Field::Named(k, v) => {
                        out.push('[');
                        sx_expr(k, out);
                        out.push_str("]=");
                        sx_expr(v, out);
                    }
                }
            }
            out.push('}');
        }
        ExprKind::Bin(op, a, b) => {
            out.push_str(&format!("({op:?} "));
            sx_expr(a, out);
            out.push(' ');
            sx_expr(b, out);
            out.push(')');
        }
        ExprKind::Un(op, a) => {
            out.push_str(&format!("({op:?} "));
            sx_expr(a, out);
            out.push(')');
        }
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Index(a, k) => {
            out.push_str("(idx ");
            sx_expr(a, out);
            out.push(' ');
            sx_expr(k, out);
            out.push(')');
        }
        ExprKind::Call(f, args) => {
            out.push_str("(call ");
            sx_expr(f, out);
            sx_list(args, out);
            out.push(')');
        }
        ExprKind::Method(o, m, args) => {
            out.push_str(&format!("(method {m} "));
            sx_expr(o, out);
            sx_list(args, out);
            out.push(')');
        }
        ExprKind::Paren(a) => {
            out.push_str("(paren ");
            sx_expr(a, out);
            out.push(')');
        }
    }
}

fn sx(src: &str) -> String {
    let chunk = parse(src.as_bytes(), b"=t").unwrap_or_else(|e| panic!("{src:?}: {e}"));
    let mut out = String::new();
    sx_block(&chunk.body, &mut out);
    out
}

fn err(src: &str) -> String {
    err_bytes(src.as_bytes())
}

fn err_bytes(src: &[u8]) -> String {
    match parse(src, b"=t") {
        Ok(_) => panic!("{:?} parsed", String::from_utf8_lossy(src)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn precedence() {
    assert_eq!(sx("x = 1 + 2 * 3"), "[(set x = (Add 1 (Mul 2 3)))]");
    assert_eq!(sx("x = 1 - 2 - 3"), "[(set x = (Sub (Sub 1 2) 3))]");
    assert_eq!(sx("x = -x^2"), "[(set x = (Neg (Pow x 2)))]");
    assert_eq!(sx("x = 2^-3"), "[(set x = (Pow 2 (Neg 3)))]");
    assert_eq!(sx("x = 2^3^4"), "[(set x = (Pow 2 (Pow 3 4)))]");
    assert_eq!(sx("x = a..b..c"), "[(set x = (Concat a (Concat b c)))]");
    assert_eq!(sx("x = 1 .. 2 + 3"), "[(set x = (Concat 1 (Add 2 3)))]");
    assert_eq!(
        sx("x = a or b and c == d"),
        "[(set x = (Or a (And b (Eq c d))))]"
    );
    assert_eq!(
        sx("x = a | b ~ c & d << e"),
        "[(set x = (BOr a (BXor b (BAnd c (Shl d e)))))]"
    );
    assert_eq!(sx("x = a < b .. c"), "[(set x = (Lt a (Concat b c)))]");
    assert_eq!(sx("x = a << b .. c"), "[(set x = (Shl a (Concat b c)))]");
    assert_eq!(sx("x = not a == b"), "[(set x = (Eq (Not a) b))]");
    assert_eq!(sx("x = #t + 1"), "[(set x = (Add (Len t) 1))]");
    assert_eq!(sx("x = ~a ~ b"), "[(set x = (BXor (BNot a) b))]");
    assert_eq!(sx("x = - - 1"), "[(set x = (Neg (Neg 1)))]");
    assert_eq!(
        sx("x = 7 // 2 % 3 / 4"),
        "[(set x = (Div (Mod (IDiv 7 2) 3) 4))]"
    );
    assert_eq!(sx("x = a >= b ~= c"), "[(set x = (Ne (Ge a b) c))]");
    assert_eq!(sx("x = -2 ^ -2"), "[(set x = (Neg (Pow 2 (Neg 2))))]");
}

#[test]
fn statements() {
    assert_eq!(
        sx("local a <const>, b <close> = 1; ;; x, b.c, d[1] = f(), ..."),
        "[(local a<const> b<close> = 1) (set x (idx b \"c\") (idx d 1) = (call f) ...)]"
    );
    assert_eq!(
        sx("function a.b.c:m(x, ...) return self end"),
        "[(function a.b.c:m (fn (x ...) [(return self)]))]"
    );
    assert_eq!(
        sx("local function f(...) return ... end"),
        "[(localfunction f (fn (...) [(return ...)]))]"
    );
    assert_eq!(
        sx("f'x' f[[y]] f{1, a = 2, [3] = 4; 5,} o:m{} o:m''; (f)()"),
        "[(call f \"x\") (call f \"y\") (call f {1 [\"a\"]=2 [3]=4 5}) (method m o {}) (method m o \"\") (call (paren f))]"
    );
    assert_eq!(
        sx("for i = 1, 10, 2 do break end for k, v in pairs(t) do end"),
        "[(for i 1 10 2 [break]) (forin k v in (call pairs t) [])]"
    );
    assert_eq!(
        sx("while x do x = x - 1 end repeat local y = 1 until y"),
        "[(while x [(set x = (Sub x 1))]) (repeat [(local y = 1)] y)]"
    );
    assert_eq!(
        sx("if a then elseif b then x() else return end"),
        "[(if a [] b [(call x)] else [(return)])]"
    );
    assert_eq!(
        sx("::top:: goto top do return 1, 2; end"),
        "[::top:: (goto top) (do [(return 1 2)])]"
    );
    assert_eq!(
        sx("while 1 do if x then break; y() end end"),
        "[(while 1 [(if x [break (call y)])])]"
    );
    assert_eq!(sx("return;"), "[(return)]");
    assert_eq!(sx("x = function() end"), "[(set x = (fn () []))]");
    assert_eq!(
        sx("x = {f()} x = {...}"),
        "[(set x = {(call f)}) (set x = {...})]"
    );
    assert_eq!(
        sx("x = 0x10 + 1e2 + 3 + .5"),
        "[(set x = (Add (Add (Add 16 100.0) 3) 0.5))]"
    );
}

#[test]
fn strings() {
    let s = |src: &str| -> Vec<u8> {
        let chunk = parse(src.as_bytes(), b"=t").unwrap();
        match &chunk.body.ret.as_ref().unwrap().0[0].kind {
            ExprKind::Str(s) => s.clone(),
            k => panic!("{k:?}"),
        }
    };
    assert_eq!(s(r#"return "a\tb\n\\\"\'""#), b"a\tb\n\\\"'");
    assert_eq!(s(r#"return '\a\b\f\v\r'"#), b"\x07\x08\x0c\x0b\r");
    assert_eq!(s(r#"return "\x41\x7a\65\0669\255""#), b"AzAB9\xff");
    assert_eq!(s("return \"a\\z  \n\t b\""), b"ab");
    assert_eq!(s("return \"a\\\nb\""), b"a\nb");
    assert_eq!(s("return \"a\\\r\nb\""), b"a\nb");
    assert_eq!(
        s(r#"return "\u{48}\u{e9}\u{20AC}\u{10FFFF}""#),
        "H\u{e9}\u{20ac}\u{10ffff}".as_bytes()
    );
    assert_eq!(s(r#"return "\u{7FFFFFFF}""#), b"\xfd\xbf\xbf\xbf\xbf\xbf");
    assert_eq!(s(r#"return "\u{D800}""#), b"\xed\xa0\x80");
    assert_eq!(s("return [[\nabc]]"), b"abc");
    assert_eq!(
        s("return [==[\r\na]]b\r\rc\n\rd\r\ne]==]"),
        b"a]]b\n\nc\nd\ne"
    );
    assert_eq!(s("return [[]]"), b"");
    assert_eq!(s("return [=[\n]=]"), b"");
    assert_eq!(s("--[==[ comment ]] \n ]==] return 'x' -- tail"), b"x");
}

#[test]
fn lines() {
    let chunk = parse(
        b"local a =\n  1 +\n  2\nf(\n a)\nx\n.y\n(\n)\nreturn",
        b"=t",
    )
    .unwrap();
    let Stat::Local { exprs, line, .. } = &chunk.body.stats[0] else {
        panic!()
    };
    assert_eq!(*line, 1);
    assert_eq!(exprs[0].line, 2); // operator's line
    let Stat::Call(c) = &chunk.body.stats[1] else {
        panic!()
    };
    assert_eq!(c.line, 4);
    let Stat::Call(c) = &chunk.body.stats[2] else {
        panic!()
    };
    assert_eq!(c.line, 8); // call: where its arguments start (Lua 5.4.7+)
    assert_eq!(chunk.body.ret.as_ref().unwrap().1, 10);
    assert_eq!(chunk.body.end_line, 10);

    let chunk = parse(
        b"x = [[a\nb\nc]] + y\nlocal function f()\n\nend\nz = function\n() end",
        b"=t",
    )
    .unwrap();
    let Stat::Assign { exprs, line, .. } = &chunk.body.stats[0] else {
        panic!()
    };
    assert_eq!(*line, 1);
    assert_eq!(exprs[0].line, 3); // a token's line is where it ends
    let Stat::LocalFunction { func, line, .. } = &chunk.body.stats[1] else {
        panic!()
    };
    assert_eq!((*line, func.line, func.end_line), (4, 4, 6));
    let Stat::Assign { exprs, .. } = &chunk.body.stats[2] else {
        panic!()
    };
    let ExprKind::Function(f) = &exprs[0].kind else {
        panic!()
    };
    // PUC's linedefined for an anonymous function is the line of its '('.
    assert_eq!((exprs[0].line, f.line, f.end_line), (7, 8, 8));
    assert_eq!(err("x = 1\r\n\r\ny y"), "t:3: syntax error near 'y'");
    assert_eq!(err("x = 1\n\r\n\ry y"), "t:3: syntax error near 'y'");
    assert_eq!(err("x = 1\r\r y y"), "t:3: syntax error near 'y'");
}

/// Messages checked against PUC Lua 5.4's `load(src, "=t")`.
const MESSAGES: &[(&str, &str)] = &[
    ("return 1 x = 2", "t:1: <eof> expected near 'x'"),
    ("x", "t:1: syntax error near <eof>"),
    ("x\n", "t:2: syntax error near <eof>"),
    ("f() = 1", "t:1: syntax error near '='"),
    ("(a) = 1", "t:1: syntax error near '='"),
    ("a.b:c = 1", "t:1: function arguments expected near '='"),
    ("local x <foo> = 1", "t:1: unknown attribute 'foo'"),
    (
        "local x <close>, y <close> = 1",
        "t:1: multiple to-be-closed variables in local list",
    ),
    (
        "local x <const> = 1; x = 2",
        "t:1: attempt to assign to const variable 'x'",
    ),
    (
        "local x <const> = 1; function f() x = 2 end",
        "t:1: attempt to assign to const variable 'x'",
    ),
    ("goto l", "t:1: no visible label 'l' for <goto> at line 1"),
    ("break", "t:1: break outside loop at line 1"),
    (
        "do goto l end local x ::l:: print(x)",
        "t:1: <goto l> at line 1 jumps into the scope of local 'x'",
    ),
    ("::l:: ::l::", "t:1: label 'l' already defined on line 1"),
    ("for i=1 do end", "t:1: ',' expected near 'do'"),
    ("for i do end", "t:1: '=' or 'in' expected near 'do'"),
    (
        "function f(a,) end",
        "t:1: <name> or '...' expected near ')'",
    ),
    (
        "function f() x = ... end",
        "t:1: cannot use '...' outside a vararg function near '...'",
    ),
    (
        "local function f() end f(",
        "t:1: unexpected symbol near <eof>",
    ),
    ("if x then", "t:1: 'end' expected near <eof>"),
    ("x = }", "t:1: unexpected symbol near '}'"),
    ("local 1", "t:1: <name> expected near '1'"),
    ("a.1", "t:1: syntax error near '.1'"),
    ("f{", "t:1: unexpected symbol near <eof>"),
    ("f:g", "t:1: function arguments expected near <eof>"),
    ("x = 1 +", "t:1: unexpected symbol near <eof>"),
    (
        "repeat local x; goto l; local y; ::l:: until x",
        "t:1: <goto l> at line 1 jumps into the scope of local 'y'",
    ),
    (
        "local a <const> = 1; local function f() a = 2 end",
        "t:1: attempt to assign to const variable 'a'",
    ),
    ("local t = {x y}", "t:1: '}' expected near 'y'"),
    ("return return", "t:1: unexpected symbol near 'return'"),
    ("f(", "t:1: unexpected symbol near <eof>"),
    ("local function 1", "t:1: <name> expected near '1'"),
    ("function a.b:c.d() end", "t:1: '(' expected near '.'"),
    ("::1::", "t:1: <name> expected near '1'"),
    ("goto 1", "t:1: <name> expected near '1'"),
    ("\"\\q\"", "t:1: invalid escape sequence near '\"\\q'"),
    ("\"\\xg\"", "t:1: hexadecimal digit expected near '\"\\xg'"),
    (
        "\"\\x5\"",
        "t:1: hexadecimal digit expected near '\"\\x5\"'",
    ),
    (
        "\"\\300\"",
        "t:1: decimal escape too large near '\"\\300\"'",
    ),
    (
        "\"\\u{110000000}\"",
        "t:1: UTF-8 value too large near '\"\\u{110000000'",
    ),
    ("\"\\u123\"", "t:1: missing '{' near '\"\\u1'"),
    ("\"\\u{12\"", "t:1: missing '}' near '\"\\u{12\"'"),
    ("\"abc", "t:1: unfinished string near <eof>"),
    ("'abc\n'", "t:1: unfinished string near ''abc'"),
    ("[==x", "t:1: invalid long string delimiter near '[=='"),
    ("3x", "t:1: malformed number near '3x'"),
    ("0x", "t:1: malformed number near '0x'"),
    ("1e+", "t:1: malformed number near '1e+'"),
    ("3..4", "t:1: malformed number near '3..4'"),
    (
        "[[abc",
        "t:1: unfinished long string (starting at line 1) near <eof>",
    ),
    (
        "--[[abc",
        "t:1: unfinished long comment (starting at line 1) near <eof>",
    ),
    ("x = \x01", "t:1: unexpected symbol near '<\\1>'"),
    ("\"a\\0b\" x", "t:1: unexpected symbol near '\"a'"),
    ("x = \"a\\z  \n  b\" y", "t:2: syntax error near <eof>"),
    ("x = [[\nabc\n]] y", "t:3: syntax error near <eof>"),
    ("x = [==[\r\nabc]==] y", "t:2: syntax error near <eof>"),
    ("x = 1\r\n\r\ny", "t:3: syntax error near <eof>"),
    ("x = 1\n\ry z", "t:2: syntax error near 'z'"),
    ("x = 1\r\n\n\ry z", "t:3: syntax error near 'z'"),
    ("x = 0x1p4 y", "t:1: syntax error near <eof>"),
    ("x = 3.0e2 y", "t:1: syntax error near <eof>"),
    ("x = .5 y", "t:1: syntax error near <eof>"),
    ("x = 9223372036854775808 y", "t:1: syntax error near <eof>"),
    ("x = 0xffffffffffffffffff y", "t:1: syntax error near <eof>"),
    ("x = 1e400 y", "t:1: syntax error near <eof>"),
    (
        "local x <const> = 1; local function f() local function g() x = 3 end end",
        "t:1: attempt to assign to const variable 'x'",
    ),
    (
        "local x <close> = 1; x = 2",
        "t:1: attempt to assign to const variable 'x'",
    ),
    (
        "local x <const> = {}; x = 2",
        "t:1: attempt to assign to const variable 'x'",
    ),
    (
        "local x <const> = {}; function g() x = 1 end",
        "t:1: attempt to assign to const variable 'x'",
    ),
    (
        "local x <const> = 1; function x() end",
        "t:1: attempt to assign to const variable 'x'",
    ),
    (
        "goto l; local x; ::l:: x = 1",
        "t:1: <goto l> at line 1 jumps into the scope of local 'x'",
    ),
    (
        "repeat goto c; local x; ::c:: until true",
        "t:1: <goto c> at line 1 jumps into the scope of local 'x'",
    ),
    (
        "repeat goto c; local x; ::c:: until x",
        "t:1: <goto c> at line 1 jumps into the scope of local 'x'",
    ),
    (
        "::a:: ::b:: ::a::",
        "t:1: label 'a' already defined on line 1",
    ),
    (
        "::a:: do ::a:: end",
        "t:1: label 'a' already defined on line 1",
    ),
    (
        "for i = 1, 2 do break end break",
        "t:1: break outside loop at line 1",
    ),
    ("if x then break end", "t:1: break outside loop at line 1"),
    (
        "function f() break end",
        "t:1: break outside loop at line 1",
    ),
    (
        "while 1 do local function f() break end end",
        "t:1: break outside loop at line 1",
    ),
    (
        "local function f() goto x end ::x::",
        "t:1: no visible label 'x' for <goto> at line 1",
    ),
    (
        "goto x; do ::x:: end",
        "t:1: no visible label 'x' for <goto> at line 1",
    ),
    ("x = function() end end", "t:1: <eof> expected near 'end'"),
    ("x = 1 2", "t:1: unexpected symbol near '2'"),
    ("f(1,)", "t:1: unexpected symbol near ')'"),
    ("f(1 2)", "t:1: ')' expected near '2'"),
    ("t = {1,,2}", "t:1: unexpected symbol near ','"),
    ("t = {[1] 2}", "t:1: '=' expected near '2'"),
    ("t = {a.b = 1}", "t:1: '}' expected near '='"),
    ("a.b.c", "t:1: syntax error near <eof>"),
    ("a[1]", "t:1: syntax error near <eof>"),
    ("a:b() = 1", "t:1: syntax error near '='"),
    ("a, b() = 1, 2", "t:1: syntax error near '='"),
    ("a, (b) = 1", "t:1: syntax error near '='"),
    ("a, b", "t:1: '=' expected near <eof>"),
    ("a, b = ", "t:1: unexpected symbol near <eof>"),
    ("local a <const = 1", "t:1: '>' expected near '='"),
    (
        "local a <const> <close> = 1",
        "t:1: unexpected symbol near '<'",
    ),
    ("local a < = 1", "t:1: <name> expected near '='"),
    (
        "local function f() return 1; 2 end",
        "t:1: 'end' expected near '2'",
    ),
    ("return 1;;", "t:1: <eof> expected near ';'"),
    ("function f(..., a) end", "t:1: ')' expected near ','"),
    (
        "function f(a, ...) local function g() return ... end end",
        "t:1: cannot use '...' outside a vararg function near '...'",
    ),
    ("x = not", "t:1: unexpected symbol near <eof>"),
    ("x = #", "t:1: unexpected symbol near <eof>"),
    ("x = ~", "t:1: unexpected symbol near <eof>"),
    ("while x do", "t:1: 'end' expected near <eof>"),
    ("while x", "t:1: 'do' expected near <eof>"),
    ("repeat", "t:1: 'until' expected near <eof>"),
    ("repeat until", "t:1: unexpected symbol near <eof>"),
    ("for i = 1, 2", "t:1: 'do' expected near <eof>"),
    ("for a, b in c", "t:1: 'do' expected near <eof>"),
    ("for a, b c", "t:1: 'in' expected near 'c'"),
    ("for a.b = 1", "t:1: '=' or 'in' expected near '.'"),
    ("if x then elseif", "t:1: unexpected symbol near <eof>"),
    ("if x then else", "t:1: 'end' expected near <eof>"),
    (
        "if x then else elseif y then end",
        "t:1: 'end' expected near 'elseif'",
    ),
    ("if x end", "t:1: 'then' expected near 'end'"),
    ("do", "t:1: 'end' expected near <eof>"),
    ("do end end", "t:1: <eof> expected near 'end'"),
    ("end", "t:1: <eof> expected near 'end'"),
    ("else", "t:1: <eof> expected near 'else'"),
    ("until x", "t:1: <eof> expected near 'until'"),
    ("elseif", "t:1: <eof> expected near 'elseif'"),
    ("function", "t:1: <name> expected near <eof>"),
    ("function f", "t:1: '(' expected near <eof>"),
    ("function f(", "t:1: <name> or '...' expected near <eof>"),
    ("function f()", "t:1: 'end' expected near <eof>"),
    ("function f() end end", "t:1: <eof> expected near 'end'"),
    ("local", "t:1: <name> expected near <eof>"),
    ("local function", "t:1: <name> expected near <eof>"),
    ("local function f", "t:1: '(' expected near <eof>"),
    ("local x =", "t:1: unexpected symbol near <eof>"),
    ("return 1,", "t:1: unexpected symbol near <eof>"),
    ("::", "t:1: <name> expected near <eof>"),
    ("::a", "t:1: '::' expected near <eof>"),
    ("::a:", "t:1: '::' expected near ':'"),
    ("goto", "t:1: <name> expected near <eof>"),
    ("x.", "t:1: <name> expected near <eof>"),
    ("x[", "t:1: unexpected symbol near <eof>"),
    ("x[1", "t:1: ']' expected near <eof>"),
    ("x:", "t:1: <name> expected near <eof>"),
    ("x = (1", "t:1: ')' expected near <eof>"),
    (
        "x = (1\n\n",
        "t:3: ')' expected (to close '(' at line 1) near <eof>",
    ),
    (
        "f(\n1\n",
        "t:3: ')' expected (to close '(' at line 1) near <eof>",
    ),
    ("t = {\n", "t:2: unexpected symbol near <eof>"),
    (
        "x = {1\n,2\n",
        "t:3: '}' expected (to close '{' at line 1) near <eof>",
    ),
    (
        "\n\n  function f()\n\n",
        "t:5: 'end' expected (to close 'function' at line 3) near <eof>",
    ),
    (
        "do\n\nwhile true do\nend\n\n",
        "t:6: 'end' expected (to close 'do' at line 1) near <eof>",
    ),
    ("@", "t:1: unexpected symbol near '@'"),
    ("$", "t:1: unexpected symbol near '$'"),
    ("`", "t:1: unexpected symbol near '`'"),
    ("!", "t:1: unexpected symbol near '!'"),
    ("?", "t:1: unexpected symbol near '?'"),
    ("\\", "t:1: unexpected symbol near '\\'"),
    ("x = 1 @ 2", "t:1: unexpected symbol near '@'"),
    ("x = a.b.c.d.e.1", "t:1: unexpected symbol near '.1'"),
    ("=", "t:1: unexpected symbol near '='"),
    ("x == 1", "t:1: syntax error near '=='"),
    ("x ~ 1", "t:1: syntax error near '~'"),
    ("x = 1 ..", "t:1: unexpected symbol near <eof>"),
];

#[test]
fn messages_match_puc() {
    for (src, want) in MESSAGES {
        assert_eq!(&err(src), want, "source: {src:?}");
    }
    assert_eq!(
        err_bytes(b"x = \xc3\xa9"),
        "t:1: unexpected symbol near '<\\195>'"
    );
    assert_eq!(
        err_bytes(b"\"a\0b\" x"),
        "t:1: unexpected symbol near '\"a'"
    );
}

/// A small deterministic generator (xorshift) so the fuzz tests need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let len = rng.below(200);
        let src: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = parse(&src, b"=fuzz");
        // Bias towards bytes that matter to the lexer.
        let alphabet = b"\"'[]=-\\\n\r0x.eEpPu{}z9aZ_ \t<>~/:;,()";
        let src: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let _ = parse(&src, b"=fuzz");
    }
}

#[test]
fn token_soup_never_panics() {
    const TOKENS: &[&str] = &[
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
        "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
        "x", "y", "self", "_ENV", "1", "2.5", "0x10", "'s'", "[[l]]", "...", "..", "=", "==", "~=",
        "<", "<=", ">", ">=", "+", "-", "*", "/", "//", "%", "^", "#", "&", "|", "~", "<<", ">>",
        "(", ")", "{", "}", "[", "]", ";", ":", "::", ",", ".", "<const>", "<close>", "::l::",
        "goto l", "\n",
    ];
    let mut rng = Rng(12345);
    for _ in 0..3000 {
        let n = rng.below(60);
        let src: Vec<&str> = (0..n).map(|_| TOKENS[rng.below(TOKENS.len())]).collect();
        let _ = parse(src.join(" ").as_bytes(), b"=soup");
    }
}

/// Run `f` on a thread with a small stack, as a guard against unbounded recursion.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    on_small_stack(|| {
        let n = 100_000;
        let cases: Vec<String> = vec![
            format!("x = {}1{}", "(".repeat(n), ")".repeat(n)),
            "(".repeat(n),
            format!("x = {}", "{".repeat(n)),
            format!("x = {}", "-".repeat(n)),
            format!("x = {}1", "not ".repeat(n)),
            "do ".repeat(n),
            "function f() ".repeat(n),
            format!("x = {}", "function() return ".repeat(n)),
            format!("x = 1{}", " .. 1".repeat(n)),
            format!("x = 2{}", " ^ 2".repeat(n)),
            format!("a{} = 1", ", a".repeat(n)),
            format!("x = {}", "{f=".repeat(n)),
            "::a:: ".repeat(n),
            format!("x = {}", "[[".repeat(n)),
        ];
        for src in cases {
            assert!(parse(src.as_bytes(), b"=deep").is_err(), "{}", &src[..40]);
        }
    });
}

#[test]
fn nesting_limits_match_puc() {
    // From a main chunk's `load`, PUC fails at 196 nested parentheses and accepts 195.
    let parens = |n: usize| format!("x={}1{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(parens(195).as_bytes(), b"=t").is_ok());
    assert_eq!(err(&parens(196)), "C stack overflow");
    // A script run by `lua` starts one level lower.
    assert!(parse_at_depth(parens(196).as_bytes(), b"=t", 1).is_ok());
    assert!(parse_at_depth(parens(197).as_bytes(), b"=t", 1).is_err());
    // The official test suite's limits: 100 levels fine, 500 not.
    for (init, rep, close, repc) in [
        ("local a; a", ",a", "= 1", ",1"),
        ("local a; a=", "{", "0", "}"),
        ("return ", "(", "2", ")"),
        (
            "local function a (x) return x end; return ",
            "a(",
            "2.2",
            ")",
        ),
        ("", "do ", "", " end"),
        ("", "while a do ", "", " end"),
        ("local a; ", "if a then else ", "", " end"),
        ("", "function foo () ", "", " end"),
        ("local a = ''; return ", "a..", "'a'", ""),
        ("local a = 1; return ", "a^", "a", ""),
    ] {
        let ok = format!("{init}{}{close}{}", rep.repeat(100), repc.repeat(100));
        assert!(parse(ok.as_bytes(), b"=t").is_ok(), "{ok}");
        let bad = format!("{init}{}", rep.repeat(500));
        let e = err(&bad);
        assert!(e.contains("overflow") || e.contains("too many"), "{e}");
    }
}

#[test]
fn long_chains_parse_at_any_length() {
    // As in PUC, left-associative chains are loops: parsed, then dropped, on a small stack.
    on_small_stack(|| {
        let n = 100_000;
        let cases: Vec<String> = vec![
            format!("x = a{}", ".b".repeat(n)),
            format!("x = f{}", "()".repeat(n)),
            format!("x = a{}", "[1]".repeat(n)),
            format!("o{}", ":m()".repeat(n)),
            format!("x = 1{}", " + 1".repeat(n)),
            format!("x = a{}", " and a".repeat(n)),
            format!("x = a{}", ".b[1]:m()(2) + a".repeat(n / 4)),
            format!("a{} = 1", ".b".repeat(n)),
            format!("local c <const> = 1{}", " + 1".repeat(n)),
        ];
        for src in cases {
            assert!(parse(src.as_bytes(), b"=long").is_ok(), "{}", &src[..40]);
        }
    });
    // A chain whose parts nest is as high as its highest part: the cap still applies there.
    let nested = format!("x = a{}", ".b[a".repeat(1200)) + &"]".repeat(1200);
    assert!(parse(nested.as_bytes(), b"=t").is_err());
    // A legitimate deep program stays well inside the cap.
    let funcs = format!("{}{}", "function foo () ".repeat(190), " end".repeat(190));
    assert!(parse(funcs.as_bytes(), b"=t").is_ok());
}

/// Developer harness: `BIG=/path cargo test --release -p lua-core time_big -- --ignored --nocapture`
#[test]
#[ignore]
fn time_big() {
    let Ok(path) = std::env::var("BIG") else {
        return;
    };
    let src = std::fs::read(path).unwrap();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut lex = crate::lexer::Lexer::new(&src, b"=big");
        let mut n = 0;
        while lex.next_token().map(|t| t.tok != Tok::Eos).unwrap_or(false) {
            n += 1;
        }
        let lexed = t.elapsed();
        let t = std::time::Instant::now();
        let r = parse(&src, b"=big");
        let parsed = t.elapsed();
        drop(r);
        println!(
            "{} bytes, {n} tokens: lex {lexed:?}, parse {parsed:?}",
            src.len()
        );
    }
}

#[test]
fn array_limits_match_puc() {
    let locals = |n: usize| "do local x end ".repeat(n);
    assert!(parse(locals(32767).as_bytes(), b"=t").is_ok());
    assert_eq!(
        err(&locals(32768)),
        "too many local variables (limit is 32767)"
    );
    // Compile-time constants take no debug entry.
    assert!(parse(
        "do local x <const> = 1 end ".repeat(33000).as_bytes(),
        b"=t"
    )
    .is_ok());
    let breaks = |n: usize| format!("while 1 do {}end", "break ".repeat(n));
    assert!(parse(breaks(32767).as_bytes(), b"=t").is_ok());
    assert_eq!(
        err(&breaks(32768)),
        "too many labels/gotos (limit is 32767)"
    );
    let funcs = |n: usize| format!("x = {{{}}}", "function() end, ".repeat(n));
    assert!(parse(funcs(131071).as_bytes(), b"=t").is_ok());
    assert_eq!(err(&funcs(131072)), "too many functions (limit is 131071)");
}

#[test]
fn scope_limits_match_puc() {
    let names = |n: usize| {
        (0..n)
            .map(|i| format!("a{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert!(parse(format!("local {}", names(200)).as_bytes(), b"=t").is_ok());
    assert_eq!(
        err(&format!("local {}", names(201))),
        "t:1: too many local variables (limit is 200) in main function near <eof>"
    );
    assert_eq!(
        err(&format!("\n\nfunction f()\n local {} end", names(201))),
        "t:4: too many local variables (limit is 200) in function at line 3 near 'end'"
    );
    // _ENV + 150 outer locals + 105 of the enclosing function: one upvalue too many.
    let decl = |p: &str, n: usize| {
        (0..n)
            .map(|i| format!("local {p}{i}\n"))
            .collect::<String>()
    };
    let uses = |p: &str, n: usize| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let prog = |nb: usize, global: bool| {
        let mut u = uses("a", 150);
        u.extend(uses("b", nb));
        format!(
            "{}function f()\n{}function g() return {}{} end end",
            decl("a", 150),
            decl("b", 150),
            if global { "G + " } else { "" },
            u.join("+")
        )
    };
    assert!(parse(prog(105, false).as_bytes(), b"=t").is_ok());
    assert_eq!(
        err(&prog(105, true)),
        "t:302: too many upvalues (limit is 255) in function at line 302 near 'end'"
    );
}
