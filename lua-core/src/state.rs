//! The interpreter state shared by all threads of one Lua universe.
use crate::gc::{Gc, Heap};
use crate::object::Thread;

pub struct State {
    pub heap: Heap,
    pub cur: Gc<Thread>,
}
