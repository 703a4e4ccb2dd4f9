//! `report explain`: the records behind one figure of the return.
//!
//! The figure is looked up by name in `Return::figures`, which carries for
//! each figure the basis it was counted over; the records are then read
//! through the same conditions (`db::report`) and, for referrals, the same
//! classifier (`returns::classify` + `ReferralFigure::counts`). So the list
//! always has as many records as the figure says (a money figure: amounts
//! that add up to it; hours: hours that add up to it).

use super::outcomes::OutcomeFigure;
use super::returns::{self, Basis, FigureValue, PeriodOut, ReturnOptions, ServiceOut};
use crate::db::report::{self as q, CaseSet, PaymentSet};
use crate::db::Conn;
use crate::error::{closest, usage};
use crate::value::names::Needs;
use crate::value::Pence;
use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;

/// The accepted forms of FIGURE, for help and errors.
pub const FIGURE_FORMS: &str = "\
referrals.total
referrals.by_source.SOURCE     police, probation, crc, liaison_diversion,
                               court, self, gp, social_care, housing, other
referrals.by_need.NEED         mental_health, substance_misuse, alcohol,
                               domestic_abuse, housing, debt, children,
                               learning_disability, employment, sex_work, other
referrals.by_outcome.OUTCOME   accepted, declined, no_contact, engaged,
                               closed, none
referrals.by_area.AREA         an area in the return, or not_recorded
referrals.by_risk.RISK         standard, medium, high, not_assessed
referrals.median_days_to_first_contact
women_supported
caseload.open_at_start, caseload.opened, caseload.closed,
caseload.open_at_end
caseload.by_tier.TIER          T1, T2, T3
caseload.committed_hours_per_week
closures.by_outcome.OUTCOME    positive, neutral, negative
closures.positive_rate
outcomes.by_pathway.PATHWAY.assessed, outcomes.by_pathway.PATHWAY.progressed
                               PATHWAY is accommodation,
                               education_training_employment, health,
                               drugs_alcohol, finance_benefit_debt,
                               children_families,
                               attitudes_thinking_behaviour, abuse, sex_work
outcomes.women_assessed, outcomes.women_progressed, outcomes.progress_rate,
outcomes.completions
equality.by_age_band.BAND      under_18, 18_24, 25_34, 35_44, 45_54, 55_64,
                               65_plus, not_recorded
equality.by_ethnic_group.GROUP asian, black, mixed, white, other,
                               prefer_not_to_say, not_recorded
equality.by_disability.ANSWER  yes, no, prefer_not_to_say, not_recorded
equality.with_dependent_children.ANSWER
                               yes, no, not_recorded
targets.SERVICE.MEASURE        or targets.GRANT_REF.MEASURE; MEASURE is
                               referrals, women_supported,
                               positive_outcomes, women_progressed or
                               completions; add .PERIOD when there are two
                               such targets
grants.GRANT_REF.MONEY         awarded, paid_in_period, paid_to_date,
                               outstanding";

/// One record behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// The referral's or case's ref, else `#id`; the client ref for a
    /// woman; the grant ref; `payment #id`.
    pub record: String,
    /// referral, case, woman, grant or payment.
    pub kind: &'static str,
    pub service: Option<String>,
    /// The date that put it in the figure (referred, opened, closed, paid).
    pub date: Option<String>,
    /// What it adds to the figure when that is not 1: days, hours, money.
    pub value: Option<RecordValue>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RecordValue {
    Days(i64),
    Hours(f64),
    Money(Pence),
}

/// A figure, with what is needed to read the records behind it. The
/// records are not held: `each_record` streams them from the database as
/// they are read, so a figure over a million referrals takes no more
/// memory than one over ten.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub figure: String,
    pub rule: String,
    pub period: PeriodOut,
    pub service: Option<ServiceOut>,
    /// The figure's value, once counted (see `value`).
    value: std::cell::OnceCell<FigureValue>,
    /// The options to count the value with, when it is not counted yet.
    pending: Option<ReturnOptions>,
    basis: Basis,
    /// The grant's own record, for a grant's awarded or outstanding figure.
    grant: Option<Record>,
}

