//! Rules for grants and the payments made against them.
//!
//! * A grant is made only under an existing decision, and not under one that
//!   was rejected or withdrawn.
//! * The grants under a decision never add up to more than its amount
//!   (`decision::check_total`); checked inside the writing transaction, so
//!   earlier rows of the same import count.
//! * Payments never add up to more than the grant, and a grant's amount may
//!   not drop below what has been paid.
//! * A grant without a ref gets `<decision ref>-<n>`, e.g. 2021.021-1.
//! * The funder defaults to the decision's commissioner. Organisations are
//!   recorded as they are first named: a funder as a commissioner, a
//!   recipient as a provider, an intermediary or match funder as a partner.

use crate::db::{self, Conn, Tx};
use crate::domain::dates;
use crate::domain::decision as decision_rules;
use crate::domain::trust::{self, Applied, Comparison, Tracker, Verdict};
use crate::error::{self, RowError};
use crate::value::names::{DecisionStatus, GrantStatus, OrgKind};
use crate::value::{Date, Pence};
use anyhow::Result;

/// A grant as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub reference: String,
    pub decision: String,
    pub funder: String,
    pub recipient: String,
    pub intermediary: Option<String>,
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub conditions: Option<String>,
    pub amount: Pence,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
    pub status: GrantStatus,
    pub match_amount: Option<Pence>,
    pub match_funder: Option<String>,
}

/// A grant as given to `grant add` or an import row: the ref, funder and
/// status may be left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantInput {
    pub reference: Option<String>,
    pub decision: String,
    pub funder: Option<String>,
    pub recipient: String,
    pub intermediary: Option<String>,
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub conditions: Option<String>,
    pub amount: Pence,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
    pub status: Option<GrantStatus>,
    pub match_amount: Option<Pence>,
    pub match_funder: Option<String>,
}

/// One payment against a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub grant: String,
    pub paid_on: Date,
    pub amount: Pence,
    pub note: Option<String>,
}

/// The decision a grant sits under, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionFacts {
    pub id: i64,
    pub reference: String,
    pub commissioner: String,
    pub amount: Pence,
    pub status: DecisionStatus,
}

/// The checks on a grant's own fields.
pub fn validate(g: &GrantInput) -> Result<(), RowError> {
    if g.recipient.trim().is_empty() {
        return Err(RowError::new("recipient", "a recipient is required, e.g. \"Juno Women's Aid\""));
    }
    if g.amount.0 <= 0 {
        return Err(RowError::new("amount", "a grant's amount must be more than £0"));
    }
    if let (Some(s), Some(e)) = (g.start_on, g.end_on) {
        if e < s {
            return Err(RowError::new("end_on", format!("the grant ends on {e}, before it starts on {s}")));
        }
    }
    match (g.match_amount, g.match_funder.as_deref()) {
        (Some(a), _) if a.0 <= 0 => {
            return Err(RowError::new("match_amount", "a match amount must be more than £0"));
        }
        (Some(_), None) => {
            return Err(RowError::new("match_funder", "a match amount needs the match funder who pays it"));
        }
        (None, Some(_)) => {
            return Err(RowError::new("match_amount", "a match funder needs the match amount they pay"));
        }
        _ => {}
    }
    if let Some(r) = &g.reference {
        if r.trim().is_empty() {
            return Err(RowError::new("ref", "the ref is empty"));
        }
    }
    Ok(())
}

/// New grants may not go under a rejected or withdrawn decision.
pub fn check_decision_open(d: &DecisionFacts) -> Result<(), String> {
    match d.status {
        DecisionStatus::Rejected | DecisionStatus::Withdrawn => {
            Err(format!("decision {} is {}; grants cannot be made under it", d.reference, d.status))
        }
        _ => Ok(()),
    }
}

/// Payments never exceed the grant.
pub fn check_payment(grant: &str, grant_amount: Pence, paid: Pence, amount: Pence) -> Result<(), String> {
    if amount.0 <= 0 {
        return Err("a payment must be more than £0".into());
    }
    if paid.0 + amount.0 <= grant_amount.0 {
        return Ok(());
    }
    let left = Pence((grant_amount.0 - paid.0).max(0));
    Err(format!(
        "a payment of {} would take payments on grant {grant} to {}, {} more than the grant of {}; {} is left to pay",
        amount.pretty(),
        Pence(paid.0 + amount.0).pretty(),
        Pence(paid.0 + amount.0 - grant_amount.0).pretty(),
        grant_amount.pretty(),
        left.pretty()
    ))
}

/// A grant's amount never drops below what has been paid on it.
pub fn check_amount_covers_payments(grant: &str, amount: Pence, paid: Pence) -> Result<(), String> {
    if amount >= paid {
        return Ok(());
    }
    Err(format!("grant {grant} cannot be {}: {} has been paid on it already", amount.pretty(), paid.pretty()))
}

/// The first free ref `<decision>-<n>` with n from `count + 1` up.
pub fn next_ref(decision: &str, count: i64, taken: impl Fn(&str) -> Result<bool>) -> Result<String> {
    let mut n = count + 1;
    loop {
        let r = format!("{decision}-{n}");
        if !taken(&r)? {
            return Ok(r);
        }
        n += 1;
    }
}

