//! SQL for org.
