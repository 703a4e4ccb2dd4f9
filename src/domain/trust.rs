//! What every import keeps to so that it never changes a record silently
//! (PRODUCT.md §6.1):
//!
//! - **No re-pointing.** A row whose key (ref, code, name) belongs to a
//!   record of another client, service, date or parent is refused, naming
//!   the column that differs (never a client_ref value).
//! - **No blanking.** An empty cell (or an absent optional column) where a
//!   value is recorded is refused, unless `--allow-clear`.
//! - **In-file conflicts.** Two rows of one file that describe the same
//!   record differently are refused, naming both lines; identical repeats
//!   are counted as repeated and written once.
//! - **Spreadsheet-damaged refs.** A new ref that a spreadsheet could have
//!   made from a known one (`2021.01` from `2021.010`, `42` from `0042`) is
//!   refused, naming the known ref.
//!
//! An import compares each row with the record it matched through a
//! [`Comparison`] and hands it to its [`Tracker`], which remembers, for
//! every record touched, the first line that touched it: 4 bytes a record
//! (a `Vec<u32>` indexed by row id), so memory stays bounded.

use crate::error::RowError;
use serde::Serialize;
use std::collections::HashMap;

/// How an import treats recorded values (`--allow-clear`, `--dry-run`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rules {
    /// An empty cell clears a recorded value instead of being refused.
    pub allow_clear: bool,
    /// Collect every change (for `--dry-run`, which writes nothing).
    pub list_changes: bool,
}

/// What writing one record did (a row of an import, or one command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    New,
    Updated,
    Unchanged,
    /// An identical repeat of an earlier row of the same file.
    Repeated,
}

/// One change an import makes, for `--dry-run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub line: u64,
    pub record: &'static str,
    pub key: String,
    /// `new` (a new record), `update` or `clear`.
    pub action: &'static str,
    pub column: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// What the record is (its client, service, date, parent): never changed by an import.
    Identity,
    /// A value that an empty cell must not blank.
    Recorded,
}

#[derive(Debug, Clone)]
struct Field {
    kind: Kind,
    column: &'static str,
    old: Option<String>,
    new: Option<String>,
}

impl Field {
    fn differs(&self) -> bool {
        self.old != self.new
    }
    fn blanks(&self) -> bool {
        self.kind == Kind::Recorded && self.old.is_some() && self.new.is_none()
    }
}

/// A row compared with the record it matched.
#[derive(Debug, Clone)]
pub struct Comparison {
    record: &'static str,
    key: String,
    /// How to change what the record is on purpose (for the re-pointing message).
    how_to_move: String,
    fields: Vec<Field>,
}

fn text(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

impl Comparison {
    /// `record` names the kind ("referral"), `key` the record ("R-2104-0004").
    pub fn new(record: &'static str, key: impl Into<String>, how_to_move: impl Into<String>) -> Comparison {
        Comparison { record, key: key.into(), how_to_move: how_to_move.into(), fields: Vec::new() }
    }

    /// A column that says what the record is: a difference is refused.
    /// Its values never appear in a message.
    pub fn identity(&mut self, column: &'static str, same: bool) -> &mut Self {
        let (old, new) = if same { (None, None) } else { (Some("recorded".into()), Some("given".into())) };
        self.fields.push(Field { kind: Kind::Identity, column, old, new });
        self
    }

    /// A recorded value (`None` or empty = none): an empty cell where one is
    /// recorded blanks it, which only `--allow-clear` permits.
    pub fn value(&mut self, column: &'static str, old: Option<String>, new: Option<String>) -> &mut Self {
        self.fields.push(Field { kind: Kind::Recorded, column, old: text(old), new: text(new) });
        self
    }

    /// Whether the row says exactly what is recorded.
    pub fn is_same(&self) -> bool {
        !self.fields.iter().any(Field::differs)
    }

    fn differing(&self) -> Vec<&'static str> {
        self.fields.iter().filter(|f| f.differs()).map(|f| f.column).collect()
    }
}

/// What a row matched to a recorded one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing to write.
    Unchanged,
    /// An identical repeat of an earlier row of the file: nothing to write.
    Repeated,
    /// Write the row's values.
    Update,
}

/// The records an import has touched, by the first line that touched them,
/// and (for `--dry-run`) every change.
pub struct Tracker {
    pub rules: Rules,
    /// Line of the first row that touched record `id` (0 = none), for ids
    /// below `DENSE`.
    lines: Vec<u32>,
    far: HashMap<i64, u64>,
    pub changes: Vec<Change>,
    /// The errors of the last judged row after the one `matched` returned,
    /// for the import to list with it (every error of a row, not the first).
    pub more: Vec<RowError>,
}

