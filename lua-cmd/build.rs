//! Export the C API's symbols from the `lua` binary (PUC links its `lua` with `-Wl,-E`), so
//! C modules that do not link liblua themselves find them when `require` loads them.
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic");
}
