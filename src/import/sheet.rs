//! Workbooks as import files: `.xlsx`/`.xlsm`, `.ods` and `.xls`, read
//! with `calamine`, known by their extension or by their first bytes (a
//! zip or an OLE file).
//!
//! A sheet reaches the shared reader as the rows a CSV file would give,
//! each cell as the text a person typed: a whole number stored as 42.0 is
//! `42`, a date cell `2021-04-12` (a date-time at midnight too), a
//! formula its cached value, `TRUE` `yes`. An error cell (`#N/A`) is an
//! error of its row, naming the cell. Empty rows are skipped, so rows
//! left empty at the end are ignored.
//!
//! Limits, checked before the sheet is read (so that a small file that
//! expands hugely, a zip bomb, is refused without filling the memory):
//! each part of an `.xlsx` or `.ods` (the zip's entries) expands to at
//! most `MAX_PART_BYTES`, and all of them to at most `MAX_WORKBOOK_BYTES`,
//! counted by expanding them, not taken from what the zip says; an `.xls`
//! is at most `MAX_XLS_BYTES`. An `.xlsx` sheet is then read as a stream,
//! one row at a time, with the CSV reader's caps: a row of at most
//! `MAX_RECORD_BYTES`, at most `MAX_COLUMNS` columns (a sheet that claims
//! a million columns is refused at the first value past them). An `.ods`
//! or `.xls` sheet is read whole, within those part limits.

use super::{MAX_COLUMNS, MAX_RECORD_BYTES};
use anyhow::Result;
use calamine::{Data, DataRef, Reader as _, Sheets};
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// The most any one part of a workbook may expand to: 256 MiB.
pub const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;
/// The most all the parts of a workbook may expand to together: 1 GiB.
pub const MAX_WORKBOOK_BYTES: u64 = 1024 * 1024 * 1024;
/// The largest `.xls` file read (it is read whole): 64 MiB.
pub const MAX_XLS_BYTES: u64 = 64 * 1024 * 1024;
/// The most parts a workbook may have.
const MAX_PARTS: usize = 10_000;

/// Which kind of workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Ods,
    Xls,
}

/// Whether `path` (whose first bytes are `start`) is a workbook: by its
/// extension, else by its content.
pub fn kind(path: &Path, start: &[u8]) -> Option<Kind> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("xlsx" | "xlsm") => return Some(Kind::Xlsx),
        Some("ods") => return Some(Kind::Ods),
        Some("xls") => return Some(Kind::Xls),
        _ => {}
    }
    if start.starts_with(b"PK\x03\x04") {
        // An OpenDocument file starts with its uncompressed "mimetype".
        let ods = start.windows(46).any(|w| w == b"mimetypeapplication/vnd.oasis.opendocument.spr");
        return Some(if ods { Kind::Ods } else { Kind::Xlsx });
    }
    if start.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Kind::Xls);
    }
    None
}

