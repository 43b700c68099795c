//! Builds the C half of the API (src/shim.c): setjmp/longjmp and the variadic functions.
fn main() {
    println!("cargo:rerun-if-changed=src/shim.c");
    cc::Build::new()
        .file("src/shim.c")
        .warnings(true)
        .compile("lua_capi_shim");
}
