//! Workbooks (`--format xlsx`), written with `rust_xlsxwriter`.
//!
//! One sheet is one list of rows under named columns: the same columns and
//! rows the CSV writer gets, with each cell typed by what it holds. Counts
//! and other numbers are number cells, money a number cell formatted
//! `£#,##0.00`, dates date cells (`yyyy-mm-dd`), and everything else,
//! refs and codes above all, a text cell, so that a spreadsheet never turns
//! `2021.010` into the number 2021.01. A suppressed count (`<5`, `[c]`) is
//! text, as in the CSV. The header row is bold and frozen, and each column
//! is as wide as its longest value (within bounds).
//!
//! A text cell is never a formula in a workbook, so nothing is neutralised
//! here (unlike CSV, see `neutralise`).

use super::Cell;
use anyhow::Result;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use std::io::Write;

/// The money format: pounds, thousands separated, two places.
pub const MONEY_FORMAT: &str = "£#,##0.00";
/// The date format: ISO, as pathway writes dates everywhere.
pub const DATE_FORMAT: &str = "yyyy-mm-dd";

const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

/// One sheet being filled, row after row.
pub struct Sheet {
    ws: Worksheet,
    widths: Vec<usize>,
    row: u32,
    header: Format,
    money: Format,
    date: Format,
    places: Vec<Format>,
}

impl Sheet {
    /// A sheet called `name` (made safe for a sheet name) with `columns`
    /// as its bold, frozen header row.
    pub fn new(name: &str, columns: &[String]) -> Result<Sheet> {
        let mut ws = Worksheet::new();
        ws.set_name(sheet_name(name))?;
        let mut s = Sheet {
            ws,
            widths: vec![MIN_WIDTH; columns.len()],
            row: 0,
            header: Format::new().set_bold(),
            money: Format::new().set_num_format(MONEY_FORMAT),
            date: Format::new().set_num_format(DATE_FORMAT),
            places: (0..=6)
                .map(|p| {
                    Format::new().set_num_format(if p == 0 { "0".to_string() } else { format!("0.{}", "0".repeat(p)) })
                })
                .collect(),
        };
        if !columns.is_empty() {
            for (i, c) in columns.iter().enumerate() {
                s.ws.write_string_with_format(0, col(i)?, c, &s.header)?;
                s.widen(i, c.chars().count() + 2);
            }
            s.ws.set_freeze_panes(1, 0)?;
            s.row = 1;
        }
        Ok(s)
    }

    fn widen(&mut self, i: usize, w: usize) {
        if i >= self.widths.len() {
            self.widths.resize(i + 1, MIN_WIDTH);
        }
        self.widths[i] = self.widths[i].max(w.min(MAX_WIDTH));
    }

    /// One row of typed cells.
    pub fn push(&mut self, cells: &[Cell]) -> Result<()> {
        let r = self.row;
        for (i, c) in cells.iter().enumerate() {
            let ci = col(i)?;
            let shown = match c {
                Cell::Null => continue,
                Cell::Int(n) => {
                    self.ws.write_number(r, ci, *n as f64)?;
                    n.to_string().len()
                }
                Cell::Money(p) => {
                    self.ws.write_number_with_format(r, ci, p.0 as f64 / 100.0, &self.money)?;
                    p.pretty().chars().count()
                }
                Cell::Date(d) => {
                    use chrono::Datelike;
                    let x = ExcelDateTime::from_ymd(d.0.year() as u16, d.0.month() as u8, d.0.day() as u8)?;
                    self.ws.write_datetime_with_format(r, ci, &x, &self.date)?;
                    10
                }
                Cell::Num(n, places) => {
                    let f = &self.places[(*places).min(6)];
                    self.ws.write_number_with_format(r, ci, *n, f)?;
                    format!("{n:.places$}").len()
                }
                Cell::Text(_) | Cell::Name(..) | Cell::Bool(_) | Cell::List(_) => {
                    let s = c.for_csv();
                    let n = s.chars().count();
                    self.ws.write_string(r, ci, s)?;
                    n
                }
            };
            self.widen(i, shown + 2);
        }
        self.row += 1;
        Ok(())
    }

    /// A line of text below the rows (a note, a legend), in column A.
    pub fn note(&mut self, text: &str) -> Result<()> {
        if self.row > 0 {
            self.row += 1;
        }
        self.ws.write_string(self.row, 0, text)?;
        self.row += 1;
        Ok(())
    }

    /// The sheet, its columns sized to fit.
    pub fn finish(mut self) -> Result<Worksheet> {
        for (i, w) in self.widths.iter().enumerate() {
            self.ws.set_column_width(col(i)?, *w as f64)?;
        }
        Ok(self.ws)
    }
}

fn col(i: usize) -> Result<u16> {
    u16::try_from(i).map_err(|_| anyhow::anyhow!("too many columns for a sheet"))
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '-' } else { c }).collect();
    let cleaned = cleaned.trim().trim_matches('\'');
    let short: String = cleaned.chars().take(31).collect();
    if short.is_empty() {
        "Sheet1".into()
    } else {
        short
    }
}

/// Write the sheets as one workbook to `w`. Sheet names are made unique
/// (Excel refuses two alike, whatever their case).
pub fn save(sheets: Vec<Worksheet>, w: &mut dyn Write) -> Result<()> {
    let mut wb = Workbook::new();
    let mut seen: Vec<String> = Vec::new();
    for mut ws in sheets {
        let base = ws.name();
        let mut name = base.clone();
        let mut n = 2;
        while seen.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
            let suffix = format!(" ({n})");
            name = format!("{}{suffix}", base.chars().take(31 - suffix.len()).collect::<String>());
            n += 1;
        }
        if name != base {
            ws.set_name(&name)?;
        }
        seen.push(name);
        wb.push_worksheet(ws);
    }
    let bytes = wb.save_to_buffer()?;
    w.write_all(&bytes)?;
    Ok(())
}

/// The usage error for a workbook that would go to a terminal.
pub fn not_to_a_terminal() -> anyhow::Error {
    crate::error::usage(
        "--format xlsx writes a workbook, which a terminal cannot show: give --output FILE (e.g. --output return.xlsx) or redirect it to a file (> return.xlsx)",
    )
}