/// Explain `figure` of the return described by `opts` (computed without
/// suppression: explain is for the people who keep the records).
///
/// A figure whose name does not depend on the data is found, with its
/// basis, without counting anything: its value is counted only when it is
/// written (`value`), so a CSV list of the records reads them once.
pub fn explain(conn: &Conn, opts: &ReturnOptions, figure: &str) -> Result<Explanation> {
    let mut opts = opts.clone();
    opts.suppression = super::suppress::Suppression::NONE;
    let wanted = figure.trim();
    let named = returns::build_parts(conn, &opts, returns::Parts::NONE)?;
    if let Some(e) = found(&named, wanted, false) {
        return Ok(Explanation { pending: Some(opts), ..e });
    }
    // Only the figure's own section is counted; a name not found there is
    // looked for (and its error written) in the whole return.
    let parts = returns::Parts::for_figure(wanted);
    let mut ret = returns::build_parts(conn, &opts, parts)?;
    let mut e = found(&ret, wanted, true);
    if e.is_none() && parts != returns::Parts::ALL {
        ret = returns::build(conn, &opts)?;
        e = found(&ret, wanted, true);
    }
    if let Some(e) = e {
        return Ok(e);
    }
    let figures = ret.figures();
    let names: Vec<&str> = figures.iter().filter_map(|f| f.name()).collect();
    let hint = match closest(wanted, names.iter().copied()) {
        Some(k) => format!("did you mean '{k}'? "),
        None => String::new(),
    };
    let extra: Vec<&str> =
        names.iter().copied().filter(|n| n.starts_with("targets.") || n.starts_with("grants.")).collect();
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("\nTargets and grants in this return:\n  {}", extra.join("\n  "))
    };
    Err(usage(format!(
        "{wanted:?} is not a figure of the {} return; {hint}write one of:\n{FIGURE_FORMS}{extra}",
        ret.period.label
    )))
}

/// Figure `wanted` of `ret`, explained; `counted`: `ret` has counted its
/// section, so its value is the figure's (else the value is left to count).
fn found(ret: &returns::Return, wanted: &str, counted: bool) -> Option<Explanation> {
    let figures = ret.figures();
    let f = figures.iter().find(|f| f.name() == Some(wanted)).or_else(|| {
        // targets.NAME.MEASURE.PERIOD always works, even when unambiguous.
        ret.targets
            .iter()
            .find(|t| format!("{}.{}", t.figure.trim_end_matches(&format!(".{}", t.period)), t.period) == wanted)
            .and_then(|t| figures.iter().find(|f| f.name() == Some(t.figure.as_str())))
    })?;
    let named = f.named.as_ref()?;
    let basis = named.basis.clone();
    let grant = match &basis {
        Basis::Awarded(g) | Basis::Outstanding(_, g) => Some(Record {
            record: g.grant.clone(),
            kind: "grant",
            service: None,
            date: None,
            value: Some(RecordValue::Money(g.awarded)),
            detail: format!("decision {}; recipient {}; awarded {}", g.decision, g.recipient, g.awarded.pretty()),
        }),
        _ => None,
    };
    let value = std::cell::OnceCell::new();
    if counted {
        let _ = value.set(f.value.clone());
    }
    Some(Explanation {
        figure: wanted.to_string(),
        rule: named.rule.clone(),
        period: ret.period.clone(),
        service: ret.service.clone(),
        value,
        pending: None,
        basis,
        grant,
    })
}

fn figure_json(v: &FigureValue) -> serde_json::Value {
    match v {
        FigureValue::Count(c) => serde_json::to_value(c).unwrap_or_default(),
        FigureValue::Number(n) => serde_json::to_value(n).unwrap_or_default(),
        FigureValue::Money(p) => serde_json::Value::String(p.plain()),
        FigureValue::Int(i) => serde_json::Value::from(*i),
        FigureValue::Text(t) => serde_json::to_value(t).unwrap_or_default(),
    }
}

impl Explanation {
    /// The figure's value, counted now (its section of the return alone)
    /// when the figure was found without counting it.
    pub fn value(&self, conn: &Conn) -> Result<&FigureValue> {
        if let Some(v) = self.value.get() {
            return Ok(v);
        }
        let opts = self.pending.as_ref().ok_or_else(|| anyhow::anyhow!("the figure's value is not counted"))?;
        let ret = returns::build_parts(conn, opts, returns::Parts::for_figure(&self.figure))?;
        let counted = found(&ret, &self.figure, true)
            .and_then(|e| e.value.into_inner())
            .ok_or_else(|| anyhow::anyhow!("{} is not in the return once counted", self.figure))?;
        Ok(self.value.get_or_init(|| counted))
    }

