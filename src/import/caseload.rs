//! Import columns for caseloads: cases, their tier changes, and workers.
//!
//! Cases: `client_ref,worker,service,tier,opened_on,closed_on,close_reason,
//! outcome,ref` (tier is the tier at opening). A row matches a recorded case
//! by `ref` where given, else by client, service and opened_on; a matching
//! row that closes the case, changes its worker or corrects its close
//! details is counted as updated.
//!
//! Tier changes (`--tiers`): `ref,client_ref,service,opened_on,from_on,tier`
//! (the case by its ref, else by client, service and opened_on).
//!
//! Workers: `code,name,capacity_hours,active`.

use super::{opt, req, Column, Fields, ImportOptions, Reader, Summary};
use crate::db::{self, Db};
use crate::domain::caseload::{
    self as dom, CaseInput, Hours, Lookups, Mode, TierChangeInput, WorkerGiven, WorkerInput, FULL_TIME_HOURS,
};
use crate::domain::trust::Tracker;
use crate::error::RowError;
use crate::value::names::CaseOutcome;
use crate::value::Date;
use anyhow::Result;

pub const COLUMNS: &[Column] = &[
    req("client_ref"),
    req("worker"),
    req("service"),
    req("tier"),
    req("opened_on"),
    opt("closed_on"),
    opt("close_reason"),
    opt("outcome"),
    opt("ref"),
];
const CLIENT_REF: usize = 0;
const WORKER: usize = 1;
const SERVICE: usize = 2;
const TIER: usize = 3;
const OPENED_ON: usize = 4;
const CLOSED_ON: usize = 5;
const CLOSE_REASON: usize = 6;
const OUTCOME: usize = 7;
const REF: usize = 8;

pub const TIER_COLUMNS: &[Column] =
    &[opt("ref"), opt("client_ref"), opt("service"), opt("opened_on"), req("from_on"), req("tier")];
const T_REF: usize = 0;
const T_CLIENT_REF: usize = 1;
const T_SERVICE: usize = 2;
const T_OPENED_ON: usize = 3;
const T_FROM_ON: usize = 4;
const T_TIER: usize = 5;

pub const WORKER_COLUMNS: &[Column] = &[req("code"), opt("name"), opt("capacity_hours"), opt("active")];
const W_CODE: usize = 0;
const W_NAME: usize = 1;
const W_CAPACITY: usize = 2;
const W_ACTIVE: usize = 3;

fn at(f: &Fields<'_>, p: RowError) -> RowError {
    p.at(f.line)
}

/// One case row, parsed; every bad value is an error of the row.
fn case_row<'r>(f: &Fields<'r>) -> Result<CaseInput<'r>, RowError> {
    let mut c = f.check();
    let client_ref = c.take(f.required(CLIENT_REF));
    let worker = c.take(f.required(WORKER));
    let service = c.take(f.required(SERVICE));
    let tier = c.take(f.required(TIER));
    let opened_on = c.take(f.date_required(OPENED_ON));
    let closed_on = c.take(f.date(CLOSED_ON)).flatten();
    let close_reason = c.take(f.get(CLOSE_REASON)).flatten();
    let outcome = c.take(f.parse::<CaseOutcome>(OUTCOME)).flatten();
    let ref_ = c.take(f.get(REF)).flatten();
    c.done()?;
    let (Some(client_ref), Some(worker), Some(service), Some(tier), Some(opened_on)) =
        (client_ref, worker, service, tier, opened_on)
    else {
        unreachable!("a missing value is an error")
    };
    Ok(CaseInput { client_ref, worker, service, tier, opened_on, closed_on, close_reason, outcome, ref_ })
}

type TierRow<'r> = (Option<&'r str>, Option<&'r str>, Option<&'r str>, Option<Date>, Date, &'r str);

