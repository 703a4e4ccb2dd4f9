//! Typed errors and the one place that maps them to exit codes.
//!
//! | code | meaning                                                     |
//! |------|-------------------------------------------------------------|
//! | 0    | success                                                     |
//! | 1    | anything else (a database from a newer pathway, a bug...)    |
//! | 2    | wrong usage (bad option or argument value)                  |
//! | 65   | invalid input data; nothing was written                     |
//! | 66   | an input file (or the database) is missing or unreadable    |
//! | 74   | the database file is damaged; restore the latest backup     |
//! | 75   | the database stayed busy longer than the wait; try again    |

use std::fmt;
use std::path::PathBuf;

pub const EXIT_OK: i32 = 0;
pub const EXIT_OTHER: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_DATA: i32 = 65;
pub const EXIT_NOINPUT: i32 = 66;
pub const EXIT_DAMAGED: i32 = 74;
pub const EXIT_BUSY: i32 = 75;

/// How many row errors an import lists before it summarises the rest.
pub const MAX_LISTED_ERRORS: usize = 50;

/// One problem with one value: the column that holds it (an import file's
/// column, or the option of the same name) and what is wrong. A rule of the
/// domain gives it with line 0; an import places it at its row (`at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

impl RowError {
    /// A problem with the value in `column`, not yet placed at a line.
    pub fn new(column: impl Into<String>, message: impl Into<String>) -> RowError {
        RowError { line: 0, column: column.into(), message: message.into() }
    }

    /// The same problem, at `line` of the file.
    pub fn at(self, line: u64) -> RowError {
        RowError { line, ..self }
    }

    /// As the error of a single command (exit 65): its message alone.
    pub fn into_error(self) -> anyhow::Error {
        invalid(self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value given on the command line or in a file breaks a rule.
    #[error("{0}")]
    Invalid(String),

    /// Something named does not exist (with a suggestion where there is one).
    #[error("{0}")]
    NotFound(String),

    /// An import file with invalid rows; nothing was written. `rows` rows
    /// were invalid, with `total` errors among them, of which `errors`
    /// holds the first (at most `MAX_LISTED_ERRORS` are shown).
    #[error("{}", ImportErrors(.file, &format!("{} invalid row{}", .rows, if *.rows == 1 { "" } else { "s" }), .errors, *.total, .sheet))]
    Import { file: String, errors: Vec<RowError>, total: usize, rows: usize, sheet: Option<Box<SheetAt>> },

    /// An import file refused whole, not row by row: its header row, a
    /// limit, month-first dates. `what` says which ("the header row has 3
    /// problems"); nothing was written.
    #[error("{}", ImportErrors(.file, .what, .errors, *.total, .sheet))]
    ImportFile { file: String, what: String, errors: Vec<RowError>, total: usize, sheet: Option<Box<SheetAt>> },

    /// Wrong usage that clap could not catch (e.g. two options that conflict).
    #[error("{0}")]
    Usage(String),

    #[error("cannot read {}: {reason}", .path.display())]
    NoInput { path: PathBuf, reason: String },

    #[error("the database {} is busy: another pathway (or another program) is writing to it and did not finish within {}; nothing was changed, try again later", .path.display(), count_of(*.seconds as usize, "second", "seconds"))]
    Busy { path: PathBuf, seconds: u64 },

    #[error("the database {} was written by a newer version of pathway (schema version {found}; this pathway knows up to {known}); install the newer pathway to use it", .path.display())]
    NewerDatabase { path: PathBuf, found: i64, known: i64 },

    /// Stopped by a signal (Ctrl-C, or a timeout's SIGTERM): rolled back,
    /// or, when it came during the commit, after the commit finished.
    #[error("interrupted by {signal}{}", if *.written {
        " during the commit; pathway waited for the commit to finish, so the import was written"
    } else {
        "; nothing was written"
    })]
    Interrupted { signal: &'static str, code: i32, written: bool },

    /// An SQLite file that is not pathway's: refused before anything in it
    /// is changed. `why` says what gave it away.
    #[error("{} is not a pathway database ({why}); give another file with --db", .path.display())]
    NotPathway { path: PathBuf, why: String },

    /// SQLite found the file damaged (SQLITE_CORRUPT or SQLITE_NOTADB).
    #[error("the database {} is damaged (SQLite: {sqlite}); nothing was changed; restore the latest backup (pathway db backup makes them) or run pathway db check for details", .path.display())]
    Damaged { path: PathBuf, sqlite: String },

    /// `db check` found SQLite's own checks failing: the file is damaged.
    #[error("{problems} problem(s) found in {}: SQLite finds the file damaged (its findings are listed above); restore the latest backup (pathway db backup makes them), then run pathway db check on it", .path.display())]
    DamageFound { path: PathBuf, problems: usize },

    /// The database cannot be written here (file, folder or disk).
    #[error("the database {} is read-only (the file, its folder or its disk cannot be written): pathway can read it but not change it; nothing was changed; copy it to a writable folder, or give another file with --db", .path.display())]
    ReadOnly { path: PathBuf },
}

/// Where in a workbook an import's errors are: the sheet, and the letter
/// of each column by its name (the header's names and the import's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetAt {
    pub sheet: String,
    pub letters: Vec<(String, String)>,
}

