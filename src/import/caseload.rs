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
    self as dom, CaseInput, Fault, Hours, Lookups, Mode, TierChangeInput, WorkerGiven, WorkerInput, FULL_TIME_HOURS,
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

fn at(f: &Fields<'_>, fault: Fault) -> RowError {
    RowError { line: f.line, column: fault.column.to_string(), message: fault.message }
}

/// Import cases. All or nothing unless `--skip-invalid`.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    db::tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut lk = Lookups::load(tx)?;
        lk.tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f: &Fields<'_>| {
            let row = (|| -> Result<CaseInput<'_>, RowError> {
                Ok(CaseInput {
                    client_ref: f.required(CLIENT_REF)?,
                    worker: f.required(WORKER)?,
                    service: f.required(SERVICE)?,
                    tier: f.required(TIER)?,
                    opened_on: f.parse_required::<Date>(OPENED_ON)?,
                    closed_on: f.parse::<Date>(CLOSED_ON)?,
                    close_reason: f.get(CLOSE_REASON)?,
                    outcome: f.parse::<CaseOutcome>(OUTCOME)?,
                    ref_: f.get(REF)?,
                })
            })();
            let row = match row {
                Ok(r) => r,
                Err(e) => return Ok(Err(e)),
            };
            lk.line = f.line;
            Ok(match dom::record(tx, &mut lk, &row, Mode::Import)? {
                Ok((applied, _)) => Ok(applied),
                Err(fault) => Err(at(f, fault)),
            })
        })?;
        let mut summary = reader.finish()?;
        summary.changes = std::mem::take(&mut lk.tracker.changes);
        db::tx::audit(tx, command, "case", None, "import", Some(&counts(&summary)))?;
        Ok(summary)
    })
}

/// Import tier changes (`caseload import --tiers`).
pub fn run_tiers(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    db::tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut lk = Lookups::load(tx)?;
        lk.tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, TIER_COLUMNS)?;
        reader.for_each(|f: &Fields<'_>| {
            let parsed = (|| -> Result<_, RowError> {
                Ok((
                    f.get(T_REF)?,
                    f.get(T_CLIENT_REF)?,
                    f.get(T_SERVICE)?,
                    f.parse::<Date>(T_OPENED_ON)?,
                    f.parse_required::<Date>(T_FROM_ON)?,
                    f.required(T_TIER)?,
                ))
            })();
            let (r, c, s, o, from, tier) = match parsed {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            lk.line = f.line;
            Ok(dom::record_tier_change(
                tx,
                &mut lk,
                &TierChangeInput { ref_: r, client_ref: c, service: s, opened_on: o, from, tier },
            )?
            .map_err(|fault| at(f, fault)))
        })?;
        let mut summary = reader.finish()?;
        summary.changes = std::mem::take(&mut lk.tracker.changes);
        db::tx::audit(tx, command, "case_tier", None, "import", Some(&counts(&summary)))?;
        Ok(summary)
    })
}

/// Import workers (`caseload worker import`), matched on code.
pub fn run_workers(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, WORKER_COLUMNS)?;
        reader.for_each(|f: &Fields<'_>| {
            let parsed = (|| -> Result<(WorkerInput<'_>, WorkerGiven), RowError> {
                let active = match f.get(W_ACTIVE)? {
                    None => true,
                    Some(s) => parse_yes_no(s).ok_or_else(|| f.error(W_ACTIVE, format!("{s:?} is not yes or no")))?,
                };
                let given = WorkerGiven { capacity: f.get(W_CAPACITY)?.is_some(), active: f.get(W_ACTIVE)?.is_some() };
                Ok((
                    WorkerInput {
                        code: f.required(W_CODE)?,
                        name: f.get(W_NAME)?,
                        capacity: f.parse::<Hours>(W_CAPACITY)?.unwrap_or(Hours(FULL_TIME_HOURS)),
                        active,
                    },
                    given,
                ))
            })();
            let (w, given) = match parsed {
                Ok(w) => w,
                Err(e) => return Ok(Err(e)),
            };
            Ok(dom::record_worker(tx, &w, given, &mut tracker, f.line)?.map_err(|fault| at(f, fault)))
        })?;
        let mut summary = reader.finish()?;
        summary.changes = tracker.changes;
        db::tx::audit(tx, command, "worker", None, "import", Some(&counts(&summary)))?;
        Ok(summary)
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
