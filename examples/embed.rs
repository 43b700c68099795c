//! Embedding lua-core in a Rust program: run a chunk, register a Rust function, read globals.
//!
//! Run with `cargo run -p examples --example embed`.

#![forbid(unsafe_code)]

use lua_core::{Lua, State, Value};

/// A native function: returns the sum of its integer arguments.
fn sum(st: &mut State) -> lua_core::LuaResult<usize> {
    let mut total: i64 = 0;
    for i in 1..=st.nargs() {
        total = total.wrapping_add(st.check_int(i)?);
    }
    Ok(st.ret(&[Value::Int(total)]))
}

fn main() {
    let mut lua = Lua::new();
    lua.register("sum", sum);
    lua.exec(
        b"answer = sum(20, 20, 2)\ngreeting = 'hi from Lua'",
        "=embed",
    )
    .expect("chunk runs");
    println!("answer = {:?}", lua.global_int("answer"));
    println!("greeting = {:?}", lua.global_string("greeting"));
    // Values held by Rust stay alive across later calls (they are rooted until dropped).
    let greet = lua
        .exec(
            b"return function(who) return 'hello, ' .. who end",
            "=embed",
        )
        .expect("chunk runs")
        .remove(0);
    lua.exec(b"collectgarbage()", "=embed").expect("chunk runs");
    let who = lua.string("embedder");
    let r = lua.call(&greet, &[who]).expect("call runs");
    println!(
        "{}",
        String::from_utf8_lossy(lua.bytes(&r[0]).unwrap_or(b"?"))
    );
    match lua.exec(b"sum(1, 'x')", "=embed") {
        Ok(_) => println!("unexpected success"),
        Err(msg) => println!("error: {msg}"),
    }
}
