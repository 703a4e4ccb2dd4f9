//! The commissioner return (`return` is a keyword, hence `returns`).
//!
//! `build` computes every figure of PRODUCT.md "What the numbers in a
//! return mean" for a period, optionally limited to a service (and a hub's
//! spokes), and gives back a plain `Return` whose JSON form is the
//! documented layout `pathway.return/1` (see
//! src/report/schema/pathway.return-1.schema.json). `Return::figures` lists
//! every figure under the name `report explain` accepts, with the records
//! it was counted over, so the CSV layout, `report explain` and the JSON
//! all come from one list.

use super::equality::{self, Equality};
use super::outcomes::{self, OutcomeFigure, Outcomes};
use super::suppress::{Applied, Count, Ledger, Suppression};
use crate::db::report::{self as q, CaseSet, ReferralRow, Scope, ServiceSet};
use crate::db::Conn;
use crate::value::names::{CaseOutcome, Measure, Need, ReferralOutcome, Risk, Source};
use crate::value::{Date, Pence, Period};
use anyhow::{anyhow, Result};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// The schema tag of the JSON form.
pub const SCHEMA: &str = "pathway.return/1";

/// The JSON Schema of `pathway.return/1`: the contract with the tools that read
/// returns, printed by `pathway report schema`. The tests validate real
/// output against it through that command.
pub const JSON_SCHEMA: &str = include_str!("schema/pathway.return-1.schema.json");

/// The `by_area` key for referrals with no area recorded.
pub const AREA_NOT_RECORDED: &str = "not_recorded";
/// The `by_outcome` key for referrals with no outcome yet.
pub const OUTCOME_NONE: &str = "none";
/// The `by_risk` key for referrals with no DASH risk level.
pub const RISK_NOT_ASSESSED: &str = "not_assessed";

/// What to compute.
#[derive(Debug, Clone)]
pub struct ReturnOptions {
    pub period: Period,
    /// Limit to this service (and its spokes, for a hub).
    pub service: Option<ServiceSet>,
    pub suppression: Suppression,
    /// UTC RFC 3339, e.g. 2021-05-01T06:00:00Z.
    pub generated_at: String,
    /// K of `outcomes.completions` (`--completion-pathways`).
    pub completion_pathways: u32,
}