/// One tier-change row, parsed; every bad value is an error of the row.
fn tier_row<'r>(f: &Fields<'r>) -> Result<TierRow<'r>, RowError> {
    let mut c = f.check();
    let ref_ = c.take(f.get(T_REF)).flatten();
    let client_ref = c.take(f.get(T_CLIENT_REF)).flatten();
    let service = c.take(f.get(T_SERVICE)).flatten();
    let opened_on = c.take(f.date(T_OPENED_ON)).flatten();
    let from = c.take(f.date_required(T_FROM_ON));
    let tier = c.take(f.required(T_TIER));
    c.done()?;
    let (Some(from), Some(tier)) = (from, tier) else { unreachable!("a missing value is an error") };
    Ok((ref_, client_ref, service, opened_on, from, tier))
}

/// One worker row, parsed; every bad value is an error of the row. With
/// it, which of the columns with a default were given a value.
fn worker_row<'r>(f: &Fields<'r>) -> Result<(WorkerInput<'r>, WorkerGiven), RowError> {
    let mut c = f.check();
    let code = c.take(f.required(W_CODE));
    let name = c.take(f.get(W_NAME)).flatten();
    let capacity = c.take(f.parse::<Hours>(W_CAPACITY)).flatten();
    let given = WorkerGiven { capacity: capacity.is_some(), active: matches!(f.get(W_ACTIVE), Ok(Some(_))) };
    let capacity = capacity.unwrap_or(Hours(FULL_TIME_HOURS));
    let active = c
        .take(match f.get(W_ACTIVE) {
            Ok(None) => Ok(true),
            Ok(Some(s)) => parse_yes_no(s).ok_or_else(|| f.error(W_ACTIVE, format!("{s:?} is not yes or no"))),
            Err(e) => Err(e),
        })
        .unwrap_or(true);
    c.done()?;
    let Some(code) = code else { unreachable!("a missing value is an error") };
    Ok((WorkerInput { code, name, capacity, active }, given))
}

/// Import cases. All or nothing unless `--skip-invalid`.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    crate::import::write(&mut db.conn, opts.dry_run, |tx| {
        let mut lk = Lookups::load(tx)?;
        lk.tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f: &Fields<'_>| {
            let row = case_row(f);
            let row = match row {
                Ok(r) => r,
                Err(e) => return Ok(Err(e)),
            };
            lk.line = f.line;
            let judged = dom::record(tx, &mut lk, &row, Mode::Import)?;
            f.also(std::mem::take(&mut lk.tracker.more));
            Ok(match judged {
                Ok((applied, _)) => Ok(applied),
                Err(fault) => Err(at(f, fault)),
            })
        })?;
        let mut summary = reader.finish()?;
        summary.changes = std::mem::take(&mut lk.tracker.changes);
        crate::import::audit(tx, command, "case", &summary, &counts(&summary))?;
        Ok(summary)
    })
}

/// Import tier changes (`caseload import --tiers`).
pub fn run_tiers(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    crate::import::write(&mut db.conn, opts.dry_run, |tx| {
        let mut lk = Lookups::load(tx)?;
        lk.tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, TIER_COLUMNS)?;
        reader.for_each(|f: &Fields<'_>| {
            let parsed = tier_row(f);
            let (r, c, s, o, from, tier) = match parsed {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            lk.line = f.line;
            let judged = dom::record_tier_change(
                tx,
                &mut lk,
                &TierChangeInput { ref_: r, client_ref: c, service: s, opened_on: o, from, tier },
            )?;
            f.also(std::mem::take(&mut lk.tracker.more));
            Ok(judged.map_err(|fault| at(f, fault)))
        })?;
        let mut summary = reader.finish()?;
        summary.changes = std::mem::take(&mut lk.tracker.changes);
        crate::import::audit(tx, command, "case_tier", &summary, &counts(&summary))?;
        Ok(summary)
    })
}

/// Import workers (`caseload worker import`), matched on code.
pub fn run_workers(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    crate::import::run_tracked(db, opts, WORKER_COLUMNS, (command, "worker"), counts, |tx, tracker, f| {
        let (w, given) = match worker_row(f) {
            Ok(w) => w,
            Err(e) => return Ok(Err(e)),
        };
        Ok(dom::record_worker(tx, &w, given, tracker, f.line)?.map_err(|p| at(f, p)))
    })
}

/// `yes`/`no` (also true/false, y/n, 1/0).
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn counts(s: &Summary) -> String {
    super::referral::counts(s)
}
