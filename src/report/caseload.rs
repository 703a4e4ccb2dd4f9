//! Report: caseload.
