//! Generational mode (gc/gen.rs): minor collections really happen and keep old->young edges,
//! the verifier's generational check catches a missing barrier, and the pacing parameters
//! work.
//!
//! The scenarios are deterministic: no JIT is installed (lua-core alone), the parameters are
//! fixed here, and the allocation sequence is the same on every run.

#![forbid(unsafe_code)]

use lua_core::object::UserData;
use lua_core::{Lua, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Fresh tables stored into an old table's array and hash parts, with garbage in between to
/// drive minor collections.
const TABLE_STORES: &str = r#"
local old = {}
for i = 1, 64 do old[i] = {} end
local names = {}
for i = 1, 64 do names[i] = "slot" .. i end
collectgarbage()                   -- everything above is old now
for i = 1, 20000 do
  local slot = i % 64 + 1
  old[slot] = { i }                -- array part
  old[names[slot]] = { i }         -- hash part
  local churn = { i, { i } }
end
local sum = 0
for i = 1, 64 do sum = sum + old[i][1] + old[names[i]][1] end
result = sum
"#;

/// Fresh tables stored into a closed upvalue of an old closure.
const UPVALUE_STORES: &str = r#"
local function make()
  local box
  return function(v) box = v end, function() return box end
end
local set, get = make()
collectgarbage()
for i = 1, 20000 do
  set({ i })
  local a, b, c = nil, nil, nil
  local churn = { i, { i } }
end
result = get()[1]
"#;

fn gen_lua() -> Lua {
    let mut lua = Lua::new();
    let st = lua.state();
    assert!(!st.set_gc_mode(true), "Lua::new starts incremental");
    st.heap.genminormul = 5;
    lua
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic>".into())
}

/// Run `program` in generational mode with verification; the verifier's panic message, if
/// any, and the numbers of minor and major collections.
fn run_gen_verified(program: &str, break_barrier: bool) -> (Result<(), String>, u64, u64) {
    let mut lua = gen_lua();
    lua.state().heap.verify = true;
    lua.state().heap.break_barrier_for_tests = break_barrier;
    let r = catch_unwind(AssertUnwindSafe(|| {
        lua.exec(program.as_bytes(), "=gc_generational")
    }));
    match r {
        Ok(Ok(_)) => {
            let h = &lua.state().heap;
            (Ok(()), h.minor_collections, h.major_collections)
        }
        Ok(Err(e)) => panic!("the program failed: {e}"),
        Err(payload) => {
            // The state was abandoned mid-collection by the panic; do not run its destructor.
            std::mem::forget(lua);
            (Err(panic_message(payload)), 0, 0)
        }
    }
}

#[test]
fn minor_collections_keep_old_to_young_table_edges() {
    let (r, minors, majors) = run_gen_verified(TABLE_STORES, false);
    r.unwrap();
    assert!(minors >= 20, "only {minors} minor collections");
    assert!(majors >= 1, "no major collection");
}

#[test]
fn minor_collections_keep_old_to_young_upvalue_edges() {
    let (r, minors, _) = run_gen_verified(UPVALUE_STORES, false);
    r.unwrap();
    assert!(minors >= 20, "only {minors} minor collections");
}

#[test]
fn verifier_catches_missing_generational_barrier() {
    let (r, _, _) = run_gen_verified(TABLE_STORES, true);
    let msg = r.expect_err("the verifier did not notice the missing barrier");
    assert!(msg.contains("missing generational barrier"), "{msg}");
    assert!(msg.contains("old Table object points"), "{msg}");
}

#[test]
fn verifier_catches_missing_upvalue_barrier() {
    let (r, _, _) = run_gen_verified(UPVALUE_STORES, true);
    let msg = r.expect_err("the verifier did not notice the missing barrier");
    assert!(msg.contains("missing generational barrier"), "{msg}");
    assert!(msg.contains("old UpVal object points"), "{msg}");
}

#[test]
fn programs_compute_expected_results() {
    let mut lua = gen_lua();
    lua.exec(TABLE_STORES.as_bytes(), "=tables").unwrap();
    let expected: i64 = (0..64)
        .map(|s| 2 * (1..=20000).rev().find(|i| i % 64 == s).unwrap())
        .sum();
    assert_eq!(lua.global_int("result"), Some(expected));
    lua.exec(UPVALUE_STORES.as_bytes(), "=upvalue").unwrap();
    assert_eq!(lua.global_int("result"), Some(20000));
    assert!(lua.state().heap.minor_collections > 0);
}

/// gengc.lua's userdata case (it needs the C test library there): an old userdata gets a
/// fresh table as its user value, which must survive minor collections.
#[test]
fn userdata_user_value_survives_minor_collections() {
    let mut lua = gen_lua();
    lua.state().heap.verify = true;
    let u = lua.state().heap.alloc(UserData::new(Box::new(()), 1));
    lua.state().set_global("U", Value::UserData(u));
    lua.exec(
        br#"
        collectgarbage()                              -- U is old
        debug.setuservalue(U, { x = { 234 } }, 1)
        collectgarbage("step", 0)
        collectgarbage("step", 0)
        for i = 1, 5000 do local t = { i } end
        collectgarbage("step", 0)
        result = debug.getuservalue(U, 1).x[1]
        "#,
        "=userdata",
    )
    .unwrap();
    assert_eq!(lua.global_int("result"), Some(234));
}

/// A minor collection frees young garbage without a major one, and "step" 0 is a minor
/// collection that reports no end of cycle, as in PUC Lua.
#[test]
fn step_zero_is_a_minor_collection() {
    let mut lua = gen_lua();
    lua.exec(b"collectgarbage()", "=setup").unwrap();
    let majors = lua.state().heap.major_collections;
    let minors = lua.state().heap.minor_collections;
    lua.exec(
        br#"
        local w = setmetatable({}, { __mode = "v" })
        w[1] = {}
        r1 = collectgarbage("step", 0)
        r2 = collectgarbage("step", 0)
        gone = w[1] == nil
        "#,
        "=step",
    )
    .unwrap();
    let heap = &lua.state().heap;
    assert_eq!(heap.major_collections, majors);
    assert_eq!(heap.minor_collections, minors + 2);
    assert!(!lua.global("r1").truthy());
    assert!(!lua.global("r2").truthy());
    assert!(
        lua.global("gone").truthy(),
        "young garbage survived two minor collections"
    );
}

/// genmajormul: a program whose old generation keeps growing gets major collections, more
/// often with a smaller multiplier.
#[test]
fn major_multiplier_paces_major_collections() {
    let program = br#"
        local keep = {}
        for i = 1, 200000 do
          local t = { i }
          if i % 4 == 0 then keep[#keep + 1] = t end
          if i % 40000 == 0 then keep = {} end
        end
    "#;
    let majors = |mul: usize| {
        let mut lua = gen_lua();
        lua.state().heap.genmajormul = mul;
        let before = lua.state().heap.major_collections;
        lua.exec(program, "=pacing").unwrap();
        lua.state().heap.major_collections - before
    };
    let (often, rarely) = (majors(20), majors(300));
    assert!(often > rarely, "majormul 20: {often} majors, 300: {rarely}");
}