    /// Read the records behind the figure, handing each to `each` as it is
    /// read (as many records as the figure; for money and hours, values
    /// that add up to it). Returns how many there were.
    pub fn each_record(&self, conn: &Conn, mut each: impl FnMut(Record) -> Result<()>) -> Result<u64> {
        let mut n = 0u64;
        let mut f = |r: Record| {
            n += 1;
            each(r)
        };
        let services: HashMap<i64, String> = q::service_names(conn)?.into_iter().collect();
        match &self.basis {
            Basis::Referrals(scope, figure) => {
                q::scan_named_referrals(conn, scope, |row, name| {
                    let c = returns::classify(row)?;
                    if !figure.counts(&c) {
                        return Ok(());
                    }
                    let days = c.days_to_first_contact;
                    let detail = format!(
                        "source {}; needs {}; outcome {}; risk {}; area {}; first contact {}",
                        c.source.as_str(),
                        non_empty(Needs(c.needs).joined(), "none"),
                        c.outcome.map_or(returns::OUTCOME_NONE, |o| o.as_str()),
                        c.risk.map_or(returns::RISK_NOT_ASSESSED, |r| r.as_str()),
                        c.area.unwrap_or(returns::AREA_NOT_RECORDED),
                        match (row.first_contact_on, days) {
                            (Some(d), Some(n)) => format!("{d} ({n} day{})", if n == 1 { "" } else { "s" }),
                            _ => "none".into(),
                        },
                    );
                    f(Record {
                        record: name.reference.map_or_else(|| format!("#{}", name.id), str::to_string),
                        kind: "referral",
                        service: services.get(&row.service_id).cloned(),
                        date: Some(row.referred_on.to_string()),
                        value: match figure {
                            returns::ReferralFigure::WithFirstContact => days.map(RecordValue::Days),
                            _ => None,
                        },
                        detail,
                    })
                })?;
            }
            Basis::Cases(scope, CaseSet::Women) => {
                // One record per woman, with the cases that put her in the
                // count (read by client, so hers come together): only the
                // current woman's cases are held.
                let mut mine: Vec<q::CaseRecord> = Vec::new();
                let mut flush = |mine: &mut Vec<q::CaseRecord>| -> Result<()> {
                    let Some(first) = mine.first() else { return Ok(()) };
                    let mut svc: Vec<String> = mine.iter().map(|c| c.service.clone()).collect();
                    svc.dedup();
                    let r = Record {
                        record: first.client_ref.clone(),
                        kind: "woman",
                        service: Some(svc.join("; ")),
                        date: Some(first.opened_on.clone()),
                        value: None,
                        detail: mine.iter().map(case_summary).collect::<Vec<_>>().join("; "),
                    };
                    mine.clear();
                    f(r)
                };
                q::scan_cases(conn, scope, &CaseSet::Women, |c| {
                    if mine.first().is_some_and(|m| m.client_id != c.client_id) {
                        flush(&mut mine)?;
                    }
                    mine.push(c);
                    Ok(())
                })?;
                flush(&mut mine)?;
            }
            Basis::Cases(scope, set) => case_records(conn, scope, set, false, &mut f)?,
            Basis::Equality(scope, which, member) => {
                let year = i64::from(chrono::Datelike::year(&scope.to.0));
                let women: Vec<_> = crate::db::equality::of_women_supported(conn, &q::Women::of(conn, scope)?)?
                    .into_iter()
                    .filter(|a| crate::report::equality::member(which, a, year) == *member)
                    .collect();
                let refs = q::client_refs(conn, &women.iter().map(|a| a.client_id).collect::<Vec<_>>())?;
                for a in women {
                    f(Record {
                        record: woman(&refs, a.client_id),
                        kind: "woman",
                        service: None,
                        date: None,
                        value: None,
                        detail: format!("{which} {member}"),
                    })?;
                }
            }
            Basis::Outcomes(scope, figure) => {
                // Streamed a woman at a time, her cases' and her own keys
                // looked up a batch of women at a time.
                let active = q::Women::of(conn, scope)?;
                let mut batch: Vec<crate::report::outcomes::Woman> = Vec::new();
                crate::report::outcomes::each_woman(conn, scope, &active, |w| {
                    if figure.counts(&w) {
                        batch.push(w);
                    }
                    if batch.len() == LOOKUP_BATCH {
                        outcome_records(conn, *figure, &mut batch, &mut f)?;
                    }
                    Ok(())
                })?;
                outcome_records(conn, *figure, &mut batch, &mut f)?;
            }
            Basis::Hours(scope) => case_records(conn, scope, &CaseSet::OpenAtEnd, true, &mut f)?,
            Basis::Awarded(_) | Basis::Outstanding(..) => {
                if let Some(g) = &self.grant {
                    f(g.clone())?;
                }
                if let Basis::Outstanding(scope, g) = &self.basis {
                    for p in q::payments(conn, scope, g.id, PaymentSet::ToDate)? {
                        f(payment(&p, -1))?;
                    }
                }
            }
            Basis::Payments(scope, id, set) => {
                for p in q::payments(conn, scope, *id, *set)? {
                    f(payment(&p, 1))?;
                }
            }
        }
        Ok(n)
    }