/// The commissioner return.
#[derive(Debug, Clone, Serialize)]
pub struct Return {
    pub schema: &'static str,
    pub period: PeriodOut,
    pub generated_at: String,
    pub database_schema_version: i64,
    pub suppression: Applied,
    /// The service the return is limited to, with the spokes it includes;
    /// null for every service.
    pub service: Option<ServiceOut>,
    /// Who the return is from (`pathway provider set`); null when not recorded.
    pub provider: Option<ProviderOut>,
    pub referrals: Referrals,
    pub women_supported: Count,
    pub caseload: Caseload,
    pub closures: Closures,
    pub outcomes: Outcomes,
    pub equality: Equality,
    pub targets: Vec<TargetLine>,
    pub grants: Vec<GrantLine>,
    #[serde(skip)]
    pub scope: Scope,
    #[serde(skip)]
    pub tier_hours: Vec<(String, f64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodOut {
    pub label: String,
    pub from: Date,
    pub to: Date,
}

/// The provider a return is from: its name and 360Giving-style org-id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ProviderOut {
    pub name: String,
    pub identifier: Option<String>,
}

impl ProviderOut {
    /// "Juno Women's Aid (GB-CHC-1234567)", or the name alone.
    pub fn text(&self) -> String {
        match &self.identifier {
            Some(id) => format!("{} ({id})", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceOut {
    pub name: String,
    pub includes: Vec<String>,
}

/// Counts under names, in a fixed order; a JSON object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Breakdown(pub Vec<(String, Count)>);

impl Breakdown {
    pub fn get(&self, key: &str) -> Option<Count> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl Serialize for Breakdown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Referrals {
    pub total: Count,
    pub by_source: Breakdown,
    pub by_need: Breakdown,
    pub by_outcome: Breakdown,
    pub by_area: Breakdown,
    pub by_risk: Breakdown,
    pub median_days_to_first_contact: Option<f64>,
    /// Days to first contact → how many referrals took that many (what a
    /// merge recomputes the median from); null under suppression.
    pub days_to_first_contact: Option<BTreeMap<i64, i64>>,
    /// How many referrals the median is over.
    #[serde(skip)]
    pub with_first_contact: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Caseload {
    pub open_at_start: Count,
    pub opened: Count,
    pub closed: Count,
    pub open_at_end: Count,
    pub by_tier: Breakdown,
    pub committed_hours_per_week: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Closures {
    pub by_outcome: Breakdown,
    pub positive_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetLine {
    /// The service the target is set for (null for a grant's target).
    pub service: Option<String>,
    /// The grant the target is set for (null for a service's target).
    pub grant: Option<String>,
    pub measure: Measure,
    /// The target's own period, as recorded.
    pub period: String,
    /// The days `actual` is counted over: the target's period up to the
    /// return's last day.
    pub counted_from: Date,
    pub counted_to: Date,
    pub target: i64,
    pub actual: Count,
    pub percent: Option<f64>,
    /// The name `report explain` knows `actual` by.
    #[serde(skip)]
    pub figure: String,
    #[serde(skip)]
    pub scope: Scope,
    /// In a merged return: the provider whose return it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantLine {
    pub decision: String,
    pub grant: String,
    pub recipient: String,
    pub awarded: Pence,
    pub paid_in_period: Pence,
    pub paid_to_date: Pence,
    pub outstanding: Pence,
    #[serde(skip)]
    pub id: i64,
    /// In a merged return: the provider whose return it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

// ------------------------------------------------------- referral counting

/// A referral reduced to what the return counts it by. The one classifier
/// behind both the counts (`ReferralTally`) and `report explain`.
#[derive(Debug, Clone, Copy)]
pub struct Classified<'a> {
    pub source: Source,
    pub outcome: Option<ReferralOutcome>,
    pub needs: u16,
    pub risk: Option<Risk>,
    pub area: Option<&'a str>,
    pub days_to_first_contact: Option<i64>,
}

fn lookup<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str, s: &str) -> Option<T> {
    all.iter().copied().find(|x| name(*x) == s)
}

/// Days since 0000-03-01 of an ISO date, without allocating (a million rows
/// a second matter here); `None` for anything else.
pub fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe)
}

/// Classify one referral row.
pub fn classify<'a>(r: &ReferralRow<'a>) -> Result<Classified<'a>> {
    let source = lookup(Source::ALL, Source::as_str, r.source)
        .ok_or_else(|| anyhow!("a referral has the unknown source {:?}; run `pathway db check`", r.source))?;
    let outcome = match r.outcome {
        None => None,
        Some(o) => Some(
            lookup(ReferralOutcome::ALL, ReferralOutcome::as_str, o)
                .ok_or_else(|| anyhow!("a referral has the unknown outcome {o:?}; run `pathway db check`"))?,
        ),
    };
    let risk = match r.risk {
        None => None,
        Some(o) => Some(
            lookup(Risk::ALL, Risk::as_str, o)
                .ok_or_else(|| anyhow!("a referral has the unknown risk level {o:?}; run `pathway db check`"))?,
        ),
    };
    let days_to_first_contact = match r.first_contact_on {
        None => None,
        Some(fc) => Some(day_number(fc).zip(day_number(r.referred_on)).map(|(a, b)| a - b).ok_or_else(|| {
            anyhow!("a referral has a first contact date that is not a date ({fc:?}); run `pathway db check`")
        })?),
    };
    Ok(Classified {
        source,
        outcome,
        needs: (r.needs & 0x7ff) as u16,
        risk,
        area: r.area.filter(|a| !a.trim().is_empty()),
        days_to_first_contact,
    })
}

/// A figure of the referrals section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralFigure {
    Total,
    Source(Source),
    Need(Need),
    Outcome(Option<ReferralOutcome>),
    Area(Option<String>),
    Risk(Option<Risk>),
    /// The referrals the median is taken over (those with a first contact).
    WithFirstContact,
}

impl ReferralFigure {
    /// Whether a classified referral counts towards this figure; the same
    /// test `ReferralTally::add` applies.
    pub fn counts(&self, c: &Classified<'_>) -> bool {
        match self {
            ReferralFigure::Total => true,
            ReferralFigure::Source(s) => c.source == *s,
            ReferralFigure::Need(n) => c.needs & (1 << n.bit()) != 0,
            ReferralFigure::Outcome(o) => c.outcome == *o,
            ReferralFigure::Area(a) => c.area == a.as_deref(),
            ReferralFigure::Risk(r) => c.risk == *r,
            ReferralFigure::WithFirstContact => c.days_to_first_contact.is_some(),
        }
    }
}

fn index_of<T: PartialEq>(all: &[T], x: &T) -> usize {
    all.iter().position(|y| y == x).expect("member of its closed set")
}

/// Counts of the referrals section, built one referral at a time.
#[derive(Debug, Default)]
pub struct ReferralTally {
    total: i64,
    source: [i64; 10],
    need: [i64; 11],
    /// ReferralOutcome::ALL, then none.
    outcome: [i64; 6],
    /// Risk::ALL, then not assessed.
    risk: [i64; 4],
    area: BTreeMap<String, i64>,
    no_area: i64,
    /// days to first contact → how many referrals.
    days: BTreeMap<i64, i64>,
}

impl ReferralTally {
    pub fn add(&mut self, c: &Classified<'_>) {
        self.total += 1;
        self.source[index_of(Source::ALL, &c.source)] += 1;
        for (i, n) in self.need.iter_mut().enumerate() {
            *n += i64::from((c.needs >> i) & 1);
        }
        self.outcome[c.outcome.map_or(ReferralOutcome::ALL.len(), |o| index_of(ReferralOutcome::ALL, &o))] += 1;
        self.risk[c.risk.map_or(Risk::ALL.len(), |r| index_of(Risk::ALL, &r))] += 1;
        match c.area {
            Some(a) => match self.area.get_mut(a) {
                Some(n) => *n += 1,
                None => {
                    self.area.insert(a.to_string(), 1);
                }
            },
            None => self.no_area += 1,
        }
        if let Some(d) = c.days_to_first_contact {
            *self.days.entry(d).or_default() += 1;
        }
    }

    /// The median of the days to first contact: the middle value, or the
    /// mean of the middle two for an even count; None when there are none.
    pub fn median_days(&self) -> Option<f64> {
        median(&self.days)
    }

    fn into_referrals(self) -> Referrals {
        let count = |v: i64| Count::Value(v);
        let labelled = |names: Vec<&str>, counts: &[i64]| {
            Breakdown(names.into_iter().zip(counts).map(|(s, n)| (s.to_string(), count(*n))).collect())
        };
        let outcomes = ReferralOutcome::ALL.iter().map(|o| o.as_str()).chain([OUTCOME_NONE]).collect();
        let risks = Risk::ALL.iter().map(|o| o.as_str()).chain([RISK_NOT_ASSESSED]).collect();
        let mut area = self.area;
        if self.no_area > 0 {
            area.insert(AREA_NOT_RECORDED.to_string(), self.no_area);
        }
        Referrals::from_counts(
            self.total,
            [
                labelled(Source::ALL.iter().map(|s| s.as_str()).collect(), &self.source),
                labelled(Need::ALL.iter().map(|s| s.as_str()).collect(), &self.need),
                labelled(outcomes, &self.outcome),
                labelled(risks, &self.risk),
            ],
            area,
            self.days,
        )
    }
}

impl Referrals {
    /// The section from its counts (a provider's tally, or the sums of a
    /// merge): `by` is by source, need, outcome and risk; `area` counts by
    /// area name, `not_recorded` among them, which goes last; `days` is the
    /// distribution of days to first contact, which gives the median.
    pub fn from_counts(
        total: i64,
        by: [Breakdown; 4],
        mut area: BTreeMap<String, i64>,
        days: BTreeMap<i64, i64>,
    ) -> Referrals {
        let no_area = area.remove(AREA_NOT_RECORDED);
        let mut by_area: Vec<(String, Count)> = area.into_iter().map(|(k, n)| (k, Count::Value(n))).collect();
        if let Some(n) = no_area.filter(|n| *n > 0) {
            by_area.push((AREA_NOT_RECORDED.to_string(), Count::Value(n)));
        }
        let [by_source, by_need, by_outcome, by_risk] = by;
        Referrals {
            total: Count::Value(total),
            by_source,
            by_need,
            by_outcome,
            by_area: Breakdown(by_area),
            by_risk,
            median_days_to_first_contact: median(&days),
            with_first_contact: days.values().sum(),
            days_to_first_contact: Some(days),
        }
    }
}

/// Median of a histogram value → how many.
pub fn median(hist: &BTreeMap<i64, i64>) -> Option<f64> {
    let n: i64 = hist.values().sum();
    if n == 0 {
        return None;
    }
    // 0-based positions of the middle one or two values.
    let (lo, hi) = ((n - 1) / 2, n / 2);
    let (mut a, mut b) = (None, None);
    let mut seen = 0;
    for (v, k) in hist {
        let next = seen + k;
        if a.is_none() && lo < next {
            a = Some(*v);
        }
        if hi < next {
            b = Some(*v);
            break;
        }
        seen = next;
    }
    Some((a? + b?) as f64 / 2.0)
}

/// Count the referrals of `scope`: one range scan.
pub fn tally_referrals(conn: &Conn, scope: &Scope) -> Result<ReferralTally> {
    let mut tally = ReferralTally::default();
    let mut err = None;
    q::scan_referrals(conn, scope, |r| match classify(r) {
        Ok(c) => tally.add(&c),
        Err(e) => {
            err.get_or_insert(e);
        }
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(tally),
    }
}

// ------------------------------------------------------------------- build

/// `part ÷ whole` rounded to 4 places, `None` when `whole` is 0: every
/// rate of a return (0 to 1).
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round_to(part as f64 / whole as f64, 4))
}

/// `x` rounded to `places` decimal places.
pub fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The case sets of the caseload and closures sections, in one order.
fn case_sets(tiers: &[(String, f64)]) -> Vec<CaseSet> {
    let mut sets = vec![CaseSet::Women, CaseSet::OpenAtStart, CaseSet::Opened, CaseSet::Closed, CaseSet::OpenAtEnd];
    sets.extend(tiers.iter().map(|(t, _)| CaseSet::TierAtEnd(t.clone())));
    sets.extend(CaseOutcome::ALL.iter().map(|o| CaseSet::ClosedWith(*o)));
    sets
}

/// The sections `build_parts` counts; the others are left at zero (with
/// their figures still named), for `report explain`, which needs the
/// section of one figure, not the whole return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub referrals: bool,
    /// `women_supported`, `caseload` and `closures`.
    pub cases: bool,
    pub outcomes: bool,
    pub equality: bool,
    pub targets: bool,
    pub grants: bool,
}

impl Parts {
    pub const ALL: Parts =
        Parts { referrals: true, cases: true, outcomes: true, equality: true, targets: true, grants: true };
    /// No section counted: every figure named whose name does not depend
    /// on the data (an area's does), each with its basis, at zero.
    pub const NONE: Parts =
        Parts { referrals: false, cases: false, outcomes: false, equality: false, targets: false, grants: false };

