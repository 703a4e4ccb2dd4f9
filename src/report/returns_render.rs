//! The return for people and files: its sections as tables (and a
//! workbook's sheets), its long CSV of figures, its JSON and its page.
//! `returns` computes the value; this renders it, and nothing else does.

use crate::output::{html, Cell, Out, Render, Section};
use crate::report::returns::{self, Figure, FigureValue, Return};
use crate::report::suppress::Count;
use crate::value::names::{CaseOutcome, Need, ReferralOutcome, Risk, Source};
use anyhow::Result;

impl Render for Return {
    fn rows(&self, out: &mut Out) -> Result<()> {
        figures_csv(self.figures(), out)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        out.sections(&sections(self))
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        out.json(self)
    }

    fn xlsx(&self, out: &mut Out) -> Result<()> {
        workbook(self, Vec::new(), self.figures(), out)
    }

    fn html(&self, out: &mut Out) -> Result<()> {
        out.text(&page(self, format!("Return {}", self.period.label), Vec::new(), Vec::new()))
    }
}

/// The columns of the return's long form (the CSV, the Figures sheet).
pub const FIGURE_COLUMNS: &[&str] = &["figure", "section", "item", "measure", "category", "value"];

/// The workbook: `before` (a merged return's inputs) and the return's
/// sections, then `figures` as the Figures sheet.
pub fn workbook(r: &Return, before: Vec<Section>, figures: Vec<Figure>, out: &mut Out) -> Result<()> {
    let sections: Vec<Section> = before.into_iter().chain(sections(r)).collect();
    out.workbook(crate::report::returns_xlsx::sheets(r, &sections, FIGURE_COLUMNS, figure_rows(figures))?)
}

/// The return's page with more header lines and sections before its own
/// (a merged return's inputs): the table's sections, a header and three
/// charts.
pub fn page(r: &Return, title: String, more: Vec<(String, String)>, before: Vec<Section>) -> String {
    let mut header = page_header(r);
    header.extend(more);
    header.push(("Generated".to_string(), r.generated_at.clone()));
    let mut sections = sections(r);
    // The header already says what the first section's note does.
    if let Some(first) = sections.first_mut() {
        first.note.clear();
    }
    let sections: Vec<Section> = before.into_iter().chain(sections).collect();
    html::render(&html::Page { title, header, charts: charts(r), sections: &sections })
}

/// The page's header lines before any a caller adds: period, service,
/// provider, suppression and rounding.
fn page_header(r: &Return) -> Vec<(String, String)> {
    let mut header = vec![("Period".to_string(), format!("{} ({} to {})", r.period.label, r.period.from, r.period.to))];
    if let Some(s) = &r.service {
        let mut v = s.name.clone();
        if !s.includes.is_empty() {
            v.push_str(&format!(" (with {})", s.includes.join(", ")));
        }
        header.push(("Service".to_string(), v));
    }
    if let Some(p) = &r.provider {
        header.push(("Provider".to_string(), p.text()));
    }
    let t = r.suppression.threshold;
    header.push((
        "Suppression".to_string(),
        if t > 1 {
            format!(
                "counts from 1 to {} show as <{t}; counts that would reveal them show as [c] (see the key at the end)",
                t - 1
            )
        } else {
            "none".to_string()
        },
    ));
    if let Some(n) = r.suppression.rounding {
        header.push(("Rounding".to_string(), format!("counts shown are rounded to the nearest {n}")));
    }
    header
}

/// The page's charts: referrals by source, caseload by tier, outcomes.
fn charts(r: &Return) -> Vec<html::Chart> {
    let by_source = breakdown_rows(&r.referrals.by_source, &|k| k.parse::<Source>().ok().map(Source::label));
    vec![
        html::Chart { title: "Referrals by source".into(), bars: bars(by_source) },
        html::Chart {
            title: format!("Caseload by tier on {}", r.period.to),
            bars: r.caseload.by_tier.0.iter().map(|(t, v)| (t.clone(), count_cell(*v))).collect(),
        },
        html::Chart {
            title: "Women progressed against women assessed, by pathway".into(),
            bars: r
                .outcomes
                .by_pathway
                .0
                .iter()
                .flat_map(|(p, c)| {
                    [
                        (format!("{}: assessed", p.label()), count_cell(c.assessed)),
                        (format!("{}: progressed", p.label()), count_cell(c.progressed)),
                    ]
                })
                .collect(),
        },
    ]
}

