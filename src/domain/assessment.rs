//! Rules for assessments: a woman's score on one resettlement pathway, on a
//! day, recorded on one of her cases (PRODUCT.md 6.2).
//!
//! - An assessment is dated within its case: not before the case opened,
//!   not after it closed (the closing day itself is allowed: an exit
//!   assessment is often made then), and not after today.
//! - The score is a whole number from 1 to 10 (10 best, the scale of the
//!   Outcome Star family).
//! - One woman has at most one assessment on a pathway on a day, across all
//!   her cases, so that her first and latest scores are never ambiguous.

use crate::db::assessment::{self as q, Assessment, AssessmentLine};
use crate::db::caseload::{self as cq, Case};
use crate::db::{self, Conn};
use crate::domain::caseload::{case_key, find, CaseId};
use crate::domain::dates;
use crate::domain::trust::{Applied, Comparison, Tracker, Verdict};
use crate::error::{invalid, RowError};
use crate::value::names::{Pathway, Stage};
use crate::value::Date;
use anyhow::Result;

/// A score as typed: a whole number from 1 to 10.
pub fn parse_score(s: &str) -> Result<i64, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if (1..=10).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a score: give a whole number from 1 to 10 (10 best)")),
    }
}

/// One assessment as given on the command line or in an import row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessInput {
    pub pathway: Pathway,
    pub assessed_on: Date,
    pub score: i64,
    pub stage: Option<Stage>,
}

/// The row to insert for assessment `a` on `case` (its client's too).
fn new_row(case: &Case, a: &AssessInput) -> Assessment {
    Assessment {
        id: 0,
        case_id: case.id,
        client_id: case.client_id,
        pathway: a.pathway,
        assessed_on: a.assessed_on,
        score: a.score,
        stage: a.stage,
    }
}

/// The day of an assessment against its case's dates and today.
pub fn check_day(case: &Case, on: Date) -> Result<(), RowError> {
    dates::happened(on).map_err(|m| RowError::new("assessed_on", m))?;
    let key = case_key(case.ref_.as_deref(), case.id);
    if on < case.opened_on {
        return Err(RowError::new("assessed_on", format!("{on} is before case {key} opened ({})", case.opened_on)));
    }
    if let Some(c) = case.closed_on {
        if on > c {
            return Err(RowError::new("assessed_on", format!("{on} is after case {key} closed ({c})")));
        }
    }
    Ok(())
}

/// A case closing on `closed_on` must not leave an assessment after it.
pub fn check_closing(conn: &Conn, case_id: i64, key: &str, closed_on: Date) -> Result<Result<(), RowError>> {
    Ok(match q::latest_on_case(conn, case_id)? {
        Some(last) if last > closed_on => Err(RowError::new(
            "closed_on",
            format!(
                "case {key} has an assessment on {last}, after {closed_on}; a case cannot close before its last \
                 assessment"
            ),
        )),
        _ => Ok(()),
    })
}

fn same_day_fault(key: &str, a: &AssessInput, other: &str) -> RowError {
    RowError::new(
        "assessed_on",
        format!(
            "case {key}: this woman already has an assessment on {} on {} (case {other}); one a pathway a day, so \
             that her first and latest scores are clear",
            a.pathway, a.assessed_on
        ),
    )
}

fn key_of_case(conn: &Conn, case_id: i64) -> Result<String> {
    Ok(cq::case_by_id(conn, case_id)?
        .map(|c| case_key(c.ref_.as_deref(), c.id))
        .unwrap_or_else(|| format!("#{case_id}")))
}

/// `caseload assess`: record one assessment, in one transaction with its
/// audit row (which names the case, pathway and day, never the score).
pub fn assess(conn: &mut Conn, id: &CaseId, a: &AssessInput, command: &str) -> Result<String> {
    db::tx::write(conn, |tx| {
        let case = find(tx, id)?;
        let key = case_key(case.ref_.as_deref(), case.id);
        check_day(&case, a.assessed_on).map_err(|f| invalid(format!("{}: {}", f.column, f.message)))?;
        if let Some(other) = q::on_day(tx, case.client_id, a.pathway, a.assessed_on)? {
            let other = key_of_case(tx, other.case_id)?;
            return Err(same_day_fault(&key, a, &other).into_error());
        }
        q::insert(tx, &new_row(&case, a))?;
        let detail = format!("{} on {}", a.pathway, a.assessed_on);
        db::tx::audit(tx, command, "case", Some(&key), "assess", Some(&detail))?;
        Ok(key)
    })
}

/// Every assessment, or those of one case.
pub fn list(conn: &Conn, case: Option<&CaseId>, each: impl FnMut(AssessmentLine) -> Result<()>) -> Result<()> {
    let case_id = match case {
        Some(c) => Some(find(conn, c)?.id),
        None => None,
    };
    q::list(conn, case_id, each)
}

/// The case named in an import row, or the row's fault.
pub fn case_of_row(conn: &Conn, given: &str) -> Result<Result<Case, RowError>> {
    let id = match given.parse::<CaseId>() {
        Ok(id) => id,
        Err(m) => return Ok(Err(RowError::new("case", m))),
    };
    let found = crate::domain::caseload::lookup(conn, &id)?;
    Ok(found.ok_or_else(|| RowError::new("case", crate::domain::caseload::unknown_case(&id))))
}

/// Record one assessment from an import row. It matches a recorded one on
/// case, pathway and assessed_on: the same score and stage is unchanged, a
/// changed score or stage is an update (blanking a stage needs
/// `--allow-clear`).
pub fn record(
    conn: &Conn,
    tracker: &mut Tracker,
    line: u64,
    case: &Case,
    a: &AssessInput,
) -> Result<Result<Applied, RowError>> {
    let key = case_key(case.ref_.as_deref(), case.id);
    if let Err(f) = check_day(case, a.assessed_on) {
        return Ok(Err(f));
    }
    let name = || format!("{key} {} {}", a.pathway, a.assessed_on);
    match q::on_day(conn, case.client_id, a.pathway, a.assessed_on)? {
        Some(old) if old.case_id != case.id => {
            let other = key_of_case(conn, old.case_id)?;
            Ok(Err(same_day_fault(&key, a, &other)))
        }
        Some(old) => {
            let mut cmp = Comparison::new("assessment", name(), "");
            cmp.value("score", Some(old.score.to_string()), Some(a.score.to_string()));
            cmp.value("stage", old.stage.map(|s| s.to_string()), a.stage.map(|s| s.to_string()));
            match tracker.matched(line, old.id, &cmp) {
                Err(e) => {
                    let column = if e.column == "stage" { "stage" } else { "score" };
                    Ok(Err(RowError::new(column, e.message)))
                }
                Ok(Verdict::Repeated) => Ok(Ok(Applied::Repeated)),
                Ok(Verdict::Unchanged) => Ok(Ok(Applied::Unchanged)),
                Ok(Verdict::Update) => {
                    q::update(conn, old.id, a.score, a.stage)?;
                    Ok(Ok(Applied::Updated))
                }
            }
        }
        None => {
            let id = q::insert(conn, &new_row(case, a))?;
            tracker.created(line, id, "assessment", name);
            Ok(Ok(Applied::New))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_whole_numbers_from_1_to_10() {
        assert_eq!(parse_score("1"), Ok(1));
        assert_eq!(parse_score(" 10 "), Ok(10));
        for bad in ["0", "11", "4.5", "", "ten", "-3"] {
            assert_eq!(
                parse_score(bad),
                Err(format!("{bad:?} is not a score: give a whole number from 1 to 10 (10 best)")),
                "{bad}"
            );
        }
    }
}
