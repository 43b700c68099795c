//! The table library (PUC's ltablib): concat, insert, move, pack, remove, sort, unpack.
//!
//! Every element access goes through `State::index` / `State::set_index` (PUC's
//! `lua_geti` / `lua_seti`) and lengths through `luaL_len` semantics (`__len`, result must be
//! an integer), so proxies with `__index`/`__newindex`/`__len` work as in Lua 5.4. A
//! non-table first argument is accepted when its metatable has the metamethods the function
//! needs (PUC's `checktab`).
//!
//! Sorting follows the structure of PUC's quicksort (median of three, Sedgewick partition,
//! recursion into the smaller half so depth stays logarithmic) so that the order of comparator
//! calls, the placement of equal elements and the "invalid order function for sorting"
//! detection match the reference. The algorithm is written once over [`SortAccess`]: a fast
//! accessor sorts a Rust copy of a plain table's elements when they are all numbers or all
//! strings (no callbacks possible), the general accessor works on the table itself.
//!
//! GC invariant: a value read from a table and kept across a call that can run Lua code is
//! stored in a stack slot of this native (`sort`'s root slots, `remove`'s pushed result);
//! values copied by `move`/`insert` are passed straight to the next `set_index`.

#![forbid(unsafe_code)]

use crate::error::{LuaError, LuaResult};
use crate::state::{NResults, State};
use crate::tm::Tm;
use crate::value::Value;

pub fn open(st: &mut State) {
    super::new_lib(
        st,
        "table",
        &[
            ("concat", concat),
            ("insert", insert),
            ("pack", pack),
            ("unpack", unpack),
            ("remove", remove),
            ("move", move_),
            ("sort", sort),
        ],
    );
}

/// Operations a non-table must provide through its metatable to stand in for a table.
const TAB_R: u8 = 1;
const TAB_W: u8 = 2;
const TAB_L: u8 = 4;
const TAB_RW: u8 = TAB_R | TAB_W;

/// `lua_tointegerx`: integers, floats with an exact integer value, numeric strings.
pub(crate) fn to_integer(v: Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i),
        Value::Float(f) => crate::number::float_to_int_exact(f),
        Value::Str(s) => match crate::numparse::str2number(s.as_bytes()) {
            Some(Value::Int(i)) => Some(i),
            Some(Value::Float(f)) => crate::number::float_to_int_exact(f),
            _ => None,
        },
        _ => None,
    }
}

/// PUC's `checktab`: argument `arg` is a table or has the metamethods in `what`.
fn check_tab(st: &mut State, arg: usize, what: u8) -> LuaResult<()> {
    let v = st.arg(arg);
    if matches!(v, Value::Table(_)) {
        return Ok(());
    }
    if let Some(mt) = st.metatable(&v) {
        let has = |st: &mut State, tm: Tm| {
            let k = st.tm_name(tm);
            !mt.get_str(k).is_nil()
        };
        if (what & TAB_R == 0 || has(st, Tm::Index))
            && (what & TAB_W == 0 || has(st, Tm::NewIndex))
            && (what & TAB_L == 0 || has(st, Tm::Len))
        {
            return Ok(());
        }
    }
    Err(st.type_error_arg(arg, "table"))
}

/// `luaL_len`: the length of `v` (honouring `__len`), which must be an integer.
pub(crate) fn len_int(st: &mut State, v: Value) -> LuaResult<i64> {
    let l = st.len_of(v, None)?;
    match to_integer(l) {
        Some(n) => Ok(n),
        None => Err(st.rt_error("object length is not an integer")),
    }
}

/// PUC's `aux_getn`: check argument `arg` and return its length.
fn aux_getn(st: &mut State, arg: usize, what: u8) -> LuaResult<i64> {
    check_tab(st, arg, what | TAB_L)?;
    let v = st.arg(arg);
    len_int(st, v)
}

fn geti(st: &mut State, t: Value, i: i64) -> LuaResult<Value> {
    if let Value::Table(tab) = t {
        if tab.metatable().is_none() {
            return Ok(tab.get_int(i));
        }
    }
    st.index(t, Value::Int(i), None)
}

fn seti(st: &mut State, t: Value, i: i64, v: Value) -> LuaResult<()> {
    if let Value::Table(tab) = t {
        if tab.metatable().is_none() {
            // A table the library grows (insert, move) that cannot grow is PUC's memory
            // error, not an abort; an integer key is never nil or NaN.
            return match tab.try_set(Value::Int(i), v) {
                Err(crate::table::KeyError::NoMemory) => Err(st.no_memory()),
                _ => Ok(()),
            };
        }
    }
    st.set_index(t, Value::Int(i), v, None)
}

