//! Import columns for grants (`pathway grant import`) and for payments
//! (`pathway grant import --payments`).

use super::{opt, req, Column, Fields, ImportOptions, Reader, Summary};
use crate::db::{self, Db};
use crate::domain::grant::{self, GrantInput, Payment};
use crate::domain::trust::{Change, Tracker};
use crate::error::RowError;
use crate::import::Applied;
use crate::value::names::GrantStatus;
use crate::value::{Date, Pence};
use anyhow::Result;
use std::collections::HashMap;

/// Grant columns, in the order `grant export` writes them.
pub const COLUMNS: &[Column] = &[
    opt("ref"),
    req("decision"),
    opt("funder"),
    req("recipient"),
    opt("intermediary"),
    opt("title"),
    opt("purpose"),
    opt("conditions"),
    req("amount"),
    opt("start_on"),
    opt("end_on"),
    opt("status"),
    opt("match_amount"),
    opt("match_funder"),
];

const REF: usize = 0;
const DECISION: usize = 1;
const FUNDER: usize = 2;
const RECIPIENT: usize = 3;
const INTERMEDIARY: usize = 4;
const TITLE: usize = 5;
const PURPOSE: usize = 6;
const CONDITIONS: usize = 7;
const AMOUNT: usize = 8;
const START_ON: usize = 9;
const END_ON: usize = 10;
const STATUS: usize = 11;
const MATCH_AMOUNT: usize = 12;
const MATCH_FUNDER: usize = 13;

/// Payment columns, in the order `grant export --payments` writes them.
pub const PAYMENT_COLUMNS: &[Column] = &[req("grant"), req("paid_on"), req("amount"), opt("note")];

const P_GRANT: usize = 0;
const P_PAID_ON: usize = 1;
const P_AMOUNT: usize = 2;
const P_NOTE: usize = 3;

pub fn column_names() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.name).collect()
}

pub fn payment_column_names() -> Vec<&'static str> {
    PAYMENT_COLUMNS.iter().map(|c| c.name).collect()
}

fn text(f: &Fields<'_>, col: usize) -> Result<Option<String>, RowError> {
    Ok(f.get(col)?.map(str::to_string))
}

fn row(f: &Fields<'_>) -> Result<GrantInput, RowError> {
    Ok(GrantInput {
        reference: text(f, REF)?,
        decision: f.required(DECISION)?.to_string(),
        funder: text(f, FUNDER)?,
        recipient: f.required(RECIPIENT)?.to_string(),
        intermediary: text(f, INTERMEDIARY)?,
        title: text(f, TITLE)?,
        purpose: text(f, PURPOSE)?,
        conditions: text(f, CONDITIONS)?,
        amount: f.parse_required::<Pence>(AMOUNT)?,
        start_on: f.parse::<Date>(START_ON)?,
        end_on: f.parse::<Date>(END_ON)?,
        status: f.parse::<GrantStatus>(STATUS)?,
        match_amount: f.parse::<Pence>(MATCH_AMOUNT)?,
        match_funder: text(f, MATCH_FUNDER)?,
    })
}

/// Import grants: all or nothing (unless skipping invalid rows), matched on
/// ref (or, for a row without one, on decision, recipient, start and end).
/// The decision-total rule counts what is in the database plus the earlier
/// rows of the same file.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    db::tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f| {
            let g = match row(f) {
                Ok(g) => g,
                Err(e) => return Ok(Err(e)),
            };
            grant::import_one(tx, &g, &mut tracker, f.line, command)
        })?;
        let mut summary = reader.finish()?;
        summary.changes = tracker.changes;
        let detail = format!("{}: {}", summary.file, super::referral::counts(&summary));
        db::tx::audit(tx, command, "grant", None, "import", Some(&detail))?;
        Ok(summary)
    })
}

fn payment_row(f: &Fields<'_>) -> Result<Payment, RowError> {
    Ok(Payment {
        grant: f.required(P_GRANT)?.to_string(),
        paid_on: f.parse_required::<Date>(P_PAID_ON)?,
        amount: f.parse_required::<Pence>(P_AMOUNT)?,
        note: text(f, P_NOTE)?,
    })
}

/// Import payments. Payments have no ref: a row counts as present already
/// when the grant has as many identical payments (same date, amount and
/// note) as the file has up to and including that row, so importing a file
/// twice adds nothing and two equal instalments on one day stay two.
pub fn run_payments(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    db::tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, PAYMENT_COLUMNS)?;
        let mut seen: HashMap<(String, Date, i64, Option<String>), u64> = HashMap::new();
        reader.for_each(|f| {
            let p = match payment_row(f) {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let key = (p.grant.clone(), p.paid_on, p.amount.0, p.note.clone());
            let n = *seen.get(&key).unwrap_or(&0);
            let result = grant::pay_one(tx, &p, Some(n), command)?;
            if let Ok((Applied::New, paid)) = &result {
                seen.insert(key, n + 1);
                tracker.listed(Change {
                    line: f.line,
                    record: "payment",
                    key: paid.grant.clone(),
                    action: "new",
                    column: String::new(),
                    old: String::new(),
                    new: format!("{} paid on {}", p.amount.plain(), p.paid_on),
                });
            } else if result.is_ok() {
                seen.insert(key, n + 1);
            }
            Ok(result.map(|(a, _)| a).map_err(|pr| pr.at(f.line)))
        })?;
        let mut summary = reader.finish()?;
        summary.changes = tracker.changes;
        let detail = format!(
            "{}: {} new, {} unchanged, {} rejected",
            summary.file, summary.new, summary.unchanged, summary.rejected
        );
        db::tx::audit(tx, command, "payment", None, "import", Some(&detail))?;
        Ok(summary)
    })
}