/// What changed between two versions of a grant, as "field: old → new".
pub fn changes(old: &Grant, new: &Grant) -> Vec<String> {
    let mut out = Vec::new();
    fn opt<T: ToString>(o: &Option<T>) -> String {
        o.as_ref().map(|x| x.to_string()).unwrap_or_default()
    }
    let mut text = |name: &str, a: String, b: String, nocase: bool| {
        let same = if nocase { a.eq_ignore_ascii_case(&b) } else { a == b };
        if !same {
            let q = |s: &str| if s.is_empty() { "(none)".to_string() } else { format!("{s:?}") };
            out.push(format!("{name}: {} → {}", q(&a), q(&b)));
        }
    };
    text("decision", old.decision.clone(), new.decision.clone(), false);
    text("funder", old.funder.clone(), new.funder.clone(), true);
    text("recipient", old.recipient.clone(), new.recipient.clone(), true);
    text("intermediary", opt(&old.intermediary), opt(&new.intermediary), true);
    text("title", opt(&old.title), opt(&new.title), false);
    text("purpose", opt(&old.purpose), opt(&new.purpose), false);
    text("conditions", opt(&old.conditions), opt(&new.conditions), false);
    text("amount", old.amount.plain(), new.amount.plain(), false);
    text("start_on", opt(&old.start_on), opt(&new.start_on), false);
    text("end_on", opt(&old.end_on), opt(&new.end_on), false);
    text("status", old.status.to_string(), new.status.to_string(), false);
    text("match_amount", opt(&old.match_amount), opt(&new.match_amount), false);
    text("match_funder", opt(&old.match_funder), opt(&new.match_funder), true);
    out
}

/// The grant `reference`, or a not-found error suggesting the closest ref.
pub fn find(conn: &Conn, reference: &str) -> Result<(i64, Grant)> {
    match db::grant::get(conn, reference)? {
        Some(x) => Ok(x),
        None => Err(error::not_found(unknown_message(conn, reference)?)),
    }
}

/// "no grant with ref 'X'; did you mean 'Y'?": the one lookup message of a
/// grant, for commands, imports and `service --grant`.
pub fn unknown_message(conn: &Conn, reference: &str) -> Result<String> {
    if let Some(known) = spreadsheet_original(conn, reference)? {
        return Ok(trust::damaged_ref_message(reference.trim(), "grant", &known));
    }
    let refs = db::grant::refs(conn)?;
    let hint = if refs.is_empty() {
        " (no grants are recorded yet; add it with `pathway grant add`)".to_string()
    } else {
        error::suggestion(reference.trim(), refs.iter().map(String::as_str))
    };
    Ok(super::unknown("grant with ref", reference, &hint))
}

