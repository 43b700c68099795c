//! Backend tests: small IR programs (text in) assembled, installed and run on a fake Lua
//! stack; the exit taken and the values its snapshot restores are checked. One test per
//! guard kind shows that guard leaving the trace with the right state.

use crate::asm::{assemble, count_exits, Entry, Params};
use crate::exec::ExecCtx;
use crate::ir::{parse, Ir};
use crate::mcode::Mcode;
use crate::regalloc::allocate;
use lua_core::Value;
use std::cell::Cell;

/// Run `src` on `stack` (slot 0 is register 0): the exit number taken, and the snapshot's
/// (slot, value) entries at that exit.
fn run(src: &str, stack: &mut [Value]) -> (u32, Vec<(i32, Value)>) {
    let ir: Ir = parse(src).unwrap_or_else(|e| panic!("{e}"));
    crate::verify::verify(&ir).unwrap_or_else(|e| panic!("{e}"));
    let ra = allocate(&ir, crate::exec::MAX_SPILL).expect("allocates");
    let table: Box<[Cell<usize>]> = (0..count_exits(&ir)).map(|_| Cell::new(0)).collect();
    let code = assemble(
        &ir,
        &ra,
        Params {
            max_slot: stack.len() as i32,
            trace_no: 1,
            exit_table: table.as_ptr(),
            entry: Entry::Root,
            link_addr: 0,
            link_rebase: crate::asm::LinkRebase::default(),
            link_frames: None,
        },
    )
    .expect("assembles");
    let mut m = Mcode::new(64, 1024);
    let r = m.install(&code.bytes).expect("installs");
    for e in table.iter() {
        e.set(r.addr + code.common_offset);
    }
    let mut lua = lua_core::Lua::new();
    let st = lua.state();
    // The closure comes from the state the trace runs in (a closure from a state dropped
    // at once would be freed memory).
    let cl = match st.load_chunk(b"return 1", b"=x", b"bt", None) {
        Ok(Value::LuaFn(c)) => c,
        _ => unreachable!(),
    };
    let mut ctx = ExecCtx::new(st, cl, 0, 0);
    // SAFETY: the code was assembled for this calling convention and installed just above;
    // `stack` has room for every slot the IR touches (`max_slot`).
    let f: crate::trace::TraceFn = unsafe { std::mem::transmute::<usize, _>(r.addr) };
    // SAFETY: as above.
    let exit = unsafe { f(stack.as_mut_ptr(), &mut ctx) };
    assert_eq!(ctx.exit_trace, 1);
    let snap = code.exits[exit as usize] as usize;
    let vals = ir.snaps[snap]
        .entries
        .iter()
        .map(|&(s, r)| (s, ctx.value(&ir, &ra, r)))
        .collect();
    (exit, vals)
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("not an integer: {other:?}"),
    }
}

#[test]
fn counting_loop_exits_with_its_counter() {
    // i = slot 0; loop: i = i + 3 while i < 100; exit restores slot 0.
    let src = "\
.... SNAP #0 pc=0 [ ]
0001 > int SLOAD #0
0002   int ADD 0001 3
.... SNAP #1 pc=0 [ 0:0002 ]
0003 > int LT 0002 100
0004   --- LOOP
0005   int ADD 0002 3
.... SNAP #2 pc=0 [ 0:0005 ]
0006 > int LT 0005 100
0007   int PHI 0002 0005
";
    let mut stack = vec![Value::Int(1); 2];
    let (_, vals) = run(src, &mut stack);
    assert_eq!(vals.len(), 1);
    assert_eq!(int(&vals[0].1), 100);
}

#[test]
fn count_down_guard_exits_with_the_count_before_decrement() {
    // A for loop's count: NE x, 0 then ADD x, -1 in one register (one `sub; jb`): the
    // exit at count 0 restores 0, not the decremented -1; the index counts the iterations.
    let src = "\
.... SNAP #0 pc=0 [ ]
0001 > int SLOAD #0
0002 > int SLOAD #1
.... SNAP #1 pc=0 [ 0:0001 1:0002 ]
0003 > int NE 0002 0
0004   int ADD 0002 -1
0005   int ADD 0001 1
.... SNAP #2 pc=0 [ 0:0005 1:0004 ]
0006   --- LOOP
.... SNAP #3 pc=0 [ 0:0005 1:0004 ]
0007 > int NE 0004 0
0008   int ADD 0004 -1
0009   int ADD 0005 1
0010   int PHI 0004 0008
0011   int PHI 0005 0009
";
    let mut stack = vec![Value::Int(10), Value::Int(5)];
    let (_, vals) = run(src, &mut stack);
    let slot = |s: i32| int(&vals.iter().find(|v| v.0 == s).expect("slot").1);
    assert_eq!((slot(0), slot(1)), (15, 0));
}

