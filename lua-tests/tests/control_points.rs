//! The JIT interface: loop back-edges report to an installed hook with the prototype and pc.

use lua_core::proto::Proto;
use lua_core::state::JitHook;
use std::cell::RefCell;
use std::rc::Rc;

struct Counter(Rc<RefCell<Vec<(usize, usize)>>>);

impl JitHook for Counter {
    fn control_point(&mut self, proto: &Proto, pc: usize, _base: usize) {
        self.0.borrow_mut().push((proto.linedefined as usize, pc));
    }
}

fn count(src: &str) -> Vec<(usize, usize)> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut lua = lua_core::Lua::new();
    lua.state().jit = Some(Box::new(Counter(seen.clone())));
    lua.exec(src.as_bytes(), "=test").expect("script runs");
    let v = seen.borrow().clone();
    v
}

#[test]
fn numeric_for_reports_each_back_edge() {
    // 10 iterations: the FORLOOP jumps back 9 times.
    let v = count("local s = 0 for i = 1, 10 do s = s + i end assert(s == 55)");
    assert_eq!(v.len(), 9);
    assert!(
        v.iter().all(|&e| e == v[0]),
        "one loop, one control point: {v:?}"
    );
}

#[test]
fn generic_for_while_and_repeat_report() {
    assert_eq!(count("for _ in ipairs({1, 2, 3, 4}) do end").len(), 4);
    assert_eq!(count("local i = 0 while i < 5 do i = i + 1 end").len(), 5);
    assert_eq!(count("local i = 0 repeat i = i + 1 until i == 3").len(), 2);
}

#[test]
fn loops_in_functions_name_their_prototype() {
    let v = count("local function f()\n for i = 1, 3 do end\nend\nf() f()");
    assert_eq!(v.len(), 4);
    assert!(v.iter().all(|&(line, _)| line == 1));
}

#[test]
fn jit_counts_hot_loops_without_changing_results() {
    let mut lua = lua_core::Lua::new();
    lua.state().jit = Some(Box::new(jit::Jit::new(jit::JitConfig {
        enabled: true,
        hotloop: 1,
    })));
    let r = lua
        .exec(
            b"local s = 0 for i = 1, 100 do s = s + i end return s",
            "=t",
        )
        .unwrap();
    assert!(matches!(r[0], lua_core::Value::Int(5050)));
}
