//! How `pathway referral` shows referrals: the rows of `referral list` and
//! `referral export`, and one referral (`referral show`, and after `add` or
//! `update` for scripts).

use super::{Cell, Out, Render};
use crate::domain::referral::Stored;
use anyhow::Result;

pub const LIST_COLUMNS: &[&str] = &[
    "id",
    "ref",
    "client_ref",
    "referred_on",
    "source",
    "service",
    "area",
    "needs",
    "outcome",
    "first_contact_on",
    "days_to_first_contact",
    "risk",
    "marac",
];

/// The columns of `held_cells`: the list's without client_ref and
/// days_to_first_contact.
pub fn held_columns() -> Vec<String> {
    let not_held = ["client_ref", "days_to_first_contact"];
    LIST_COLUMNS.iter().filter(|c| !not_held.contains(c)).map(|c| c.to_string()).collect()
}

/// A referral's cells as `client show` lists them under her: the list's
/// columns without client_ref and days_to_first_contact.
pub fn held_cells(r: &Stored) -> Vec<Cell> {
    vec![
        Cell::Int(r.id),
        Cell::opt_text(r.ref_.clone()),
        Cell::Date(r.referred_on),
        Cell::Name(r.source.as_str(), r.source.label()),
        Cell::text(&r.service),
        Cell::opt_text(r.area.clone()),
        Cell::List(r.needs.iter().map(|n| n.as_str().to_string()).collect()),
        r.outcome.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null),
        Cell::opt_date(r.first_contact_on),
        r.risk.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null),
        Cell::Bool(r.marac),
    ]
}

/// A row of `referral list`, under `LIST_COLUMNS`.
pub fn list_cells(r: &Stored) -> Vec<Cell> {
    let mut cells = held_cells(r);
    cells.insert(2, Cell::text(&r.client_ref));
    cells.insert(10, Cell::opt_int(r.days_to_first_contact()));
    cells
}

pub fn export_cells(r: &Stored) -> Vec<Cell> {
    vec![
        Cell::text(&r.client_ref),
        Cell::Date(r.referred_on),
        Cell::Name(r.source.as_str(), r.source.label()),
        Cell::text(&r.service),
        Cell::opt_text(r.area.clone()),
        Cell::text(r.needs.joined()),
        r.outcome.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null),
        Cell::opt_date(r.first_contact_on),
        Cell::opt_text(r.ref_.clone()),
        r.risk.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null),
        Cell::Bool(r.marac),
    ]
}

/// One referral as a record, under the list's columns.
pub struct ReferralShown<'a>(pub &'a Stored);

impl Render for ReferralShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        out.record(LIST_COLUMNS, list_cells(self.0))
    }
}
