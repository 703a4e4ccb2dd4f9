//! Streaming CSV import, shared by every entity.
//!
//! A CSV file is read and parsed on a second thread, a few batches of 512
//! records ahead (`csv::ByteRecord`s, reused), while each row is checked
//! and written on the first inside the caller's one transaction, in the
//! file's order; the caller rolls everything back if any row was invalid —
//! unless `--skip-invalid`, when the bad rows go to the rejects file with
//! an `error` column. Memory does not grow with the file. Each row's line
//! is the one it begins on, counted as the bytes go by (`Tracker`).
//!
//! Accepted: a header row with columns in any order; UTF-8 with or without
//! a byte-order mark; LF or CRLF; quoted fields with commas, quotes and
//! newlines; `;`-separated files from European Excel (with or without a
//! first line `sep=;`); `-` for standard input. The input is read once, so
//! a pipe or a FIFO works like a file.
//!
//! Limits, enforced while reading (so that memory stays bounded whatever
//! the input): a value of at most `MAX_FIELD_BYTES`, a row of at most
//! `MAX_RECORD_BYTES`, at most `MAX_COLUMNS` columns.
//!
//! The header row is checked once, as a whole: unknown, repeated or
//! missing columns, columns for personal detail (refused whatever the
//! options) and a first line that is data rather than a header. A header
//! cell that could be data is never repeated in a message.

pub mod assessment;
pub mod caseload;
pub mod client;
pub mod decision;
pub mod grant;
pub mod interrupt;
pub mod referral;
pub mod service;
pub mod sheet;

use crate::db::{tx, Conn, Tx};
use crate::domain::client::{is_personal_column, personal_column_message};
use crate::domain::trust::Applied;
use crate::error::{count_of, Error, RowError, SheetAt, MAX_LISTED_ERRORS};
use crate::output::unneutralise;
use crate::value::Date;
use anyhow::{Context, Result};
use serde::Serialize;
use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

/// The longest value accepted in any field: 10,000 bytes.
pub const MAX_FIELD_BYTES: usize = 10_000;

/// The longest row (or header row) read: 1,000,000 bytes. Past this the
/// file is refused and not read further.
pub const MAX_RECORD_BYTES: usize = 1_000_000;

/// The most columns a header (or any row) may have.
pub const MAX_COLUMNS: usize = 1_000;

/// What to do about a file that is not UTF-8.
const NOT_UTF8_HELP: &str = "save the file as \"CSV UTF-8\", or, if older Excel saved it as \"CSV\", \
     import it with --encoding windows-1252";

/// How much of the start is looked at to tell `,` from `;` files.
const SNIFF_BYTES: usize = 64 * 1024;

/// Run an import's one transaction, hearing SIGINT and SIGTERM throughout
/// (see `interrupt`): before the commit they roll it back, during it they
/// wait for it. With `dry_run` (`--dry-run`) everything is rolled back.
pub fn write<T>(conn: &mut Conn, dry_run: bool, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
    write_bulk(conn, tx::Bulk { dry_run, keys_checked_at_end: &[] }, f)
}

/// `write`, with the options of a bulk load (see `tx::Bulk`).
pub fn write_bulk<T>(conn: &mut Conn, bulk: tx::Bulk<'_>, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
    interrupt::begin();
    tx::write_watched(conn, &interrupt::Watch, bulk, f)
}

/// An import whose rows each write one record, judged by one `Tracker`:
/// one transaction, the summary (with every change for `--dry-run`) and
/// its audit row, whose detail is `detail(summary)`. `apply` parses, checks
/// and writes one row.
pub fn run_tracked(
    db: &mut crate::db::Db,
    opts: &ImportOptions,
    spec: &'static [Column],
    (command, entity): (&str, &str),
    detail: impl Fn(&Summary) -> String,
    mut apply: impl FnMut(&Tx, &mut crate::domain::trust::Tracker, &Fields<'_>) -> Result<Result<Applied, RowError>>,
) -> Result<Summary> {
    crate::db::use_bulk_cache(&db.conn)?;
    write(&mut db.conn, opts.dry_run, |tx| {
        let mut tracker = crate::domain::trust::Tracker::new(opts.rules());
        let mut reader = Reader::open(opts, spec)?;
        reader.for_each(|f| {
            let judged = apply(tx, &mut tracker, f)?;
            f.also(std::mem::take(&mut tracker.more));
            Ok(judged)
        })?;
        let mut summary = reader.finish()?;
        summary.changes = tracker.changes;
        audit(tx, command, entity, &summary, &detail(&summary))?;
        Ok(summary)
    })
}

/// "decisions.csv: 12 new, 0 updated, ...": an audit detail naming the file.
pub fn file_counts(s: &Summary) -> String {
    format!("{}: {}", s.file, referral::counts(s))
}

/// The import's audit row, unless it read no rows: a header-only file
/// changes nothing, so it leaves no trace.
pub fn audit(tx: &Tx, command: &str, entity: &str, summary: &Summary, detail: &str) -> Result<()> {
    if summary.rows == 0 {
        return Ok(());
    }
    tx::audit(tx, command, entity, None, "import", Some(detail))
}

/// Options every import takes.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// A file path, or `-` for standard input.
    pub path: String,
    pub ignore_unknown: bool,
    pub skip_invalid: bool,
    pub rejects: Option<PathBuf>,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// An empty cell clears a recorded value instead of being refused.
    pub allow_clear: bool,
    /// Read and check everything, list the changes, write nothing.
    pub dry_run: bool,
    /// The sheet of a workbook to read (else the first).
    pub sheet: Option<String>,
    /// How a CSV file's text is written.
    pub encoding: Encoding,
}

/// How a CSV file's text is written (`--encoding`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (the default).
    #[default]
    Utf8,
    /// Windows-1252, as older Excel saves "CSV" (also called cp1252; latin1
    /// is read as it, as browsers do).
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Encoding, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => Ok(Encoding::Windows1252),
            _ => Err(format!("{s:?} is not an encoding pathway reads; use utf-8 (the default) or windows-1252")),
        }
    }
}

