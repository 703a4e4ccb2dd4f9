//! `report merge`: the commissioner's side. Several providers'
//! `pathway.return/1` files for one period become one consolidated return
//! (PRODUCT.md 6.3): counts added up; the median of days to first contact
//! recomputed from the distributions the returns carry; rates recomputed
//! from the added counts; targets and grants listed per provider. The
//! merged figures are held in a `Return`, so that `--suppress`/`--round`
//! apply to them exactly as to a provider's return, and its table, CSV and
//! HTML are the return's, with the inputs named.
//!
//! Refused, naming the file: a file that is not a return's JSON, an unknown
//! schema, a suppressed or rounded return, one made before returns carried
//! the distribution of days to first contact or the provider, a different
//! period (or completions K), the same file twice, the same provider twice.

use super::equality::Equality;
use super::outcomes::{ByPathway, Outcomes, PathwayCounts};
use super::returns::{
    self, Breakdown, Caseload, Closures, GrantLine, PeriodOut, ProviderOut, Referrals, Return, TargetLine,
};
use super::suppress::{Applied, Count, Suppression};
use crate::db::report::Scope;
use crate::error::invalid;
use crate::value::names::{Measure, Pathway};
use crate::value::{Date, Pence};
use anyhow::Result;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The schema tag of the merged return's JSON.
pub const SCHEMA: &str = "pathway.merged-return/1";

/// The JSON Schema of `pathway.merged-return/1`: the contract with the tools that read
/// returns, printed by `pathway report schema`. The tests validate real
/// output against it through that command.
pub const JSON_SCHEMA: &str = include_str!("schema/pathway.merged-return-1.schema.json");

/// What the merged return says about `women_supported`.
pub const WOMEN_NOTE: &str = "women_supported is the sum of the providers' counts, not de-duplicated across \
providers: a woman supported by two providers counts twice (client references are pseudonymous per provider, so \
they cannot be matched)";

/// One provider's return, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub provider: ProviderOut,
    pub file: String,
    pub generated_at: String,
    pub sha256: String,
    /// The service the provider's return is limited to, if any.
    pub service: Option<String>,
}

/// Who was expected to send a return (`--expect`), and who did.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub expected: usize,
    pub received: usize,
    /// received ÷ expected, 4 places; null when the list is empty.
    pub reporting_rate: Option<f64>,
    /// The expected providers without a return, as the list names them.
    pub missing: Vec<String>,
    /// Providers that sent a return but are not on the list.
    pub not_expected: Vec<String>,
}

/// The merged return.
#[derive(Debug, Clone)]
pub struct Merged {
    pub inputs: Vec<Input>,
    pub expected: Option<Expected>,
    /// The merged figures, in a return's shape (schema `SCHEMA`).
    pub ret: Return,
}

#[derive(Serialize)]
struct MergedJson<'a> {
    schema: &'static str,
    period: &'a PeriodOut,
    generated_at: &'a str,
    inputs: &'a [Input],
    expected: &'a Option<Expected>,
    notes: [&'static str; 1],
    suppression: &'a Applied,
    referrals: &'a Referrals,
    women_supported: Count,
    caseload: &'a Caseload,
    closures: &'a Closures,
    outcomes: &'a Outcomes,
    equality: &'a Equality,
    targets: &'a [TargetLine],
    grants: &'a [GrantLine],
}

impl Serialize for Merged {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.ret;
        MergedJson {
            schema: SCHEMA,
            period: &r.period,
            generated_at: &r.generated_at,
            inputs: &self.inputs,
            expected: &self.expected,
            notes: [WOMEN_NOTE],
            suppression: &r.suppression,
            referrals: &r.referrals,
            women_supported: r.women_supported,
            caseload: &r.caseload,
            closures: &r.closures,
            outcomes: &r.outcomes,
            equality: &r.equality,
            targets: &r.targets,
            grants: &r.grants,
        }
        .serialize(s)
    }
}

/// One file to merge: its name (as given) and bytes.
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A JSON value at `path` of a return, with errors that name the file.
struct Doc<'a> {
    file: &'a str,
    v: Value,
}