    /// The section a figure's name belongs to; every section for a target,
    /// a grant, or a name that is none of these.
    pub fn for_figure(name: &str) -> Parts {
        let first = name.split('.').next().unwrap_or_default();
        match first {
            "referrals" => Parts { referrals: true, ..Parts::NONE },
            "women_supported" | "caseload" | "closures" => Parts { cases: true, ..Parts::NONE },
            "outcomes" => Parts { outcomes: true, ..Parts::NONE },
            "equality" => Parts { equality: true, ..Parts::NONE },
            _ => Parts::ALL,
        }
    }
}

/// Compute the return.
pub fn build(conn: &Conn, opts: &ReturnOptions) -> Result<Return> {
    build_parts(conn, opts, Parts::ALL)
}

/// Compute the sections of the return in `parts`, the others at zero.
pub fn build_parts(conn: &Conn, opts: &ReturnOptions, parts: Parts) -> Result<Return> {
    let p = &opts.period;
    let scope = Scope { from: p.from, to: p.to, services: opts.service.as_ref().map(ServiceSet::ids) };

    let referrals =
        if parts.referrals { tally_referrals(conn, &scope)? } else { ReferralTally::default() }.into_referrals();

    let tier_hours = q::tiers(conn)?;
    let sets = case_sets(&tier_hours);
    // The women supported, found once for the sections that count them.
    let women_supported =
        if parts.cases || parts.outcomes || parts.equality { q::Women::of(conn, &scope)? } else { q::Women::default() };
    let counts =
        if parts.cases { q::count_cases(conn, &scope, &sets, Some(&women_supported))? } else { vec![0; sets.len()] };
    let c = |i: usize| Count::Value(counts[i]);
    let nt = tier_hours.len();
    let by_tier = Breakdown(tier_hours.iter().enumerate().map(|(i, (t, _))| (t.clone(), c(5 + i))).collect());
    let hours: f64 = tier_hours.iter().enumerate().map(|(i, (_, h))| h * counts[5 + i] as f64).sum();
    let caseload = Caseload {
        open_at_start: c(1),
        opened: c(2),
        closed: c(3),
        open_at_end: c(4),
        by_tier,
        committed_hours_per_week: Some(hours),
    };
    let by_outcome =
        Breakdown(CaseOutcome::ALL.iter().enumerate().map(|(i, o)| (o.as_str().to_string(), c(5 + nt + i))).collect());
    let closed = counts[3];
    let positive = counts[5 + nt];
    let closures = Closures { by_outcome, positive_rate: rate(positive, closed) };

    let outcomes = if parts.outcomes {
        outcomes::tally(conn, &scope, &women_supported, opts.completion_pathways)?
    } else {
        outcomes::zero(opts.completion_pathways)
    };
    let answers =
        if parts.equality { crate::db::equality::of_women_supported(conn, &women_supported)? } else { Vec::new() };
    let equality = equality::tally(&answers, &scope);
    let targets = if parts.targets { build_targets(conn, &scope, opts.completion_pathways)? } else { Vec::new() };
    let grants = if parts.grants { q::grants(conn, &scope)? } else { Vec::new() }
        .into_iter()
        .map(|g| GrantLine {
            decision: g.decision,
            grant: g.grant,
            recipient: g.recipient,
            awarded: Pence(g.awarded),
            paid_in_period: Pence(g.paid_in_period),
            paid_to_date: Pence(g.paid_to_date),
            outstanding: Pence(g.awarded - g.paid_to_date),
            id: g.id,
            provider: None,
        })
        .collect();

    let mut ret = Return {
        schema: SCHEMA,
        period: PeriodOut { label: p.label.clone(), from: p.from, to: p.to },
        generated_at: opts.generated_at.clone(),
        database_schema_version: q::schema_version(conn)?,
        suppression: Applied::new(opts.suppression, &[]),
        service: opts
            .service
            .as_ref()
            .map(|s| ServiceOut { name: s.name.clone(), includes: s.spokes.iter().map(|x| x.1.clone()).collect() }),
        provider: crate::db::filed::provider(conn)?.map(|(name, identifier)| ProviderOut { name, identifier }),
        referrals,
        women_supported: c(0),
        caseload,
        closures,
        outcomes,
        equality,
        targets,
        grants,
        scope,
        tier_hours,
    };
    if opts.suppression.is_active() {
        ret.suppress(opts.suppression);
    }
    Ok(ret)
}

fn build_targets(conn: &Conn, scope: &Scope, completion_pathways: u32) -> Result<Vec<TargetLine>> {
    let mut lines = Vec::new();
    for t in q::targets(conn, scope)? {
        let measure: Measure = t.measure.parse().map_err(|e| anyhow!("a target has {e}; run `pathway db check`"))?;
        let from = Date::from_db(&t.from_on).ok_or_else(|| anyhow!("a target has a bad from_on {:?}", t.from_on))?;
        let to = Date::from_db(&t.to_on).ok_or_else(|| anyhow!("a target has a bad to_on {:?}", t.to_on))?;
        let services = match (&t.service, &t.grant) {
            (Some((id, _)), _) => q::service_and_spokes(conn, *id)?,
            (None, Some((gid, _))) => q::grant_services(conn, *gid)?,
            (None, None) => Vec::new(),
        };
        let window = Scope { from, to: to.min(scope.to), services: Some(services) };
        let actual = target_actual(conn, &window, measure, completion_pathways)?;
        let subject =
            t.service.as_ref().map(|s| s.1.clone()).or(t.grant.as_ref().map(|g| g.1.clone())).unwrap_or_default();
        lines.push(TargetLine {
            service: t.service.map(|s| s.1),
            grant: t.grant.map(|g| g.1),
            measure,
            period: t.period,
            counted_from: window.from,
            counted_to: window.to,
            target: t.value,
            actual: Count::Value(actual),
            percent: (t.value > 0).then(|| round_to(actual as f64 * 100.0 / t.value as f64, 1)),
            figure: format!("targets.{subject}.{}", measure.as_str()),
            scope: window,
            provider: None,
        });
    }
    // Two targets for one subject and measure (a year's and a quarter's):
    // their figures are told apart by the target's period.
    let names: Vec<String> = lines.iter().map(|l| l.figure.clone()).collect();
    for l in &mut lines {
        if names.iter().filter(|n| **n == l.figure).count() > 1 {
            l.figure = format!("{}.{}", l.figure, l.period);
        }
    }
    Ok(lines)
}

/// The records behind a target's measure over `window`: the referrals,
/// the cases (one per woman for women_supported), or the women of the
/// outcomes section (with `completion_pathways` for completions).
pub fn target_basis(window: &Scope, measure: Measure, completion_pathways: u32) -> Basis {
    let w = window.clone();
    match measure {
        Measure::Referrals => Basis::Referrals(w, ReferralFigure::Total),
        Measure::WomenSupported => Basis::Cases(w, CaseSet::Women),
        Measure::PositiveOutcomes => Basis::Cases(w, CaseSet::ClosedWith(CaseOutcome::Positive)),
        Measure::WomenProgressed => Basis::Outcomes(w, OutcomeFigure::WomenProgressed),
        Measure::Completions => Basis::Outcomes(w, OutcomeFigure::Completions(completion_pathways)),
    }
}

fn target_actual(conn: &Conn, window: &Scope, measure: Measure, completion_pathways: u32) -> Result<i64> {
    if window.from > window.to {
        return Ok(0);
    }
    match target_basis(window, measure, completion_pathways) {
        Basis::Referrals(w, _) => q::count_referrals(conn, &w),
        Basis::Cases(w, set) => Ok(q::count_cases(conn, &w, &[set], None)?[0]),
        Basis::Outcomes(w, f) => {
            let active = q::Women::of(conn, &w)?;
            outcomes::count(conn, &w, &active, f)
        }
        _ => unreachable!("a target's basis is referrals, cases or outcomes"),
    }
}

// ------------------------------------------------------------- suppression

impl Return {
    /// Apply `--suppress`/`--round` to every count, hiding the derived
    /// figures whose base is hidden.
    pub fn suppress(&mut self, s: Suppression) {
        let counts = self.counts();
        let mut ledger = Ledger::default();
        for c in &counts.cells {
            ledger.cell(**c);
        }
        for rel in &counts.relations {
            ledger.relate(rel.clone());
        }
        let published = ledger.publish(s);
        let applied = Applied::new(s, &published);
        // The same cells the ledger was given, in the same traversal.
        for (cell, value) in counts.cells.into_iter().zip(published) {
            *cell = value;
        }
        self.suppression = applied;
        self.withhold_derived(s);
    }

