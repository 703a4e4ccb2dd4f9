//! Rules for decisions: the fields a Notice of Decision carries, its status
//! lifecycle, and the invariant that the grants under a decision never add
//! up to more than its amount.
//!
//! Lifecycle: a decision moves only along
//!
//! ```text
//! draft ──> submitted ──> approved | rejected | withdrawn
//!   └──────────────────────────────────────────> withdrawn
//! ```
//!
//! `approved` needs a decision date (`decided_on`), and only an approved or
//! rejected decision has one. A decision recorded with a date received starts
//! as `submitted` (the notice has reached the commissioner's office); one
//! recorded with a decision date starts as `approved`; otherwise `draft`.

use crate::db::{self, Conn, Tx};
use crate::domain::trust::{self, Applied, Comparison, Tracker, Verdict};
use crate::error::{self, RowError};
use crate::value::names::{DecisionStatus, GrantStatus, OrgKind, SpendType};
use crate::value::{Date, Pence, Period};
use anyhow::Result;
use std::fmt;
use std::str::FromStr;

/// A budget year written as a UK financial year, e.g. `2021/22`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BudgetYear(String);

impl BudgetYear {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The financial year as a period (1 April to 31 March).
    pub fn period(&self) -> Period {
        Period::financial_year(Period::parse_financial_year(&self.0).expect("checked when parsed"))
    }
}

impl fmt::Display for BudgetYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BudgetYear {
    type Err = String;

    /// `2021/22` (also `2021-22`): a financial year whose second part is the
    /// year after the first.
    fn from_str(s: &str) -> Result<BudgetYear, String> {
        let t = s.trim().replacen('-', "/", 1);
        match Period::parse_financial_year(&t) {
            Some(_) => Ok(BudgetYear(t)),
            None => Err(format!(
                "{s:?} is not a budget year; write a financial year like 2021/22 (April 2021 to March 2022)"
            )),
        }
    }
}

/// An officer's approval on a notice, e.g. `Chief Finance Officer=10/03/21`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Approval {
    pub role: String,
    pub approved_on: Date,
}

impl fmt::Display for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.role, self.approved_on)
    }
}

impl FromStr for Approval {
    type Err = String;

    /// `ROLE=DATE`, e.g. `Chief Finance Officer=10/03/21`.
    fn from_str(s: &str) -> Result<Approval, String> {
        let form = "write ROLE=DATE, e.g. \"Chief Finance Officer=10/03/21\"";
        let Some((role, date)) = s.rsplit_once('=') else {
            return Err(format!("{s:?} is not an officer approval; {form}"));
        };
        let role = role.trim();
        if role.is_empty() {
            return Err(format!("{s:?} has no role before the '='; {form}"));
        }
        if role.contains(';') {
            return Err(format!("the role in {s:?} contains a ';', which separates approvals; {form}"));
        }
        let approved_on = date.trim().parse::<Date>().map_err(|e| format!("{e} (in the approval {s:?})"))?;
        Ok(Approval { role: role.to_string(), approved_on })
    }
}

/// Approvals as one text field: `Chief Finance Officer=2021-03-10;Chief Executive=2021-03-15`.
pub fn parse_approvals(s: &str) -> Result<Vec<Approval>, String> {
    let mut out: Vec<Approval> = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let a: Approval = part.parse()?;
        if out.iter().any(|o| o.role.eq_ignore_ascii_case(&a.role)) {
            return Err(format!("the role {:?} is given twice", a.role));
        }
        out.push(a);
    }
    out.sort();
    Ok(out)
}

/// A decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub reference: String,
    pub commissioner: String,
    pub title: String,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub received_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub status: DecisionStatus,
    pub amount: Pence,
    pub funding_source: Option<String>,
    pub spend_type: Option<SpendType>,
    pub budget_year: Option<BudgetYear>,
    pub confidential: bool,
    pub confidential_category: Option<String>,
    /// Sorted by role.
    pub approvals: Vec<Approval>,
}

/// The status a new decision starts in when none is given.
pub fn default_status(received_on: Option<Date>, decided_on: Option<Date>) -> DecisionStatus {
    match (received_on, decided_on) {
        (_, Some(_)) => DecisionStatus::Approved,
        (Some(_), None) => DecisionStatus::Submitted,
        (None, None) => DecisionStatus::Draft,
    }
}