#[test]
fn sload_type_guard() {
    let src = ".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n.... SNAP #1 pc=0 [ 1:0001 ]\n0002 > int LT 0001 0\n0003   --- LOOP\n";
    let mut stack = vec![Value::Float(1.0), Value::Nil];
    let (exit, vals) = run(src, &mut stack);
    assert_eq!(exit, 0, "the type check fails first");
    assert!(vals.is_empty());
}

#[test]
fn float_compares_follow_nan_rules() {
    // GE is "not LT": it holds for NaN, so the loop runs until LT fails... the guard
    // `x LT 1.0` fails at once for NaN, and `x GE 1.0` holds for NaN.
    let lt =
        ".... SNAP #0 pc=0 [ ]\n0001 > num SLOAD #0\n0002 > num LT 0001 +1e0\n0003   --- LOOP\n";
    let mut stack = vec![Value::Float(f64::NAN)];
    assert_eq!(run(lt, &mut stack).0, 1, "NaN < 1 is false");
    let ge = ".... SNAP #0 pc=0 [ ]\n0001 > num SLOAD #0\n0002 > num GE 0001 +1e0\n0003 > num EQ 0001 +5e0\n0004   --- LOOP\n";
    let mut stack = vec![Value::Float(f64::NAN)];
    assert_eq!(
        run(ge, &mut stack).0,
        2,
        "not (NaN < 1) holds; NaN == 5 fails"
    );
}

#[test]
fn ntoi_guard_needs_an_exact_integer() {
    let src = "\
.... SNAP #0 pc=0 [ ]
0001 > num SLOAD #0
0002 > int NTOI 0001
.... SNAP #1 pc=0 [ 1:0002 ]
0003 > int LT 0002 0
0004   --- LOOP
";
    let mut stack = vec![Value::Float(2.5), Value::Nil];
    assert_eq!(run(src, &mut stack).0, 1, "2.5 has no integer value");
    let mut stack = vec![Value::Float(7.0), Value::Nil];
    let (exit, vals) = run(src, &mut stack);
    assert_eq!(exit, 2);
    assert_eq!(int(&vals[0].1), 7);
}

#[test]
fn unsigned_bound_guard() {
    let src = ".... SNAP #0 pc=0 [ ]\n0001 > int SLOAD #0\n0002 > int ULT 0001 10\n0003 > int EQ 0001 0\n0004   --- LOOP\n";
    let mut stack = vec![Value::Int(-1)];
    assert_eq!(run(src, &mut stack).0, 1, "-1 is huge unsigned");
    let mut stack = vec![Value::Int(3)];
    assert_eq!(run(src, &mut stack).0, 2);
}