    /// Every count of the return, in one traversal, with the published
    /// relations between them (a total and its parts).
    fn counts(&mut self) -> Counts<'_> {
        let mut c = Counts::default();
        let r = &mut self.referrals;
        let total = c.cell(&mut r.total);
        for b in [&mut r.by_source, &mut r.by_outcome, &mut r.by_risk, &mut r.by_area] {
            c.parts(total, b);
        }
        for (_, v) in r.by_need.0.iter_mut() {
            c.cell(v);
        }
        let women = c.cell(&mut self.women_supported);
        let cl = &mut self.caseload;
        let flow: Vec<usize> = [&mut cl.open_at_start, &mut cl.opened, &mut cl.closed, &mut cl.open_at_end]
            .into_iter()
            .map(|v| c.cell(v))
            .collect();
        let (closed, end) = (flow[2], flow[3]);
        c.relations.push(flow);
        c.parts(end, &mut cl.by_tier);
        c.parts(closed, &mut self.closures.by_outcome);
        // Outcomes: plain counts. No figure of the section is the sum of
        // others (a woman assessed on two pathways counts under each, and
        // women_progressed is a part of women_assessed whose other part,
        // the women assessed who did not progress, is never published), so
        // no relation is declared; what could be worked back is the rate,
        // which is withheld when a count it is made of is hidden.
        let o = &mut self.outcomes;
        for (_, p) in o.by_pathway.0.iter_mut() {
            c.cell(&mut p.assessed);
            c.cell(&mut p.progressed);
        }
        for v in [&mut o.women_assessed, &mut o.women_progressed, &mut o.completions] {
            c.cell(v);
        }
        // Equality: each breakdown adds up to women_supported.
        for b in self.equality.breakdowns_mut() {
            c.parts(women, b);
        }
        for t in &mut self.targets {
            c.cell(&mut t.actual);
        }
        c
    }

