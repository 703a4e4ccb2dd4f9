//! Import columns for referrals:
//! `client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref`
//! and optionally `risk,marac`.
//!
//! This import is built for speed (a million rows at close to the speed of
//! SQLite itself): services and clients are held in memory, statements are
//! cached, fields are borrowed from the reader's one record buffer, and the
//! whole file is one transaction.

use crate::db::{self, Db};
use crate::domain::referral::{parse_marac, Found, Importer, Referral};
use crate::domain::service::ServiceNames;
use crate::error::RowError;
use crate::import::{opt, req, Column, Fields, ImportOptions, Reader, Summary};
use crate::value::names::{Needs, ReferralOutcome, Risk, Source};
use crate::value::Date;
use anyhow::Result;

/// The columns, in export order.
pub const COLUMNS: &[Column] = &[
    req("client_ref"),
    req("referred_on"),
    req("source"),
    req("service"),
    opt("area"),
    req("needs"),
    opt("outcome"),
    opt("first_contact_on"),
    opt("ref"),
    opt("risk"),
    opt("marac"),
];
const CLIENT_REF: usize = 0;
const REFERRED_ON: usize = 1;
const SOURCE: usize = 2;
const SERVICE: usize = 3;
const AREA: usize = 4;
const NEEDS: usize = 5;
const OUTCOME: usize = 6;
const FIRST_CONTACT_ON: usize = 7;
const REF: usize = 8;
const RISK: usize = 9;
const MARAC: usize = 10;

/// The column names as a header line, for help and export.
pub fn header() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.name).collect()
}

/// A row's values apart from its text, parsed on the reading thread
/// (`Reader::for_each_parsed`); the text is borrowed again from the row
/// when it is applied (`referral`).
#[derive(Debug, Clone)]
struct Values {
    referred_on: Date,
    source: Source,
    needs: Needs,
    outcome: Option<ReferralOutcome>,
    first_contact_on: Option<Date>,
    risk: Option<Risk>,
    marac: bool,
    found: Found,
}

/// Check every value of a row; every bad value is an error of the row.
/// Its client's key and its service are found too (`Found`).
fn parse(f: &Fields<'_>, services: &ServiceNames) -> Result<Values, RowError> {
    let mut c = f.check();
    let client_ref = c.take(f.required(CLIENT_REF));
    let referred_on = c.take(f.date_required(REFERRED_ON));
    let source = c.take(f.parse_required(SOURCE));
    let service = c.take(f.required(SERVICE));
    c.take(f.get(AREA));
    let needs = c.take(f.parse(NEEDS)).flatten().unwrap_or_default();
    let outcome = c.take(f.parse(OUTCOME)).flatten();
    let first_contact_on = c.take(f.date(FIRST_CONTACT_ON)).flatten();
    c.take(f.get(REF));
    let risk = c.take(f.parse(RISK)).flatten();
    let marac = c
        .take(match f.get(MARAC) {
            Ok(None) => Ok(false),
            Ok(Some(s)) => parse_marac(s).map_err(|m| f.error(MARAC, m)),
            Err(e) => Err(e),
        })
        .unwrap_or_default();
    c.done()?;
    let (Some(client_ref), Some(referred_on), Some(source), Some(service)) = (client_ref, referred_on, source, service)
    else {
        unreachable!("a missing value is an error")
    };
    let found = Found::of(services, client_ref, service);
    Ok(Values { referred_on, source, needs, outcome, first_contact_on, risk, marac, found })
}

/// The referral of a row that `parse` passed: its values, and its text
/// (read again from the row, which `parse` checked).
fn referral<'r>(f: &Fields<'r>, v: &Values) -> Result<Referral<'r>, RowError> {
    Ok(Referral {
        client_ref: f.required(CLIENT_REF)?,
        referred_on: v.referred_on,
        source: v.source,
        service: f.required(SERVICE)?,
        area: f.get(AREA)?,
        needs: v.needs,
        outcome: v.outcome,
        first_contact_on: v.first_contact_on,
        ref_: f.get(REF)?,
        risk: v.risk,
        marac: v.marac,
    })
}

/// Import a referrals file in one transaction.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    db::use_bulk_cache(&db.conn)?;
    // A load into an empty table takes its ids from the importer's own
    // lookups: its foreign keys are checked once, at the end.
    let keys_checked_at_end: &[&str] = if db::referral::any(&db.conn)? { &[] } else { &["referrals"] };
    let bulk = db::tx::Bulk { dry_run: opts.dry_run, keys_checked_at_end };
    crate::import::write_bulk(&mut db.conn, bulk, |tx| {
        let mut importer = Importer::new(tx, opts.rules())?;
        let mut reader = Reader::open(opts, COLUMNS)?;
        let services = importer.services();
        reader.for_each_parsed(
            move |f: &Fields<'_>| parse(f, &services),
            |f, values| {
                let r = match referral(f, &values) {
                    Ok(r) => r,
                    Err(e) => return Ok(Err(e)),
                };
                let checked = match importer.check(&r, values.found) {
                    Ok(c) => c,
                    Err(p) => return Ok(Err(p.at(f.line))),
                };
                let judged = importer.apply(tx, checked, &r, f.line)?;
                f.also(std::mem::take(&mut importer.tracker.more));
                Ok(judged.map_err(|p| p.at(f.line)))
            },
        )?;
        let mut summary = reader.finish()?;
        summary.changes = importer.finish(tx)?;
        crate::import::audit(tx, command, "referral", &summary, &counts(&summary))?;
        Ok(summary)
    })
}

/// "12 new, 0 updated, 3 unchanged, 1 rejected": an audit detail.
pub fn counts(s: &Summary) -> String {
    format!(
        "{} new, {} updated, {} unchanged, {} rejected, {} repeated",
        s.new, s.updated, s.unchanged, s.rejected, s.repeated
    )
}
