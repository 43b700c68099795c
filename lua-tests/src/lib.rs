//! lua-tests runner support.
