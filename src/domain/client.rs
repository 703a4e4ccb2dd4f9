//! Rules for clients: data minimisation of the pseudonymous client_ref,
//! equality-monitoring attributes, subject access (`client show`) and
//! erasure (`client erase`).
//!
//! Messages never repeat a client_ref or an equality value: they name the
//! column instead, so that an error pasted into an email leaks nothing.

use crate::db::{self, tx, Conn};
use crate::domain::referral::Stored;
use crate::domain::trust::{self, Applied, Comparison, Tracker, Verdict};
use crate::error::{invalid, not_found, RowError};
use crate::value::names::{CaseOutcome, Disability, Ethnicity};
use crate::value::Date;
use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;

/// Check a client_ref: a provider's pseudonymous reference, never a name,
/// an address or a date of birth. Accepted: 1 to 64 characters of letters,
/// digits, `-`, `_`, `/` and `.`, containing at least one digit, with no
/// spaces (a name like "Jane Smith" is refused) and no date pattern
/// (a date of birth like 1985-03-12 or 12/03/85 is refused).
pub fn check_ref(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("a client_ref is required".into());
    }
    if s.len() > 64 {
        return Err("the client_ref is too long (at most 64 characters)".into());
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')) {
        return Err("a client_ref may hold only letters, digits, - _ / and . (no spaces): use the provider's pseudonymous reference, never a name".into());
    }
    if !s.chars().any(|c| c.is_ascii_digit()) {
        return Err(
            "a client_ref must contain a digit (e.g. LAM-0042): it looks like a name, and names are never recorded"
                .into(),
        );
    }
    if looks_like_date(s) {
        return Err("a client_ref must not contain a date (it could be a date of birth); use the provider's pseudonymous reference".into());
    }
    Ok(())
}

/// Whether `s` contains something shaped like a date: d/m/y, d.m.y, d-m-y
/// or y-m-d with plausible day and month numbers.
fn looks_like_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split(|c: char| !c.is_ascii_digit()).collect();
    let nums: Vec<Option<u32>> = parts.iter().map(|p| if p.is_empty() { None } else { p.parse().ok() }).collect();
    for w in nums.windows(3) {
        if let [Some(a), Some(b), Some(c)] = *w {
            let (la, lc) = (a.to_string().len(), c.to_string().len());
            let dmy = (1..=31).contains(&a) && (1..=12).contains(&b) && (lc == 2 || lc == 4);
            let ymd = la == 4 && (1900..=2100).contains(&a) && (1..=12).contains(&b) && (1..=31).contains(&c);
            if dmy || ymd {
                return true;
            }
        }
    }
    // 8 digits in a row that read as ddmmyyyy or yyyymmdd.
    for p in parts.iter().filter(|p| p.len() == 8) {
        let d: u32 = p[0..2].parse().unwrap_or(0);
        let m: u32 = p[2..4].parse().unwrap_or(0);
        let y: u32 = p[4..8].parse().unwrap_or(0);
        let y2: u32 = p[0..4].parse().unwrap_or(0);
        let m2: u32 = p[4..6].parse().unwrap_or(0);
        let d2: u32 = p[6..8].parse().unwrap_or(0);
        if ((1..=31).contains(&d) && (1..=12).contains(&m) && (1900..=2100).contains(&y))
            || ((1900..=2100).contains(&y2) && (1..=12).contains(&m2) && (1..=31).contains(&d2))
        {
            return true;
        }
    }
    false
}

/// A `RowError`-friendly check for imports.
pub fn check_ref_at(line: u64, column: &str, s: &str) -> Result<(), RowError> {
    check_ref(s).map_err(|message| RowError { line, column: column.into(), message })
}

