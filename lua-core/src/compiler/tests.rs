//! Compiler tests: listings of our bytecode in `luac -l -l`'s normalised form, compared with
//! fixed expectations and (when `luac5.4` is installed) with PUC Lua's own output.

#![forbid(unsafe_code)]

use crate::gc::Heap;
use crate::opcodes::Op;
use crate::proto::Proto;
use crate::value::Value;
use std::fmt::Write;
use std::rc::Rc;

pub(crate) fn compile_src(src: &str) -> Result<Proto, crate::error::SyntaxError> {
    let chunk = crate::parser::parse(src.as_bytes(), b"=test")?;
    let mut heap = Heap::new();
    let p = super::compile(&chunk, Rc::from(&b"=test"[..]), &mut heap);
    // Constants must not outlive the heap: format what tests need before it drops.
    std::mem::forget(heap);
    p
}

/// 1-based jump target of the instruction at 0-based `pc`, for jumping opcodes.
fn jump_target(p: &Proto, pc: usize) -> Option<i64> {
    p.code[pc].jump_target(pc).map(|t| t + 1)
}

fn fmt_const(v: &Value) -> String {
    match v {
        Value::Nil => "N nil".into(),
        Value::Bool(b) => format!("B {b}"),
        Value::Int(i) => format!("I {i}"),
        Value::Float(f) => format!("F {:?}", round14(*f)),
        Value::Str(s) => format!("S \"{}\"", luac_escape(s.as_bytes())),
        _ => "?".into(),
    }
}

/// A string as luac prints it.
fn luac_escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            7 => s.push_str("\\a"),
            8 => s.push_str("\\b"),
            12 => s.push_str("\\f"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            11 => s.push_str("\\v"),
            32..=126 => s.push(c as char),
            _ => s.push_str(&format!("\\{c:03}")),
        }
    }
    s
}

/// `f` rounded to 14 significant digits (luac prints floats with "%.14g").
fn round14(f: f64) -> f64 {
    format!("{f:.13e}").parse().unwrap_or(f)
}

/// Our listing in the normalised format (see `luac_listing`).
pub(crate) fn listing(p: &Proto) -> String {
    let mut s = String::new();
    listing_into(p, &mut s);
    s
}

fn listing_into(p: &Proto, s: &mut String) {
    let _ = writeln!(
        s,
        "function {}{} params, {} slots, {} upvalues, {} locals, {} constants, {} functions",
        p.numparams,
        if p.is_vararg { "+" } else { "" },
        p.maxstacksize,
        p.upvalues.len(),
        p.locvars.len(),
        p.k.len(),
        p.p.len()
    );
    for (pc, i) in p.code.iter().enumerate() {
        let (a, b, c, k) = (i.a(), i.b(), i.c(), i.k());
        let kk = if k { "k" } else { "" };
        let ops = match i.op() {
            Op::Move | Op::LoadNil | Op::GetUpval | Op::SetUpval => format!("{a} {b}"),
            Op::LoadI | Op::LoadF => format!("{a} {}", i.sbx()),
            Op::LoadK | Op::Closure => format!("{a} {}", i.bx()),
            Op::LoadKX | Op::LoadFalse | Op::LFalseSkip | Op::LoadTrue => format!("{a}"),
            Op::GetTabUp | Op::GetTable | Op::GetI | Op::GetField => format!("{a} {b} {c}"),
            Op::SetTabUp
            | Op::SetTable
            | Op::SetI
            | Op::SetField
            | Op::Self_
            | Op::TailCall
            | Op::Return => format!("{a} {b} {c}{kk}"),
            Op::SetList => format!("{a} {b} {c}"),
            Op::NewTable => format!("{a}"),
            Op::AddI | Op::ShrI | Op::ShlI => format!("{a} {b} {}", i.sc()),
            Op::Unm | Op::BNot | Op::Not | Op::Len | Op::Concat => format!("{a} {b}"),
            Op::Close | Op::Tbc | Op::Return1 | Op::VarArgPrep => format!("{a}"),
            Op::Jmp | Op::ForPrep | Op::ForLoop | Op::TForPrep | Op::TForLoop => {
                let t = jump_target(p, pc).unwrap_or(0);
                if i.op() == Op::Jmp {
                    format!("->{t}")
                } else {
                    format!("{a} ->{t}")
                }
            }
            Op::Eq | Op::Lt | Op::Le | Op::EqK => format!("{a} {b} {}", k as u8),
            Op::EqI | Op::LtI | Op::LeI | Op::GtI | Op::GeI => {
                format!("{a} {} {}", i.sb(), k as u8)
            }
            Op::Test => format!("{a} {}", k as u8),
            Op::TestSet => format!("{a} {b} {}", k as u8),
            Op::TForCall | Op::VarArg => format!("{a} {c}"),
            Op::Return0 => String::new(),
            Op::ExtraArg => format!("{}", i.ax()),
            _ => format!("{a} {b} {c}"),
        };
        let name = crate::opcodes::OP_NAMES[i.op() as usize].to_uppercase();
        let name = if name == "SELF_" { "SELF".into() } else { name };
        let _ = writeln!(s, "\t{}\t[{}]\t{}\t{}", pc + 1, p.lineinfo[pc], name, ops);
    }
    for (n, k) in p.k.iter().enumerate() {
        let _ = writeln!(s, "\tk{n}\t{}", fmt_const(k));
    }
    for (n, l) in p.locvars.iter().enumerate() {
        let _ = writeln!(s, "\tl{n}\t{}\t{}\t{}", l.name, l.startpc + 1, l.endpc + 1);
    }
    for (n, u) in p.upvalues.iter().enumerate() {
        let _ = writeln!(
            s,
            "\tu{n}\t{}\t{}\t{}",
            u.name.as_deref().unwrap_or("-"),
            u.instack as u8,
            u.idx
        );
    }
    for c in &p.p {
        listing_into(c, s);
    }
}