/// Row ids below this are tracked in the dense vector (4 bytes each).
const DENSE: i64 = 1 << 26;

impl Tracker {
    pub fn new(rules: Rules) -> Tracker {
        Tracker { rules, lines: Vec::new(), far: HashMap::new(), changes: Vec::new(), more: Vec::new() }
    }

    /// The first line of this file that touched record `id`.
    pub fn first_line(&self, id: i64) -> Option<u64> {
        if (0..DENSE).contains(&id) {
            self.lines.get(id as usize).copied().filter(|&l| l != 0).map(u64::from)
        } else {
            self.far.get(&id).copied()
        }
    }

    fn mark(&mut self, id: i64, line: u64) {
        if (0..DENSE).contains(&id) && line <= u64::from(u32::MAX) {
            let i = id as usize;
            if self.lines.len() <= i {
                self.lines.resize(i + 1, 0);
            }
            if self.lines[i] == 0 {
                self.lines[i] = line as u32;
            }
        } else {
            self.far.entry(id).or_insert(line);
        }
    }

    /// Record `id` was created by the row on `line`.
    pub fn created(&mut self, line: u64, id: i64, record: &'static str, key: impl FnOnce() -> String) {
        self.mark(id, line);
        if self.rules.list_changes {
            self.changes.push(Change {
                line,
                record,
                key: key(),
                action: "new",
                column: String::new(),
                old: String::new(),
                new: String::new(),
            });
        }
    }

    /// Record `id`, found unchanged by the row on `line`, is touched.
    pub fn created_or_seen(&mut self, id: i64, line: u64) {
        self.mark(id, line);
    }

    /// A record touched without a comparison (e.g. a payment, which has no
    /// key of its own): only listed for `--dry-run`.
    pub fn listed(&mut self, change: Change) {
        if self.rules.list_changes {
            self.changes.push(change);
        }
    }

    /// Judge the row on `line` that matched recorded record `id`.
    pub fn matched(&mut self, line: u64, id: i64, c: &Comparison) -> Result<Verdict, RowError> {
        self.more.clear();
        if let Some(first) = self.first_line(id).filter(|&l| l != line) {
            if c.is_same() {
                return Ok(Verdict::Repeated);
            }
            let cols = c.differing();
            return Err(RowError {
                line,
                column: cols[0].to_string(),
                message: format!(
                    "lines {first} and {line} describe the same {} {} differently: {}",
                    c.record,
                    c.key,
                    cols.join(", ")
                ),
            });
        }
        let mut blanked: Vec<RowError> = if self.rules.allow_clear {
            Vec::new()
        } else {
            c.fields.iter().filter(|f| f.blanks()).map(|f| blank_error(line, f.column, c.record, &c.key)).collect()
        };
        let moved: Vec<&str> =
            c.fields.iter().filter(|f| f.kind == Kind::Identity && f.differs()).map(|f| f.column).collect();
        if !moved.is_empty() {
            self.more = blanked;
            return Err(RowError {
                line,
                column: moved[0].to_string(),
                message: format!(
                    "{} {} is recorded with another {}; an import never moves a record: {}",
                    c.record,
                    c.key,
                    moved.join(", "),
                    c.how_to_move
                ),
            });
        }
        if !blanked.is_empty() {
            let first = blanked.remove(0);
            self.more = blanked;
            return Err(first);
        }
        self.mark(id, line);
        if c.is_same() {
            return Ok(Verdict::Unchanged);
        }
        if self.rules.list_changes {
            for f in c.fields.iter().filter(|f| f.differs()) {
                self.changes.push(Change {
                    line,
                    record: c.record,
                    key: c.key.clone(),
                    action: if f.new.is_none() { "clear" } else { "update" },
                    column: f.column.to_string(),
                    old: f.old.clone().unwrap_or_default(),
                    new: f.new.clone().unwrap_or_default(),
                });
            }
        }
        Ok(Verdict::Update)
    }
}

/// The error for an empty cell where a value is recorded.
pub fn blank_error(line: u64, column: &str, record: &str, key: &str) -> RowError {
    RowError {
        line,
        column: column.to_string(),
        message: format!(
            "no value is given, but {record} {key} has one recorded; an import never blanks a recorded value: \
             give the value, or pass --allow-clear to clear it on purpose"
        ),
    }
}

