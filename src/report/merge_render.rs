//! The merged return for people and files: the inputs and the --expect
//! result before the return's own sections, rows and page. `merge`
//! computes the value; this renders it.

use crate::output::{Cell, Out, Render, Section};
use crate::report::merge::{self, Merged};
use crate::report::returns::{Figure, FigureValue};
use crate::report::returns_render::{self as ret, section};
use anyhow::Result;

impl Render for Merged {
    fn rows(&self, out: &mut Out) -> Result<()> {
        ret::figures_csv(self.all_figures(), out)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let mut sections = sections(self);
        sections.extend(ret::sections(&self.ret));
        out.sections(&sections)
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        out.json(self)
    }

    fn xlsx(&self, out: &mut Out) -> Result<()> {
        ret::workbook(&self.ret, sections(self), self.all_figures(), out)
    }

    fn html(&self, out: &mut Out) -> Result<()> {
        let more = vec![
            ("Providers".to_string(), self.inputs.len().to_string()),
            ("Note".to_string(), merge::WOMEN_NOTE.to_string()),
        ];
        out.text(&ret::page(&self.ret, format!("Merged return {}", self.ret.period.label), more, sections(self)))
    }
}

impl Merged {
    /// The long form: the merge's own rows, then the return's.
    fn all_figures(&self) -> Vec<Figure> {
        figures(self).into_iter().chain(self.ret.figures()).collect()
    }
}

/// The inputs and the --expect result, as sections.
fn sections(m: &Merged) -> Vec<Section> {
    let mut out = vec![section(
        format!("Merged return {}: {} providers' returns", m.ret.period.label, m.inputs.len()),
        format!("Note: {}.", merge::WOMEN_NOTE),
        &["provider", "identifier", "service", "file", "generated_at", "sha256"],
        m.inputs
            .iter()
            .map(|i| {
                vec![
                    Cell::text(i.provider.name.clone()),
                    Cell::opt_text(i.provider.identifier.clone()),
                    Cell::opt_text(i.service.clone()),
                    Cell::text(i.file.clone()),
                    Cell::text(i.generated_at.clone()),
                    Cell::text(i.sha256.clone()),
                ]
            })
            .collect(),
    )];
    if let Some(e) = &m.expected {
        out.push(section(
            format!(
                "Reporting rate: {} of {} expected returns received{}",
                e.received,
                e.expected,
                e.reporting_rate.map(|r| format!(" ({:.1}%)", r * 100.0)).unwrap_or_default()
            ),
            if e.not_expected.is_empty() {
                String::new()
            } else {
                format!("Not on the list: {}", e.not_expected.join(", "))
            },
            &["missing"],
            e.missing.iter().map(|x| vec![Cell::text(x.clone())]).collect(),
        ));
    }
    out
}

/// The CSV rows before the return's: the inputs, the --expect result, the note.
fn figures(m: &Merged) -> Vec<Figure> {
    let row = |section: &'static str, item: String, measure: &str, value: FigureValue| {
        Figure::line(section, item, measure, "", value)
    };
    let text = |s: &str| FigureValue::Text(Some(s.to_string()));
    let mut out = vec![row("return", String::new(), "note", text(merge::WOMEN_NOTE))];
    for i in &m.inputs {
        let who = i.provider.name.clone();
        out.push(row("input", who.clone(), "identifier", FigureValue::Text(i.provider.identifier.clone())));
        out.push(row("input", who.clone(), "service", FigureValue::Text(i.service.clone())));
        out.push(row("input", who.clone(), "file", text(&i.file)));
        out.push(row("input", who.clone(), "generated_at", text(&i.generated_at)));
        out.push(row("input", who, "sha256", text(&i.sha256)));
    }
    if let Some(e) = &m.expected {
        out.push(row("expected", String::new(), "expected", FigureValue::Int(e.expected as i64)));
        out.push(row("expected", String::new(), "received", FigureValue::Int(e.received as i64)));
        out.push(row("expected", String::new(), "reporting_rate", FigureValue::Number(e.reporting_rate)));
        for x in &e.missing {
            out.push(row("expected", x.clone(), "missing", text(x)));
        }
        for x in &e.not_expected {
            out.push(row("expected", x.clone(), "not_expected", text(x)));
        }
    }
    out
}