    /// After suppression: a median, rate, hours or percentage figure whose
    /// base is hidden is withheld too.
    fn withhold_derived(&mut self, s: Suppression) {
        let r = &mut self.referrals;
        if s.is_small(r.with_first_contact) {
            r.median_days_to_first_contact = None;
        }
        // Each day's count would show small numbers: never sent suppressed.
        r.days_to_first_contact = None;
        let cl = &mut self.caseload;
        if cl.open_at_end.is_hidden() || cl.by_tier.0.iter().any(|(_, v)| v.is_hidden()) {
            cl.committed_hours_per_week = None;
        }
        if cl.closed.is_hidden() || self.closures.by_outcome.0.iter().any(|(_, v)| v.is_hidden()) {
            self.closures.positive_rate = None;
        }
        // The rate of two exact counts would give them back: withheld when
        // either is hidden, and under rounding (whose point is that exact
        // counts are not shown).
        let o = &mut self.outcomes;
        if o.women_assessed.is_hidden() || o.women_progressed.is_hidden() || s.rounding.is_some() {
            o.progress_rate = None;
        }
        for t in &mut self.targets {
            if t.actual.is_hidden() {
                t.percent = None;
            }
        }
    }
}

/// The counts of a return, each a cell, and the relations between cells.
#[derive(Default)]
struct Counts<'a> {
    cells: Vec<&'a mut Count>,
    relations: Vec<Vec<usize>>,
}

impl<'a> Counts<'a> {
    fn cell(&mut self, c: &'a mut Count) -> usize {
        self.cells.push(c);
        self.cells.len() - 1
    }

    /// A breakdown's counts, related to the total they add up to.
    fn parts(&mut self, total: usize, b: &'a mut Breakdown) {
        let mut rel = vec![total];
        for (_, v) in b.0.iter_mut() {
            rel.push(self.cell(v));
        }
        self.relations.push(rel);
    }
}

// ----------------------------------------------------------------- figures

/// What a figure's value is.
#[derive(Debug, Clone, PartialEq)]
pub enum FigureValue {
    Count(Count),
    Number(Option<f64>),
    Money(Pence),
    Int(i64),
    Text(Option<String>),
}

/// The records a figure is counted over, for `report explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// Referrals of the scope for which the figure `counts`.
    Referrals(Scope, ReferralFigure),
    /// Cases of the scope in the set (women: one per woman).
    Cases(Scope, CaseSet),
    /// The open cases at the end, each with its tier's hours.
    Hours(Scope),
    /// The women of the scope's outcomes counted by the figure.
    Outcomes(Scope, OutcomeFigure),
    /// The women of `women_supported` in member `.2` of equality breakdown `.1`.
    Equality(Scope, &'static str, String),
    /// The grant itself.
    Awarded(Box<GrantLine>),
    Payments(Scope, i64, q::PaymentSet),
    /// The grant's amount less its payments to date.
    Outstanding(Scope, Box<GrantLine>),
}

/// One line of the return in its long form: the CSV layout and the list of
/// figures `report explain` accepts.
#[derive(Debug, Clone)]
pub struct Figure {
    pub section: &'static str,
    pub item: String,
    pub measure: String,
    pub category: String,
    pub value: FigureValue,
    /// What `report explain` needs of a figure it accepts; None for
    /// descriptive lines.
    pub named: Option<Named>,
}

/// A figure's name, the records it is counted over, and how, in words.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub basis: Basis,
    pub rule: String,
}

