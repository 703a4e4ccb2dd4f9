//! Import columns for services: `name,provider,area,kind,hub` and
//! optionally `grants` (`;`-separated grant references). A hub must come
//! before its spokes (or be recorded already). Services are matched by
//! name, so importing the same file twice changes nothing.

use crate::db::{tx, Db};
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

fn parse<'r>(f: &Fields<'r>) -> Result<NewService<'r>, RowError> {
    Ok(NewService {
        name: f.required(NAME)?,
        provider: f.required(PROVIDER)?,
        area: f.get(AREA)?,
        kind: f.parse(KIND)?,
        hub: f.get(HUB)?,
        grants: f
            .get(GRANTS)?
            .map(|g| g.split(';').map(str::trim).filter(|g| !g.is_empty()).collect())
            .unwrap_or_default(),
    })
}

/// Import a services file in one transaction.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut importer = Importer::new(tx, opts.rules())?;
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f| {
            let s = match parse(f) {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
            Ok(match importer.apply(tx, &s, f.line)? {
                Ok(c) => Ok(crate::import::referral::applied(c)),
                Err(p) => Err(RowError { line: f.line, column: p.column.into(), message: p.message }),
            })
        })?;
        let mut summary = reader.finish()?;
        summary.changes = std::mem::take(&mut importer.tracker.changes);
        tx::audit(tx, command, "service", None, "import", Some(&crate::import::referral::counts(&summary)))?;
        Ok(summary)
    })
}
