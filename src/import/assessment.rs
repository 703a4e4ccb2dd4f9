//! Import columns for assessments (`caseload import --assessments`):
//! `case,pathway,assessed_on,score,stage`. The case is named by its ref or
//! `#id`. A row matches a recorded assessment on case, pathway and
//! assessed_on; a changed score or stage is counted as updated.

use super::{opt, req, Column, Fields, ImportOptions, Summary};
use crate::db::Db;
use crate::domain::assessment::{self as dom, AssessInput};
use crate::error::RowError;
use crate::value::names::{Pathway, Stage};
use anyhow::Result;

pub const COLUMNS: &[Column] = &[req("case"), req("pathway"), req("assessed_on"), req("score"), opt("stage")];
const CASE: usize = 0;
const PATHWAY: usize = 1;
const ASSESSED_ON: usize = 2;
const SCORE: usize = 3;
const STAGE: usize = 4;

/// One row, parsed; every bad value is an error of the row.
fn row<'r>(f: &Fields<'r>) -> Result<(&'r str, AssessInput), RowError> {
    let mut c = f.check();
    let case = c.take(f.required(CASE));
    let pathway = c.take(f.parse_required::<Pathway>(PATHWAY));
    let assessed_on = c.take(f.date_required(ASSESSED_ON));
    let score = c.take(f.required(SCORE).and_then(|s| dom::parse_score(s).map_err(|m| f.error(SCORE, m))));
    let stage = c.take(f.parse::<Stage>(STAGE)).flatten();
    c.done()?;
    let (Some(case), Some(pathway), Some(assessed_on), Some(score)) = (case, pathway, assessed_on, score) else {
        unreachable!("a missing value is an error")
    };
    Ok((case, AssessInput { pathway, assessed_on, score, stage }))
}

/// Import assessments. All or nothing unless `--skip-invalid`.
pub fn run(db: &mut Db, opts: &ImportOptions, command: &str) -> Result<Summary> {
    crate::import::run_tracked(db, opts, COLUMNS, (command, "assessment"), super::referral::counts, |tx, tracker, f| {
        let (case, a) = match row(f) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let case = match dom::case_of_row(tx, case)? {
            Ok(c) => c,
            Err(p) => return Ok(Err(p.at(f.line))),
        };
        Ok(dom::record(tx, tracker, f.line, &case, &a)?.map_err(|p| p.at(f.line)))
    })
}
