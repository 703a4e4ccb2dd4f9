//! SQL behind the reports.