/// The recorded grant ref a spreadsheet could have turned `given` into,
/// when `given` itself is not recorded.
pub fn spreadsheet_original(conn: &Conn, given: &str) -> Result<Option<String>> {
    let originals = trust::spreadsheet_originals(given.trim());
    if originals.is_empty() || db::grant::exists(conn, given.trim())? {
        return Ok(None);
    }
    for o in originals {
        if db::grant::exists(conn, &o)? {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

/// A row compared with the grant it matched: the decision it is under, its
/// funder and its recipient are what it is (another recipient is another
/// grant, never money moved by an import); the optional values may not be
/// blanked.
pub fn compare(old: &Grant, g: &GrantInput, decision: &str) -> Comparison {
    fn s<T: ToString>(o: &Option<T>) -> Option<String> {
        o.as_ref().map(|x| x.to_string())
    }
    let how = "give the row its own ref, or add the grant under that decision with `pathway grant add`; \
               to correct a recorded recipient or funder, use `pathway grant edit`";
    let mut c = Comparison::new("grant", old.reference.clone(), how);
    let funder = g.funder.clone().unwrap_or_else(|| old.funder.clone());
    c.identity("decision", old.decision == decision)
        .identity("funder", old.funder.eq_ignore_ascii_case(funder.trim()))
        .identity("recipient", old.recipient.eq_ignore_ascii_case(g.recipient.trim()))
        .value("intermediary", old.intermediary.clone(), g.intermediary.clone())
        .value("title", old.title.clone(), g.title.clone())
        .value("purpose", old.purpose.clone(), g.purpose.clone())
        .value("conditions", old.conditions.clone(), g.conditions.clone())
        .value("amount", Some(old.amount.plain()), Some(g.amount.plain()))
        .value("start_on", s(&old.start_on), s(&g.start_on))
        .value("end_on", s(&old.end_on), s(&g.end_on))
        .value("status", Some(old.status.to_string()), Some(g.status.unwrap_or(old.status).to_string()))
        .value("match_amount", old.match_amount.map(|p| p.plain()), g.match_amount.map(|p| p.plain()))
        .value("match_funder", old.match_funder.clone(), g.match_funder.clone());
    c
}

/// One row of `grant import`: matched on ref (or decision, recipient,
/// start and end), judged by the import's tracker, then written.
pub fn import_one(
    tx: &Tx,
    g: &GrantInput,
    tracker: &mut Tracker,
    line: u64,
    command: &str,
) -> Result<Result<Applied, crate::error::RowError>> {
    let dec = db::grant::decision_facts(tx, &g.decision)?;
    let existing = match (&dec, &g.reference) {
        (_, Some(r)) => db::grant::get(tx, r)?,
        (Some(d), None) => match db::grant::find_match(tx, d.id, &g.recipient, g.start_on, g.end_on)? {
            Some(r) => db::grant::get(tx, &r)?,
            None => None,
        },
        (None, None) => None,
    };
    match (existing, &dec) {
        (Some((id, old)), Some(dec)) => {
            let mut g = g.clone();
            if g.funder.is_none() {
                g.funder = Some(old.funder.clone());
            }
            match tracker.matched(line, id, &compare(&old, &g, &dec.reference)) {
                Err(e) => Ok(Err(e)),
                Ok(Verdict::Repeated) => Ok(Ok(Applied::Repeated)),
                Ok(_) => Ok(write_one(tx, &g, false, command)?.map(|w| w.applied).map_err(|p| p.at(line))),
            }
        }
        _ => {
            if let Some(r) = &g.reference {
                if let Some(known) = spreadsheet_original(tx, r)? {
                    return Ok(Err(
                        RowError::new("ref", trust::damaged_ref_message(r.trim(), "grant", &known)).at(line)
                    ));
                }
            }
            let w = match write_one(tx, g, false, command)? {
                Ok(w) => w,
                Err(p) => return Ok(Err(p.at(line))),
            };
            if w.applied == Applied::New {
                if let Some((id, _)) = db::grant::get(tx, &w.reference)? {
                    tracker.created(line, id, "grant", || w.reference.clone());
                }
            }
            Ok(Ok(w.applied))
        }
    }
}

/// How writing one grant went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub applied: Applied,
    pub reference: String,
    pub changes: Vec<String>,
    pub new_orgs: Vec<(String, OrgKind)>,
    /// What is left to grant under the decision afterwards.
    pub left_to_grant: Pence,
}

/// Check and write one grant inside the caller's transaction, with its audit
/// row. With `create_only`, an existing ref is a problem (`grant add`);
/// otherwise the grant is matched on ref (or, without one, on decision,
/// recipient, start and end) and updated. A `RowError` means nothing was
/// written.
pub fn write_one(tx: &Tx, g: &GrantInput, create_only: bool, command: &str) -> Result<Result<Written, RowError>> {
    let Checked { dec, existing, others, reference } = match check_write(tx, g, create_only)? {
        Ok(c) => c,
        Err(p) => return Ok(Err(p)),
    };
    let grant = Grant {
        reference: reference.clone(),
        decision: dec.reference.clone(),
        funder: g.funder.clone().unwrap_or_else(|| dec.commissioner.clone()),
        recipient: g.recipient.trim().to_string(),
        intermediary: g.intermediary.clone(),
        title: g.title.clone(),
        purpose: g.purpose.clone(),
        conditions: g.conditions.clone(),
        amount: g.amount,
        start_on: g.start_on,
        end_on: g.end_on,
        status: g.status.or(existing.as_ref().map(|(_, o)| o.status)).unwrap_or(GrantStatus::Active),
        match_amount: g.match_amount,
        match_funder: g.match_funder.clone(),
    };
    let left_to_grant = Pence(dec.amount.0 - others.0 - g.amount.0);
    let changed = match &existing {
        Some((_, old)) => changes(old, &grant),
        None => vec![],
    };
    if existing.is_some() && changed.is_empty() {
        return Ok(Ok(Written {
            applied: Applied::Unchanged,
            reference,
            changes: changed,
            new_orgs: vec![],
            left_to_grant,
        }));
    }
    // Every check has passed: from here on the row is written.
    let existing_id = existing.as_ref().map(|(id, _)| *id);
    let (applied, new_orgs) = record(tx, command, dec.id, existing_id, &grant, &changed)?;
    Ok(Ok(Written { applied, reference, changes: changed, new_orgs, left_to_grant }))
}

/// A grant row checked against its decision and the grant it matched.
struct Checked {
    dec: DecisionFacts,
    existing: Option<(i64, Grant)>,
    /// What the decision's other grants total.
    others: Pence,
    reference: String,
}

/// Every rule a grant row must keep before anything is written: its own
/// values, its decision (open, not over-granted), its ref, its payments.
fn check_write(tx: &Tx, g: &GrantInput, create_only: bool) -> Result<Result<Checked, RowError>> {
    if let Err(p) = validate(g) {
        return Ok(Err(p));
    }
    let Some(dec) = db::grant::decision_facts(tx, &g.decision)? else {
        return Ok(Err(RowError::new("decision", decision_rules::unknown_message(tx, &g.decision)?)));
    };
    let existing = match &g.reference {
        Some(r) => db::grant::get(tx, r)?,
        None if create_only => None,
        None => match db::grant::find_match(tx, dec.id, &g.recipient, g.start_on, g.end_on)? {
            Some(r) => db::grant::get(tx, &r)?,
            None => None,
        },
    };
    if create_only {
        if let (Some(_), Some(r)) = (&existing, &g.reference) {
            return Ok(Err(RowError::new("ref", format!("a grant with ref {r} is recorded already"))));
        }
    }
    let existing_id = existing.as_ref().map(|(id, _)| *id);
    let moving = existing.as_ref().is_some_and(|(_, old)| old.decision != dec.reference);
    if existing.is_none() || moving {
        if let Err(m) = check_decision_open(&dec) {
            return Ok(Err(RowError::new("decision", m)));
        }
    }
    let others = db::grant::granted_except(tx, dec.id, existing_id)?;
    if let Err(m) = decision_rules::check_total(&dec.reference, dec.amount, others, g.amount) {
        return Ok(Err(RowError::new("amount", m)));
    }
    let reference = match (&g.reference, &existing) {
        (Some(r), _) => r.trim().to_string(),
        (None, Some((_, old))) => old.reference.clone(),
        (None, None) => next_ref(&dec.reference, db::grant::count_under(tx, dec.id)?, |r| db::grant::exists(tx, r))?,
    };
    if let Some(id) = existing_id {
        let paid = db::grant::paid(tx, id, None)?;
        if let Err(m) = check_amount_covers_payments(&reference, g.amount, paid) {
            return Ok(Err(RowError::new("amount", m)));
        }
    }
    Ok(Ok(Checked { dec, existing, others, reference }))
}

/// Write a checked grant (new, or over `existing_id`) and its audit row;
/// returns what was done and the organisations recorded for it.
fn record(
    tx: &Tx,
    command: &str,
    decision_id: i64,
    existing_id: Option<i64>,
    grant: &Grant,
    changed: &[String],
) -> Result<(Applied, Vec<(String, OrgKind)>)> {
    let mut new_orgs = Vec::new();
    let mut org = |name: &str, kind: OrgKind| -> Result<i64> {
        let (id, added) = db::org::id_or_insert(tx, name, kind)?;
        if added {
            new_orgs.push((name.trim().to_string(), kind));
        }
        Ok(id)
    };
    let ids = db::grant::OrgIds {
        funder: org(&grant.funder, OrgKind::Commissioner)?,
        recipient: org(&grant.recipient, OrgKind::Provider)?,
        intermediary: grant.intermediary.as_deref().map(|n| org(n, OrgKind::Partner)).transpose()?,
        match_funder: grant.match_funder.as_deref().map(|n| org(n, OrgKind::Partner)).transpose()?,
    };
    let reference = Some(grant.reference.as_str());
    let applied = match existing_id {
        Some(id) => {
            db::grant::update(tx, id, decision_id, grant, &ids)?;
            db::tx::audit(tx, command, "grant", reference, "update", Some(&changed.join("; ")))?;
            Applied::Updated
        }
        None => {
            db::grant::insert(tx, decision_id, grant, &ids)?;
            let detail = format!(
                "{} to {} under decision {}{}",
                grant.amount.pretty(),
                grant.recipient,
                grant.decision,
                grant.intermediary.as_deref().map(|i| format!(" via {i}")).unwrap_or_default()
            );
            db::tx::audit(tx, command, "grant", reference, "add", Some(&detail))?;
            Applied::New
        }
    };
    Ok((applied, new_orgs))
}

/// What `grant edit` changes: `None` keeps the recorded value.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub funder: Option<String>,
    pub recipient: Option<String>,
    pub intermediary: Option<String>,
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub conditions: Option<String>,
}

/// `grant edit`: correct a recorded grant on purpose (a mistyped recipient
/// or funder, which an import refuses to change), with every rule of
/// `grant add` and one audit entry naming what changed.
pub fn edit(conn: &mut Conn, reference: &str, e: &Edit, command: &str) -> Result<Written> {
    edit_scheduled(conn, reference, e, None, command)
}

/// `grant edit` with `--returns`/`--due-days`: the edit and the new
/// reporting schedule in one write.
pub fn edit_scheduled(
    conn: &mut Conn,
    reference: &str,
    e: &Edit,
    schedule: Option<&Schedule>,
    command: &str,
) -> Result<Written> {
    write_scheduled(conn, schedule, command, |tx| edit_in(tx, reference, e, command))
}

/// `write` and then, when one is given, the grant's reporting schedule, in
/// one transaction.
fn write_scheduled(
    conn: &mut Conn,
    schedule: Option<&Schedule>,
    command: &str,
    write: impl FnOnce(&Tx) -> Result<Written>,
) -> Result<Written> {
    db::tx::write(conn, |tx| {
        let w = write(tx)?;
        if let Some(s) = schedule {
            write_schedule(tx, &w.reference, s, command)?;
        }
        Ok(w)
    })
}

/// A grant's reporting schedule (PRODUCT.md 6.3): a return for each month
/// or financial quarter of the grant, due `due_days` after the period ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// "monthly" or "quarterly".
    pub returns: String,
    pub due_days: u32,
}

