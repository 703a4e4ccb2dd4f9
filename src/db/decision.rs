//! SQL for decision.
