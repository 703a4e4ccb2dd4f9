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

/// The women assessed in `scope`, by client id, each with her runs; `active`
/// are the scope's women supported (`Women::of`).
pub fn women(conn: &Conn, scope: &Scope, active: &Women) -> Result<Vec<Woman>> {
    let rows = q::counted(conn, scope.to, active, scope.services.as_deref())?;
    // Only an assessed woman is asked whether her case closed in the period.
    let closed =
        if rows.is_empty() { Vec::new() } else { q::closed_in(conn, scope.from, scope.to, scope.services.as_deref())? };
    let mut out: Vec<Woman> = Vec::new();
    for Counted { client_id, pathway, assessed_on, score, case_id: case } in rows {
        if out.last().map(|w| w.client_id) != Some(client_id) {
            out.push(Woman { client_id, runs: Vec::new(), closed_in_period: closed.binary_search(&client_id).is_ok() });
        }
        let w = out.last_mut().expect("pushed");
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
    Ok(out)
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

/// Count the section from the women of `scope`.
pub fn tally(women: &[Woman], completion_pathways: u32) -> Outcomes {
    let n = |f: OutcomeFigure| women.iter().filter(|w| f.counts(w)).count() as i64;
    let by_pathway = ByPathway(
        Pathway::ALL
            .iter()
            .map(|p| {
                (
                    *p,
                    PathwayCounts {
                        assessed: Count::Value(n(OutcomeFigure::Assessed(*p))),
                        progressed: Count::Value(n(OutcomeFigure::Progressed(*p))),
                    },
                )
            })
            .collect(),
    );
    let assessed = n(OutcomeFigure::WomenAssessed);
    let progressed = n(OutcomeFigure::WomenProgressed);
    Outcomes {
        by_pathway,
        women_assessed: Count::Value(assessed),
        women_progressed: Count::Value(progressed),
        progress_rate: super::returns::rate(progressed, assessed),
        completions: Count::Value(n(OutcomeFigure::Completions(completion_pathways))),
        completion_pathways,
    }
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