/// Column names that would hold a name, an address, a date of birth or
/// contact details. An import with such a column is refused whatever the
/// options: pathway never records them (data minimisation).
pub const PERSONAL_COLUMNS: &[&str] = &[
    "name",
    "first_name",
    "firstname",
    "forename",
    "given_name",
    "surname",
    "last_name",
    "lastname",
    "family_name",
    "full_name",
    "fullname",
    "client_name",
    "address",
    "address1",
    "address_line_1",
    "street",
    "postcode",
    "post_code",
    "dob",
    "date_of_birth",
    "birth_date",
    "birthdate",
    "email",
    "phone",
    "telephone",
    "mobile",
    "nhs_number",
    "ni_number",
];

/// Whether a column called `name` would hold personal detail that pathway
/// never records ("Date of birth", "first-name" and "DOB" all count).
pub fn is_personal_column(name: &str) -> bool {
    let n: String = name
        .trim()
        .chars()
        .map(|c| if c == ' ' || c == '-' || c == '.' { '_' } else { c.to_ascii_lowercase() })
        .collect();
    PERSONAL_COLUMNS.contains(&n.as_str())
}

/// The message for an import that has a personal column.
pub fn personal_column_message(column: &str) -> String {
    format!(
        "the column {column:?} would hold a name, address, date of birth or contact detail; pathway never records these \
         (data minimisation): remove the column and identify women only by the provider's pseudonymous client_ref"
    )
}

/// How many clients an import holds in memory at most: an entry is a
/// 16-byte key and an 8-byte id, and this many fit in a table of 2²⁰
/// slots (about 26 MB; it never grows to the next size, which would hold
/// 78 MB while it moved). Past this the cache keeps the clients it holds
/// and the others are looked up in the file: in a file of 3,000,000
/// referrals of 950,000 clients, only the last 50,000 clients met. (It
/// used to start again, empty, which sent most of the rows after that
/// point to the file until it had filled again.)
pub const CLIENT_CACHE_CAP: usize = 900_000;

/// A client_ref as the cache holds it: 128 bits of two independent
/// SipHash values of the ref, not the ref itself, so an entry needs no
/// allocation and a third of the memory. Two different refs share a key
/// with a chance of about n² / 2¹²⁹ (for a million clients, 10⁻²⁷: far
/// below the chance of a disk error), and a key is only ever compared
/// with the keys of the same import.
///
/// An import finds a row's key on its reading thread (`RefKey::of`) and
/// looks it up on the writing one (`Clients::known_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefKey(u128);

impl RefKey {
    pub fn of(client_ref: &str) -> RefKey {
        use std::hash::{Hash, Hasher};
        let half = |salt: u8| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            salt.hash(&mut h);
            client_ref.hash(&mut h);
            h.finish()
        };
        RefKey((u128::from(half(0)) << 64) | u128::from(half(1)))
    }
}

/// The map's own hash of a `RefKey`: its low bits, which are already a
/// hash (hashing them again would only cost time).
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

type KeyMap = HashMap<RefKey, i64, std::hash::BuildHasherDefault<KeyHasher>>;

/// Clients by client_ref, held in memory during an import.
pub struct Clients {
    map: KeyMap,
    /// Whether `map` holds every recorded client (then a miss is new).
    complete: bool,
}

impl Clients {
    /// Load the recorded clients (when there are not more than the cap).
    pub fn load(conn: &Conn) -> Result<Clients> {
        let n = db::client::count(conn)?;
        if n as usize > CLIENT_CACHE_CAP {
            return Ok(Clients { map: KeyMap::default(), complete: false });
        }
        let mut map = KeyMap::with_capacity_and_hasher(n as usize + 1024, Default::default());
        db::client::each_ref(conn, |r, id| {
            map.insert(RefKey::of(r), id);
        })?;
        Ok(Clients { map, complete: true })
    }

    /// An empty cache that fills as refs are looked up (for commands and
    /// imports that meet a few of the recorded clients, or any number of
    /// them: it never holds more than the cap).
    pub fn lazy() -> Clients {
        Clients { map: KeyMap::default(), complete: false }
    }