/// The statuses a decision may move to from `from`.
pub fn next_statuses(from: DecisionStatus) -> &'static [DecisionStatus] {
    use DecisionStatus::*;
    match from {
        Draft => &[Submitted, Withdrawn],
        Submitted => &[Approved, Rejected, Withdrawn],
        Approved | Rejected | Withdrawn => &[],
    }
}

/// Whether a decision may move from `from` to `to`; the refusal says which
/// moves are allowed.
pub fn check_transition(reference: &str, from: DecisionStatus, to: DecisionStatus) -> Result<(), String> {
    if from == to || next_statuses(from).contains(&to) {
        return Ok(());
    }
    let next = next_statuses(from);
    if next.is_empty() {
        return Err(format!(
            "decision {reference} is {from}, which is final: its status cannot change to {to} \
             (statuses move draft → submitted → approved, rejected or withdrawn)"
        ));
    }
    let allowed: Vec<&str> = next.iter().map(|s| s.as_str()).collect();
    let hint = if from == DecisionStatus::Draft && matches!(to, DecisionStatus::Approved | DecisionStatus::Rejected) {
        format!(" (set it to submitted first: pathway decision set-status {reference} submitted)")
    } else {
        String::new()
    };
    Err(format!(
        "decision {reference} cannot move from {from} to {to}; from {from} it can move to {}{hint}",
        allowed.join(" or ")
    ))
}

/// The rules every decision must keep, whatever wrote it.
pub fn validate(d: &Decision) -> Result<(), RowError> {
    if d.reference.trim().is_empty() {
        return Err(RowError::new("ref", "a decision ref is required, e.g. 2021.021"));
    }
    if d.title.trim().is_empty() {
        return Err(RowError::new("title", "a title is required"));
    }
    if d.commissioner.trim().is_empty() {
        return Err(RowError::new("commissioner", "a commissioner is required, e.g. \"Nottinghamshire OPCC\""));
    }
    match (d.status, d.decided_on) {
        (DecisionStatus::Approved, None) => {
            return Err(RowError::new(
                "decided_on",
                format!("decision {} is approved, so it needs the date it was decided on", d.reference),
            ))
        }
        (DecisionStatus::Approved | DecisionStatus::Rejected, _) | (_, None) => {}
        (s, Some(date)) => {
            return Err(RowError::new(
                "decided_on",
                format!(
                "decision {} is {s} but has a decision date ({date}); only an approved or rejected decision has one",
                d.reference
            ),
            ))
        }
    }
    if let (Some(r), Some(dd)) = (d.received_on, d.decided_on) {
        if dd < r {
            return Err(RowError::new("decided_on", format!("the decision date {dd} is before the date received {r}")));
        }
    }
    if !d.confidential && d.confidential_category.is_some() {
        return Err(RowError::new(
            "confidential_category",
            "a confidential category is given but the decision is not marked confidential",
        ));
    }
    Ok(())
}

/// The grants under a decision must not add up to more than its amount.
/// `others` is the total of its other grants, `amount` the grant being
/// added or changed.
pub fn check_total(reference: &str, decision_amount: Pence, others: Pence, amount: Pence) -> Result<(), String> {
    let total = Pence(others.0 + amount.0);
    if total <= decision_amount {
        return Ok(());
    }
    let left = Pence((decision_amount.0 - others.0).max(0));
    Err(format!(
        "the grants under decision {reference} would total {}, {} more than its amount of {}; {} is left to grant",
        total.pretty(),
        Pence(total.0 - decision_amount.0).pretty(),
        decision_amount.pretty(),
        left.pretty()
    ))
}

/// A decision's amount may not drop below what is already granted under it.
pub fn check_amount_covers_grants(reference: &str, amount: Pence, granted: Pence) -> Result<(), String> {
    if amount >= granted {
        return Ok(());
    }
    Err(format!(
        "decision {reference} cannot be {}: its grants already total {}, {} more; reduce or remove grants first",
        amount.pretty(),
        granted.pretty(),
        Pence(granted.0 - amount.0).pretty()
    ))
}

