//! The embedding API keeps what Rust holds alive: values returned by `exec`, `call`, `load`,
//! `global` and `string` survive later calls that collect (the values would otherwise be
//! freed and read as garbage), dropping them releases their roots, and a value from another
//! state is refused.

use lua_core::{Lua, Val};

/// Churn: allocate and drop enough to run full collections several times.
const CHURN: &[u8] = b"for i = 1, 3 do local t = {} for j = 1, 2000 do t[j] = {tostring(j)} end collectgarbage() end";

#[test]
fn returned_values_survive_collections() {
    let mut lua = Lua::new();
    let r = lua
        .exec(
            b"local s = string.rep('long string ', 10) return s, {n = 7}, function(a) return a .. '!' end",
            "=t",
        )
        .unwrap();
    let (s, t, f) = (r[0].clone(), r[1].clone(), r[2].clone());
    drop(r);
    // Nothing in Lua refers to them any more: only the Rust handles keep them.
    lua.exec(CHURN, "=churn").unwrap();
    assert_eq!(lua.bytes(&s), Some("long string ".repeat(10).as_bytes()));
    assert_eq!(t.type_name(), "table");
    let got = lua.call(&f, std::slice::from_ref(&s)).unwrap();
    lua.exec(CHURN, "=churn").unwrap();
    assert_eq!(
        lua.bytes(&got[0]),
        Some(format!("{}!", "long string ".repeat(10)).as_bytes())
    );
    // The table is still the same table: a function reads its field.
    let getn = lua.load(b"return (...).n", "=getn").unwrap();
    let n = lua.call(&getn, &[t]).unwrap();
    assert_eq!(n[0].as_int(), Some(7));
}

#[test]
fn strings_and_globals_made_from_rust_are_rooted() {
    let mut lua = Lua::new();
    let s = lua.string("made in Rust, long enough not to be a short string");
    let g = lua.global("string");
    lua.exec(b"string = nil", "=t").unwrap();
    lua.exec(CHURN, "=churn").unwrap();
    lua.set_global("string", &g);
    lua.set_global("msg", &s);
    let r = lua.exec(b"return string.upper(msg)", "=t").unwrap();
    assert_eq!(
        lua.bytes(&r[0]),
        Some(&b"MADE IN RUST, LONG ENOUGH NOT TO BE A SHORT STRING"[..])
    );
    assert_eq!(
        lua.global_string("msg").as_deref(),
        Some("made in Rust, long enough not to be a short string")
    );
}

#[test]
fn dropped_values_release_their_roots() {
    let mut lua = Lua::new();
    // A weak table sees whether the collector may free a value Rust held and dropped.
    lua.exec(b"weak = setmetatable({}, {__mode = 'v'})", "=t")
        .unwrap();
    let v = lua
        .exec(b"local t = {} weak[1] = t return t", "=t")
        .unwrap();
    lua.exec(CHURN, "=churn").unwrap();
    let alive = lua.exec(b"return weak[1] ~= nil", "=t").unwrap();
    assert_eq!(alive[0].as_bool(), Some(true));
    drop(v);
    lua.exec(CHURN, "=churn").unwrap();
    let alive = lua.exec(b"return weak[1] ~= nil", "=t").unwrap();
    assert_eq!(alive[0].as_bool(), Some(false));
    // Many handles made and dropped reuse their slots.
    for i in 0..10_000 {
        let s = lua.string(format!("value number {i} with some length to it"));
        assert!(lua.bytes(&s).is_some());
    }
    let n = lua
        .exec(
            b"local n = 0 for _ in pairs(debug.getregistry()['lua_core.api.roots']) do n = n + 1 end return n",
            "=t",
        )
        .unwrap();
    assert!(n[0].as_int().unwrap() < 10, "roots kept: {:?}", n[0]);
}

#[test]
fn values_of_another_state_are_refused() {
    let mut a = Lua::new();
    let mut b = Lua::new();
    let f = a.load(b"return 1", "=a").unwrap();
    let s = a.string("from a");
    assert!(b.call(&f, &[]).is_err());
    assert_eq!(b.bytes(&s), None);
    b.set_global("x", &s);
    assert!(b.global("x").is_nil());
    // Plain values belong to no state.
    b.set_global("y", &Val::int(3));
    assert_eq!(b.global_int("y"), Some(3));
    // A value outliving its state is harmless: it can no longer be read.
    drop(a);
    assert_eq!(b.bytes(&s), None);
    assert_eq!(s.type_name(), "string");
}
