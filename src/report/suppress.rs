//! Report: suppress.