impl Figure {
    /// A descriptive line (no name, nothing to explain).
    pub fn line(section: &'static str, item: String, measure: &str, category: &str, value: FigureValue) -> Figure {
        Figure { section, item, measure: measure.into(), category: category.into(), value, named: None }
    }

    /// A figure `report explain` accepts: its name, the records it is
    /// counted over and how, in words.
    fn named(name: String, line: Figure, basis: Basis, rule: String) -> Figure {
        Figure { named: Some(Named { name, basis, rule }), ..line }
    }

    /// The name `report explain` accepts, for a named figure.
    pub fn name(&self) -> Option<&str> {
        self.named.as_ref().map(|n| n.name.as_str())
    }
}

/// `section.measure` or `section.measure.category`.
fn dotted(section: &str, measure: &str, category: &str) -> String {
    if category.is_empty() {
        format!("{section}.{measure}")
    } else {
        format!("{section}.{measure}.{category}")
    }
}

impl Return {
    /// Every line of the return, in order, with the figures' names.
    pub fn figures(&self) -> Vec<Figure> {
        let mut out = self.meta_figures();
        out.extend(self.referral_figures());
        out.push(self.women_figure());
        out.extend(self.caseload_figures());
        out.extend(self.outcome_figures());
        out.extend(self.equality_figures());
        for t in &self.targets {
            out.extend(self.target_figures(t));
        }
        for g in &self.grants {
            out.extend(self.grant_figures(g));
        }
        // The key to the symbols of hidden counts, last, so that a reader
        // of the CSV alone knows what "<5" and "[c]" mean.
        for (symbol, meaning) in &self.suppression.legend {
            out.push(Figure::line("return", String::new(), "legend", symbol, FigureValue::Text(Some(meaning.clone()))));
        }
        out
    }

    /// "from F to T" of the return's scope.
    fn span(&self) -> String {
        format!("from {} to {}", self.scope.from, self.scope.to)
    }

    /// What the return is: schema, period, service, provider, suppression.
    fn meta_figures(&self) -> Vec<Figure> {
        let text = |s: &str| FigureValue::Text(Some(s.to_string()));
        let a = &self.suppression;
        [
            ("schema", text(self.schema)),
            ("period", text(&self.period.label)),
            ("from", text(&self.period.from.iso())),
            ("to", text(&self.period.to.iso())),
            ("generated_at", text(&self.generated_at)),
            ("database_schema_version", FigureValue::Int(self.database_schema_version)),
            ("service", FigureValue::Text(self.service.as_ref().map(|s| s.name.clone()))),
            ("service_includes", FigureValue::Text(self.service.as_ref().map(|s| s.includes.join(";")))),
            ("provider", FigureValue::Text(self.provider.as_ref().map(|p| p.name.clone()))),
            ("provider_identifier", FigureValue::Text(self.provider.as_ref().and_then(|p| p.identifier.clone()))),
            ("suppression_threshold", FigureValue::Int(i64::from(a.threshold))),
            ("suppression_rounding", FigureValue::Int(i64::from(a.rounding.unwrap_or(0)))),
            ("suppression_primary", FigureValue::Int(a.primary as i64)),
            ("suppression_secondary", FigureValue::Int(a.secondary as i64)),
        ]
        .into_iter()
        .map(|(measure, value)| Figure::line("return", String::new(), measure, "", value))
        .collect()
    }

    fn referral_figures(&self) -> Vec<Figure> {
        let sc = &self.scope;
        let referral = |measure: &str, category: &str, v: Count, f: ReferralFigure, rule: String| {
            let line = Figure::line("referrals", String::new(), measure, category, FigureValue::Count(v));
            Figure::named(dotted("referrals", measure, category), line, Basis::Referrals(sc.clone(), f), rule)
        };
        let r = &self.referrals;
        let referred = format!("referrals with referred_on {}", self.span());
        let mut out = vec![referral("total", "", r.total, ReferralFigure::Total, referred.clone())];
        for (s, (k, v)) in Source::ALL.iter().zip(&r.by_source.0) {
            let rule = format!("{referred} whose source is {k}");
            out.push(referral("by_source", k, *v, ReferralFigure::Source(*s), rule));
        }
        for (n, (k, v)) in Need::ALL.iter().zip(&r.by_need.0) {
            let rule =
                format!("{referred} with {k} among their needs (a referral with several needs counts under each)");
            out.push(referral("by_need", k, *v, ReferralFigure::Need(*n), rule));
        }
        for (o, (k, v)) in ReferralOutcome::ALL.iter().map(Some).chain([None]).zip(&r.by_outcome.0) {
            let rule = match o {
                Some(_) => format!("{referred} whose outcome is {k}"),
                None => format!("{referred} with no outcome recorded yet"),
            };
            out.push(referral("by_outcome", k, *v, ReferralFigure::Outcome(o.copied()), rule));
        }
        for (k, v) in &r.by_area.0 {
            let (f, rule) = if k == AREA_NOT_RECORDED {
                (ReferralFigure::Area(None), format!("{referred} with no area recorded"))
            } else {
                (ReferralFigure::Area(Some(k.clone())), format!("{referred} whose area is {k}"))
            };
            out.push(referral("by_area", k, *v, f, rule));
        }
        for (o, (k, v)) in Risk::ALL.iter().map(Some).chain([None]).zip(&r.by_risk.0) {
            let rule = match o {
                Some(_) => format!("{referred} whose DASH risk level is {k}"),
                None => format!("{referred} with no DASH risk level recorded"),
            };
            out.push(referral("by_risk", k, *v, ReferralFigure::Risk(o.copied()), rule));
        }
        let measure = "median_days_to_first_contact";
        let line =
            Figure::line("referrals", String::new(), measure, "", FigureValue::Number(r.median_days_to_first_contact));
        out.push(Figure::named(
            dotted("referrals", measure, ""),
            line,
            Basis::Referrals(sc.clone(), ReferralFigure::WithFirstContact),
            format!("median of first_contact_on − referred_on in days over the {referred} that have a first contact (the mean of the middle two for an even count)"),
        ));
        out
    }

