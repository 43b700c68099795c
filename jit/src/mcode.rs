//! Machine-code memory: areas of anonymous memory this crate maps, fills and protects.
//!
//! Code is assembled into an ordinary vector first (dynasm's `VecAssembler`; every jump it
//! emits is relative and every absolute address is an immediate, so the bytes do not
//! depend on where they land). Then [`Mcode::install`] copies them into an area. Areas are
//! mapped readable and executable and stay so: the bytes are written through
//! `/proc/self/mem`, which the kernel lets a process write past its own page protection
//! (as a debugger's breakpoints are), one system call per trace and no page ever writable.
//! Where that file cannot be written (no procfs, a kernel that forbids it), the pages being
//! written are made writable and not executable, filled, and made executable and not
//! writable again (W^X: never both); that costs two protection changes per trace, three
//! to four times the single write (measured: a program compiling 50,000 small traces spent
//! a fifth of its time in them). Areas are `sizemcode` KB; all areas together stay
//! under `maxmcode` KB, beyond which installing fails and the JIT flushes every trace.
//! Areas are filled in order; [`Mcode::reset`], called when every trace is flushed and no
//! compiled code runs (`Jit::reclaim`), makes them all empty again, their old bytes
//! overwritten with `int3` so that a stale jump into freed code traps at once.
//!
//! Invariants:
//! - A page is never writable and executable at once.
//! - Installed code never moves; it is freed only by `reset`, whose caller guarantees that
//!   no installed code is running or will be returned to or jumped to (every trace that
//!   could reach it is flushed). Each trace records the range it owns ([`CodeRange`]).
//! - Code is written only into bytes no live trace owns, so running code (on some native
//!   stack further down) is never modified.

use memmap2::MmapMut;

/// Where a trace's code lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRange {
    /// Address of the first byte (the entry point).
    pub addr: usize,
    pub len: usize,
}

struct Area {
    map: MmapMut,
    /// Bytes in use from the start.
    used: usize,
}

pub struct Mcode {
    areas: Vec<Area>,
    /// The area being filled (areas before it are full, after it empty).
    cur: usize,
    /// Size of a new area in bytes.
    pub area_size: usize,
    /// Limit on all areas together, in bytes.
    pub limit: usize,
    page: usize,
    /// `/proc/self/mem` for writing code (module doc): `Some` once opened, `None` before the
    /// first install and after it failed (`mem_failed`), when pages are made writable.
    mem: Option<std::fs::File>,
    mem_failed: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum McodeError {
    /// The code alone is bigger than an area.
    TooBig,
    /// The total limit is reached (or the system refused memory).
    Full,
}

impl Mcode {
    pub fn new(area_kb: usize, limit_kb: usize) -> Mcode {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let page = if page > 0 { page as usize } else { 4096 };
        Mcode {
            areas: Vec::new(),
            cur: 0,
            area_size: (area_kb.max(4) * 1024).next_multiple_of(page),
            limit: limit_kb * 1024,
            page,
            mem: None,
            mem_failed: false,
        }
    }

    /// Bytes of code installed so far.
    pub fn used(&self) -> usize {
        self.areas.iter().map(|a| a.used).sum()
    }

    /// Bytes mapped.
    pub fn mapped(&self) -> usize {
        self.areas.iter().map(|a| a.map.len()).sum()
    }

    /// Copy `code` into executable memory and return where it is.
    pub fn install(&mut self, code: &[u8]) -> Result<CodeRange, McodeError> {
        if code.len() > self.area_size {
            return Err(McodeError::TooBig);
        }
        let fits = |a: &Area| a.map.len() - a.used.next_multiple_of(16) >= code.len();
        while !self.areas.get(self.cur).is_some_and(fits) {
            if self.cur + 1 < self.areas.len() {
                self.cur += 1;
                continue;
            }
            if self.mapped() + self.area_size > self.limit {
                return Err(McodeError::Full);
            }
            let mut map = MmapMut::map_anon(self.area_size).map_err(|_| McodeError::Full)?;
            // SAFETY: the range is exactly this new mapping, which holds nothing yet.
            let rx = unsafe {
                libc::mprotect(
                    map.as_mut_ptr() as *mut libc::c_void,
                    map.len(),
                    libc::PROT_READ | libc::PROT_EXEC,
                )
            };
            if rx != 0 {
                return Err(McodeError::Full);
            }
            self.areas.push(Area { map, used: 0 });
            self.cur = self.areas.len() - 1;
        }
        let page = self.page;
        let area = &mut self.areas[self.cur];
        // 16-byte alignment for each trace's entry.
        let start = area.used.next_multiple_of(16);
        let end = start + code.len();
        if end > area.map.len() {
            return Err(McodeError::TooBig);
        }
        let base = area.map.as_mut_ptr() as usize;
        if !self.mem_failed {
            if self.mem.is_none() {
                self.mem = std::fs::OpenOptions::new()
                    .write(true)
                    .open("/proc/self/mem")
                    .ok();
            }
            use std::os::unix::fs::FileExt;
            // Only bytes at or after `used` are written, which no installed trace owns, so
            // code that may be running elsewhere in these pages is not changed.
            match &self.mem {
                Some(f) if f.write_all_at(code, (base + start) as u64).is_ok() => {
                    area.used = end;
                    return Ok(CodeRange {
                        addr: base + start,
                        len: code.len(),
                    });
                }
                _ => {
                    self.mem = None;
                    self.mem_failed = true;
                }
            }
        }
        let first_page = (base + start) / page * page;
        let last_page = (base + end).next_multiple_of(page);
        let len = last_page - first_page;
        // SAFETY: [first_page, last_page) lies inside this area's mapping (the mapping is
        // page-aligned and page-sized); only bytes at or after `used` are written, which no
        // installed trace owns, so code that may be running elsewhere in these pages is not
        // changed, and it runs again only after the pages are executable once more.
        unsafe {
            let p = first_page as *mut libc::c_void;
            if libc::mprotect(p, len, libc::PROT_READ | libc::PROT_WRITE) != 0 {
                return Err(McodeError::Full);
            }
            std::ptr::copy_nonoverlapping(code.as_ptr(), (base + start) as *mut u8, code.len());
            if libc::mprotect(p, len, libc::PROT_READ | libc::PROT_EXEC) != 0 {
                return Err(McodeError::Full);
            }
        }
        area.used = end;
        Ok(CodeRange {
            addr: base + start,
            len: code.len(),
        })
    }

