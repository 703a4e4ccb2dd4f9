//! SQL for caseload.
