//! Import columns for grant.