/// What changed between two versions of a decision, as "field: old → new".
pub fn changes(old: &Decision, new: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name}: {} → {}", quoted(&a), quoted(&b)));
        }
    };
    fn opt<T: ToString>(o: &Option<T>) -> String {
        o.as_ref().map(|x| x.to_string()).unwrap_or_default()
    }
    if !old.commissioner.eq_ignore_ascii_case(&new.commissioner) {
        field("commissioner", old.commissioner.clone(), new.commissioner.clone());
    }
    field("title", old.title.clone(), new.title.clone());
    field("summary", opt(&old.summary), opt(&new.summary));
    field("author", opt(&old.author), opt(&new.author));
    field("received_on", opt(&old.received_on), opt(&new.received_on));
    field("decided_on", opt(&old.decided_on), opt(&new.decided_on));
    field("status", old.status.to_string(), new.status.to_string());
    field("amount", old.amount.plain(), new.amount.plain());
    field("funding_source", opt(&old.funding_source), opt(&new.funding_source));
    field("spend_type", opt(&old.spend_type), opt(&new.spend_type));
    field("budget_year", opt(&old.budget_year), opt(&new.budget_year));
    field("confidential", yes_no(old.confidential), yes_no(new.confidential));
    field("confidential_category", opt(&old.confidential_category), opt(&new.confidential_category));
    field("approvals", approvals_text(&old.approvals), approvals_text(&new.approvals));
    out
}

