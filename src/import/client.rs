//! Import columns for client.