    /// The client's id if recorded, without recording a new one.
    pub fn id(&mut self, conn: &Conn, client_ref: &str) -> Result<Option<i64>> {
        if let Some(&id) = self.map.get(&RefKey::of(client_ref)) {
            return Ok(Some(id));
        }
        if self.complete {
            return Ok(None);
        }
        let id = db::client::id(conn, client_ref)?;
        if let Some(id) = id {
            self.remember(RefKey::of(client_ref), id);
        }
        Ok(id)
    }

    /// How many clients are held.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.map.len()
    }

    /// Hold the id of the client whose ref has `key`, unless the cap is
    /// reached: then the ones held stay, and a ref not held is looked up
    /// in the file from now on.
    fn remember(&mut self, key: RefKey, id: i64) {
        if self.map.len() >= CLIENT_CACHE_CAP {
            self.complete = false;
            return;
        }
        self.map.insert(key, id);
    }

    /// Forget a client removed again (see `db::client::delete_unused`).
    pub fn forget(&mut self, client_ref: &str) {
        self.map.remove(&RefKey::of(client_ref));
    }

    /// The id of the client whose ref has `key`, when the lookup holds it.
    pub fn known_key(&self, key: RefKey) -> Option<i64> {
        self.map.get(&key).copied()
    }

    /// The client's id, recording a new client when the ref is new
    /// (checked with `check_ref` by the caller). Returns (id, whether new).
    pub fn id_or_insert(&mut self, conn: &Conn, client_ref: &str) -> Result<(i64, bool)> {
        self.id_or_insert_keyed(conn, RefKey::of(client_ref), client_ref, |r| db::client::insert(conn, r))
    }

    /// `id_or_insert`, with the ref's key found already, inserting a
    /// client that is known to be new with `insert` (a statement prepared
    /// once for the whole import).
    pub fn id_or_insert_keyed(
        &mut self,
        conn: &Conn,
        key: RefKey,
        client_ref: &str,
        insert: impl FnOnce(&str) -> Result<i64>,
    ) -> Result<(i64, bool)> {
        if let Some(&id) = self.map.get(&key) {
            return Ok((id, false));
        }
        let (id, new) =
            if self.complete { (insert(client_ref)?, true) } else { db::client::id_or_insert(conn, client_ref)? };
        self.remember(key, id);
        Ok((id, new))
    }
}