impl Doc<'_> {
    fn at(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(&self.v, |v, k| v.get(k))
    }

    fn bad(&self, path: &str, what: &str) -> anyhow::Error {
        invalid(format!(
            "{}: {path} is not {what}; is it a return made by `pathway report return --format json`?",
            self.file
        ))
    }

    fn str(&self, path: &str) -> Result<&str> {
        self.at(path).and_then(Value::as_str).ok_or_else(|| self.bad(path, "a text"))
    }

    fn count(&self, path: &str) -> Result<i64> {
        self.at(path).and_then(Value::as_i64).filter(|n| *n >= 0).ok_or_else(|| self.bad(path, "a count"))
    }

    fn object(&self, path: &str) -> Result<&serde_json::Map<String, Value>> {
        self.at(path).and_then(Value::as_object).ok_or_else(|| self.bad(path, "an object"))
    }

    /// A breakdown: name → count.
    fn breakdown(&self, path: &str) -> Result<Vec<(String, i64)>> {
        self.object(path)?
            .iter()
            .map(|(k, v)| {
                v.as_i64()
                    .filter(|n| *n >= 0)
                    .map(|n| (k.clone(), n))
                    .ok_or_else(|| self.bad(&format!("{path}.{k}"), "a count"))
            })
            .collect()
    }
}

/// Sums of breakdowns in first-seen key order.
#[derive(Default)]
struct Sum(Vec<(String, i64)>);

impl Sum {
    fn add(&mut self, items: Vec<(String, i64)>) {
        for (k, n) in items {
            match self.0.iter_mut().find(|(x, _)| *x == k) {
                Some((_, m)) => *m += n,
                None => self.0.push((k, n)),
            }
        }
    }

    fn get(&self, k: &str) -> i64 {
        self.0.iter().find(|(x, _)| x == k).map_or(0, |x| x.1)
    }

    fn breakdown(self) -> Breakdown {
        Breakdown(self.0.into_iter().map(|(k, n)| (k, Count::Value(n))).collect())
    }
}

#[derive(Default)]
struct Totals {
    referrals: i64,
    by: BTreeMap<&'static str, Sum>,
    areas: BTreeMap<String, i64>,
    days: BTreeMap<i64, i64>,
    women: i64,
    flow: [i64; 4],
    hours: f64,
    pathways: Vec<(Pathway, i64, i64)>,
    assessed: i64,
    progressed: i64,
    completions: i64,
    completion_pathways: Option<u32>,
    targets: Vec<TargetLine>,
    grants: Vec<GrantLine>,
}

const BREAKDOWNS: [&str; 10] = [
    "referrals.by_source",
    "referrals.by_need",
    "referrals.by_outcome",
    "referrals.by_risk",
    "caseload.by_tier",
    "closures.by_outcome",
    "equality.by_age_band",
    "equality.by_ethnic_group",
    "equality.by_disability",
    "equality.with_dependent_children",
];

/// The identity of a provider for "the same provider twice" and `--expect`:
/// its identifier when it has one, else its name.
fn same_provider(a: &ProviderOut, b: &ProviderOut) -> bool {
    match (&a.identifier, &b.identifier) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => a.name.trim().eq_ignore_ascii_case(b.name.trim()),
    }
}

