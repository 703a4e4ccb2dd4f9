//! Import columns for caseload.
