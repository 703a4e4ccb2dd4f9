//! Rules for key workers, support tiers and caseloads.
//!
//! A *case* (caseload episode) is one woman on one key worker's caseload at
//! one service, from `opened_on` until `closed_on`. Its support tier can
//! change over time (`case_tiers` keeps the history), so the hours committed
//! in any past period can be worked out.
//!
//! Definitions used everywhere (lists, exports, reports):
//!
//! - A case is **open on day D** when it opened on or before D and was not
//!   closed on or before D (`closed_on` empty or after D). This is the
//!   return's `open_at_end` rule: a case closed on 30 September is no longer
//!   open at the end of 30 September.
//! - The **tier of a case on day D** is the tier of its latest change on or
//!   before D; the first change is the opening tier, from `opened_on`.
//! - **Committed hours per week** of a worker on day D is the sum of the
//!   weekly hours of the tiers of that worker's cases open on D. Tier hours
//!   are the tiers' current hours (`pathway caseload tier set` changes them
//!   for every period).
//! - Episodes of one woman at one service never overlap: a case runs over
//!   the days `opened_on .. closed_on` (closed_on excluded), so a new case
//!   may open on the day an earlier one closed, not before.

use crate::db::caseload::{self as q, Case, CaseFilter, CaseLine, NewCase, Tier, TierChangeLine, Worker};
use crate::db::{self, Conn};
use crate::domain::dates;
use crate::domain::service::ServiceNames;
use crate::domain::trust::{self, Applied, Comparison, Rules, Tracker, Verdict};
use crate::error::{closest, invalid, not_found, suggestion, RowError};
use crate::value::names::CaseOutcome;
use crate::value::Date;
use anyhow::Result;
use chrono::Datelike;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Full-time weekly hours, the default capacity of a worker.
pub const FULL_TIME_HOURS: f64 = 37.5;

// ------------------------------------------------------------------ values

/// A number of hours a week: more than 0, at most 168, at most two decimal
/// places (`37.5`, `22.5`, `2.5`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Hours(pub f64);

pub const HOURS_FORMS: &str = "a number of hours a week such as 37.5 (full time), 22.5 or 2.5";

impl FromStr for Hours {
    type Err = String;

    fn from_str(s: &str) -> Result<Hours, String> {
        let t = s.trim();
        let t = t.strip_suffix('h').unwrap_or(t).trim();
        let ok = !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit() || c == '.')
            && t.matches('.').count() <= 1
            && t.split('.').nth(1).map_or(true, |d| d.len() <= 2)
            && !t.starts_with('.');
        let h: f64 = if ok { t.parse().map_err(|_| String::new())? } else { f64::NAN };
        if !h.is_finite() {
            return Err(format!("{s:?} is not {HOURS_FORMS}"));
        }
        if h <= 0.0 || h > 168.0 {
            return Err(format!("{s:?} hours is out of range: give more than 0 and at most 168 (hours in a week)"));
        }
        Ok(Hours(h))
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which case a command is about: its ref, or `#<id>` for a case without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseId {
    Ref(String),
    Id(i64),
}

impl FromStr for CaseId {
    type Err = String;

    fn from_str(s: &str) -> Result<CaseId, String> {
        let t = s.trim();
        if let Some(n) = t.strip_prefix('#') {
            return n.parse::<i64>().ok().filter(|n| *n > 0).map(CaseId::Id).ok_or_else(|| {
                format!("{s:?} is not a case: give the case ref (e.g. C-0001) or # and its id (e.g. #12)")
            });
        }
        check_case_ref(t).map(|_| CaseId::Ref(t.to_string()))
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseId::Ref(r) => f.write_str(r),
            CaseId::Id(i) => write!(f, "#{i}"),
        }
    }
}

/// The key of a case in messages and the audit log: its ref, or `#id`.
/// Never the client_ref.
pub fn case_key(ref_: Option<&str>, id: i64) -> String {
    match ref_ {
        Some(r) => r.to_string(),
        None => format!("#{id}"),
    }
}

/// A case ref: 1 to 64 letters, digits, `-`, `_`, `/` or `.`, not starting
/// with `#` (which marks an id).
pub fn check_case_ref(s: &str) -> Result<(), String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("a case ref cannot be empty".into());
    }
    if t.len() > 64 {
        return Err("a case ref is at most 64 characters".into());
    }
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')) {
        return Err(format!("{t:?} is not a case ref: use letters, digits, - _ / and . only (e.g. C-0001)"));
    }
    Ok(())
}

/// A worker code such as KW01: 1 to 16 letters, digits, `-` or `_`.
pub fn check_worker_code(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 16 || !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
        return Err(format!(
            "{t:?} is not a worker code: use 1 to 16 letters, digits, - or _ (e.g. KW01); a code is enough, no name is needed"
        ));
    }
    Ok(t.to_string())
}

/// A tier code: T followed by a number (T1, T2, T3, T4...). Lower case is
/// accepted and written in upper case.
pub fn check_tier_code(s: &str) -> Result<String, String> {
    let t = s.trim().to_ascii_uppercase();
    let ok = t.len() >= 2 && t.len() <= 4 && t.starts_with('T') && t[1..].chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(format!("{s:?} is not a tier: write T and a number, e.g. T1, T2, T3"));
    }
    Ok(t)
}

// ------------------------------------------------------------------ rules

/// The closing rules: closed on or after opening and on or after the last
/// tier change; an outcome is required; a reason or outcome without a
/// closing date is refused.
pub fn check_closure(
    opened_on: Date,
    last_change: Option<Date>,
    closed_on: Option<Date>,
    reason: Option<&str>,
    outcome: Option<CaseOutcome>,
) -> Result<(), RowError> {
    dates::happened(opened_on).map_err(|m| RowError::new("opened_on", m))?;
    if let Some(c) = closed_on {
        dates::happened(c).map_err(|m| RowError::new("closed_on", m))?;
    }
    let Some(closed) = closed_on else {
        if reason.is_some() {
            return Err(RowError::new(
                "close_reason",
                "a close reason is given but no closed_on date; give both or neither",
            ));
        }
        if outcome.is_some() {
            return Err(RowError::new("outcome", "an outcome is given but no closed_on date; give both or neither"));
        }
        return Ok(());
    };
    if closed < opened_on {
        return Err(RowError::new(
            "closed_on",
            format!("the case cannot close on {closed}, before it opened on {opened_on}"),
        ));
    }
    if let Some(last) = last_change.filter(|l| *l > closed) {
        return Err(RowError::new(
            "closed_on",
            format!("the case cannot close on {closed}: its tier changes on {last}, after that"),
        ));
    }
    if outcome.is_none() {
        return Err(RowError::new(
            "outcome",
            format!("a closed case needs an outcome: one of {}", CaseOutcome::names()),
        ));
    }
    Ok(())
}

