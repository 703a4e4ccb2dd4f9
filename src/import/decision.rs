//! Import columns for decision.
