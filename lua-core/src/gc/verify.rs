//! The heap verifier (LUA_GC_VERIFY=1): after the atomic phase and after each sweep, walk
//! every object and check that each reference points to a live object of the kind the value
//! says, and (after atomic) that no black object points to a white one. In generational mode
//! it also checks, before each minor collection, that no old object points to a young one
//! unless the collection will traverse it (touched, remembered, or a thread): see gen.rs.
//! A violation is a bug in the collector or a missing write barrier: it panics with a report
//! naming the object kinds and the edge.

use super::{with_kind, GcBox, GcHeader, Heap, Kind, BLACK, OLD, WHITES};
use crate::object::{LuaClosure, LuaStr, NativeClosure, Thread, UpVal, UserData};
use crate::table::Table;
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr::NonNull;

/// Hashing of object addresses for the verifier's sets: a multiplicative hash, much cheaper
/// than the default SipHash (the verifier runs before every minor collection).
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
}

type AddrMap<V> = HashMap<usize, V, BuildHasherDefault<AddrHasher>>;
type AddrSet = HashSet<usize, BuildHasherDefault<AddrHasher>>;

/// Check the heap; panics on a violation. `when` names the phase for the report.
pub fn check(heap: &Heap, when: &str) {
    if let Err(report) = verify(heap, when == "atomic") {
        panic!("GC verify failed after {when}: {report}");
    }
}

/// Before a minor collection: check the generational invariant; panics on a violation.
pub fn check_generational(heap: &Heap) {
    if let Err(report) = verify_generational(heap) {
        panic!("GC verify failed before a minor collection: {report}");
    }
}

/// The checks behind `check_generational`: every reference is valid, and an old object
/// that the minor collection will not traverse points only to old objects.
pub fn verify_generational(heap: &Heap) -> Result<(), String> {
    let revisit: AddrSet = heap
        .remembered
        .iter()
        .copied()
        .chain(heap.log.snapshot())
        .map(|h| h.as_ptr() as usize)
        .collect();
    let mut live: AddrMap<Kind> = AddrMap::default();
    let mut objects = Vec::new();
    heap.for_each_object(|h, _| {
        // SAFETY: list nodes are live boxes.
        live.insert(h.as_ptr() as usize, unsafe { h.as_ref() }.kind);
        objects.push(h);
    });
    for h in objects {
        // SAFETY: as above.
        let hdr = unsafe { h.as_ref() };
        let (edges, ups) = children_of(h);
        let exempt = hdr.marked.get() & OLD == 0 // young: traversed when reached
            || hdr.kind == Kind::Thread // traversed by every minor collection
            || revisit.contains(&(h.as_ptr() as usize))
            || (hdr.kind == Kind::UpVal && {
                // SAFETY: kind UpVal names the payload. An open upvalue's value is a slot of
                // its thread's stack, which every minor collection traverses.
                let uv: super::Gc<UpVal> = unsafe { super::Gc::from_header(h) };
                uv.is_open()
            });
        if hdr.marked.get() & OLD != 0
            && hdr.marked.get() & BLACK == 0
            && hdr.kind != Kind::Thread
            && !revisit.contains(&(h.as_ptr() as usize))
        {
            return Err(format!(
                "old {:?} object at {:#x} is gray but neither touched nor remembered",
                hdr.kind,
                h.as_ptr() as usize
            ));
        }
        let targets = edges
            .into_iter()
            .filter_map(|(v, what)| value_target(&v).map(|(a, k)| (a, k, what)))
            .chain(ups.into_iter().map(|a| (a, Kind::UpVal, "upvalue")));
        for (addr, kind, what) in targets {
            check_edge(&live, hdr, addr, kind, what, false)?;
            // SAFETY: addr is a live object's header (check_edge found it in `live`).
            let to = unsafe { &*(addr as *const GcHeader) };
            if !exempt && to.marked.get() & OLD == 0 {
                return Err(format!(
                    "old {:?} object points ({what}) to a young {:?} at {addr:#x} without being touched or remembered (missing generational barrier)",
                    hdr.kind, kind
                ));
            }
        }
    }
    Ok(())
}

/// The references an object holds: values and upvalue addresses.
fn children_of(h: NonNull<GcHeader>) -> (Vec<(Value, &'static str)>, Vec<usize>) {
    let mut edges: Vec<(Value, &'static str)> = Vec::new();
    let mut ups: Vec<usize> = Vec::new();
    with_kind!(h, |b| {
        // SAFETY: the caller passes a live object.
        let obj = unsafe { &b.as_ref().data };
        Children::children(obj, &mut edges, &mut ups)
    });
    (edges, ups)
}

/// The address and kind of the object a value refers to, if collectable.
fn value_target(v: &Value) -> Option<(usize, Kind)> {
    Some(match *v {
        Value::Str(g) => (g.addr(), Kind::Str),
        Value::Table(g) => (g.addr(), Kind::Table),
        Value::LuaFn(g) => (g.addr(), Kind::LuaFn),
        Value::NativeFn(g) => (g.addr(), Kind::NativeFn),
        Value::UserData(g) => (g.addr(), Kind::UserData),
        Value::Thread(g) => (g.addr(), Kind::Thread),
        _ => return None,
    })
}

/// The checks behind `check`; returns a report instead of panicking.
pub fn verify(heap: &Heap, colours: bool) -> Result<(), String> {
    let mut live: AddrMap<Kind> = AddrMap::default();
    let mut objects = Vec::new();
    heap.for_each_object(|h, _| {
        // SAFETY: list nodes are live boxes.
        live.insert(h.as_ptr() as usize, unsafe { h.as_ref() }.kind);
        objects.push(h);
    });
    for h in objects {
        // SAFETY: as above.
        let hdr = unsafe { h.as_ref() };
        let (edges, ups) = children_of(h);
        let black = hdr.marked.get() & BLACK != 0;
        for (v, what) in edges {
            let Some((addr, kind)) = value_target(&v) else {
                continue;
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
    live: &AddrMap<Kind>,
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
