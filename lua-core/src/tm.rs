//! Metamethods: lookup (with the absent-metamethod cache) and the slow paths of the
//! operations that may use them: indexing, assignment, arithmetic, comparison, concatenation,
//! length, equality and `tostring`.
//!
//! Invariants:
//! - `Table::flags` bit `tm` set means "this metatable has no `tm` field"; only the first
//!   `TM_CACHED` events are cached. The table clears the bits on any string-key store.
//!   `Table::fast_set_int`/`fast_set_str` also read the `__newindex` bit: a store into a
//!   table whose metatable is known to lack `__newindex` is a raw set, done inline.
//! - Metamethods called from instructions go through `call::call_meta`, which keeps the call
//!   yieldable (a yield there is finished by `vm::finish_op` on resume).
//! - Error messages follow PUC's ldebug.c wording; `reg_*` arguments name the register that
//!   held an operand so messages can say "(local 'x')" etc.

#![forbid(unsafe_code)]

use crate::error::LuaResult;
use crate::gc::Gc;
use crate::number::{self, ArithError, ArithOp};
use crate::object::LuaStr;
use crate::state::State;
use crate::table::Table;
use crate::value::Value;

macro_rules! tms {
    ($($name:ident = $s:literal,)*) => {
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub enum Tm { $($name,)* }
        pub const TM_NAMES: &[&str] = &[$($s,)*];
    };
}
tms! {
    Index = "__index", NewIndex = "__newindex", Gc = "__gc", Mode = "__mode", Len = "__len",
    Eq = "__eq", Add = "__add", Sub = "__sub", Mul = "__mul", Mod = "__mod", Pow = "__pow",
    Div = "__div", IDiv = "__idiv", BAnd = "__band", BOr = "__bor", BXor = "__bxor",
    Shl = "__shl", Shr = "__shr", Unm = "__unm", BNot = "__bnot", Lt = "__lt", Le = "__le",
    Concat = "__concat", Call = "__call", Close = "__close", ToString = "__tostring",
    Name = "__name", Metatable = "__metatable", Pairs = "__pairs",
}
pub const TM_COUNT: usize = TM_NAMES.len();
/// Events up to and including Eq are cached in `Table::flags`.
pub const TM_CACHED: usize = Tm::Eq as usize + 1;
// `Table::fast_set_*` read the `__newindex` bit directly.
const _: () = assert!((Tm::NewIndex as usize) < TM_CACHED);

/// Maximum length of an __index/__newindex chain (PUC's MAXTAGLOOP).
const MAX_TAG_LOOP: usize = 2000;

pub fn arith_tm(op: ArithOp) -> Tm {
    match op {
        ArithOp::Add => Tm::Add,
        ArithOp::Sub => Tm::Sub,
        ArithOp::Mul => Tm::Mul,
        ArithOp::Mod => Tm::Mod,
        ArithOp::Pow => Tm::Pow,
        ArithOp::Div => Tm::Div,
        ArithOp::IDiv => Tm::IDiv,
        ArithOp::BAnd => Tm::BAnd,
        ArithOp::BOr => Tm::BOr,
        ArithOp::BXor => Tm::BXor,
        ArithOp::Shl => Tm::Shl,
        ArithOp::Shr => Tm::Shr,
        ArithOp::Unm => Tm::Unm,
        ArithOp::BNot => Tm::BNot,
    }
}

impl State {
    /// Field `tm` of metatable `mt` (nil if absent), using the absence cache.
    #[inline]
    pub fn tm_of_table(&self, mt: Gc<Table>, tm: Tm) -> Value {
        let bit = tm as usize;
        if bit < TM_CACHED && mt.flags.get() & (1 << bit) != 0 {
            return Value::Nil;
        }
        // (Metamethod names are short strings.)
        let v = mt.get_short_str(self.tm_names[bit]);
        if v.is_nil() && bit < TM_CACHED {
            mt.flags.set(mt.flags.get() | (1 << bit));
        }
        v
    }

    /// Metamethod `tm` of value `v` (nil if none).
    #[inline]
    pub fn get_tm(&self, v: &Value, tm: Tm) -> Value {
        match self.metatable(v) {
            Some(mt) => self.tm_of_table(mt, tm),
            None => Value::Nil,
        }
    }

