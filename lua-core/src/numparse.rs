//! STUB (the parser branch provides the real module): string to number conversion.
use crate::value::Value;

pub fn str2number(s: &[u8]) -> Option<Value> {
    let t = std::str::from_utf8(s).ok()?.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Int(i));
    }
    t.parse::<f64>().ok().map(Value::Float)
}
pub fn str2int_base(_s: &[u8], _base: u32) -> Option<i64> {
    None
}