/// The retiering rules: on or after opening, after the last change, not
/// after closing, and to a different tier.
pub fn check_retier(
    opened_on: Date,
    closed_on: Option<Date>,
    history: &[(Date, String)],
    from: Date,
    tier: &str,
) -> Result<(), RowError> {
    dates::happened(from).map_err(|m| RowError::new("from_on", m))?;
    if from < opened_on {
        return Err(RowError::new(
            "from_on",
            format!("a tier change on {from} is before the case opened on {opened_on}"),
        ));
    }
    if let Some(closed) = closed_on.filter(|c| from > *c) {
        return Err(RowError::new("from_on", format!("a tier change on {from} is after the case closed on {closed}")));
    }
    if let Some((last, last_tier)) = history.last() {
        if from <= *last {
            let what = if *last == opened_on { "it opened at" } else { "it changed to" };
            return Err(RowError::new(
                "from_on",
                format!(
                    "a tier change must come after the last one: on {last} {what} {last_tier}; give a date after {last}"
                ),
            ));
        }
        if last_tier == tier {
            return Err(RowError::new("tier", format!("the case is already at {tier} (since {last})")));
        }
    }
    Ok(())
}

/// The tier on `on` from a history sorted by date.
pub fn tier_in_history(history: &[(Date, String)], on: Date) -> Option<&str> {
    history.iter().rev().find(|(from, _)| *from <= on).map(|(_, t)| t.as_str())
}

// ---------------------------------------------------------------- lookups

/// Workers, services and tiers held in memory for a command or an import,
/// with clients added as they are seen.
pub struct Lookups {
    workers: HashMap<String, (i64, String, bool)>,
    worker_codes: Vec<String>,
    services: ServiceNames,
    tiers: HashMap<String, f64>,
    tier_codes: Vec<String>,
    /// Clients by ref as they are met, at most `CLIENT_CACHE_CAP` of them.
    clients: crate::domain::client::Clients,
    /// The records this import has touched (see `domain::trust`).
    pub tracker: Tracker,
    /// The line of the import row being recorded (0 outside imports).
    pub line: u64,
}

impl Lookups {
    /// The code of worker `id`, for listing changes.
    fn worker_code(&self, id: i64) -> String {
        self.workers.values().find(|(i, _, _)| *i == id).map(|(_, c, _)| c.clone()).unwrap_or_default()
    }

    pub fn load(conn: &Conn) -> Result<Lookups> {
        let ws = q::workers(conn)?;
        let ts = q::tiers(conn)?;
        Ok(Lookups {
            workers: ws.iter().map(|w| (w.code.to_lowercase(), (w.id, w.code.clone(), w.active))).collect(),
            worker_codes: ws.into_iter().map(|w| w.code).collect(),
            services: ServiceNames::load(conn)?,
            tiers: ts.iter().map(|t| (t.code.clone(), t.hours_per_week)).collect(),
            tier_codes: ts.into_iter().map(|t| t.code).collect(),
            clients: crate::domain::client::Clients::lazy(),
            tracker: Tracker::new(Rules::default()),
            line: 0,
        })
    }

    /// (id, code, active) of a worker.
    pub fn worker(&self, code: &str) -> Result<(i64, &str, bool), RowError> {
        self.workers
            .get(&code.trim().to_lowercase())
            .map(|(id, c, a)| (*id, c.as_str(), *a))
            .ok_or_else(|| RowError::new("worker", unknown_worker(code, &self.worker_codes)))
    }

    /// (id, name) of a service.
    pub fn service(&self, name: &str) -> Result<(i64, &str), RowError> {
        self.services.get(name).map_err(|m| RowError::new("service", m))
    }

    /// The tier's code as stored.
    pub fn tier(&self, code: &str) -> Result<&str, RowError> {
        let up = code.trim().to_ascii_uppercase();
        self.tier_codes.iter().find(|t| **t == up).map(String::as_str).ok_or_else(|| {
            RowError::new(
                "tier",
                super::unknown(
                    "tier",
                    code,
                    &format!(
                        ": the tiers are {}; add one with `pathway caseload tier set`",
                        self.tier_codes.join(", ")
                    ),
                ),
            )
        })
    }

    pub fn tier_hours(&self, code: &str) -> f64 {
        self.tiers.get(code).copied().unwrap_or(0.0)
    }

    /// A client's id if recorded (cached).
    fn client(&mut self, conn: &Conn, client_ref: &str) -> Result<Option<i64>> {
        self.clients.id(conn, client_ref)
    }

    fn client_or_insert(&mut self, conn: &Conn, client_ref: &str) -> Result<i64> {
        Ok(self.clients.id_or_insert(conn, client_ref)?.0)
    }
}

// ------------------------------------------------------------------ cases

/// One case as given on the command line or in an import row.
#[derive(Debug, Clone, Copy)]
pub struct CaseInput<'a> {
    pub client_ref: &'a str,
    pub worker: &'a str,
    pub service: &'a str,
    /// The tier at opening.
    pub tier: &'a str,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub close_reason: Option<&'a str>,
    pub outcome: Option<CaseOutcome>,
    pub ref_: Option<&'a str>,
}

/// Whether a case that is already recorded may be updated (import) or is an
/// error (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Open,
    Import,
}

fn describe(c: &Case) -> String {
    let key = case_key(c.ref_.as_deref(), c.id);
    match c.closed_on {
        Some(cl) => format!("case {key}, {} to {cl}", c.opened_on),
        None => format!("case {key}, open since {}", c.opened_on),
    }
}

/// A case row's names resolved to what is recorded, once: its worker,
/// service, tier and (when she is known) the woman.
struct Resolved {
    worker_id: i64,
    worker_code: String,
    worker_active: bool,
    service_id: i64,
    service: String,
    tier: String,
    client_id: Option<i64>,
}

