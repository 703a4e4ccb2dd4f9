//! Import columns for services: `name,provider,area,kind,hub` and
//! optionally `grants` (`;`-separated grant references). A hub must come
//! before its spokes (or be recorded already). Services are matched by
//! name, so importing the same file twice changes nothing.

use crate::db::Db;
use crate::domain::service::{Importer, NewService};
use crate::error::RowError;
use crate::import::{opt, req, Column, Fields, ImportOptions, Reader, Summary};
use anyhow::Result;

pub const COLUMNS: &[Column] = &[req("name"), req("provider"), opt("area"), opt("kind"), opt("hub"), opt("grants")];
const NAME: usize = 0;
const PROVIDER: usize = 1;
const AREA: usize = 2;
const KIND: usize = 3;
const HUB: usize = 4;
const GRANTS: usize = 5;

/// One row's values, parsed; every bad value is an error of the row.
fn parse<'r>(f: &Fields<'r>) -> Result<NewService<'r>, RowError> {
    let mut c = f.check();
    let name = c.take(f.required(NAME));
    let provider = c.take(f.required(PROVIDER));
    let area = c.take(f.get(AREA)).flatten();
    let kind = c.take(f.parse(KIND)).flatten();
    let hub = c.take(f.get(HUB)).flatten();
    let grants = c
        .take(f.get(GRANTS))
        .flatten()
        .map(|g| g.split(';').map(str::trim).filter(|g| !g.is_empty()).collect())
        .unwrap_or_default();
    c.done()?;
    let (Some(name), Some(provider)) = (name, provider) else { unreachable!("a missing value is an error") };
    Ok(NewService { name, provider, area, kind, hub, grants })
}

/// Import a services file in one transaction.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    crate::import::write(&mut db.conn, opts.dry_run, |tx| {
        let mut importer = Importer::new(tx, opts.rules())?;
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f| {
            let s = match parse(f) {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
            let judged = importer.apply(tx, &s, f.line)?;
            f.also(std::mem::take(&mut importer.tracker.more));
            Ok(judged.map_err(|p| p.at(f.line)))
        })?;
        let mut summary = reader.finish()?;
        summary.changes = std::mem::take(&mut importer.tracker.changes);
        crate::import::audit(tx, command, "service", &summary, &crate::import::referral::counts(&summary))?;
        Ok(summary)
    })
}