/// Read and check every file, then add them up. Every refusal is listed
/// (one line each), naming its file.
pub fn merge(files: &[File], expect: Option<&[Vec<String>]>, s: Suppression, generated_at: &str) -> Result<Merged> {
    let mut problems: Vec<String> = Vec::new();
    let mut docs: Vec<(Doc<'_>, Input)> = Vec::new();
    for f in files {
        match read(f) {
            Ok(x) => docs.push(x),
            Err(e) => problems.push(e.to_string()),
        }
    }
    // Across files: the same file or provider twice, another period.
    let mut first_period: Option<(String, String, String, String)> = None;
    for (i, (d, input)) in docs.iter().enumerate() {
        let earlier = &docs[..i];
        if let Some((_, other)) = earlier.iter().find(|(_, o)| o.sha256 == input.sha256) {
            problems.push(format!(
                "{}: the same return as {} (sha256 {}); each return is merged once",
                input.file, other.file, input.sha256
            ));
            continue;
        }
        if let Some((_, other)) = earlier.iter().find(|(_, o)| same_provider(&o.provider, &input.provider)) {
            problems.push(format!(
                "{}: a second return from {} (the first is {}); merge one return per provider",
                input.file, input.provider.name, other.file
            ));
            continue;
        }
        let p = (
            d.str("period.label").unwrap_or_default().to_string(),
            d.str("period.from").unwrap_or_default().to_string(),
            d.str("period.to").unwrap_or_default().to_string(),
            input.file.clone(),
        );
        match &first_period {
            None => first_period = Some(p),
            Some(f) if (&f.1, &f.2) != (&p.1, &p.2) => problems.push(format!(
                "{}: the return is for {} ({} to {}), not {} ({} to {}) as {} is; merge returns for one period",
                p.3, p.0, p.1, p.2, f.0, f.1, f.2, f.3
            )),
            Some(_) => {}
        }
    }
    let mut t = Totals::default();
    if problems.is_empty() {
        for (d, input) in &docs {
            if let Err(e) = add(&mut t, d, input) {
                problems.push(e.to_string());
            }
        }
    }
    if !problems.is_empty() {
        return Err(invalid(format!(
            "{}; nothing was merged\n{}",
            crate::error::count_of(problems.len(), "file is refused", "files are refused"),
            problems.join("\n")
        )));
    }
    let Some((label, from, to, _)) = first_period else {
        return Err(invalid("no return to merge"));
    };
    let inputs: Vec<Input> = docs.into_iter().map(|(_, i)| i).collect();
    let expected = expect.map(|list| expected(list, &inputs));
    let from = Date::from_db(&from).ok_or_else(|| invalid(format!("{}: period.from is not a date", inputs[0].file)))?;
    let to = Date::from_db(&to).ok_or_else(|| invalid(format!("{}: period.to is not a date", inputs[0].file)))?;
    let mut ret = build(t, PeriodOut { label, from, to }, generated_at);
    if s.is_active() {
        ret.suppress(s);
    }
    Ok(Merged { inputs, expected, ret })
}

fn read(f: &File) -> Result<(Doc<'_>, Input)> {
    let file = f.name.as_str();
    let v: Value = serde_json::from_slice(&f.bytes).map_err(|e| {
        invalid(format!("{file}: not a JSON document ({e}); report merge reads pathway.return/1 files"))
    })?;
    let d = Doc { file, v };
    match d.at("schema").and_then(Value::as_str) {
        Some(returns::SCHEMA) => {}
        Some(other) => {
            return Err(invalid(format!(
                "{file}: unknown schema {other:?}; report merge reads {} files (from `pathway report return --format json` or `report file`)",
                returns::SCHEMA
            )))
        }
        None => {
            return Err(invalid(format!(
                "{file}: not a pathway return (it has no \"schema\"); report merge reads {} files",
                returns::SCHEMA
            )))
        }
    }
    let threshold = d.at("suppression.threshold").and_then(Value::as_i64).unwrap_or(0);
    let rounding = d.at("suppression.rounding").and_then(Value::as_i64);
    if threshold > 1 || rounding.is_some() {
        let how = match (threshold > 1, rounding) {
            (true, Some(r)) => format!("--suppress {threshold} --round {r}"),
            (true, None) => format!("--suppress {threshold}"),
            (false, r) => format!("--round {}", r.unwrap_or_default()),
        };
        return Err(invalid(format!(
            "{file}: the return is suppressed ({how}); suppressed counts cannot be added: ask the provider for the \
             unsuppressed return, and apply --suppress to the merged one"
        )));
    }
    if d.at("referrals.days_to_first_contact").is_none() {
        return Err(invalid(format!(
            "{file}: made by an older pathway: it does not carry the distribution of days to first contact, so a \
             faithful median cannot be made; ask the provider to make it again with this version \
             (`pathway report file` or `report return --format json`)"
        )));
    }
    let provider = match d.at("provider") {
        Some(Value::Object(p)) => ProviderOut {
            name: p.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            identifier: p.get("identifier").and_then(Value::as_str).map(str::to_string),
        },
        _ => ProviderOut { name: String::new(), identifier: None },
    };
    if provider.name.trim().is_empty() {
        return Err(invalid(format!(
            "{file}: the return does not say who it is from; ask the provider to record it with `pathway provider \
             set NAME` and make the return again"
        )));
    }
    let input = Input {
        provider,
        file: file.to_string(),
        generated_at: d.str("generated_at")?.to_string(),
        sha256: crate::value::sha256::hex(&f.bytes),
        service: d.at("service.name").and_then(Value::as_str).map(str::to_string),
    };
    Ok((d, input))
}

fn add(t: &mut Totals, d: &Doc<'_>, input: &Input) -> Result<()> {
    let k = d.count("outcomes.completion_pathways")? as u32;
    match t.completion_pathways {
        Some(x) if x != k => {
            return Err(invalid(format!(
                "{}: outcomes.completions counts the women who progressed on at least {k} pathways, not {x} as the \
                 other returns do; ask for returns made with the same --completion-pathways",
                d.file
            )))
        }
        _ => t.completion_pathways = Some(k),
    }
    t.referrals += d.count("referrals.total")?;
    for path in BREAKDOWNS {
        let b = d.breakdown(path)?;
        t.by.entry(path).or_default().add(b);
    }
    for (a, n) in d.breakdown("referrals.by_area")? {
        *t.areas.entry(a).or_default() += n;
    }
    for (days, n) in d.object("referrals.days_to_first_contact")?.clone() {
        let day: i64 = days.parse().map_err(|_| d.bad("referrals.days_to_first_contact", "a distribution of days"))?;
        let n = n
            .as_i64()
            .filter(|n| *n >= 0)
            .ok_or_else(|| d.bad("referrals.days_to_first_contact", "a distribution of days"))?;
        *t.days.entry(day).or_default() += n;
    }
    t.women += d.count("women_supported")?;
    for (i, f) in ["open_at_start", "opened", "closed", "open_at_end"].iter().enumerate() {
        t.flow[i] += d.count(&format!("caseload.{f}"))?;
    }
    t.hours += d.at("caseload.committed_hours_per_week").and_then(Value::as_f64).unwrap_or(0.0);
    for p in Pathway::ALL {
        let a = d.count(&format!("outcomes.by_pathway.{}.assessed", p.as_str()))?;
        let g = d.count(&format!("outcomes.by_pathway.{}.progressed", p.as_str()))?;
        match t.pathways.iter_mut().find(|x| x.0 == *p) {
            Some(x) => {
                x.1 += a;
                x.2 += g;
            }
            None => t.pathways.push((*p, a, g)),
        }
    }
    t.assessed += d.count("outcomes.women_assessed")?;
    t.progressed += d.count("outcomes.women_progressed")?;
    t.completions += d.count("outcomes.completions")?;
    let who = Some(input.provider.name.clone());
    for (i, x) in d.at("targets").and_then(Value::as_array).cloned().unwrap_or_default().iter().enumerate() {
        let sub = Doc { file: d.file, v: x.clone() };
        let at = |f: &str| format!("targets.{i}.{f}");
        let measure: Measure = sub.str("measure")?.parse().map_err(|_| d.bad(&at("measure"), "a measure"))?;
        let date = |f: &str| -> Result<Date> { Date::from_db(sub.str(f)?).ok_or_else(|| d.bad(&at(f), "a date")) };
        let service = sub.at("service").and_then(Value::as_str).map(str::to_string);
        let grant = sub.at("grant").and_then(Value::as_str).map(str::to_string);
        let subject = service.clone().or(grant.clone()).unwrap_or_default();
        let (from, to) = (date("counted_from")?, date("counted_to")?);
        t.targets.push(TargetLine {
            service,
            grant,
            measure,
            period: sub.str("period")?.to_string(),
            counted_from: from,
            counted_to: to,
            target: sub.count("target")?,
            actual: Count::Value(sub.count("actual")?),
            percent: sub.at("percent").and_then(Value::as_f64),
            figure: format!("targets.{}.{subject}.{}", input.provider.name, measure.as_str()),
            scope: Scope { from, to, services: None },
            provider: who.clone(),
        });
    }
    for (i, x) in d.at("grants").and_then(Value::as_array).cloned().unwrap_or_default().iter().enumerate() {
        let sub = Doc { file: d.file, v: x.clone() };
        let money =
            |f: &str| -> Result<Pence> { sub.str(f)?.parse().map_err(|_| d.bad(&format!("grants.{i}.{f}"), "money")) };
        t.grants.push(GrantLine {
            decision: sub.str("decision")?.to_string(),
            grant: sub.str("grant")?.to_string(),
            recipient: sub.str("recipient")?.to_string(),
            awarded: money("awarded")?,
            paid_in_period: money("paid_in_period")?,
            paid_to_date: money("paid_to_date")?,
            outstanding: money("outstanding")?,
            id: 0,
            provider: who.clone(),
        });
    }
    Ok(())
}

fn build(mut t: Totals, period: PeriodOut, generated_at: &str) -> Return {
    let mut take = |k: &str| t.by.remove(k).unwrap_or_default();
    let (source, need, outcome, risk) = (
        take("referrals.by_source"),
        take("referrals.by_need"),
        take("referrals.by_outcome"),
        take("referrals.by_risk"),
    );
    let (tier, closed_by) = (take("caseload.by_tier"), take("closures.by_outcome"));
    let eq = [
        take("equality.by_age_band"),
        take("equality.by_ethnic_group"),
        take("equality.by_disability"),
        take("equality.with_dependent_children"),
    ];
    let closed = t.flow[2];
    let positive = closed_by.get("positive");
    let [age, ethnic, disability, children] = eq;
    let from = period.from;
    let to = period.to;
    Return {
        schema: SCHEMA,
        period,
        generated_at: generated_at.to_string(),
        database_schema_version: crate::db::migrate::CURRENT_VERSION,
        suppression: Applied::new(Suppression::NONE, &[]),
        service: None,
        provider: None,
        referrals: Referrals::from_counts(
            t.referrals,
            [source.breakdown(), need.breakdown(), outcome.breakdown(), risk.breakdown()],
            t.areas,
            t.days,
        ),
        women_supported: Count::Value(t.women),
        caseload: Caseload {
            open_at_start: Count::Value(t.flow[0]),
            opened: Count::Value(t.flow[1]),
            closed: Count::Value(closed),
            open_at_end: Count::Value(t.flow[3]),
            by_tier: tier.breakdown(),
            committed_hours_per_week: Some(t.hours),
        },
        closures: Closures { by_outcome: closed_by.breakdown(), positive_rate: returns::rate(positive, closed) },
        outcomes: Outcomes {
            by_pathway: ByPathway(
                t.pathways
                    .into_iter()
                    .map(|(p, a, g)| (p, PathwayCounts { assessed: Count::Value(a), progressed: Count::Value(g) }))
                    .collect(),
            ),
            women_assessed: Count::Value(t.assessed),
            women_progressed: Count::Value(t.progressed),
            progress_rate: returns::rate(t.progressed, t.assessed),
            completions: Count::Value(t.completions),
            completion_pathways: t.completion_pathways.unwrap_or(crate::report::outcomes::DEFAULT_COMPLETION_PATHWAYS),
        },
        equality: Equality {
            by_age_band: age.breakdown(),
            by_ethnic_group: ethnic.breakdown(),
            by_disability: disability.breakdown(),
            with_dependent_children: children.breakdown(),
        },
        targets: t.targets,
        grants: t.grants,
        scope: Scope { from, to, services: None },
        tier_hours: Vec::new(),
    }
}

/// The `--expect` list against the inputs: each entry is the fields of one
/// line (a name, an identifier, or both); an input matches an entry when
/// its name or identifier equals one of its fields.
fn expected(list: &[Vec<String>], inputs: &[Input]) -> Expected {
    let matches = |entry: &Vec<String>, p: &ProviderOut| {
        entry.iter().any(|f| {
            let f = f.trim();
            !f.is_empty()
                && (f.eq_ignore_ascii_case(p.name.trim())
                    || p.identifier.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(f)))
        })
    };
    let missing: Vec<String> = list
        .iter()
        .filter(|e| !inputs.iter().any(|i| matches(e, &i.provider)))
        .map(|e| e.iter().map(|f| f.trim()).filter(|f| !f.is_empty()).collect::<Vec<_>>().join(" "))
        .collect();
    let not_expected: Vec<String> = inputs
        .iter()
        .filter(|i| !list.iter().any(|e| matches(e, &i.provider)))
        .map(|i| i.provider.name.clone())
        .collect();
    let received = list.len() - missing.len();
    Expected {
        expected: list.len(),
        received,
        reporting_rate: returns::rate(received as i64, list.len() as i64),
        missing,
        not_expected,
    }
}

/// Read an `--expect` file: one provider a line (a name, an identifier, or
/// CSV fields with both); blank lines and lines starting with # are
/// skipped, and so is a header line naming the columns.
pub fn read_expect(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let text = std::str::from_utf8(bytes).map_err(|_| invalid(format!("{name}: not UTF-8 text")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| invalid(format!("{name}: {e}")))?;
        let fields: Vec<String> = rec.iter().map(|f| f.trim().to_string()).collect();
        if fields.iter().all(|f| f.is_empty()) || fields[0].starts_with('#') {
            continue;
        }
        let header = ["provider", "name", "identifier", "org_id", "org-id"];
        if i == 0 && fields.iter().all(|f| header.contains(&f.to_ascii_lowercase().as_str())) {
            continue;
        }
        out.push(fields);
    }
    Ok(out)
}
