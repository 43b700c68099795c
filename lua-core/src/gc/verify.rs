//! The heap verifier (LUA_GC_VERIFY=1): after the atomic phase and after each sweep, walk
//! every object and check that each reference points to a live object of the kind the value
//! says, and (after atomic) that no black object points to a white one. A violation is a bug
//! in the collector or a missing write barrier: it panics with a report naming the object
//! kinds and the edge.

use super::{with_kind, GcBox, GcHeader, Heap, Kind, BLACK, WHITES};
use crate::object::{LuaClosure, LuaStr, NativeClosure, Thread, UpVal, UserData};
use crate::table::Table;
use crate::value::Value;
use std::collections::HashMap;
use std::ptr::NonNull;

/// Check the heap; panics on a violation. `when` names the phase for the report.
pub fn check(heap: &Heap, when: &str) {
    if let Err(report) = verify(heap, when == "atomic") {
        panic!("GC verify failed after {when}: {report}");
    }
}

/// The checks behind `check`; returns a report instead of panicking.
pub fn verify(heap: &Heap, colours: bool) -> Result<(), String> {
    let mut live: HashMap<usize, Kind> = HashMap::new();
    let mut objects = Vec::new();
    heap.for_each_object(|h, _| {
        // SAFETY: list nodes are live boxes.
        live.insert(h.as_ptr() as usize, unsafe { h.as_ref() }.kind);
        objects.push(h);
    });
    for h in objects {
        // SAFETY: as above.
        let hdr = unsafe { h.as_ref() };
        let mut edges: Vec<(Value, &'static str)> = Vec::new();
        let mut ups: Vec<usize> = Vec::new();
        with_kind!(h, |b| {
            // SAFETY: live object.
            let obj = unsafe { &b.as_ref().data };
            Children::children(obj, &mut edges, &mut ups)
        });
        let black = hdr.marked.get() & BLACK != 0;
        for (v, what) in edges {
            let (addr, kind) = match v {
                Value::Str(g) => (g.addr(), Kind::Str),
                Value::Table(g) => (g.addr(), Kind::Table),
                Value::LuaFn(g) => (g.addr(), Kind::LuaFn),
                Value::NativeFn(g) => (g.addr(), Kind::NativeFn),
                Value::UserData(g) => (g.addr(), Kind::UserData),
                Value::Thread(g) => (g.addr(), Kind::Thread),
                _ => continue,
            };
            check_edge(&live, hdr, addr, kind, what, black && colours)?;
        }
        for addr in ups {
            check_edge(&live, hdr, addr, Kind::UpVal, "upvalue", black && colours)?;
        }
    }
    Ok(())
}

fn check_edge(
    live: &HashMap<usize, Kind>,
    from: &GcHeader,
    addr: usize,
    kind: Kind,
    what: &str,
    black_from: bool,
) -> Result<(), String> {
    match live.get(&addr) {
        None => Err(format!(
            "{:?} object refers ({what}) to a freed {:?} at {addr:#x}",
            from.kind, kind
        )),
        Some(k) if *k != kind => Err(format!(
            "{:?} object refers ({what}) to {addr:#x} as a {:?}, but it is a {:?}",
            from.kind, kind, k
        )),
        Some(_) => {
            if black_from {
                // SAFETY: addr is a live object's header (it is in `live`).
                let to = unsafe { &*(addr as *const GcHeader) };
                if to.marked.get() & WHITES != 0 {
                    return Err(format!(
                        "black {:?} object points ({what}) to a white {:?} at {addr:#x} (missing write barrier)",
                        from.kind, kind
                    ));
                }
            }
            Ok(())
        }
    }
}

/// The references an object holds, for the verifier (mirrors `Trace`, without marking).
trait Children {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, ups: &mut Vec<usize>);
}

impl Children for LuaStr {
    fn children(&self, _: &mut Vec<(Value, &'static str)>, _: &mut Vec<usize>) {}
}
impl Children for Table {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, _: &mut Vec<usize>) {
        if let Some(mt) = self.metatable() {
            edges.push((Value::Table(mt), "metatable"));
        }
        let mut k = Value::Nil;
        while let Ok(Some((key, val))) = self.next(&k) {
            edges.push((key, "key"));
            edges.push((val, "value"));
            k = key;
        }
    }
}
impl Children for LuaClosure {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, ups: &mut Vec<usize>) {
        for k in &self.proto.k {
            edges.push((*k, "constant"));
        }
        for i in 0..self.nupvals() {
            ups.push(self.upval(i).addr());
        }
    }
}
impl Children for NativeClosure {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, _: &mut Vec<usize>) {
        for i in 0..self.nupvals() {
            edges.push((self.upval(i), "native upvalue"));
        }
    }
}
impl Children for UpVal {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, _: &mut Vec<usize>) {
        edges.push((self.get(), "upvalue value"));
    }
}
impl Children for UserData {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, _: &mut Vec<usize>) {
        if let Some(mt) = self.metatable() {
            edges.push((Value::Table(mt), "metatable"));
        }
        let mut i = 0;
        while let Some(v) = self.user_value(i) {
            edges.push((v, "user value"));
            i += 1;
        }
    }
}
impl Children for Thread {
    fn children(&self, edges: &mut Vec<(Value, &'static str)>, ups: &mut Vec<usize>) {
        let st = self.st();
        for v in &st.stack[..st.top.min(st.stack.len())] {
            edges.push((*v, "stack slot"));
        }
        for u in &st.open_upvals {
            ups.push(u.addr());
        }
    }
}

#[allow(dead_code)] // reason: kept for symmetry with the lists the verifier walks
fn header_addr(h: NonNull<GcHeader>) -> usize {
    h.as_ptr() as usize
}
