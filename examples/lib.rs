//! Embedding examples.

#![forbid(unsafe_code)]
