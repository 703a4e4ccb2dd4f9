//! How `pathway service` shows services: the rows of `service list` and
//! `service export`, and `service show`.

use super::{Cell, Out, Render, Section};
use crate::domain::service;
use anyhow::Result;

pub const SERVICE_COLUMNS: &[&str] = &["name", "provider", "area", "kind", "hub", "grants"];

pub fn service_cells(s: &service::ServiceRow) -> Vec<Cell> {
    vec![
        Cell::text(&s.name),
        Cell::text(&s.provider),
        Cell::opt_text(s.area.clone()),
        Cell::Name(s.kind.as_str(), s.kind.label()),
        Cell::opt_text(s.hub.clone()),
        Cell::List(s.grants.clone()),
    ]
}

/// `service show`: the service as a record with its spokes; for people,
/// then what funds it and its targets; in CSV its targets as a list.
pub struct ServiceShown<'a>(pub &'a service::Detail);

impl Render for ServiceShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let d = self.0;
        let mut cols = SERVICE_COLUMNS.to_vec();
        cols.extend(["spokes", "targets"]);
        let mut cells = service_cells(&d.service);
        cells.push(Cell::List(d.spokes.clone()));
        cells.push(Cell::List(d.targets.iter().map(|t| format!("{} {} {}", t.measure, t.period, t.value)).collect()));
        out.record(&cols, cells)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let d = self.0;
        let mut cols = SERVICE_COLUMNS.to_vec();
        cols.push("spokes");
        let mut cells = service_cells(&d.service);
        cells.push(Cell::List(d.spokes.clone()));
        out.record(&cols, cells)?;
        let sections = service_sections(d);
        if !sections.is_empty() {
            out.text("\n")?;
            out.sections(&sections)?;
        }
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }
}

/// What funds a service and its targets, each a section when there are any.
fn service_sections(d: &service::Detail) -> Vec<Section> {
    let mut sections = Vec::new();
    if !d.funded_by.is_empty() {
        sections.push(Section {
            title: "Funded by".into(),
            note: String::new(),
            columns: ["grant", "decision", "recipient", "amount", "start_on", "end_on"].map(String::from).to_vec(),
            rows: d
                .funded_by
                .iter()
                .map(|g| {
                    vec![
                        Cell::text(&g.grant),
                        Cell::text(&g.decision),
                        Cell::text(&g.recipient),
                        Cell::Money(g.amount),
                        Cell::opt_date(g.start_on),
                        Cell::opt_date(g.end_on),
                    ]
                })
                .collect(),
        });
    }
    if !d.targets.is_empty() {
        sections.push(Section {
            title: "Targets".into(),
            note: String::new(),
            columns: ["measure", "period", "from_on", "to_on", "value"].map(String::from).to_vec(),
            rows: d
                .targets
                .iter()
                .map(|t| {
                    vec![
                        Cell::Name(t.measure.as_str(), t.measure.label()),
                        Cell::text(&t.period),
                        Cell::Date(t.from_on),
                        Cell::Date(t.to_on),
                        Cell::Int(t.value),
                    ]
                })
                .collect(),
        });
    }
    sections
}