/// PUC's listing of `src` (via `luac5.4 -l -l`), normalised: MMBIN* and NEWTABLE's
/// EXTRAARG removed (pcs renumbered), jump targets absolute, NEWTABLE's hints dropped.
/// None if luac5.4 is not installed.
pub(crate) fn luac_listing(src: &str) -> Option<String> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!(
        "luac_cmp_{}_{}.lua",
        std::process::id(),
        src.len() ^ (src.as_ptr() as usize)
    ));
    std::fs::write(&path, src).ok()?;
    let out = std::process::Command::new("luac5.4")
        .args(["-l", "-l", "-p"])
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Split into functions.
    let mut funcs: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("main <") || line.starts_with("function <") {
            funcs.push(Vec::new());
        }
        if let Some(f) = funcs.last_mut() {
            f.push(line);
        }
    }
    let mut s = String::new();
    for f in funcs {
        // Parse instructions: (pc1, line, op, operands, comment)
        let mut ins = Vec::new();
        let mut header = String::new();
        let mut consts = Vec::new();
        let mut locals = Vec::new();
        let mut ups = Vec::new();
        let mut section = "";
        for l in &f {
            if l.contains(" slots, ") {
                header = l.to_string();
                continue;
            }
            if l.starts_with("constants") {
                section = "k";
                continue;
            }
            if l.starts_with("locals") {
                section = "l";
                continue;
            }
            if l.starts_with("upvalues") {
                section = "u";
                continue;
            }
            if !l.starts_with('\t') {
                continue;
            }
            let cols: Vec<&str> = l.trim_start_matches('\t').split('\t').collect();
            match section {
                "" => {
                    let pc1: usize = cols[0].parse().ok()?;
                    let line: String = cols[1].trim_matches(|c| c == '[' || c == ']').into();
                    let op = cols[2].trim().to_string();
                    let rest = cols.get(3).copied().unwrap_or("");
                    let comment = cols.get(4).copied().unwrap_or("").to_string();
                    ins.push((pc1, line, op, rest.trim().to_string(), comment));
                }
                "k" => consts.push((cols[1].to_string(), cols[2..].join("\t"))),
                "l" => locals.push((
                    cols[1].to_string(),
                    cols[2].to_string(),
                    cols[3].to_string(),
                )),
                "u" => ups.push((
                    cols[1].to_string(),
                    cols[2].to_string(),
                    cols[3].to_string(),
                )),
                _ => {}
            }
        }
        // Removed pcs (1-based).
        let mut removed = vec![false; ins.len() + 2];
        for (n, (_, _, op, _, _)) in ins.iter().enumerate() {
            if op.starts_with("MMBIN") || (op == "EXTRAARG" && n > 0 && ins[n - 1].2 == "NEWTABLE")
            {
                removed[n + 1] = true;
            }
        }
        let mut newpc = vec![0usize; ins.len() + 2];
        let mut cnt = 0;
        for p in 1..ins.len() + 2 {
            if p <= ins.len() && removed[p] {
                newpc[p] = cnt + 1;
            } else {
                cnt += 1;
                newpc[p] = cnt;
            }
        }
        let map0 = |pc0: usize| -> usize { newpc[(pc0 + 1).min(ins.len() + 1)] - 1 };
        // Header: "0+ params, 15 slots, 1 upvalue, 16 locals, 11 constants, 1 function"
        let h: Vec<&str> = header.split(", ").collect();
        let num = |x: &str| x.split(' ').next().unwrap_or("").to_string();
        let _ = writeln!(
            s,
            "function {} params, {} slots, {} upvalues, {} locals, {} constants, {} functions",
            num(h[0]),
            num(h[1]),
            num(h[2]),
            num(h[3]),
            num(h[4]),
            num(h[5])
        );
        for (pc1, line, op, rest, comment) in &ins {
            if removed[*pc1] {
                continue;
            }
            let ops = match op.as_str() {
                "JMP" | "FORPREP" | "FORLOOP" | "TFORPREP" | "TFORLOOP" => {
                    let t: usize = comment.rsplit(' ').next()?.parse().ok()?;
                    let t = newpc[t];
                    if op == "JMP" {
                        format!("->{t}")
                    } else {
                        format!("{} ->{t}", rest.split(' ').next()?)
                    }
                }
                "NEWTABLE" => rest.split(' ').next()?.to_string(),
                _ => rest.clone(),
            };
            let _ = writeln!(s, "\t{}\t[{}]\t{}\t{}", newpc[*pc1], line, op, ops);
        }
        for (n, (t, v)) in consts.iter().enumerate() {
            let v = match t.as_str() {
                "F" => format!("F {:?}", round14(v.parse::<f64>().ok()?)),
                "N" => "N nil".into(),
                "B" => format!("B {v}"),
                _ => format!("{t} {v}"),
            };
            let _ = writeln!(s, "\tk{n}\t{v}");
        }
        for (n, (name, st, en)) in locals.iter().enumerate() {
            let st = map0(st.parse::<usize>().ok()? - 1) + 1;
            let en = map0(en.parse::<usize>().ok()? - 1) + 1;
            let _ = writeln!(s, "\tl{n}\t{name}\t{st}\t{en}");
        }
        for (n, (name, inst, idx)) in ups.iter().enumerate() {
            let _ = writeln!(s, "\tu{n}\t{name}\t{inst}\t{idx}");
        }
    }
    Some(s)
}