impl Schedule {
    /// "quarterly returns, due 28 days after each quarter ends".
    pub fn describe(&self) -> String {
        let each = if self.returns == "quarterly" { "quarter" } else { "month" };
        format!("{} returns, due {} days after each {each} ends", self.returns, self.due_days)
    }
}

/// The reporting schedule of grant `reference`, if it has one.
pub fn schedule(conn: &Conn, reference: &str) -> Result<Option<Schedule>> {
    let (id, _) = find(conn, reference)?;
    Ok(db::filed::schedule(conn, id)?.map(|(returns, due_days)| Schedule { returns, due_days }))
}

fn write_schedule(tx: &Tx, reference: &str, s: &Schedule, command: &str) -> Result<()> {
    let (id, _) = find(tx, reference)?;
    db::filed::set_schedule(tx, id, Some((&s.returns, s.due_days)))?;
    db::tx::audit(tx, command, "grant_schedule", Some(reference), "set", Some(&s.describe()))
}

fn edit_in(tx: &Tx, reference: &str, e: &Edit, command: &str) -> Result<Written> {
    {
        let (_, old) = find(tx, reference)?;
        let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        let g = GrantInput {
            reference: Some(old.reference.clone()),
            decision: old.decision.clone(),
            funder: Some(e.funder.clone().unwrap_or_else(|| old.funder.clone())),
            recipient: e.recipient.clone().unwrap_or_else(|| old.recipient.clone()),
            intermediary: keep(&e.intermediary, &old.intermediary),
            title: keep(&e.title, &old.title),
            purpose: keep(&e.purpose, &old.purpose),
            conditions: keep(&e.conditions, &old.conditions),
            amount: old.amount,
            start_on: old.start_on,
            end_on: old.end_on,
            status: Some(old.status),
            match_amount: old.match_amount,
            match_funder: old.match_funder.clone(),
        };
        write_one(tx, &g, false, command)?.map_err(|p| error::invalid(format!("{}: {}", p.column, p.message)))
    }
}

/// `grant add`.
pub fn add(conn: &mut Conn, g: &GrantInput, command: &str) -> Result<Written> {
    add_scheduled(conn, g, None, command)
}

