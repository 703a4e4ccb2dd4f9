//! How `pathway client` shows clients: the rows of `client list`, `client
//! export` and `client duplicates`, and `client show` (a subject access
//! answer).

use super::{Cell, Out, Render, Section};
use crate::domain::client::{ClientRow, Held};
use crate::domain::duplicates::Pair;
use anyhow::Result;

/// `client show`: a subject access answer. JSON the whole of it; the
/// table a section for each part; CSV one row per value.
pub struct ClientShown<'a>(pub &'a Held);

impl Render for ClientShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        long_csv(out, self.0)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        out.sections(&sections(self.0))
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }
}

pub const CLIENT_COLUMNS: &[&str] = &["client_ref", "birth_year", "ethnicity", "disability", "dependent_children"];

pub fn attribute_cells(c: &ClientRow) -> Vec<Cell> {
    let a = &c.attributes;
    vec![
        Cell::text(&c.client_ref),
        Cell::opt_int(a.birth_year),
        a.ethnicity.map(|e| Cell::Name(e.as_str(), e.label())).unwrap_or(Cell::Null),
        a.disability.map(|d| Cell::Name(d.as_str(), d.label())).unwrap_or(Cell::Null),
        Cell::opt_int(a.dependent_children),
    ]
}

fn opt_name(n: Option<(&'static str, &'static str)>) -> Cell {
    n.map(|(a, b)| Cell::Name(a, b)).unwrap_or(Cell::Null)
}

/// The sections of a subject access answer, for tables and long CSV.
fn sections(h: &Held) -> Vec<Section> {
    vec![client_section(h), referral_section(h), case_section(h), assessment_section(h)]
}

fn client_section(h: &Held) -> Section {
    let mut client_cols: Vec<String> = CLIENT_COLUMNS.iter().map(|c| c.to_string()).collect();
    client_cols.remove(0);
    let client_cells = attribute_cells(&h.client)[1..].to_vec();
    Section {
        title: "Client".into(),
        note: String::new(),
        columns: ["client_ref"].iter().map(|c| c.to_string()).chain(client_cols).collect(),
        rows: vec![std::iter::once(Cell::text(&h.client.client_ref)).chain(client_cells).collect()],
    }
}

fn referral_section(h: &Held) -> Section {
    Section {
        title: format!("Referrals ({})", h.referrals.len()),
        note: String::new(),
        columns: super::referral::held_columns(),
        rows: h.referrals.iter().map(super::referral::held_cells).collect(),
    }
}

fn case_section(h: &Held) -> Section {
    Section {
        title: format!("Cases ({})", h.cases.len()),
        note: String::new(),
        columns: ["id", "ref", "worker", "service", "opened_on", "closed_on", "close_reason", "outcome", "tiers"]
            .map(String::from)
            .to_vec(),
        rows: h
            .cases
            .iter()
            .map(|c| {
                vec![
                    Cell::Int(c.id),
                    Cell::opt_text(c.ref_.clone()),
                    Cell::text(&c.worker),
                    Cell::text(&c.service),
                    Cell::opt_date(c.opened_on),
                    Cell::opt_date(c.closed_on),
                    Cell::opt_text(c.close_reason.clone()),
                    opt_name(c.outcome.map(|o| (o.as_str(), o.label()))),
                    Cell::List(
                        c.tiers
                            .iter()
                            .map(|t| format!("{} from {}", t.tier, t.from_on.map(|d| d.iso()).unwrap_or_default()))
                            .collect(),
                    ),
                ]
            })
            .collect(),
    }
}

fn assessment_section(h: &Held) -> Section {
    Section {
        title: format!("Assessments ({})", h.assessments.len()),
        note: String::new(),
        columns: ["case", "pathway", "assessed_on", "score", "stage"].map(String::from).to_vec(),
        rows: h
            .assessments
            .iter()
            .map(|a| {
                vec![
                    Cell::text(&a.case),
                    Cell::Name(a.pathway.as_str(), a.pathway.label()),
                    Cell::Date(a.assessed_on),
                    Cell::Int(a.score),
                    opt_name(a.stage.map(|o| (o.as_str(), o.label()))),
                ]
            })
            .collect(),
    }
}

/// One row per value: section,item,field,value.
fn long_csv(out: &mut Out<'_>, h: &Held) -> Result<()> {
    let mut rows = out.rows(&["section", "item", "field", "value"])?;
    for s in sections(h) {
        let section = s.title.split(' ').next().unwrap_or_default().to_lowercase();
        for (i, row) in s.rows.iter().enumerate() {
            for (col, cell) in s.columns.iter().zip(row) {
                rows.push(vec![
                    Cell::text(&section),
                    Cell::Int(i as i64 + 1),
                    Cell::text(col),
                    Cell::text(cell.for_csv()),
                ])?;
            }
        }
    }
    rows.finish()?;
    Ok(())
}

/// The columns of `client list`: the attributes, then the counts.
pub const LIST_COLUMNS: &[&str] =
    &["client_ref", "birth_year", "ethnicity", "disability", "dependent_children", "referrals", "cases"];

/// A row of `client list`.
pub fn list_cells(c: &ClientRow) -> Vec<Cell> {
    let mut cells = attribute_cells(c);
    cells.extend([Cell::Int(c.referrals), Cell::Int(c.cases)]);
    cells
}

/// `client duplicates`: one row per likely pair.
pub struct Pairs<'a>(pub &'a [Pair]);

impl Render for Pairs<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let mut rows = out.rows(&[
            "client_ref",
            "other_ref",
            "normalised",
            "birth_year",
            "referrals_days_apart",
            "referrals_close",
        ])?;
        for p in self.0 {
            rows.push(vec![
                Cell::text(&p.client_ref),
                Cell::text(&p.other_ref),
                Cell::text(&p.normalised),
                Cell::Name(p.birth_year.as_str(), p.birth_year.label()),
                Cell::opt_int(p.referrals_days_apart),
                Cell::Bool(p.referrals_close),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }
}
