//! Streaming CSV import, shared by every entity.
//!
//! A file is read one record at a time (`csv::ByteRecord`, reused), each
//! row is validated and written inside the caller's one transaction, and
//! the caller rolls everything back if any row was invalid — unless
//! `--skip-invalid`, when the bad rows go to the rejects file with an
//! `error` column. Memory does not grow with the file.
//!
//! Accepted: a header row with columns in any order; UTF-8 with or without
//! a byte-order mark; LF or CRLF; quoted fields with commas, quotes and
//! newlines; `-` for standard input.

pub mod caseload;
pub mod client;
pub mod decision;
pub mod grant;
pub mod referral;
pub mod service;

use crate::error::{Error, RowError, MAX_LISTED_ERRORS};
use crate::output::unneutralise;
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;

/// Watches for SIGINT and SIGTERM while an import runs, so that Ctrl-C or a
/// cron timeout rolls the import back cleanly with a message instead of
/// killing the process mid-write (which SQLite would survive anyway).
struct Signals {
    int: std::sync::Arc<std::sync::atomic::AtomicBool>,
    term: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    fn watch() -> Signals {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let int = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let term = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut ids = Vec::new();
        if let Ok(id) = signal_hook::flag::register(SIGINT, int.clone()) {
            ids.push(id);
        }
        if let Ok(id) = signal_hook::flag::register(SIGTERM, term.clone()) {
            ids.push(id);
        }
        Signals { int, term, ids }
    }

    fn check(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        if self.int.load(Ordering::Relaxed) {
            return Err(Error::Interrupted { signal: "Ctrl-C (SIGINT)", code: 130 }.into());
        }
        if self.term.load(Ordering::Relaxed) {
            return Err(Error::Interrupted { signal: "SIGTERM", code: 143 }.into());
        }
        Ok(())
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The longest value accepted in any field: 10,000 bytes.
pub const MAX_FIELD_BYTES: usize = 10_000;

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

/// What applying one valid row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    New,
    Updated,
    Unchanged,
    /// An identical repeat of an earlier row of the file.
    Repeated,
}

/// A row's fields, by the import's column numbers.
pub struct Fields<'r> {
    record: &'r csv::ByteRecord,
    map: &'r [Option<usize>],
    spec: &'static [Column],
    pub line: u64,
}

impl<'r> Fields<'r> {
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
        let s = std::str::from_utf8(bytes).map_err(|_| {
            self.error(col, "the value is not valid UTF-8 text; save the file as CSV UTF-8".to_string())
        })?;
        if s.contains('\0') {
            return Err(RowError {
                line: self.line,
                column: name.into(),
                message: "the value contains a NUL byte".into(),
            });
        }
        let s = unneutralise(s.trim());
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

/// Reads an import file: header checks, then rows.
pub struct Reader {
    label: String,
    csv: csv::Reader<Box<dyn Read>>,
    spec: &'static [Column],
    map: Vec<Option<usize>>,
    headers: csv::ByteRecord,
    record: csv::ByteRecord,
    errors: Vec<RowError>,
    error_count: usize,
    skip_invalid: bool,
    rejects: Option<(PathBuf, csv::Writer<std::fs::File>)>,
    progress: Option<indicatif::ProgressBar>,
    summary: Summary,
    signals: Signals,
    /// Lines to add to the csv crate's line numbers: 1 for CRLF files,
    /// whose records it reports one line early (BurntSushi/rust-csv#395).
    line_fix: u64,
    /// Set once the input has ended inside a quoted field (see `QuoteTracker`).
    unclosed: std::rc::Rc<std::cell::Cell<Option<u64>>>,
}

struct Counting<R> {
    inner: R,
    bar: Option<indicatif::ProgressBar>,
    quotes: QuoteTracker,
    /// Shared with the `Reader`: the line on which a quoted field opened
    /// and never closed, known once the end of the input was reached.
    unclosed: std::rc::Rc<std::cell::Cell<Option<u64>>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(b) = &self.bar {
            b.inc(n as u64);
        }
        if n == 0 {
            self.unclosed.set(self.quotes.open_since());
        } else {
            self.quotes.feed(&buf[..n]);
        }
        Ok(n)
    }
}

