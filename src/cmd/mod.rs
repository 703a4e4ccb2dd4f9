//! The command-line adapter: one file per top-level subcommand, the only
//! users of clap besides `cli.rs`. Each turns its arguments into domain
//! options, makes one domain call and hands the result to `output`.

pub mod caseload;
pub mod client;
pub mod completions;
pub mod db;
pub mod decision;
pub mod grant;
pub mod init;
pub mod man;
pub mod referral;
pub mod report;
pub mod service;