    /// The explanation ready to write, the records read from the database
    /// while it is written.
    pub fn with_records<'a>(&'a self, conn: &'a Conn) -> Streamed<'a> {
        Streamed { e: self, conn, failure: std::cell::RefCell::new(None) }
    }
}

/// `{figure, value, rule, period, service, records: [...]}`, serialized as
/// the records are read. A database error met on the way is kept in
/// `failure` (serde can only carry its text) for the caller to return.
pub struct Streamed<'a> {
    e: &'a Explanation,
    conn: &'a Conn,
    pub failure: std::cell::RefCell<Option<anyhow::Error>>,
}

struct StreamedRecords<'s, 'a>(&'s Streamed<'a>);

impl Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Explanation", 6)?;
        st.serialize_field("figure", &self.e.figure)?;
        // `Render::json` counts the value before the document is written.
        let value = self.e.value.get().ok_or_else(|| serde::ser::Error::custom("the figure's value is not counted"))?;
        st.serialize_field("value", &figure_json(value))?;
        st.serialize_field("rule", &self.e.rule)?;
        st.serialize_field("period", &self.e.period)?;
        st.serialize_field("service", &self.e.service)?;
        st.serialize_field("records", &StreamedRecords(self))?;
        st.end()
    }
}

impl Serialize for StreamedRecords<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(None)?;
        let mut written = None;
        let read = self.0.e.each_record(self.0.conn, |r| {
            seq.serialize_element(&r).map_err(|e| {
                let text = e.to_string();
                written = Some(e);
                anyhow::anyhow!(text)
            })
        });
        if let Some(e) = written {
            return Err(e);
        }
        if let Err(e) = read {
            let text = e.to_string();
            *self.0.failure.borrow_mut() = Some(e);
            return Err(S::Error::custom(text));
        }
        seq.end()
    }
}

/// The cases of `set`, one record each; with `hours`, each with its tier's
/// weekly hours on the last day.
fn case_records(
    conn: &Conn,
    scope: &q::Scope,
    set: &CaseSet,
    hours: bool,
    f: &mut impl FnMut(Record) -> Result<()>,
) -> Result<()> {
    let closing = matches!(set, CaseSet::Closed | CaseSet::ClosedWith(_));
    q::scan_cases(conn, scope, set, |c| {
        f(Record {
            record: c.reference.clone().unwrap_or_else(|| format!("#{}", c.id)),
            kind: "case",
            service: Some(c.service.clone()),
            date: if closing { c.closed_on.clone() } else { Some(c.opened_on.clone()) },
            value: hours.then(|| RecordValue::Hours(c.hours_at_end.unwrap_or(0.0))),
            detail: format!("worker {}; {}", c.worker, case_summary(&c)),
        })
    })
}

/// A woman's client ref, as `refs` has it.
fn woman(refs: &HashMap<i64, String>, id: i64) -> String {
    refs.get(&id).cloned().unwrap_or_else(|| format!("client #{id}"))
}

/// How many women `report explain` looks up the keys of at a time.
const LOOKUP_BATCH: usize = 1000;

