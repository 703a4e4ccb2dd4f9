//! Rules for referral.
