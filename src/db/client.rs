//! SQL for client.