/// The records of a batch of women counted in an outcomes figure (emptied).
fn outcome_records(
    conn: &Conn,
    figure: OutcomeFigure,
    batch: &mut Vec<crate::report::outcomes::Woman>,
    f: &mut impl FnMut(Record) -> Result<()>,
) -> Result<()> {
    let ids: Vec<i64> = batch.iter().flat_map(|w| w.runs.iter().flat_map(|r| r.cases.iter().copied())).collect();
    let keys = crate::db::assessment::case_keys(conn, &ids)?;
    let refs = q::client_refs(conn, &batch.iter().map(|w| w.client_id).collect::<Vec<_>>())?;
    for w in batch.drain(..) {
        // On one pathway: her first and latest assessment on it;
        // otherwise every pathway she was assessed on.
        let runs: Vec<&crate::report::outcomes::Run> = match figure {
            OutcomeFigure::Assessed(p) | OutcomeFigure::Progressed(p) => w.run(p).into_iter().collect(),
            _ => w.runs.iter().collect(),
        };
        f(Record {
            record: woman(&refs, w.client_id),
            kind: "woman",
            service: None,
            date: runs.iter().map(|r| r.first.0).min().map(|d| d.to_string()),
            value: None,
            detail: crate::report::outcomes::describe(&runs, &keys),
        })?;
    }
    Ok(())
}

fn non_empty(s: String, empty: &str) -> String {
    if s.is_empty() {
        empty.to_string()
    } else {
        s
    }
}

fn case_summary(c: &q::CaseRecord) -> String {
    let name = c.reference.clone().unwrap_or_else(|| format!("#{}", c.id));
    let closed = match (&c.closed_on, &c.outcome) {
        (Some(d), Some(o)) => format!("closed {d} ({o})"),
        (Some(d), None) => format!("closed {d}"),
        _ => "open".to_string(),
    };
    let tier = c.tier_at_end.as_deref().map(|t| format!(", tier {t} at the end")).unwrap_or_default();
    format!("case {name} opened {}, {closed}{tier}", c.opened_on)
}

fn payment(p: &q::PaymentRecord, sign: i64) -> Record {
    Record {
        record: format!("payment #{}", p.id),
        kind: "payment",
        service: None,
        date: Some(p.paid_on.clone()),
        value: Some(RecordValue::Money(Pence(sign * p.amount))),
        detail: p.note.clone().unwrap_or_default(),
    }
}
/// How an explanation is written: JSON the document (records streamed);
/// the table one section, its title the figure and its value, its note the
/// rule; CSV, JSON Lines and a workbook one row per record.
impl crate::output::Render for Streamed<'_> {
    fn rows(&self, out: &mut crate::output::Out) -> Result<()> {
        let mut rows = out.rows(COLUMNS)?;
        self.e.each_record(self.conn, |r| rows.push(r.cells()))?;
        rows.finish()?;
        Ok(())
    }

    fn table(&self, out: &mut crate::output::Out) -> Result<()> {
        let e = self.e;
        // A table is fitted to all its rows, so they are gathered first.
        let mut rows = Vec::new();
        let n = e.each_record(self.conn, |r| {
            rows.push(r.cells());
            Ok(())
        })?;
        let mut note = format!("Rule: {}\n{n} record{} listed", e.rule, if n == 1 { "" } else { "s" });
        if let Some(s) = &e.service {
            note = format!(
                "Service: {}{}\n{note}",
                s.name,
                if s.includes.is_empty() { String::new() } else { format!(" (with {})", s.includes.join(", ")) }
            );
        }
        let value = value_text(e.value(self.conn)?);
        let title = format!("{} = {value} ({} {} to {})", e.figure, e.period.label, e.period.from, e.period.to);
        out.sections(&[crate::report::returns_render::section(title, note, COLUMNS, rows)])
    }

    fn json(&self, out: &mut crate::output::Out) -> Result<()> {
        self.e.value(self.conn)?;
        out.json_streamed(self, |j| j.failure.borrow_mut().take())
    }
}

/// The columns of an explanation's rows.
const COLUMNS: &[&str] = &["record", "kind", "service", "date", "value", "detail"];

/// A figure's value as the table's title shows it: as everywhere a figure
/// is compared (`filed::value_text`), but money with its pound sign.
fn value_text(v: &FigureValue) -> String {
    match v {
        FigureValue::Money(p) => p.pretty(),
        other => super::filed::value_text(other),
    }
}

impl Record {
    fn cells(self) -> Vec<crate::output::Cell> {
        use crate::output::Cell;
        vec![
            Cell::text(self.record),
            Cell::text(self.kind),
            Cell::opt_text(self.service),
            Cell::opt_text(self.date),
            match self.value {
                None => Cell::Null,
                Some(RecordValue::Days(d)) => Cell::Int(d),
                Some(RecordValue::Hours(h)) => Cell::Num(h, 1),
                Some(RecordValue::Money(p)) => Cell::Money(p),
            },
            Cell::text(self.detail),
        ]
    }
}