    fn women_figure(&self) -> Figure {
        let sc = &self.scope;
        let line = Figure::line(
            "women_supported",
            String::new(),
            "women_supported",
            "",
            FigureValue::Count(self.women_supported),
        );
        Figure::named(
            "women_supported".into(),
            line,
            Basis::Cases(sc.clone(), CaseSet::Women),
            format!(
                "distinct women with a case open on at least one day {} (opened on or before {}, not closed before {})",
                self.span(),
                sc.to,
                sc.from
            ),
        )
    }

    /// The caseload and closures sections.
    fn caseload_figures(&self) -> Vec<Figure> {
        let sc = &self.scope;
        let span = self.span();
        let case = |section: &'static str, measure: &str, category: &str, v: FigureValue, basis, rule| {
            let line = Figure::line(section, String::new(), measure, category, v);
            Figure::named(dotted(section, measure, category), line, basis, rule)
        };
        let cases = |set: CaseSet| Basis::Cases(sc.clone(), set);
        let count = |c: Count| FigureValue::Count(c);
        let cl = &self.caseload;
        let open_end = format!("cases opened on or before {} and not closed on or before it", sc.to);
        let mut out = vec![
            case(
                "caseload",
                "open_at_start",
                "",
                count(cl.open_at_start),
                cases(CaseSet::OpenAtStart),
                format!("cases opened before {} and not closed before it", sc.from),
            ),
            case("caseload", "opened", "", count(cl.opened), cases(CaseSet::Opened), format!("cases opened {span}")),
            case("caseload", "closed", "", count(cl.closed), cases(CaseSet::Closed), format!("cases closed {span}")),
            case("caseload", "open_at_end", "", count(cl.open_at_end), cases(CaseSet::OpenAtEnd), open_end.clone()),
        ];
        for (t, v) in &cl.by_tier.0 {
            out.push(case(
                "caseload",
                "by_tier",
                t,
                count(*v),
                cases(CaseSet::TierAtEnd(t.clone())),
                format!("{open_end}, at tier {t} on {} (the tier change with the latest date on or before it)", sc.to),
            ));
        }
        out.push(case(
            "caseload",
            "committed_hours_per_week",
            "",
            FigureValue::Number(cl.committed_hours_per_week),
            Basis::Hours(sc.clone()),
            format!("the weekly hours of the tier on {} of each of the {open_end}", sc.to),
        ));
        for (o, (k, v)) in CaseOutcome::ALL.iter().zip(&self.closures.by_outcome.0) {
            out.push(case(
                "closures",
                "by_outcome",
                k,
                count(*v),
                cases(CaseSet::ClosedWith(*o)),
                format!("cases closed {span} with outcome {k}"),
            ));
        }
        out.push(case(
            "closures",
            "positive_rate",
            "",
            FigureValue::Number(self.closures.positive_rate),
            cases(CaseSet::Closed),
            format!("cases closed {span} with outcome positive ÷ all cases closed {span}, rounded to 4 places"),
        ));
        out
    }

    fn outcome_figures(&self) -> Vec<Figure> {
        let sc = &self.scope;
        let span = self.span();
        let o = &self.outcomes;
        let counted = format!(
            "the women with a case open on at least one day {span} at a service in scope, by their assessments \
             on or before {} on a case at a service in scope (any of her cases)",
            sc.to
        );
        let outcome = |measure: &str, category: String, v: FigureValue, f, rule| {
            let name = dotted("outcomes", measure, &category);
            let line = Figure::line("outcomes", String::new(), measure, &category, v);
            Figure::named(name, line, Basis::Outcomes(sc.clone(), f), rule)
        };
        let mut out = Vec::new();
        for (p, c) in &o.by_pathway.0 {
            out.push(outcome(
                "by_pathway",
                format!("{p}.assessed"),
                FigureValue::Count(c.assessed),
                OutcomeFigure::Assessed(*p),
                format!("{counted}: those with an assessment on {p}"),
            ));
            out.push(outcome(
                "by_pathway",
                format!("{p}.progressed"),
                FigureValue::Count(c.progressed),
                OutcomeFigure::Progressed(*p),
                format!("{counted}: those whose latest score on {p} is higher than their first"),
            ));
        }
        out.push(outcome(
            "women_assessed",
            String::new(),
            FigureValue::Count(o.women_assessed),
            OutcomeFigure::WomenAssessed,
            format!("{counted}: those assessed on at least one pathway (each woman once)"),
        ));
        out.push(outcome(
            "women_progressed",
            String::new(),
            FigureValue::Count(o.women_progressed),
            OutcomeFigure::WomenProgressed,
            format!("{counted}: those who progressed on at least one pathway (each woman once)"),
        ));
        out.push(outcome(
            "progress_rate",
            String::new(),
            FigureValue::Number(o.progress_rate),
            OutcomeFigure::WomenProgressed,
            "outcomes.women_progressed ÷ outcomes.women_assessed, rounded to 4 places (the women who progressed are \
             listed)"
                .into(),
        ));
        out.push(outcome(
            "completions",
            String::new(),
            FigureValue::Count(o.completions),
            OutcomeFigure::Completions(o.completion_pathways),
            format!(
                "{counted}: those with a case closed {span} at a service in scope who progressed on at least {} \
                 pathways",
                o.completion_pathways
            ),
        ));
        let k = FigureValue::Int(i64::from(o.completion_pathways));
        out.push(Figure::line("outcomes", String::new(), "completion_pathways", "", k));
        out
    }

    fn equality_figures(&self) -> Vec<Figure> {
        let rules: [(&str, &str); 4] = [
            ("by_age_band", "whose age (the year of T minus the birth year) is in the band"),
            ("by_ethnic_group", "whose ethnic group (ONS 2021 high-level group of the recorded category) is"),
            ("by_disability", "whose disability answer is"),
            ("with_dependent_children", "with dependent children (one or more):"),
        ];
        let mut out = Vec::new();
        for ((which, b), (_, words)) in self.equality.breakdowns().into_iter().zip(rules) {
            for (k, v) in &b.0 {
                let line = Figure::line("equality", String::new(), which, k, FigureValue::Count(*v));
                out.push(Figure::named(
                    format!("equality.{which}.{k}"),
                    line,
                    Basis::Equality(self.scope.clone(), which, k.clone()),
                    format!("the women counted in women_supported {words} {k}"),
                ));
            }
        }
        out
    }

    /// A target's lines: the target, the actual (named) and the percentage.
    fn target_figures(&self, t: &TargetLine) -> Vec<Figure> {
        let item = t.service.clone().or(t.grant.clone()).unwrap_or_default();
        let item = match &t.provider {
            Some(p) => format!("{p}: {item} ({})", t.period),
            None => format!("{item} ({})", t.period),
        };
        let line = |category: &str, value: FigureValue| {
            Figure::line("targets", item.clone(), t.measure.as_str(), category, value)
        };
        let basis = target_basis(&t.scope, t.measure, self.outcomes.completion_pathways);
        vec![
            line("target", FigureValue::Int(t.target)),
            Figure::named(t.figure.clone(), line("actual", FigureValue::Count(t.actual)), basis, self.target_rule(t)),
            line("percent", FigureValue::Number(t.percent)),
        ]
    }

    /// How a target's actual is counted, in words.
    fn target_rule(&self, t: &TargetLine) -> String {
        let w = &t.scope;
        let whose = match (&t.service, &t.grant) {
            (Some(s), _) => format!("of {s} (and its spokes, for a hub)"),
            (None, Some(g)) => format!("of the services grant {g} funds"),
            _ => String::new(),
        };
        match t.measure {
            Measure::Referrals => {
                format!("referrals to the services {whose} with referred_on from {} to {}", w.from, w.to)
            }
            Measure::WomenSupported => format!(
                "distinct women with a case at the services {whose} open on at least one day from {} to {}",
                w.from, w.to
            ),
            Measure::PositiveOutcomes => {
                format!("cases at the services {whose} closed from {} to {} with outcome positive", w.from, w.to)
            }
            Measure::WomenProgressed => format!(
                "distinct women with a case at the services {whose} open on at least one day from {} to {} whose \
                 latest score on a pathway (of their assessments on or before {} on a case at those services) is \
                 higher than their first, on at least one pathway",
                w.from, w.to, w.to
            ),
            Measure::Completions => format!(
                "distinct women with a case at the services {whose} closed from {} to {} who progressed (latest \
                 score higher than the first, of their assessments on or before {} on a case at those services) on \
                 at least {} pathways",
                w.from, w.to, w.to, self.outcomes.completion_pathways
            ),
        }
    }

    /// A grant's lines: decision and recipient, then its four sums (named).
    fn grant_figures(&self, g: &GrantLine) -> Vec<Figure> {
        let sc = &self.scope;
        let item = match &g.provider {
            Some(p) => format!("{p}: {}", g.grant),
            None => g.grant.clone(),
        };
        let line = |measure: &str, value: FigureValue| Figure::line("grants", item.clone(), measure, "", value);
        let mut out = vec![
            line("decision", FigureValue::Text(Some(g.decision.clone()))),
            line("recipient", FigureValue::Text(Some(g.recipient.clone()))),
        ];
        let money = [
            ("awarded", g.awarded, Basis::Awarded(Box::new(g.clone())), format!("the amount of grant {}", g.grant)),
            (
                "paid_in_period",
                g.paid_in_period,
                Basis::Payments(sc.clone(), g.id, q::PaymentSet::InPeriod),
                format!("payments under grant {} paid {}", g.grant, self.span()),
            ),
            (
                "paid_to_date",
                g.paid_to_date,
                Basis::Payments(sc.clone(), g.id, q::PaymentSet::ToDate),
                format!("payments under grant {} paid on or before {}", g.grant, sc.to),
            ),
            (
                "outstanding",
                g.outstanding,
                Basis::Outstanding(sc.clone(), Box::new(g.clone())),
                format!("the amount of grant {} less its payments on or before {}", g.grant, sc.to),
            ),
        ];
        for (m, v, basis, rule) in money {
            out.push(Figure::named(format!("grants.{}.{m}", g.grant), line(m, FigureValue::Money(v)), basis, rule));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_agree_with_chrono() {
        let base = Date::ymd(2000, 1, 1);
        for s in ["2000-01-01", "2000-02-29", "2000-03-01", "2021-04-30", "2022-03-31", "1999-12-31", "2024-02-29"] {
            let d: Date = s.parse().unwrap();
            assert_eq!(day_number(s).unwrap() - day_number("2000-01-01").unwrap(), base.days_until(d), "{s}");
        }
        assert_eq!(day_number("2021-4-1"), None);
        assert_eq!(day_number("2021-04-0x"), None);
    }

    #[test]
    fn medians() {
        let h = |v: &[i64]| {
            let mut m = BTreeMap::new();
            for x in v {
                *m.entry(*x).or_insert(0) += 1;
            }
            median(&m)
        };
        assert_eq!(h(&[]), None);
        assert_eq!(h(&[4]), Some(4.0));
        assert_eq!(h(&[1, 2]), Some(1.5));
        assert_eq!(h(&[0, 0, 7]), Some(0.0));
        assert_eq!(h(&[1, 3, 3, 9]), Some(3.0));
        assert_eq!(h(&[1, 2, 3, 10]), Some(2.5));
        assert_eq!(h(&[5, 1, 9, 2, 8]), Some(5.0));
    }

    #[test]
    fn rounding_places() {
        assert_eq!(round_to(2.0 / 3.0, 4), 0.6667);
        assert_eq!(round_to(131.75, 1), 131.8);
        assert_eq!(round_to(527.0 * 100.0 / 400.0, 1), 131.8);
    }
}
