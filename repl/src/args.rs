//! The command line of `lua`: one pass over argv that mirrors lua.c's `collectargs` and
//! `runargs`, plus LuaJIT-style JIT options (`-j cmd`, `-jCMD`, `-O[opt,...]`).
//!
//! Why not clap: PUC's grammar is positional and order-sensitive in ways clap cannot express.
//! Options end at the first argument that does not start with `-` (everything after it belongs
//! to the script, even `-e`); `-e`/`-l` take their value either glued (`-eCODE`) or as the next
//! argument, which must not itself start with `-`; `-e` and `-l` (and `-W`) take effect in
//! the order given, interleaved; `-i` implies `-v`; and the error text for a bad option
//! ("'-e' needs argument" / "unrecognized option '-x'") and the usage text must match lua.c
//! byte for byte. A hand-written pass over argv gives all of that in a few lines.
//!
//! Parsing is pure: it only classifies arguments. `crate::run` executes the result.

#![forbid(unsafe_code)]

use std::io::Write;

/// An option that runs, in command-line order (lua.c's `runargs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `-e stat`: run `stat` as a chunk named `=(command line)`.
    Exec(Vec<u8>),
    /// `-l mod` or `-l g=mod`: `g = require(mod)`.
    Require(Vec<u8>),
    /// `-W`: turn warnings on.
    WarnOn,
}

/// What the command line asks for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Options {
    /// Index in argv of the script name (`-` for stdin), if any (lua.c's `script`).
    pub script: Option<usize>,
    /// The script is named `-` after `--`: a file called "-", not stdin.
    pub script_is_file_dash: bool,
    /// `-i`: enter the REPL after the script.
    pub interactive: bool,
    /// `-v` (or `-i`): print the version banner.
    pub version: bool,
    /// `-e` was given (it counts as "something to do", `-l` does not).
    pub has_e: bool,
    /// `-E`: ignore LUA_INIT and LUA_PATH/LUA_CPATH.
    pub no_env: bool,
    /// `-e`, `-l` and `-W` in order.
    pub actions: Vec<Action>,
    /// JIT options without their leading dash (`joff`, `Ohotloop=10`), in order.
    pub jit: Vec<String>,
}

/// A bad command line: the offending argument (what lua.c's `print_usage` receives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOption(pub Vec<u8>);

/// Classify argv (argv[0] is the program name) like lua.c's `collectargs`.
pub fn parse(argv: &[Vec<u8>]) -> Result<Options, BadOption> {
    let mut o = Options::default();
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a.first() != Some(&b'-') {
            o.script = Some(i);
            return Ok(o);
        }
        let bad = || Err(BadOption(a.clone()));
        let rest = &a[2.min(a.len())..];
        match a.get(1).copied() {
            None => {
                // `-`: the script is stdin.
                o.script = Some(i);
                return Ok(o);
            }
            Some(b'-') => {
                if !rest.is_empty() {
                    return bad();
                }
                if i + 1 < argv.len() {
                    o.script = Some(i + 1);
                    o.script_is_file_dash = true;
                }
                return Ok(o);
            }
            Some(b'E') if rest.is_empty() => o.no_env = true,
            Some(b'W') if rest.is_empty() => o.actions.push(Action::WarnOn),
            Some(b'i') if rest.is_empty() => {
                o.interactive = true;
                o.version = true;
            }
            Some(b'v') if rest.is_empty() => o.version = true,
            Some(c @ (b'e' | b'l' | b'j')) => {
                let val = if !rest.is_empty() {
                    rest.to_vec()
                } else {
                    match argv.get(i + 1) {
                        Some(v) if v.first() != Some(&b'-') => {
                            i += 1;
                            v.clone()
                        }
                        _ => return bad(),
                    }
                };
                match c {
                    b'e' => {
                        o.has_e = true;
                        o.actions.push(Action::Exec(val));
                    }
                    b'l' => o.actions.push(Action::Require(val)),
                    _ => {
                        let opt = format!("j{}", String::from_utf8_lossy(&val));
                        if !jit_option_ok(&opt) {
                            return bad();
                        }
                        o.jit.push(opt);
                    }
                }
            }
            Some(b'O') => {
                // LuaJIT: `-O`, `-O3`, `-Ohotloop=10,hotexit=2` (a comma-separated list).
                let text = String::from_utf8_lossy(rest);
                let opts: Vec<String> = if text.is_empty() {
                    vec!["O".into()]
                } else {
                    text.split(',').map(|p| format!("O{p}")).collect()
                };
                if !opts.iter().all(|p| jit_option_ok(p)) {
                    return bad();
                }
                o.jit.extend(opts);
            }
            _ => return bad(),
        }
        i += 1;
    }
    Ok(o)
}