/// Return early with a row's problem.
macro_rules! check {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return Ok(Err(f)),
        }
    };
}

/// The rules of a row's own values, and its names looked up.
fn resolve(conn: &Conn, lk: &mut Lookups, c: &CaseInput<'_>) -> Result<Result<Resolved, RowError>> {
    // Never echo the client_ref itself in a message.
    check!(crate::domain::client::check_ref(c.client_ref).map_err(|m| {
        let shown = format!("{:?}", c.client_ref.trim());
        RowError::new("client_ref", m.replace(&shown, "the value"))
    }));
    let (worker_id, worker_code, worker_active) = check!(lk.worker(c.worker));
    let worker_code = worker_code.to_string();
    let (service_id, service) = check!(lk.service(c.service));
    let service = service.to_string();
    let tier = check!(lk.tier(c.tier)).to_string();
    if let Some(r) = c.ref_ {
        check!(check_case_ref(r).map_err(|m| RowError::new("ref", m)));
    }
    let client_id = lk.client(conn, c.client_ref.trim())?;
    Ok(Ok(Resolved { worker_id, worker_code, worker_active, service_id, service, tier, client_id }))
}

/// Record one case: check every rule, then write it (and a new client_ref
/// when the woman is new). Nothing is written for a refused case.
/// Returns what happened and the case's key.
pub fn record(
    conn: &Conn,
    lk: &mut Lookups,
    c: &CaseInput<'_>,
    mode: Mode,
) -> Result<Result<(Applied, String), RowError>> {
    let r = check!(resolve(conn, lk, c)?);
    // Is this case recorded already?
    let by_ref = match c.ref_ {
        Some(x) => q::case_by_ref(conn, x.trim())?,
        None => None,
    };
    let existing = match (&by_ref, r.client_id) {
        (Some(_), _) => by_ref.clone(),
        (None, Some(cid)) => q::case_by_key(conn, cid, r.service_id, c.opened_on)?,
        (None, None) => None,
    };
    if let Some(old) = existing {
        if mode == Mode::Open {
            let col = if by_ref.is_some() { "ref" } else { "opened_on" };
            return Ok(Err(RowError::new(
                col,
                format!(
                    "{} is already recorded; use `pathway caseload retier` or `close` to change it",
                    describe(&old)
                ),
            )));
        }
        return update(conn, lk, c, old, by_ref.is_some(), &r);
    }
    if mode == Mode::Import {
        check!(check_new_refs(conn, c, r.client_id)?);
    }
    insert(conn, lk, c, &r)
}

/// A new case's ref and client_ref are not ones a spreadsheet damaged.
fn check_new_refs(conn: &Conn, c: &CaseInput<'_>, client_id: Option<i64>) -> Result<Result<(), RowError>> {
    if let Some(r) = c.ref_.map(str::trim) {
        if let Some(known) = spreadsheet_original(conn, r)? {
            return Ok(Err(RowError::new("ref", trust::damaged_ref_message(r, "case", &known))));
        }
    }
    if client_id.is_none() && crate::domain::client::spreadsheet_damaged(conn, c.client_ref)? {
        return Ok(Err(RowError::new("client_ref", trust::damaged_client_ref_message())));
    }
    Ok(Ok(()))
}

/// Check and write a case not recorded before.
fn insert(
    conn: &Conn,
    lk: &mut Lookups,
    c: &CaseInput<'_>,
    r: &Resolved,
) -> Result<Result<(Applied, String), RowError>> {
    if !r.worker_active && c.closed_on.is_none() {
        return Ok(Err(inactive_fault(&r.worker_code)));
    }
    check!(check_closure(c.opened_on, None, c.closed_on, c.close_reason, c.outcome));
    if let Some(cid) = r.client_id {
        if let Some(other) = q::overlapping(conn, cid, r.service_id, c.opened_on, c.closed_on, None)? {
            return Ok(Err(overlap_fault(&other, &r.service, c.opened_on, c.closed_on.is_none())));
        }
    }
    let client_id = lk.client_or_insert(conn, c.client_ref.trim())?;
    let id = q::insert_case(
        conn,
        &NewCase {
            ref_: c.ref_.map(str::trim),
            client_id,
            worker_id: r.worker_id,
            service_id: r.service_id,
            opened_on: c.opened_on,
            closed_on: c.closed_on,
            close_reason: c.close_reason,
            outcome: c.outcome,
            tier: &r.tier,
        },
    )?;
    let key = case_key(c.ref_.map(str::trim), id);
    let line = lk.line;
    lk.tracker.created(line, id, "case", || key.clone());
    Ok(Ok((Applied::New, key)))
}

