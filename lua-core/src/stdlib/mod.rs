pub mod lformat;
pub mod lpack;
pub mod lpattern;