/// Whether `client_ref` is not recorded but a spreadsheet could have made
/// it from one that is (`42` from `0042`). Costs nothing for refs that do
/// not look like numbers.
pub fn spreadsheet_damaged(conn: &Conn, client_ref: &str) -> Result<bool> {
    let originals = crate::domain::trust::spreadsheet_originals(client_ref.trim());
    if originals.is_empty() || db::client::id(conn, client_ref.trim())?.is_some() {
        return Ok(false);
    }
    for o in &originals {
        if db::client::id(conn, o)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Equality-monitoring attributes; each may be unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Attributes {
    pub birth_year: Option<i64>,
    pub ethnicity: Option<Ethnicity>,
    pub disability: Option<Disability>,
    pub dependent_children: Option<i64>,
}

/// A birth year: four digits from 1900 to this year (`PATHWAY_NOW`'s, like every "today"). The message never
/// repeats the value.
pub fn parse_birth_year(s: &str) -> Result<i64, String> {
    let this_year = i64::from(crate::value::date::today()?.year());
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(y) if t.len() == 4 && (1900..=this_year).contains(&y) => Ok(y),
        _ => Err(format!(
            "the value is not a birth year; write four digits from 1900 to {this_year} (only the year is recorded)"
        )),
    }
}

/// An equality answer folded for matching: lower case, apostrophes dropped,
/// every other run of non-alphanumeric characters one space ("White -
/// British" and "white_british" both give "white british").
fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars().filter(|c| *c != '\'' && *c != '\u{2019}') {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// Answers that mean nothing was recorded, for every equality column.
pub const NOT_RECORDED: &[&str] = &["Unknown", "Not known", "Not stated", "Not recorded", "Not given", "Don't know"];

/// Answers meaning the woman chose not to say.
pub const PREFER_NOT: &[&str] = &["Prefer not to say", "Prefer not to state", "Declined", "Refused"];

fn one_of(list: &[&str], folded: &str) -> bool {
    list.iter().any(|n| fold(n) == folded)
}

/// How people write ethnic groups, beyond the codes and the labels, and the
/// group each is recorded as. A broad group without its detail ("Black
/// British", "Mixed") is recorded as that group's "other" member, so that it
/// counts in the right ONS 2021 group.
pub const ETHNICITY_SPELLINGS: &[(&str, Ethnicity)] = &[
    ("White British", Ethnicity::WhiteBritish),
    ("White English", Ethnicity::WhiteBritish),
    ("White Welsh", Ethnicity::WhiteBritish),
    ("White Scottish", Ethnicity::WhiteBritish),
    ("White Northern Irish", Ethnicity::WhiteBritish),
    ("White English, Welsh, Scottish, Northern Irish or British", Ethnicity::WhiteBritish),
    ("Irish", Ethnicity::WhiteIrish),
    ("Gypsy or Irish Traveller", Ethnicity::WhiteGypsyIrishTraveller),
    ("Irish Traveller", Ethnicity::WhiteGypsyIrishTraveller),
    ("Roma", Ethnicity::WhiteRoma),
    ("White", Ethnicity::WhiteOther),
    ("Any other White background", Ethnicity::WhiteOther),
    ("Black", Ethnicity::BlackOther),
    ("Black British", Ethnicity::BlackOther),
    ("Black or Black British", Ethnicity::BlackOther),
    ("Black, Black British, Caribbean or African", Ethnicity::BlackOther),
    ("African", Ethnicity::BlackAfrican),
    ("Black British African", Ethnicity::BlackAfrican),
    ("Caribbean", Ethnicity::BlackCaribbean),
    ("Black British Caribbean", Ethnicity::BlackCaribbean),
    ("Any other Black background", Ethnicity::BlackOther),
    ("Asian", Ethnicity::AsianOther),
    ("Asian British", Ethnicity::AsianOther),
    ("Asian or Asian British", Ethnicity::AsianOther),
    ("Asian, Asian British or Asian Welsh", Ethnicity::AsianOther),
    ("Indian", Ethnicity::AsianIndian),
    ("Pakistani", Ethnicity::AsianPakistani),
    ("Bangladeshi", Ethnicity::AsianBangladeshi),
    ("Chinese", Ethnicity::AsianChinese),
    ("Any other Asian background", Ethnicity::AsianOther),
    ("Mixed", Ethnicity::MixedOther),
    ("Mixed or multiple ethnic groups", Ethnicity::MixedOther),
    ("White and Asian", Ethnicity::MixedWhiteAsian),
    ("White and Black African", Ethnicity::MixedWhiteBlackAfrican),
    ("White and Black Caribbean", Ethnicity::MixedWhiteBlackCaribbean),
    ("Any other Mixed background", Ethnicity::MixedOther),
    ("Arab", Ethnicity::OtherArab),
    ("Other", Ethnicity::OtherAny),
    ("Any other ethnic group", Ethnicity::OtherAny),
];

/// How people write disability answers, beyond the codes and labels.
pub const DISABILITY_SPELLINGS: &[(&str, Disability)] =
    &[("Y", Disability::Yes), ("Disabled", Disability::Yes), ("N", Disability::No), ("Not disabled", Disability::No)];

/// The number of dependent children: 0 to 30; `No`, `N` or `None` are 0;
/// not-recorded and prefer-not-to-say answers record nothing (None). `Yes`
/// is refused: the number is what is recorded.
pub fn parse_children(s: &str) -> Result<Option<i64>, String> {
    let f = fold(s);
    if one_of(NOT_RECORDED, &f) || one_of(PREFER_NOT, &f) {
        return Ok(None);
    }
    if matches!(f.as_str(), "no" | "n" | "none") {
        return Ok(Some(0));
    }
    if matches!(f.as_str(), "yes" | "y") {
        return Err("the value says yes but not how many; write the number of dependent children (1 to 30)".into());
    }
    match s.trim().parse::<i64>() {
        Ok(n) if (0..=30).contains(&n) => Ok(Some(n)),
        _ => {
            Err("the value is not a number of dependent children; write a whole number from 0 to 30, No, or Unknown"
                .into())
        }
    }
}

/// An ethnic group: a code, a label, or one of ETHNICITY_SPELLINGS, in any
/// case and spacing; a not-recorded answer records nothing (None). The
/// message does not repeat the value.
pub fn parse_ethnicity(s: &str) -> Result<Option<Ethnicity>, String> {
    let all = Ethnicity::ALL.iter().map(|e| (e.as_str(), e.label(), *e));
    answer(s, Ethnicity::PreferNotToSay, all, ETHNICITY_SPELLINGS).ok_or_else(|| {
        format!(
            "the value is not one of the ONS 2021 ethnic groups; use one of: {}, or a spelling that `pathway client import --help` lists, or Unknown",
            Ethnicity::names()
        )
    })
}

/// An equality answer of a closed set, in any case and spacing: `None`
/// (not recorded) for an answer in NOT_RECORDED; `prefer_not` for one in
/// PREFER_NOT; else a member by code or label (`all`), or by one of
/// `spellings`. `None` at the outside when it is none of these.
fn answer<T: Copy>(
    s: &str,
    prefer_not: T,
    mut all: impl Iterator<Item = (&'static str, &'static str, T)>,
    spellings: &[(&str, T)],
) -> Option<Option<T>> {
    let f = fold(s);
    if one_of(NOT_RECORDED, &f) {
        return Some(None);
    }
    if one_of(PREFER_NOT, &f) {
        return Some(Some(prefer_not));
    }
    if let Some((_, _, v)) = all.find(|(code, label, _)| fold(code) == f || fold(label) == f) {
        return Some(Some(v));
    }
    spellings.iter().find(|(w, _)| fold(w) == f).map(|(_, v)| Some(*v))
}

/// A disability answer: a code or label, or one of DISABILITY_SPELLINGS; a
/// not-recorded answer records nothing (None). The message does not repeat
/// the value.
pub fn parse_disability(s: &str) -> Result<Option<Disability>, String> {
    let all = Disability::ALL.iter().map(|d| (d.as_str(), d.label(), *d));
    answer(s, Disability::PreferNotToSay, all, DISABILITY_SPELLINGS).ok_or_else(|| {
        format!(
            "the value is not a disability answer; use one of: {} (also Y, N, Prefer not to say, or Unknown)",
            Disability::names()
        )
    })
}

/// The one message for a client_ref that is not recorded (it never
/// repeats the ref: a client_ref is personal).
pub const UNKNOWN: &str = "no client is recorded with that client_ref (refs are matched exactly, case included)";

/// How a client is named in import messages: never by its client_ref.
pub const UNNAMED: &str = "(this row's client_ref)";

/// A row compared with the client's recorded attributes (each a recorded
/// value an empty cell must not blank).
pub fn compare(old: &Attributes, new: &Attributes) -> Comparison {
    fn s<T: ToString>(o: Option<T>) -> Option<String> {
        o.map(|x| x.to_string())
    }
    let mut c = Comparison::new("client", UNNAMED, "");
    c.value("birth_year", s(old.birth_year), s(new.birth_year))
        .value("ethnicity", s(old.ethnicity), s(new.ethnicity))
        .value("disability", s(old.disability), s(new.disability))
        .value("dependent_children", s(old.dependent_children), s(new.dependent_children));
    c
}

/// Record a client's attributes (a `client import` row on `line`): new,
/// updated, unchanged or repeated; refused when it would blank a recorded
/// value (without --allow-clear), contradicts an earlier row, or names a
/// new client_ref that a spreadsheet could have made from a recorded one.
/// `client_ref` must have passed `check_ref`.
pub fn set_attributes(
    conn: &Conn,
    client_ref: &str,
    a: &Attributes,
    tracker: &mut Tracker,
    line: u64,
) -> Result<Result<Applied, RowError>> {
    match db::client::find_with(conn, client_ref, a)? {
        None => {
            if spreadsheet_damaged(conn, client_ref)? {
                return Ok(Err(RowError {
                    line,
                    column: "client_ref".into(),
                    message: trust::damaged_client_ref_message(),
                }));
            }
            let id = db::client::insert_with(conn, client_ref, a)?;
            tracker.created(line, id, "client", || UNNAMED.to_string());
            Ok(Ok(Applied::New))
        }
        Some((id, same)) => {
            let old = if same { *a } else { db::client::attributes(conn, id)?.unwrap_or_default() };
            match tracker.matched(line, id, &compare(&old, a)) {
                Err(e) => Ok(Err(e)),
                Ok(Verdict::Repeated) => Ok(Ok(Applied::Repeated)),
                Ok(Verdict::Unchanged) => Ok(Ok(Applied::Unchanged)),
                Ok(Verdict::Update) => {
                    db::client::update_attributes(conn, id, a)?;
                    Ok(Ok(Applied::Updated))
                }
            }
        }
    }
}

/// A client as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientRow {
    pub client_ref: String,
    #[serde(flatten)]
    pub attributes: Attributes,
    #[serde(skip)]
    pub referrals: i64,
    #[serde(skip)]
    pub cases: i64,
    #[serde(skip)]
    pub id: i64,
}

/// One tier of a case from a day on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierFrom {
    pub from_on: Option<Date>,
    pub tier: String,
}