    /// `t[s]` for a string key when it resolves without calling anything: in `t` itself, or
    /// one level up through an `__index` table (the class/method pattern). Err: the table
    /// where the general path (`index_from`) goes on.
    #[inline(always)]
    pub(crate) fn index_str_fast(&self, t: Gc<Table>, s: Gc<LuaStr>) -> Result<Value, Gc<Table>> {
        self.index_str_chain(t, s, 2).map_err(|(stop, _)| stop)
    }

    /// Look string key `s` up in `tab` and then through `__index` tables, visiting at most
    /// `levels` tables. Ok: the result, found without calling anything. Err: the table the
    /// walk stopped at and the `__index` hops it took to get there, not finished (its `__index` is not a table, or it is the last table
    /// the budget allowed and it has a metatable); lookups have no side effects, so the
    /// general path can go on from there.
    #[inline(always)]
    fn index_str_chain(
        &self,
        mut tab: Gc<Table>,
        s: Gc<LuaStr>,
        levels: usize,
    ) -> Result<Value, (Gc<Table>, usize)> {
        // (Interned short strings compare by address: checked once, not at every table.)
        let short = s.is_short();
        for level in 1..=levels {
            let v = if short {
                tab.get_short_str(s)
            } else {
                tab.get_str(s)
            };
            if !v.is_nil() {
                return Ok(v);
            }
            let Some(mt) = tab.metatable() else {
                return Ok(Value::Nil);
            };
            if level == levels {
                return Err((tab, level - 1));
            }
            match self.tm_of_table(mt, Tm::Index) {
                Value::Nil => return Ok(Value::Nil),
                Value::Table(next) => tab = next,
                _ => return Err((tab, level - 1)),
            }
        }
        unreachable!("the loop returns at its last level")
    }

    /// Type name for messages, honouring a string `__name` in the metatable (luaT_objtypename).
    pub fn obj_typename(&self, v: &Value) -> String {
        if matches!(v, Value::Table(_) | Value::UserData(_)) {
            if let Some(mt) = self.metatable(v) {
                if let Value::Str(s) = mt.get_str(self.tm_name(Tm::Name)) {
                    return s.to_str_lossy().into_owned();
                }
            }
        }
        v.type_name().to_string()
    }

    // ----- indexing -----

    /// `obj[key]` with metamethods. `reg` names the register holding `obj`, for messages.
    pub fn index(
        &mut self,
        obj: Value,
        key: Value,
        reg: Option<crate::debug::Slot>,
    ) -> LuaResult<Value> {
        match obj {
            Value::Table(tab) => self.index_from(tab, obj, key, reg),
            _ => self.index_loop(obj, obj, key, reg, 0),
        }
    }

    /// `obj[key]` with metamethods, going on from table `tab` (`obj` itself, or where
    /// `index_str_fast` stopped on its chain: at most one hop from `obj`).
    #[inline(never)]
    pub(crate) fn index_from(
        &mut self,
        tab: Gc<Table>,
        obj: Value,
        key: Value,
        reg: Option<crate::debug::Slot>,
    ) -> LuaResult<Value> {
        let mut t = Value::Table(tab);
        let mut hops = usize::from(!t.raw_eq(&obj));
        if let Value::Str(s) = key {
            // The common chain (string key, `__index` tables) without the general loop's
            // generality; anything else goes on in the general loop from where it stopped.
            // (It stops a hop short of the limit: past it, a table without a metatable
            // no longer means nil.)
            match self.index_str_chain(tab, s, MAX_TAG_LOOP - hops) {
                Ok(v) => return Ok(v),
                Err((stop, more)) => {
                    t = Value::Table(stop);
                    hops += more;
                }
            }
        }
        self.index_loop(obj, t, key, reg, hops)
    }

