//! `report diff`: the return recomputed now against the one filed for the
//! same period and service, figure by figure, with the audited changes
//! since the filing that can explain each change.

use super::filed::figure_map;
use super::returns::{self, ReturnOptions};
use crate::db::{self, filed::AuditEntry, filed::Filed, Conn};
use anyhow::Result;
use serde::Serialize;

/// What is compared with what.
#[derive(Debug, Clone, Serialize)]
pub struct FiledOut {
    pub id: i64,
    pub filed_at: String,
    pub period: String,
    pub service: Option<String>,
    pub sha256: String,
}

/// One figure whose value is not what was filed.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub figure: String,
    /// As filed; null when the figure was not in the filed return.
    pub filed: Option<String>,
    /// Now; null when the figure is no longer in the return.
    pub now: Option<String>,
    /// The audit entries (ids) since filing that can move it.
    pub explained_by: Vec<i64>,
}

/// One audited change since the filing that can move a changed figure.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: i64,
    pub at: String,
    pub entity: String,
    /// The record's ref (or #id); never a client's reference: an erased
    /// client is "a client erased".
    pub record: String,
    pub action: String,
    /// The changed figures it can move.
    pub figures: Vec<String>,
}

/// The diff.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub schema: &'static str,
    pub filed: FiledOut,
    pub changed: Vec<Changed>,
    pub changes: Vec<Change>,
}

pub const SCHEMA: &str = "pathway.diff/1";

/// The sections of the return whose figures an audited change to `entity`
/// (by `action`) can move; empty for changes that move none.
pub fn sections_moved(entity: &str, action: &str) -> &'static [&'static str] {
    const PEOPLE: &[&str] =
        &["referrals", "women_supported", "caseload", "closures", "outcomes", "equality", "targets"];
    const ALL: &[&str] =
        &["referrals", "women_supported", "caseload", "closures", "outcomes", "equality", "targets", "grants"];
    match entity {
        "referral" => &["referrals", "targets"],
        "case" | "case_tier" => &["women_supported", "caseload", "closures", "outcomes", "equality", "targets"],
        "assessment" => &["outcomes"],
        "client" if action == "erase" => PEOPLE,
        "client" => &["equality"],
        "grant" | "payment" | "decision" => &["grants", "targets"],
        "tier" => &["caseload"],
        "service" | "target" => ALL,
        _ => &[],
    }
}

/// The section a figure belongs to: the first part of its name.
fn section_of(figure: &str) -> &str {
    figure.split('.').next().unwrap_or(figure)
}

/// How an audit entry names its record: the ref, or, for an entry without
/// one, what happened ("a client erased", "an import").
fn record_of(e: &AuditEntry) -> String {
    match (&e.key, e.entity.as_str(), e.action.as_str()) {
        (_, "client", "erase") => "a client erased".into(),
        (Some(k), _, _) => k.clone(),
        (None, _, "import") => format!("a {} import", e.entity),
        (None, _, _) => String::new(),
    }
}

/// Compare the return as it is now with the latest one filed for the same
/// days and service. `opts` gives the period, service and generation time;
/// the filed return's own suppression and completion options are used.
/// None when nothing was filed for them.
pub fn diff(conn: &Conn, opts: &ReturnOptions) -> Result<Option<Diff>> {
    let p = &opts.period;
    let service = opts.service.as_ref().map(|s| s.name.clone());
    let Some(f) = db::filed::latest(conn, &p.from.iso(), &p.to.iso(), service.as_deref())? else { return Ok(None) };
    let mut opts = opts.clone();
    opts.suppression = crate::report::suppress::Suppression { threshold: f.suppress, rounding: f.round };
    opts.completion_pathways = f.completion_pathways;
    let now = figure_map(&returns::build(conn, &opts)?);
    let old: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&f.figures)?;
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let mut changed: Vec<Changed> = Vec::new();
    for (name, v) in &now {
        let (was, is) = (text(old.get(name)), text(Some(v)));
        if was != is {
            changed.push(Changed { figure: name.clone(), filed: was, now: is, explained_by: Vec::new() });
        }
    }
    for (name, v) in &old {
        if !now.contains_key(name) {
            changed.push(Changed { figure: name.clone(), filed: text(Some(v)), now: None, explained_by: Vec::new() });
        }
    }
    let mut changes = Vec::new();
    for e in db::filed::audit_since(conn, f.audit_mark)? {
        let moves = sections_moved(&e.entity, &e.action);
        let figures: Vec<String> =
            changed.iter().filter(|c| moves.contains(&section_of(&c.figure))).map(|c| c.figure.clone()).collect();
        if figures.is_empty() {
            continue;
        }
        for c in changed.iter_mut().filter(|c| figures.contains(&c.figure)) {
            c.explained_by.push(e.id);
        }
        changes.push(Change {
            id: e.id,
            at: e.at.clone(),
            entity: e.entity.clone(),
            record: record_of(&e),
            action: e.action.clone(),
            figures,
        });
    }
    Ok(Some(Diff { schema: SCHEMA, filed: filed_out(&f), changed, changes }))
}