fn quoted(s: &str) -> String {
    if s.is_empty() {
        "(none)".into()
    } else if s.chars().count() > 60 {
        format!("{:?}…", s.chars().take(60).collect::<String>())
    } else {
        format!("{s:?}")
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// Approvals as one field, the form the import reads.
pub fn approvals_text(a: &[Approval]) -> String {
    a.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(";")
}

/// The row id and record of decision `reference`, or a not-found error that
/// suggests the closest known ref.
pub fn find(conn: &Conn, reference: &str) -> Result<(i64, Decision)> {
    match db::decision::get(conn, reference)? {
        Some(x) => Ok(x),
        None => Err(unknown(conn, reference)?),
    }
}

/// "no decision with ref 'X'; did you mean 'Y'?": the one lookup message
/// of a decision, for commands and imports.
pub fn unknown(conn: &Conn, reference: &str) -> Result<anyhow::Error> {
    Ok(error::not_found(unknown_message(conn, reference)?))
}

pub fn unknown_message(conn: &Conn, reference: &str) -> Result<String> {
    if let Some(known) = spreadsheet_original(conn, reference)? {
        return Ok(trust::damaged_ref_message(reference.trim(), "decision", &known));
    }
    let refs = db::decision::refs(conn)?;
    Ok(super::unknown("decision with ref", reference, &error::suggestion(reference, refs.iter().map(String::as_str))))
}

/// The recorded ref a spreadsheet could have turned `given` into (`2021.010`
/// for `2021.01`), when `given` itself is not recorded.
pub fn spreadsheet_original(conn: &Conn, given: &str) -> Result<Option<String>> {
    let originals = trust::spreadsheet_originals(given.trim());
    if originals.is_empty() || db::decision::get(conn, given)?.is_some() {
        return Ok(None);
    }
    for o in originals {
        if db::decision::get(conn, &o)?.is_some() {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

/// Which of a row's cells that always have a value were given (an empty
/// one keeps what is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Given {
    pub status: bool,
    pub confidential: bool,
}

/// A row compared with the decision it matched: the commissioner is what
/// the decision is; the other values may not be blanked.
pub fn compare(old: &Decision, new: &Decision) -> Comparison {
    fn s<T: ToString>(o: &Option<T>) -> Option<String> {
        o.as_ref().map(|x| x.to_string())
    }
    let how = format!("correct it with `pathway decision edit {}`", old.reference);
    let mut c = Comparison::new("decision", old.reference.clone(), how);
    c.identity("commissioner", old.commissioner.eq_ignore_ascii_case(&new.commissioner))
        .value("title", Some(old.title.clone()), Some(new.title.clone()))
        .value("summary", old.summary.clone(), new.summary.clone())
        .value("author", old.author.clone(), new.author.clone())
        .value("received_on", s(&old.received_on), s(&new.received_on))
        .value("decided_on", s(&old.decided_on), s(&new.decided_on))
        .value("status", Some(old.status.to_string()), Some(new.status.to_string()))
        .value("amount", Some(old.amount.plain()), Some(new.amount.plain()))
        .value("funding_source", old.funding_source.clone(), new.funding_source.clone())
        .value("spend_type", s(&old.spend_type), s(&new.spend_type))
        .value("budget_year", s(&old.budget_year), s(&new.budget_year))
        .value("confidential", Some(yes_no(old.confidential)), Some(yes_no(new.confidential)))
        .value("confidential_category", old.confidential_category.clone(), new.confidential_category.clone())
        .value("approvals", Some(approvals_text(&old.approvals)), Some(approvals_text(&new.approvals)));
    c
}

/// One row of `decision import`: matched on ref, judged by the import's
/// tracker (no re-pointing, no blanking, no in-file conflicts, no
/// spreadsheet-damaged refs), then written.
pub fn import_one(
    tx: &Tx,
    d: &Decision,
    given: Given,
    tracker: &mut Tracker,
    line: u64,
    command: &str,
) -> Result<Result<Applied, RowError>> {
    let mut d = d.clone();
    match db::decision::get(tx, &d.reference)? {
        None => {
            if let Some(known) = spreadsheet_original(tx, &d.reference)? {
                return Ok(Err(
                    RowError::new("ref", trust::damaged_ref_message(&d.reference, "decision", &known)).at(line)
                ));
            }
            let w = match write_one(tx, &d, Mode::Upsert, command)? {
                Ok(w) => w,
                Err(p) => return Ok(Err(p.at(line))),
            };
            if let Some((id, _)) = db::decision::get(tx, &d.reference)? {
                tracker.created(line, id, "decision", || d.reference.clone());
            }
            Ok(Ok(w.applied))
        }
        Some((id, old)) => {
            if !given.status {
                d.status = old.status;
            }
            if !given.confidential {
                d.confidential = old.confidential;
            }
            match tracker.matched(line, id, &compare(&old, &d)) {
                Err(e) => Ok(Err(e)),
                Ok(Verdict::Repeated) => Ok(Ok(Applied::Repeated)),
                Ok(_) => Ok(write_one(tx, &d, Mode::Upsert, command)?.map(|w| w.applied).map_err(|p| p.at(line))),
            }
        }
    }
}

/// How writing one decision went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub applied: Applied,
    pub changes: Vec<String>,
    /// Organisations recorded for the first time.
    pub new_orgs: Vec<String>,
}

/// Whether `write_one` may create, update, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `decision add`: the ref must be new.
    Add,
    /// `decision edit` / `set-status`: the ref must exist.
    Edit,
    /// Import: create or update, matched on ref.
    Upsert,
}

/// Check and write one decision inside the caller's transaction, with its
/// audit row. A `RowError` means nothing was written.
pub fn write_one(tx: &Tx, d: &Decision, mode: Mode, command: &str) -> Result<Result<Written, RowError>> {
    if let Err(p) = validate(d) {
        return Ok(Err(p));
    }
    let existing = db::decision::get(tx, &d.reference)?;
    match (&existing, mode) {
        (Some(_), Mode::Add) => {
            return Ok(Err(RowError::new(
                "ref",
                format!(
                    "a decision with ref {} is recorded already; use `pathway decision edit {}` to change it",
                    d.reference, d.reference
                ),
            )))
        }
        (None, Mode::Edit) => return Ok(Err(RowError::new("ref", unknown_message(tx, &d.reference)?))),
        _ => {}
    }
    if let Some((id, old)) = &existing {
        if old.status != d.status {
            if let Err(m) = check_transition(&d.reference, old.status, d.status) {
                return Ok(Err(RowError::new("status", m)));
            }
        }
        let granted = db::decision::granted(tx, *id)?;
        if let Err(m) = check_amount_covers_grants(&d.reference, d.amount, granted) {
            return Ok(Err(RowError::new("amount", m)));
        }
        let changed = changes(old, d);
        if changed.is_empty() {
            return Ok(Ok(Written { applied: Applied::Unchanged, changes: changed, new_orgs: vec![] }));
        }
        let mut new_orgs = Vec::new();
        let commissioner_id = org(tx, &d.commissioner, &mut new_orgs)?;
        db::decision::update(tx, *id, d, commissioner_id)?;
        db::decision::replace_approvals(tx, *id, &d.approvals)?;
        db::tx::audit(tx, command, "decision", Some(&d.reference), "update", Some(&changed.join("; ")))?;
        return Ok(Ok(Written { applied: Applied::Updated, changes: changed, new_orgs }));
    }
    let mut new_orgs = Vec::new();
    let commissioner_id = org(tx, &d.commissioner, &mut new_orgs)?;
    let id = db::decision::insert(tx, d, commissioner_id)?;
    db::decision::replace_approvals(tx, id, &d.approvals)?;
    let detail = format!("{} {} by {}, status {}", d.title, d.amount.pretty(), d.commissioner, d.status);
    db::tx::audit(tx, command, "decision", Some(&d.reference), "add", Some(&detail))?;
    Ok(Ok(Written { applied: Applied::New, changes: vec![], new_orgs }))
}

fn org(tx: &Tx, name: &str, new_orgs: &mut Vec<String>) -> Result<i64> {
    let (id, added) = db::org::id_or_insert(tx, name, OrgKind::Commissioner)?;
    if added {
        new_orgs.push(name.trim().to_string());
    }
    Ok(id)
}

/// `decision add`.
pub fn add(conn: &mut Conn, d: &Decision, command: &str) -> Result<Written> {
    db::tx::write(conn, |tx| write_one(tx, d, Mode::Add, command)?.map_err(RowError::into_error))
}

/// The changes `decision edit` can make; `None` leaves a field as it is,
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub commissioner: Option<String>,
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub author: Option<Option<String>>,
    pub received_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub amount: Option<Pence>,
    pub funding_source: Option<Option<String>>,
    pub spend_type: Option<SpendType>,
    pub budget_year: Option<BudgetYear>,
    pub confidential: Option<bool>,
    pub confidential_category: Option<Option<String>>,
    /// Added, or replacing the approval with the same role.
    pub approvals: Vec<Approval>,
    /// Roles whose approval is removed.
    pub remove_approvals: Vec<String>,
}

impl Edit {
    /// Apply to a decision (no checks: `validate` does them).
    pub fn apply(&self, d: &mut Decision) -> Result<(), RowError> {
        if let Some(v) = &self.commissioner {
            d.commissioner = v.trim().to_string();
        }
        if let Some(v) = &self.title {
            d.title = v.trim().to_string();
        }
        if let Some(v) = &self.summary {
            d.summary = v.clone();
        }
        if let Some(v) = &self.author {
            d.author = v.clone();
        }
        if let Some(v) = self.received_on {
            d.received_on = Some(v);
        }
        if let Some(v) = self.decided_on {
            d.decided_on = Some(v);
        }
        if let Some(v) = self.amount {
            d.amount = v;
        }
        if let Some(v) = &self.funding_source {
            d.funding_source = v.clone();
        }
        if let Some(v) = self.spend_type {
            d.spend_type = Some(v);
        }
        if let Some(v) = &self.budget_year {
            d.budget_year = Some(v.clone());
        }
        if let Some(v) = &self.confidential_category {
            d.confidential_category = v.clone();
            if v.is_some() && self.confidential.is_none() {
                d.confidential = true;
            }
        }
        if let Some(v) = self.confidential {
            d.confidential = v;
            if !v && self.confidential_category.is_none() {
                d.confidential_category = None;
            }
        }
        for role in &self.remove_approvals {
            let before = d.approvals.len();
            d.approvals.retain(|a| !a.role.eq_ignore_ascii_case(role.trim()));
            if d.approvals.len() == before {
                let roles: Vec<&str> = d.approvals.iter().map(|a| a.role.as_str()).collect();
                return Err(RowError::new(
                    "approvals",
                    format!(
                        "decision {} has no approval by {role:?}{}",
                        d.reference,
                        error::suggestion(role, roles.iter().copied())
                    ),
                ));
            }
        }
        for a in &self.approvals {
            d.approvals.retain(|o| !o.role.eq_ignore_ascii_case(&a.role));
            d.approvals.push(a.clone());
        }
        d.approvals.sort();
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.commissioner.is_none()
            && self.title.is_none()
            && self.summary.is_none()
            && self.author.is_none()
            && self.received_on.is_none()
            && self.decided_on.is_none()
            && self.amount.is_none()
            && self.funding_source.is_none()
            && self.spend_type.is_none()
            && self.budget_year.is_none()
            && self.confidential.is_none()
            && self.confidential_category.is_none()
            && self.approvals.is_empty()
            && self.remove_approvals.is_empty()
    }
}

/// `decision edit`: change fields (never the status: that is `set-status`).
pub fn edit(conn: &mut Conn, reference: &str, e: &Edit, command: &str) -> Result<Written> {
    if e.is_empty() {
        return Err(error::usage("nothing to change: give at least one option, e.g. --title or --amount"));
    }
    db::tx::write(conn, |tx| {
        let (_, mut d) = find(tx, reference)?;
        if e.decided_on.is_some() && !matches!(d.status, DecisionStatus::Approved | DecisionStatus::Rejected) {
            return Err(error::invalid(format!(
                "decision {reference} is {}; a decision date goes with approved or rejected \
                 (use `pathway decision set-status {reference} approved --date DATE`)",
                d.status
            )));
        }
        e.apply(&mut d).map_err(RowError::into_error)?;
        write_one(tx, &d, Mode::Edit, command)?.map_err(RowError::into_error)
    })
}

/// What `set-status` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub from: DecisionStatus,
    pub to: DecisionStatus,
    pub changed: bool,
}