fn insert(st: &mut State) -> NResults {
    let t = st.arg(1);
    let n = aux_getn(st, 1, TAB_RW)?;
    let e = n.wrapping_add(1); // first empty element
    let pos = match st.nargs() {
        2 => e,
        3 => {
            let pos = st.check_int(2)?;
            // pos in [1, e]
            if (pos as u64).wrapping_sub(1) >= e as u64 {
                return Err(st.arg_error(2, "position out of bounds"));
            }
            let mut i = e;
            while i > pos {
                let v = geti(st, t, i - 1)?;
                seti(st, t, i, v)?;
                i -= 1;
            }
            pos
        }
        _ => return Err(st.rt_error("wrong number of arguments to 'insert'")),
    };
    let v = st.arg(st.nargs());
    seti(st, t, pos, v)?;
    Ok(0)
}

fn remove(st: &mut State) -> NResults {
    let t = st.arg(1);
    let size = aux_getn(st, 1, TAB_RW)?;
    let mut pos = st.opt_int(2, size)?;
    // pos in [1, size + 1] when given
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        return Err(st.arg_error(2, "position out of bounds"));
    }
    let res = geti(st, t, pos)?;
    st.push(res); // the result, rooted while the loop below may run metamethods
    while pos < size {
        let v = geti(st, t, pos + 1)?;
        seti(st, t, pos, v)?;
        pos += 1;
    }
    seti(st, t, pos, Value::Nil)?;
    Ok(1)
}

fn move_(st: &mut State) -> NResults {
    let f = st.check_int(2)?;
    let e = st.check_int(3)?;
    let t = st.check_int(4)?;
    let tt = if st.arg(5).is_nil() { 1 } else { 5 };
    check_tab(st, 1, TAB_R)?;
    check_tab(st, tt, TAB_W)?;
    let src = st.arg(1);
    let dst = st.arg(tt);
    if e >= f {
        if !(f > 0 || e < i64::MAX + f) {
            return Err(st.arg_error(3, "too many elements to move"));
        }
        let n = e - f + 1; // number of elements to move
        if t > i64::MAX - n + 1 {
            return Err(st.arg_error(4, "destination wrap around"));
        }
        let other = tt != 1 && !st.equals(src, dst)?;
        if t > e || t <= f || other {
            for i in 0..n {
                let v = geti(st, src, f + i)?;
                seti(st, dst, t + i, v)?;
            }
        } else {
            for i in (0..n).rev() {
                let v = geti(st, src, f + i)?;
                seti(st, dst, t + i, v)?;
            }
        }
    }
    Ok(st.ret(&[dst]))
}