/// `grant add` with `--returns`/`--due-days`: the grant and its reporting
/// schedule in one write.
pub fn add_scheduled(conn: &mut Conn, g: &GrantInput, schedule: Option<&Schedule>, command: &str) -> Result<Written> {
    write_scheduled(conn, schedule, command, |tx| {
        write_one(tx, g, true, command)?.map_err(|p| {
            if p.column == "decision" && p.message.starts_with("no decision with ref") {
                error::not_found(p.message)
            } else {
                p.into_error()
            }
        })
    })
}

/// What a payment left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub grant: String,
    pub amount: Pence,
    pub paid_to_date: Pence,
    pub outstanding: Pence,
}

/// Check and write one payment inside the caller's transaction. With
/// `occurrence` = Some(n) (imports), the payment counts as present already
/// when the grant has more than n identical payments (same date, amount and
/// note), so importing a file twice adds nothing.
pub fn pay_one(
    tx: &Tx,
    p: &Payment,
    occurrence: Option<u64>,
    command: &str,
) -> Result<Result<(Applied, Paid), RowError>> {
    let Some((id, grant)) = db::grant::get(tx, &p.grant)? else {
        return Ok(Err(RowError::new("grant", unknown_message(tx, &p.grant)?)));
    };
    if let Err(m) = dates::happened(p.paid_on) {
        return Ok(Err(RowError::new("paid_on", m)));
    }
    let paid = db::grant::paid(tx, id, None)?;
    if let Some(n) = occurrence {
        if db::grant::identical_payments(tx, id, p)? > n {
            let outstanding = Pence(grant.amount.0 - paid.0);
            return Ok(Ok((
                Applied::Unchanged,
                Paid { grant: grant.reference, amount: p.amount, paid_to_date: paid, outstanding },
            )));
        }
    }
    if let Err(m) = check_payment(&grant.reference, grant.amount, paid, p.amount) {
        return Ok(Err(RowError::new("amount", m)));
    }
    db::grant::insert_payment(tx, id, p)?;
    let detail = format!("{} paid on {}", p.amount.pretty(), p.paid_on);
    db::tx::audit(tx, command, "grant", Some(&grant.reference), "pay", Some(&detail))?;
    let paid_to_date = Pence(paid.0 + p.amount.0);
    Ok(Ok((
        Applied::New,
        Paid {
            grant: grant.reference,
            amount: p.amount,
            paid_to_date,
            outstanding: Pence(grant.amount.0 - paid_to_date.0),
        },
    )))
}

/// `grant pay`.
pub fn pay(conn: &mut Conn, p: &Payment, command: &str) -> Result<Paid> {
    dates::check_option("paid_on", p.paid_on)?;
    db::tx::write(conn, |tx| {
        pay_one(tx, p, None, command)?.map(|(_, paid)| paid).map_err(|pr| {
            if pr.column == "grant" {
                error::not_found(pr.message)
            } else {
                pr.into_error()
            }
        })
    })
}

/// Filters for `grant list` and `grant export`: a decision's filter
/// (its period: grants whose start..end overlaps it, an open end counting
/// as running on) and the decision the grant is under.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub of: decision_rules::Filter<GrantStatus>,
    pub decision: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ResolvedFilter {
    pub of: decision_rules::ResolvedFilter<GrantStatus>,
    pub decision_id: Option<i64>,
}

impl Filter {
    pub fn resolve(&self, conn: &Conn) -> Result<ResolvedFilter> {
        Ok(ResolvedFilter {
            of: self.of.resolve(conn)?,
            decision_id: self
                .decision
                .as_deref()
                .map(|r| decision_rules::find(conn, r).map(|(id, _)| id))
                .transpose()?,
        })
    }
}

/// A grant in a list, with what has been paid.
#[derive(Debug, Clone)]
pub struct Listed {
    pub grant: Grant,
    pub paid: Pence,
}

impl Listed {
    pub fn outstanding(&self) -> Pence {
        Pence(self.grant.amount.0 - self.paid.0)
    }
}

/// Each grant matching `filter`, by decision ref then in the order recorded.
pub fn list(conn: &Conn, filter: &Filter, each: impl FnMut(Listed) -> Result<()>) -> Result<()> {
    let f = filter.resolve(conn)?;
    db::grant::list(conn, &f, each)
}

/// Each payment on the grants matching `filter`.
pub fn payments(conn: &Conn, filter: &Filter, each: impl FnMut(Payment) -> Result<()>) -> Result<()> {
    let f = filter.resolve(conn)?;
    db::grant::payments(conn, &f, each)
}

/// Everything `grant show` shows.
#[derive(Debug, Clone)]
pub struct Detail {
    pub grant: Grant,
    pub decision_title: String,
    pub payments: Vec<Payment>,
    pub paid: Pence,
}

impl Detail {
    pub fn outstanding(&self) -> Pence {
        Pence(self.grant.amount.0 - self.paid.0)
    }
}

pub fn show(conn: &Conn, reference: &str) -> Result<Detail> {
    let (id, grant) = find(conn, reference)?;
    let payments = db::grant::payments_of(conn, id)?;
    let paid = Pence(payments.iter().map(|p| p.amount.0).sum());
    let decision_title = db::decision::get(conn, &grant.decision)?.map(|(_, d)| d.title).unwrap_or_default();
    Ok(Detail { grant, decision_title, payments, paid })
}

// ---------------------------------------------------------------------------
// 360Giving: grants as open data (https://www.threesixtygiving.org/).

/// The settings key of the 360Giving publisher prefix.
pub const PREFIX_SETTING: &str = "360giving.prefix";

/// A 360Giving publisher prefix: `360G-` then letters, digits, `-` or `_`.
pub fn check_prefix(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rest = t.strip_prefix("360G-").unwrap_or("");
    if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!(
            "{s:?} is not a 360Giving prefix: it starts with 360G- and goes on with letters, digits, - or _ \
             (e.g. 360G-nottspcc); use the prefix 360Giving registered for you"
        ));
    }
    Ok(t.to_string())
}

