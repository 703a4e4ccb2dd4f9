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
pub mod provider;
pub mod referral;
pub mod report;
pub mod retention;
pub mod service;

use crate::app::Ctx;
use crate::import::{ImportOptions, Summary};
use crate::output::emit;
use crate::output::import as shown;
use std::path::PathBuf;

/// What an import did: a sentence on stderr for people (nothing with -q), a
/// record on stdout for scripts (csv, json, jsonl).
///
/// With `--dry-run` the changes it would make are the data on stdout (one
/// row each: line, record, key, action, column, old, new) and the summary
/// stays on stderr.
pub fn report_summary(ctx: &Ctx, s: &Summary, what: &str) -> anyhow::Result<u8> {
    if s.dry_run {
        emit(&shown::DryRun(s), &mut ctx.out())?;
        ctx.say(&s.message(what));
        return Ok(0);
    }
    if ctx.for_people() {
        ctx.say(&s.message(what));
    } else {
        emit(&shown::Counts(s), &mut ctx.out())?;
    }
    Ok(0)
}

/// The arguments every CSV import takes.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The CSV file or workbook (.xlsx, .xlsm, .ods, .xls), or - for CSV on
    /// standard input
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
    /// Let an empty cell clear a value that is recorded (normally an error,
    /// so that a file with gaps never blanks what was recorded)
    #[arg(long)]
    pub allow_clear: bool,
    /// Check the whole file and list every change it would make (line,
    /// record, column, old and new value), then write nothing
    #[arg(long, conflicts_with = "rejects")]
    pub dry_run: bool,
    /// In a workbook, the sheet to read (else the first)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// How a CSV file's text is written: utf-8 (the default) or windows-1252
    /// (also cp1252, latin1), as older Excel saves "CSV"
    #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
    pub encoding: crate::import::Encoding,
}

impl ImportArgs {
    pub fn options(&self, ctx: &Ctx) -> ImportOptions {
        ImportOptions {
            path: self.file.clone(),
            ignore_unknown: self.ignore_unknown,
            skip_invalid: self.skip_invalid,
            rejects: self.rejects.clone(),
            progress: ctx.interactive && !ctx.quiet,
            allow_clear: self.allow_clear,
            dry_run: self.dry_run,
            sheet: self.sheet.clone(),
            encoding: self.encoding,
        }
    }
}
