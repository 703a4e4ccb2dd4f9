//! Import columns for decisions (`pathway decision import`), matched on ref.

use super::{opt, req, Column, Fields, ImportOptions, Reader, Summary};
use crate::db::{self, Db};
use crate::domain::decision::{self, Decision};
use crate::domain::trust::Tracker;
use crate::error::RowError;
use crate::value::names::DecisionStatus;
use crate::value::{Date, Pence};
use anyhow::Result;

/// The columns, in the order `decision export` writes them.
pub const COLUMNS: &[Column] = &[
    req("ref"),
    req("commissioner"),
    req("title"),
    opt("summary"),
    opt("author"),
    opt("received_on"),
    opt("decided_on"),
    opt("status"),
    req("amount"),
    opt("funding_source"),
    opt("spend_type"),
    opt("budget_year"),
    opt("confidential"),
    opt("confidential_category"),
    opt("approvals"),
];

const REF: usize = 0;
const COMMISSIONER: usize = 1;
const TITLE: usize = 2;
const SUMMARY: usize = 3;
const AUTHOR: usize = 4;
const RECEIVED_ON: usize = 5;
const DECIDED_ON: usize = 6;
const STATUS: usize = 7;
const AMOUNT: usize = 8;
const FUNDING_SOURCE: usize = 9;
const SPEND_TYPE: usize = 10;
const BUDGET_YEAR: usize = 11;
const CONFIDENTIAL: usize = 12;
const CONFIDENTIAL_CATEGORY: usize = 13;
const APPROVALS: usize = 14;

/// The column names, for `export` and help.
pub fn column_names() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.name).collect()
}

/// `yes`/`no` (also true/false, y/n, 1/0); empty is no.
pub fn parse_yes_no(f: &Fields<'_>, col: usize) -> Result<Option<bool>, RowError> {
    match f.get(col)? {
        None => Ok(None),
        Some(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(Some(true)),
            "no" | "n" | "false" | "0" => Ok(Some(false)),
            _ => Err(f.error(col, format!("{s:?} is not yes or no"))),
        },
    }
}

fn row(f: &Fields<'_>) -> Result<(Decision, decision::Given), RowError> {
    let given = decision::Given { status: f.get(STATUS)?.is_some(), confidential: f.get(CONFIDENTIAL)?.is_some() };
    Ok((decision_of(f)?, given))
}

fn decision_of(f: &Fields<'_>) -> Result<Decision, RowError> {
    let received_on = f.parse::<Date>(RECEIVED_ON)?;
    let decided_on = f.parse::<Date>(DECIDED_ON)?;
    let status =
        f.parse::<DecisionStatus>(STATUS)?.unwrap_or_else(|| decision::default_status(received_on, decided_on));
    let confidential_category = f.get(CONFIDENTIAL_CATEGORY)?.map(str::to_string);
    let confidential = parse_yes_no(f, CONFIDENTIAL)?.unwrap_or(confidential_category.is_some());
    let approvals = match f.get(APPROVALS)? {
        None => Vec::new(),
        Some(s) => decision::parse_approvals(s).map_err(|m| f.error(APPROVALS, m))?,
    };
    Ok(Decision {
        reference: f.required(REF)?.to_string(),
        commissioner: f.required(COMMISSIONER)?.to_string(),
        title: f.required(TITLE)?.to_string(),
        summary: f.get(SUMMARY)?.map(str::to_string),
        author: f.get(AUTHOR)?.map(str::to_string),
        received_on,
        decided_on,
        status,
        amount: f.parse_required::<Pence>(AMOUNT)?,
        funding_source: f.get(FUNDING_SOURCE)?.map(str::to_string),
        spend_type: f.parse(SPEND_TYPE)?,
        budget_year: f.parse(BUDGET_YEAR)?,
        confidential,
        confidential_category,
        approvals,
    })
}

/// Import decisions: all or nothing (unless skipping invalid rows), matched
/// on ref, so importing a file twice adds nothing.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    db::tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f| {
            let (d, given) = match row(f) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e)),
            };
            decision::import_one(tx, &d, given, &mut tracker, f.line, command)
        })?;
        let mut summary = reader.finish()?;
        summary.changes = tracker.changes;
        let detail = format!("{}: {}", summary.file, super::referral::counts(&summary));
        db::tx::audit(tx, command, "decision", None, "import", Some(&detail))?;
        Ok(summary)
    })
}