/// Follows CSV quoting as the csv crate reads it (double quotes, `""` as an
/// escaped quote), because that crate reads an unclosed quote silently to
/// the end of the file as one field.
#[derive(Default)]
struct QuoteTracker {
    state: QuoteState,
    line: u64,
    opened_on: u64,
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

impl QuoteTracker {
    fn feed(&mut self, bytes: &[u8]) {
        use QuoteState::*;
        for &b in bytes {
            let separator = matches!(b, b',' | b'\n' | b'\r');
            self.state = match (self.state, b) {
                (FieldStart, b'"') => {
                    self.opened_on = self.line + 1;
                    Quoted
                }
                (FieldStart | Unquoted | QuoteInQuoted, _) if separator => FieldStart,
                (FieldStart | Unquoted, _) => Unquoted,
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (QuoteInQuoted, _) => Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
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

impl Reader {
    pub fn open(opts: &ImportOptions, spec: &'static [Column]) -> Result<Reader> {
        let (label, source, size): (String, Box<dyn Read>, Option<u64>) = if opts.path == "-" {
            ("<stdin>".into(), Box::new(std::io::stdin()), None)
        } else {
            let path = PathBuf::from(&opts.path);
            let f = std::fs::File::open(&path).map_err(|e| Error::NoInput {
                path: path.clone(),
                reason: match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_string(),
                    std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                    _ => e.to_string(),
                },
            })?;
            if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                return Err(Error::NoInput { path, reason: "it is a folder, not a file".into() }.into());
            }
            let size = f.metadata().ok().map(|m| m.len());
            (opts.path.clone(), Box::new(std::io::BufReader::with_capacity(256 * 1024, f)), size)
        };
        let bar = (opts.progress && size.is_some()).then(|| {
            let b = indicatif::ProgressBar::with_draw_target(size, indicatif::ProgressDrawTarget::stderr());
            b.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                    .expect("template")
                    .progress_chars("=> "),
            );
            b.set_message(format!("importing {label}"));
            b
        });
        let unclosed = std::rc::Rc::new(std::cell::Cell::new(None));
        let source: Box<dyn Read> = Box::new(Counting {
            inner: source,
            bar: bar.clone(),
            quotes: QuoteTracker::default(),
            unclosed: unclosed.clone(),
        });
        let mut csv = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(source);
        let mut headers = csv::ByteRecord::new();
        let header_error = |message: String| -> anyhow::Error {
            Error::Import {
                file: label.clone(),
                errors: vec![RowError { line: 1, column: "header".into(), message }],
                total: 1,
            }
            .into()
        };
        match csv.read_byte_record(&mut headers) {
            Ok(true) => {}
            Ok(false) => return Err(header_error("the file is empty; it needs a header row".into())),
            Err(e) => return Err(header_error(csv_error_message(&e))),
        }
        if let Some(line) = unclosed.get() {
            if line == 1 {
                return Err(header_error(unclosed_quote_message()));
            }
        }
        // After a header ended by CRLF the reader still stands on line 1
        // (it takes the LF as the start of the next record), and every
        // later record is reported one line early.
        let line_fix = u64::from(csv.position().line() == 1 && csv.position().byte() > 0);
        // Strip a UTF-8 byte-order mark from the first header.
        if let Some(first) = headers.get(0) {
            if let Some(rest) = first.strip_prefix(b"\xEF\xBB\xBF") {
                let mut fixed = csv::ByteRecord::new();
                fixed.push_field(rest);
                for f in headers.iter().skip(1) {
                    fixed.push_field(f);
                }
                headers = fixed;
            }
        }
        let mut map = vec![None; spec.len()];
        let mut problems = Vec::new();
        for (i, raw) in headers.iter().enumerate() {
            let Ok(name) = std::str::from_utf8(raw) else {
                problems.push(format!("column {} has a name that is not UTF-8 text", i + 1));
                continue;
            };
            let name = name.trim();
            match spec.iter().position(|c| c.name.eq_ignore_ascii_case(name)) {
                Some(k) if map[k].is_some() => problems.push(format!("the column {name:?} appears twice")),
                Some(k) => map[k] = Some(i),
                None if opts.ignore_unknown => {}
                None => {
                    let known: Vec<&str> = spec.iter().map(|c| c.name).collect();
                    problems.push(format!(
                        "unknown column {name:?}{}; use --ignore-unknown to skip columns pathway does not know",
                        crate::error::suggestion(name, known.iter().copied())
                    ));
                }
            }
        }
        for (k, c) in spec.iter().enumerate() {
            if c.required && map[k].is_none() {
                problems.push(format!("the required column {:?} is missing", c.name));
            }
        }
        if !problems.is_empty() {
            let total = problems.len();
            let errors =
                problems.into_iter().map(|message| RowError { line: 1, column: "header".into(), message }).collect();
            return Err(Error::Import { file: label, errors, total }.into());
        }
        let rejects = match (&opts.rejects, opts.skip_invalid) {
            (Some(p), true) => {
                let tmp = p.with_extension("tmp-rejects");
                let f = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
                let mut w = csv::WriterBuilder::new().flexible(true).from_writer(f);
                let mut h = headers.clone();
                h.push_field(b"error");
                w.write_byte_record(&h)?;
                Some((p.clone(), w))
            }
            (Some(_), false) => return Err(crate::error::usage("--rejects goes with --skip-invalid")),
            _ => None,
        };
        let summary = Summary { file: label.clone(), dry_run: opts.dry_run, ..Summary::default() };
        Ok(Reader {
            label,
            csv,
            spec,
            map,
            headers,
            record: csv::ByteRecord::new(),
            errors: Vec::new(),
            error_count: 0,
            skip_invalid: opts.skip_invalid,
            rejects,
            progress: bar,
            summary,
            signals: Signals::watch(),
            line_fix,
            unclosed,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Read every row and hand it to `apply`. Rows that fail are recorded;
    /// `apply` must not write anything for a row it rejects.
    pub fn for_each(&mut self, mut apply: impl FnMut(&Fields<'_>) -> Result<Result<Applied, RowError>>) -> Result<()> {
        loop {
            if self.summary.rows % 1024 == 0 {
                self.signals.check()?;
            }
            let line = match self.csv.read_byte_record(&mut self.record) {
                Ok(false) => break,
                Ok(true) => self.record.position().map(|p| p.line()).unwrap_or(0) + self.line_fix,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0) + self.line_fix;
                    self.reject(RowError { line, column: "row".into(), message: csv_error_message(&e) }, None)?;
                    // An unclosed quote or broken UTF-8 framing: stop here.
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                    continue;
                }
            };
            self.summary.rows += 1;
            // A record completed at the end of the input inside a quoted
            // field is the one holding the unclosed quote, in its last field.
            if let Some(quote_line) = self.unclosed.get() {
                let column = self
                    .headers
                    .get(self.record.len().saturating_sub(1))
                    .map(|h| String::from_utf8_lossy(h).trim().to_string())
                    .unwrap_or_else(|| "row".into());
                let err = RowError { line: quote_line, column, message: unclosed_quote_message() };
                let rec = self.record.clone();
                self.reject(err, Some(&rec))?;
                break;
            }
            if self.record.iter().all(|f| f.iter().all(|b| b.is_ascii_whitespace())) {
                self.summary.rows -= 1; // blank line
                continue;
            }
            if self.record.len() != self.headers.len() {
                let err = RowError {
                    line,
                    column: "row".into(),
                    message: format!(
                        "the row has {} fields but the header has {}",
                        self.record.len(),
                        self.headers.len()
                    ),
                };
                let rec = self.record.clone();
                self.reject(err, Some(&rec))?;
                continue;
            }
            let fields = Fields { record: &self.record, map: &self.map, spec: self.spec, line };
            match apply(&fields)? {
                Ok(Applied::New) => self.summary.new += 1,
                Ok(Applied::Updated) => self.summary.updated += 1,
                Ok(Applied::Unchanged) => self.summary.unchanged += 1,
                Ok(Applied::Repeated) => self.summary.repeated += 1,
                Err(e) => {
                    let rec = self.record.clone();
                    self.reject(e, Some(&rec))?;
                }
            }
        }
        Ok(())
    }

    fn reject(&mut self, err: RowError, record: Option<&csv::ByteRecord>) -> Result<()> {
        self.error_count += 1;
        self.summary.rejected += 1;
        if let (Some((_, w)), Some(rec)) = (&mut self.rejects, record) {
            let mut r = rec.clone();
            r.push_field(format!("{}: {}", err.column, err.message).as_bytes());
            w.write_byte_record(&r)?;
        }
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(err);
        }
        Ok(())
    }

    /// After the rows: the error to return (rolling back) if any row was
    /// invalid and invalid rows are not to be skipped; else the summary.
    pub fn finish(mut self) -> Result<Summary> {
        if let Some(b) = &self.progress {
            b.finish_and_clear();
        }
        self.signals.check()?;
        if self.error_count > 0 && !self.skip_invalid {
            if let Some((p, _)) = &self.rejects {
                let _ = std::fs::remove_file(p.with_extension("tmp-rejects"));
            }
            return Err(Error::Import { file: self.label, errors: self.errors, total: self.error_count }.into());
        }
        if let Some((path, mut w)) = self.rejects.take() {
            w.flush()?;
            drop(w);
            std::fs::rename(path.with_extension("tmp-rejects"), &path)
                .with_context(|| format!("cannot write the rejects file {}", path.display()))?;
        }
        Ok(self.summary)
    }
}

fn csv_error_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} is not valid UTF-8 text; save the file as CSV UTF-8", err.field() + 1)
        }
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => format!("the CSV is malformed ({e}); check for an unclosed quote"),
    }
}