/// The column letters of a 0-based column: 0 → A, 26 → AA.
pub fn letter(col: u32) -> String {
    let mut n = col + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// One cell with something in it.
#[derive(Debug, Clone)]
pub struct Value {
    /// 0-based column.
    pub col: u32,
    /// What a person typed.
    pub text: String,
    /// Stored as a number (so a ref in it may have lost its zeros).
    pub number: bool,
    /// Why the cell cannot be read (an error cell).
    pub error: Option<String>,
}

/// What the sheet gives: a row (1-based number, its non-empty cells in
/// column order), the reason it cannot be read further, or its end. A
/// sheet that stops giving without `End` was not read to its end.
#[derive(Debug)]
pub enum Item {
    Row(u32, Vec<Value>),
    Stop(u32, String),
    End,
}

/// An open sheet, its rows coming from a reading thread.
pub struct Opened {
    pub sheet: String,
    pub rows: Receiver<Item>,
    /// Columns covered by a merged cell that starts further left, as
    /// (first row, last row, first column, last column), 0-based.
    pub merged: Vec<(u32, u32, u32, u32)>,
}

fn refused(label: &str, why: String) -> anyhow::Error {
    crate::error::invalid(format!("{label}: {why}; nothing was imported"))
}

/// Expand every part of a zip to count its size, refusing past the limits.
fn check_zip(path: &Path, label: &str) -> Result<()> {
    let f = std::fs::File::open(path)?;
    let not_workbook = |e: &dyn std::fmt::Display| {
        refused(label, format!("the file is not a workbook pathway can read ({e}); save it as .xlsx, .ods or CSV"))
    };
    let mut zip = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| not_workbook(&e))?;
    if zip.len() > MAX_PARTS {
        return Err(refused(
            label,
            format!("the workbook has {} parts, more than pathway reads ({MAX_PARTS})", zip.len()),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| not_workbook(&e))?;
        let name = part.name().to_string();
        let too_big = || {
            refused(
                label,
                format!(
                    "the workbook's part {name:?} expands to more than {MAX_PART_BYTES} bytes, more than pathway \
                     reads (a file that expands like this may be a zip bomb); is this the right file?"
                ),
            )
        };
        if part.size() > MAX_PART_BYTES {
            return Err(too_big());
        }
        let n = std::io::copy(&mut (&mut part).take(MAX_PART_BYTES + 1), &mut std::io::sink())
            .map_err(|e| not_workbook(&e))?;
        if n > MAX_PART_BYTES {
            return Err(too_big());
        }
        total += n;
        if total > MAX_WORKBOOK_BYTES {
            return Err(refused(
                label,
                format!(
                    "the workbook expands to more than {MAX_WORKBOOK_BYTES} bytes, more than pathway reads \
                     (a file that expands like this may be a zip bomb); is this the right file?"
                ),
            ));
        }
    }
    Ok(())
}

/// Open the sheet `want` (else the first) of the workbook at `path`.
pub fn open(path: &Path, kind: Kind, want: Option<&str>, label: &str) -> Result<Opened> {
    match kind {
        Kind::Xlsx | Kind::Ods => check_zip(path, label)?,
        Kind::Xls => {
            let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if len > MAX_XLS_BYTES {
                return Err(refused(
                    label,
                    format!(
                        "the .xls file is {len} bytes, more than pathway reads ({MAX_XLS_BYTES}); save it as .xlsx"
                    ),
                ));
            }
        }
    }
    let f = BufReader::new(std::fs::File::open(path)?);
    let opened = match kind {
        Kind::Xlsx => calamine::open_workbook_from_rs(f).map(Sheets::Xlsx).map_err(calamine::Error::Xlsx),
        Kind::Ods => calamine::open_workbook_from_rs(f).map(Sheets::Ods).map_err(calamine::Error::Ods),
        Kind::Xls => calamine::open_workbook_from_rs(f).map(Sheets::Xls).map_err(calamine::Error::Xls),
    };
    // The reader's error is not shown: reading shared strings, it can quote
    // a cell's text.
    let mut wb = opened.map_err(|_| {
        refused(
            label,
            "the file is not a workbook pathway can read (its sheets cannot be opened); save it as .xlsx, .ods or CSV"
                .into(),
        )
    })?;
    let names = wb.sheet_names();
    let sheet = match want {
        Some(w) => {
            match names.iter().find(|n| n.as_str() == w).or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(w))) {
                Some(n) => n.clone(),
                None => {
                    // A sheet named like a record (a tab per woman) is
                    // counted, never named.
                    let (data, plain): (Vec<&String>, Vec<&String>) =
                        names.iter().partition(|n| crate::import::could_be_data(n));
                    let mut listed: Vec<String> = plain.iter().map(|n| format!("{n:?}")).collect();
                    if !data.is_empty() {
                        listed.push(format!("{} more whose names look like data, not shown", data.len()));
                    }
                    return Err(crate::error::not_found(format!(
                        "{label} has no sheet called {w:?}; its sheets are {}",
                        listed.join(", ")
                    )));
                }
            }
        }
        None => names.first().cloned().ok_or_else(|| refused(label, "the workbook has no sheets".into()))?,
    };
    let mut merged = Vec::new();
    if let Sheets::Xlsx(x) = &mut wb {
        if x.load_merged_regions().is_ok() {
            for (_, _, d) in x.merged_regions_by_sheet(&sheet) {
                merged.push((d.start.0, d.end.0, d.start.1, d.end.1));
            }
        }
    }
    let (tx, rx) = sync_channel(1024);
    let name = sheet.clone();
    std::thread::spawn(move || read(wb, &name, tx));
    Ok(Opened { sheet, rows: rx, merged })
}

/// The message for a sheet the reader gives up on. The reader's own error
/// is not shown: it can quote the XML of a cell, and so a cell's value.
const UNREADABLE: &str = "the sheet cannot be read (the workbook is damaged, or not one pathway can read)";

