//! How `pathway decision` shows decisions: the rows of `decision list` and
//! `decision export`, and `decision show`.

use super::{Cell, Out, Render};
use crate::domain::decision::{self, Decision, Listed};
use crate::value::Pence;
use anyhow::Result;

pub const LIST_COLUMNS: &[&str] = &[
    "ref",
    "commissioner",
    "title",
    "status",
    "received_on",
    "decided_on",
    "budget_year",
    "amount",
    "grants",
    "granted",
    "unallocated",
];

/// A row of `decision list`.
pub fn list_cells(l: &Listed) -> Vec<Cell> {
    let d = &l.decision;
    vec![
        Cell::text(&d.reference),
        Cell::text(&d.commissioner),
        Cell::text(&d.title),
        Cell::Name(d.status.as_str(), d.status.label()),
        Cell::opt_date(d.received_on),
        Cell::opt_date(d.decided_on),
        Cell::opt_text(d.budget_year.as_ref().map(|b| b.to_string())),
        Cell::Money(d.amount),
        Cell::Int(l.grants),
        Cell::Money(l.granted),
        Cell::Money(Pence(d.amount.0 - l.granted.0)),
    ]
}

/// A decision's ref, who decided what, when, its status and amount.
fn head(d: &Decision) -> [Cell; 9] {
    [
        Cell::text(&d.reference),
        Cell::text(&d.commissioner),
        Cell::text(&d.title),
        Cell::opt_text(d.summary.as_deref()),
        Cell::opt_text(d.author.as_deref()),
        Cell::opt_date(d.received_on),
        Cell::opt_date(d.decided_on),
        Cell::Name(d.status.as_str(), d.status.label()),
        Cell::Money(d.amount),
    ]
}

/// Where the money comes from, what kind of spend, and whether it is
/// confidential.
fn funding(d: &Decision) -> [Cell; 5] {
    [
        Cell::opt_text(d.funding_source.as_deref()),
        d.spend_type.map(|s| Cell::Name(s.as_str(), s.label())).unwrap_or(Cell::Null),
        Cell::opt_text(d.budget_year.as_ref().map(|b| b.to_string())),
        Cell::Bool(d.confidential),
        Cell::opt_text(d.confidential_category.as_deref()),
    ]
}

/// The cells of a decision in the import's column order.
pub fn export_cells(d: &Decision) -> Vec<Cell> {
    let approvals =
        [if d.approvals.is_empty() { Cell::Null } else { Cell::text(decision::approvals_text(&d.approvals)) }];
    [&head(d)[..], &funding(d), &approvals].concat()
}

/// `decision show`: the decision as a record, its approvals, and its grants
/// (a table of them for people, their refs in CSV, objects in JSON).
pub struct DecisionShown<'a>(pub &'a decision::Detail);

impl Render for DecisionShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let detail = self.0;
        let (mut columns, mut cells) = detail_cells(detail);
        columns.push("approvals");
        cells.push(Cell::List(detail.decision.approvals.iter().map(|a| a.to_string()).collect()));
        columns.push("grants");
        cells.push(Cell::List(detail.grants.iter().map(|g| g.reference.clone()).collect()));
        out.record(&columns, cells)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let detail = self.0;
        let (mut columns, mut cells) = detail_cells(detail);
        columns.push("approvals");
        cells.push(Cell::List(detail.decision.approvals.iter().map(|a| a.to_string()).collect()));
        out.record(&columns, cells)?;
        if !detail.grants.is_empty() {
            out.text("\nGrants\n")?;
            let mut rows = out.rows(&["ref", "recipient", "amount", "status"])?;
            for g in &detail.grants {
                rows.push(vec![
                    Cell::text(&g.reference),
                    Cell::text(&g.recipient),
                    Cell::Money(g.amount),
                    Cell::Name(g.status.as_str(), g.status.label()),
                ])?;
            }
            rows.finish()?;
        }
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        let detail = self.0;
        let (columns, cells) = detail_cells(detail);
        let mut obj = super::object(columns.iter().map(|c| c.to_string()), &cells);
        obj.insert(
            "approvals".into(),
            detail
                .decision
                .approvals
                .iter()
                .map(|a| serde_json::json!({"role": a.role, "approved_on": a.approved_on.iso()}))
                .collect(),
        );
        obj.insert(
            "grants".into(),
            detail
                .grants
                .iter()
                .map(|g| {
                    serde_json::json!({"ref": g.reference, "recipient": g.recipient,
                                       "amount": g.amount.plain(), "status": g.status.as_str()})
                })
                .collect(),
        );
        out.json(&obj)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        self.json(out)
    }
}

fn detail_cells(detail: &decision::Detail) -> (Vec<&'static str>, Vec<Cell>) {
    let d = &detail.decision;
    let columns = vec![
        "ref",
        "commissioner",
        "title",
        "summary",
        "author",
        "received_on",
        "decided_on",
        "status",
        "amount",
        "granted",
        "unallocated",
        "funding_source",
        "spend_type",
        "budget_year",
        "confidential",
        "confidential_category",
    ];
    let granted = [Cell::Money(detail.granted), Cell::Money(detail.unallocated())];
    let cells = [&head(d)[..], &granted, &funding(d)].concat();
    (columns, cells)
}
