//! Every byte written to stdout goes through here.
//!
//! Commands hand over typed rows (`Cell`s under named columns); this module
//! renders them as a table for people, or CSV, JSON or JSON Lines for
//! scripts, with the same column names in all four. Rows stream: CSV and
//! JSON Lines write each row as it comes, so an export of a million rows
//! uses no more memory than one of ten.

mod cell;
pub mod html;
mod table;
pub mod xlsx;

pub use cell::{neutralise, unneutralise, Cell};

use anyhow::Result;
use serde::Serialize;
use std::io::Write;

/// Output formats, the same for every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// A table for people to read (the default).
    #[default]
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document (an array of objects for lists).
    Json,
    /// JSON Lines: one object per line.
    Jsonl,
    /// One self-contained HTML page to print or send (only `report return`).
    Html,
    /// An Excel workbook: typed cells, one sheet per list (never to a terminal:
    /// give --output FILE or redirect).
    Xlsx,
}

/// The usage error for `--format html` anywhere but `report return`.
pub fn html_only() -> anyhow::Error {
    crate::error::usage("--format html is only for `report return`; use table, csv, json or jsonl")
}

/// Where data goes, and how.
pub struct Out<'w> {
    pub format: Format,
    /// Write CSV values exactly as stored, without neutralising cells that a
    /// spreadsheet would take for formulas.
    pub raw_csv: bool,
    /// The name of a workbook's one sheet for a list (the command, e.g.
    /// "referral export").
    pub sheet: String,
    w: Box<dyn Write + 'w>,
}

impl<'w> Out<'w> {
    pub fn new(format: Format, raw_csv: bool, w: Box<dyn Write + 'w>) -> Out<'w> {
        Out { format, raw_csv, sheet: "pathway".into(), w }
    }

    /// Name a workbook's sheet (for a list).
    pub fn with_sheet(mut self, name: &str) -> Out<'w> {
        self.sheet = name.to_string();
        self
    }

    /// Write ready sheets as one workbook (`--format xlsx`).
    pub fn workbook(&mut self, sheets: Vec<rust_xlsxwriter::Worksheet>) -> Result<()> {
        xlsx::save(sheets, &mut self.w)?;
        self.w.flush()?;
        Ok(())
    }

    /// Start a list of rows under `columns`.
    pub fn rows<'o>(&'o mut self, columns: &[&str]) -> Result<Rows<'o, 'w>> {
        if self.format == Format::Html {
            return Err(html_only());
        }
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let sheet = match self.format {
            Format::Xlsx => Some(xlsx::Sheet::new(&self.sheet, &columns)?),
            _ => None,
        };
        match self.format {
            Format::Csv => {
                let mut line = Vec::new();
                for (i, c) in columns.iter().enumerate() {
                    csv_field(&mut line, i, c);
                }
                line.extend_from_slice(b"\n");
                self.w.write_all(&line)?;
            }
            Format::Json => self.w.write_all(b"[")?,
            _ => {}
        }
        Ok(Rows { out: self, columns, buffered: Vec::new(), line: Vec::new(), count: 0, sheet })
    }

    /// One record (e.g. `decision show`): a two-column table for people, an
    /// object in JSON, one row in CSV.
    pub fn record(&mut self, columns: &[&str], cells: Vec<Cell>) -> Result<()> {
        if self.format == Format::Html {
            return Err(html_only());
        }
        match self.format {
            Format::Table => {
                let pairs: Vec<(String, String)> =
                    columns.iter().zip(&cells).map(|(c, v)| (table::friendly(c), v.for_table())).collect();
                writeln!(self.w, "{}", table::key_values(&pairs))?;
            }
            Format::Json => {
                let obj = object(columns.iter().map(|c| c.to_string()), &cells);
                serde_json::to_writer_pretty(&mut self.w, &obj)?;
                writeln!(self.w)?;
            }
            _ => {
                let mut rows = self.rows(columns)?;
                rows.push(cells)?;
                rows.finish()?;
            }
        }
        Ok(())
    }

    /// A document already shaped for JSON (reports).
    pub fn json<T: Serialize>(&mut self, value: &T) -> Result<()> {
        if self.format == Format::Html {
            return Err(html_only());
        }
        if self.format == Format::Xlsx {
            return Err(crate::error::usage(
                "--format xlsx is not available for this command's output; use json, jsonl, csv or table",
            ));
        }
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.w, value)?;
                writeln!(self.w)?;
            }
            _ => self.w.write_all(&pretty_json(value)?)?,
        }
        Ok(())
    }

    /// A document like `json`, written as it is serialized rather than
    /// built first: the same bytes, for documents that read their rows
    /// while they are written. When serializing fails, `failure` gives the
    /// error the document kept aside (serde carries only its text).
    pub fn json_streamed<T: Serialize>(
        &mut self,
        value: &T,
        failure: impl FnOnce(&T) -> Option<anyhow::Error>,
    ) -> Result<()> {
        if matches!(self.format, Format::Html | Format::Xlsx) {
            return self.json(value);
        }
        let written = match self.format {
            Format::Jsonl => serde_json::to_writer(&mut self.w, value),
            _ => serde_json::to_writer_pretty(&mut self.w, value),
        };
        if let Err(e) = written {
            return Err(failure(value).unwrap_or_else(|| e.into()));
        }
        writeln!(self.w)?;
        Ok(())
    }

    /// A report's sections as tables, each under its heading.
    pub fn sections(&mut self, sections: &[Section]) -> Result<()> {
        if self.format == Format::Html {
            return Err(html_only());
        }
        if self.format == Format::Xlsx {
            let sheets = sections.iter().map(Section::sheet).collect::<Result<Vec<_>>>()?;
            return self.workbook(sheets);
        }
        for (i, s) in sections.iter().enumerate() {
            if i > 0 {
                writeln!(self.w)?;
            }
            writeln!(self.w, "{}", s.title)?;
            if !s.note.is_empty() {
                writeln!(self.w, "{}", s.note)?;
            }
            let headers: Vec<String> = s.columns.iter().map(|c| table::friendly(c)).collect();
            let rows: Vec<Vec<String>> = s.rows.iter().map(|r| r.iter().map(Cell::for_table).collect()).collect();
            writeln!(self.w, "{}", table::render(&headers, &rows, &s.rows))?;
        }
        Ok(())
    }

    /// Raw text (man pages, completions, HTML).
    pub fn text(&mut self, s: &str) -> Result<()> {
        self.w.write_all(s.as_bytes())?;
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        self.w.flush()?;
        Ok(())
    }
}

