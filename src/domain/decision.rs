//! Rules for decision.