fn filed_out(f: &Filed) -> FiledOut {
    FiledOut {
        id: f.id,
        filed_at: f.filed_at.clone(),
        period: f.period.clone(),
        service: f.service.clone(),
        sha256: f.sha256.clone(),
    }
}

/// The diff in every format but HTML: the table (and a workbook, a sheet
/// each) has two sections (the figures, then the changes); CSV and JSON
/// Lines one row per changed figure with the changes that can explain it;
/// JSON the whole document.
impl crate::output::Render for Diff {
    fn rows(&self, out: &mut crate::output::Out) -> Result<()> {
        use crate::output::Cell;
        let d = self;
        let explained = |c: &Changed| -> Vec<String> {
            c.explained_by
                .iter()
                .filter_map(|id| d.changes.iter().find(|x| x.id == *id))
                .map(|x| format!("#{} {} {} {}", x.id, x.entity, x.record, x.action))
                .collect()
        };
        let mut rows = out.rows(&["figure", "filed", "now", "changes"])?;
        for c in &d.changed {
            rows.push(vec![
                Cell::text(c.figure.clone()),
                Cell::opt_text(c.filed.clone()),
                Cell::opt_text(c.now.clone()),
                Cell::text(explained(c).join("; ")),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }

    fn table(&self, out: &mut crate::output::Out) -> Result<()> {
        out.sections(&self.sections())
    }

    fn xlsx(&self, out: &mut crate::output::Out) -> Result<()> {
        out.sections(&self.sections())
    }

    fn json(&self, out: &mut crate::output::Out) -> Result<()> {
        out.json(self)
    }
}

impl Diff {
    /// The figures changed, then the changes recorded that can move them.
    fn sections(&self) -> [crate::output::Section; 2] {
        use crate::output::{Cell, Section};
        let d = self;
        let figures = Section {
            title: format!(
                "Figures changed since return #{} ({}) was filed on {}",
                d.filed.id, d.filed.period, d.filed.filed_at
            ),
            note: String::new(),
            columns: ["figure", "filed", "now", "explained_by"].map(String::from).to_vec(),
            rows: d
                .changed
                .iter()
                .map(|c| {
                    vec![
                        Cell::text(c.figure.clone()),
                        Cell::opt_text(c.filed.clone()),
                        Cell::opt_text(c.now.clone()),
                        Cell::text(c.explained_by.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")),
                    ]
                })
                .collect(),
        };
        let changes = Section {
            title: "Changes recorded since the filing that can move them (from the audit log)".into(),
            note: if d.changes.is_empty() {
                "None: the figures moved without a recorded change (e.g. a tier's hours or a target set before \
                 the filing, or a change made outside pathway)."
                    .into()
            } else {
                String::new()
            },
            columns: ["entry", "at", "entity", "record", "action", "can_move"].map(String::from).to_vec(),
            rows: d
                .changes
                .iter()
                .map(|x| {
                    vec![
                        Cell::text(format!("#{}", x.id)),
                        Cell::text(x.at.clone()),
                        Cell::text(x.entity.clone()),
                        Cell::text(x.record.clone()),
                        Cell::text(x.action.clone()),
                        Cell::text(x.figures.join(", ")),
                    ]
                })
                .collect(),
        };
        [figures, changes]
    }
}