/// The recorded case ref a spreadsheet could have turned `given` into.
fn spreadsheet_original(conn: &Conn, given: &str) -> Result<Option<String>> {
    let originals = trust::spreadsheet_originals(given);
    if originals.is_empty() || q::case_by_ref(conn, given)?.is_some() {
        return Ok(None);
    }
    for o in originals {
        if q::case_by_ref(conn, &o)?.is_some() {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

fn inactive_fault(code: &str) -> RowError {
    RowError::new(
        "worker",
        format!(
            "worker {code} is marked inactive and cannot take an open case; reactivate with `pathway caseload worker edit {code} --active` or give another worker"
        ),
    )
}

/// The episode `other` overlaps the case opening on `opened_on`: say
/// whether it is an earlier or a later one, and what would fix it.
fn overlap_fault(other: &Case, service: &str, opened_on: Date, new_is_open: bool) -> RowError {
    if other.opened_on > opened_on {
        RowError::new(
            "closed_on",
            format!(
                "this case would overlap a later episode of the same client at {service} ({}); a case that opens before it closes on or before the day it opened, {}",
                describe(other),
                other.opened_on
            ),
        )
    } else if other.closed_on.is_none() && new_is_open {
        RowError::new(
            "client_ref",
            format!(
                "this client already has an open case at {service} ({}); close it first with `pathway caseload close`",
                describe(other)
            ),
        )
    } else {
        RowError::new(
            "opened_on",
            format!(
                "this case would overlap an earlier episode of the same client at {service} ({}); a new case opens on or after the day the earlier one closed",
                describe(other)
            ),
        )
    }
}

/// A row that matched recorded case `old` (by its ref when
/// `matched_by_ref`, else by client, service and opening day): checked
/// against it, then written if it changes anything.
fn update(
    conn: &Conn,
    lk: &mut Lookups,
    c: &CaseInput<'_>,
    old: Case,
    matched_by_ref: bool,
    r: &Resolved,
) -> Result<Result<(Applied, String), RowError>> {
    let key = case_key(old.ref_.as_deref(), old.id);
    check!(check_identity(c, &old, &key, matched_by_ref, r));
    let history = q::tier_history(conn, old.id)?;
    // A closed case is never reopened by an import, --allow-clear or not
    // (unless an earlier row of the same file is what closed it).
    if let (Some(was), None, None) = (old.closed_on, c.closed_on, lk.tracker.first_line(old.id)) {
        return Ok(Err(reopen_fault(&key, was)));
    }
    if check!(compare_case(lk, c, &old, &key, &history, r)) == Verdict::Repeated {
        return Ok(Ok((Applied::Repeated, key)));
    }
    if let (Some(was), None) = (old.closed_on, c.closed_on) {
        return Ok(Err(reopen_fault(&key, was)));
    }
    if !r.worker_active && old.closed_on.is_none() && c.closed_on.is_none() && r.worker_id != old.worker_id {
        return Ok(Err(inactive_fault(c.worker.trim())));
    }
    let last_change = history.last().map(|(d, _)| *d);
    check!(check_closure(old.opened_on, last_change, c.closed_on, c.close_reason, c.outcome));
    if let (Some(closing), true) = (c.closed_on, c.closed_on != old.closed_on) {
        check!(crate::domain::assessment::check_closing(conn, old.id, &key, closing)?);
    }
    if c.closed_on != old.closed_on {
        if let Some(other) =
            q::overlapping(conn, old.client_id, old.service_id, old.opened_on, c.closed_on, Some(old.id))?
        {
            return Ok(Err(overlap_fault(&other, &r.service, old.opened_on, c.closed_on.is_none())));
        }
    }
    let opening_tier_changed = history.first().is_some_and(|(_, t)| *t != r.tier);
    write_update(conn, c, old, key, opening_tier_changed, r)
}

/// What a case is (its client, service and opening day; its ref once
/// given) is never changed by an import.
fn check_identity(
    c: &CaseInput<'_>,
    old: &Case,
    key: &str,
    matched_by_ref: bool,
    r: &Resolved,
) -> Result<(), RowError> {
    if matched_by_ref {
        if r.client_id != Some(old.client_id) {
            return Err(RowError::new("client_ref", format!("case {key} is recorded for a different client_ref")));
        }
        if r.service_id != old.service_id || c.opened_on != old.opened_on {
            return Err(RowError::new(
                "ref",
                format!(
                    "case {key} is recorded at another service or with another opening day ({}); an import cannot move a case",
                    old.opened_on
                ),
            ));
        }
    } else if let (Some(given), Some(old_ref)) = (c.ref_, old.ref_.as_deref()) {
        return Err(RowError::new(
            "ref",
            format!(
                "this client already has a case at {} opened on {} with the ref {old_ref}, not {:?}",
                r.service,
                old.opened_on,
                given.trim()
            ),
        ));
    }
    Ok(())
}

fn reopen_fault(key: &str, was: Date) -> RowError {
    RowError::new(
        "closed_on",
        format!("case {key} was closed on {was}; an import does not reopen a case: open a new case instead"),
    )
}

/// The row against the recorded case, through the import's tracker (no
/// blanking, in-file conflicts, repeats).
fn compare_case(
    lk: &mut Lookups,
    c: &CaseInput<'_>,
    old: &Case,
    key: &str,
    history: &[(Date, String)],
    r: &Resolved,
) -> Result<Verdict, RowError> {
    fn s<T: ToString>(o: Option<T>) -> Option<String> {
        o.map(|x| x.to_string())
    }
    let mut cmp = Comparison::new("case", key.to_string(), "");
    cmp.value("worker", Some(lk.worker_code(old.worker_id)), Some(lk.worker_code(r.worker_id)))
        .value("tier", history.first().map(|(_, t)| t.clone()), Some(r.tier.clone()))
        .value("closed_on", s(old.closed_on), s(c.closed_on))
        .value("close_reason", old.close_reason.clone(), c.close_reason.map(str::to_string))
        .value("outcome", s(old.outcome), s(c.outcome));
    let line = lk.line;
    lk.tracker.matched(line, old.id, &cmp).map_err(|e| {
        let column = ["worker", "tier", "closed_on", "close_reason", "outcome"]
            .into_iter()
            .find(|c| *c == e.column)
            .unwrap_or("ref");
        RowError::new(column, e.message)
    })
}

/// Write a checked row over case `old`, if it changes anything.
fn write_update(
    conn: &Conn,
    c: &CaseInput<'_>,
    old: Case,
    key: String,
    opening_tier_changed: bool,
    r: &Resolved,
) -> Result<Result<(Applied, String), RowError>> {
    let new = Case {
        ref_: old.ref_.clone().or_else(|| c.ref_.map(|x| x.trim().to_string())),
        worker_id: r.worker_id,
        closed_on: c.closed_on,
        close_reason: c.close_reason.map(str::to_string),
        outcome: c.outcome,
        ..old.clone()
    };
    if new == old && !opening_tier_changed {
        return Ok(Ok((Applied::Unchanged, key)));
    }
    if new != old {
        q::update_case(conn, &new)?;
    }
    if opening_tier_changed {
        q::set_tier_change(conn, old.id, old.opened_on, &r.tier)?;
    }
    Ok(Ok((Applied::Updated, case_key(new.ref_.as_deref(), new.id))))
}

/// Find a case by its ref or `#id`.
pub fn find(conn: &Conn, id: &CaseId) -> Result<Case> {
    lookup(conn, id)?.ok_or_else(|| not_found(unknown_case(id)))
}

/// The case with this ref or `#id`, if it is recorded: the one lookup of a
/// case, for commands (`find`) and imports.
pub fn lookup(conn: &Conn, id: &CaseId) -> Result<Option<Case>> {
    match id {
        CaseId::Ref(r) => q::case_by_ref(conn, r),
        CaseId::Id(i) => q::case_by_id(conn, *i),
    }
}

/// "no case 'C-0009'; ...": the one lookup message of a case, for commands
/// and imports.
pub fn unknown_case(id: &CaseId) -> String {
    super::unknown("case", &id.to_string(), "; `pathway caseload list` shows the cases (a case without a ref is #<id>)")
}

/// "no worker with code 'KW6'; did you mean 'KW06'?": the one lookup
/// message of a key worker, for commands and imports.
fn unknown_worker(code: &str, known: &[String]) -> String {
    let known = known.iter().map(String::as_str);
    let hint = match closest(code.trim(), known.clone()) {
        Some(k) => format!("; did you mean '{k}'?"),
        None => format!("{}; add workers with `pathway caseload worker add`", suggestion(code, known)),
    };
    super::unknown("worker with code", code, &hint)
}

/// Open a case (`pathway caseload open`): one transaction with its audit row.
pub fn open(conn: &mut Conn, c: &CaseInput<'_>, command: &str) -> Result<String> {
    dates::check_option("opened_on", c.opened_on)?;
    if let Some(d) = c.closed_on {
        dates::check_option("closed_on", d)?;
    }
    db::tx::write(conn, |tx| {
        let mut lk = Lookups::load(tx)?;
        let (_, key) = record(tx, &mut lk, c, Mode::Open)?.map_err(RowError::into_error)?;
        let (_, service) = lk.service(c.service).map_err(RowError::into_error)?;
        let detail = format!(
            "worker {}, service {service}, tier {}, opened {}",
            c.worker.trim(),
            c.tier.trim().to_ascii_uppercase(),
            c.opened_on
        );
        db::tx::audit(tx, command, "case", Some(&key), "open", Some(&detail))?;
        Ok(key)
    })
}

/// Change a case's tier from a day on (`pathway caseload retier`).
pub fn retier(conn: &mut Conn, id: &CaseId, tier: &str, from: Date, command: &str) -> Result<String> {
    dates::check_option("from_on", from)?;
    db::tx::write(conn, |tx| {
        let case = find(tx, id)?;
        let lk = Lookups::load(tx)?;
        let tier = lk.tier(tier).map_err(RowError::into_error)?.to_string();
        let history = q::tier_history(tx, case.id)?;
        let key = case_key(case.ref_.as_deref(), case.id);
        check_retier(case.opened_on, case.closed_on, &history, from, &tier)
            .map_err(|f| invalid(format!("case {key}: {}", f.message)))?;
        q::insert_tier_change(tx, case.id, from, &tier)?;
        let previous = history.last().map(|(_, t)| t.as_str()).unwrap_or("none");
        db::tx::audit(tx, command, "case", Some(&key), "retier", Some(&format!("{previous} to {tier} from {from}")))?;
        Ok(key)
    })
}

/// Close a case (`pathway caseload close`).
pub fn close(
    conn: &mut Conn,
    id: &CaseId,
    closed_on: Date,
    reason: Option<&str>,
    outcome: CaseOutcome,
    command: &str,
) -> Result<String> {
    dates::check_option("closed_on", closed_on)?;
    db::tx::write(conn, |tx| {
        let case = find(tx, id)?;
        let key = case_key(case.ref_.as_deref(), case.id);
        if let Some(c) = case.closed_on {
            return Err(invalid(format!("case {key} is already closed (on {c})")));
        }
        let history = q::tier_history(tx, case.id)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        check_closure(case.opened_on, history.last().map(|(d, _)| *d), Some(closed_on), reason, Some(outcome))
            .map_err(|f| invalid(format!("case {key}: {}", f.message)))?;
        crate::domain::assessment::check_closing(tx, case.id, &key, closed_on)?.map_err(RowError::into_error)?;
        let new = Case {
            closed_on: Some(closed_on),
            close_reason: reason.map(str::to_string),
            outcome: Some(outcome),
            ..case
        };
        q::update_case(tx, &new)?;
        db::tx::audit(
            tx,
            command,
            "case",
            Some(&key),
            "close",
            Some(&format!("closed {closed_on}, outcome {outcome}")),
        )?;
        Ok(key)
    })
}

/// What to list (`pathway caseload list`), by name; resolved with typo
/// checks.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub worker: Option<String>,
    pub service: Option<String>,
    pub tier: Option<String>,
    pub client_ref: Option<String>,
    pub open: Option<bool>,
    pub as_of: Option<Date>,
}

/// Cases matching `opts`, one at a time.
pub fn list(conn: &Conn, opts: &ListOptions, each: impl FnMut(CaseLine) -> Result<()>) -> Result<()> {
    let lk = Lookups::load(conn)?;
    let mut f = CaseFilter { open: opts.open, as_of: opts.as_of, ..CaseFilter::default() };
    if let Some(w) = &opts.worker {
        f.worker_id = Some(lk.worker(w).map_err(RowError::into_error)?.0);
    }
    if let Some(s) = &opts.service {
        f.service_id = Some(lk.service(s).map_err(RowError::into_error)?.0);
    }
    if let Some(t) = &opts.tier {
        f.tier = Some(lk.tier(t).map_err(RowError::into_error)?.to_string());
    }
    if let Some(c) = &opts.client_ref {
        match db::client::id(conn, c.trim())? {
            Some(id) => f.client_id = Some(id),
            None => return Ok(()), // an unknown client has no cases
        }
    }
    q::list_cases(conn, &f, each)
}

/// Every case for export (tier = the tier at opening).
pub fn export(conn: &Conn, each: impl FnMut(CaseLine) -> Result<()>) -> Result<()> {
    q::list_cases(conn, &CaseFilter::default(), each)
}

/// Every tier change after opening, for `caseload export --tiers`.
pub fn export_tier_changes(conn: &Conn, each: impl FnMut(TierChangeLine) -> Result<()>) -> Result<()> {
    q::list_tier_changes(conn, each)
}

/// One tier change as given in an import row.
#[derive(Debug, Clone, Copy)]
pub struct TierChangeInput<'a> {
    pub ref_: Option<&'a str>,
    pub client_ref: Option<&'a str>,
    pub service: Option<&'a str>,
    pub opened_on: Option<Date>,
    pub from: Date,
    pub tier: &'a str,
}

/// Record one tier change from an import row: the case by its ref, else by
/// client, service and opening day. A change already recorded with the same
/// tier is unchanged; with another tier it is updated.
pub fn record_tier_change(conn: &Conn, lk: &mut Lookups, t: &TierChangeInput<'_>) -> Result<Result<Applied, RowError>> {
    let tier = check!(lk.tier(t.tier)).to_string();
    let case = check!(tier_change_case(conn, lk, t)?);
    let key = case_key(case.ref_.as_deref(), case.id);
    if t.ref_.is_some() {
        check!(check_named_case(conn, lk, t, &case, &key)?);
    }
    // A tier row is the case's tier from a day: tracked under a key of its own.
    let from = t.from;
    let row_key = -((case.id << 24) + i64::from(from.0.num_days_from_ce()));
    let row_name = format!("{key} from {from}");
    let history = q::tier_history(conn, case.id)?;
    if let Some((_, recorded)) = history.iter().find(|(d, _)| *d == from) {
        let mut cmp = Comparison::new("tier change", row_name, "");
        cmp.value("tier", Some(recorded.clone()), Some(tier.clone()));
        let line = lk.line;
        match lk.tracker.matched(line, row_key, &cmp) {
            Err(e) => return Ok(Err(RowError::new("tier", e.message))),
            Ok(Verdict::Repeated) => return Ok(Ok(Applied::Repeated)),
            Ok(Verdict::Unchanged) => return Ok(Ok(Applied::Unchanged)),
            Ok(Verdict::Update) => {}
        }
        if from == case.opened_on {
            return Ok(Err(RowError::new(
                "from_on",
                "that is the case's opening day: its tier comes from the cases file",
            )));
        }
        q::set_tier_change(conn, case.id, from, &tier)?;
        return Ok(Ok(Applied::Updated));
    }
    check!(check_retier(case.opened_on, case.closed_on, &history, from, &tier));
    q::insert_tier_change(conn, case.id, from, &tier)?;
    let line = lk.line;
    lk.tracker.created(line, row_key, "tier change", || row_name);
    Ok(Ok(Applied::New))
}

/// The case a tier row names: by its ref, else by client, service and
/// opening day.
fn tier_change_case(conn: &Conn, lk: &mut Lookups, t: &TierChangeInput<'_>) -> Result<Result<Case, RowError>> {
    if let Some(r) = t.ref_.map(str::trim) {
        if let Some(c) = q::case_by_ref(conn, r)? {
            return Ok(Ok(c));
        }
        if let Some(known) = spreadsheet_original(conn, r)? {
            return Ok(Err(RowError::new("ref", trust::damaged_ref_message(r, "case", &known))));
        }
        return Ok(Err(RowError::new("ref", unknown_case(&CaseId::Ref(r.to_string())))));
    }
    let (Some(cr), Some(s), Some(o)) = (t.client_ref, t.service, t.opened_on) else {
        return Ok(Err(RowError::new("ref", "give the case ref, or client_ref, service and opened_on")));
    };
    let (sid, _) = check!(lk.service(s));
    let found = match lk.client(conn, cr.trim())? {
        Some(cid) => q::case_by_key(conn, cid, sid, o)?,
        None => None,
    };
    Ok(found.ok_or_else(|| {
        RowError::new("opened_on", format!("no case of this client at {s} opened on {o}; import the cases first"))
    }))
}

/// Named by its ref, a tier row's other columns must describe the same case.
fn check_named_case(
    conn: &Conn,
    lk: &mut Lookups,
    t: &TierChangeInput<'_>,
    case: &Case,
    key: &str,
) -> Result<Result<(), RowError>> {
    let mut cmp = Comparison::new(
        "case",
        key.to_string(),
        "give the ref of the case the tier change belongs to, or leave client_ref, service and opened_on empty",
    );
    let mut any = false;
    if let Some(cr) = t.client_ref {
        any = true;
        cmp.identity("client_ref", lk.client(conn, cr.trim())? == Some(case.client_id));
    }
    if let Some(sv) = t.service {
        any = true;
        let sid = lk.service(sv).map(|(i, _)| i).ok();
        cmp.identity("service", sid == Some(case.service_id));
    }
    if let Some(o) = t.opened_on {
        any = true;
        cmp.identity("opened_on", o == case.opened_on);
    }
    if any && !cmp.is_same() {
        // Judged apart from the tier row itself, under a key of its own.
        if let Err(e) = Tracker::new(lk.tracker.rules).matched(lk.line, 0, &cmp) {
            let column = ["client_ref", "service", "opened_on"].into_iter().find(|c| *c == e.column).unwrap_or("ref");
            return Ok(Err(RowError::new(column, e.message)));
        }
    }
    Ok(Ok(()))
}

// ------------------------------------------------------- workers and tiers

/// A worker as given to `worker add` or in a workers file.
#[derive(Debug, Clone)]
pub struct WorkerInput<'a> {
    pub code: &'a str,
    pub name: Option<&'a str>,
    pub capacity: Hours,
    pub active: bool,
}