impl SheetAt {
    /// `SHEET!C14`: the cell of `column` in row `line` (column A for a
    /// problem of the whole row or of the header).
    pub fn cell(&self, column: &str, line: u64) -> String {
        let letter =
            self.letters.iter().find(|(name, _)| name.eq_ignore_ascii_case(column)).map_or("A", |(_, l)| l.as_str());
        format!("{}!{letter}{line}", self.sheet)
    }
}

/// "FILE: WHAT; nothing was imported", then at most `MAX_LISTED_ERRORS`
/// lines `FILE:LINE: column: message` (`FILE:SHEET!C14: column: message`
/// in a workbook) and "... and N more".
struct ImportErrors<'a>(&'a String, &'a str, &'a Vec<RowError>, usize, &'a Option<Box<SheetAt>>);

impl fmt::Display for ImportErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ImportErrors(file, what, errors, total, sheet) = self;
        write!(f, "{file}: {what}; nothing was imported")?;
        let listed = errors.len().min(MAX_LISTED_ERRORS);
        for e in &errors[..listed] {
            match sheet {
                Some(s) => write!(f, "\n{file}:{}: {}: {}", s.cell(&e.column, e.line), e.column, e.message)?,
                None => write!(f, "\n{file}:{}: {}: {}", e.line, e.column, e.message)?,
            }
        }
        let total = (*total).max(errors.len());
        if total > listed {
            write!(f, "\n... and {} more", total - listed)?;
        }
        Ok(())
    }
}

/// "the header row has 3 problems" and the like.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn invalid(msg: impl Into<String>) -> anyhow::Error {
    Error::Invalid(msg.into()).into()
}

pub fn not_found(msg: impl Into<String>) -> anyhow::Error {
    Error::NotFound(msg.into()).into()
}

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    Error::Usage(msg.into()).into()
}

/// The exit code for an error that reached `main`.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            return match e {
                Error::Invalid(_) | Error::NotFound(_) | Error::Import { .. } | Error::ImportFile { .. } => EXIT_DATA,
                Error::Usage(_) => EXIT_USAGE,
                Error::NoInput { .. } => EXIT_NOINPUT,
                Error::Busy { .. } => EXIT_BUSY,
                Error::Damaged { .. } | Error::DamageFound { .. } => EXIT_DAMAGED,
                Error::NewerDatabase { .. } | Error::NotPathway { .. } | Error::ReadOnly { .. } => EXIT_OTHER,
                Error::Interrupted { code, .. } => *code,
            };
        }
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return EXIT_OK;
            }
        }
    }
    if crate::db::is_busy(err) {
        return EXIT_BUSY;
    }
    EXIT_OTHER
}

/// Did you mean...? The closest of `known` to `given`, if close enough.
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let g = given.to_lowercase();
    known
        .into_iter()
        .map(|k| (levenshtein(&g, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.chars().count().max(3) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "did you mean 'Beth Centre'?" or the list of known names, for messages.
pub fn suggestion<'a>(given: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(given, known.clone()) {
        Some(k) => format!("; did you mean '{k}'?"),
        None => {
            let all: Vec<&str> = known.into_iter().take(8).collect();
            if all.is_empty() {
                " (none are recorded yet)".to_string()
            } else {
                format!(" (known: {})", all.join(", "))
            }
        }
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest() {
        let known = ["Beth Centre", "Southwark spoke", "Croydon spoke"];
        assert_eq!(closest("Beth Center", known), Some("Beth Centre"));
        assert_eq!(closest("beth centre", known), Some("Beth Centre"));
        assert_eq!(closest("Minerva", known), None);
        assert_eq!(suggestion("Beth Cntre", known), "; did you mean 'Beth Centre'?");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(&invalid("x")), 65);
        assert_eq!(exit_code(&usage("x")), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("x")), 1);
        let e: anyhow::Error = Error::NoInput { path: "a.csv".into(), reason: "missing".into() }.into();
        assert_eq!(exit_code(&e.context("reading")), 66);
        let e: anyhow::Error =
            Error::Damaged { path: "p.db".into(), sqlite: "database disk image is malformed".into() }.into();
        assert_eq!(exit_code(&e), 74);
    }

    #[test]
    fn import_errors_are_listed_file_line_column() {
        let e = Error::Import {
            file: "referrals.csv".into(),
            errors: vec![RowError {
                line: 14,
                column: "referred_on".into(),
                message: "\"31/02/2021\" is not a date".into(),
            }],
            total: 3,
            rows: 2,
            sheet: None,
        };
        assert_eq!(
            e.to_string(),
            "referrals.csv: 2 invalid rows; nothing was imported\nreferrals.csv:14: referred_on: \"31/02/2021\" is not a date\n... and 2 more"
        );
    }

    #[test]
    fn every_error_list_is_capped() {
        let errors: Vec<RowError> =
            (0..200).map(|i| RowError { line: 1, column: "header".into(), message: format!("problem {i}") }).collect();
        let e = Error::ImportFile {
            file: "wide.csv".into(),
            what: "the header row has 1000 problems".into(),
            errors,
            total: 1000,
            sheet: None,
        };
        let text = e.to_string();
        assert_eq!(text.lines().count(), 1 + MAX_LISTED_ERRORS + 1);
        assert!(text.starts_with(
            "wide.csv: the header row has 1000 problems; nothing was imported\nwide.csv:1: header: problem 0\n"
        ));
        assert!(text.ends_with("\nwide.csv:1: header: problem 49\n... and 950 more"), "{text}");
        assert_eq!(exit_code(&e.into()), 65);
    }
}
