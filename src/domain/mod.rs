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

/// The one wording of "not recorded", for every entity and every command
/// and import: `no decision with ref '2021.02'; did you mean '2021.021'?`.
/// `named` says what and how it is named ("service called", "decision with
/// ref", "worker with code"); `hint` follows as it is.
pub fn unknown(named: &str, given: &str, hint: &str) -> String {
    format!("no {named} '{}'{hint}", given.trim())
}