/// Compare with PUC; returns a description of the first differences.
#[allow(dead_code, reason = "used by ad-hoc comparisons")]
pub(crate) fn diff_with_luac(src: &str) -> Option<String> {
    let theirs = luac_listing(src)?;
    let ours = listing(&compile_src(src).expect("compiles"));
    if theirs == ours {
        return None;
    }
    let mut d = String::new();
    let (a, b): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).unwrap_or(&""), b.get(i).unwrap_or(&""));
        if x != y {
            let _ = writeln!(d, "luac: {x}\nours: {y}");
        }
    }
    Some(d)
}

#[test]
fn smoke() {
    let p = compile_src("local a = 1 print(a)").unwrap();
    assert!(p.disassemble().contains("CALL"));
}

/// Development aid: `LUAC_DIFF=file.lua cargo test -p lua-core luac_diff_file -- --nocapture`.
#[test]
fn luac_diff_file() {
    let Ok(f) = std::env::var("LUAC_DIFF") else {
        return;
    };
    let src = std::fs::read_to_string(&f).unwrap();
    super::ops::PUC_SHAPES.with(|c| c.set(std::env::var_os("PUC_SHAPES").is_some()));
    let theirs = luac_listing(&src).unwrap_or_default();
    let ours = match compile_src(&src) {
        Ok(p) => listing(&p),
        Err(e) => e.to_string(),
    };
    std::fs::write(format!("{f}.luac"), theirs).unwrap();
    std::fs::write(format!("{f}.ours"), ours).unwrap();
}

