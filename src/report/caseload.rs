//! `report caseload`: each key worker's open cases by tier on a day, the
//! hours they commit the worker to, against the worker's capacity.

use crate::db::report as q;
use crate::db::Conn;
use crate::value::Date;
use anyhow::Result;
use serde::Serialize;

/// One worker's load on the day.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerLoad {
    pub worker: String,
    pub name: Option<String>,
    pub cases: i64,
    /// Open cases at each tier (every tier listed), by their tier on the day.
    pub by_tier: Vec<(String, i64)>,
    /// Σ tier hours of the open cases.
    pub committed_hours: f64,
    pub capacity_hours: f64,
    /// committed ÷ capacity × 100, rounded to 1 place.
    pub utilisation_percent: f64,
    /// Committed hours above capacity (exactly at capacity is not over).
    pub over_capacity: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseloadReport {
    pub as_of: Date,
    pub tiers: Vec<(String, f64)>,
    pub workers: Vec<WorkerLoad>,
}

impl CaseloadReport {
    pub fn over_capacity(&self) -> Vec<&WorkerLoad> {
        self.workers.iter().filter(|w| w.over_capacity).collect()
    }
}

/// Open cases on `as_of` are those opened on or before it and not closed on
/// or before it (as the return's `caseload.open_at_end`). Workers marked
/// inactive are left out unless they still hold open cases.
pub fn build(conn: &Conn, as_of: Date) -> Result<CaseloadReport> {
    let tiers = q::tiers(conn)?;
    let mut workers: Vec<WorkerLoad> = Vec::new();
    let mut active: Vec<bool> = Vec::new();
    for row in q::worker_tiers(conn, as_of)? {
        if workers.last().map(|w| &w.worker) != Some(&row.code) {
            workers.push(WorkerLoad {
                worker: row.code.clone(),
                name: row.name.clone(),
                cases: 0,
                by_tier: tiers.iter().map(|(t, _)| (t.clone(), 0)).collect(),
                committed_hours: 0.0,
                capacity_hours: row.capacity_hours,
                utilisation_percent: 0.0,
                over_capacity: false,
            });
            active.push(row.active);
        }
        let w = workers.last_mut().expect("pushed above");
        w.cases += row.cases;
        if let Some(t) = &row.tier {
            if let Some(i) = tiers.iter().position(|(code, _)| code == t) {
                w.by_tier[i].1 += row.cases;
                w.committed_hours += tiers[i].1 * row.cases as f64;
            }
        }
    }
    for w in &mut workers {
        w.utilisation_percent = super::returns::round_to(w.committed_hours * 100.0 / w.capacity_hours, 1);
        w.over_capacity = w.committed_hours > w.capacity_hours;
    }
    let workers = workers.into_iter().zip(active).filter(|(w, a)| *a || w.cases > 0).map(|(w, _)| w).collect();
    Ok(CaseloadReport { as_of, tiers, workers })
}

/// One row per worker, in every format.
impl crate::output::Render for CaseloadReport {
    fn rows(&self, out: &mut crate::output::Out) -> Result<()> {
        use crate::output::Cell;
        let tier_cols: Vec<String> = self.tiers.iter().map(|(t, _)| t.to_lowercase()).collect();
        let mut columns: Vec<&str> = vec!["as_of", "worker", "name", "cases"];
        columns.extend(tier_cols.iter().map(String::as_str));
        columns.extend(["committed_hours", "capacity_hours", "utilisation_percent", "over_capacity"]);
        let mut rows = out.rows(&columns)?;
        for w in &self.workers {
            let mut cells = vec![
                Cell::Date(self.as_of),
                Cell::text(w.worker.clone()),
                Cell::opt_text(w.name.clone()),
                Cell::Int(w.cases),
            ];
            cells.extend(w.by_tier.iter().map(|(_, n)| Cell::Int(*n)));
            cells.extend([
                Cell::Num(w.committed_hours, 1),
                Cell::Num(w.capacity_hours, 1),
                Cell::Num(w.utilisation_percent, 1),
                Cell::Bool(w.over_capacity),
            ]);
            rows.push(cells)?;
        }
        rows.finish()?;
        Ok(())
    }
}
