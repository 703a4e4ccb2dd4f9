//! SQL of the return's journey: the provider a database reports as, the
//! returns filed, the audit entries since a filing, and grants' reporting
//! schedules.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The settings key naming the provider organisation.
pub const PROVIDER_SETTING: &str = "provider";

/// The provider this database reports as: (name, identifier).
pub fn provider(conn: &Connection) -> Result<Option<(String, Option<String>)>> {
    let Some(name) = super::grant::setting(conn, PROVIDER_SETTING)? else { return Ok(None) };
    let identifier = super::org::identifier(conn, &name)?;
    Ok(Some((name, identifier)))
}

/// Record `name` as the provider (an organisation, added as a provider if
/// it is new). Returns (its id, whether it was added).
pub fn set_provider(conn: &Connection, name: &str) -> Result<(i64, bool)> {
    let (id, added) = super::org::id_or_insert(conn, name, crate::value::names::OrgKind::Provider)?;
    let canonical: String =
        conn.query_row("SELECT name FROM organisations WHERE id = ?1", params![id], |r| r.get(0))?;
    super::grant::set_setting(conn, PROVIDER_SETTING, &canonical)?;
    Ok((id, added))
}

/// The highest audit_log id (0 when there is none).
pub fn audit_mark(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(id), 0) FROM audit_log", [], |r| r.get(0))?)
}

/// One audit entry, without its detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub entity: String,
    pub key: Option<String>,
    pub action: String,
}

/// The audit entries after `mark`, oldest first.
pub fn audit_since(conn: &Connection, mark: i64) -> Result<Vec<AuditEntry>> {
    let mut st = conn.prepare_cached("SELECT id, at, entity, key, action FROM audit_log WHERE id > ?1 ORDER BY id")?;
    let rows = st.query_map(params![mark], |r| {
        Ok(AuditEntry { id: r.get(0)?, at: r.get(1)?, entity: r.get(2)?, key: r.get(3)?, action: r.get(4)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A filed return, as stored.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: i64,
    pub filed_at: String,
    pub period: String,
    pub from_on: String,
    pub to_on: String,
    pub service: Option<String>,
    pub suppress: u32,
    pub round: Option<u32>,
    pub completion_pathways: u32,
    pub sha256: String,
    pub audit_mark: i64,
    /// JSON object: figure name → value as text.
    pub figures: String,
    pub bytes: i64,
}

/// Store a filed return; its id.
pub fn insert(conn: &Connection, f: &Filed, body: &[u8]) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO filed_returns (filed_at, period, from_on, to_on, service, suppress, round, completion_pathways,
                                    sha256, audit_mark, figures, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        f.filed_at,
        f.period,
        f.from_on,
        f.to_on,
        f.service,
        f.suppress,
        f.round,
        f.completion_pathways,
        f.sha256,
        f.audit_mark,
        f.figures,
        body
    ])?;
    Ok(conn.last_insert_rowid())
}

const FILED_COLUMNS: &str = "id, filed_at, period, from_on, to_on, service, suppress, round, completion_pathways,
     sha256, audit_mark, figures, length(body)";

fn filed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Filed> {
    Ok(Filed {
        id: r.get(0)?,
        filed_at: r.get(1)?,
        period: r.get(2)?,
        from_on: r.get(3)?,
        to_on: r.get(4)?,
        service: r.get(5)?,
        suppress: r.get(6)?,
        round: r.get(7)?,
        completion_pathways: r.get(8)?,
        sha256: r.get(9)?,
        audit_mark: r.get(10)?,
        figures: r.get(11)?,
        bytes: r.get(12)?,
    })
}

/// Every filed return, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<Filed>> {
    let mut st = conn.prepare_cached(&format!("SELECT {FILED_COLUMNS} FROM filed_returns ORDER BY id"))?;
    let rows = st.query_map([], filed_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The latest return filed for exactly these days and service (None: the
/// whole database).
pub fn latest(conn: &Connection, from_on: &str, to_on: &str, service: Option<&str>) -> Result<Option<Filed>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {FILED_COLUMNS} FROM filed_returns
              WHERE from_on = ?1 AND to_on = ?2 AND service IS ?3 ORDER BY id DESC LIMIT 1"
        ))?
        .query_row(params![from_on, to_on, service], filed_row)
        .optional()?)
}

/// How many returns are filed for exactly these days and service (None:
/// the whole database).
pub fn count_for(conn: &Connection, from_on: &str, to_on: &str, service: Option<&str>) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM filed_returns WHERE from_on = ?1 AND to_on = ?2 AND service IS ?3")?
        .query_row(params![from_on, to_on, service], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The stored bytes of filed return `id`.
pub fn body(conn: &Connection, id: i64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT body FROM filed_returns WHERE id = ?1")?
        .query_row(params![id], |r| r.get(0))
        .optional()?)
}

// --------------------------------------------------------------- schedules

/// Set (or, with None, remove) a grant's reporting schedule.
pub fn set_schedule(conn: &Connection, grant_id: i64, schedule: Option<(&str, u32)>) -> Result<()> {
    match schedule {
        Some((returns, due_days)) => conn
            .prepare_cached(
                "INSERT INTO grant_schedules (grant_id, returns, due_days) VALUES (?1, ?2, ?3)
                 ON CONFLICT (grant_id) DO UPDATE SET returns = excluded.returns, due_days = excluded.due_days",
            )?
            .execute(params![grant_id, returns, due_days])?,
        None => conn.prepare_cached("DELETE FROM grant_schedules WHERE grant_id = ?1")?.execute(params![grant_id])?,
    };
    Ok(())
}

/// A grant's schedule: (returns, due_days).
pub fn schedule(conn: &Connection, grant_id: i64) -> Result<Option<(String, u32)>> {
    Ok(conn
        .prepare_cached("SELECT returns, due_days FROM grant_schedules WHERE grant_id = ?1")?
        .query_row(params![grant_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// A scheduled grant, with the names of the services it funds (and their
/// spokes).
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub grant: String,
    pub decision: String,
    pub recipient: String,
    pub start_on: Option<String>,
    pub end_on: Option<String>,
    pub returns: String,
    pub due_days: u32,
    pub services: Vec<String>,
}

/// Every grant with a schedule that is not cancelled, by ref.
pub fn scheduled(conn: &Connection) -> Result<Vec<Scheduled>> {
    let mut st = conn.prepare_cached(
        "SELECT g.id, g.ref, d.ref, o.name, g.start_on, g.end_on, s.returns, s.due_days
           FROM grant_schedules s JOIN grants g ON g.id = s.grant_id
           JOIN decisions d ON d.id = g.decision_id JOIN organisations o ON o.id = g.recipient_id
          WHERE g.status <> 'cancelled' ORDER BY g.ref",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Scheduled {
                grant: r.get(1)?,
                decision: r.get(2)?,
                recipient: r.get(3)?,
                start_on: r.get(4)?,
                end_on: r.get(5)?,
                returns: r.get(6)?,
                due_days: r.get(7)?,
                services: Vec::new(),
            },
        ))
    })?;
    let names: std::collections::HashMap<i64, String> = super::report::service_names(conn)?.into_iter().collect();
    let mut out = Vec::new();
    for row in rows {
        let (id, mut s) = row?;
        // The return's rule for a grant's services: those it funds, and
        // the spokes of those that are hubs.
        s.services = super::report::grant_services(conn, id)?.iter().filter_map(|i| names.get(i).cloned()).collect();
        s.services.sort();
        out.push(s);
    }
    Ok(out)
}
