//! Report: explain.