/// The prefix to use: `given` (checked and stored for next time, in its own
/// transaction with an audit row), else `from_env` (PATHWAY_360G_PREFIX),
/// else the stored one.
pub fn prefix(conn: &mut Conn, given: Option<&str>, from_env: Option<&str>, command: &str) -> Result<String> {
    if let Some(g) = given {
        let p = check_prefix(g).map_err(error::usage)?;
        db::tx::write(conn, |tx| {
            if db::grant::setting(tx, PREFIX_SETTING)?.as_deref() != Some(p.as_str()) {
                db::grant::set_setting(tx, PREFIX_SETTING, &p)?;
                db::tx::audit(tx, command, "setting", Some(PREFIX_SETTING), "set", Some(&p))?;
            }
            Ok(())
        })?;
        return Ok(p);
    }
    if let Some(e) = from_env.filter(|e| !e.trim().is_empty()) {
        return check_prefix(e).map_err(|m| error::usage(format!("PATHWAY_360G_PREFIX: {m}")));
    }
    match db::grant::setting(conn, PREFIX_SETTING)? {
        Some(p) => Ok(p),
        None => Err(error::usage(
            "a 360Giving export needs your publisher prefix: give it once with --prefix, \
             e.g. `pathway grant export --360giving --prefix 360G-nottspcc` (it is remembered)",
        )),
    }
}

/// A grant ref as the tail of a 360Giving identifier: letters, digits and
/// `-` kept, anything else `_` (2021.021-1 → 2021_021-1).
pub fn id_part(reference: &str) -> String {
    reference.trim().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// An organisation's name as the tail of a made-up identifier for
/// organisations without a registered one: Juno Women's Aid → Juno-Womens-Aid.
pub fn name_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if matches!(c, '\'' | '\u{2019}' | '.') {
            continue;
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Months from `start` to `end` inclusive: whole months when the dates line
/// up (2021-04-01..2022-03-31 is 12), else days ÷ 30.4375 to one place.
pub fn duration_months(start: Date, end: Date) -> f64 {
    use chrono::Datelike;
    let after = end.succ();
    if after.0.day() == start.0.day() {
        let m = (after.0.year() - start.0.year()) * 12 + after.0.month() as i32 - start.0.month() as i32;
        return f64::from(m.max(0));
    }
    let days = start.days_until(after) as f64;
    (days / 30.4375 * 10.0).round() / 10.0
}

/// One grant as 360Giving publishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct GivingGrant {
    pub id: String,
    pub title: String,
    pub description: String,
    pub amount_awarded: Pence,
    pub amount_disbursed: Pence,
    pub award_date: Date,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
    pub duration_months: Option<f64>,
    pub recipient_id: String,
    pub recipient_name: String,
    pub funder_id: String,
    pub funder_name: String,
    pub programme: Option<String>,
    pub decision: String,
    pub decision_title: String,
    pub budget_year: Option<String>,
    pub intermediary: Option<String>,
    pub match_amount: Option<Pence>,
    pub match_funder: Option<String>,
    pub payments: Vec<Payment>,
    /// Where its beneficiaries are: the areas of the services it funds,
    /// with their ONS area codes when recorded.
    pub beneficiaries: Vec<Beneficiary>,
    /// When the grant or its decision last changed (the audit log's time).
    pub date_modified: Option<String>,
    /// The web address the data is published at (`--data-source`).
    pub data_source: Option<String>,
}

/// A beneficiary location: a service's area and its ONS area code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    pub name: Option<String>,
    pub geo_code: Option<String>,
}

impl Beneficiary {
    /// The geoCodeType of its code, by the standard's codelist.
    pub fn geo_code_type(&self) -> Option<&'static str> {
        self.geo_code.as_deref().and_then(crate::domain::threesixty::geo_code_type)
    }
}

