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

use crate::app::Ctx;
use crate::import::{ImportOptions, Summary};
use crate::output::{Cell, Format};
use std::path::PathBuf;

/// What an import did: a sentence on stderr for people (nothing with -q), a
/// record on stdout for scripts (csv, json, jsonl).
pub fn report_summary(ctx: &Ctx, s: &Summary, what: &str) -> anyhow::Result<u8> {
    if ctx.format == Format::Table {
        ctx.say(&s.message(what));
    } else {
        let mut out = ctx.out();
        out.record(
            &["file", "rows", "new", "updated", "unchanged", "rejected"],
            vec![
                Cell::text(&s.file),
                Cell::Int(s.rows as i64),
                Cell::Int(s.new as i64),
                Cell::Int(s.updated as i64),
                Cell::Int(s.unchanged as i64),
                Cell::Int(s.rejected as i64),
            ],
        )?;
        out.flush()?;
    }
    Ok(0)
}

/// The arguments every CSV import takes.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The CSV file, or - for standard input
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Skip columns pathway does not know (normally an error, to catch typos)
    #[arg(long)]
    pub ignore_unknown: bool,
    /// Import the good rows even if some are invalid (use with --rejects)
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write the invalid rows, with an error column, to this file
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
}

impl ImportArgs {
    pub fn options(&self, ctx: &Ctx) -> ImportOptions {
        ImportOptions {
            path: self.file.clone(),
            ignore_unknown: self.ignore_unknown,
            skip_invalid: self.skip_invalid,
            rejects: self.rejects.clone(),
            progress: ctx.interactive && !ctx.quiet,
        }
    }
}
