//! SQL for service.