/// Money as a JSON number, exactly: whole pounds as integers, else the
/// shortest decimal.
pub fn money_number(p: Pence) -> serde_json::Value {
    if p.0 % 100 == 0 {
        serde_json::Value::from(p.0 / 100)
    } else {
        serde_json::from_str::<serde_json::Number>(&p.plain())
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

impl GivingGrant {
    /// The grant as a 360Giving JSON object. Fields beyond the standard
    /// (allowed by its schema) carry the decision ref, budget year,
    /// intermediary and match funding.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut g = Map::new();
        g.insert("id".into(), json!(self.id));
        g.insert("title".into(), json!(self.title));
        g.insert("description".into(), json!(self.description));
        g.insert("currency".into(), json!("GBP"));
        g.insert("amountAwarded".into(), money_number(self.amount_awarded));
        g.insert("amountDisbursed".into(), money_number(self.amount_disbursed));
        g.insert("awardDate".into(), json!(self.award_date.iso()));
        if self.start_on.is_some() || self.end_on.is_some() {
            g.insert("plannedDates".into(), Value::Array(vec![self.planned_dates()]));
        }
        g.insert("recipientOrganization".into(), Value::Array(vec![self.recipient()]));
        if !self.beneficiaries.is_empty() {
            g.insert("beneficiaryLocation".into(), Value::Array(self.locations()));
        }
        g.insert("fundingOrganization".into(), json!([{"id": self.funder_id, "name": self.funder_name}]));
        if let Some(p) = &self.programme {
            g.insert("grantProgramme".into(), json!([{"title": p}]));
        }
        g.insert(
            "relatedDocument".into(),
            json!([{"id": self.decision, "title": format!("Decision {}: {}", self.decision, self.decision_title)}]),
        );
        if !self.payments.is_empty() {
            g.insert("disbursementTransaction".into(), Value::Array(self.transactions()));
        }
        if let Some(m) = &self.date_modified {
            g.insert("dateModified".into(), json!(m));
        }
        if let Some(d) = &self.data_source {
            g.insert("dataSource".into(), json!(d));
        }
        g.insert("decisionReference".into(), json!(self.decision));
        if let Some(b) = &self.budget_year {
            g.insert("budgetYear".into(), json!(b));
        }
        if let Some(i) = &self.intermediary {
            g.insert("intermediary".into(), json!(i));
        }
        if let (Some(a), Some(f)) = (self.match_amount, &self.match_funder) {
            g.insert("matchFunding".into(), json!({"amount": money_number(a), "funder": f}));
        }
        Value::Object(g)
    }

    fn planned_dates(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut e = Map::new();
        if let Some(s) = self.start_on {
            e.insert("startDate".into(), json!(s.iso()));
        }
        if let Some(d) = self.end_on {
            e.insert("endDate".into(), json!(d.iso()));
        }
        if let Some(m) = self.duration_months {
            e.insert("duration".into(), json!(m));
        }
        Value::Object(e)
    }

    /// The recipient, with its charity or company number when its
    /// identifier is from those registers.
    fn recipient(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut recipient = Map::new();
        recipient.insert("id".into(), json!(self.recipient_id));
        recipient.insert("name".into(), json!(self.recipient_name));
        let (charity, company) = crate::domain::threesixty::registered_numbers(&self.recipient_id);
        if let Some(c) = charity {
            recipient.insert("charityNumber".into(), json!(c));
        }
        if let Some(c) = company {
            recipient.insert("companyNumber".into(), json!(c));
        }
        Value::Object(recipient)
    }

    fn locations(&self) -> Vec<serde_json::Value> {
        use serde_json::{json, Map, Value};
        self.beneficiaries
            .iter()
            .map(|b| {
                let mut l = Map::new();
                if let Some(n) = &b.name {
                    l.insert("name".into(), json!(n));
                }
                l.insert("countryCode".into(), json!("GB"));
                if let (Some(c), Some(t)) = (&b.geo_code, b.geo_code_type()) {
                    l.insert("geoCode".into(), json!(c));
                    l.insert("geoCodeType".into(), json!(t));
                }
                Value::Object(l)
            })
            .collect()
    }

    fn transactions(&self) -> Vec<serde_json::Value> {
        use serde_json::{json, Map, Value};
        self.payments
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut t = Map::new();
                t.insert("id".into(), json!(format!("{}-payment-{}", self.id, i + 1)));
                t.insert("transactionDate".into(), json!(p.paid_on.iso()));
                t.insert("value".into(), money_number(p.amount));
                t.insert("currency".into(), json!("GBP"));
                if let Some(n) = &p.note {
                    t.insert("description".into(), json!(n));
                }
                Value::Object(t)
            })
            .collect()
    }
}

/// The 360Giving export: the grants under approved decisions, and how many
/// were left out because their decision has no decision date yet.
#[derive(Debug, Clone)]
pub struct Giving {
    pub grants: Vec<GivingGrant>,
    pub left_out: usize,
    /// The licence the data is published under (`--license`), a URL.
    pub license: Option<String>,
}

impl Giving {
    /// A 360Giving package (`{"version", "grants": [...]}`), with a publisher
    /// when every grant has the same funder.
    pub fn package(&self) -> serde_json::Value {
        use serde_json::json;
        let mut p = serde_json::Map::new();
        p.insert("version".into(), json!("1.4"));
        p.insert("title".into(), json!("Grants exported by pathway"));
        if let Some(first) = self.grants.first() {
            if self.grants.iter().all(|g| g.funder_id == first.funder_id) {
                p.insert("publisher".into(), json!({"name": first.funder_name, "identifier": first.funder_id}));
            }
        }
        if let Some(l) = &self.license {
            p.insert("license".into(), json!(l));
        }
        if let Some(m) = self.grants.iter().filter_map(|g| g.date_modified.as_deref()).max() {
            p.insert("modified".into(), json!(m));
        }
        p.insert("grants".into(), serde_json::Value::Array(self.grants.iter().map(GivingGrant::to_json).collect()));
        serde_json::Value::Object(p)
    }
}

