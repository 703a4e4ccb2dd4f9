//! Import columns for referral.