/// `decision set-status REF STATUS [--date D]`: `date` is the decision date
/// for approved or rejected, the date received for submitted.
pub fn set_status(
    conn: &mut Conn,
    reference: &str,
    to: DecisionStatus,
    date: Option<Date>,
    command: &str,
) -> Result<StatusChange> {
    db::tx::write(conn, |tx| {
        let (_, mut d) = find(tx, reference)?;
        let from = d.status;
        if from == to {
            let same_date = match to {
                DecisionStatus::Approved | DecisionStatus::Rejected => date.is_none() || date == d.decided_on,
                DecisionStatus::Submitted => date.is_none() || date == d.received_on,
                _ => date.is_none(),
            };
            if !same_date {
                return Err(error::invalid(format!(
                    "decision {reference} is {to} already, with another date; correct dates with \
                     `pathway decision edit {reference} --decided DATE` or `--received DATE`"
                )));
            }
            return Ok(StatusChange { from, to, changed: false });
        }
        check_transition(reference, from, to).map_err(error::invalid)?;
        match to {
            DecisionStatus::Approved | DecisionStatus::Rejected => {
                if to == DecisionStatus::Approved && date.is_none() {
                    return Err(error::usage(format!(
                        "approving needs the decision date: add --date, e.g. \
                         `pathway decision set-status {reference} approved --date 16/3/21`"
                    )));
                }
                d.decided_on = date;
            }
            DecisionStatus::Submitted => {
                if date.is_some() {
                    d.received_on = date;
                }
            }
            DecisionStatus::Withdrawn | DecisionStatus::Draft => {
                if date.is_some() {
                    return Err(error::usage(format!(
                        "--date goes with submitted (the date received), approved or rejected (the decision date), not {to}"
                    )));
                }
            }
        }
        d.status = to;
        write_one(tx, &d, Mode::Edit, command)?.map_err(RowError::into_error)?;
        Ok(StatusChange { from, to, changed: true })
    })
}

