//! The Rust side of a Lua file handle (PUC's `luaL_Stream` + C stdio `FILE`).
//!
//! A handle's userdata payload is an [`LStream`]; `kind == None` means closed. Regular files
//! get their own stdio-like buffering ([`FileBuf`]): one read buffer and one write buffer,
//! never both non-empty at once, so `r+`/`w+` files can mix reads, writes and seeks the way
//! C programs do (a write first gives back unread input by seeking, a read first flushes
//! pending output). Standard output is not buffered here: it goes through the interpreter's
//! own buffer (`State::write_out`) so that `print` and `io.write` interleave correctly.
//! Standard input is Rust's process-wide buffered stdin, shared with `loadfile()` of stdin.
//!
//! Errors are `std::io::Error`s; callers turn them into PUC's `nil, msg, errno` triples.
//! Nothing here calls into Lua.

#![forbid(unsafe_code)]

use crate::state::State;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, ChildStdout};

/// Size of file buffers (C's BUFSIZ on glibc).
const BUFSIZE: usize = 8192;

/// errno values for errors we synthesise (Linux numbering, as strerror would report).
pub const EBADF: i32 = 9;
pub const ESPIPE: i32 = 29;

pub fn ebadf() -> io::Error {
    io::Error::from_raw_os_error(EBADF)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VBuf {
    No,
    Full,
    Line,
}

/// A regular file with C-stdio-like buffering.
pub struct FileBuf {
    file: File,
    readable: bool,
    writable: bool,
    rbuf: Vec<u8>,
    rpos: usize,
    wbuf: Vec<u8>,
}

impl FileBuf {
    pub fn new(file: File, readable: bool, writable: bool) -> FileBuf {
        FileBuf {
            file,
            readable,
            writable,
            rbuf: Vec::new(),
            rpos: 0,
            wbuf: Vec::new(),
        }
    }

    fn flush_w(&mut self) -> io::Result<()> {
        if !self.wbuf.is_empty() {
            let r = self.file.write_all(&self.wbuf);
            self.wbuf.clear();
            r?;
        }
        Ok(())
    }

    /// Give unread buffered input back to the file (before a write or a seek).
    fn drop_r(&mut self) -> io::Result<()> {
        let unread = self.rbuf.len() - self.rpos;
        self.rbuf.clear();
        self.rpos = 0;
        if unread > 0 {
            self.file.seek(SeekFrom::Current(-(unread as i64)))?;
        }
        Ok(())
    }

    fn write(&mut self, b: &[u8], vbuf: VBuf) -> io::Result<()> {
        if !self.writable {
            return Err(ebadf());
        }
        self.drop_r()?;
        self.wbuf.extend_from_slice(b);
        let flush = match vbuf {
            VBuf::No => true,
            VBuf::Line => b.contains(&b'\n'),
            VBuf::Full => self.wbuf.len() >= BUFSIZE,
        };
        if flush {
            self.flush_w()?;
        }
        Ok(())
    }

    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.flush_w()?;
        let unread = (self.rbuf.len() - self.rpos) as i64;
        self.rbuf.clear();
        self.rpos = 0;
        let pos = match pos {
            SeekFrom::Current(off) => SeekFrom::Current(off.saturating_sub(unread)),
            p => p,
        };
        self.file.seek(pos)
    }
}

impl Read for FileBuf {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for FileBuf {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.readable {
            return Err(ebadf());
        }
        self.flush_w()?;
        if self.rpos >= self.rbuf.len() {
            self.rbuf.resize(BUFSIZE, 0);
            self.rpos = 0;
            match self.file.read(&mut self.rbuf) {
                Ok(n) => self.rbuf.truncate(n),
                Err(e) => {
                    self.rbuf.clear();
                    return Err(e);
                }
            }
        }
        Ok(&self.rbuf[self.rpos..])
    }
    fn consume(&mut self, n: usize) {
        self.rpos = (self.rpos + n).min(self.rbuf.len());
    }
}

impl Drop for FileBuf {
    fn drop(&mut self) {
        let _ = self.flush_w();
    }
}

pub enum Kind {
    File(FileBuf),
    Stdin,
    Stdout,
    Stderr,
    PipeRead(Child, BufReader<ChildStdout>),
    PipeWrite(Child, BufWriter<ChildStdin>),
}

/// The payload of a file-handle userdata.
pub struct LStream {
    /// None once closed.
    pub kind: Option<Kind>,
    pub vbuf: VBuf,
}