/// Reads text written in another encoding as UTF-8.
struct Decode<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    /// Decoded bytes not yet handed over, from `pos`.
    output: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> Decode<R> {
    fn windows_1252(inner: R) -> Decode<R> {
        Decode {
            inner,
            decoder: encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            output: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.output.len() && !self.done {
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            self.output.clear();
            self.pos = 0;
            self.output.resize(self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16), 0);
            let (_, _, written, _) = self.decoder.decode_to_utf8(&self.input[..n], &mut self.output, last);
            self.output.truncate(written);
            self.done = last;
        }
        let n = buf.len().min(self.output.len() - self.pos);
        buf[..n].copy_from_slice(&self.output[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Read up to `buf.len()` bytes from the start of `f`.
fn read_start(f: &mut std::fs::File, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

impl ImportOptions {
    /// The rules of `domain::trust` these options ask for.
    pub fn rules(&self) -> crate::domain::trust::Rules {
        crate::domain::trust::Rules { allow_clear: self.allow_clear, list_changes: self.dry_run }
    }
}

/// One column an import knows.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
}

pub const fn req(name: &'static str) -> Column {
    Column { name, required: true }
}

pub const fn opt(name: &'static str) -> Column {
    Column { name, required: false }
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub file: String,
    pub rows: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Identical repeats of an earlier row of the same file, written once.
    pub repeated: u64,
    /// With `--dry-run`: every change the import would make.
    #[serde(skip)]
    pub changes: Vec<crate::domain::trust::Change>,
    /// With `--dry-run`: nothing was written.
    #[serde(skip)]
    pub dry_run: bool,
}

impl Summary {
    pub fn message(&self, what: &str) -> String {
        let mut s = format!(
            "{}: {} {what} read: {} new, {} updated, {} unchanged",
            self.file, self.rows, self.new, self.updated, self.unchanged
        );
        if self.repeated > 0 {
            s.push_str(&format!(", {} repeated", self.repeated));
        }
        if self.rejected > 0 {
            s.push_str(&format!("; {} rejected", self.rejected));
        }
        if self.dry_run {
            s.push_str("; dry run: nothing was written");
        }
        s
    }
}

/// A row's fields, by the import's column numbers.
pub struct Fields<'r> {
    record: &'r csv::ByteRecord,
    map: &'r [Option<usize>],
    spec: &'static [Column],
    pub line: u64,
    /// The row's errors after the first (see `Check`).
    more: RefCell<Vec<RowError>>,
    /// The first date that shows the file to be month-first.
    month_first: &'r RefCell<Option<MonthFirst>>,
    /// From a workbook: a text cell is never a formula, so a leading `'`
    /// is the value's own (see `unneutralise`).
    raw: bool,
}

/// Where a file shows that its dates are month-first.
#[derive(Debug, Clone)]
struct MonthFirst {
    line: u64,
    column: &'static str,
    value: String,
}

/// Collects every error of a row, so that all its bad cells are listed at
/// once rather than one per run:
///
/// ```ignore
/// let mut c = f.check();
/// let a = c.take(f.required(A));
/// let b = c.take(f.date(B));
/// c.done()?; // every error, or none
/// ```
pub struct Check<'f, 'r> {
    fields: &'f Fields<'r>,
    errors: Vec<RowError>,
}

impl Check<'_, '_> {
    /// The value, or `None` with its error kept.
    pub fn take<T>(&mut self, r: Result<T, RowError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// `Ok` when no error was kept; else the first, with the others handed
    /// to the reader so that every one is listed.
    pub fn done(self) -> Result<(), RowError> {
        let mut errors = self.errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(first) => {
                self.fields.more.borrow_mut().extend(errors);
                Err(first)
            }
        }
    }
}

impl<'r> Fields<'r> {
    /// More errors of this row, found after the first (by the domain's
    /// checks), to be listed with it.
    pub fn also(&self, errors: Vec<RowError>) {
        self.more.borrow_mut().extend(errors);
    }

    /// Start collecting this row's errors.
    pub fn check(&self) -> Check<'_, 'r> {
        Check { fields: self, errors: Vec::new() }
    }

    /// Column `col` as a date (day-first or ISO). A value that can only be
    /// month-first (`04/13/2021`) is an error of its row and is kept as
    /// evidence that the whole file is month-first.
    pub fn date(&self, col: usize) -> Result<Option<Date>, RowError> {
        let Some(s) = self.get(col)? else { return Ok(None) };
        match s.parse::<Date>() {
            Ok(d) => Ok(Some(d)),
            Err(e) => {
                if only_month_first(s) {
                    let mut m = self.month_first.borrow_mut();
                    if m.is_none() {
                        *m = Some(MonthFirst { line: self.line, column: self.spec[col].name, value: s.to_string() });
                    }
                }
                Err(self.error(col, e.to_string()))
            }
        }
    }

    pub fn date_required(&self, col: usize) -> Result<Date, RowError> {
        self.date(col)?.ok_or_else(|| self.error(col, "a value is required".to_string()))
    }

    /// The trimmed value of column `col` (an index into the import's spec),
    /// or `None` when the column is absent or the cell empty.
    pub fn get(&self, col: usize) -> Result<Option<&'r str>, RowError> {
        let Some(i) = self.map[col] else { return Ok(None) };
        let bytes = self.record.get(i).unwrap_or_default();
        let name = self.spec[col].name;
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(self.error(
                col,
                format!("the value is {} bytes long; at most {MAX_FIELD_BYTES} are accepted", bytes.len()),
            ));
        }
        let s = std::str::from_utf8(bytes)
            .map_err(|_| self.error(col, format!("the value is not valid UTF-8 text; {NOT_UTF8_HELP}")))?;
        if s.contains('\0') {
            return Err(RowError {
                line: self.line,
                column: name.into(),
                message: "the value contains a NUL byte".into(),
            });
        }
        let s = if self.raw { s.trim() } else { unneutralise(s.trim()) };
        Ok((!s.is_empty()).then_some(s))
    }

    /// Like `get`, but a missing value is an error.
    pub fn required(&self, col: usize) -> Result<&'r str, RowError> {
        self.get(col)?.ok_or_else(|| self.error(col, "a value is required".to_string()))
    }

    /// Parse column `col` with `FromStr`, naming the column on failure.
    pub fn parse<T: std::str::FromStr>(&self, col: usize) -> Result<Option<T>, RowError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(col)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|e: T::Err| self.error(col, e.to_string())),
        }
    }

    pub fn parse_required<T: std::str::FromStr>(&self, col: usize) -> Result<T, RowError>
    where
        T::Err: std::fmt::Display,
    {
        self.parse(col)?.ok_or_else(|| self.error(col, "a value is required".to_string()))
    }

    pub fn error(&self, col: usize, message: String) -> RowError {
        RowError { line: self.line, column: self.spec[col].name.to_string(), message }
    }
}

/// `04/13/2021`: not a date day-first, but one month-first.
fn only_month_first(s: &str) -> bool {
    let s = s.trim();
    let Some(sep) = ['/', '.'].into_iter().find(|c| s.contains(*c)) else { return false };
    let parts: Vec<&str> = s.split(sep).collect();
    let [m, d, y] = parts[..] else { return false };
    match (m.parse::<u32>(), d.parse::<u32>()) {
        (Ok(month), Ok(day)) if (1..=12).contains(&month) && day > 12 => {
            format!("{d}{sep}{m}{sep}{y}").parse::<Date>().is_ok()
        }
        _ => false,
    }
}

/// Whether a header cell could be a value rather than a column name: it
/// is then never repeated in a message. Shaped like a ref, a date or a
/// number; a value of a closed set (`police`, `black_african`, `yes`);
/// words with capitals, as a name is written; anything long or unusual.
pub fn could_be_data(s: &str) -> bool {
    use crate::value::names::*;
    let s = s.trim();
    if s.chars().count() > 40
        || !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '(' | ')' | '/' | '?'))
    {
        return true;
    }
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let letters = s.chars().filter(char::is_ascii_alphabetic).count();
    let digit_run = s.as_bytes().windows(3).any(|w| w.iter().all(u8::is_ascii_digit));
    if letters == 0 || digit_run || (digits > 0 && (letters <= 2 || digits >= letters)) {
        return true;
    }
    let closed = s.parse::<Source>().is_ok()
        || s.parse::<Need>().is_ok()
        || s.parse::<ReferralOutcome>().is_ok()
        || s.parse::<Risk>().is_ok()
        || s.parse::<CaseOutcome>().is_ok()
        || s.parse::<DecisionStatus>().is_ok()
        || s.parse::<SpendType>().is_ok()
        || s.parse::<GrantStatus>().is_ok()
        || s.parse::<OrgKind>().is_ok()
        || s.parse::<ServiceKind>().is_ok()
        || s.parse::<Disability>().is_ok()
        || crate::domain::client::parse_ethnicity(s).is_ok()
        || crate::domain::client::parse_disability(s).is_ok()
        || caseload::parse_yes_no(s).is_some();
    if closed {
        return true;
    }
    // "Jane Smith": capitalised words.
    s.contains(' ') && s.split(' ').filter(|w| !w.is_empty()).all(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Checks a header row against an import's columns: the column map, or
/// what to call the problem and the problems (one message each).
fn check_header(
    headers: &csv::ByteRecord,
    spec: &'static [Column],
    ignore_unknown: bool,
) -> Result<Vec<Option<usize>>, (String, Vec<String>)> {
    let cells: Vec<Option<&str>> = headers.iter().map(|raw| std::str::from_utf8(raw).ok().map(str::trim)).collect();
    let known = |name: &str| spec.iter().position(|c| c.name.eq_ignore_ascii_case(name));
    let n = cells.len();
    let matched = cells.iter().filter(|c| c.is_some_and(|s| known(s).is_some())).count();
    let personal = cells.iter().any(|c| c.is_some_and(|s| known(s).is_none() && is_personal_column(s)));
    let data_like = cells.iter().any(|c| c.map_or(true, |s| known(s).is_none() && could_be_data(s)));
    if !personal && (matched == 0 || (matched * 2 < n && data_like)) {
        let expected: Vec<&str> = spec.iter().map(|c| c.name).collect();
        let which = match (matched, n) {
            (0, 1) => "its one cell is not a column of this import".to_string(),
            (0, _) => format!("none of its {n} cells is a column of this import"),
            _ => format!("only {matched} of its {n} cells are columns of this import"),
        };
        return Err((
            "no header row".into(),
            vec![format!(
                "the first line is not a header row: {which} (expected: {}); add the header row",
                expected.join(",")
            )],
        ));
    }
    let names: Vec<&str> = spec.iter().map(|c| c.name).collect();
    let skip = "; use --ignore-unknown to skip columns pathway does not know";
    let mut map = vec![None; spec.len()];
    let mut problems = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let Some(name) = *cell else {
            problems.push(format!("column {} has a name that is not UTF-8 text", i + 1));
            continue;
        };
        match known(name) {
            Some(k) if map[k].is_some() => problems.push(format!("the column {:?} appears twice", spec[k].name)),
            Some(k) => map[k] = Some(i),
            None if is_personal_column(name) => problems.push(personal_column_message(name)),
            None if ignore_unknown => {}
            None if name.is_empty() => problems.push(format!("column {} has no name{skip}", i + 1)),
            None if could_be_data(name) => problems.push(format!(
                "column {} is not a column of this import (its name is not repeated here: it looks like a value, not a column name){}{skip}",
                i + 1,
                crate::error::suggestion(name, names.iter().copied())
            )),
            None => problems.push(format!(
                "unknown column {name:?}{}{skip}",
                crate::error::suggestion(name, names.iter().copied())
            )),
        }
    }
    for (k, c) in spec.iter().enumerate() {
        if c.required && map[k].is_none() {
            problems.push(format!("the required column {:?} is missing", c.name));
        }
    }
    if problems.is_empty() {
        Ok(map)
    } else {
        Err((format!("the header row has {}", count_of(problems.len(), "problem", "problems")), problems))
    }
}