/// The refs a spreadsheet could have turned into `given` by reading it as a
/// number: leading zeros dropped (`42` from `0042`) and trailing zeros after
/// a decimal point dropped (`2021.01` from `2021.010`, `2021` from
/// `2021.0`). Empty unless `given` looks like such a number, so that a
/// big file of refs such as `R-2104-0004` costs nothing.
pub fn spreadsheet_originals(given: &str) -> Vec<String> {
    let (int, frac) = match given.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (given, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Vec::new();
    }
    // A spreadsheet never writes a leading zero (but "0" itself) or a
    // trailing zero after the point.
    if (int.len() > 1 && int.starts_with('0')) || frac.is_some_and(|f| f.ends_with('0')) {
        return Vec::new();
    }
    let mut tails = Vec::new();
    match frac {
        Some(f) => {
            for z in 0..=6 {
                tails.push(format!(".{f}{}", "0".repeat(z)));
            }
        }
        None => {
            tails.push(String::new());
            for z in 1..=6 {
                tails.push(format!(".{}", "0".repeat(z)));
            }
        }
    }
    let mut out = Vec::new();
    for lead in 0..=6 {
        for t in &tails {
            let s = format!("{}{int}{t}", "0".repeat(lead));
            if s != given {
                out.push(s);
            }
        }
    }
    out
}

/// Whether a spreadsheet would damage `r` by reading it as a number (a
/// leading zero, or a trailing zero after a decimal point): only when such
/// refs are recorded does a big import need to look for damaged ones.
pub fn could_be_damaged(r: &str) -> bool {
    let (int, frac) = match r.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (r, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && frac.map_or(true, digits)
        && ((int.len() > 1 && int.starts_with('0')) || frac.is_some_and(|f| f.ends_with('0')))
}

/// The refusal of a ref that a spreadsheet made from the known `known`.
pub fn damaged_ref_message(given: &str, record: &str, known: &str) -> String {
    format!(
        "{given} is not a known {record}, but {known} is: a spreadsheet may have turned the ref into a number; write it as text"
    )
}

/// The same for a client_ref, which is never named.
pub fn damaged_client_ref_message() -> String {
    "this client_ref is not known, but one that differs from it only by the zeros a spreadsheet drops is: \
     a spreadsheet may have turned the ref into a number; write it as text"
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_damage_is_undone() {
        let o = spreadsheet_originals("2021.01");
        assert!(o.contains(&"2021.010".to_string()));
        assert!(o.contains(&"02021.01".to_string()));
        assert!(!o.contains(&"2021.01".to_string()));
        let o = spreadsheet_originals("42");
        assert!(o.contains(&"0042".to_string()));
        assert!(o.contains(&"42.0".to_string()));
        for none in ["R-2104-0004", "0042", "2021.010", "", "DMPCD 2015 116", "4a", "1.2.3"] {
            assert!(spreadsheet_originals(none).is_empty(), "{none}");
        }
        for fragile in ["0042", "2021.010", "2021.0", "00"] {
            assert!(could_be_damaged(fragile), "{fragile}");
        }
        for safe in ["42", "2021.01", "R-0042", "0", "2021.021", "DMPCD 2015 116", ""] {
            assert!(!could_be_damaged(safe), "{safe}");
        }
    }

    #[test]
    fn rows_are_judged() {
        let mut t = Tracker::new(Rules::default());
        t.created(2, 1, "referral", || "R-1".into());
        let mut same = Comparison::new("referral", "R-1", "use referral update");
        same.identity("client_ref", true).value("outcome", Some("engaged".into()), Some("engaged".into()));
        assert_eq!(t.matched(3, 1, &same), Ok(Verdict::Repeated));
        let mut other = Comparison::new("referral", "R-1", "use referral update");
        other.identity("client_ref", true).value("outcome", Some("engaged".into()), Some("declined".into()));
        let e = t.matched(4, 1, &other).unwrap_err();
        assert_eq!(e.message, "lines 2 and 4 describe the same referral R-1 differently: outcome");
        let mut moved = Comparison::new("referral", "R-2", "use referral update");
        moved.identity("client_ref", false);
        let e = t.matched(5, 2, &moved).unwrap_err();
        assert_eq!(e.column, "client_ref");
        let mut blank = Comparison::new("referral", "R-3", "x");
        blank.value("outcome", Some("engaged".into()), None);
        assert_eq!(t.matched(6, 3, &blank).unwrap_err().column, "outcome");
        let mut t = Tracker::new(Rules { allow_clear: true, list_changes: true });
        assert_eq!(t.matched(6, 3, &blank), Ok(Verdict::Update));
        assert_eq!(t.changes[0].action, "clear");
    }
}
