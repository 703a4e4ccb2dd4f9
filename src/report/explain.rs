//! `report explain`: the records behind one figure of the return.
//!
//! The figure is looked up by name in `Return::figures`, which carries for
//! each figure the basis it was counted over; the records are then read
//! through the same conditions (`db::report`) and, for referrals, the same
//! classifier (`returns::classify` + `ReferralFigure::counts`). So the list
//! always has as many records as the figure says (a money figure: amounts
//! that add up to it; hours: hours that add up to it).

use super::outcomes::OutcomeFigure;
use super::returns::{self, Basis, FigureValue, PeriodOut, Return, ReturnOptions, ServiceOut};
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

/// A figure with the records behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub figure: String,
    pub value: serde_json::Value,
    pub rule: String,
    pub period: PeriodOut,
    pub service: Option<ServiceOut>,
    pub records: Vec<Record>,
    #[serde(skip)]
    pub figure_value: FigureValue,
}

/// Explain `figure` of the return described by `opts` (computed without
/// suppression: explain is for the people who keep the records).
pub fn explain(conn: &Conn, opts: &ReturnOptions, figure: &str) -> Result<Explanation> {
    let mut opts = opts.clone();
    opts.suppression = super::suppress::Suppression::NONE;
    let ret = returns::build(conn, &opts)?;
    let figures = ret.figures();
    let wanted = figure.trim();
    let found = figures.iter().find(|f| f.name.as_deref() == Some(wanted)).or_else(|| {
        // targets.NAME.MEASURE.PERIOD always works, even when unambiguous.
        ret.targets
            .iter()
            .find(|t| format!("{}.{}", t.figure.trim_end_matches(&format!(".{}", t.period)), t.period) == wanted)
            .and_then(|t| figures.iter().find(|f| f.name.as_deref() == Some(t.figure.as_str())))
    });
    let Some(f) = found else {
        let names: Vec<&str> = figures.iter().filter_map(|f| f.name.as_deref()).collect();
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
        return Err(usage(format!(
            "{wanted:?} is not a figure of the {} return; {hint}write one of:\n{FIGURE_FORMS}{extra}",
            ret.period.label
        )));
    };
    let basis = f.basis.clone().expect("named figures have a basis");
    let records = records(conn, &ret, &basis)?;
    Ok(Explanation {
        figure: wanted.to_string(),
        value: figure_json(&f.value),
        rule: f.rule.clone(),
        period: ret.period.clone(),
        service: ret.service.clone(),
        records,
        figure_value: f.value.clone(),
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

fn records(conn: &Conn, ret: &Return, basis: &Basis) -> Result<Vec<Record>> {
    let services: HashMap<i64, String> = q::service_names(conn)?.into_iter().collect();
    let refs = q::client_refs(conn)?;
    let woman = |id: i64| refs.get(&id).cloned().unwrap_or_else(|| format!("client #{id}"));
    let mut out = Vec::new();
    match basis {
        Basis::Referrals(scope, figure) => {
            q::scan_named_referrals(conn, scope, |row, name| {
                let c = returns::classify(row)?;
                if figure.counts(&c) {
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
                    out.push(Record {
                        record: name.reference.map_or_else(|| format!("#{}", name.id), str::to_string),
                        kind: "referral",
                        service: services.get(&row.service_id).cloned(),
                        date: Some(row.referred_on.to_string()),
                        value: match figure {
                            returns::ReferralFigure::WithFirstContact => days.map(RecordValue::Days),
                            _ => None,
                        },
                        detail,
                    });
                }
                Ok(())
            })?;
        }
        Basis::Cases(scope, CaseSet::Women) => {
            let cases = q::list_cases(conn, scope, &CaseSet::Women)?;
            // One record per woman, with the cases that put her in the count
            // (listed by client, so hers are together).
            let mut i = 0;
            while i < cases.len() {
                let client = cases[i].client_id;
                let mine: Vec<&q::CaseRecord> = cases[i..].iter().take_while(|c| c.client_id == client).collect();
                i += mine.len();
                let mut svc: Vec<String> = mine.iter().map(|c| c.service.clone()).collect();
                svc.dedup();
                out.push(Record {
                    record: woman(client),
                    kind: "woman",
                    service: Some(svc.join("; ")),
                    date: Some(mine[0].opened_on.clone()),
                    value: None,
                    detail: mine.iter().map(|c| case_summary(c)).collect::<Vec<_>>().join("; "),
                });
            }
        }
        Basis::Cases(scope, set) => out.extend(case_records(conn, scope, set, false)?),
        Basis::Equality(scope, which, member) => {
            let year = i64::from(chrono::Datelike::year(&scope.to.0));
            for a in crate::report::equality::women(conn, scope)? {
                if crate::report::equality::member(which, &a, year) == member {
                    out.push(Record {
                        record: woman(a.client_id),
                        kind: "woman",
                        service: None,
                        date: None,
                        value: None,
                        detail: format!("{which} {member}"),
                    });
                }
            }
        }
        Basis::Outcomes(scope, figure) => {
            let women: Vec<_> =
                crate::report::outcomes::women(conn, scope)?.into_iter().filter(|w| figure.counts(w)).collect();
            let ids: Vec<i64> =
                women.iter().flat_map(|w| w.runs.iter().flat_map(|r| r.cases.iter().copied())).collect();
            let keys = crate::db::assessment::case_keys(conn, &ids)?;
            for w in women {
                // On one pathway: her first and latest assessment on it;
                // otherwise every pathway she was assessed on.
                let runs: Vec<&crate::report::outcomes::Run> = match figure {
                    OutcomeFigure::Assessed(p) | OutcomeFigure::Progressed(p) => w.run(*p).into_iter().collect(),
                    _ => w.runs.iter().collect(),
                };
                out.push(Record {
                    record: woman(w.client_id),
                    kind: "woman",
                    service: None,
                    date: runs.iter().map(|r| r.first.0).min().map(|d| d.to_string()),
                    value: None,
                    detail: crate::report::outcomes::describe(&runs, &keys),
                });
            }
        }
        Basis::Hours(scope) => out.extend(case_records(conn, scope, &CaseSet::OpenAtEnd, true)?),
        Basis::Awarded(id) | Basis::Outstanding(_, id) => {
            let g = ret.grants.iter().find(|g| g.id == *id).expect("grant of the return");
            out.push(Record {
                record: g.grant.clone(),
                kind: "grant",
                service: None,
                date: None,
                value: Some(RecordValue::Money(g.awarded)),
                detail: format!("decision {}; recipient {}; awarded {}", g.decision, g.recipient, g.awarded.pretty()),
            });
            if let Basis::Outstanding(scope, id) = basis {
                for p in q::payments(conn, scope, *id, PaymentSet::ToDate)? {
                    out.push(payment(&p, -1));
                }
            }
        }
        Basis::Payments(scope, id, set) => {
            for p in q::payments(conn, scope, *id, *set)? {
                out.push(payment(&p, 1));
            }
        }
    }
    Ok(out)
}

/// The cases of `set`, one record each; with `hours`, each with its tier's
/// weekly hours on the last day.
fn case_records(conn: &Conn, scope: &q::Scope, set: &CaseSet, hours: bool) -> Result<Vec<Record>> {
    let closing = matches!(set, CaseSet::Closed | CaseSet::ClosedWith(_));
    Ok(q::list_cases(conn, scope, set)?
        .into_iter()
        .map(|c| Record {
            record: c.reference.clone().unwrap_or_else(|| format!("#{}", c.id)),
            kind: "case",
            service: Some(c.service.clone()),
            date: if closing { c.closed_on.clone() } else { Some(c.opened_on.clone()) },
            value: hours.then(|| RecordValue::Hours(c.hours_at_end.unwrap_or(0.0))),
            detail: format!("worker {}; {}", c.worker, case_summary(&c)),
        })
        .collect())
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

impl Explanation {
    /// What the records add up to: their number, or the sum of their values
    /// for hours and money. Equal to the figure by construction.
    pub fn listed_total(&self) -> f64 {
        if self.records.iter().any(|r| matches!(r.value, Some(RecordValue::Hours(_) | RecordValue::Money(_)))) {
            self.records
                .iter()
                .map(|r| match r.value {
                    Some(RecordValue::Hours(h)) => h,
                    Some(RecordValue::Money(p)) => p.0 as f64 / 100.0,
                    _ => 0.0,
                })
                .sum()
        } else {
            self.records.len() as f64
        }
    }
}