/// Reads an import file: header checks, then rows.
pub struct Reader {
    label: String,
    input: Input,
    spec: &'static [Column],
    map: Vec<Option<usize>>,
    headers: csv::ByteRecord,
    record: csv::ByteRecord,
    errors: Vec<RowError>,
    error_count: usize,
    /// The file could not be read to its end (a limit): refused whole.
    fatal: bool,
    skip_invalid: bool,
    rejects: Option<Rejects>,
    progress: Option<indicatif::ProgressBar>,
    summary: Summary,
    month_first: RefCell<Option<MonthFirst>>,
    /// In a workbook: the sheet and the column letters, for messages.
    sheet_at: Option<Box<SheetAt>>,
}

/// Where the rows come from: a CSV file, or a workbook's sheet.
enum Input {
    Csv(CsvInput),
    Sheet(SheetInput),
    /// A CSV file being read, or read already, by `for_each_parsed`.
    Taken,
}

/// A CSV file's records after its header.
struct CsvInput {
    csv: csv::Reader<Box<dyn Read + Send>>,
    /// Lines to add to the csv crate's line numbers, where `starts` has
    /// none (a problem the csv crate found): 1 for CRLF files, whose
    /// records it reports one line early (BurntSushi/rust-csv#395), and 1
    /// for a first line `sep=;`, which the csv crate never sees.
    line_fix: u64,
    /// Set once the input has ended inside a quoted field (see `Tracker`).
    unclosed: Arc<Slot<u64>>,
    /// Set when a limit was passed (see `Tracker`).
    limit: Arc<Slot<Limit>>,
    /// The line each record begins on (see `Starts`).
    starts: Arc<Starts>,
}

/// A value the reading side sets and the checking side looks at.
struct Slot<T>(Mutex<Option<T>>);

impl<T: Copy> Slot<T> {
    fn empty() -> Slot<T> {
        Slot(Mutex::new(None))
    }

    fn get(&self) -> Option<T> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, v: Option<T>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = v;
    }
}

/// Rows handed from the reading thread to the checking one at a time, at
/// most: a batch also ends once its rows hold `BATCH_BYTES`.
const BATCH_ROWS: usize = 512;

/// The bytes of rows after which a batch ends (long rows make short batches).
const BATCH_BYTES: usize = 256 * 1024;

/// A record that held a row longer than this is not reused, so that one
/// long row does not keep its memory for the rest of the file.
const REUSE_BYTES: usize = 16 * 1024;

/// Batches read ahead at most. With the one being filled and the one being
/// applied, at most six are held: under 8 MB whatever the rows (each under
/// `BATCH_BYTES` plus the one row that passed it, at most `MAX_RECORD_BYTES`).
const BATCHES_AHEAD: usize = 4;

/// What the reading thread found, in file order: each with its record.
struct Batch<T> {
    items: Vec<(Got<T>, csv::ByteRecord)>,
    len: usize,
}

impl<T> Default for Batch<T> {
    fn default() -> Batch<T> {
        Batch { items: Vec::new(), len: 0 }
    }
}

enum Got<T> {
    /// A record from `line`, its shape, and (when whole) its values
    /// parsed with the errors after the first (see `Check`).
    Row { line: u64, shape: Shape, parsed: Option<Parsed<T>> },
    /// A limit passed: the end of the reading.
    Limit(Limit),
    /// The input could not be read on (the csv crate's only error for
    /// flexible byte records is one of reading): the end of the reading.
    Malformed { line: u64, message: String },
    /// A slot of a batch not (or no longer) holding anything.
    Unused,
}

/// A row's values, or its first error and the others.
type Parsed<T> = (Result<T, RowError>, Vec<RowError>);

/// A record as a whole (see `Reader::check_shape`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A row to parse and apply.
    Whole,
    /// Completed at the end of the input inside a quoted field that
    /// opened on this line: the one holding the unclosed quote.
    Unclosed(u64),
    /// Blank, or only spaces.
    Blank,
    /// With this number of fields, not the header's.
    Fields(usize),
}

impl Shape {
    fn of(record: &csv::ByteRecord, unclosed: Option<u64>, header_fields: usize) -> Shape {
        if let Some(line) = unclosed {
            Shape::Unclosed(line)
        } else if record.iter().all(|f| f.iter().all(|b| b.is_ascii_whitespace())) {
            Shape::Blank
        } else if record.len() != header_fields {
            Shape::Fields(record.len())
        } else {
            Shape::Whole
        }
    }
}

/// What the reading thread needs to parse a row: the header's layout.
struct Layout<P> {
    map: Vec<Option<usize>>,
    spec: &'static [Column],
    header_fields: usize,
    parse: Arc<P>,
}

impl CsvInput {
    /// Read every record into batches sent on `ahead`, reusing the ones
    /// sent back on `spent`, and parse each whole row with `layout.parse`;
    /// stop at the end, at a problem that stops the reading, or when the
    /// other side hangs up. Returns the first date that showed the file to
    /// be month-first.
    fn read_ahead<T, P>(
        mut self,
        layout: Layout<P>,
        ahead: mpsc::SyncSender<Batch<T>>,
        spent: mpsc::Receiver<Batch<T>>,
    ) -> Option<MonthFirst>
    where
        P: Fn(&Fields<'_>) -> Result<T, RowError>,
    {
        let month_first = RefCell::new(None);
        loop {
            let mut batch = spent.try_recv().unwrap_or_default();
            batch.len = 0;
            let (mut bytes, mut end) = (0, false);
            while batch.len < BATCH_ROWS && bytes < BATCH_BYTES && !end {
                if batch.items.len() == batch.len {
                    batch.items.push((Got::Unused, csv::ByteRecord::new()));
                }
                let (got, record) = &mut batch.items[batch.len];
                if record.as_slice().len() > REUSE_BYTES {
                    *record = csv::ByteRecord::new();
                }
                *got = match self.csv.read_byte_record(record) {
                    Ok(false) => {
                        end = true;
                        break;
                    }
                    Ok(true) => {
                        bytes += record.as_slice().len();
                        let line = match self.starts.next() {
                            Some(line) => line,
                            None => {
                                // The tracker sees every record begin (a
                                // property test shows it): never reached.
                                if cfg!(debug_assertions) {
                                    panic!("a record the tracker did not see begin");
                                }
                                record.position().map(|p| p.line()).unwrap_or(0) + self.line_fix
                            }
                        };
                        let shape = Shape::of(record, self.unclosed.get(), layout.header_fields);
                        let parsed = (shape == Shape::Whole).then(|| {
                            let fields = Fields {
                                record,
                                map: &layout.map,
                                spec: layout.spec,
                                line,
                                more: RefCell::new(Vec::new()),
                                month_first: &month_first,
                                raw: false,
                            };
                            let values = (layout.parse)(&fields);
                            (values, fields.more.into_inner())
                        });
                        Got::Row { line, shape, parsed }
                    }
                    Err(e) => match self.limit.get() {
                        Some(limit) => {
                            end = true;
                            Got::Limit(limit)
                        }
                        None => {
                            end = true;
                            let line = e.position().map(|p| p.line()).unwrap_or(0) + self.line_fix;
                            Got::Malformed { line, message: csv_error_message(&e) }
                        }
                    },
                };
                batch.len += 1;
            }
            if ahead.send(batch).is_err() || end {
                return month_first.into_inner();
            }
        }
    }
}

/// A sheet's rows, laid out under its header's columns.
struct SheetInput {
    rows: std::sync::mpsc::Receiver<sheet::Item>,
    /// The sheet column of the header's first cell.
    first: u32,
    /// Sheet column − `first` → field of the record (None: no header there).
    index: Vec<Option<usize>>,
    /// Field of the record → sheet column.
    columns: Vec<u32>,
    /// Field → whether the row's cell there is stored as a number.
    numbers: Vec<bool>,
    /// The row's unreadable cells: the field (or None, for a value with no
    /// header above it, by its sheet column) and why.
    errors: Vec<(Result<usize, u32>, String)>,
}

impl SheetInput {
    /// Put a row's cells into `record`, one field per header column.
    fn fill(&mut self, row: u32, cells: Vec<sheet::Value>, record: &mut csv::ByteRecord) {
        let n = self.columns.len();
        let mut texts: Vec<String> = vec![String::new(); n];
        self.numbers.clear();
        self.numbers.resize(n, false);
        self.errors.clear();
        for v in cells {
            let field = v.col.checked_sub(self.first).and_then(|i| self.index.get(i as usize).copied().flatten());
            match (field, v.error) {
                (Some(i), Some(why)) => self.errors.push((Ok(i), why)),
                (Some(i), None) => {
                    self.numbers[i] = v.number;
                    texts[i] = v.text;
                }
                (None, _) => self.errors.push((
                    Err(v.col),
                    format!(
                        "the cell {}{row} has a value, but there is no column name above it in the header row; \
                         name the column or clear the cell",
                        sheet::letter(v.col)
                    ),
                )),
            }
        }
        record.clear();
        for t in &texts {
            record.push_field(t.as_bytes());
        }
    }
}

/// The rejects file, written to a private temporary file beside it and
/// renamed into place when the import succeeds.
struct Rejects {
    path: PathBuf,
    tmp: PathBuf,
    writer: csv::Writer<std::fs::File>,
}

/// Counts what it passes on: progress, the quoting, and the limits.
struct Counting<R> {
    inner: R,
    bar: Option<indicatif::ProgressBar>,
    track: Tracker,
    /// Shared with the `Reader`: the line on which a quoted field opened
    /// and never closed, known once the end of the input was reached.
    unclosed: Arc<Slot<u64>>,
    /// Shared with the `Reader`: the limit passed, if one was.
    limit: Arc<Slot<Limit>>,
    /// Shared with the `Reader`: the line each row begins on.
    starts: Arc<Starts>,
}

/// The line each row read begins on, in order, as the `Tracker` saw them
/// go by: taken one a record, as the csv crate hands the records over.
/// The csv crate's own line of a record is where it began looking for it,
/// which is a line early after a blank line (and after each CRLF).
struct Starts(Mutex<std::collections::VecDeque<u64>>);

impl Starts {
    fn new() -> Starts {
        Starts(Mutex::new(std::collections::VecDeque::new()))
    }

