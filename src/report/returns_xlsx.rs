//! The return as a workbook (`report return --format xlsx`): an "About"
//! sheet, one sheet per section of the table, and a long "Figures" sheet
//! holding exactly the CSV's rows, every cell typed (see `output::xlsx`).

use crate::output::xlsx::Sheet;
use crate::output::{Cell, Section};
use crate::report::returns::{ProviderOut, Return};
use anyhow::Result;
use rust_xlsxwriter::Worksheet;

/// Where every figure's full definition is written down.
pub const DEFINITIONS: &str = "README.md, \"What the numbers in a return mean\"";

/// The sheets, in order: About, the sections, Figures.
///
/// `sections` are the return's sections as the table shows them and
/// `figures` the rows of its CSV (columns `figure_columns`), so that the
/// workbook says no more and no less than those.
pub fn sheets(
    r: &Return,
    sections: &[Section],
    figure_columns: &[&str],
    figures: Vec<Vec<Cell>>,
) -> Result<Vec<Worksheet>> {
    let mut out = vec![about(r)?];
    for s in sections {
        out.push(s.sheet()?);
    }
    let columns: Vec<String> = figure_columns.iter().map(|c| c.to_string()).collect();
    let mut f = Sheet::new("Figures", &columns)?;
    for row in &figures {
        f.push(row)?;
    }
    if !r.suppression.legend.is_empty() {
        for (symbol, meaning) in &r.suppression.legend {
            f.note(&format!("{symbol}: {meaning}"))?;
        }
    }
    out.push(f.finish()?);
    Ok(out)
}

fn about(r: &Return) -> Result<Worksheet> {
    let mut s = Sheet::new("About", &["item".to_string(), "value".to_string()])?;
    let mut line = |item: &str, value: Cell| s.push(&[Cell::text(item), value]);
    if let Some(p) = r.provider.as_ref().map(ProviderOut::text) {
        line("Provider", Cell::text(p))?;
    }
    line("Return", Cell::text(format!("Commissioner return {}", r.period.label)))?;
    line("Period", Cell::text(r.period.label.clone()))?;
    line("From", Cell::Date(r.period.from))?;
    line("To", Cell::Date(r.period.to))?;
    if let Some(svc) = &r.service {
        let mut v = svc.name.clone();
        if !svc.includes.is_empty() {
            v.push_str(&format!(" (with {})", svc.includes.join(", ")));
        }
        line("Service", Cell::text(v))?;
    }
    line("Generated at", Cell::text(r.generated_at.clone()))?;
    line("Schema", Cell::text(r.schema))?;
    line("Database schema version", Cell::Int(r.database_schema_version))?;
    let t = r.suppression.threshold;
    line(
        "Suppression",
        Cell::text(if t > 1 {
            format!(
                "counts from 1 to {} show as <{t}; counts that would reveal them show as [c]; {} shown as <{t}, {} as [c]",
                t - 1,
                r.suppression.primary,
                r.suppression.secondary
            )
        } else {
            "none: every count is shown".to_string()
        }),
    )?;
    if let Some(n) = r.suppression.rounding {
        line("Rounding", Cell::text(format!("counts shown are rounded to the nearest {n}")))?;
    }
    for (symbol, meaning) in &r.suppression.legend {
        line(&format!("Key: {symbol}"), Cell::text(meaning.clone()))?;
    }
    line(
        "Sheets",
        Cell::text("one per section of the return, then Figures: every figure, one per row, as in the CSV"),
    )?;
    line("Definitions", Cell::text(format!("every figure's definition: {DEFINITIONS}; how each was counted here:")))?;
    for f in r.figures() {
        if let Some(n) = f.named {
            if !n.rule.is_empty() {
                line(&n.name, Cell::text(n.rule))?;
            }
        }
    }
    s.finish()
}