fn concat(st: &mut State) -> NResults {
    let t = st.arg(1);
    let last = aux_getn(st, 1, TAB_R)?;
    let sep = match st.opt_str(2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let mut i = st.opt_int(3, 1)?;
    let last = st.opt_int(4, last)?;
    let mut buf: Vec<u8> = Vec::new();
    while i < last {
        add_field(st, &mut buf, t, i)?;
        st.buf_push(&mut buf, &sep)?;
        i += 1;
    }
    if i == last {
        add_field(st, &mut buf, t, i)?;
    }
    let r = st.str_from_buf(buf)?;
    Ok(st.ret(&[r]))
}

fn add_field(st: &mut State, buf: &mut Vec<u8>, t: Value, i: i64) -> LuaResult<()> {
    let v = geti(st, t, i)?;
    match v {
        Value::Str(s) => st.buf_push(buf, s.as_bytes())?,
        Value::Int(_) | Value::Float(_) => {
            let mut text = Vec::new();
            crate::tm::append_str_form(&v, &mut text);
            st.buf_push(buf, &text)?;
        }
        _ => {
            let tn = v.type_name();
            return Err(st.rt_error(format!(
                "invalid value ({tn}) at index {i} in table for 'concat'"
            )));
        }
    }
    Ok(())
}

fn pack(st: &mut State) -> NResults {
    let n = st.nargs();
    let t = st.new_table(n, 1);
    for i in 1..=n {
        t.set_int(i as i64, st.arg(i));
    }
    st.set_field(t, "n", Value::Int(n as i64));
    Ok(st.ret(&[Value::Table(t)]))
}

fn unpack(st: &mut State) -> NResults {
    let t = st.arg(1);
    let i = st.opt_int(2, 1)?;
    let e = if st.arg(3).is_nil() {
        len_int(st, t)?
    } else {
        st.check_int(3)?
    };
    if i > e {
        return Ok(0);
    }
    let n = (e as u64).wrapping_sub(i as u64); // number of elements minus 1
    if n >= i32::MAX as u64 || !st.ts().ensure(n as usize + 1) {
        return Err(st.rt_error("too many results to unpack"));
    }
    let mut k = i;
    while k < e {
        let v = geti(st, t, k)?;
        st.push(v);
        k += 1;
    }
    let v = geti(st, t, e)?;
    st.push(v);
    Ok(n as usize + 1)
}

// ----- sort -----

/// Above this size a badly unbalanced partition switches to randomized pivots.
const RANLIMIT: u64 = 100;

/// Element access and ordering for the quicksort. `get` keeps the value it returns alive in
/// root slot `slot` (0: pivot, 1 and 2: elements being compared or swapped).
trait SortAccess {
    fn get(&mut self, st: &mut State, i: u64, slot: usize) -> LuaResult<Value>;
    fn set(&mut self, st: &mut State, i: u64, v: Value) -> LuaResult<()>;
    fn less(&mut self, st: &mut State, a: Value, b: Value) -> LuaResult<bool>;
}

/// Sorting a Rust copy of the elements (index `i` is `v[i - 1]`); comparisons never call out.
struct VecAccess(Vec<Value>);

impl SortAccess for VecAccess {
    fn get(&mut self, _st: &mut State, i: u64, _slot: usize) -> LuaResult<Value> {
        Ok(self.0[(i - 1) as usize])
    }
    fn set(&mut self, _st: &mut State, i: u64, v: Value) -> LuaResult<()> {
        self.0[(i - 1) as usize] = v;
        Ok(())
    }
    fn less(&mut self, st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
        st.less_than(a, b)
    }
}

/// Sorting the object itself with metamethods and an optional comparator. `roots` is the
/// stack index of three slots that keep held values reachable.
struct ObjAccess {
    t: Value,
    cmp: Value,
    roots: usize,
}

impl SortAccess for ObjAccess {
    fn get(&mut self, st: &mut State, i: u64, slot: usize) -> LuaResult<Value> {
        let v = geti(st, self.t, i as i64)?;
        st.ts().stack[self.roots + slot] = v;
        Ok(v)
    }
    fn set(&mut self, st: &mut State, i: u64, v: Value) -> LuaResult<()> {
        seti(st, self.t, i as i64, v)
    }
    fn less(&mut self, st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
        if self.cmp.is_nil() {
            return st.less_than(a, b);
        }
        let ts = st.ts();
        if !ts.ensure(3 + crate::thread::MIN_STACK) {
            return Err(st.stack_overflow());
        }
        let func = ts.top;
        ts.stack[func] = self.cmp;
        ts.stack[func + 1] = a;
        ts.stack[func + 2] = b;
        ts.top = func + 3;
        st.call_at(func, 1)?;
        let ts = st.ts();
        let r = ts.stack[func].truthy();
        ts.top = func;
        Ok(r)
    }
}

fn order_error(st: &mut State) -> LuaError {
    st.rt_error("invalid order function for sorting")
}

/// Swap helper in PUC's order: `a[i] = vi; a[j] = vj`.
fn set2<A: SortAccess>(
    a: &mut A,
    st: &mut State,
    i: u64,
    vi: Value,
    j: u64,
    vj: Value,
) -> LuaResult<()> {
    a.set(st, i, vi)?;
    a.set(st, j, vj)
}

/// "Random" value from clock and time, used only after a very unbalanced partition.
fn randomize_pivot() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t as u32).wrapping_add((t >> 32) as u32)
}

/// Pick a pivot in the middle half of [lo, up], "randomized" by `rnd`.
fn choose_pivot(lo: u64, up: u64, rnd: u32) -> u64 {
    let r4 = (up - lo) / 4;
    (rnd as u64) % (r4 * 2) + (lo + r4)
}

