//! Report: grants.