/// How closing went: PUC's `luaL_fileresult` or `luaL_execresult` shapes.
pub enum CloseResult {
    Ok,
    Err(io::Error),
    /// A standard file: stays open; "cannot close standard file".
    NoClose,
    /// A process: exited with `code` (`"exit"`) or was killed by signal `code` (`"signal"`).
    Exit(&'static str, i64),
}

impl LStream {
    pub fn new(kind: Kind) -> LStream {
        let tty =
            matches!(kind, Kind::Stdout) && std::io::IsTerminal::is_terminal(&std::io::stdout());
        let vbuf = if tty { VBuf::Line } else { VBuf::Full };
        LStream {
            kind: Some(kind),
            vbuf,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.kind.is_none()
    }

    pub fn is_std(&self) -> bool {
        matches!(self.kind, Some(Kind::Stdin | Kind::Stdout | Kind::Stderr))
    }

    /// Run `f` with the stream as a buffered reader (errors for write-only streams).
    pub fn with_reader<R>(
        &mut self,
        st: &mut State,
        f: impl FnOnce(&mut dyn BufRead) -> io::Result<R>,
    ) -> io::Result<R> {
        match &mut self.kind {
            Some(Kind::File(fb)) => f(fb),
            Some(Kind::Stdin) => {
                st.flush_out();
                stdin_open()?;
                let mut lock = std::io::stdin().lock();
                f(&mut lock)
            }
            Some(Kind::PipeRead(_, r)) => {
                st.flush_out();
                f(r)
            }
            _ => Err(ebadf()),
        }
    }

    pub fn write(&mut self, st: &mut State, b: &[u8]) -> io::Result<()> {
        let vbuf = self.vbuf;
        match &mut self.kind {
            Some(Kind::File(fb)) => fb.write(b, vbuf),
            Some(Kind::Stdout) => {
                st.try_write_out(b)?;
                let flush = match vbuf {
                    VBuf::No => true,
                    VBuf::Line => b.contains(&b'\n'),
                    VBuf::Full => false,
                };
                if flush {
                    st.try_flush_out()?;
                }
                Ok(())
            }
            Some(Kind::Stderr) => {
                let mut e = std::io::stderr();
                e.write_all(b)
            }
            Some(Kind::PipeWrite(_, w)) => {
                if vbuf == VBuf::No || (vbuf == VBuf::Line && b.contains(&b'\n')) {
                    st.flush_out();
                    w.write_all(b)?;
                    w.flush()?;
                } else {
                    if w.capacity() - w.buffer().len() < b.len() {
                        st.flush_out();
                    }
                    w.write_all(b)?;
                }
                Ok(())
            }
            _ => Err(ebadf()),
        }
    }

    pub fn flush(&mut self, st: &mut State) -> io::Result<()> {
        match &mut self.kind {
            Some(Kind::File(fb)) => {
                fb.flush_w()?;
                fb.file.flush()
            }
            Some(Kind::Stdout) => st.try_flush_out(),
            Some(Kind::PipeWrite(_, w)) => {
                st.flush_out();
                w.flush()
            }
            _ => Ok(()),
        }
    }

    pub fn seek(&mut self, st: &mut State, pos: SeekFrom) -> io::Result<u64> {
        match &mut self.kind {
            Some(Kind::File(fb)) => fb.seek(pos),
            Some(Kind::Stdout) => {
                st.flush_out();
                seek_fd(std::io::stdout().as_fd_owned(), pos)
            }
            Some(Kind::Stdin) => seek_fd(std::io::stdin().as_fd_owned(), pos),
            Some(Kind::Stderr) => seek_fd(std::io::stderr().as_fd_owned(), pos),
            _ => Err(io::Error::from_raw_os_error(ESPIPE)),
        }
    }

    pub fn setvbuf(&mut self, mode: VBuf) {
        if !matches!(self.kind, Some(Kind::Stderr)) {
            self.vbuf = mode;
        }
    }

    /// Close the stream (standard files refuse and stay open).
    pub fn close(&mut self, st: &mut State) -> CloseResult {
        if self.is_std() {
            return CloseResult::NoClose;
        }
        match self.kind.take() {
            None => CloseResult::Ok,
            Some(Kind::File(mut fb)) => match fb.flush_w() {
                Ok(()) => CloseResult::Ok,
                Err(e) => CloseResult::Err(e),
            },
            Some(Kind::PipeRead(child, r)) => {
                drop(r);
                wait_child(child)
            }
            Some(Kind::PipeWrite(child, mut w)) => {
                // Our own pending output first: the child writes to the same stdout.
                st.flush_out();
                let _ = w.flush();
                drop(w);
                wait_child(child)
            }
            Some(k) => {
                self.kind = Some(k);
                CloseResult::NoClose
            }
        }
    }
}

/// Rust's stdin reads a closed descriptor 0 as end of file; C's stdin (PUC's `io.read`)
/// reports EBADF. Whether fd 0 is open is asked once: Lua cannot close or reopen it.
pub fn stdin_open() -> io::Result<()> {
    static OPEN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *OPEN.get_or_init(|| std::io::stdin().as_fd_owned().is_ok()) {
        Ok(())
    } else {
        Err(ebadf())
    }
}

fn wait_child(mut child: Child) -> CloseResult {
    match child.wait() {
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt;
            if let Some(c) = status.code() {
                CloseResult::Exit("exit", c as i64)
            } else if let Some(s) = status.signal() {
                CloseResult::Exit("signal", s as i64)
            } else {
                CloseResult::Exit("exit", 0)
            }
        }
        Err(e) => CloseResult::Err(e),
    }
}

/// Seek a standard stream through a duplicate of its descriptor (shares the file offset).
fn seek_fd(fd: io::Result<std::os::fd::OwnedFd>, pos: SeekFrom) -> io::Result<u64> {
    let mut f = File::from(fd?);
    f.seek(pos)
}

trait AsFdOwned {
    fn as_fd_owned(&self) -> io::Result<std::os::fd::OwnedFd>;
}
impl<T: std::os::fd::AsFd> AsFdOwned for T {
    fn as_fd_owned(&self) -> io::Result<std::os::fd::OwnedFd> {
        self.as_fd().try_clone_to_owned()
    }
}

// ----- reading primitives (PUC's read_line, read_all, read_chars, test_eof, read_number) -----

/// Read a line; `keep_nl` keeps the '\n'. Returns the bytes and whether anything was read
/// (a newline or at least one byte).
pub fn read_line(r: &mut dyn BufRead, keep_nl: bool) -> io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut n = 0;
    // BufRead::read_until, but growing the line where failing is an error
    // (`ErrorKind::OutOfMemory`, which the caller raises as "not enough memory").
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let (take, done) = match buf.iter().position(|&c| c == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if out.try_reserve(take).is_err() {
            return Err(io::ErrorKind::OutOfMemory.into());
        }
        out.extend_from_slice(&buf[..take]);
        r.consume(take);
        n += take;
        if done {
            break;
        }
    }
    let got_nl = out.last() == Some(&b'\n');
    if got_nl && !keep_nl {
        out.pop();
    }
    Ok((out, n > 0))
}