/// Add a key worker.
pub fn add_worker(conn: &mut Conn, w: &WorkerInput<'_>, command: &str) -> Result<Worker> {
    let code = check_worker_code(w.code).map_err(invalid)?;
    db::tx::write(conn, |tx| {
        if let Some(old) = q::worker(tx, &code)? {
            return Err(invalid(format!(
                "there is already a worker {}; change it with `pathway caseload worker edit {}`",
                old.code, old.code
            )));
        }
        let name = w.name.map(str::trim).filter(|n| !n.is_empty());
        let id = q::insert_worker(tx, &code, name, w.capacity.0, w.active)?;
        db::tx::audit(tx, command, "worker", Some(&code), "add", Some(&format!("capacity {} hours", w.capacity)))?;
        Ok(Worker {
            id,
            code: code.clone(),
            name: name.map(str::to_string),
            capacity_hours: w.capacity.0,
            active: w.active,
        })
    })
}

/// Changes to a worker; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WorkerEdit {
    pub code: Option<String>,
    /// Some(None) removes the name.
    pub name: Option<Option<String>>,
    pub capacity: Option<Hours>,
    pub active: Option<bool>,
}

/// Change a worker. Making a worker inactive is allowed while they hold open
/// cases (they stay on the caseload until reassigned or closed), but they
/// cannot take new open cases.
pub fn edit_worker(conn: &mut Conn, code: &str, e: &WorkerEdit, command: &str) -> Result<Worker> {
    db::tx::write(conn, |tx| {
        let old = q::worker(tx, code)?.ok_or_else(|| {
            let known = q::worker_codes(tx).unwrap_or_default();
            not_found(unknown_worker(code, &known))
        })?;
        let mut w = old.clone();
        if let Some(c) = &e.code {
            let c = check_worker_code(c).map_err(invalid)?;
            if let Some(other) = q::worker(tx, &c)?.filter(|o| o.id != old.id) {
                return Err(invalid(format!("there is already a worker {}", other.code)));
            }
            w.code = c;
        }
        if let Some(n) = &e.name {
            w.name = n.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        }
        if let Some(h) = e.capacity {
            w.capacity_hours = h.0;
        }
        if let Some(a) = e.active {
            w.active = a;
        }
        if w != old {
            q::update_worker(tx, &w)?;
            let mut changed = Vec::new();
            if w.code != old.code {
                changed.push(format!("code was {}", old.code));
            }
            if w.name != old.name {
                changed.push("name".to_string());
            }
            if w.capacity_hours != old.capacity_hours {
                changed.push(format!("capacity {} hours", w.capacity_hours));
            }
            if w.active != old.active {
                changed.push(if w.active { "active" } else { "inactive" }.to_string());
            }
            db::tx::audit(tx, command, "worker", Some(&w.code), "edit", Some(&changed.join(", ")))?;
        }
        Ok(w)
    })
}