    /// The general `__index` walk from `t`, `hops` links down the chain of `obj`. As PUC's
    /// luaV_finishget, the walk takes at most MAX_TAG_LOOP hops, whatever the key: the table
    /// reached by the last one is still looked in, then the chain is too long.
    fn index_loop(
        &mut self,
        obj: Value,
        mut t: Value,
        key: Value,
        reg: Option<crate::debug::Slot>,
        mut hops: usize,
    ) -> LuaResult<Value> {
        loop {
            let tm = match t {
                Value::Table(tab) => {
                    let v = tab.get(&key);
                    if !v.is_nil() {
                        return Ok(v);
                    }
                    if hops >= MAX_TAG_LOOP {
                        break;
                    }
                    match tab.metatable() {
                        None => return Ok(Value::Nil),
                        Some(mt) => {
                            let tm = self.tm_of_table(mt, Tm::Index);
                            if tm.is_nil() {
                                return Ok(Value::Nil);
                            }
                            tm
                        }
                    }
                }
                _ if hops >= MAX_TAG_LOOP => break,
                _ => {
                    let tm = self.get_tm(&t, Tm::Index);
                    if tm.is_nil() {
                        let slot = if t.raw_eq(&obj) { reg } else { None };
                        return Err(self.type_error(&t, "index", slot, Some(key)));
                    }
                    tm
                }
            };
            if tm.is_function() {
                return self.call_meta1(tm, &[t, key]);
            }
            t = tm;
            hops += 1;
        }
        Err(self.lua_rt_error("'__index' chain too long; possible loop"))
    }

    /// `obj[key] = val` with metamethods.
    pub fn set_index(
        &mut self,
        obj: Value,
        key: Value,
        val: Value,
        reg: Option<crate::debug::Slot>,
    ) -> LuaResult<()> {
        // Hops counted as in `index_loop`.
        let mut t = obj;
        let mut hops = 0;
        loop {
            let tm = match t {
                Value::Table(tab) => {
                    if hops >= MAX_TAG_LOOP {
                        // The last table the walk may reach: only a present key is set.
                        if tab.get(&key).is_nil() {
                            break;
                        }
                        return self.raw_set(tab, key, val);
                    }
                    // Without `__newindex` the store is raw whether or not the key is
                    // present (no lookup needed); with it, only a present key is set here.
                    let tm = match tab.metatable() {
                        Some(mt) => self.tm_of_table(mt, Tm::NewIndex),
                        None => Value::Nil,
                    };
                    if tm.is_nil() || !tab.get(&key).is_nil() {
                        return self.raw_set(tab, key, val);
                    }
                    tm
                }
                _ if hops >= MAX_TAG_LOOP => break,
                _ => {
                    let tm = self.get_tm(&t, Tm::NewIndex);
                    if tm.is_nil() {
                        let slot = if t.raw_eq(&obj) { reg } else { None };
                        return Err(self.type_error(&t, "index", slot, Some(key)));
                    }
                    tm
                }
            };
            if tm.is_function() {
                self.call_meta(tm, &[t, key, val], 0)?;
                return Ok(());
            }
            t = tm;
            hops += 1;
        }
        Err(self.lua_rt_error("'__newindex' chain too long; possible loop"))
    }

    /// Raw set with Lua's key errors, and PUC's memory error when the table cannot grow.
    pub fn raw_set(&mut self, t: Gc<Table>, key: Value, val: Value) -> LuaResult<()> {
        match t.try_set(key, val) {
            Ok(()) => Ok(()),
            Err(crate::table::KeyError::Nil) => Err(self.lua_rt_error("table index is nil")),
            Err(crate::table::KeyError::NaN) => Err(self.lua_rt_error("table index is NaN")),
            Err(crate::table::KeyError::NoMemory) => Err(self.error_msg("not enough memory")),
        }
    }

    // ----- arithmetic -----

