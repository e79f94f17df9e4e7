//! Adapters that do I/O.

pub mod practice;
