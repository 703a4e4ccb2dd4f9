//! Rules for service.