/// A case (caseload episode) as held about a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseHeld {
    pub id: i64,
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    pub worker: String,
    pub service: String,
    pub opened_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub close_reason: Option<String>,
    pub outcome: Option<CaseOutcome>,
    pub tiers: Vec<TierFrom>,
}

/// Everything held about one client: the answer to a subject access request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub client: ClientRow,
    pub referrals: Vec<Stored>,
    pub cases: Vec<CaseHeld>,
    /// Her assessments on the resettlement pathways, across her cases.
    pub assessments: Vec<crate::db::assessment::AssessmentLine>,
}

/// The id of a recorded client_ref (checked first), or a not-found error
/// that does not repeat it.
pub fn lookup(conn: &Conn, client_ref: &str) -> Result<i64> {
    check_ref(client_ref).map_err(invalid)?;
    db::client::id(conn, client_ref.trim())?.ok_or_else(|| not_found(UNKNOWN))
}

/// `client show`: everything held about one client, across all tables.
pub fn held(conn: &Conn, client_ref: &str) -> Result<Held> {
    let id = lookup(conn, client_ref)?;
    let client = db::client::row(conn, id)?.ok_or_else(|| not_found("the client vanished"))?;
    Ok(Held {
        client,
        referrals: db::referral::of_client(conn, id)?,
        cases: db::client::cases_of(conn, id)?,
        assessments: db::assessment::of_client(conn, id)?,
    })
}