/// Filters for `decision list` and `decision export` (status `S` a
/// `DecisionStatus`); with a `GrantStatus`, the part of `grant::Filter`
/// that is the same.
#[derive(Debug, Clone)]
pub struct Filter<S = DecisionStatus> {
    pub status: Option<S>,
    pub budget_year: Option<BudgetYear>,
    pub commissioner: Option<String>,
    pub recipient: Option<String>,
    /// Decisions decided or received in the period (for grants: whose
    /// start..end overlaps it).
    pub period: Option<Period>,
}

impl<S> Default for Filter<S> {
    fn default() -> Self {
        Filter { status: None, budget_year: None, commissioner: None, recipient: None, period: None }
    }
}

/// The filter with organisation names resolved to ids.
#[derive(Debug, Clone)]
pub struct ResolvedFilter<S = DecisionStatus> {
    pub status: Option<S>,
    pub budget_year: Option<String>,
    pub commissioner_id: Option<i64>,
    pub recipient_id: Option<i64>,
    pub period: Option<Period>,
}

/// An organisation by name, or a not-found error that suggests the closest.
pub fn org_id(conn: &Conn, name: &str, role: &str) -> Result<i64> {
    match db::org::id(conn, name)? {
        Some(id) => Ok(id),
        None => {
            let names = db::org::names(conn)?;
            let hint = error::suggestion(name, names.iter().map(String::as_str));
            Err(error::not_found(super::unknown(&format!("{role} called"), name, &hint)))
        }
    }
}