pub fn workers(conn: &Conn) -> Result<Vec<Worker>> {
    q::workers(conn)
}

/// Add or update one worker from an import row (matched on code).
pub fn record_worker(
    conn: &Conn,
    w: &WorkerInput<'_>,
    given: WorkerGiven,
    tracker: &mut Tracker,
    line: u64,
) -> Result<Result<Applied, RowError>> {
    let code = match check_worker_code(w.code) {
        Ok(c) => c,
        Err(m) => return Ok(Err(RowError::new("code", m))),
    };
    let name = w.name.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    match q::worker(conn, &code)? {
        None => {
            let id = q::insert_worker(conn, &code, name.as_deref(), w.capacity.0, w.active)?;
            tracker.created(line, id, "worker", || code.clone());
            Ok(Ok(Applied::New))
        }
        Some(old) => {
            let new = Worker {
                code,
                name,
                capacity_hours: if given.capacity { w.capacity.0 } else { old.capacity_hours },
                active: if given.active { w.active } else { old.active },
                ..old.clone()
            };
            let mut cmp = Comparison::new("worker", old.code.clone(), "");
            cmp.value("name", old.name.clone(), new.name.clone())
                .value("capacity_hours", Some(old.capacity_hours.to_string()), Some(new.capacity_hours.to_string()))
                .value("active", Some(yes_no(old.active)), Some(yes_no(new.active)));
            match tracker.matched(line, old.id, &cmp) {
                Err(e) => {
                    let column =
                        ["name", "capacity_hours", "active"].into_iter().find(|c| *c == e.column).unwrap_or("code");
                    Ok(Err(RowError::new(column, e.message)))
                }
                Ok(Verdict::Repeated) => Ok(Ok(Applied::Repeated)),
                Ok(_) if new == old => Ok(Ok(Applied::Unchanged)),
                Ok(_) => {
                    q::update_worker(conn, &new)?;
                    Ok(Ok(Applied::Updated))
                }
            }
        }
    }
}

