//! Import columns for decisions (`pathway decision import`), matched on ref.

use super::{opt, req, Column, Fields, ImportOptions, Summary};
use crate::db::Db;
use crate::domain::decision::{self, Decision};
use crate::error::RowError;
use crate::value::names::DecisionStatus;
use crate::value::Pence;
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

/// One row's values, parsed; every bad value is an error of the row. With
/// it, which of the optional columns with a default were given a value.
fn row(f: &Fields<'_>) -> Result<(Decision, decision::Given), RowError> {
    let mut c = f.check();
    let text = |c: &mut crate::import::Check<'_, '_>, col| c.take(f.get(col)).flatten().map(str::to_string);
    let reference = c.take(f.required(REF));
    let commissioner = c.take(f.required(COMMISSIONER));
    let title = c.take(f.required(TITLE));
    let summary = text(&mut c, SUMMARY);
    let author = text(&mut c, AUTHOR);
    let received_on = c.take(f.date(RECEIVED_ON)).flatten();
    let decided_on = c.take(f.date(DECIDED_ON)).flatten();
    let status = c.take(f.parse::<DecisionStatus>(STATUS)).flatten();
    let amount = c.take(f.parse_required::<Pence>(AMOUNT));
    let funding_source = text(&mut c, FUNDING_SOURCE);
    let spend_type = c.take(f.parse(SPEND_TYPE)).flatten();
    let budget_year = c.take(f.parse(BUDGET_YEAR)).flatten();
    let confidential = c.take(parse_yes_no(f, CONFIDENTIAL)).flatten();
    let confidential_category = text(&mut c, CONFIDENTIAL_CATEGORY);
    let approvals = c
        .take(match f.get(APPROVALS) {
            Ok(None) => Ok(Vec::new()),
            Ok(Some(s)) => decision::parse_approvals(s).map_err(|m| f.error(APPROVALS, m)),
            Err(e) => Err(e),
        })
        .unwrap_or_default();
    c.done()?;
    let (Some(reference), Some(commissioner), Some(title), Some(amount)) = (reference, commissioner, title, amount)
    else {
        unreachable!("a missing value is an error")
    };
    let given = decision::Given { status: status.is_some(), confidential: confidential.is_some() };
    let d = Decision {
        reference: reference.to_string(),
        commissioner: commissioner.to_string(),
        title: title.to_string(),
        summary,
        author,
        received_on,
        decided_on,
        status: status.unwrap_or_else(|| decision::default_status(received_on, decided_on)),
        amount,
        funding_source,
        spend_type,
        budget_year,
        confidential: confidential.unwrap_or(confidential_category.is_some()),
        confidential_category,
        approvals,
    };
    Ok((d, given))
}

/// Import decisions: all or nothing (unless skipping invalid rows), matched
/// on ref, so importing a file twice adds nothing.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    crate::import::run_tracked(db, opts, COLUMNS, (command, "decision"), super::file_counts, |tx, tracker, f| {
        let (d, given) = match row(f) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        decision::import_one(tx, &d, given, tracker, f.line, command)
    })
}