fn bars(rows: Vec<Vec<Cell>>) -> Vec<(String, Cell)> {
    rows.into_iter()
        .filter_map(|mut r| {
            let v = r.pop()?;
            Some((r.pop()?.for_table(), v))
        })
        .collect()
}

/// A count as a cell: the number, or its symbol when withheld.
pub fn count_cell(c: Count) -> Cell {
    match c {
        Count::Value(v) => Cell::Int(v),
        Count::Below(_) | Count::Confidential => Cell::Text(c.text()),
    }
}

fn number_cell(n: Option<f64>, places: usize) -> Cell {
    n.map(|x| Cell::Num(x, places)).unwrap_or(Cell::Null)
}

/// Decimal places a derived figure is shown with in CSV and tables.
fn places(measure: &str) -> usize {
    match measure {
        "positive_rate" | "progress_rate" => 4,
        _ => 1,
    }
}

fn figure_cell(v: &FigureValue, measure: &str) -> Cell {
    match v {
        FigureValue::Count(c) => count_cell(*c),
        FigureValue::Number(n) => number_cell(*n, places(measure)),
        FigureValue::Money(p) => Cell::Money(*p),
        FigureValue::Int(i) => Cell::Int(*i),
        FigureValue::Text(t) => Cell::opt_text(t.clone()),
    }
}

/// The return's long form: one row per figure (the CSV, and the workbook's
/// Figures sheet).
fn figure_rows(figures: Vec<Figure>) -> Vec<Vec<Cell>> {
    figures
        .into_iter()
        .map(|f| {
            vec![
                Cell::text(f.name().unwrap_or_default()),
                Cell::text(f.section),
                Cell::text(f.item.clone()),
                Cell::text(f.measure.clone()),
                Cell::text(f.category.clone()),
                figure_cell(&f.value, &f.measure),
            ]
        })
        .collect()
}

/// Figures as the return's CSV: one row each.
pub fn figures_csv(figures: Vec<Figure>, out: &mut Out) -> Result<()> {
    let mut rows = out.rows(FIGURE_COLUMNS)?;
    for row in figure_rows(figures) {
        rows.push(row)?;
    }
    rows.finish()?;
    Ok(())
}

/// A titled table.
pub fn section(title: impl Into<String>, note: impl Into<String>, columns: &[&str], rows: Vec<Vec<Cell>>) -> Section {
    Section { title: title.into(), note: note.into(), columns: columns.iter().map(|c| c.to_string()).collect(), rows }
}

/// A breakdown for people: closed-set names as their labels.
fn breakdown_rows(b: &returns::Breakdown, label: &dyn Fn(&str) -> Option<&'static str>) -> Vec<Vec<Cell>> {
    b.0.iter()
        .map(|(k, v)| {
            let shown = match k.as_str() {
                returns::OUTCOME_NONE => "No outcome yet".to_string(),
                returns::RISK_NOT_ASSESSED => "Not assessed".to_string(),
                returns::AREA_NOT_RECORDED => "Not recorded".to_string(),
                _ => label(k).map_or_else(|| k.clone(), str::to_string),
            };
            vec![Cell::text(shown), count_cell(*v)]
        })
        .collect()
}

/// The return's sections, as the table shows them (and the page and the
/// workbook after it).
pub fn sections(r: &Return) -> Vec<Section> {
    let mut out = vec![summary(r)];
    out.extend(referral_sections(&r.referrals));
    out.extend(caseload_sections(r));
    out.push(outcomes(r));
    out.push(equality(r));
    out.push(targets(r));
    out.push(grants(r));
    if !r.suppression.legend.is_empty() {
        out.push(key(r));
    }
    out
}

