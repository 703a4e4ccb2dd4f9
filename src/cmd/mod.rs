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
use crate::import::Summary;
use crate::output::{Cell, Format};

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