impl<S: Copy> Filter<S> {
    pub fn resolve(&self, conn: &Conn) -> Result<ResolvedFilter<S>> {
        Ok(ResolvedFilter {
            status: self.status,
            budget_year: self.budget_year.as_ref().map(|b| b.to_string()),
            commissioner_id: self.commissioner.as_deref().map(|n| org_id(conn, n, "commissioner")).transpose()?,
            recipient_id: self.recipient.as_deref().map(|n| org_id(conn, n, "recipient")).transpose()?,
            period: self.period.clone(),
        })
    }
}

/// A decision in a list, with what is granted under it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub decision: Decision,
    pub grants: i64,
    pub granted: Pence,
}

/// Each decision matching `filter`, in ref order.
pub fn list(conn: &Conn, filter: &Filter, each: impl FnMut(Listed) -> Result<()>) -> Result<()> {
    let f = filter.resolve(conn)?;
    db::decision::list(conn, &f, each)
}

/// One grant under a decision, for `decision show`.
#[derive(Debug, Clone)]
pub struct GrantLine {
    pub reference: String,
    pub recipient: String,
    pub amount: Pence,
    pub status: GrantStatus,
}

/// Everything `decision show` shows.
#[derive(Debug, Clone)]
pub struct Detail {
    pub decision: Decision,
    pub grants: Vec<GrantLine>,
    pub granted: Pence,
}

impl Detail {
    pub fn unallocated(&self) -> Pence {
        Pence(self.decision.amount.0 - self.granted.0)
    }
}

