//! pathway: records and commissioner returns for services for women in
//! contact with the criminal justice system, in one local SQLite file.
//!
//! Layers: `cli` (clap types) → `cmd` (one file per subcommand: arguments
//! to options) → `domain`, `import`, `report` (rules and computations, no
//! printing) → `db` (all SQL) → `output` (every byte on stdout).

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod cli;
pub mod cmd;
pub mod db;
pub mod domain;
pub mod error;
pub mod import;
pub mod output;
pub mod report;
pub mod value;