pub fn read_all(r: &mut dyn BufRead) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.read_to_end(&mut out)?;
    Ok(out)
}

/// Read up to `n` bytes, appended to `out`; success iff at least one was read.
pub fn read_chars(r: &mut dyn BufRead, n: u64, mut out: Vec<u8>) -> io::Result<Vec<u8>> {
    r.take(n).read_to_end(&mut out)?;
    Ok(out)
}

/// True when not at end of file.
pub fn test_eof(r: &mut dyn BufRead) -> io::Result<bool> {
    Ok(!r.fill_buf()?.is_empty())
}

/// Maximum length of a numeral read by "n" (PUC's L_MAXLENNUM).
const MAXLENNUM: usize = 200;

struct NumReader<'a> {
    r: &'a mut dyn BufRead,
    buf: Vec<u8>,
    overflow: bool,
}

impl NumReader<'_> {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.r.fill_buf()?.first().copied())
    }
    /// Accept the current char into the buffer (PUC's nextc); false on overflow.
    fn next(&mut self, c: u8) -> bool {
        if self.buf.len() >= MAXLENNUM {
            self.overflow = true;
            return false;
        }
        self.buf.push(c);
        self.r.consume(1);
        true
    }
    fn test2(&mut self, set: &[u8; 2]) -> io::Result<bool> {
        match self.peek()? {
            Some(c) if c == set[0] || c == set[1] => Ok(self.next(c)),
            _ => Ok(false),
        }
    }
    fn digits(&mut self, hex: bool) -> io::Result<usize> {
        let mut count = 0;
        while let Some(c) = self.peek()? {
            let ok = if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            };
            if !ok || !self.next(c) {
                break;
            }
            count += 1;
        }
        Ok(count)
    }
}

/// Read the longest prefix that looks like a numeral and convert it (PUC's read_number).
pub fn read_number(r: &mut dyn BufRead) -> io::Result<Option<crate::value::Value>> {
    let mut rn = NumReader {
        r,
        buf: Vec::new(),
        overflow: false,
    };
    while let Some(c) = rn.peek()? {
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            rn.r.consume(1);
        } else {
            break;
        }
    }
    rn.test2(b"-+")?;
    let mut count = 0;
    let mut hex = false;
    if rn.test2(b"00")? {
        if rn.test2(b"xX")? {
            hex = true;
        } else {
            count = 1;
        }
    }
    count += rn.digits(hex)?;
    if rn.test2(b"..")? {
        count += rn.digits(hex)?;
    }
    if count > 0 && rn.test2(if hex { b"pP" } else { b"eE" })? {
        rn.test2(b"-+")?;
        rn.digits(false)?;
    }
    if rn.overflow {
        return Ok(None);
    }
    Ok(crate::numparse::str2number(&rn.buf))
}
