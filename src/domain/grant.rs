//! Rules for grant.