    /// Arithmetic slow path: coercions, metamethods, errors.
    pub fn arith(
        &mut self,
        op: ArithOp,
        a: Value,
        b: Value,
        reg_a: Option<crate::debug::Slot>,
        reg_b: Option<crate::debug::Slot>,
    ) -> LuaResult<Value> {
        match number::arith(op, a, b) {
            Ok(v) => Ok(v),
            Err(ArithError::DivByZero) => Err(self.lua_rt_error("attempt to divide by zero")),
            Err(ArithError::ModByZero) => Err(self.lua_rt_error("attempt to perform 'n%0'")),
            Err(_) => {
                let event = arith_tm(op);
                let mut tm = self.get_tm(&a, event);
                if tm.is_nil() {
                    tm = self.get_tm(&b, event);
                }
                if !tm.is_nil() {
                    return self.call_meta1(tm, &[a, b]);
                }
                let is_num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
                if op.is_bitwise() && is_num(&a) && is_num(&b) {
                    // Both numbers: one has no integer value (PUC's luaG_tointerror).
                    let slot = if number::to_int_strict(a).is_err() {
                        reg_a
                    } else {
                        reg_b
                    };
                    let vi = crate::debug::varinfo(self, slot);
                    let m = [&b"number"[..], &vi, b" has no integer representation"].concat();
                    return Err(self.lua_rt_error(m));
                }
                // The culprit is the first operand unless it is a number (luaG_opinterror).
                let (bad, slot) = if is_num(&a) { (b, reg_b) } else { (a, reg_a) };
                let what = if op.is_bitwise() {
                    "perform bitwise operation on"
                } else {
                    "perform arithmetic on"
                };
                Err(self.type_error(&bad, what, slot, None))
            }
        }
    }

    // ----- comparison -----

    pub fn less_than(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        if let Some(r) = number::num_lt(a, b) {
            return Ok(r);
        }
        if let (Value::Str(x), Value::Str(y)) = (a, b) {
            return Ok(str_cmp(x, y) == std::cmp::Ordering::Less);
        }
        self.order_tm(a, b, Tm::Lt)
    }

    pub fn less_equal(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        if let Some(r) = number::num_le(a, b) {
            return Ok(r);
        }
        if let (Value::Str(x), Value::Str(y)) = (a, b) {
            return Ok(str_cmp(x, y) != std::cmp::Ordering::Greater);
        }
        self.order_tm(a, b, Tm::Le)
    }

    fn order_tm(&mut self, a: Value, b: Value, event: Tm) -> LuaResult<bool> {
        let mut tm = self.get_tm(&a, event);
        if tm.is_nil() {
            tm = self.get_tm(&b, event);
        }
        if tm.is_nil() && event == Tm::Le {
            // LUA_COMPAT_LT_LE (on in PUC's standard build): a <= b as not (b < a).
            let mut lt = self.get_tm(&b, Tm::Lt);
            if lt.is_nil() {
                lt = self.get_tm(&a, Tm::Lt);
            }
            if !lt.is_nil() {
                return Ok(!self.call_meta1(lt, &[b, a])?.truthy());
            }
        }
        if tm.is_nil() {
            return Err(self.order_error(&a, &b));
        }
        Ok(self.call_meta1(tm, &[a, b])?.truthy())
    }

    pub fn order_error(&mut self, a: &Value, b: &Value) -> crate::error::LuaError {
        let t1 = self.obj_typename(a);
        let t2 = self.obj_typename(b);
        if t1 == t2 {
            self.lua_rt_error(format!("attempt to compare two {t1} values"))
        } else {
            self.lua_rt_error(format!("attempt to compare {t1} with {t2}"))
        }
    }

    /// `a == b` with __eq.
    pub fn equals(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        if a.raw_eq(&b) {
            return Ok(true);
        }
        let tm = match (a, b) {
            (Value::Table(_), Value::Table(_)) | (Value::UserData(_), Value::UserData(_)) => {
                let t = self.get_tm(&a, Tm::Eq);
                if t.is_nil() {
                    self.get_tm(&b, Tm::Eq)
                } else {
                    t
                }
            }
            _ => return Ok(false),
        };
        if tm.is_nil() {
            return Ok(false);
        }
        Ok(self.call_meta1(tm, &[a, b])?.truthy())
    }

    // ----- length -----

    pub fn len_of(&mut self, v: Value, reg: Option<crate::debug::Slot>) -> LuaResult<Value> {
        match v {
            Value::Str(s) => Ok(Value::Int(s.len() as i64)),
            Value::Table(t) => {
                if let Some(mt) = t.metatable() {
                    let tm = self.tm_of_table(mt, Tm::Len);
                    if !tm.is_nil() {
                        return self.call_meta1(tm, &[v, v]);
                    }
                }
                Ok(Value::Int(t.len()))
            }
            _ => {
                let tm = self.get_tm(&v, Tm::Len);
                if tm.is_nil() {
                    return Err(self.type_error(&v, "get length of", reg, None));
                }
                self.call_meta1(tm, &[v, v])
            }
        }
    }

