//! STUB: replaced by the compiler branch.
use crate::ast::Chunk;
use crate::error::SyntaxError;
use crate::gc::Heap;
use crate::proto::Proto;
use std::rc::Rc;
pub fn compile(_chunk: &Chunk, _source: Rc<[u8]>, _heap: &mut Heap) -> Result<Proto, SyntaxError> {
    Err(SyntaxError("compiler not merged yet".into()))
}