/// Whether the JIT accepts `opt` (tried on a scratch configuration).
fn jit_option_ok(opt: &str) -> bool {
    jit::JitConfig::default().apply_option(opt)
}

/// lua.c's `print_usage`, to stderr. The text is PUC's exactly (JIT options are in docs/cli.md),
/// so scripts and people that parse it see what they expect; `-j` is reported like `-e`/`-l`.
pub fn print_usage(progname: &[u8], bad: &BadOption) {
    let mut msg = progname.to_vec();
    msg.extend_from_slice(b": ");
    let (before, after): (&[u8], &[u8]) = if matches!(bad.0.get(1), Some(b'e' | b'l' | b'j')) {
        (b"'", b"' needs argument\n")
    } else {
        (b"unrecognized option '", b"'\n")
    };
    msg.extend_from_slice(before);
    msg.extend_from_slice(&bad.0);
    msg.extend_from_slice(after);
    msg.extend_from_slice(b"usage: ");
    msg.extend_from_slice(progname);
    msg.extend_from_slice(
        b" [options] [script [args]]\n\
          Available options are:\n\
          \x20 -e stat   execute string 'stat'\n\
          \x20 -i        enter interactive mode after executing 'script'\n\
          \x20 -l mod    require library 'mod' into global 'mod'\n\
          \x20 -l g=mod  require library 'mod' into global 'g'\n\
          \x20 -v        show version information\n\
          \x20 -E        ignore environment variables\n\
          \x20 -W        turn warnings on\n\
          \x20 --        stop handling options\n\
          \x20 -         stop handling options and execute stdin\n",
    );
    let _ = std::io::stderr().write_all(&msg);
}

/// Split a `-l` value into (global name, module name) as lua.c 5.4.8's `dolibrary` does:
/// `g=mod` names both; otherwise the global is the module name up to a `-` (LUA_IGMARK), so
/// `-l mod-v2` runs `mod = require "mod-v2"`.
pub fn lib_names(val: &[u8]) -> (Vec<u8>, Vec<u8>) {
    if let Some(eq) = val.iter().position(|&c| c == b'=') {
        return (val[..eq].to_vec(), val[eq + 1..].to_vec());
    }
    let g = match val.iter().position(|&c| c == b'-') {
        Some(d) => &val[..d],
        None => val,
    };
    (g.to_vec(), val.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<Vec<u8>> {
        std::iter::once("lua")
            .chain(a.iter().copied())
            .map(|s| s.as_bytes().to_vec())
            .collect()
    }

    #[test]
    fn order_and_script() {
        let o = parse(&argv(&[
            "-e", "a=1", "-lm", "-W", "-ex", "s.lua", "-e", "y",
        ]))
        .unwrap();
        assert_eq!(o.script, Some(6));
        assert_eq!(
            o.actions,
            vec![
                Action::Exec(b"a=1".to_vec()),
                Action::Require(b"m".to_vec()),
                Action::WarnOn,
                Action::Exec(b"x".to_vec()),
            ]
        );
        assert!(o.has_e);
    }

    #[test]
    fn dashes() {
        assert_eq!(parse(&argv(&["-"])).unwrap().script, Some(1));
        let o = parse(&argv(&["--", "-"])).unwrap();
        assert_eq!(o.script, Some(2));
        assert!(o.script_is_file_dash);
        assert_eq!(parse(&argv(&["--"])).unwrap().script, None);
    }

    #[test]
    fn bad_options() {
        for bad in [
            &["-x"][..],
            &["-e"],
            &["-e", "-x"],
            &["-l"],
            &["-iv"],
            &["--x"],
            &["-jbogus"],
            &["-Ohotloop=x"],
        ] {
            assert_eq!(
                parse(&argv(bad)),
                Err(BadOption(bad[0].as_bytes().to_vec()))
            );
        }
    }

    #[test]
    fn jit_options() {
        let o = parse(&argv(&["-joff", "-j", "on", "-O3", "-Ohotloop=5"])).unwrap();
        assert_eq!(o.jit, vec!["joff", "jon", "O3", "Ohotloop=5"]);
    }

    #[test]
    fn library_names() {
        assert_eq!(lib_names(b"m"), (b"m".to_vec(), b"m".to_vec()));
        assert_eq!(lib_names(b"g=m"), (b"g".to_vec(), b"m".to_vec()));
        assert_eq!(lib_names(b"m-v2"), (b"m".to_vec(), b"m-v2".to_vec()));
    }
}
