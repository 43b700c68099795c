//! Tracing JIT for lua-core (x86-64). Skeleton: see DESIGN.md section 6.
