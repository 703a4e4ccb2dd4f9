//! Tables for people: comfy-table, fitted to the terminal, no colour.

use super::Cell;
use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

/// `received_on` → `Received on`.
pub fn friendly(column: &str) -> String {
    let s = column.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn base() -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    if std::env::var_os("NO_COLOR").is_some() {
        t.force_no_tty();
    }
    t
}

pub fn render(headers: &[String], rows: &[Vec<String>], typed: &[Vec<Cell>]) -> String {
    let mut t = base();
    t.set_header(headers);
    for r in rows {
        t.add_row(r);
    }
    // Right-align numeric columns: those whose first row is a number, or
    // a withheld count ("<5", "[c]") that stands for one.
    if let Some(first) = typed.first() {
        for (i, c) in first.iter().enumerate() {
            let withheld = matches!(c, Cell::Text(t) if t.starts_with('<') || t == "[c]")
                && typed.iter().any(|r| r.get(i).is_some_and(Cell::is_numeric));
            if c.is_numeric() || withheld {
                if let Some(col) = t.column_mut(i) {
                    col.set_cell_alignment(CellAlignment::Right);
                }
            }
        }
    }
    t.to_string()
}

pub fn key_values(pairs: &[(String, String)]) -> String {
    let mut t = base();
    for (k, v) in pairs {
        t.add_row(vec![k.as_str(), v.as_str()]);
    }
    t.to_string()
}