/// Partition [lo, up] around the pivot `p` (already at `up - 1`); returns its final index.
/// Precondition: a[lo] <= p == a[up - 1] <= a[up].
fn partition<A: SortAccess>(
    a: &mut A,
    st: &mut State,
    lo: u64,
    up: u64,
    p: Value,
) -> LuaResult<u64> {
    let mut i = lo;
    let mut j = up - 1;
    loop {
        // Advance i while a[i] < P.
        let ai = loop {
            i += 1;
            let ai = a.get(st, i, 1)?;
            if !a.less(st, ai, p)? {
                break ai;
            }
            if i == up - 1 {
                return Err(order_error(st));
            }
        };
        // Retreat j while P < a[j].
        let aj = loop {
            j -= 1;
            let aj = a.get(st, j, 2)?;
            if !a.less(st, p, aj)? {
                break aj;
            }
            if j < i {
                return Err(order_error(st));
            }
        };
        if j < i {
            // No elements out of place: put the pivot at i.
            set2(a, st, up - 1, ai, i, p)?;
            return Ok(i);
        }
        set2(a, st, i, aj, j, ai)?;
    }
}

fn auxsort<A: SortAccess>(
    a: &mut A,
    st: &mut State,
    mut lo: u64,
    mut up: u64,
    mut rnd: u32,
) -> LuaResult<()> {
    while lo < up {
        // Order a[lo] and a[up].
        let vlo = a.get(st, lo, 1)?;
        let vup = a.get(st, up, 2)?;
        if a.less(st, vup, vlo)? {
            set2(a, st, lo, vup, up, vlo)?;
        }
        if up - lo == 1 {
            return Ok(());
        }
        let mut p = if up - lo < RANLIMIT || rnd == 0 {
            (lo + up) / 2
        } else {
            choose_pivot(lo, up, rnd)
        };
        // Order a[p] between a[lo] and a[up].
        let vp = a.get(st, p, 1)?;
        let vlo = a.get(st, lo, 2)?;
        if a.less(st, vp, vlo)? {
            set2(a, st, p, vlo, lo, vp)?;
        } else {
            let vup = a.get(st, up, 2)?;
            if a.less(st, vup, vp)? {
                set2(a, st, p, vup, up, vp)?;
            }
        }
        if up - lo == 2 {
            return Ok(());
        }
        let pivot = a.get(st, p, 0)?;
        let v = a.get(st, up - 1, 1)?;
        set2(a, st, p, v, up - 1, pivot)?;
        p = partition(a, st, lo, up, pivot)?;
        // Recurse into the smaller half, loop on the larger.
        let n;
        if p - lo < up - p {
            auxsort(a, st, lo, p - 1, rnd)?;
            n = p - lo;
            lo = p + 1;
        } else {
            auxsort(a, st, p + 1, up, rnd)?;
            n = up - p;
            up = p - 1;
        }
        if up.wrapping_sub(lo) / 128 > n {
            rnd = randomize_pivot();
        }
    }
    Ok(())
}

fn sort(st: &mut State) -> NResults {
    let n = aux_getn(st, 1, TAB_RW)?;
    if n > 1 {
        if n >= i32::MAX as i64 {
            return Err(st.arg_error(1, "array too big"));
        }
        if !st.arg(2).is_nil() {
            st.check_type(2, "function")?;
        }
        st.set_nargs(2);
        let t = st.arg(1);
        let cmp = st.arg(2);
        if let (Value::Table(tab), true) = (t, cmp.is_nil()) {
            if tab.metatable().is_none() {
                if let Some(v) = homogeneous_elements(tab, n) {
                    let mut acc = VecAccess(v);
                    let r = auxsort(&mut acc, st, 1, n as u64, 0);
                    // Also after an error: PUC leaves the partly sorted elements in place.
                    for (k, v) in acc.0.into_iter().enumerate() {
                        tab.set_int(k as i64 + 1, v);
                    }
                    r?;
                    return Ok(0);
                }
            }
        }
        let roots = st.frame().base + 2;
        st.set_nargs(5);
        let mut acc = ObjAccess { t, cmp, roots };
        auxsort(&mut acc, st, 1, n as u64, 0)?;
    }
    Ok(0)
}

/// The elements 1..n of a plain table if they are all numbers or all strings (so that
/// comparing them can neither fail nor call Lua).
fn homogeneous_elements(tab: crate::gc::Gc<crate::table::Table>, n: i64) -> Option<Vec<Value>> {
    let mut v = Vec::with_capacity(n as usize);
    let mut nums = false;
    let mut strs = false;
    for i in 1..=n {
        let x = tab.get_int(i);
        match x {
            Value::Int(_) | Value::Float(_) => nums = true,
            Value::Str(_) => strs = true,
            _ => return None,
        }
        if nums && strs {
            return None;
        }
        v.push(x);
    }
    Some(v)
}