    fn add(&self, lines: &mut Vec<u64>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend(lines.drain(..));
    }

    /// The line the next record begins on.
    fn next(&self) -> Option<u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.limit.get().is_some() {
            return Err(std::io::Error::other("over a limit"));
        }
        let n = self.inner.read(buf)?;
        if let Some(b) = &self.bar {
            b.inc(n as u64);
        }
        if n == 0 {
            self.unclosed.set(self.track.open_since());
        } else if let Err(limit) = self.track.feed(&buf[..n]) {
            self.limit.set(Some(limit));
            return Err(std::io::Error::other("over a limit"));
        }
        if !self.track.starts.is_empty() {
            self.starts.add(&mut self.track.starts);
        }
        Ok(n)
    }
}

/// A limit passed while reading: where, and which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limit {
    /// The line the row began on.
    line: u64,
    /// The field being read (0-based).
    field: usize,
    kind: LimitKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LimitKind {
    RowBytes,
    Columns,
}

/// Follows CSV quoting as the csv crate reads it (double quotes, `""` as an
/// escaped quote), because that crate reads an unclosed quote silently to
/// the end of the file as one field, and buffers a whole row before it
/// hands it over: the row's size and width are counted here, as the bytes
/// go by, so that a file without a line end cannot fill the memory.
struct Tracker {
    sep: u8,
    state: QuoteState,
    /// Line ends seen (plus the lines the csv crate never sees).
    line: u64,
    opened_on: u64,
    /// The line the current row began on.
    record_line: u64,
    record_bytes: usize,
    field: usize,
    /// Between rows: after a line end, before the next row's first byte.
    between: bool,
    /// The lines the rows seen since `Counting` last took them began on.
    starts: Vec<u64>,
    /// No byte seen yet: a byte-order mark may come first.
    at_start: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    #[default]
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end, or the first half of `""`.
    QuoteInQuoted,
}