/// Every client with counts, in client_ref order.
pub fn list(conn: &Conn, each: impl FnMut(&ClientRow) -> Result<()>) -> Result<()> {
    db::client::each_row(conn, each)
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    pub clients: usize,
    pub referrals: usize,
    pub cases: usize,
    pub case_tiers: usize,
    pub assessments: usize,
    /// Audit rows about her referrals and cases, removed with them.
    pub audit_rows: usize,
    /// Whether the write-ahead log was emptied into the database file at
    /// once (false when another process was reading; it empties later).
    pub checkpointed: bool,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Erased {
    /// "1 client, 3 referrals, 1 case removed, with 5 audit entries about
    /// them": the audit detail (counts only).
    pub fn detail(&self) -> String {
        format!(
            "{}, {}, {}, {} removed, with {} about them",
            plural(self.clients, "client", "clients"),
            plural(self.referrals, "referral", "referrals"),
            plural(self.cases, "case", "cases"),
            plural(self.assessments, "assessment", "assessments"),
            plural(self.audit_rows, "audit entry", "audit entries")
        )
    }
}

/// The note after an erasure whose write-ahead log could not be emptied at
/// once (another program was reading).
pub const NOT_CHECKPOINTED: &str = "note: another program was reading the database, so copies of the removed rows \
may stay in its write-ahead log file (the file ending -wal) until SQLite next empties it";

/// `client erase`: remove the client and everything held about them
/// (tier history, cases, referrals) in one transaction, audit it without
/// the client_ref, then empty the write-ahead log so that (with
/// secure_delete on) no copy of the removed rows is left in the files.
pub fn erase(conn: &mut Conn, client_ref: &str, command: &str) -> Result<Erased> {
    let mut erased = tx::write(conn, |tx| {
        // Erasure rewrites pages all over the file: never into a damaged one.
        tx::quick_check(tx)?;
        let id = lookup(tx, client_ref)?;
        let r = db::client::erase(tx, id)?;
        db::client::purge_index_copies(tx)?;
        let e = Erased {
            clients: 1,
            referrals: r.referrals,
            cases: r.cases,
            case_tiers: r.case_tiers,
            assessments: r.assessments,
            audit_rows: r.audit_rows,
            checkpointed: false,
        };
        tx::audit(tx, command, "client", None, "erase", Some(&e.detail()))?;
        Ok(e)
    })?;
    erased.checkpointed = db::client::checkpoint(conn)?;
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_tells_refs_apart_by_their_keys() {
        // Refs a byte apart, in case and in length, get different keys;
        // the same ref always the same one.
        let refs = ["BC-0042", "BC-0043", "bc-0042", "BC-00420", "BC-004", "LAM-0042", "0042", "42"];
        for (i, a) in refs.iter().enumerate() {
            let copy: String = a.chars().collect();
            assert_eq!(RefKey::of(a), RefKey::of(&copy));
            for b in &refs[i + 1..] {
                assert_ne!(RefKey::of(a), RefKey::of(b), "{a} and {b}");
            }
        }
        let mut c = Clients::lazy();
        c.remember(RefKey::of("BC-0042"), 7);
        assert_eq!(c.known_key(RefKey::of("BC-0042")), Some(7));
        assert_eq!(c.known_key(RefKey::of("BC-0043")), None);
        c.forget("BC-0042");
        assert_eq!(c.known_key(RefKey::of("BC-0042")), None);
        // A full cache fits the table of 2^20 slots (7/8 of them usable).
        let full = KeyMap::with_capacity_and_hasher(CLIENT_CACHE_CAP, Default::default());
        assert!(full.capacity() < 1 << 20, "{}", full.capacity());
    }

    #[test]
    fn accepts_pseudonymous_refs() {
        for ok in ["LAM-0042", "C123", "beth/2021/17", "W00017", "NWC-3-77", "1"] {
            assert_eq!(check_ref(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn messages_never_repeat_the_value() {
        let long = format!("BC-{}", "9".repeat(70));
        assert!(!check_ref(&long).unwrap_err().contains("999"));
        assert!(!parse_birth_year("1885").unwrap_err().contains("1885"));
        assert!(!parse_ethnicity("martian").unwrap_err().contains("martian"));
        assert!(!parse_disability("sometimes").unwrap_err().contains("sometimes"));
        assert!(!parse_children("31").unwrap_err().contains("31"));
    }

    #[test]
    fn equality_values() {
        assert_eq!(parse_birth_year("1985"), Ok(1985));
        assert!(parse_birth_year("85").is_err());
        assert!(parse_birth_year("3000").is_err());
        assert_eq!(parse_children("0"), Ok(Some(0)));
        assert_eq!(parse_ethnicity("white_british"), Ok(Some(Ethnicity::WhiteBritish)));
        assert_eq!(parse_disability("Prefer not to say"), Ok(Some(Disability::PreferNotToSay)));
    }

    #[test]
    fn equality_answers_as_people_write_them() {
        for (s, e) in [
            ("White British", Some(Ethnicity::WhiteBritish)),
            ("White - British", Some(Ethnicity::WhiteBritish)),
            ("  white   british ", Some(Ethnicity::WhiteBritish)),
            ("WHITE: BRITISH", Some(Ethnicity::WhiteBritish)),
            ("Black British", Some(Ethnicity::BlackOther)),
            ("Asian British", Some(Ethnicity::AsianOther)),
            ("Mixed", Some(Ethnicity::MixedOther)),
            ("Mixed: White and Black Caribbean", Some(Ethnicity::MixedWhiteBlackCaribbean)),
            ("Asian: Bangladeshi", Some(Ethnicity::AsianBangladeshi)),
            ("Prefer not to say", Some(Ethnicity::PreferNotToSay)),
            ("Unknown", None),
            ("not KNOWN", None),
            ("Not stated", None),
            ("Don't know", None),
        ] {
            assert_eq!(parse_ethnicity(s), Ok(e), "{s}");
        }
        for (s, d) in [
            ("Yes", Some(Disability::Yes)),
            ("y", Some(Disability::Yes)),
            ("No", Some(Disability::No)),
            ("N", Some(Disability::No)),
            ("prefer not to say", Some(Disability::PreferNotToSay)),
            ("Unknown", None),
        ] {
            assert_eq!(parse_disability(s), Ok(d), "{s}");
        }
        for (s, n) in
            [("2", Some(2)), ("No", Some(0)), ("none", Some(0)), ("Unknown", None), ("Prefer not to say", None)]
        {
            assert_eq!(parse_children(s), Ok(n), "{s}");
        }
        assert!(parse_children("Yes").is_err());
        assert!(parse_ethnicity("British").is_err());
        // Every spelling is reachable (none is shadowed by another meaning).
        for (w, e) in ETHNICITY_SPELLINGS {
            assert_eq!(parse_ethnicity(w), Ok(Some(*e)), "{w}");
        }
    }

    #[test]
    fn personal_columns_are_recognised() {
        for c in ["name", "Name", "DOB", "Date of birth", "date-of-birth", "first_name", "Postcode", " address "] {
            assert!(is_personal_column(c), "{c}");
        }
        for c in ["client_ref", "birth_year", "area", "ethnicity", "service"] {
            assert!(!is_personal_column(c), "{c}");
        }
    }

    #[test]
    fn erasure_detail_is_counts_only() {
        let e = Erased {
            clients: 1,
            referrals: 3,
            cases: 1,
            case_tiers: 2,
            assessments: 4,
            audit_rows: 5,
            checkpointed: true,
        };
        assert_eq!(e.detail(), "1 client, 3 referrals, 1 case, 4 assessments removed, with 5 audit entries about them");
        let e = Erased { clients: 1, referrals: 1, cases: 0, assessments: 1, audit_rows: 1, ..e };
        assert_eq!(e.detail(), "1 client, 1 referral, 0 cases, 1 assessment removed, with 1 audit entry about them");
    }

    #[test]
    fn refuses_names_and_dates_of_birth() {
        for bad in [
            "Jane Smith",
            "JaneSmith",
            "",
            "LAM 42",
            "C-12/03/1985",
            "1985-03-12",
            "x-12.03.85",
            "AB-12031985",
            "19850312",
            "name@example.org",
        ] {
            assert!(check_ref(bad).is_err(), "{bad}");
        }
    }
}
