//! How `pathway grant` shows grants: the rows of `grant list` and `grant
//! export` (grants, payments, 360Giving) and of the 360Giving checks, and
//! `grant show`.

use super::{Cell, Out, Render};
use crate::domain::grant::{self, Grant, Listed, Payment};
use crate::domain::threesixty::{registered_numbers, Finding};
use anyhow::Result;

pub const LIST_COLUMNS: &[&str] = &[
    "ref",
    "decision",
    "funder",
    "recipient",
    "intermediary",
    "title",
    "amount",
    "start_on",
    "end_on",
    "status",
    "match_amount",
    "match_funder",
    "paid",
    "outstanding",
];

/// A grant's ref and decision.
fn refs(g: &Grant) -> [Cell; 2] {
    [Cell::text(&g.reference), Cell::text(&g.decision)]
}

/// Who gives the grant to whom, and its title.
fn parties(g: &Grant) -> [Cell; 4] {
    [
        Cell::text(&g.funder),
        Cell::text(&g.recipient),
        Cell::opt_text(g.intermediary.as_deref()),
        Cell::opt_text(g.title.as_deref()),
    ]
}

/// What the grant is for, and on what conditions.
fn purpose(g: &Grant) -> [Cell; 2] {
    [Cell::opt_text(g.purpose.as_deref()), Cell::opt_text(g.conditions.as_deref())]
}

/// The amount, dates, status and match funding.
fn terms(g: &Grant) -> [Cell; 6] {
    [
        Cell::Money(g.amount),
        Cell::opt_date(g.start_on),
        Cell::opt_date(g.end_on),
        Cell::Name(g.status.as_str(), g.status.label()),
        Cell::opt_money(g.match_amount),
        Cell::opt_text(g.match_funder.as_deref()),
    ]
}

/// A row of `grant list`.
pub fn list_cells(l: &Listed) -> Vec<Cell> {
    let g = &l.grant;
    let paid = [Cell::Money(l.paid), Cell::Money(l.outstanding())];
    [&refs(g)[..], &parties(g), &terms(g), &paid].concat()
}

/// A grant's cells in the import's column order.
pub fn export_cells(g: &Grant) -> Vec<Cell> {
    [&refs(g)[..], &parties(g), &purpose(g), &terms(g)].concat()
}

pub fn payment_cells(p: &Payment) -> Vec<Cell> {
    vec![Cell::text(&p.grant), Cell::Date(p.paid_on), Cell::Money(p.amount), Cell::opt_text(p.note.as_deref())]
}

/// `grant show`: the grant as a record, with its reporting schedule
/// described, and its payments.
pub struct GrantShown<'a> {
    pub detail: &'a grant::Detail,
    pub reporting: Option<String>,
}

impl GrantShown<'_> {
    fn cells(&self) -> (Vec<&'static str>, Vec<Cell>) {
        let d = self.detail;
        let g = &d.grant;
        let reporting = self.reporting.clone();
        let columns = vec![
            "ref",
            "decision",
            "decision_title",
            "funder",
            "recipient",
            "intermediary",
            "title",
            "purpose",
            "conditions",
            "amount",
            "start_on",
            "end_on",
            "status",
            "match_amount",
            "match_funder",
            "paid",
            "outstanding",
            "reporting",
        ];
        let title = [Cell::text(&d.decision_title)];
        let paid = [Cell::Money(d.paid), Cell::Money(d.outstanding()), Cell::opt_text(reporting)];
        let cells = [&refs(g)[..], &title, &parties(g), &purpose(g), &terms(g), &paid].concat();
        (columns, cells)
    }
}

