//! Import columns for clients' equality-monitoring attributes:
//! `client_ref,birth_year,ethnicity,disability,dependent_children`.
//!
//! Every column must be present (an empty cell means "not recorded"), so
//! that a file with fewer columns can never blank attributes by accident.
//! Columns that would hold names, addresses or dates of birth are refused
//! by every import that carries client refs, whatever the options.

use crate::db::{self, tx, Db};
use crate::domain::client::{
    check_ref, is_personal_column, parse_birth_year, parse_children, parse_disability, parse_ethnicity,
    personal_column_message, set_attributes, Attributes,
};
use crate::domain::trust::Tracker;
use crate::error::{Error, RowError};
use crate::import::{req, Column, Fields, ImportOptions, Reader, Summary};
use anyhow::Result;
use std::io::{BufRead, Read};

pub const COLUMNS: &[Column] =
    &[req("client_ref"), req("birth_year"), req("ethnicity"), req("disability"), req("dependent_children")];
const CLIENT_REF: usize = 0;
const BIRTH_YEAR: usize = 1;
const ETHNICITY: usize = 2;
const DISABILITY: usize = 3;
const DEPENDENT_CHILDREN: usize = 4;

fn with<T>(f: &Fields<'_>, col: usize, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, RowError> {
    match f.get(col)? {
        None => Ok(None),
        Some(s) => parse(s).map(Some).map_err(|m| f.error(col, m)),
    }
}

fn parse<'r>(f: &Fields<'r>) -> Result<(&'r str, Attributes), RowError> {
    let client_ref = f.required(CLIENT_REF)?;
    check_ref(client_ref).map_err(|m| f.error(CLIENT_REF, m))?;
    Ok((
        client_ref,
        Attributes {
            birth_year: with(f, BIRTH_YEAR, parse_birth_year)?,
            ethnicity: with(f, ETHNICITY, parse_ethnicity)?,
            disability: with(f, DISABILITY, parse_disability)?,
            dependent_children: with(f, DEPENDENT_CHILDREN, parse_children)?,
        },
    ))
}

/// Import a clients file in one transaction.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    refuse_personal_columns(opts)?;
    db::use_bulk_cache(&db.conn)?;
    tx::write_unless_dry(&mut db.conn, opts.dry_run, |tx| {
        let mut tracker = Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, COLUMNS)?;
        reader.for_each(|f| {
            let (client_ref, a) = match parse(f) {
                Ok(x) => x,
                Err(e) => return Ok(Err(e)),
            };
            Ok(set_attributes(tx, client_ref, &a, &mut tracker, f.line)?.map(crate::import::referral::applied))
        })?;
        let mut summary = reader.finish()?;
        summary.changes = tracker.changes;
        tx::audit(tx, command, "client", None, "import", Some(&crate::import::referral::counts(&summary)))?;
        Ok(summary)
    })
}

/// Refuse a file whose header has a column for names, addresses, dates of
/// birth or contact details (data minimisation), even with
/// `--ignore-unknown`. The header is peeked at without consuming it: a
/// file is opened separately; for standard input, the bytes already
/// buffered are looked at. (Should a header not fit in that buffer, such a
/// column is still never stored: it is unknown to every import.)
pub fn refuse_personal_columns(opts: &ImportOptions) -> Result<()> {
    let (label, first_line): (String, Vec<u8>) = if opts.path == "-" {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        let buf = lock.fill_buf().unwrap_or_default();
        match buf.iter().position(|&b| b == b'\n') {
            Some(n) => ("<stdin>".into(), buf[..n].to_vec()),
            // Only whole fields: drop the last, perhaps cut, one.
            None => {
                let cut = buf.iter().rposition(|&b| b == b',').unwrap_or(0);
                ("<stdin>".into(), buf[..cut].to_vec())
            }
        }
    } else {
        let Ok(file) = std::fs::File::open(&opts.path) else { return Ok(()) };
        let mut line = Vec::new();
        let mut r = std::io::BufReader::new(file).take(1 << 20);
        if r.read_until(b'\n', &mut line).is_err() {
            return Ok(());
        }
        (opts.path.clone(), line)
    };
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(first_line.as_slice());
    let mut record = csv::ByteRecord::new();
    if !matches!(csv.read_byte_record(&mut record), Ok(true)) {
        return Ok(());
    }
    let mut errors = Vec::new();
    for field in record.iter() {
        let field = field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field);
        let name = String::from_utf8_lossy(field);
        if is_personal_column(&name) {
            errors.push(RowError { line: 1, column: "header".into(), message: personal_column_message(name.trim()) });
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let total = errors.len();
    Err(Error::Import { file: label, errors, total }.into())
}