impl Tracker {
    fn new(sep: u8, lines_before: u64) -> Tracker {
        Tracker {
            sep,
            state: QuoteState::FieldStart,
            line: lines_before,
            opened_on: 0,
            record_line: lines_before + 1,
            record_bytes: 0,
            field: 0,
            between: true,
            starts: Vec::new(),
            at_start: true,
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), Limit> {
        let mut i = 0;
        // The csv crate drops a byte-order mark it finds whole at the
        // start of its first read (csv-core's `strip_utf8_bom`): so does
        // this, or a BOM before a line end would be a row of its own.
        if self.at_start && !bytes.is_empty() {
            self.at_start = false;
            if bytes.starts_with(b"\xEF\xBB\xBF") {
                i = 3;
            }
        }
        while i < bytes.len() {
            // Most bytes are plain text inside a field: skip over a run of
            // them at once, up to the next byte that may change the state.
            if !self.between && matches!(self.state, QuoteState::Unquoted | QuoteState::Quoted) {
                let (sep, quoted) = (self.sep, self.state == QuoteState::Quoted);
                let run = bytes[i..]
                    .iter()
                    .position(|&b| if quoted { b == b'"' || b == b'\n' } else { b == sep || b == b'\n' || b == b'\r' })
                    .unwrap_or(bytes.len() - i);
                self.record_bytes += run;
                if self.record_bytes > MAX_RECORD_BYTES {
                    return Err(Limit { line: self.record_line, field: self.field, kind: LimitKind::RowBytes });
                }
                i += run;
                if i == bytes.len() {
                    break;
                }
            }
            self.step(bytes[i])?;
            i += 1;
        }
        Ok(())
    }

    fn step(&mut self, b: u8) -> Result<(), Limit> {
        use QuoteState::*;
        let quoted = self.state == Quoted;
        if (b == b'\n' || b == b'\r') && !quoted {
            self.state = FieldStart;
            self.between = true;
            self.record_bytes = 0;
            self.field = 0;
        } else {
            if self.between {
                self.between = false;
                self.record_line = self.line + 1;
                self.starts.push(self.record_line);
            }
            self.record_bytes += 1;
            let sep = b == self.sep && !quoted;
            if sep {
                self.field += 1;
            }
            self.state = match (self.state, b) {
                (FieldStart, b'"') => {
                    self.opened_on = self.line + 1;
                    Quoted
                }
                (FieldStart | Unquoted | QuoteInQuoted, _) if sep => FieldStart,
                (FieldStart | Unquoted, _) => Unquoted,
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (QuoteInQuoted, _) => Unquoted,
            };
            if self.record_bytes > MAX_RECORD_BYTES {
                return Err(Limit { line: self.record_line, field: self.field, kind: LimitKind::RowBytes });
            }
            if self.field >= MAX_COLUMNS {
                return Err(Limit { line: self.record_line, field: self.field, kind: LimitKind::Columns });
            }
        }
        if b == b'\n' {
            self.line += 1;
        }
        Ok(())
    }

    /// The line where the still-open quoted field began, if one is open.
    fn open_since(&self) -> Option<u64> {
        (self.state == QuoteState::Quoted).then_some(self.opened_on)
    }
}

fn unclosed_quote_message() -> String {
    "an unclosed quote: the quoted value that starts on this line never ends, so the rest of the file \
     would be read into it; add the closing quote"
        .into()
}

/// The start of the input, read to tell a `;` file from a `,` one: the
/// bytes to read again first, the separator, and whether a first line
/// `sep=X` was dropped.
fn sniff(source: &mut dyn Read, spec: &[Column]) -> std::io::Result<(Vec<u8>, u8, bool)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    while buf.len() < SNIFF_BYTES && !buf.contains(&b'\n') {
        let n = match source.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let end = buf.iter().position(|&b| b == b'\n');
    let first = &buf[..end.unwrap_or(buf.len())];
    let first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    // Excel's "sep=;" line names the separator.
    if let [s, e, p, b'=', sep] = *first {
        if [s, e, p].eq_ignore_ascii_case(b"sep") && matches!(sep, b',' | b';' | b'\t' | b'|') {
            let rest = end.map(|n| buf[n + 1..].to_vec()).unwrap_or_default();
            return Ok((rest, sep, true));
        }
    }
    let semicolons = !first.contains(&b',')
        && first.contains(&b';')
        && first.split(|&b| b == b';').any(|cell| {
            let cell = String::from_utf8_lossy(cell);
            let cell = cell.trim().trim_matches('"').trim();
            spec.iter().any(|c| c.name.eq_ignore_ascii_case(cell))
        });
    Ok((buf, if semicolons { b';' } else { b',' }, false))
}

fn limit_message(limit: Limit, header: bool) -> String {
    match (limit.kind, header) {
        (LimitKind::Columns, true) => format!(
            "the header row has more than {MAX_COLUMNS} columns, more than pathway reads; is this the right file?"
        ),
        (LimitKind::RowBytes, true) => format!(
            "the first line is more than {MAX_RECORD_BYTES} bytes long, more than pathway reads in one row; \
             is this a CSV file with a header row?"
        ),
        (LimitKind::Columns, false) => {
            format!(
                "the row has more than {MAX_COLUMNS} fields, more than pathway reads; the file was not read further"
            )
        }
        (LimitKind::RowBytes, false) => format!(
            "the row is more than {MAX_RECORD_BYTES} bytes long (a value may be at most {MAX_FIELD_BYTES} bytes); \
             the file was not read further"
        ),
    }
}

/// What reading the next record found.
enum Next {
    /// A record, from this line.
    Row(u64),
    /// Nothing to apply (a rejected or blank row): read on.
    Skip,
    /// The end of the input, or a problem that stops the reading.
    End,
}

/// What an import's FILE turned out to be, once opened.
enum Found {
    Sheet(PathBuf, sheet::Kind),
    /// CSV: its name in messages, its bytes, and its size when known.
    Csv(String, Box<dyn Read + Send>, Option<u64>),
}

/// The header row's one problem, as an error of the whole file.
fn header_error(label: &str, message: String) -> anyhow::Error {
    header_error_at(label, 1, message, None)
}

/// The same, on `line` (a workbook's header row) of `sheet`.
fn header_error_at(label: &str, line: u64, message: String, sheet: Option<Box<SheetAt>>) -> anyhow::Error {
    Error::ImportFile {
        file: label.to_string(),
        what: "the header row has 1 problem".into(),
        errors: vec![RowError { line, column: "header".into(), message }],
        total: 1,
        sheet,
    }
    .into()
}

/// A sheet's header row: the first row with something in it, after at
/// most a few title rows (one cell, often merged across, not a column). A
/// sheet of one-cell rows has no title: its first row is the header.
fn sheet_header_row(
    rows: &std::sync::mpsc::Receiver<sheet::Item>,
    spec: &[Column],
    error: impl Fn(u64, String) -> anyhow::Error,
) -> Result<(u32, Vec<sheet::Value>)> {
    let known = |s: &str| spec.iter().any(|c| c.name.eq_ignore_ascii_case(s.trim()));
    let mut titles: Vec<(u32, Vec<sheet::Value>)> = Vec::new();
    loop {
        match rows.recv() {
            Ok(sheet::Item::End) if !titles.is_empty() => return Ok(titles.swap_remove(0)),
            Ok(sheet::Item::End) => return Err(error(1, "the sheet is empty; it needs a header row".into())),
            Err(_) => return Err(error(1, "the sheet could not be read".into())),
            Ok(sheet::Item::Stop(row, why)) => return Err(error(u64::from(row.max(1)), why)),
            Ok(sheet::Item::Row(r, cells)) => {
                if cells.len() == 1 && !known(&cells[0].text) && titles.len() < 5 {
                    titles.push((r, cells));
                    continue;
                }
                if titles.len() == 5 {
                    return Ok(titles.swap_remove(0));
                }
                return Ok((r, cells));
            }
        }
    }
}

/// Open FILE (or standard input for `-`): a workbook by its name or first
/// bytes, else CSV.
fn open_input(opts: &ImportOptions) -> Result<Found> {
    if opts.path == "-" {
        return Ok(Found::Csv("<stdin>".into(), Box::new(std::io::stdin()), None));
    }
    let path = PathBuf::from(&opts.path);
    let mut f = std::fs::File::open(&path).map_err(|e| Error::NoInput {
        path: path.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        },
    })?;
    let meta = f.metadata().ok();
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(Error::NoInput { path, reason: "it is a folder, not a file".into() }.into());
    }
    if meta.as_ref().is_some_and(|m| m.is_file()) {
        let mut start = [0u8; 128];
        let n = read_start(&mut f, &mut start);
        if let Some(kind) = sheet::kind(&path, &start[..n]) {
            return Ok(Found::Sheet(path, kind));
        }
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(0))?;
    }
    // A pipe or FIFO has no size to show progress against.
    let size = meta.filter(|m| m.is_file()).map(|m| m.len());
    Ok(Found::Csv(opts.path.clone(), Box::new(std::io::BufReader::with_capacity(256 * 1024, f)), size))
}

/// The progress bar of an interactive import of a file of known size.
fn progress_bar(opts: &ImportOptions, size: Option<u64>, label: &str) -> Option<indicatif::ProgressBar> {
    (opts.progress && size.is_some()).then(|| {
        let b = indicatif::ProgressBar::with_draw_target(size, indicatif::ProgressDrawTarget::stderr());
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .expect("template")
                .progress_chars("=> "),
        );
        b.set_message(format!("importing {label}"));
        b
    })
}

/// Read a CSV file's header row (after `lines_before` lines, a `sep=`
/// line), without a UTF-8 byte-order mark.
fn read_header(
    csv: &mut csv::Reader<Box<dyn Read + Send>>,
    label: &str,
    lines_before: u64,
    unclosed: &Slot<u64>,
    limit: &Slot<Limit>,
) -> Result<csv::ByteRecord> {
    let mut headers = csv::ByteRecord::new();
    match csv.read_byte_record(&mut headers) {
        Ok(true) => {}
        Ok(false) => return Err(header_error(label, "the file is empty; it needs a header row".into())),
        Err(e) => {
            let message = match limit.get() {
                // The reader reads ahead: a row after the header can
                // pass a limit before the header is handed over.
                Some(l) if l.line > 1 + lines_before => {
                    let err = RowError { line: l.line, column: "row".into(), message: limit_message(l, false) };
                    return Err(Error::Import {
                        file: label.to_string(),
                        errors: vec![err],
                        total: 1,
                        rows: 1,
                        sheet: None,
                    }
                    .into());
                }
                Some(l) => limit_message(l, true),
                None => csv_error_message(&e),
            };
            return Err(header_error(label, message));
        }
    }
    if unclosed.get() == Some(1 + lines_before) {
        return Err(header_error(label, unclosed_quote_message()));
    }
    // Strip a UTF-8 byte-order mark from the first header.
    if let Some(rest) = headers.get(0).and_then(|first| first.strip_prefix(b"\xEF\xBB\xBF")) {
        let mut fixed = csv::ByteRecord::new();
        fixed.push_field(rest);
        for f in headers.iter().skip(1) {
            fixed.push_field(f);
        }
        headers = fixed;
    }
    Ok(headers)
}

impl Reader {
    pub fn open(opts: &ImportOptions, spec: &'static [Column]) -> Result<Reader> {
        let (label, mut source, size) = match open_input(opts)? {
            Found::Sheet(path, kind) => return Reader::open_sheet(opts, spec, &path, kind),
            Found::Csv(label, source, size) => (label, source, size),
        };
        if opts.sheet.is_some() {
            return Err(crate::error::usage(format!(
                "--sheet is for workbooks (.xlsx, .xlsm, .ods, .xls); {label} is read as a CSV file"
            )));
        }
        if opts.encoding == Encoding::Windows1252 {
            source = Box::new(Decode::windows_1252(source));
        }
        let (start, sep, sep_line) =
            sniff(&mut source, spec).map_err(|e| header_error(&label, format!("cannot read the file: {e}")))?;
        if opts.path == "-" && sheet::kind(Path::new("-"), &start).is_some() {
            return Err(header_error(
                &label,
                "standard input holds a workbook, not CSV; give the workbook's file name instead of -".into(),
            ));
        }
        let lines_before = u64::from(sep_line);
        let bar = progress_bar(opts, size, &label);
        let unclosed = Arc::new(Slot::empty());
        let limit = Arc::new(Slot::empty());
        let starts = Arc::new(Starts::new());
        let source: Box<dyn Read + Send> = Box::new(Counting {
            inner: std::io::Cursor::new(start).chain(source),
            bar: bar.clone(),
            track: Tracker::new(sep, lines_before),
            unclosed: unclosed.clone(),
            limit: limit.clone(),
            starts: starts.clone(),
        });
        let mut csv = csv::ReaderBuilder::new().flexible(true).has_headers(false).delimiter(sep).from_reader(source);
        let headers = read_header(&mut csv, &label, lines_before, &unclosed, &limit)?;
        starts.next();
        // After a header ended by CRLF the reader still stands on line 1
        // (it takes the LF as the start of the next record), and every
        // later record is reported one line early.
        let line_fix = u64::from(csv.position().line() == 1 && csv.position().byte() > 0) + lines_before;
        let input = Input::Csv(CsvInput { csv, line_fix, unclosed, limit, starts });
        Reader::with_header(opts, spec, label, input, headers, 1 + lines_before, bar)
    }