impl Render for GrantShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let (mut columns, mut cells) = self.cells();
        let d = self.detail;
        columns.push("payments");
        cells.push(Cell::List(d.payments.iter().map(|p| format!("{} {}", p.paid_on, p.amount.plain())).collect()));
        out.record(&columns, cells)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let (columns, cells) = self.cells();
        out.record(&columns, cells)?;
        out.text("\nPayments\n")?;
        let mut rows = out.rows(&["paid_on", "amount", "note"])?;
        for p in &self.detail.payments {
            rows.push(vec![Cell::Date(p.paid_on), Cell::Money(p.amount), Cell::opt_text(p.note.as_deref())])?;
        }
        rows.finish()?;
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        let (columns, cells) = self.cells();
        let mut obj = super::object(columns.iter().map(|c| c.to_string()), &cells);
        obj.insert(
            "payments".into(),
            self.detail
                .payments
                .iter()
                .map(|p| serde_json::json!({"paid_on": p.paid_on.iso(), "amount": p.amount.plain(), "note": p.note}))
                .collect(),
        );
        out.json(&obj)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        self.json(out)
    }
}

const GIVING_COLUMNS: &[&str] = &[
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Amount Disbursed",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Planned Dates:Duration (months)",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Charity Number",
    "Recipient Org:Company Number",
    "Beneficiary Location:Name",
    "Beneficiary Location:Country Code",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Title",
    "Last Modified",
    "Data Source",
    "Decision Reference",
    "Budget Year",
    "Intermediary",
    "Match Funding:Amount",
    "Match Funding:Funder",
];

/// `grant export --360giving`: the package in JSON (refused when empty),
/// one grant a line in JSON Lines, the standard's flat columns otherwise.
pub struct GivingExport<'a>(pub &'a grant::Giving);

impl Render for GivingExport<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let g = self.0;
        let mut rows = out.rows(GIVING_COLUMNS)?;
        for x in &g.grants {
            // The main sheet carries the first location (the standard's
            // flattening); the JSON carries them all.
            let first = x.beneficiaries.first();
            rows.push(vec![
                Cell::text(&x.id),
                Cell::text(&x.title),
                Cell::text(&x.description),
                Cell::text("GBP"),
                Cell::Money(x.amount_awarded),
                Cell::Money(x.amount_disbursed),
                Cell::Date(x.award_date),
                Cell::opt_date(x.start_on),
                Cell::opt_date(x.end_on),
                x.duration_months.map(|m| Cell::Num(m, if m.fract() == 0.0 { 0 } else { 1 })).unwrap_or(Cell::Null),
                Cell::text(&x.recipient_id),
                Cell::text(&x.recipient_name),
                Cell::opt_text(registered_numbers(&x.recipient_id).0),
                Cell::opt_text(registered_numbers(&x.recipient_id).1),
                Cell::opt_text(first.and_then(|b| b.name.as_deref())),
                Cell::opt_text(first.map(|_| "GB")),
                Cell::opt_text(first.and_then(|b| b.geo_code_type().and(b.geo_code.as_deref()))),
                Cell::opt_text(first.and_then(|b| b.geo_code_type())),
                Cell::text(&x.funder_id),
                Cell::text(&x.funder_name),
                Cell::opt_text(x.programme.as_deref()),
                Cell::opt_text(x.date_modified.as_deref()),
                Cell::opt_text(x.data_source.as_deref()),
                Cell::text(&x.decision),
                Cell::opt_text(x.budget_year.as_deref()),
                Cell::opt_text(x.intermediary.as_deref()),
                Cell::opt_money(x.match_amount),
                Cell::opt_text(x.match_funder.as_deref()),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        if self.0.grants.is_empty() {
            return Err(crate::error::invalid(
                "no grants under approved decisions to export; a 360Giving package needs at least one",
            ));
        }
        out.json(&self.0.package())
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        for grant in &self.0.grants {
            out.json(&grant.to_json())?;
        }
        Ok(())
    }
}

/// `grant export --360giving --check`: the findings, one a row.
pub struct Findings<'a>(pub &'a [Finding]);

impl Render for Findings<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let mut rows = out.rows(&["kind", "check", "grant", "field", "message"])?;
        for f in self.0 {
            rows.push(vec![
                Cell::text(f.kind.as_str()),
                Cell::text(f.check),
                Cell::text(&f.grant),
                Cell::text(&f.field),
                Cell::text(f.message),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }
}