/// A document as `--format json` writes it: indented, with a final newline.
/// What a filed return stores, so that it is byte for byte what was shown.
pub fn pretty_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value)?;
    v.push(b'\n');
    Ok(v)
}

/// A titled table within a report.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub note: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Section {
    /// The section as a sheet: its title as the sheet's name, its columns
    /// and rows, its note below them.
    pub fn sheet(&self) -> Result<rust_xlsxwriter::Worksheet> {
        let mut sheet = xlsx::Sheet::new(&self.title, &self.columns)?;
        for r in &self.rows {
            sheet.push(r)?;
        }
        if !self.note.is_empty() {
            sheet.note(&self.note)?;
        }
        sheet.finish()
    }
}

fn object(columns: impl Iterator<Item = String>, cells: &[Cell]) -> serde_json::Map<String, serde_json::Value> {
    columns.zip(cells).map(|(c, v)| (c, v.to_json())).collect()
}

/// A list of rows being written.
pub struct Rows<'o, 'w> {
    out: &'o mut Out<'w>,
    columns: Vec<String>,
    buffered: Vec<Vec<Cell>>,
    line: Vec<u8>,
    count: u64,
    sheet: Option<xlsx::Sheet>,
}

impl Rows<'_, '_> {
    pub fn push(&mut self, cells: Vec<Cell>) -> Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        match self.out.format {
            Format::Table | Format::Html => self.buffered.push(cells),
            Format::Csv => {
                let raw = self.out.raw_csv;
                self.line.clear();
                for (i, c) in cells.iter().enumerate() {
                    let s = c.for_csv();
                    if raw || !matches!(c, Cell::Text(_) | Cell::List(_)) {
                        csv_field(&mut self.line, i, &s);
                    } else {
                        csv_field(&mut self.line, i, &neutralise(&s));
                    }
                }
                self.line.extend_from_slice(b"\n");
                self.out.w.write_all(&self.line)?;
            }
            Format::Json => {
                if self.count > 0 {
                    self.out.w.write_all(b",")?;
                }
                self.out.w.write_all(b"\n  ")?;
                serde_json::to_writer(&mut self.out.w, &object(self.columns.iter().cloned(), &cells))?;
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out.w, &object(self.columns.iter().cloned(), &cells))?;
                self.out.w.write_all(b"\n")?;
            }
            Format::Xlsx => {
                if let Some(s) = &mut self.sheet {
                    s.push(&cells)?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn finish(mut self) -> Result<u64> {
        match self.out.format {
            Format::Xlsx => {
                if let Some(s) = self.sheet.take() {
                    self.out.workbook(vec![s.finish()?])?;
                }
            }
            Format::Table => {
                if self.buffered.is_empty() {
                    // Nothing to show: say so on stdout only for a person.
                    writeln!(self.out.w, "(none)")?;
                } else {
                    let headers: Vec<String> = self.columns.iter().map(|c| table::friendly(c)).collect();
                    let rows: Vec<Vec<String>> =
                        self.buffered.iter().map(|r| r.iter().map(Cell::for_table).collect()).collect();
                    writeln!(self.out.w, "{}", table::render(&headers, &rows, &self.buffered))?;
                }
            }
            Format::Csv | Format::Html => {}
            Format::Json => {
                self.out.w.write_all(if self.count > 0 { b"\n]\n" } else { b"]\n" })?;
            }
            Format::Jsonl => {}
        }
        self.out.w.flush()?;
        Ok(self.count)
    }
}

/// Append one CSV field (RFC 4180: quoted when it holds a comma, quote,
/// line break or surrounding space; quotes doubled).
fn csv_field(line: &mut Vec<u8>, index: usize, s: &str) {
    if index > 0 {
        line.push(b',');
    }
    let needs_quotes =
        s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) || s.starts_with(' ') || s.ends_with(' ');
    if needs_quotes {
        line.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(s.as_bytes());
    }
}
