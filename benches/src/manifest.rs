//! `scripts/checksums.txt`: which scripts exist, their sizes, and the line each must print.
//!
//! Format, one entry per line (`#` starts a comment line):
//!
//! ```text
//! <script>  <class>  <n>  <expected output line, to the end of the line>
//! fib       default  34   fib(34) = 5702887
//! ```
//!
//! `<class>` is `default` (about one second under reference Lua; must equal the script's own
//! default), `small` (criterion) or `tiny` (tests). The expected line is what reference Lua 5.4
//! prints; it is recorded once with `compare --record` and only changes when a script does.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// The size classes, in file order.
pub const CLASSES: [&str; 3] = ["default", "small", "tiny"];

/// One size of one script and its expected output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Size {
    pub n: String,
    pub expected: String,
}

/// One benchmark script.
#[derive(Clone, Debug)]
pub struct Script {
    /// Name without `.lua`.
    pub name: String,
    /// Size class -> size and expected output.
    pub sizes: BTreeMap<String, Size>,
}

impl Script {
    pub fn file_name(&self) -> String {
        format!("{}.lua", self.name)
    }

    pub fn size(&self, class: &str) -> Option<&Size> {
        self.sizes.get(class)
    }
}

/// Parse the manifest text; scripts come out sorted by name.
pub fn parse(text: &str) -> Result<Vec<Script>, String> {
    let mut scripts: BTreeMap<String, Script> = BTreeMap::new();
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let bad = || {
            format!(
                "checksums.txt:{}: expected <script> <class> <n> <line>",
                lineno + 1
            )
        };
        let (name, rest) = line
            .trim_start()
            .split_once(char::is_whitespace)
            .ok_or_else(bad)?;
        let (class, rest) = rest
            .trim_start()
            .split_once(char::is_whitespace)
            .ok_or_else(bad)?;
        let (n, expected) = rest
            .trim_start()
            .split_once(char::is_whitespace)
            .ok_or_else(bad)?;
        if !CLASSES.contains(&class) {
            return Err(format!(
                "checksums.txt:{}: unknown size class {class}",
                lineno + 1
            ));
        }
        let s = scripts.entry(name.to_string()).or_insert_with(|| Script {
            name: name.to_string(),
            sizes: BTreeMap::new(),
        });
        s.sizes.insert(
            class.to_string(),
            Size {
                n: n.to_string(),
                expected: expected.trim_start().to_string(),
            },
        );
    }
    Ok(scripts.into_values().collect())
}

/// Read and parse `checksums.txt` in `dir`.
pub fn load(dir: &Path) -> Result<Vec<Script>, String> {
    let path = dir.join("checksums.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text)
}

/// Render a manifest (used by `compare --record`).
pub fn render(scripts: &[Script]) -> String {
    let mut out = String::from(
        "# Benchmark sizes and the checksum line reference Lua 5.4 prints for each.\n\
         # <script> <class> <n> <expected line>; see benches/src/manifest.rs.\n\
         # Regenerate with: cargo run --release -p benches --bin compare -- --record\n",
    );
    for s in scripts {
        for class in CLASSES {
            if let Some(size) = s.size(class) {
                out.push_str(&format!(
                    "{:<13} {:<7} {:<8} {}\n",
                    s.name, class, size.n, size.expected
                ));
            }
        }
    }
    out
}

/// The default size a script declares (`local n = tonumber(arg and arg[1]) or N`).
pub fn declared_default(src: &str) -> Option<String> {
    src.lines().find_map(|l| {
        l.trim()
            .strip_prefix("local n = tonumber(arg and arg[1]) or ")
            .map(|n| n.trim().to_string())
    })
}

/// Whether `output` (what a run printed) is the expected checksum line.
pub fn matches(output: &str, expected: &str) -> bool {
    output.trim_end_matches(['\n', '\r']) == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_render_round_trip() {
        let text = "# c\nfib default 34  fib(34) = 5702887\nfib tiny 5 fib(5) = 5\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].size("default").unwrap().expected, "fib(34) = 5702887");
        assert_eq!(s[0].size("tiny").unwrap().n, "5");
        let again = parse(&render(&s)).unwrap();
        assert_eq!(again[0].sizes, s[0].sizes);
    }

    #[test]
    fn bad_class_is_an_error() {
        assert!(parse("fib huge 3 x\n").is_err());
    }
}
