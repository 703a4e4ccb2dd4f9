//! Every byte written to stdout goes through here, and this is the one
//! place that looks at `--format`.
//!
//! A value to write implements `Render` (one method per kind of output)
//! beside its report (`report/returns_render.rs`, ...) or here, in the file
//! of the command that shows it (`output/decision.rs` for `pathway decision`,
//! ...); `emit` picks the method. Lists hand over typed rows (`Cell`s under
//! named columns), which `Out` renders as a table for people, or CSV, JSON,
//! JSON Lines or a workbook for scripts, with the same column names in all.
//! Rows stream: CSV and JSON Lines write each row as it comes, so an export
//! of a million rows uses no more memory than one of ten.

pub mod caseload;
mod cell;
pub mod client;
pub mod db;
pub mod decision;
pub mod grant;
pub mod html;
pub mod import;
pub mod provider;
pub mod referral;
pub mod retention;
pub mod service;
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

impl Format {
    /// Whether the output is a table for a person to read.
    pub fn for_people(self) -> bool {
        self == Format::Table
    }
}

/// The usage error for `--format html` anywhere but `report return`.
pub fn html_only() -> anyhow::Error {
    crate::error::usage("--format html is only for `report return`; use table, csv, json or jsonl")
}

/// Whether `format` can be written at all, checked once before a command
/// reads or writes anything: HTML only for a command whose value has a page
/// (`has_page`), and a workbook never to a terminal.
pub fn check(format: Format, has_page: bool, to_terminal: bool) -> Result<()> {
    match format {
        Format::Html if !has_page => Err(html_only()),
        Format::Xlsx if to_terminal => Err(xlsx::not_to_a_terminal()),
        _ => Ok(()),
    }
}

/// A value pathway writes: one method for each kind of output, beside the
/// value's own report or command. `emit` picks the method from `--format`,
/// the one place (with `Out` itself) that the format is matched.
pub trait Render {
    /// One list of rows through `Out::rows`: the CSV, and by default every
    /// other format (a table, a JSON array, JSON Lines, a workbook's sheet).
    fn rows(&self, out: &mut Out) -> Result<()>;

    /// For people (default: the rows as one table).
    fn table(&self, out: &mut Out) -> Result<()> {
        self.rows(out)
    }

    /// One JSON document (default: the rows as an array).
    fn json(&self, out: &mut Out) -> Result<()> {
        self.rows(out)
    }

    /// JSON Lines (default: one object per row).
    fn jsonl(&self, out: &mut Out) -> Result<()> {
        self.rows(out)
    }

    /// A workbook (default: the rows as one sheet).
    fn xlsx(&self, out: &mut Out) -> Result<()> {
        self.rows(out)
    }

    /// A page. Only values with one (the return, the merged return) have
    /// it; `check` refuses `--format html` for every other command before
    /// it starts, so this default is never reached from the command line.
    fn html(&self, _out: &mut Out) -> Result<()> {
        Err(html_only())
    }
}

/// Write `value` in the output's format, then flush.
pub fn emit(value: &dyn Render, out: &mut Out) -> Result<()> {
    match out.format {
        Format::Table => value.table(out)?,
        Format::Csv => value.rows(out)?,
        Format::Json => value.json(out)?,
        Format::Jsonl => value.jsonl(out)?,
        Format::Xlsx => value.xlsx(out)?,
        Format::Html => value.html(out)?,
    }
    out.flush()
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

    /// For an export: CSV unless another format is asked for (a table is
    /// not a file to import again).
    pub fn for_export(mut self) -> Out<'w> {
        if self.format == Format::Table {
            self.format = Format::Csv;
        }
        self
    }

    /// Whether the output is a table for a person to read.
    pub fn for_people(&self) -> bool {
        self.format.for_people()
    }

    /// Write ready sheets as one workbook (`--format xlsx`).
    pub fn workbook(&mut self, sheets: Vec<rust_xlsxwriter::Worksheet>) -> Result<()> {
        xlsx::save(sheets, &mut self.w)?;
        self.w.flush()?;
        Ok(())
    }

    /// Start a list of rows under `columns`.
    pub fn rows<'o>(&'o mut self, columns: &[&str]) -> Result<Rows<'o, 'w>> {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let sheet = match self.format {
            Format::Xlsx => Some(xlsx::Sheet::new(&self.sheet, &columns)?),
            _ => None,
        };
        let mut csv = None;
        match self.format {
            Format::Csv => {
                // The writer lends the output to the list's CSV writer
                // until the list is finished (or dropped).
                let w = std::mem::replace(&mut self.w, Box::new(std::io::sink()));
                let mut c = csv_writer(w);
                c.write_record(&columns)?;
                csv = Some(c);
            }
            Format::Json => self.w.write_all(b"[")?,
            _ => {}
        }
        let keys = json_keys(&columns);
        Ok(Rows {
            out: self,
            columns,
            buffered: Vec::new(),
            csv,
            fields: csv::ByteRecord::new(),
            keys,
            count: 0,
            sheet,
        })
    }

    /// One record (e.g. `decision show`): a two-column table for people, an
    /// object in JSON, one row in CSV.
    pub fn record(&mut self, columns: &[&str], cells: Vec<Cell>) -> Result<()> {
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

/// Each column's JSON key, escaped and followed by `:`, for `json_object`.
fn json_keys(columns: &[impl AsRef<str>]) -> Vec<Vec<u8>> {
    columns
        .iter()
        .map(|c| {
            let mut k = serde_json::to_vec(c.as_ref()).unwrap_or_default();
            k.push(b':');
            k
        })
        .collect()
}

/// A row as one compact JSON object, written straight onto `w`: the bytes
/// of `serde_json::to_writer(&object(..))`, without building the object
/// (a million-row export made a map and a string of every cell).
fn json_object(w: &mut dyn Write, keys: &[Vec<u8>], cells: &[Cell]) -> Result<()> {
    w.write_all(b"{")?;
    for (i, (key, cell)) in keys.iter().zip(cells).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(key)?;
        serde_json::to_writer(&mut *w, cell)?;
    }
    w.write_all(b"}")?;
    Ok(())
}

