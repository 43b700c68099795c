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
            Err(e) => println!("{}", e.0.replace('\n', "\\n")),
        }
    }
}