/// The reading thread: every row, in order, until the end or a stop.
fn read(wb: Sheets<BufReader<std::fs::File>>, sheet: &str, tx: SyncSender<Item>) {
    let mut rows = Assembler::new(tx);
    match wb {
        Sheets::Xlsx(mut x) => {
            let mut cells = match x.worksheet_cells_reader(sheet) {
                Ok(c) => c,
                Err(_) => return rows.stop(0, UNREADABLE.into()),
            };
            loop {
                match cells.next_cell() {
                    Ok(Some(c)) => {
                        let (r, col) = c.get_position();
                        if !rows.cell(r, col, value_ref(c.get_value())) {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(_) => {
                        let at = rows.row.map_or(0, |r| r + 1);
                        return rows.stop(at, format!("{UNREADABLE} past this row"));
                    }
                }
            }
        }
        mut other => {
            let range = match other.worksheet_range(sheet) {
                Ok(r) => r,
                Err(_) => return rows.stop(0, UNREADABLE.into()),
            };
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, v) in range.used_cells() {
                if !rows.cell(r0 + r as u32, c0 + c as u32, value(v)) {
                    return;
                }
            }
        }
    }
    if rows.flush() {
        let _ = rows.tx.send(Item::End);
    }
}

/// Puts cells, coming in row order, together into rows.
struct Assembler {
    tx: SyncSender<Item>,
    row: Option<u32>,
    cells: Vec<Value>,
    bytes: usize,
}

impl Assembler {
    fn new(tx: SyncSender<Item>) -> Assembler {
        Assembler { tx, row: None, cells: Vec::new(), bytes: 0 }
    }

    /// Take one cell; false once reading is to stop.
    fn cell(&mut self, row: u32, col: u32, v: Option<Value>) -> bool {
        if self.row != Some(row) {
            if !self.flush() {
                return false;
            }
            self.row = Some(row);
        }
        let Some(mut v) = v else { return true };
        if col as usize >= MAX_COLUMNS {
            self.stop(
                row + 1,
                format!(
                    "the row has a value in column {}, past the {MAX_COLUMNS} columns pathway reads; the sheet was not read further",
                    letter(col)
                ),
            );
            return false;
        }
        self.bytes += v.text.len();
        if self.bytes > MAX_RECORD_BYTES {
            self.stop(
                row + 1,
                format!("the row is more than {MAX_RECORD_BYTES} bytes long, more than pathway reads; the sheet was not read further"),
            );
            return false;
        }
        v.col = col;
        self.cells.push(v);
        true
    }

    /// Hand over the row being put together, if it has anything in it.
    fn flush(&mut self) -> bool {
        let cells = std::mem::take(&mut self.cells);
        self.bytes = 0;
        match self.row {
            Some(r) if !cells.is_empty() => self.tx.send(Item::Row(r + 1, cells)).is_ok(),
            _ => true,
        }
    }

    fn stop(&mut self, row: u32, why: String) {
        let _ = self.tx.send(Item::Stop(row, why));
    }
}

/// A whole number as a person types it; another as a spreadsheet shows
/// it (at most 15 significant digits).
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = format!("{f}");
    if s.len() <= 16 {
        return s;
    }
    let magnitude = if f == 0.0 { 0 } else { f.abs().log10().floor() as i32 + 1 };
    let places = (15 - magnitude).max(0) as usize;
    let s = format!("{f:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn text(s: String) -> Option<Value> {
    (!s.trim().is_empty()).then_some(Value { col: 0, text: s, number: false, error: None })
}

fn number(s: String) -> Option<Value> {
    Some(Value { col: 0, text: s, number: true, error: None })
}

fn date_time(dt: chrono::NaiveDateTime) -> String {
    if dt.time() == chrono::NaiveTime::MIN {
        dt.date().format("%Y-%m-%d").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

fn value_ref(d: &DataRef<'_>) -> Option<Value> {
    match d {
        DataRef::SharedString(s) => text((*s).to_string()),
        DataRef::String(s) => text(s.clone()),
        other => value(&Data::from(other.clone())),
    }
}

fn value(d: &Data) -> Option<Value> {
    match d {
        Data::Empty => None,
        Data::String(s) => text(s.clone()),
        Data::Int(i) => number(i.to_string()),
        Data::Float(f) => number(number_text(*f)),
        Data::Bool(b) => text(if *b { "yes" } else { "no" }.to_string()),
        Data::DateTime(x) => match x.as_datetime() {
            Some(dt) if x.is_datetime() => text(date_time(dt)),
            _ => number(number_text(x.as_f64())),
        },
        Data::DateTimeIso(s) => text(s.strip_suffix("T00:00:00").unwrap_or(s).to_string()),
        Data::DurationIso(s) => text(s.clone()),
        Data::Error(e) => Some(Value {
            col: 0,
            text: String::new(),
            number: false,
            error: Some(format!(
                "the cell holds the error {e} (a formula that failed, or a value the spreadsheet could not work out); \
                 put the value itself in the cell"
            )),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(2), "C");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(16383), "XFD");
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(2021.01), "2021.01");
        assert_eq!(number_text(2021.021), "2021.021");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-5.0), "-5");
    }
}
