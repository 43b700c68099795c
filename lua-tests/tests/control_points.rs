//! The JIT interface: loop back-edges report to an installed hook with the prototype and pc.

#![forbid(unsafe_code)]

use lua_core::jitif::JitHook;
use std::cell::RefCell;
use std::rc::Rc;

/// A hook that only records where loop headers were reached.
struct Counter(Rc<RefCell<Vec<(usize, usize)>>>);

impl JitHook for Counter {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn loop_header(
        &self,
        st: &mut lua_core::State,
        pc: usize,
    ) -> lua_core::LuaResult<lua_core::jitif::Resume> {
        let cl = st.ts().frames.last().and_then(|f| f.closure).unwrap();
        self.0
            .borrow_mut()
            .push((cl.proto.linedefined as usize, pc));
        Ok(lua_core::jitif::Resume::Same)
    }
    fn record(&self, _st: &mut lua_core::State, _pc: usize) {}
    fn mark_roots(&self, _m: &mut lua_core::gc::Marker) {}
    fn hooks_changed(&self, _st: &mut lua_core::State) {}
}

fn count(src: &str) -> Vec<(usize, usize)> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut lua = lua_core::Lua::new();
    lua.state().jit = Some(Rc::new(Counter(seen.clone())));
    // Every back-edge is "hot" at threshold 1, so the hook sees each of them.
    lua.state().set_hot_threshold(1);
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
    jit::install(
        lua.state(),
        jit::JitConfig {
            hotloop: 1,
            ..jit::JitConfig::default()
        },
    );
    let r = lua
        .exec(
            b"local s = 0 for i = 1, 100 do s = s + i end return s",
            "=t",
        )
        .unwrap();
    assert_eq!(r[0].as_int(), Some(5050));
}