fn compile_err(src: &str) -> String {
    match compile_src(src) {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn limits() {
    let args: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    assert_eq!(
        compile_err(&format!("f({})", args.join(","))),
        "test:1: function or expression needs too many registers"
    );
    let names: Vec<String> = (0..201).map(|i| format!("a{i}")).collect();
    assert!(compile_err(&format!("local {}", names.join(",")))
        .starts_with("test:1: too many local variables (limit is 200) in main function"));
    // 300 upvalues: locals spread over nested functions
    let mut src = String::new();
    for i in 0..3 {
        let names: Vec<String> = (0..100).map(|j| format!("v{i}_{j}")).collect();
        src += &format!("local {}\n", names.join(","));
        if i < 2 {
            src += "local function f() \n";
        }
    }
    src += "local function g() local x\n";
    for i in 0..3 {
        for j in 0..100 {
            src += &format!("x = v{i}_{j}\n");
        }
    }
    src += " end end end";
    let e = compile_err(&src);
    assert!(
        e.contains("too many upvalues (limit is 255) in function at line"),
        "{e}"
    );
    // Registers: 255 is the limit (254 locals plus temporaries would overflow).
    let names: Vec<String> = (0..199).map(|i| format!("a{i}")).collect();
    assert_eq!(compile_err(&format!("local {}", names.join(","))), "ok");
}

/// Drop what legitimately differs from luac 5.4.4: locals' end pcs (5.4.6 ends a block's
/// locals before its CLOSE, 5.4.4 after).
fn normalise(listing: &str) -> String {
    listing
        .lines()
        .map(|l| {
            if l.starts_with("\tl") {
                l.rsplit_once('\t').map_or(l, |(a, _)| a).to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every test program compiles to exactly what PUC's luac produces (modulo the documented
/// deviations, which these programs avoid). Skipped when luac5.4 is not installed.
#[test]
fn matches_luac() {
    // (name, source, compare in PUC-shapes mode)
    let files: &[(&str, &str, bool)] = &[
        ("exprs", include_str!("testdata/exprs.lua"), false),
        ("stats", include_str!("testdata/stats.lua"), false),
        ("gotos", include_str!("testdata/gotos.lua"), false),
        ("env", include_str!("testdata/env.lua"), false),
        (
            "consts_upvals",
            include_str!("testdata/consts_upvals.lua"),
            false,
        ),
        (
            "many_consts",
            include_str!("testdata/many_consts.lua"),
            false,
        ),
        ("big_tables", include_str!("testdata/big_tables.lua"), false),
        (
            "arith_shapes",
            include_str!("testdata/arith_shapes.lua"),
            true,
        ),
    ];
    let mut failures = String::new();
    for &(name, src, puc) in files {
        super::ops::PUC_SHAPES.with(|c| c.set(puc));
        let Some(theirs) = luac_listing(src) else {
            eprintln!("luac5.4 not available; skipping {name}");
            continue;
        };
        let ours = listing(&compile_src(src).expect("compiles"));
        let (theirs, ours) = (normalise(&theirs), normalise(&ours));
        if theirs != ours {
            let first = theirs
                .lines()
                .zip(ours.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("luac: {a}\nours: {b}"))
                .unwrap_or_else(|| "different lengths".into());
            let _ = writeln!(failures, "{name}:\n{first}");
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// Instructions of function `n` (0 = main, then children depth-first) as "OP operands".
fn code_of(src: &str, n: usize) -> String {
    let l = listing(&compile_src(src).expect("compiles"));
    let mut out = Vec::new();
    let mut idx = usize::MAX;
    for line in l.lines() {
        if line.starts_with("function ") {
            idx = idx.wrapping_add(1);
            continue;
        }
        if idx == n {
            let cols: Vec<&str> = line.trim_start().split('\t').collect();
            if cols.len() >= 4 && cols[1].starts_with('[') {
                out.push(format!("{} {}", cols[2], cols[3]).trim_end().to_string());
            }
        }
    }
    out.join("\n")
}

fn code(src: &str) -> String {
    code_of(src, 0)
}

fn lines(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn shapes_without_metamethod_ambiguity() {
    // x - k is SUBK (ADDI would call __add); k + x keeps operand order; x << k is SHL.
    assert_eq!(
        code("local x; local a, b, c, d, e = x - 1, 1 + x, x << 2, 2 << x, 2.5 * x"),
        lines(
            "VARARGPREP 0
             LOADNIL 0 0
             SUBK 1 0 0
             LOADI 2 1
             ADD 2 2 0
             LOADI 3 2
             SHL 3 0 3
             SHLI 4 0 2
             LOADK 5 1
             MUL 5 5 0
             RETURN 6 1 1"
        )
    );
}

#[test]
fn calls_returns_and_tail_calls() {
    assert_eq!(
        code("local function f(a, ...) f(a, ...) return f(a) end"),
        "VARARGPREP 0\nCLOSURE 0 0\nRETURN 1 1 1k"
    );
    assert_eq!(
        code_of("local function f(a, ...) f(a, ...) return f(a) end", 1),
        lines(
            "VARARGPREP 1
             GETUPVAL 1 0
             MOVE 2 0
             VARARG 3 0
             CALL 1 0 1
             GETUPVAL 1 0
             MOVE 2 0
             TAILCALL 1 2 2
             RETURN 1 0 2
             RETURN 1 1 2"
        )
    );
    // A function with captured locals closes them on return (k).
    assert_eq!(
        code_of(
            "local function f() local x; return function() return x end, 1 end",
            1
        ),
        lines(
            "LOADNIL 0 0
             CLOSURE 1 0
             LOADI 2 1
             RETURN 1 3 0k
             RETURN 1 1 0k"
        )
    );
    assert_eq!(
        code_of("local function f(t) return t.x, (t:m()) end", 1),
        lines(
            "GETFIELD 1 0 0
             SELF 2 0 1k
             CALL 2 2 2
             RETURN 1 3 0
             RETURN0"
        )
    );
}

#[test]
fn loops() {
    assert_eq!(
        code("for i = 1, 10 do local x = i end"),
        lines(
            "VARARGPREP 0
             LOADI 0 1
             LOADI 1 10
             LOADI 2 1
             FORPREP 0 ->8
             MOVE 4 3
             FORLOOP 0 ->6
             RETURN 0 1 1"
        )
    );
    assert_eq!(
        code("for k, v in next, t do f(k) end"),
        lines(
            "VARARGPREP 0
             GETTABUP 0 0 0
             GETTABUP 1 0 1
             LOADNIL 2 1
             TFORPREP 0 ->9
             GETTABUP 6 0 2
             MOVE 7 4
             CALL 6 2 1
             TFORCALL 0 2
             TFORLOOP 0 ->6
             CLOSE 0
             RETURN 0 1 1k"
        )
    );
    // Captured loop variables get a fresh upvalue per iteration.
    assert!(code("for i = 1, 2 do g = function() return i end end").contains("CLOSE 3\nFORLOOP"));
}

#[test]
fn constructors() {
    assert_eq!(
        code("local t = {1, 2, x = 1, [3] = 4, f()}"),
        lines(
            "VARARGPREP 0
             NEWTABLE 0
             LOADI 1 1
             LOADI 2 2
             SETFIELD 0 0 1k
             SETI 0 3 2k
             GETTABUP 3 0 3
             CALL 3 1 0
             SETLIST 0 0 0
             RETURN 1 1 1"
        )
    );
    let p = compile_src("local t = {1, 2, x = 1, [3] = 4, f()}").unwrap();
    let nt = p.code[1];
    assert_eq!((nt.op(), nt.b(), nt.c()), (Op::NewTable, 2, 2));
}

#[test]
fn folding() {
    assert_eq!(
        code("local a, b, c, d, e, f = 1 + 2 * 3, 7 // 2, 2^2, 1 // 0, 0/0, -0.0"),
        lines(
            "VARARGPREP 0
             LOADI 0 7
             LOADI 1 3
             LOADF 2 4
             LOADI 3 1
             IDIVK 3 3 0
             LOADI 4 0
             DIVK 4 4 0
             LOADF 5 0
             UNM 5 5
             RETURN 6 1 1"
        )
    );
    assert_eq!(
        code("local x <const> = 5; local y = x * 2"),
        "VARARGPREP 0\nLOADI 0 10\nRETURN 1 1 1"
    );
}

#[test]
fn close_variables() {
    assert_eq!(
        code("do local x <close> = f() end"),
        lines(
            "VARARGPREP 0
             GETTABUP 0 0 0
             CALL 0 1 2
             TBC 0
             CLOSE 0
             RETURN 0 1 1k"
        )
    );
}

#[test]
fn env_local() {
    assert_eq!(
        code("local _ENV = {}; x = y"),
        lines(
            "VARARGPREP 0
             NEWTABLE 0
             GETFIELD 1 0 1
             SETFIELD 0 0 1
             RETURN 1 1 1"
        )
    );
}

/// Development aid: `LUAC_DIR=dir cargo test -p lua-core luac_dir -- --nocapture` compares,
/// in PUC-shapes mode, every `.lua` file of `dir` with luac's listing.
#[test]
fn luac_dir() {
    let Ok(dir) = std::env::var("LUAC_DIR") else {
        return;
    };
    super::ops::PUC_SHAPES.with(|c| c.set(true));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    names.sort();
    for p in names {
        let src = std::fs::read_to_string(&p).unwrap_or_default();
        let Some(theirs) = luac_listing(&src) else {
            println!("{}: luac failed", p.display());
            continue;
        };
        let ours = match compile_src(&src) {
            Ok(proto) => listing(&proto),
            Err(e) => {
                println!("{}: {}", p.display(), e);
                continue;
            }
        };
        let (theirs, ours) = (normalise(&theirs), normalise(&ours));
        let diffs: Vec<String> = theirs
            .lines()
            .zip(ours.lines())
            .filter(|(a, b)| a != b)
            .take(8)
            .map(|(a, b)| format!("\n  luac: {a}\n  ours: {b}"))
            .collect();
        let first = if diffs.is_empty() {
            None
        } else {
            Some(diffs.concat())
        };
        match first {
            None if theirs.lines().count() == ours.lines().count() => {
                println!("{}: SAME", p.display())
            }
            None => println!("{}: different lengths", p.display()),
            Some(d) => println!("{}: {d}", p.display()),
        }
    }
}

/// Programs at or past the limits compile or fail with a message, never panic.
#[test]
fn stress_limits() {
    let n = |k: usize, f: &dyn Fn(usize) -> String, sep: &str| {
        (0..k).map(f).collect::<Vec<_>>().join(sep)
    };
    let srcs = vec![
        // 300-operand concatenation (needs 300 registers)
        format!("local x = {}", n(300, &|i| format!("'{i}'"), "..")),
        format!("local x = {}", n(200, &|i| format!("'{i}'"), "..")),
        // constructor with many hash items and expressions
        format!("local t = {{{}}}", n(300, &|i| format!("k{i} = {i}"), ",")),
        format!(
            "local t = {{{}}}",
            n(300, &|i| format!("[{i}.5] = f()"), ",")
        ),
        // method call with many arguments
        format!("o:m({})", n(260, &|i| i.to_string(), ",")),
        format!("o:m({})", n(250, &|i| i.to_string(), ",")),
        // > 2^17 constants: LOADKX
        format!("local t = {{{}}}", n(140_000, &|i| format!("'s{i}'"), ",")),
        format!("local x; {}", n(140_000, &|i| format!("x = {i}.5"), "\n")),
        // 198 locals then expressions needing temporaries
        format!(
            "local {} = 1; local y = {{a1 and a2 or a3, f(a4, a5, a6)}}",
            n(198, &|i| format!("a{i}"), ",")
        ),
        // many comparisons with big constants as immediates/K
        format!(
            "local x; return {}",
            n(250, &|i| format!("x == {}", i * 1000), " or ")
        ),
        // assignment with many targets
        format!("{} = 1", n(250, &|i| format!("t[{i}]"), ",")),
        format!("local t; {} = 1", n(120, &|i| format!("t[{i}]"), ",")),
        // deeply chained field access and calls
        format!("local x = a{}", n(5000, &|_| ".b".to_string(), "")),
        format!("f{}", n(5000, &|_| "()".to_string(), "")),
        format!("local x = 1{}", n(5000, &|_| " + 1".to_string(), "")),
        format!("local x = a{}", n(5000, &|_| " + a".to_string(), "")),
        format!("local x = a{}", n(5000, &|_| " and a".to_string(), "")),
    ];
    for src in srcs {
        match compile_src(&src) {
            Ok(p) => assert!(p.maxstacksize as usize <= 255),
            Err(e) => {
                let e = e.to_string();
                assert!(
                    e.contains("registers") || e.contains("too many") || e.contains("overflow"),
                    "{e}"
                )
            }
        }
    }
}
