//! `report grants`: money by decision and grant for a period, and the
//! decisions whose grants do not add up to their amount.

use super::returns::PeriodOut;
use crate::db::report::{self as q, Scope};
use crate::db::Conn;
use crate::value::{Pence, Period};
use anyhow::Result;
use serde::Serialize;

/// The JSON schema tag of this report.
pub const SCHEMA: &str = "pathway.grants/1";

#[derive(Debug, Clone, Serialize)]
pub struct GrantRow {
    pub decision: String,
    pub grant: String,
    pub recipient: String,
    pub status: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub awarded: Pence,
    pub paid_in_period: Pence,
    pub paid_to_date: Pence,
    pub outstanding: Pence,
    /// The decision's amount, and how much of it no grant has been given yet
    /// (negative when its grants add up to more).
    pub decision_amount: Pence,
    pub decision_unallocated: Pence,
}

/// A decision whose grants (all of them, whatever their dates) do not add
/// up to its amount.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionGap {
    pub decision: String,
    pub title: String,
    pub status: String,
    pub amount: Pence,
    pub granted: Pence,
    /// amount − granted: positive when under-allocated.
    pub difference: Pence,
    /// `under_allocated` or `over_allocated`.
    pub problem: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantsReport {
    pub schema: &'static str,
    pub period: PeriodOut,
    pub grants: Vec<GrantRow>,
    pub decisions_not_adding_up: Vec<DecisionGap>,
}

/// Grants whose start..end overlaps the period (as in the return), and the
/// decisions that do not add up among: the decisions of those grants, and
/// decisions with no grants at all whose budget year overlaps the period
/// (rejected and withdrawn decisions are left out).
pub fn build(conn: &Conn, period: &Period) -> Result<GrantsReport> {
    let scope = Scope { from: period.from, to: period.to, services: None };
    let grants: Vec<GrantRow> = q::grants(conn, &scope)?
        .into_iter()
        .map(|g| GrantRow {
            decision: g.decision,
            grant: g.grant,
            recipient: g.recipient,
            status: g.status,
            start: g.start_on,
            end: g.end_on,
            awarded: Pence(g.awarded),
            paid_in_period: Pence(g.paid_in_period),
            paid_to_date: Pence(g.paid_to_date),
            outstanding: Pence(g.awarded - g.paid_to_date),
            decision_amount: Pence(g.decision_amount),
            decision_unallocated: Pence(g.decision_amount - g.decision_granted),
        })
        .collect();
    let mut gaps = Vec::new();
    for d in q::decision_allocations(conn)? {
        if matches!(d.status.as_str(), "rejected" | "withdrawn") || d.amount == d.granted {
            continue;
        }
        let listed = grants.iter().any(|g| g.decision == d.decision);
        let in_year = d.grants == 0
            && d.budget_year
                .as_deref()
                .and_then(Period::parse_financial_year)
                .is_some_and(|y| Period::financial_year(y).overlaps(period.from, period.to));
        if listed || in_year {
            gaps.push(DecisionGap {
                decision: d.decision,
                title: d.title,
                status: d.status,
                amount: Pence(d.amount),
                granted: Pence(d.granted),
                difference: Pence(d.amount - d.granted),
                problem: if d.granted < d.amount { "under_allocated" } else { "over_allocated" },
            });
        }
    }
    Ok(GrantsReport {
        schema: SCHEMA,
        period: PeriodOut { label: period.label.clone(), from: period.from, to: period.to },
        grants,
        decisions_not_adding_up: gaps,
    })
}

// How the report is written: JSON the whole document; the table two
// sections (the grants, then the decisions that do not add up); CSV, JSON
// Lines and a workbook one row per grant with its decision's figures.

use crate::output::{Cell, Out, Render};
use crate::report::returns_render::section;

const GRANT_COLUMNS: &[&str] =
    &["decision", "grant", "recipient", "status", "awarded", "paid_in_period", "paid_to_date", "outstanding"];

impl GrantRow {
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.decision.clone()),
            Cell::text(self.grant.clone()),
            Cell::text(self.recipient.clone()),
            Cell::text(self.status.clone()),
            Cell::Money(self.awarded),
            Cell::Money(self.paid_in_period),
            Cell::Money(self.paid_to_date),
            Cell::Money(self.outstanding),
        ]
    }
}

impl DecisionGap {
    fn cells(&self) -> Vec<Cell> {
        let what = if self.problem == "under_allocated" {
            format!("under-allocated by {}", self.difference.pretty())
        } else {
            format!("over-allocated by {}", Pence(-self.difference.0).pretty())
        };
        vec![
            Cell::text(self.decision.clone()),
            Cell::text(self.title.clone()),
            Cell::Money(self.amount),
            Cell::Money(self.granted),
            Cell::text(what),
        ]
    }
}

impl Render for GrantsReport {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let mut columns = GRANT_COLUMNS.to_vec();
        columns.extend(["decision_amount", "decision_unallocated"]);
        let mut rows = out.rows(&columns)?;
        for g in &self.grants {
            let mut cells = g.cells();
            cells.extend([Cell::Money(g.decision_amount), Cell::Money(g.decision_unallocated)]);
            rows.push(cells)?;
        }
        for d in self.decisions_not_adding_up.iter().filter(|d| !self.grants.iter().any(|g| g.decision == d.decision)) {
            let mut cells = vec![Cell::text(d.decision.clone())];
            cells.extend(std::iter::repeat(Cell::Null).take(7));
            cells.extend([Cell::Money(d.amount), Cell::Money(d.difference)]);
            rows.push(cells)?;
        }
        rows.finish()?;
        Ok(())
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let gaps: Vec<Vec<Cell>> = self.decisions_not_adding_up.iter().map(DecisionGap::cells).collect();
        let note = if gaps.is_empty() { "Every decision's grants add up to its amount." } else { "" };
        out.sections(&[
            section(
                format!("Grants {} ({} to {})", self.period.label, self.period.from, self.period.to),
                "",
                GRANT_COLUMNS,
                self.grants.iter().map(GrantRow::cells).collect(),
            ),
            section(
                "Decisions whose grants do not add up",
                note,
                &["decision", "title", "amount", "granted", "difference"],
                gaps,
            ),
        ])
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self)
    }
}