    /// Free all code: every area is empty again, its used bytes overwritten with `int3`
    /// first. The caller guarantees that none of the code can run any more (module
    /// invariants). A protection change that fails leaves the area unused for good.
    pub fn reset(&mut self) {
        for a in &mut self.areas {
            if a.used == 0 {
                continue;
            }
            let len = a.used.next_multiple_of(self.page).min(a.map.len());
            let p = a.map.as_mut_ptr() as *mut libc::c_void;
            // SAFETY: [p, p + len) lies inside this area's page-aligned mapping; no code in it
            // runs (caller), so making it writable and overwriting it changes nothing live.
            let ok = unsafe {
                libc::mprotect(p, len, libc::PROT_READ | libc::PROT_WRITE) == 0 && {
                    std::ptr::write_bytes(p as *mut u8, 0xcc, a.used);
                    libc::mprotect(p, len, libc::PROT_READ | libc::PROT_EXEC) == 0
                }
            };
            a.used = if ok { 0 } else { a.map.len() };
        }
        self.cur = 0;
    }

    /// The installed bytes of `r` (for disassembly).
    pub fn bytes(&self, r: CodeRange) -> &[u8] {
        for a in &self.areas {
            let base = a.map.as_ptr() as usize;
            if r.addr >= base && r.addr + r.len <= base + a.map.len() {
                return &a.map[r.addr - base..r.addr - base + r.len];
            }
        }
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_and_run() {
        install_and_run_with(false);
    }

    /// The way without `/proc/self/mem`: pages made writable for the copy.
    #[test]
    fn install_and_run_by_protection_changes() {
        install_and_run_with(true);
    }

    fn install_and_run_with(no_mem: bool) {
        let mut m = Mcode::new(4, 64);
        m.mem_failed = no_mem;
        // mov eax, 42; ret
        let code = [0xb8, 42, 0, 0, 0, 0xc3];
        let r = m.install(&code).unwrap();
        assert_eq!(m.bytes(r), &code);
        // SAFETY: the bytes are a complete function returning 42 in eax.
        let f: extern "C" fn() -> u32 = unsafe { std::mem::transmute(r.addr) };
        assert_eq!(f(), 42);
        let r2 = m.install(&code).unwrap();
        assert!(r2.addr >= r.addr + code.len());
        assert_eq!(r2.addr % 16, 0);
        // (Which way the code was written: here, and on CI, `/proc/self/mem` is writable.)
        assert_eq!(m.mem.is_some(), !no_mem);
        // The pages were never left writable: reading the protection back from the kernel.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let line = maps
            .lines()
            .find(|l| {
                let (lo, hi) = l.split_once(' ').unwrap().0.split_once('-').unwrap();
                let (lo, hi) = (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16));
                (lo.unwrap()..hi.unwrap()).contains(&r2.addr)
            })
            .unwrap();
        assert!(line.contains(" r-x"), "{line}");
        // And the second trace runs too.
        // SAFETY: as above.
        let g: extern "C" fn() -> u32 = unsafe { std::mem::transmute(r2.addr) };
        assert_eq!(g(), 42);
    }

    #[test]
    fn limits() {
        let mut m = Mcode::new(4, 8);
        let big = vec![0xc3u8; 5000];
        assert_eq!(m.install(&big).unwrap_err(), McodeError::TooBig);
        let chunk = vec![0xc3u8; 3000];
        m.install(&chunk).unwrap();
        m.install(&chunk).unwrap();
        assert_eq!(m.install(&chunk).unwrap_err(), McodeError::Full);
    }
}