/// The first lines: the period, service, provider and what was withheld.
fn head(r: &Return) -> String {
    let mut head = format!(
        "{} to {}; generated {}; database schema version {}",
        r.period.from, r.period.to, r.generated_at, r.database_schema_version
    );
    if let Some(s) = &r.service {
        head.push_str(&format!("\nService: {}", s.name));
        if !s.includes.is_empty() {
            head.push_str(&format!(" (with {})", s.includes.join(", ")));
        }
    }
    if let Some(p) = &r.provider {
        head.push_str(&format!("\nProvider: {}", p.text()));
    }
    if r.suppression.threshold > 1 {
        let t = r.suppression.threshold;
        head.push_str(&format!(
            "\nSuppressed: counts from 1 to {} show as <{t}; counts that would reveal them show as [c] (key at the end)",
            t - 1
        ));
    }
    if let Some(n) = r.suppression.rounding {
        head.push_str(&format!("\nRounded: counts shown are rounded to the nearest {n}"));
    }
    head
}

fn summary(r: &Return) -> Section {
    let rf = &r.referrals;
    let median = match rf.median_days_to_first_contact {
        Some(m) => format!("{m:.1}"),
        None if r.suppression.options().is_small(rf.with_first_contact) => "withheld".to_string(),
        None => "none".to_string(),
    };
    section(
        format!("Return {}", r.period.label),
        head(r),
        &["measure", "value"],
        vec![
            vec![Cell::text("Referrals"), count_cell(rf.total)],
            vec![Cell::text("Median days to first contact"), Cell::text(median)],
            vec![Cell::text("Women supported"), count_cell(r.women_supported)],
        ],
    )
}

fn referral_sections(rf: &returns::Referrals) -> Vec<Section> {
    vec![
        section(
            "Referrals by source",
            "",
            &["source", "referrals"],
            breakdown_rows(&rf.by_source, &|k| k.parse::<Source>().ok().map(Source::label)),
        ),
        section(
            "Referrals by need",
            "A referral with several needs counts under each.",
            &["need", "referrals"],
            breakdown_rows(&rf.by_need, &|k| k.parse::<Need>().ok().map(Need::label)),
        ),
        section(
            "Referrals by outcome",
            "",
            &["outcome", "referrals"],
            breakdown_rows(&rf.by_outcome, &|k| k.parse::<ReferralOutcome>().ok().map(ReferralOutcome::label)),
        ),
        section("Referrals by area", "", &["area", "referrals"], breakdown_rows(&rf.by_area, &|_| None)),
        section(
            "Referrals by DASH risk level",
            "",
            &["risk", "referrals"],
            breakdown_rows(&rf.by_risk, &|k| k.parse::<Risk>().ok().map(Risk::label)),
        ),
    ]
}

/// A rate as the table's note shows it: a percentage, "none" (with why)
/// when its base is zero, or "withheld".
fn rate_text(rate: Option<f64>, base: Count, none: &str) -> String {
    match (rate, base) {
        (Some(x), _) => format!("{:.1}%", x * 100.0),
        (None, Count::Value(0)) => format!("none ({none})"),
        (None, _) => "withheld".to_string(),
    }
}

fn caseload_sections(r: &Return) -> Vec<Section> {
    let cl = &r.caseload;
    vec![
        section(
            "Caseload",
            "",
            &["measure", "cases"],
            vec![
                vec![Cell::text(format!("Open at start ({})", r.period.from)), count_cell(cl.open_at_start)],
                vec![Cell::text("Opened"), count_cell(cl.opened)],
                vec![Cell::text("Closed"), count_cell(cl.closed)],
                vec![Cell::text(format!("Open at end ({})", r.period.to)), count_cell(cl.open_at_end)],
            ],
        ),
        section(
            format!("Caseload by tier on {}", r.period.to),
            format!(
                "Committed hours per week: {}",
                cl.committed_hours_per_week.map_or("withheld".to_string(), |h| format!("{h:.1}"))
            ),
            &["tier", "hours_per_week", "cases"],
            cl.by_tier
                .0
                .iter()
                .map(|(t, v)| {
                    let h = r.tier_hours.iter().find(|(c, _)| c == t).map(|x| x.1);
                    vec![Cell::text(t.clone()), number_cell(h, 1), count_cell(*v)]
                })
                .collect(),
        ),
        section(
            "Closures by outcome",
            format!("Positive outcome rate: {}", rate_text(r.closures.positive_rate, cl.closed, "no cases closed")),
            &["outcome", "cases"],
            breakdown_rows(&r.closures.by_outcome, &|k| k.parse::<CaseOutcome>().ok().map(CaseOutcome::label)),
        ),
    ]
}

