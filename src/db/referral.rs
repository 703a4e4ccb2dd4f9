//! SQL for referral.
