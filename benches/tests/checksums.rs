//! Quick checks of the benchmark scripts (a few seconds in all): the manifest agrees with the
//! scripts, reference Lua prints the recorded checksum at each script's `tiny` size, and so
//! does our VM. Timing is not tested here; see `cargo bench -p benches` and `compare`.

#![forbid(unsafe_code)]

use benches::{manifest, Engine};

fn scripts() -> Vec<manifest::Script> {
    let s = manifest::load(&benches::scripts_dir()).unwrap();
    assert!(
        s.len() >= 18,
        "expected at least 18 benchmark scripts, found {}",
        s.len()
    );
    s
}

fn source(s: &manifest::Script) -> Vec<u8> {
    std::fs::read(benches::scripts_dir().join(s.file_name())).unwrap()
}

#[test]
fn manifest_covers_every_script_and_default() {
    let dir = benches::scripts_dir();
    let listed: Vec<String> = scripts().iter().map(|s| s.file_name()).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".lua") {
            assert!(listed.contains(&name), "{name} is not in checksums.txt");
        }
    }
    for s in scripts() {
        for class in manifest::CLASSES {
            assert!(s.size(class).is_some(), "{}: no {class} size", s.name);
        }
        let declared = manifest::declared_default(&String::from_utf8_lossy(&source(&s)));
        assert_eq!(
            declared.as_deref(),
            Some(s.size("default").unwrap().n.as_str()),
            "{}: the script's default size differs from checksums.txt",
            s.name
        );
    }
}

/// Whether an error only says a standard library table does not exist yet in our VM. Such
/// scripts are skipped (with a message) rather than failed, so that benchmarks can be written
/// ahead of the libraries they use; once a library lands its scripts are checked.
fn missing_library(msg: &str) -> bool {
    ["string", "table", "math", "os", "coroutine", "utf8", "io"]
        .iter()
        .any(|lib| msg.contains(&format!("attempt to index a nil value (global '{lib}')")))
}

/// Run every script at its tiny size under `engine`; report all mismatches at once.
fn check_engine(engine: Engine) {
    let mut failures = Vec::new();
    for s in scripts() {
        let size = s.size("tiny").unwrap();
        match engine.run(&s.file_name(), &source(&s), &size.n) {
            Ok(out) if manifest::matches(&out, &size.expected) => {}
            Ok(out) => failures.push(format!(
                "{} ({}): printed {:?}, expected {:?}",
                s.name,
                engine.name(),
                out.trim_end(),
                size.expected
            )),
            Err(e) if missing_library(&e) => {
                eprintln!(
                    "{} ({}): skipped until the library lands: {e}",
                    s.name,
                    engine.name()
                )
            }
            Err(e) => failures.push(format!("{} ({}): error: {e}", s.name, engine.name())),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn reference_lua_prints_recorded_checksums() {
    check_engine(Engine::Reference);
}

#[test]
fn our_vm_prints_recorded_checksums() {
    check_engine(Engine::OursJitOff);
}

#[test]
fn our_vm_with_jit_prints_recorded_checksums() {
    check_engine(Engine::OursJitOn);
}