/// Which of a worker row's cells with a default were given (an empty one
/// keeps what is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerGiven {
    pub capacity: bool,
    pub active: bool,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

pub fn tiers(conn: &Conn) -> Result<Vec<Tier>> {
    q::tiers(conn)
}

/// Add a tier or change its weekly hours (and description). Changing the
/// hours changes committed hours for every period, past ones included.
pub fn set_tier(
    conn: &mut Conn,
    code: &str,
    hours: Option<Hours>,
    description: Option<&str>,
    command: &str,
) -> Result<Tier> {
    let code = check_tier_code(code).map_err(crate::error::usage)?;
    db::tx::write(conn, |tx| {
        let old = q::tiers(tx)?.into_iter().find(|t| t.code == code);
        let hours = match (hours, &old) {
            (Some(h), _) => h.0,
            (None, Some(o)) => o.hours_per_week,
            (None, None) => return Err(invalid(format!("{code} is a new tier: give its weekly hours with --hours"))),
        };
        let description = match description {
            Some(d) => Some(d.trim().to_string()).filter(|d| !d.is_empty()),
            None => match &old {
                // A description in the default form follows the hours.
                Some(o) if o.description.as_deref() != Some(&default_description(&code, o.hours_per_week)) => {
                    o.description.clone()
                }
                _ => Some(default_description(&code, hours)),
            },
        };
        let t = Tier { code: code.clone(), hours_per_week: hours, description };
        q::upsert_tier(tx, &t)?;
        let detail = match &old {
            Some(o) => format!("hours {} to {}", o.hours_per_week, t.hours_per_week),
            None => format!("added, {} hours", t.hours_per_week),
        };
        db::tx::audit(tx, command, "tier", Some(&code), "set", Some(&detail))?;
        Ok(t)
    })
}

/// "Tier 2: 5 hours a week".
fn default_description(code: &str, hours: f64) -> String {
    format!("Tier {}: {hours} hours a week", &code[1..])
}

// ---------------------------------------------- figures for the reports

/// The tier of a case on a day (its latest change on or before the day), or
/// `None` if the case had not opened yet.
pub fn tier_on(conn: &Conn, case_id: i64, on: Date) -> Result<Option<String>> {
    q::tier_on(conn, case_id, on)
}

/// One worker's load on a day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorkerLoad {
    pub worker: String,
    pub name: Option<String>,
    pub active: bool,
    /// Open cases on the day by their tier on the day (only tiers with cases).
    pub cases_by_tier: Vec<(String, i64)>,
    pub open_cases: i64,
    /// Sum of the tier hours of the open cases.
    pub committed_hours: f64,
    pub capacity_hours: f64,
    /// committed ÷ capacity × 100, rounded to 1 place.
    pub utilisation_percent: f64,
    pub over_capacity: bool,
}

