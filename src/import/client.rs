//! Import columns for clients' equality-monitoring attributes:
//! `client_ref,birth_year,ethnicity,disability,dependent_children`.
//!
//! Every column must be present (an empty cell means "not recorded"), so
//! that a file with fewer columns can never blank attributes by accident.
//! Columns that would hold names, addresses or dates of birth are refused
//! by every import, whatever the options (the shared reader's header check).

use crate::db::Db;
use crate::domain::client::{
    check_ref, parse_birth_year, parse_children, parse_disability, parse_ethnicity, set_attributes, Attributes,
};
use crate::error::RowError;
use crate::import::{req, Column, Fields, ImportOptions, Summary};
use anyhow::Result;

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

/// One row's values, parsed; every bad value is an error of the row.
fn parse<'r>(f: &Fields<'r>) -> Result<(&'r str, Attributes), RowError> {
    let mut c = f.check();
    let client_ref =
        c.take(f.required(CLIENT_REF).and_then(|r| check_ref(r).map(|()| r).map_err(|m| f.error(CLIENT_REF, m))));
    let birth_year = c.take(with(f, BIRTH_YEAR, parse_birth_year)).flatten();
    let ethnicity = c.take(with(f, ETHNICITY, parse_ethnicity)).flatten().flatten();
    let disability = c.take(with(f, DISABILITY, parse_disability)).flatten().flatten();
    let dependent_children = c.take(with(f, DEPENDENT_CHILDREN, parse_children)).flatten().flatten();
    c.done()?;
    let Some(client_ref) = client_ref else { unreachable!("a missing value is an error") };
    Ok((client_ref, Attributes { birth_year, ethnicity, disability, dependent_children }))
}

/// Import a clients file in one transaction.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    crate::import::run_tracked(db, opts, COLUMNS, (command, "client"), super::referral::counts, |tx, tracker, f| {
        let (client_ref, a) = match parse(f) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        set_attributes(tx, client_ref, &a, tracker, f.line)
    })
}
