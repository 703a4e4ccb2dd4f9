//! The return's `outcomes` section (PRODUCT.md 6.2): what changed in
//! women's lives, pathway by pathway.
//!
//! For a period F..T: the women counted are those with a case open on at
//! least one day of F..T at a service in scope; of their assessments, all
//! those on or before T on a case at a service in scope count, whichever of
//! her cases they belong to. A woman is *assessed* on a pathway when she has
//! such an assessment on it; she has *progressed* on it when her latest such
//! score is higher than her first. `women_assessed` and `women_progressed`
//! count each woman once; `completions` counts the women with a case closed
//! in F..T at a service in scope who progressed on at least K pathways.
//!
//! `women` is the one computation: `tally` counts what it returns and
//! `report explain` lists it, so the two cannot disagree.

use super::suppress::Count;
use crate::db::assessment::{self as q, Counted};
use crate::db::report::{Scope, Women};
use crate::db::Conn;
use crate::value::names::Pathway;
use crate::value::Date;
use anyhow::Result;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// The default `completion_pathways`: an MoJ-funded centre's contract
/// counted a "successful completion" as positive progress in at least 4 of
/// the 9 pathways.
pub const DEFAULT_COMPLETION_PATHWAYS: u32 = 4;

/// A woman's assessments on one pathway that count: first, latest, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub pathway: Pathway,
    pub first: (Date, i64),
    pub latest: (Date, i64),
    pub assessments: usize,
    /// The ids of the cases the assessments are on, in order.
    pub cases: Vec<i64>,
}

impl Run {
    /// Her latest score is higher than her first.
    pub fn progressed(&self) -> bool {
        self.latest.1 > self.first.1
    }
}

/// One woman counted, with her runs (only women with at least one
/// assessment that counts are listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Woman {
    pub client_id: i64,
    pub runs: Vec<Run>,
    /// She has a case closed in F..T at a service in scope.
    pub closed_in_period: bool,
}

impl Woman {
    pub fn progressed_on(&self) -> usize {
        self.runs.iter().filter(|r| r.progressed()).count()
    }
    pub fn run(&self, p: Pathway) -> Option<&Run> {
        self.runs.iter().find(|r| r.pathway == p)
    }
}

/// The women assessed in `scope`, by client id, each with her runs, handed
/// to `each` one at a time as her last assessment is read (only hers are
/// held); `active` are the scope's women supported (`Women::of`).
pub fn each_woman(conn: &Conn, scope: &Scope, active: &Women, mut each: impl FnMut(Woman) -> Result<()>) -> Result<()> {
    let services = scope.services.as_deref();
    // Only when a woman is assessed is it asked whose cases closed in the period.
    let mut closed: Option<Vec<i64>> = None;
    let mut finish = |mut w: Woman| -> Result<()> {
        if closed.is_none() {
            closed = Some(q::closed_in(conn, scope.from, scope.to, services)?);
        }
        w.closed_in_period = closed.as_ref().is_some_and(|c| c.binary_search(&w.client_id).is_ok());
        each(w)
    };
    let mut current: Option<Woman> = None;
    q::each_counted(conn, scope.to, active, services, |c| {
        if let Some(w) = current.take_if(|w| w.client_id != c.client_id) {
            finish(w)?;
        }
        add(
            current.get_or_insert_with(|| Woman { client_id: c.client_id, runs: Vec::new(), closed_in_period: false }),
            c,
        );
        Ok(())
    })?;
    match current {
        Some(w) => finish(w),
        None => Ok(()),
    }
}

/// How many women of `scope` count in `figure`.
pub fn count(conn: &Conn, scope: &Scope, active: &Women, figure: OutcomeFigure) -> Result<i64> {
    let mut n = 0;
    each_woman(conn, scope, active, |w| {
        n += i64::from(figure.counts(&w));
        Ok(())
    })?;
    Ok(n)
}

/// Fold one of a woman's assessments, read in order (by pathway and day),
/// into her runs.
fn add(w: &mut Woman, c: Counted) {
    let Counted { pathway, assessed_on, score, case_id: case, .. } = c;
    match w.runs.last_mut().filter(|r| r.pathway == pathway) {
        Some(r) => {
            r.latest = (assessed_on, score);
            r.assessments += 1;
            if !r.cases.contains(&case) {
                r.cases.push(case);
            }
        }
        None => w.runs.push(Run {
            pathway,
            first: (assessed_on, score),
            latest: (assessed_on, score),
            assessments: 1,
            cases: vec![case],
        }),
    }
}