pub fn show(conn: &Conn, reference: &str) -> Result<Detail> {
    let (id, decision) = find(conn, reference)?;
    let grants = db::decision::grant_lines(conn, id)?;
    let granted = Pence(grants.iter().map(|g| g.amount.0).sum());
    Ok(Detail { decision, grants, granted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecisionStatus::*;

    fn d2021_021() -> Decision {
        Decision {
            reference: "2021.021".into(),
            commissioner: "Nottinghamshire OPCC".into(),
            title: "Domestic Abuse Partnership Car Pilot".into(),
            summary: None,
            author: Some("Office of the PCC".into()),
            received_on: Some(Date::ymd(2021, 3, 9)),
            decided_on: None,
            status: Submitted,
            amount: Pence::pounds(47_013),
            funding_source: Some("Community Safety Grant".into()),
            spend_type: Some(SpendType::Revenue),
            budget_year: Some("2021/22".parse().unwrap()),
            confidential: false,
            confidential_category: None,
            approvals: vec![],
        }
    }

    #[test]
    fn lifecycle_moves() {
        assert!(check_transition("x", Draft, Submitted).is_ok());
        assert!(check_transition("x", Draft, Withdrawn).is_ok());
        assert!(check_transition("x", Submitted, Approved).is_ok());
        assert!(check_transition("x", Submitted, Rejected).is_ok());
        assert!(check_transition("x", Submitted, Withdrawn).is_ok());
        assert!(check_transition("x", Approved, Approved).is_ok());
        for (from, to) in [
            (Draft, Approved),
            (Draft, Rejected),
            (Submitted, Draft),
            (Approved, Withdrawn),
            (Approved, Submitted),
            (Rejected, Approved),
            (Withdrawn, Draft),
        ] {
            assert!(check_transition("x", from, to).is_err(), "{from} → {to}");
        }
    }

    #[test]
    fn refusals_say_what_is_allowed() {
        let m = check_transition("2021.021", Draft, Approved).unwrap_err();
        assert_eq!(
            m,
            "decision 2021.021 cannot move from draft to approved; from draft it can move to submitted or withdrawn \
             (set it to submitted first: pathway decision set-status 2021.021 submitted)"
        );
        let m = check_transition("2021.021", Approved, Withdrawn).unwrap_err();
        assert!(m.contains("approved, which is final"), "{m}");
    }

    #[test]
    fn default_status_follows_the_dates() {
        assert_eq!(default_status(None, None), Draft);
        assert_eq!(default_status(Some(Date::ymd(2021, 3, 9)), None), Submitted);
        assert_eq!(default_status(Some(Date::ymd(2021, 3, 9)), Some(Date::ymd(2021, 3, 16))), Approved);
    }

    #[test]
    fn approved_needs_a_date_and_only_decided_ones_have_one() {
        let mut d = d2021_021();
        assert_eq!(validate(&d), Ok(()));
        d.status = Approved;
        assert_eq!(validate(&d).unwrap_err().column, "decided_on");
        d.decided_on = Some(Date::ymd(2021, 3, 16));
        assert_eq!(validate(&d), Ok(()));
        d.status = Submitted;
        assert_eq!(validate(&d).unwrap_err().column, "decided_on");
        d.status = Rejected;
        assert_eq!(validate(&d), Ok(()));
        d.decided_on = Some(Date::ymd(2021, 3, 1));
        assert!(validate(&d).unwrap_err().message.contains("before the date received"));
    }

    #[test]
    fn category_needs_confidential() {
        let mut d = d2021_021();
        d.confidential_category = Some("3".into());
        assert_eq!(validate(&d).unwrap_err().column, "confidential_category");
        d.confidential = true;
        assert_eq!(validate(&d), Ok(()));
    }

    #[test]
    fn grants_never_exceed_the_decision() {
        let total = Pence::pounds(47_013);
        assert!(check_total("2021.021", total, Pence::pounds(23_966), Pence::pounds(23_047)).is_ok());
        let m = check_total("2021.021", total, Pence::pounds(47_013), Pence::pounds(1)).unwrap_err();
        assert_eq!(
            m,
            "the grants under decision 2021.021 would total £47,014.00, £1.00 more than its amount of £47,013.00; \
             £0.00 is left to grant"
        );
        let m = check_amount_covers_grants("2021.021", Pence::pounds(40_000), total).unwrap_err();
        assert!(m.contains("£7,013.00 more"), "{m}");
    }

    #[test]
    fn budget_years_and_approvals_parse() {
        assert_eq!("2021/22".parse::<BudgetYear>().unwrap().as_str(), "2021/22");
        assert_eq!("2021-22".parse::<BudgetYear>().unwrap().as_str(), "2021/22");
        assert!("2021/23".parse::<BudgetYear>().is_err());
        assert!("2021".parse::<BudgetYear>().is_err());
        let a: Approval = "Chief Finance Officer=10/03/21".parse().unwrap();
        assert_eq!(a.to_string(), "Chief Finance Officer=2021-03-10");
        assert!("Chief Finance Officer".parse::<Approval>().is_err());
        assert!("=10/03/21".parse::<Approval>().is_err());
        assert!("CFO=31/02/21".parse::<Approval>().is_err());
        let all = parse_approvals("Chief Finance Officer=2021-03-10; Chief Executive=15/3/21").unwrap();
        assert_eq!(approvals_text(&all), "Chief Executive=2021-03-15;Chief Finance Officer=2021-03-10");
        assert!(parse_approvals("CFO=2021-03-10;cfo=2021-03-11").is_err());
    }

    #[test]
    fn changes_name_each_field() {
        let a = d2021_021();
        let mut b = a.clone();
        b.amount = Pence::pounds(50_000);
        b.title = "DA Car".into();
        assert_eq!(
            changes(&a, &b),
            vec![
                "title: \"Domestic Abuse Partnership Car Pilot\" → \"DA Car\"".to_string(),
                "amount: \"47013.00\" → \"50000.00\"".to_string()
            ]
        );
        let mut c = a.clone();
        c.commissioner = "nottinghamshire opcc".into();
        assert!(changes(&a, &c).is_empty());
    }

    #[test]
    fn edits_replace_approvals_by_role() {
        let mut d = d2021_021();
        let e = Edit {
            approvals: vec!["Chief Finance Officer=10/03/21".parse().unwrap()],
            confidential_category: Some(Some("2".into())),
            ..Edit::default()
        };
        e.apply(&mut d).unwrap();
        assert!(d.confidential);
        let e2 = Edit { approvals: vec!["chief finance officer=11/03/21".parse().unwrap()], ..Edit::default() };
        e2.apply(&mut d).unwrap();
        assert_eq!(d.approvals.len(), 1);
        assert_eq!(d.approvals[0].approved_on, Date::ymd(2021, 3, 11));
        let e3 = Edit { remove_approvals: vec!["Chief Executive".into()], ..Edit::default() };
        assert!(e3.apply(&mut d).is_err());
    }
}