/// Committed hours per week of every worker on `on` (see the module notes
/// for the rules), by worker code.
pub fn load_on(conn: &Conn, on: Date) -> Result<Vec<WorkerLoad>> {
    let mut out: Vec<WorkerLoad> = Vec::new();
    for line in q::load_on(conn, on)? {
        if out.last().map_or(true, |l| l.worker != line.worker.code) {
            out.push(WorkerLoad {
                worker: line.worker.code.clone(),
                name: line.worker.name.clone(),
                active: line.worker.active,
                cases_by_tier: Vec::new(),
                open_cases: 0,
                committed_hours: 0.0,
                capacity_hours: line.worker.capacity_hours,
                utilisation_percent: 0.0,
                over_capacity: false,
            });
        }
        let l = out.last_mut().expect("pushed");
        if let Some(t) = line.tier {
            l.cases_by_tier.push((t, line.cases));
            l.open_cases += line.cases;
            l.committed_hours += line.hours_per_week;
        }
    }
    for l in &mut out {
        l.utilisation_percent = (l.committed_hours / l.capacity_hours * 1000.0).round() / 10.0;
        l.over_capacity = l.committed_hours > l.capacity_hours;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn an_import_holds_no_more_clients_than_the_cap() {
        use crate::domain::client::CLIENT_CACHE_CAP;
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::db::open(&dir.path().join("t.db"), crate::db::Open::Create).unwrap();
        crate::db::tx::write(&mut db.conn, |tx| {
            let mut lk = Lookups::load(tx)?;
            let client_ref = |i: usize| format!("BC-{i:07}");
            let first = lk.client_or_insert(tx, &client_ref(0))?;
            for i in 1..CLIENT_CACHE_CAP + 10 {
                lk.client_or_insert(tx, &client_ref(i))?;
                assert!(lk.clients.held() <= CLIENT_CACHE_CAP, "{} clients held", lk.clients.held());
            }
            // A client met before the cache was full, and one met after,
            // are still found, as the same clients.
            assert_eq!(lk.client(tx, &client_ref(0))?, Some(first));
            assert_eq!(lk.client_or_insert(tx, &client_ref(0))?, first);
            let last = lk.client(tx, &client_ref(CLIENT_CACHE_CAP + 9))?;
            assert!(last.is_some());
            assert_eq!(lk.client_or_insert(tx, &client_ref(CLIENT_CACHE_CAP + 9))?, last.unwrap());
            assert_eq!(lk.client(tx, "BC-9999999")?, None);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn hours_parse() {
        assert_eq!("37.5".parse::<Hours>(), Ok(Hours(37.5)));
        assert_eq!("22.5h".parse::<Hours>(), Ok(Hours(22.5)));
        assert_eq!("6".parse::<Hours>(), Ok(Hours(6.0)));
        for bad in ["", "0", "-1", "abc", "169", "1.234", ".5", "1e3", "NaN", "inf"] {
            assert!(bad.parse::<Hours>().is_err(), "{bad}");
        }
    }

    #[test]
    fn case_ids() {
        assert_eq!("#12".parse::<CaseId>(), Ok(CaseId::Id(12)));
        assert_eq!("C-0001".parse::<CaseId>(), Ok(CaseId::Ref("C-0001".into())));
        assert!("#x".parse::<CaseId>().is_err());
        assert!("#0".parse::<CaseId>().is_err());
        assert!("C 1".parse::<CaseId>().is_err());
        assert_eq!(case_key(None, 7), "#7");
        assert_eq!(case_key(Some("C-1"), 7), "C-1");
    }

    #[test]
    fn codes() {
        assert_eq!(check_tier_code("t4"), Ok("T4".into()));
        assert!(check_tier_code("Tier 4").is_err());
        assert!(check_tier_code("T").is_err());
        assert_eq!(check_worker_code(" KW01 "), Ok("KW01".into()));
        assert!(check_worker_code("Key Worker").is_err());
    }

    #[test]
    fn closing_rules() {
        let o = d("2021-04-12");
        assert_eq!(check_closure(o, None, None, None, None), Ok(()));
        assert_eq!(check_closure(o, None, Some(o), None, Some(CaseOutcome::Positive)), Ok(()));
        assert_eq!(
            check_closure(o, None, Some(d("2021-04-11")), None, Some(CaseOutcome::Positive)).unwrap_err().column,
            "closed_on"
        );
        assert_eq!(check_closure(o, None, Some(d("2021-09-30")), Some("Moved"), None).unwrap_err().column, "outcome");
        assert_eq!(check_closure(o, None, None, Some("Moved"), None).unwrap_err().column, "close_reason");
        assert_eq!(check_closure(o, None, None, None, Some(CaseOutcome::Neutral)).unwrap_err().column, "outcome");
        let e = check_closure(o, Some(d("2021-06-01")), Some(d("2021-05-01")), None, Some(CaseOutcome::Negative))
            .unwrap_err();
        assert_eq!(e.message, "the case cannot close on 2021-05-01: its tier changes on 2021-06-01, after that");
    }

    #[test]
    fn retier_rules() {
        let o = d("2021-04-12");
        let h = vec![(o, "T1".to_string())];
        assert_eq!(check_retier(o, None, &h, d("2021-06-01"), "T3"), Ok(()));
        assert_eq!(check_retier(o, None, &h, d("2021-04-01"), "T3").unwrap_err().column, "from_on");
        assert_eq!(check_retier(o, None, &h, o, "T3").unwrap_err().column, "from_on");
        assert_eq!(check_retier(o, Some(d("2021-05-01")), &h, d("2021-06-01"), "T3").unwrap_err().column, "from_on");
        assert_eq!(check_retier(o, Some(d("2021-06-01")), &h, d("2021-06-01"), "T3"), Ok(()));
        assert_eq!(check_retier(o, None, &h, d("2021-06-01"), "T1").unwrap_err().column, "tier");
        let h2 = vec![(o, "T1".to_string()), (d("2021-06-01"), "T3".to_string())];
        assert!(check_retier(o, None, &h2, d("2021-05-15"), "T2").is_err());
        assert_eq!(check_retier(o, None, &h2, d("2021-07-01"), "T2"), Ok(()));
    }

    #[test]
    fn tier_history_lookup() {
        let h = vec![(d("2021-04-12"), "T1".to_string()), (d("2021-06-01"), "T3".to_string())];
        assert_eq!(tier_in_history(&h, d("2021-04-11")), None);
        assert_eq!(tier_in_history(&h, d("2021-04-12")), Some("T1"));
        assert_eq!(tier_in_history(&h, d("2021-05-31")), Some("T1"));
        assert_eq!(tier_in_history(&h, d("2021-06-01")), Some("T3"));
    }
}
