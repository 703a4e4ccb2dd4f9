//! Import columns for grants (`pathway grant import`) and for payments
//! (`pathway grant import --payments`).

use super::{opt, req, Column, Fields, ImportOptions, Summary};
use crate::db::Db;
use crate::domain::grant::{self, GrantInput, Payment};
use crate::domain::trust::Applied;
use crate::domain::trust::Change;
use crate::error::RowError;
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

/// One row's values, parsed; every bad value is an error of the row.
fn row(f: &Fields<'_>) -> Result<GrantInput, RowError> {
    let mut c = f.check();
    let reference = c.take(text(f, REF)).flatten();
    let decision = c.take(f.required(DECISION));
    let funder = c.take(text(f, FUNDER)).flatten();
    let recipient = c.take(f.required(RECIPIENT));
    let intermediary = c.take(text(f, INTERMEDIARY)).flatten();
    let title = c.take(text(f, TITLE)).flatten();
    let purpose = c.take(text(f, PURPOSE)).flatten();
    let conditions = c.take(text(f, CONDITIONS)).flatten();
    let amount = c.take(f.parse_required::<Pence>(AMOUNT));
    let start_on = c.take(f.date(START_ON)).flatten();
    let end_on = c.take(f.date(END_ON)).flatten();
    let status = c.take(f.parse::<GrantStatus>(STATUS)).flatten();
    let match_amount = c.take(f.parse::<Pence>(MATCH_AMOUNT)).flatten();
    let match_funder = c.take(text(f, MATCH_FUNDER)).flatten();
    c.done()?;
    let (Some(decision), Some(recipient), Some(amount)) = (decision, recipient, amount) else {
        unreachable!("a missing value is an error")
    };
    Ok(GrantInput {
        reference,
        decision: decision.to_string(),
        funder,
        recipient: recipient.to_string(),
        intermediary,
        title,
        purpose,
        conditions,
        amount,
        start_on,
        end_on,
        status,
        match_amount,
        match_funder,
    })
}

/// Import grants: all or nothing (unless skipping invalid rows), matched on
/// ref (or, for a row without one, on decision, recipient, start and end).
/// The decision-total rule counts what is in the database plus the earlier
/// rows of the same file.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    crate::import::run_tracked(db, opts, COLUMNS, (command, "grant"), super::file_counts, |tx, tracker, f| {
        let g = match row(f) {
            Ok(g) => g,
            Err(e) => return Ok(Err(e)),
        };
        grant::import_one(tx, &g, tracker, f.line, command)
    })
}

/// One payment row, parsed; every bad value is an error of the row.
fn payment_row(f: &Fields<'_>) -> Result<Payment, RowError> {
    let mut c = f.check();
    let grant = c.take(f.required(P_GRANT));
    let paid_on = c.take(f.date_required(P_PAID_ON));
    let amount = c.take(f.parse_required::<Pence>(P_AMOUNT));
    let note = c.take(text(f, P_NOTE)).flatten();
    c.done()?;
    let (Some(grant), Some(paid_on), Some(amount)) = (grant, paid_on, amount) else {
        unreachable!("a missing value is an error")
    };
    Ok(Payment { grant: grant.to_string(), paid_on, amount, note })
}

/// Import payments. Payments have no ref: a row counts as present already
/// when the grant has as many identical payments (same date, amount and
/// note) as the file has up to and including that row, so importing a file
/// twice adds nothing and two equal instalments on one day stay two.
pub fn run_payments(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    let detail = |s: &Summary| format!("{}: {} new, {} unchanged, {} rejected", s.file, s.new, s.unchanged, s.rejected);
    let mut seen: HashMap<(String, Date, i64, Option<String>), u64> = HashMap::new();
    crate::import::run_tracked(db, opts, PAYMENT_COLUMNS, (command, "payment"), detail, |tx, tracker, f| {
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
    })
}
