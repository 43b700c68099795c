//! Embedding examples.