/// Assessed and progressed on one pathway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PathwayCounts {
    pub assessed: Count,
    pub progressed: Count,
}

/// Every pathway, in the order of `Pathway::ALL`, zeros included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByPathway(pub Vec<(Pathway, PathwayCounts)>);

impl Serialize for ByPathway {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (p, c) in &self.0 {
            m.serialize_entry(p.as_str(), c)?;
        }
        m.end()
    }
}

/// The `outcomes` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcomes {
    pub by_pathway: ByPathway,
    pub women_assessed: Count,
    pub women_progressed: Count,
    /// women_progressed ÷ women_assessed, 4 places; null when none assessed.
    pub progress_rate: Option<f64>,
    pub completions: Count,
    /// K of `completions`: progressed on at least this many pathways.
    pub completion_pathways: u32,
}

/// Which figure of the section, for `report explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFigure {
    Assessed(Pathway),
    Progressed(Pathway),
    WomenAssessed,
    WomenProgressed,
    Completions(u32),
}

impl OutcomeFigure {
    /// Whether woman `w` counts in this figure.
    pub fn counts(self, w: &Woman) -> bool {
        match self {
            OutcomeFigure::Assessed(p) => w.run(p).is_some(),
            OutcomeFigure::Progressed(p) => w.run(p).is_some_and(Run::progressed),
            OutcomeFigure::WomenAssessed => !w.runs.is_empty(),
            OutcomeFigure::WomenProgressed => w.progressed_on() > 0,
            OutcomeFigure::Completions(k) => w.closed_in_period && w.progressed_on() >= k as usize,
        }
    }
}

/// Count the section from the women of `scope`, as they are read.
pub fn tally(conn: &Conn, scope: &Scope, active: &Women, completion_pathways: u32) -> Result<Outcomes> {
    let figures: Vec<OutcomeFigure> = Pathway::ALL
        .iter()
        .flat_map(|p| [OutcomeFigure::Assessed(*p), OutcomeFigure::Progressed(*p)])
        .chain([
            OutcomeFigure::WomenAssessed,
            OutcomeFigure::WomenProgressed,
            OutcomeFigure::Completions(completion_pathways),
        ])
        .collect();
    let mut counts = vec![0i64; figures.len()];
    each_woman(conn, scope, active, |w| {
        for (n, f) in counts.iter_mut().zip(&figures) {
            *n += i64::from(f.counts(&w));
        }
        Ok(())
    })?;
    Ok(outcomes_of(&counts, completion_pathways))
}

/// The section from the counts of `tally`'s figures, in its order.
fn outcomes_of(counts: &[i64], completion_pathways: u32) -> Outcomes {
    let by_pathway = ByPathway(
        Pathway::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    *p,
                    PathwayCounts {
                        assessed: Count::Value(counts[2 * i]),
                        progressed: Count::Value(counts[2 * i + 1]),
                    },
                )
            })
            .collect(),
    );
    let k = 2 * Pathway::ALL.len();
    let (assessed, progressed) = (counts[k], counts[k + 1]);
    Outcomes {
        by_pathway,
        women_assessed: Count::Value(assessed),
        women_progressed: Count::Value(progressed),
        progress_rate: super::returns::rate(progressed, assessed),
        completions: Count::Value(counts[k + 2]),
        completion_pathways,
    }
}

/// The section with nothing counted.
pub fn zero(completion_pathways: u32) -> Outcomes {
    outcomes_of(&vec![0; 2 * Pathway::ALL.len() + 3], completion_pathways)
}

/// A woman's runs in words, for `report explain`: "accommodation 3 on
/// 2021-04-12 to 7 on 2021-04-30 (2 assessments; C-0001)", each case by its
/// key in `case_keys`.
pub fn describe(runs: &[&Run], case_keys: &std::collections::HashMap<i64, String>) -> String {
    runs.iter()
        .map(|r| {
            format!(
                "{} {} on {} to {} on {} ({} assessment{}; {})",
                r.pathway,
                r.first.1,
                r.first.0,
                r.latest.1,
                r.latest.0,
                r.assessments,
                if r.assessments == 1 { "" } else { "s" },
                r.cases
                    .iter()
                    .map(|id| case_keys.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