    /// A workbook's sheet: its header row, then its rows as records.
    fn open_sheet(opts: &ImportOptions, spec: &'static [Column], path: &Path, kind: sheet::Kind) -> Result<Reader> {
        let label = opts.path.clone();
        if opts.encoding != Encoding::Utf8 {
            return Err(crate::error::usage(format!(
                "--encoding is for CSV files; {label} is a workbook, which says how its text is written"
            )));
        }
        let opened = sheet::open(path, kind, opts.sheet.as_deref(), &label)?;
        let at = |letters: Vec<(String, String)>| Some(Box::new(SheetAt { sheet: opened.sheet.clone(), letters }));
        let (header_row, cells) =
            sheet_header_row(&opened.rows, spec, |line, m| header_error_at(&label, line, m, at(Vec::new())))?;
        let first = cells.first().map_or(0, |c| c.col);
        let last = cells.last().map_or(0, |c| c.col);
        // A header cell merged across several columns names the first.
        let covered = |col: u32| {
            opened.merged.iter().any(|&(r0, r1, c0, c1)| (r0..=r1).contains(&(header_row - 1)) && c0 < col && col <= c1)
        };
        let columns: Vec<u32> = (first..=last).filter(|c| !covered(*c)).collect();
        let mut headers = csv::ByteRecord::new();
        for col in &columns {
            headers.push_field(cells.iter().find(|c| c.col == *col).map_or("", |c| c.text.as_str()).as_bytes());
        }
        let mut index = vec![None; (last - first + 1) as usize];
        for (i, col) in columns.iter().enumerate() {
            index[(col - first) as usize] = Some(i);
        }
        let input = Input::Sheet(SheetInput {
            rows: opened.rows,
            first,
            index,
            columns,
            numbers: Vec::new(),
            errors: Vec::new(),
        });
        let mut reader =
            Reader::with_header(opts, spec, label, input, headers, u64::from(header_row), None).map_err(|e| match e
                .downcast::<Error>(
            ) {
                Ok(Error::ImportFile { file, what, errors, total, .. }) => {
                    Error::ImportFile { file, what, errors, total, sheet: at(Vec::new()) }.into()
                }
                Ok(other) => other.into(),
                Err(e) => e,
            })?;
        let letters = reader.letters();
        reader.sheet_at = at(letters);
        Ok(reader)
    }

    /// The letter of each column by its names, for `FILE:SHEET!C14`.
    fn letters(&self) -> Vec<(String, String)> {
        let Input::Sheet(s) = &self.input else { return Vec::new() };
        let mut out = Vec::new();
        for (k, c) in self.spec.iter().enumerate() {
            if let Some(i) = self.map[k] {
                out.push((c.name.to_string(), sheet::letter(s.columns[i])));
            }
        }
        for (i, col) in s.columns.iter().enumerate() {
            let name = self.column_name(i);
            if name != "row" {
                out.push((name, sheet::letter(*col)));
            }
        }
        out
    }