    // ----- concatenation -----

    /// Concatenate two values (numbers/strings directly, else __concat).
    pub fn concat2(
        &mut self,
        a: Value,
        b: Value,
        reg_a: Option<crate::debug::Slot>,
        reg_b: Option<crate::debug::Slot>,
    ) -> LuaResult<Value> {
        let mut buf = Vec::new();
        if append_str_form(&a, &mut buf) && append_str_form(&b, &mut buf) {
            return Ok(self.str_value(&buf));
        }
        let mut tm = self.get_tm(&a, Tm::Concat);
        if tm.is_nil() {
            tm = self.get_tm(&b, Tm::Concat);
        }
        if tm.is_nil() {
            let (bad, slot) = if matches!(a, Value::Str(_) | Value::Int(_) | Value::Float(_)) {
                (b, reg_b)
            } else {
                (a, reg_a)
            };
            return Err(self.type_error(&bad, "concatenate", slot, None));
        }
        self.call_meta1(tm, &[a, b])
    }

    // ----- tostring -----

    /// `tostring(v)`: __tostring, __name, or the default form.
    pub fn tostring(&mut self, v: Value) -> LuaResult<Gc<LuaStr>> {
        let tm = self.get_tm(&v, Tm::ToString);
        if !tm.is_nil() {
            let r = self.call_meta1_nested(tm, &[v])?;
            return match r {
                Value::Str(s) => Ok(s),
                // 5.4.8 accepts a number (luaL_tolstring checks lua_isstring).
                Value::Int(_) | Value::Float(_) => {
                    let t = self.tostring_basic(&r);
                    Ok(self.intern(t.as_bytes()))
                }
                _ => Err(self.rt_error("'__tostring' must return a string")),
            };
        }
        Ok(match v {
            Value::Str(s) => s,
            _ => {
                let s = self.tostring_basic(&v);
                self.intern(s.as_bytes())
            }
        })
    }

    /// Default textual form without __tostring (but with __name).
    pub fn tostring_basic(&self, v: &Value) -> String {
        match v {
            Value::Nil => "nil".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => number::fmt_float(*f),
            Value::Str(s) => s.to_str_lossy().into_owned(),
            Value::LightFn(_) | Value::NativeFn(_) => {
                format!("function: {:#x}", v.ptr_addr().unwrap_or(0))
            }
            // glibc's %p, which PUC uses, writes a null pointer (a light userdata) as "(nil)".
            Value::LightUserData(p) if p.is_null() => format!("{}: (nil)", self.obj_typename(v)),
            _ => format!("{}: {:#x}", self.obj_typename(v), v.ptr_addr().unwrap_or(0)),
        }
    }

    /// Type error with variable info: "attempt to <op> a <type> value (local 'x')".
    pub fn type_error(
        &mut self,
        v: &Value,
        op: &str,
        slot: Option<crate::debug::Slot>,
        key: Option<Value>,
    ) -> crate::error::LuaError {
        let _ = key;
        let t = self.obj_typename(v);
        let vi = crate::debug::varinfo(self, slot);
        let head = format!("attempt to {op} a {t} value");
        self.lua_rt_error([head.as_bytes(), &vi].concat())
    }
}

/// Append the string form of a string or number (no metamethods), as concatenation and
/// table.concat use it; false (nothing appended) for any other value.
pub fn append_str_form(v: &Value, buf: &mut Vec<u8>) -> bool {
    match v {
        Value::Str(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Int(i) => buf.extend_from_slice(i.to_string().as_bytes()),
        Value::Float(f) => buf.extend_from_slice(number::fmt_float(*f).as_bytes()),
        _ => return false,
    }
    true
}

/// Lexicographic string comparison like strcoll in the C locale (byte order).
pub fn str_cmp(a: Gc<LuaStr>, b: Gc<LuaStr>) -> std::cmp::Ordering {
    a.as_bytes().cmp(b.as_bytes())
}
