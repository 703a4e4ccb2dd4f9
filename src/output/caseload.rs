//! How `pathway caseload` shows cases, assessments, workers and tiers: the
//! rows of its lists and exports (an export's columns are exactly its
//! import's).

use super::Cell;
use crate::db::assessment::AssessmentLine;
use crate::db::caseload::{CaseLine, Tier, TierChangeLine, Worker};
use crate::value::names::CaseOutcome;

/// Weekly hours as short as they can be written exactly: 37.5, 5, 7.25.
fn hours_cell(h: f64) -> Cell {
    let places = if h.fract() == 0.0 {
        0
    } else if (h * 10.0).fract().abs() < 1e-9 {
        1
    } else {
        2
    };
    Cell::Num(h, places)
}

pub const LIST_COLUMNS: &[&str] = &[
    "id",
    "ref",
    "client_ref",
    "worker",
    "service",
    "tier",
    "hours_per_week",
    "opened_on",
    "closed_on",
    "close_reason",
    "outcome",
];

fn outcome_cell(o: Option<CaseOutcome>) -> Cell {
    o.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null)
}

/// A case's client, worker and service: the cells `caseload list` and
/// `caseload export` both show before the tier.
fn who_cells(c: &CaseLine) -> [Cell; 3] {
    [Cell::text(&c.client_ref), Cell::text(&c.worker), Cell::text(&c.service)]
}

/// How a case stands: opened, closed, why, and its outcome (both show
/// these after the tier).
fn standing_cells(c: &CaseLine) -> [Cell; 4] {
    [
        Cell::Date(c.opened_on),
        Cell::opt_date(c.closed_on),
        Cell::opt_text(c.close_reason.as_deref()),
        outcome_cell(c.outcome),
    ]
}

/// A row of `caseload list`.
pub fn case_cells(c: CaseLine) -> Vec<Cell> {
    let head = [Cell::Int(c.id), Cell::opt_text(c.ref_.as_deref())];
    let tier = [Cell::text(&c.tier), hours_cell(c.hours_per_week)];
    [&head[..], &who_cells(&c), &tier, &standing_cells(&c)].concat()
}

/// Export columns: exactly the import's.
pub const EXPORT_COLUMNS: &[&str] =
    &["client_ref", "worker", "service", "tier", "opened_on", "closed_on", "close_reason", "outcome", "ref"];
pub const TIER_EXPORT_COLUMNS: &[&str] = &["ref", "client_ref", "service", "opened_on", "from_on", "tier"];

/// Assessment columns, listed and exported: exactly the import's.
pub const ASSESSMENT_COLUMNS: &[&str] = &["case", "pathway", "assessed_on", "score", "stage"];

pub fn assessment_cells(l: AssessmentLine) -> Vec<Cell> {
    vec![
        Cell::Text(l.case),
        Cell::Name(l.pathway.as_str(), l.pathway.label()),
        Cell::Date(l.assessed_on),
        Cell::Int(l.score),
        l.stage.map(|s| Cell::Name(s.as_str(), s.label())).unwrap_or(Cell::Null),
    ]
}

/// A row of `caseload export --tiers`.
pub fn tier_change_cells(t: TierChangeLine) -> Vec<Cell> {
    // The case by its ref; client_ref, service and opened_on only
    // for a case without one (less personal detail in the file).
    let by_ref = t.ref_.is_some();
    vec![
        Cell::opt_text(t.ref_),
        if by_ref { Cell::Null } else { Cell::Text(t.client_ref) },
        if by_ref { Cell::Null } else { Cell::Text(t.service) },
        if by_ref { Cell::Null } else { Cell::Date(t.opened_on) },
        Cell::Date(t.from_on),
        Cell::Text(t.tier),
    ]
}

/// A row of `caseload export`.
pub fn export_cells(c: CaseLine) -> Vec<Cell> {
    let tier = [Cell::text(&c.opening_tier)];
    [&who_cells(&c)[..], &tier, &standing_cells(&c), &[Cell::opt_text(c.ref_.as_deref())]].concat()
}

pub const WORKER_COLUMNS: &[&str] = &["code", "name", "capacity_hours", "active"];

pub fn worker_cells(w: Worker) -> Vec<Cell> {
    vec![Cell::Text(w.code), Cell::opt_text(w.name), hours_cell(w.capacity_hours), Cell::Bool(w.active)]
}

/// The columns of `caseload tier list`.
pub const TIER_COLUMNS: &[&str] = &["code", "hours_per_week", "description"];

pub fn tier_cells(t: Tier) -> Vec<Cell> {
    vec![Cell::Text(t.code), hours_cell(t.hours_per_week), Cell::opt_text(t.description)]
}
