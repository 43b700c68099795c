//! Signals, the only unsafe code in the `lua` command.
//!
//! - `InterruptGuard`: while Lua code runs, SIGINT (Ctrl-C) sets the state's interrupt flag,
//!   which makes the VM raise "interrupted!" at the next Lua call or loop back-edge (lua.c's `laction` +
//!   `lstop`). As in lua.c the handler then restores the default action, so a second Ctrl-C
//!   kills a program stuck where the flag is never looked at. Dropping the guard restores the
//!   previous handler; at the REPL prompt the terminal is in raw mode and Ctrl-C is a key.
//!
//! The handler only loads an atomic pointer, stores an atomic bool and calls `signal`, all
//! async-signal-safe. The pointer is to the `AtomicBool` inside the state's
//! `Arc<AtomicBool>`; the guard holds a clone of that Arc, so it is valid while installed.

use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Arc;

const SIGINT: c_int = 2;
const SIG_DFL: usize = 0;
const SIG_ERR: usize = usize::MAX;

extern "C" {
    /// C's `signal(2)`; handlers are passed and returned as addresses (`SIG_DFL` is 0).
    fn signal(signum: c_int, handler: usize) -> usize;
}

/// The flag SIGINT sets; null when no guard is installed.
static FLAG: AtomicPtr<AtomicBool> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_sigint(_sig: c_int) {
    let p = FLAG.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: `p` came from `Arc::as_ptr` of an Arc that the installed guard keeps alive
        // (and the Lua state owns another clone), so it points to a live AtomicBool.
        unsafe { (*p).store(true, Ordering::SeqCst) };
    }
    // SAFETY: `signal` is async-signal-safe; SIG_DFL is a valid disposition.
    unsafe { signal(SIGINT, SIG_DFL) };
}

/// SIGINT interrupts Lua code while this is alive.
pub struct InterruptGuard {
    flag: Arc<AtomicBool>,
    previous: usize,
}

impl InterruptGuard {
    pub fn install(flag: &Arc<AtomicBool>) -> InterruptGuard {
        let flag = Arc::clone(flag);
        flag.store(false, Ordering::SeqCst);
        FLAG.store(Arc::as_ptr(&flag).cast_mut(), Ordering::SeqCst);
        let handler: extern "C" fn(c_int) = on_sigint;
        // SAFETY: installs a handler that only does async-signal-safe work (see module doc);
        // FLAG is set before, so the handler never sees a stale pointer.
        let previous = unsafe { signal(SIGINT, handler as usize) };
        InterruptGuard { flag, previous }
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        let previous = if self.previous == SIG_ERR {
            SIG_DFL
        } else {
            self.previous
        };
        // SAFETY: restores the disposition `signal` returned at install (or the default).
        unsafe { signal(SIGINT, previous) };
        FLAG.store(std::ptr::null_mut(), Ordering::SeqCst);
        // A Ctrl-C that came after the code finished must not hit the next chunk.
        self.flag.store(false, Ordering::SeqCst);
    }
}