/// Build the 360Giving records for the grants matching `filter`.
/// Organisations without a registered identifier get `<prefix>-<Name-With-Hyphens>`.
pub fn giving(conn: &Conn, filter: &Filter, prefix: &str) -> Result<Giving> {
    let data_source = db::grant::setting(conn, crate::domain::threesixty::DATA_SOURCE_SETTING)?;
    let license = db::grant::setting(conn, crate::domain::threesixty::LICENSE_SETTING)?;
    let mut listed = Vec::new();
    list(conn, filter, |l| {
        listed.push(l);
        Ok(())
    })?;
    let org_id = |name: &str| -> Result<String> {
        Ok(db::org::identifier(conn, name)?.unwrap_or_else(|| format!("{prefix}-{}", name_part(name))))
    };
    let mut out = Giving { grants: Vec::new(), left_out: 0, license };
    for l in listed {
        let g = l.grant;
        let Some((_, d)) = db::decision::get(conn, &g.decision)? else { continue };
        let Some(award_date) = d.decided_on.filter(|_| d.status == DecisionStatus::Approved) else {
            out.left_out += 1;
            continue;
        };
        let (id, _) = find(conn, &g.reference)?;
        let payments = db::grant::payments_of(conn, id)?;
        let title = g.title.clone().unwrap_or_else(|| format!("{} ({})", d.title, g.recipient));
        let description = g
            .purpose
            .clone()
            .or_else(|| d.summary.clone())
            .unwrap_or_else(|| format!("{} under decision {}", title, d.reference));
        out.grants.push(GivingGrant {
            id: format!("{prefix}-{}", id_part(&g.reference)),
            title,
            description,
            amount_awarded: g.amount,
            amount_disbursed: l.paid,
            award_date,
            start_on: g.start_on,
            end_on: g.end_on,
            duration_months: g.start_on.zip(g.end_on).map(|(s, e)| duration_months(s, e)),
            recipient_id: org_id(&g.recipient)?,
            recipient_name: g.recipient.clone(),
            funder_id: org_id(&g.funder)?,
            funder_name: g.funder.clone(),
            programme: d.funding_source.clone(),
            decision: d.reference.clone(),
            decision_title: d.title.clone(),
            budget_year: d.budget_year.as_ref().map(|b| b.to_string()),
            intermediary: g.intermediary.clone(),
            match_amount: g.match_amount,
            match_funder: g.match_funder.clone(),
            payments,
            beneficiaries: db::service::areas_of_grant(conn, id)?
                .into_iter()
                .map(|(name, geo_code)| Beneficiary { name, geo_code })
                .collect(),
            date_modified: db::grant::last_modified(conn, &g.reference, &d.reference)?,
            data_source: data_source.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn juno() -> GrantInput {
        GrantInput {
            reference: None,
            decision: "2021.021".into(),
            funder: None,
            recipient: "Juno Women's Aid".into(),
            intermediary: Some("Nottinghamshire County Council".into()),
            title: None,
            purpose: None,
            conditions: None,
            amount: Pence::pounds(23_966),
            start_on: Some(Date::ymd(2021, 4, 1)),
            end_on: Some(Date::ymd(2022, 3, 31)),
            status: None,
            match_amount: None,
            match_funder: None,
        }
    }

    #[test]
    fn a_grant_needs_sane_fields() {
        assert_eq!(validate(&juno()), Ok(()));
        let mut g = juno();
        g.end_on = Some(Date::ymd(2021, 3, 31));
        assert_eq!(validate(&g).unwrap_err().column, "end_on");
        let mut g = juno();
        g.match_amount = Some(Pence::pounds(14_000));
        assert_eq!(validate(&g).unwrap_err().column, "match_funder");
        g.match_funder = Some("National Probation Service".into());
        assert_eq!(validate(&g), Ok(()));
        g.match_amount = None;
        assert_eq!(validate(&g).unwrap_err().column, "match_amount");
        let mut g = juno();
        g.amount = Pence(0);
        assert_eq!(validate(&g).unwrap_err().column, "amount");
    }

    #[test]
    fn payments_never_exceed_the_grant() {
        let grant = Pence::pounds(23_966);
        assert!(check_payment("2021.021-1", grant, Pence::pounds(20_000), Pence::pounds(3_966)).is_ok());
        let m = check_payment("2021.021-1", grant, Pence(1_797_450), Pence(599_151)).unwrap_err();
        assert_eq!(
            m,
            "a payment of £5,991.51 would take payments on grant 2021.021-1 to £23,966.01, £0.01 more than the \
             grant of £23,966.00; £5,991.50 is left to pay"
        );
        assert!(check_payment("g", grant, Pence(0), Pence(0)).is_err());
        assert!(check_amount_covers_payments("g", Pence::pounds(10), Pence::pounds(11)).is_err());
    }

    #[test]
    fn refs_count_up_past_taken_ones() {
        let taken = ["2021.021-1", "2021.021-2"];
        let r = next_ref("2021.021", 0, |r| Ok(taken.contains(&r))).unwrap();
        assert_eq!(r, "2021.021-3");
        assert_eq!(next_ref("2021.027", 0, |_| Ok(false)).unwrap(), "2021.027-1");
    }

    #[test]
    fn threesixty_identifiers() {
        assert_eq!(check_prefix("360G-nottspcc").unwrap(), "360G-nottspcc");
        for bad in ["nottspcc", "360G-", "360G-notts pcc", "360G-a/b", "360g-x"] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
        assert_eq!(id_part("2021.021-1"), "2021_021-1");
        assert_eq!(id_part("DMPCD 2015 116-1"), "DMPCD_2015_116-1");
        assert_eq!(name_part("Juno Women's Aid"), "Juno-Womens-Aid");
        assert_eq!(name_part("  MOPAC (London) "), "MOPAC-London");
        assert_eq!(duration_months(Date::ymd(2021, 4, 1), Date::ymd(2022, 3, 31)), 12.0);
        assert_eq!(duration_months(Date::ymd(2016, 4, 1), Date::ymd(2018, 3, 31)), 24.0);
        assert_eq!(duration_months(Date::ymd(2021, 4, 1), Date::ymd(2021, 4, 15)), 0.5);
        assert_eq!(money_number(Pence(2_396_600)), serde_json::json!(23966));
        assert_eq!(money_number(Pence(599_150)).to_string(), "5991.5");
    }

    #[test]
    fn closed_decisions_take_no_grants() {
        let mut d = DecisionFacts {
            id: 1,
            reference: "2021.021".into(),
            commissioner: "Nottinghamshire OPCC".into(),
            amount: Pence::pounds(47_013),
            status: DecisionStatus::Approved,
        };
        assert!(check_decision_open(&d).is_ok());
        d.status = DecisionStatus::Withdrawn;
        assert_eq!(
            check_decision_open(&d).unwrap_err(),
            "decision 2021.021 is withdrawn; grants cannot be made under it"
        );
    }
}