    /// The checks of the header row, the rejects file and the reader.
    fn with_header(
        opts: &ImportOptions,
        spec: &'static [Column],
        label: String,
        input: Input,
        headers: csv::ByteRecord,
        header_line: u64,
        bar: Option<indicatif::ProgressBar>,
    ) -> Result<Reader> {
        let map = check_header(&headers, spec, opts.ignore_unknown).map_err(|(what, problems)| {
            let total = problems.len();
            let errors = problems
                .into_iter()
                .take(MAX_LISTED_ERRORS)
                .map(|message| RowError { line: header_line, column: "header".into(), message })
                .collect();
            Error::ImportFile { file: label.clone(), what, errors, total, sheet: None }
        })?;
        let rejects = match (&opts.rejects, opts.skip_invalid) {
            (Some(p), true) => {
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
                // Named as given: the temporary name carries the process id.
                let f = crate::db::replace_private_file(&tmp)
                    .with_context(|| format!("cannot create the rejects file {}", p.display()))?;
                let mut w = csv::WriterBuilder::new().flexible(true).from_writer(f);
                let mut h = headers.clone();
                h.push_field(b"error");
                w.write_byte_record(&h)?;
                Some(Rejects { path: p.clone(), tmp, writer: w })
            }
            (Some(_), false) => return Err(crate::error::usage("--rejects goes with --skip-invalid")),
            _ => None,
        };
        let summary = Summary { file: label.clone(), dry_run: opts.dry_run, ..Summary::default() };
        Ok(Reader {
            label,
            input,
            spec,
            map,
            headers,
            record: csv::ByteRecord::new(),
            errors: Vec::new(),
            error_count: 0,
            fatal: false,
            skip_invalid: opts.skip_invalid,
            rejects,
            progress: bar,
            summary,
            month_first: RefCell::new(None),
            sheet_at: None,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The name of the header's column `i`, for messages: never a cell
    /// that could be data.
    fn column_name(&self, i: usize) -> String {
        match self.headers.get(i).and_then(|h| std::str::from_utf8(h).ok()).map(str::trim) {
            Some(name) if !could_be_data(name) => name.to_string(),
            _ => "row".into(),
        }
    }

    /// Read every row and hand it to `apply`. Rows that fail are recorded;
    /// `apply` must not write anything for a row it rejects.
    pub fn for_each(&mut self, mut apply: impl FnMut(&Fields<'_>) -> Result<Result<Applied, RowError>>) -> Result<()> {
        self.for_each_parsed(|_: &Fields<'_>| Ok(()), |f, ()| apply(f))
    }

    /// Like `for_each`, with each row's values parsed first by `parse`,
    /// which must only read the row (a row it fails is refused with its
    /// errors, and `apply` never sees it).
    ///
    /// A CSV file is read and parsed on a second thread
    /// (`CsvInput::read_ahead`), a few batches of rows ahead, while the
    /// rows are checked and written on this one. A workbook's sheet is
    /// read on a thread of its own already; its rows are parsed here.
    pub fn for_each_parsed<T, P>(
        &mut self,
        parse: P,
        mut apply: impl FnMut(&Fields<'_>, T) -> Result<Result<Applied, RowError>>,
    ) -> Result<()>
    where
        T: Send + 'static,
        P: Fn(&Fields<'_>) -> Result<T, RowError> + Send + Sync + 'static,
    {
        if matches!(self.input, Input::Csv(_)) {
            let Input::Csv(input) = std::mem::replace(&mut self.input, Input::Taken) else {
                unreachable!("a CSV file")
            };
            let parse = Arc::new(parse);
            let layout = Layout {
                map: self.map.clone(),
                spec: self.spec,
                header_fields: self.headers.len(),
                parse: parse.clone(),
            };
            let (ahead, rows) = mpsc::sync_channel(BATCHES_AHEAD);
            let (spent, back) = mpsc::channel();
            let reading = std::thread::spawn(move || input.read_ahead(layout, ahead, back));
            // On a failure the reading thread is left to stop by itself, at
            // its next batch, which no one takes: never waited for, in
            // case it waits for input itself (a terminal, a pipe).
            self.each_read(rows, spent, &*parse, &mut apply)?;
            // Else it has stopped: at the end of the input, or at the
            // problem that ended the reading.
            match reading.join() {
                Ok(month_first) => self.saw_month_first(month_first),
                Err(panic) => std::panic::resume_unwind(panic),
            }
            return Ok(());
        }
        loop {
            match self.next_sheet_row()? {
                Next::Row(line) => {
                    let shape = Shape::of(&self.record, None, self.headers.len());
                    if !self.take_row(line, shape, None, &parse, &mut apply)? {
                        break;
                    }
                }
                Next::Skip => continue,
                Next::End => break,
            }
        }
        Ok(())
    }

    /// Keep the earlier of two dates that show the file to be month-first.
    fn saw_month_first(&mut self, found: Option<MonthFirst>) {
        let mine = self.month_first.get_mut();
        match (found, mine.as_ref()) {
            (Some(m), Some(k)) if m.line >= k.line => {}
            (Some(m), _) => *mine = Some(m),
            (None, _) => {}
        }
    }

    /// The CSV records read ahead, in order: apply each row, record each
    /// problem. Returning (or failing) hangs up, which stops the reading.
    fn each_read<T>(
        &mut self,
        rows: mpsc::Receiver<Batch<T>>,
        spent: mpsc::Sender<Batch<T>>,
        parse: &impl Fn(&Fields<'_>) -> Result<T, RowError>,
        apply: &mut impl FnMut(&Fields<'_>, T) -> Result<Result<Applied, RowError>>,
    ) -> Result<()> {
        for mut batch in rows {
            let len = batch.len;
            for (got, record) in &mut batch.items[..len] {
                let go_on = match std::mem::replace(got, Got::Unused) {
                    Got::Row { line, shape, parsed } => {
                        std::mem::swap(&mut self.record, record);
                        self.take_row(line, shape, parsed, parse, apply)?
                    }
                    Got::Limit(limit) => {
                        let column = match limit.kind {
                            LimitKind::RowBytes => self.column_name(limit.field),
                            LimitKind::Columns => "row".into(),
                        };
                        let err = RowError { line: limit.line, column, message: limit_message(limit, false) };
                        self.fatal = true;
                        self.reject(vec![err], None)?;
                        false
                    }
                    Got::Malformed { line, message } => {
                        // A file that could not be read to its end is
                        // refused whole, even with --skip-invalid.
                        self.fatal = true;
                        self.reject(vec![RowError { line, column: "row".into(), message }], None)?;
                        false
                    }
                    Got::Unused => unreachable!("a batch's rows are all read"),
                };
                if !go_on {
                    return Ok(());
                }
            }
            // The reader has gone when its last batch is in.
            let _ = spent.send(batch);
        }
        Ok(())
    }

    /// Check the shape of the record read from `line`, parse it (unless
    /// it was parsed as it was read) and apply it: false when the reading
    /// is to stop here.
    fn take_row<T>(
        &mut self,
        line: u64,
        shape: Shape,
        parsed: Option<Parsed<T>>,
        parse: &impl Fn(&Fields<'_>) -> Result<T, RowError>,
        apply: &mut impl FnMut(&Fields<'_>, T) -> Result<Result<Applied, RowError>>,
    ) -> Result<bool> {
        self.summary.rows += 1;
        match self.check_shape(line, shape)? {
            Next::Row(_) => {}
            Next::Skip => return Ok(true),
            Next::End => return Ok(false),
        }
        let fields = Fields {
            record: &self.record,
            map: &self.map,
            spec: self.spec,
            line,
            more: RefCell::new(Vec::new()),
            month_first: &self.month_first,
            raw: matches!(self.input, Input::Sheet(_)),
        };
        let (values, mut more) = match parsed {
            Some(p) => p,
            None => (parse(&fields), Vec::new()),
        };
        let applied = match values {
            Ok(v) => apply(&fields, v)?,
            Err(e) => Err(e),
        };
        more.extend(fields.more.into_inner());
        self.count(applied, more)?;
        Ok(true)
    }

    /// The next row of a workbook's sheet into the record.
    fn next_sheet_row(&mut self) -> Result<Next> {
        let Input::Sheet(sheet) = &mut self.input else { unreachable!("a sheet's reader") };
        match sheet.rows.recv() {
            Ok(sheet::Item::End) => Ok(Next::End),
            Err(_) => {
                self.fatal = true;
                let message = "the sheet could not be read to its end".to_string();
                self.reject(vec![RowError { line: 0, column: "row".into(), message }], None)?;
                Ok(Next::End)
            }
            Ok(sheet::Item::Stop(row, why)) => {
                self.fatal = true;
                self.reject(vec![RowError { line: u64::from(row), column: "row".into(), message: why }], None)?;
                Ok(Next::End)
            }
            Ok(sheet::Item::Row(row, cells)) => {
                sheet.fill(row, cells, &mut self.record);
                if sheet.errors.is_empty() {
                    return Ok(Next::Row(u64::from(row)));
                }
                let errors: Vec<RowError> = std::mem::take(&mut sheet.errors)
                    .into_iter()
                    .map(|(at, message)| RowError {
                        line: u64::from(row),
                        column: match at {
                            Ok(i) => self.column_name(i),
                            Err(_) => "row".into(),
                        },
                        message,
                    })
                    .collect();
                self.summary.rows += 1;
                let rec = self.record.clone();
                self.reject(errors, Some(&rec))?;
                Ok(Next::Skip)
            }
        }
    }

    /// The record read from `line` as a whole: the one holding an unclosed
    /// quote (the end), a blank line or one with the wrong number of
    /// fields (skipped), else a row to apply.
    fn check_shape(&mut self, line: u64, shape: Shape) -> Result<Next> {
        match shape {
            Shape::Whole => Ok(Next::Row(line)),
            // The unclosed quote is in the record's last field.
            Shape::Unclosed(quote_line) => {
                let column = self.column_name(self.record.len().saturating_sub(1));
                let err = RowError { line: quote_line, column, message: unclosed_quote_message() };
                let rec = self.record.clone();
                self.reject(vec![err], Some(&rec))?;
                Ok(Next::End)
            }
            Shape::Blank => {
                self.summary.rows -= 1;
                Ok(Next::Skip)
            }
            Shape::Fields(n) => {
                let err = RowError {
                    line,
                    column: "row".into(),
                    message: format!("the row has {n} fields but the header has {}", self.headers.len()),
                };
                let rec = self.record.clone();
                self.reject(vec![err], Some(&rec))?;
                Ok(Next::Skip)
            }
        }
    }

    /// Count what applying a row did, or reject it with all its errors.
    fn count(&mut self, applied: Result<Applied, RowError>, more: Vec<RowError>) -> Result<()> {
        match applied {
            Ok(Applied::New) => self.summary.new += 1,
            Ok(Applied::Updated) => self.summary.updated += 1,
            Ok(Applied::Unchanged) => self.summary.unchanged += 1,
            Ok(Applied::Repeated) => self.summary.repeated += 1,
            Err(e) => {
                let mut errors = vec![e];
                errors.extend(more);
                self.note_numbers(&mut errors);
                let rec = self.record.clone();
                self.reject(errors, Some(&rec))?;
            }
        }
        Ok(())
    }

    /// In a workbook, an error about a ref whose cell is stored as a
    /// number says so: the spreadsheet may have dropped its zeros.
    fn note_numbers(&self, errors: &mut [RowError]) {
        let Input::Sheet(sheet) = &self.input else { return };
        for e in errors {
            let ref_like = e.column == "ref"
                || e.column.ends_with("_ref")
                || matches!(e.column.as_str(), "decision" | "grant" | "case");
            let field = self.spec.iter().position(|c| c.name == e.column).and_then(|k| self.map[k]);
            if ref_like && field.is_some_and(|i| sheet.numbers.get(i) == Some(&true)) {
                e.message.push_str(
                    "; in the workbook this cell is a number, not text, so zeros may have been dropped: \
                     format the column as Text and type the refs again",
                );
            }
        }
    }

    /// One refused row and all its errors.
    fn reject(&mut self, errors: Vec<RowError>, record: Option<&csv::ByteRecord>) -> Result<()> {
        self.summary.rejected += 1;
        self.error_count += errors.len();
        if let (Some(r), Some(rec)) = (&mut self.rejects, record) {
            let mut row = rec.clone();
            let why: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.column, e.message)).collect();
            row.push_field(why.join("; ").as_bytes());
            r.writer.write_byte_record(&row)?;
        }
        for e in errors {
            if self.errors.len() < MAX_LISTED_ERRORS {
                self.errors.push(e);
            }
        }
        Ok(())
    }

    /// After the rows: the error to return (rolling back) if any row was
    /// invalid and invalid rows are not to be skipped (or the file could
    /// not be read to its end, or shows month-first dates); else the
    /// summary.
    pub fn finish(mut self) -> Result<Summary> {
        if let Some(b) = &self.progress {
            b.finish_and_clear();
        }
        let refused = if let Some(m) = self.month_first.take() {
            Some(Error::ImportFile {
                file: self.label.clone(),
                what: "its dates are month-first".into(),
                errors: vec![RowError {
                    line: m.line,
                    column: m.column.into(),
                    message: format!(
                        "{:?} can only be read month-first (there is no month {}), so this file writes its dates \
                         month-first and a date such as 04/05/2021 in it would be misread as 4 May; pathway reads \
                         dates day-first: save the file with dates as 2021-04-13 or 13/04/2021 and import it again",
                        m.value,
                        m.value.split(['/', '.']).nth(1).unwrap_or_default()
                    ),
                }],
                total: 1,
                sheet: self.sheet_at.clone(),
            })
        } else if self.summary.rejected > 0 && (!self.skip_invalid || self.fatal) {
            Some(Error::Import {
                file: self.label.clone(),
                errors: std::mem::take(&mut self.errors),
                total: self.error_count,
                rows: self.summary.rejected as usize,
                sheet: self.sheet_at.clone(),
            })
        } else {
            None
        };
        if let Some(err) = refused {
            if let Some(r) = self.rejects.take() {
                drop(r.writer);
                let _ = std::fs::remove_file(&r.tmp);
            }
            return Err(err.into());
        }
        if let Some(mut r) = self.rejects.take() {
            r.writer.flush()?;
            let file = r.writer.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&r.tmp, &r.path)
                .with_context(|| format!("cannot write the rejects file {}", r.path.display()))?;
        }
        Ok(self.summary)
    }
}

fn csv_error_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} is not valid UTF-8 text; {NOT_UTF8_HELP}", err.field() + 1)
        }
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => format!("the CSV is malformed ({e}); check for an unclosed quote"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> csv::ByteRecord {
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let mut rec = csv::ByteRecord::new();
        assert!(r.read_byte_record(&mut rec).unwrap());
        rec
    }

    const SPEC: &[Column] = &[req("client_ref"), req("birth_year"), opt("ethnicity")];

    #[test]
    fn values_are_told_from_column_names() {
        for data in [
            "C-000001",
            "BC-0042",
            "1990",
            "2021-04-01",
            "13/04/2021",
            "black_african",
            "police",
            "yes",
            "T1",
            "Jane Smith",
            "jane@example.org",
            "£47,013",
            "R-2104-0004",
            "2021.021",
            "",
        ] {
            assert!(could_be_data(data), "{data:?}");
        }
        for name in ["outcom", "referal_date", "address_line_1", "notes", "worker_code", "q1 notes", "client ref"] {
            assert!(!could_be_data(name), "{name:?}");
        }
    }

    #[test]
    fn a_first_line_of_data_is_not_a_header() {
        let (what, problems) = check_header(&header("C-000001,1990,black_african"), SPEC, false).unwrap_err();
        assert_eq!(what, "no header row");
        assert_eq!(
            problems,
            ["the first line is not a header row: none of its 3 cells is a column of this import (expected: client_ref,birth_year,ethnicity); add the header row"]
        );
        // Even when unknown columns are to be ignored.
        assert!(check_header(&header("C-000001,1990,black_african"), SPEC, true).is_err());
        // A header with a typo is still a header.
        let (what, problems) = check_header(&header("client_ref,birth_yaer"), SPEC, false).unwrap_err();
        assert_eq!(what, "the header row has 2 problems");
        assert_eq!(problems[0], "unknown column \"birth_yaer\"; did you mean 'birth_year'?; use --ignore-unknown to skip columns pathway does not know");
    }

    #[test]
    fn the_tracker_counts_rows_and_columns_as_the_bytes_go_by() {
        let mut t = Tracker::new(b',', 0);
        assert_eq!(t.feed(b"a,b\n\"x\ny\",z\n"), Ok(()));
        let wide = ",".repeat(MAX_COLUMNS);
        let mut t = Tracker::new(b',', 0);
        assert_eq!(t.feed(b"a,b\n"), Ok(()));
        assert_eq!(t.feed(wide.as_bytes()), Err(Limit { line: 2, field: MAX_COLUMNS, kind: LimitKind::Columns }));
        // Separators inside quotes are not columns; a semicolon file counts its own.
        let mut t = Tracker::new(b';', 1);
        let quoted = format!("\"{wide}\"\n");
        assert_eq!(t.feed(quoted.as_bytes()), Ok(()));
        let long = vec![b'\0'; MAX_RECORD_BYTES + 1];
        assert_eq!(t.feed(&long), Err(Limit { line: 3, field: 0, kind: LimitKind::RowBytes }));
    }

    /// The lines the rows of `input` begin on, as the tracker sees them.
    fn starts(input: &[u8]) -> Vec<u64> {
        starts_sep(input, b',')
    }

    fn starts_sep(input: &[u8], sep: u8) -> Vec<u64> {
        let mut t = Tracker::new(sep, 0);
        t.feed(input).unwrap();
        t.starts
    }

    #[test]
    fn rows_begin_where_the_tracker_saw_them_begin() {
        assert_eq!(starts(b"h\na\n\nb\n\n\nc"), [1, 2, 4, 7]);
        assert_eq!(starts(b"h\r\na\r\n\r\nb\r\n"), [1, 2, 4]);
        assert_eq!(starts(b"h\n\"a\n\nb\"\nc\n"), [1, 2, 5]);
        assert_eq!(starts(b"\n\nh\n  \nx"), [3, 4, 5]);
        // A byte-order mark is no row of its own, even before a line end.
        assert_eq!(starts(b"\xEF\xBB\xBF\nh\na"), [2, 3]);
        assert_eq!(starts(b"\xEF\xBB\xBFh\na"), [1, 2]);
    }

    proptest::proptest! {
        /// The tracker sees a row begin for every record the csv crate
        /// reads, so that each record is given its own line.
        #[test]
        fn the_tracker_sees_every_record_the_csv_crate_reads(input in proptest::collection::vec(
            proptest::sample::select(vec![b'a', b'"', b',', b';', b'\n', b'\r', b' ']), 0..400),
            bom in proptest::bool::ANY, semicolons in proptest::bool::ANY)
        {
            let sep = if semicolons { b';' } else { b',' };
            let input = if bom { [&b"\xEF\xBB\xBF"[..], &input].concat() } else { input };
            let mut csv =
                csv::ReaderBuilder::new().flexible(true).has_headers(false).delimiter(sep).from_reader(&input[..]);
            let mut record = csv::ByteRecord::new();
            let mut records = 0;
            while csv.read_byte_record(&mut record).unwrap() {
                records += 1;
            }
            proptest::prop_assert_eq!(starts_sep(&input, sep).len(), records);
        }

        /// The fast path over plain bytes agrees with reading byte by byte.
        #[test]
        fn the_tracker_skips_runs_exactly(input in proptest::collection::vec(
            proptest::sample::select(vec![b'a', b'"', b',', b';', b'\n', b'\r', b' ']), 0..400),
            cut in 0usize..400)
        {
            let mut whole = Tracker::new(b',', 0);
            let cut = cut.min(input.len());
            whole.feed(&input[..cut]).unwrap();
            whole.feed(&input[cut..]).unwrap();
            let mut bytewise = Tracker::new(b',', 0);
            for &b in &input {
                bytewise.step(b).unwrap();
            }
            let key = |t: &Tracker| (t.line, t.opened_on, t.record_line, t.record_bytes, t.field, t.between, t.state as u8);
            proptest::prop_assert_eq!(key(&whole), key(&bytewise));
        }
    }

    #[test]
    fn month_first_is_told_from_day_first() {
        assert!(only_month_first("04/13/2021"));
        assert!(only_month_first("4.30.21"));
        assert!(!only_month_first("13/04/2021"));
        assert!(!only_month_first("04/05/2021"));
        assert!(!only_month_first("31/02/2021"));
        assert!(!only_month_first("02/30/2021"));
        assert!(!only_month_first("2021-04-13"));
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_never_created_through_a_planted_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "untouched").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = dir.path().join(".rejects.csv.tmp-1");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let mut f = crate::db::replace_private_file(&path).unwrap();
        std::io::Write::write_all(&mut f, b"refused rows").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o644);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "refused rows");
    }

    #[test]
    fn semicolon_files_are_sniffed() {
        let spec: &[Column] = &[req("client_ref"), req("needs")];
        let s = |text: &str| {
            let (rest, sep, dropped) = sniff(&mut text.as_bytes(), spec).unwrap();
            (String::from_utf8(rest).unwrap(), sep as char, dropped)
        };
        assert_eq!(s("client_ref;needs\nA;b\n"), ("client_ref;needs\nA;b\n".into(), ';', false));
        assert_eq!(s("sep=;\r\nclient_ref;needs\n"), ("client_ref;needs\n".into(), ';', true));
        assert_eq!(s("client_ref,needs\nA,housing;debt\n").1, ',');
        assert_eq!(s("a;b\n").1, ',');
        assert_eq!(s("").1, ',');
    }
}
