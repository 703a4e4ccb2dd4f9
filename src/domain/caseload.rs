//! Rules for caseload.