/// A list of rows being written.
pub struct Rows<'o, 'w> {
    out: &'o mut Out<'w>,
    columns: Vec<String>,
    buffered: Vec<Vec<Cell>>,
    /// CSV: the one writer (the `csv` crate), holding the output while
    /// the list is written.
    csv: Option<csv::Writer<Box<dyn Write + 'w>>>,
    /// The row being written, its buffer kept from row to row.
    fields: csv::ByteRecord,
    /// JSON: each column's key, escaped and followed by `:`, once.
    keys: Vec<Vec<u8>>,
    count: u64,
    sheet: Option<xlsx::Sheet>,
}

impl Drop for Rows<'_, '_> {
    fn drop(&mut self) {
        let _ = self.give_back();
    }
}

impl Rows<'_, '_> {
    /// A CSV list: the output back from its writer, with all it holds.
    fn give_back(&mut self) -> Result<()> {
        if let Some(c) = self.csv.take() {
            self.out.w = c.into_inner().map_err(|e| e.into_error())?;
        }
        Ok(())
    }

    pub fn push(&mut self, cells: Vec<Cell>) -> Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        match self.out.format {
            Format::Table | Format::Html => self.buffered.push(cells),
            Format::Csv => {
                let raw = self.out.raw_csv;
                self.fields.clear();
                for c in &cells {
                    // Text a spreadsheet could take for a formula is
                    // neutralised (unless --raw); text and names are
                    // written from where they are, without a copy.
                    match c {
                        Cell::Text(s) if raw => self.fields.push_field(s.as_bytes()),
                        Cell::Text(s) => self.fields.push_field(neutralise(s).as_bytes()),
                        Cell::Name(name, _) => self.fields.push_field(name.as_bytes()),
                        Cell::List(_) if !raw => self.fields.push_field(neutralise(&c.for_csv()).as_bytes()),
                        _ => self.fields.push_field(c.for_csv().as_bytes()),
                    }
                }
                if let Some(w) = &mut self.csv {
                    w.write_byte_record(&self.fields)?;
                }
            }
            Format::Json => {
                if self.count > 0 {
                    self.out.w.write_all(b",")?;
                }
                self.out.w.write_all(b"\n  ")?;
                json_object(&mut self.out.w, &self.keys, &cells)?;
            }
            Format::Jsonl => {
                json_object(&mut self.out.w, &self.keys, &cells)?;
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
        self.give_back()?;
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

/// The CSV writer every CSV pathway writes goes through (the `csv` crate):
/// RFC 4180, a field quoted when it holds a comma, quote or line break,
/// quotes doubled, lines ending in LF.
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::Writer::from_writer(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(raw: bool, rows: Vec<Vec<Cell>>) -> String {
        let mut buf = Vec::new();
        {
            let mut out = Out::new(Format::Csv, raw, Box::new(&mut buf));
            let mut list = out.rows(&["a", "b"]).unwrap();
            for row in rows {
                list.push(row).unwrap();
            }
            list.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn a_json_row_is_written_as_serde_json_writes_its_object() {
        use crate::value::{Date, Pence};
        let columns = ["ref", "na\"me", "n", "amount", "on", "rate", "ok", "needs", "none", "source"];
        let cells = vec![
            Cell::Text("R-2104-0004 \"quoted\" \\ é\n".into()),
            Cell::Text(String::new()),
            Cell::Int(-42),
            Cell::Money(Pence(2396600)),
            Cell::Date(Date::ymd(2021, 4, 1)),
            Cell::Num(0.125, 2),
            Cell::Bool(true),
            Cell::List(vec!["housing".into(), "debt".into()]),
            Cell::Null,
            Cell::Name("liaison_diversion", "Liaison and diversion"),
        ];
        let keys = json_keys(&columns);
        let mut ours = Vec::new();
        json_object(&mut ours, &keys, &cells).unwrap();
        let theirs = serde_json::to_vec(&object(columns.iter().map(|c| c.to_string()), &cells)).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
    }

    #[test]
    fn csv_is_the_csv_crates_with_formulas_neutralised() {
        let rows = vec![
            vec![Cell::text("=1+1"), Cell::Int(-3)],
            vec![Cell::text("a, \"b\"\nc"), Cell::text(" padded ")],
            vec![Cell::List(vec!["+x".into(), "y".into()]), Cell::Null],
        ];
        // Quoted only for a comma, quote or line break (the csv crate's
        // rule: surrounding spaces are kept as they are, unquoted).
        assert_eq!(csv_of(false, rows.clone()), "a,b\n'=1+1,-3\n\"a, \"\"b\"\"\nc\", padded \n'+x;y,\n");
        assert_eq!(csv_of(true, rows), "a,b\n=1+1,-3\n\"a, \"\"b\"\"\nc\", padded \n+x;y,\n");
    }
}
