//! The domain's rules per entity: validation, lifecycles, invariants,
//! did-you-mean. No clap, no printing; SQL lives in `db`.

pub mod assessment;
pub mod caseload;
pub mod client;
pub mod dates;
pub mod db;
pub mod decision;
pub mod duplicates;
pub mod grant;
pub mod provider;
pub mod referral;
pub mod retention;
pub mod service;
pub mod threesixty;
pub mod trust;