#[test]
fn many_live_values_spill_and_restore() {
    // 40 float values live at once, all restored by the exit.
    let mut src = String::from(".... SNAP #0 pc=0 [ ]\n0001 > num SLOAD #0\n");
    for i in 0..40 {
        src.push_str(&format!("{:04}   num ADD 0001 +{}e0\n", i + 2, i));
    }
    src.push_str(".... SNAP #1 pc=0 [");
    for i in 0..40 {
        src.push_str(&format!(" {}:{:04}", i + 1, i + 2));
    }
    src.push_str(" ]\n0042 > num LT 0001 -1e0\n0043   --- LOOP\n");
    let mut stack = vec![Value::Float(0.5); 41];
    let (exit, vals) = run(&src, &mut stack);
    assert_eq!(exit, 1);
    assert_eq!(vals.len(), 40);
    for (k, (slot, v)) in vals.iter().enumerate() {
        assert_eq!(*slot, k as i32 + 1);
        match v {
            Value::Float(f) => assert_eq!(*f, 0.5 + k as f64),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn integer_arithmetic_wraps_and_divides_like_lua() {
    let src = "\
.... SNAP #0 pc=0 [ ]
0001 > int SLOAD #0
0002 > int SLOAD #1
0003   int ADD 0001 0002
0004   int MUL 0001 0002
0005   int IDIV 0001 -2
0006   int MOD 0001 -2
0007   int BSHL 0002 62
0008   int BSHR 0001 70
.... SNAP #1 pc=0 [ 2:0003 3:0004 4:0005 5:0006 6:0007 7:0008 ]
0009 > int LT 0001 0
0010   --- LOOP
";
    let mut stack = vec![
        Value::Int(i64::MAX),
        Value::Int(3),
        Value::Nil,
        Value::Nil,
        Value::Nil,
        Value::Nil,
        Value::Nil,
        Value::Nil,
    ];
    let (exit, vals) = run(src, &mut stack);
    assert_eq!(exit, 2);
    let v: Vec<i64> = vals.iter().map(|(_, v)| int(v)).collect();
    assert_eq!(v[0], i64::MAX.wrapping_add(3));
    assert_eq!(v[1], i64::MAX.wrapping_mul(3));
    assert_eq!(v[2], lua_core::number::int_idiv(i64::MAX, -2).unwrap());
    assert_eq!(v[3], lua_core::number::int_mod(i64::MAX, -2).unwrap());
    assert_eq!(v[4], 3i64 << 62);
    assert_eq!(v[5], 0, "a shift of 70 gives 0");
}

#[test]
fn nil_type_guard() {
    let src = "\
.... SNAP #0 pc=0 [ ]
0001 > num SLOAD #0
0002   num MUL 0001 +2e0
0003 > nil SLOAD #1
0004   --- LOOP
";
    let mut stack = vec![Value::Float(1.5), Value::Int(1)];
    assert_eq!(run(src, &mut stack).0, 1, "slot 1 is not nil");
}

#[test]
fn table_array_and_hash_accesses() {
    // t = {10, 20, 30, x = 1.5, y = 2}: t[2] is read through AREF, t.x through HREFK (with
    // the node it was found in, the node count guarded first), t.x is doubled in place.
    let mut lua = lua_core::Lua::new();
    let t = match lua
        .exec(b"T = {10, 20, 30, x = 1.5, y = 2} return T", "=t")
        .expect("runs")[0]
        .raw()
    {
        Value::Table(t) => t,
        _ => unreachable!(),
    };
    let x = lua.state().intern(b"x");
    let node = t.jit_find_str(x).expect("x is in the hash part");
    let src = format!(
        "\
.... SNAP #0 pc=0 [ ]
0001   ptr FLOAD tab:{t:#x} tab.array
0002   ptr AREF 0001 2
0003 > int VLOAD 0002
0004   int FLOAD tab:{t:#x} tab.nodelen
0005 > int EQ 0004 2
0006   ptr FLOAD tab:{t:#x} tab.node
0007 > ptr HREFK 0006 str:{x:#x} @{node}
0008 > num VLOAD 0007
0009   num ADD 0008 0008
0010   num VSTORE 0007 0009
.... SNAP #1 pc=0 [ 0:0003 1:0009 ]
0011 > int LT 0003 0
0012   --- LOOP
",
        t = t.addr(),
        x = x.addr(),
        node = node
    );
    let mut stack = vec![Value::Nil; 2];
    let (exit, vals) = run(&src, &mut stack);
    assert_eq!(t.hash_len(), 2);
    assert_eq!(exit, 4, "all guards but the last hold");
    assert_eq!(int(&vals[0].1), 20);
    assert!(matches!(vals[1].1, Value::Float(f) if f == 3.0));
    assert!(
        matches!(t.get_str(x), Value::Float(f) if f == 3.0),
        "stored in place"
    );
    // The same code with the other node (it holds "y") leaves at the HREFK guard.
    let wrong = src.replace(&format!("@{node}"), &format!("@{}", node ^ 1));
    let mut stack = vec![Value::Nil; 2];
    assert_eq!(run(&wrong, &mut stack).0, 2);
}