fn outcomes(r: &Return) -> Section {
    let o = &r.outcomes;
    section(
        "Outcomes by pathway",
        format!(
            "Women assessed: {}; progressed: {}; progress rate: {}; completions (progressed on at least {} pathways, \
             case closed in the period): {}",
            count_cell(o.women_assessed).for_csv(),
            count_cell(o.women_progressed).for_csv(),
            rate_text(o.progress_rate, o.women_assessed, "no women assessed"),
            o.completion_pathways,
            count_cell(o.completions).for_csv(),
        ),
        &["pathway", "assessed", "progressed"],
        o.by_pathway
            .0
            .iter()
            .map(|(p, c)| vec![Cell::Name(p.as_str(), p.label()), count_cell(c.assessed), count_cell(c.progressed)])
            .collect(),
    )
}

fn equality(r: &Return) -> Section {
    section(
        "Equality",
        "The women counted in women supported; each breakdown adds up to it.",
        &["breakdown", "group", "women"],
        r.equality
            .breakdowns()
            .into_iter()
            .flat_map(|(which, b)| {
                b.0.iter().map(move |(k, v)| vec![Cell::text(which), Cell::text(k.clone()), count_cell(*v)])
            })
            .collect(),
    )
}

fn targets(r: &Return) -> Section {
    section(
        "Targets",
        "Actual is counted over the target's own period up to the end of this one.",
        &["service", "measure", "period", "counted", "target", "actual", "percent"],
        r.targets
            .iter()
            .map(|t| {
                let subject = t.service.clone().or(t.grant.clone()).unwrap_or_default();
                vec![
                    provider_cell(t.provider.as_deref(), subject),
                    Cell::text(t.measure.as_str()),
                    Cell::text(t.period.clone()),
                    Cell::text(format!("{}..{}", t.counted_from, t.counted_to)),
                    Cell::Int(t.target),
                    count_cell(t.actual),
                    number_cell(t.percent, 1),
                ]
            })
            .collect(),
    )
}

/// A target's or grant's subject, after its provider's name in a return
/// across providers ("Provider: subject").
fn provider_cell(provider: Option<&str>, subject: String) -> Cell {
    Cell::text(match provider {
        Some(p) => format!("{p}: {subject}"),
        None => subject,
    })
}

fn grants(r: &Return) -> Section {
    section(
        "Grants",
        "",
        &["decision", "grant", "recipient", "awarded", "paid_in_period", "paid_to_date", "outstanding"],
        r.grants
            .iter()
            .map(|g| {
                vec![
                    Cell::text(g.decision.clone()),
                    provider_cell(g.provider.as_deref(), g.grant.clone()),
                    Cell::text(g.recipient.clone()),
                    Cell::Money(g.awarded),
                    Cell::Money(g.paid_in_period),
                    Cell::Money(g.paid_to_date),
                    Cell::Money(g.outstanding),
                ]
            })
            .collect(),
    )
}

/// The key to the symbols, under suppression.
fn key(r: &Return) -> Section {
    section(
        "Key to withheld counts",
        format!(
            "{} count{} withheld as <{}, {} as [c].",
            r.suppression.primary,
            if r.suppression.primary == 1 { "" } else { "s" },
            r.suppression.threshold,
            r.suppression.secondary
        ),
        &["symbol", "meaning"],
        r.suppression.legend.iter().map(|(k, v)| vec![Cell::text(k.clone()), Cell::text(v.clone())]).collect(),
    )
}
