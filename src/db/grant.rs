//! SQL for grant.
