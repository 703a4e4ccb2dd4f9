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

pub fn list_cells(r: &Stored) -> Vec<Cell> {
    vec![
        Cell::Int(r.id),
        Cell::opt_text(r.ref_.clone()),
        Cell::text(&r.client_ref),
        Cell::Date(r.referred_on),
        Cell::Name(r.source.as_str(), r.source.label()),
        Cell::text(&r.service),
        Cell::opt_text(r.area.clone()),
        Cell::List(r.needs.iter().map(|n| n.as_str().to_string()).collect()),
        r.outcome.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null),
        Cell::opt_date(r.first_contact_on),
        Cell::opt_int(r.days_to_first_contact()),
        r.risk.map(|o| Cell::Name(o.as_str(), o.label())).unwrap_or(Cell::Null),
        Cell::Bool(r.marac),
    ]
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
