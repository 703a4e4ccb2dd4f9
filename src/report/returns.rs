//! Report: returns.
