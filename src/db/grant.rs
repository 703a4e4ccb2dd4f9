//! SQL for grants and payments.

use crate::db::row::{date_at, opt_date_at, parsed_at};
use crate::domain::grant::{DecisionFacts, Grant, Listed, Payment, ResolvedFilter};
use crate::value::{Date, Pence};
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// The organisations a grant names, as ids.
#[derive(Debug, Clone, Copy)]
pub struct OrgIds {
    pub funder: i64,
    pub recipient: i64,
    pub intermediary: Option<i64>,
    pub match_funder: Option<i64>,
}

const COLUMNS: &str = "g.id, g.ref, d.ref, f.name, r.name, i.name, g.title, g.purpose, g.conditions,
        g.amount_pence, g.start_on, g.end_on, g.status, g.match_amount_pence, m.name";
const FROM: &str = "FROM grants g
    JOIN decisions d ON d.id = g.decision_id
    JOIN organisations f ON f.id = g.funder_id
    JOIN organisations r ON r.id = g.recipient_id
    LEFT JOIN organisations i ON i.id = g.intermediary_id
    LEFT JOIN organisations m ON m.id = g.match_funder_id";

fn grant_row(r: &Row<'_>) -> rusqlite::Result<(i64, Grant)> {
    Ok((
        r.get(0)?,
        Grant {
            reference: r.get(1)?,
            decision: r.get(2)?,
            funder: r.get(3)?,
            recipient: r.get(4)?,
            intermediary: r.get(5)?,
            title: r.get(6)?,
            purpose: r.get(7)?,
            conditions: r.get(8)?,
            amount: Pence(r.get(9)?),
            start_on: opt_date_at(r, 10)?,
            end_on: opt_date_at(r, 11)?,
            status: parsed_at(r, 12, "grant status")?,
            match_amount: r.get::<_, Option<i64>>(13)?.map(Pence),
            match_funder: r.get(14)?,
        },
    ))
}

pub fn get(conn: &Connection, reference: &str) -> Result<Option<(i64, Grant)>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE g.ref = ?1"))?
        .query_row(params![reference.trim()], grant_row)
        .optional()?)
}

pub fn exists(conn: &Connection, reference: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM grants WHERE ref = ?1")?
        .query_row(params![reference], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Every grant ref (for "did you mean").
pub fn refs(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT ref FROM grants ORDER BY ref")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The decision a grant names, as the grant rules need it.
pub fn decision_facts(conn: &Connection, reference: &str) -> Result<Option<DecisionFacts>> {
    Ok(conn
        .prepare_cached(
            "SELECT d.id, d.ref, o.name, d.amount_pence, d.status
             FROM decisions d JOIN organisations o ON o.id = d.commissioner_id WHERE d.ref = ?1",
        )?
        .query_row(params![reference.trim()], |r| {
            Ok(DecisionFacts {
                id: r.get(0)?,
                reference: r.get(1)?,
                commissioner: r.get(2)?,
                amount: Pence(r.get(3)?),
                status: parsed_at(r, 4, "status")?,
            })
        })
        .optional()?)
}

/// A grant without a ref in an import: the one under the same decision to
/// the same recipient with the same dates.
pub fn find_match(
    conn: &Connection,
    decision_id: i64,
    recipient: &str,
    start_on: Option<Date>,
    end_on: Option<Date>,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT g.ref FROM grants g JOIN organisations r ON r.id = g.recipient_id
             WHERE g.decision_id = ?1 AND r.name = ?2 COLLATE NOCASE
               AND g.start_on IS ?3 AND g.end_on IS ?4
             ORDER BY g.id LIMIT 1",
        )?
        .query_row(params![decision_id, recipient.trim(), start_on.map(|d| d.iso()), end_on.map(|d| d.iso())], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The total of a decision's grants, leaving out grant `except`.
pub fn granted_except(conn: &Connection, decision_id: i64, except: Option<i64>) -> Result<Pence> {
    Ok(Pence(
        conn.prepare_cached(
            "SELECT coalesce(sum(amount_pence), 0) FROM grants WHERE decision_id = ?1 AND id IS NOT ?2",
        )?
        .query_row(params![decision_id, except], |r| r.get(0))?,
    ))
}

pub fn count_under(conn: &Connection, decision_id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM grants WHERE decision_id = ?1")?
        .query_row(params![decision_id], |r| r.get(0))?)
}

/// What has been paid on a grant (up to and including `to`, if given).
pub fn paid(conn: &Connection, grant_id: i64, to: Option<Date>) -> Result<Pence> {
    Ok(Pence(
        conn.prepare_cached(
            "SELECT coalesce(sum(amount_pence), 0) FROM payments WHERE grant_id = ?1 AND (?2 IS NULL OR paid_on <= ?2)",
        )?
        .query_row(params![grant_id, to.map(|d| d.iso())], |r| r.get(0))?,
    ))
}

fn grant_values<'a>(decision_id: &'a i64, g: &'a Grant, ids: &'a OrgIds) -> Vec<Box<dyn rusqlite::ToSql + 'a>> {
    vec![
        Box::new(g.reference.trim()),
        Box::new(decision_id),
        Box::new(ids.funder),
        Box::new(ids.recipient),
        Box::new(ids.intermediary),
        Box::new(g.title.as_deref()),
        Box::new(g.purpose.as_deref()),
        Box::new(g.conditions.as_deref()),
        Box::new(g.amount.0),
        Box::new(g.start_on.map(|d| d.iso())),
        Box::new(g.end_on.map(|d| d.iso())),
        Box::new(g.status.as_str()),
        Box::new(g.match_amount.map(|p| p.0)),
        Box::new(ids.match_funder),
    ]
}

pub fn insert(conn: &Connection, decision_id: i64, g: &Grant, ids: &OrgIds) -> Result<i64> {
    let v = grant_values(&decision_id, g, ids);
    let p: Vec<&dyn rusqlite::ToSql> = v.iter().map(|b| b.as_ref()).collect();
    conn.prepare_cached(
        "INSERT INTO grants (ref, decision_id, funder_id, recipient_id, intermediary_id, title, purpose, conditions,
            amount_pence, start_on, end_on, status, match_amount_pence, match_funder_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(p.as_slice())?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, decision_id: i64, g: &Grant, ids: &OrgIds) -> Result<()> {
    let v = grant_values(&decision_id, g, ids);
    let mut p: Vec<&dyn rusqlite::ToSql> = v.iter().map(|b| b.as_ref()).collect();
    p.push(&id);
    conn.prepare_cached(
        "UPDATE grants SET ref = ?1, decision_id = ?2, funder_id = ?3, recipient_id = ?4, intermediary_id = ?5,
            title = ?6, purpose = ?7, conditions = ?8, amount_pence = ?9, start_on = ?10, end_on = ?11,
            status = ?12, match_amount_pence = ?13, match_funder_id = ?14
         WHERE id = ?15",
    )?
    .execute(p.as_slice())?;
    Ok(())
}

/// Grants matching the filter with what has been paid on each.
pub fn list(conn: &Connection, f: &ResolvedFilter, mut each: impl FnMut(Listed) -> Result<()>) -> Result<()> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS},
            (SELECT coalesce(sum(p.amount_pence), 0) FROM payments p WHERE p.grant_id = g.id)
         {FROM}
         WHERE {WHERE}
         ORDER BY d.ref, g.id"
    ))?;
    let p = filter_params(f);
    let mut rows = st.query(rusqlite::params_from_iter(p.iter()))?;
    while let Some(r) = rows.next()? {
        let (_, grant) = grant_row(r)?;
        each(Listed { grant, paid: Pence(r.get(15)?) })?;
    }
    Ok(())
}

const WHERE: &str = "(?1 IS NULL OR g.status = ?1)
           AND (?2 IS NULL OR d.budget_year = ?2)
           AND (?3 IS NULL OR d.commissioner_id = ?3)
           AND (?4 IS NULL OR g.recipient_id = ?4)
           AND (?5 IS NULL OR g.decision_id = ?5)
           AND (?6 IS NULL OR (coalesce(g.start_on, '0000-01-01') <= ?7 AND coalesce(g.end_on, '9999-12-31') >= ?6))";

fn filter_params(f: &ResolvedFilter) -> Vec<Box<dyn rusqlite::ToSql + '_>> {
    vec![
        Box::new(f.of.status.map(|s| s.as_str())),
        Box::new(f.of.budget_year.as_deref()),
        Box::new(f.of.commissioner_id),
        Box::new(f.of.recipient_id),
        Box::new(f.decision_id),
        Box::new(f.of.period.as_ref().map(|p| p.from.iso())),
        Box::new(f.of.period.as_ref().map(|p| p.to.iso())),
    ]
}

fn payment_row(r: &Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment { grant: r.get(0)?, paid_on: date_at(r, 1)?, amount: Pence(r.get(2)?), note: r.get(3)? })
}

/// Payments on the grants matching the filter, by grant then date.
pub fn payments(conn: &Connection, f: &ResolvedFilter, mut each: impl FnMut(Payment) -> Result<()>) -> Result<()> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT g.ref, p.paid_on, p.amount_pence, p.note
         FROM payments p JOIN grants g ON g.id = p.grant_id JOIN decisions d ON d.id = g.decision_id
         WHERE {WHERE}
         ORDER BY d.ref, g.id, p.paid_on, p.id"
    ))?;
    let p = filter_params(f);
    let mut rows = st.query(rusqlite::params_from_iter(p.iter()))?;
    while let Some(r) = rows.next()? {
        each(payment_row(r)?)?;
    }
    Ok(())
}

pub fn payments_of(conn: &Connection, grant_id: i64) -> Result<Vec<Payment>> {
    let mut st = conn.prepare_cached(
        "SELECT g.ref, p.paid_on, p.amount_pence, p.note FROM payments p JOIN grants g ON g.id = p.grant_id
         WHERE p.grant_id = ?1 ORDER BY p.paid_on, p.id",
    )?;
    let rows = st.query_map(params![grant_id], payment_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many payments on the grant have the same date, amount and note.
pub fn identical_payments(conn: &Connection, grant_id: i64, p: &Payment) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM payments WHERE grant_id = ?1 AND paid_on = ?2 AND amount_pence = ?3 AND note IS ?4",
        )?
        .query_row(params![grant_id, p.paid_on.iso(), p.amount.0, p.note.as_deref()], |r| r.get(0))?)
}

pub fn insert_payment(conn: &Connection, grant_id: i64, p: &Payment) -> Result<()> {
    conn.prepare_cached("INSERT INTO payments (grant_id, paid_on, amount_pence, note) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![grant_id, p.paid_on.iso(), p.amount.0, p.note.as_deref()])?;
    Ok(())
}

/// A value from the settings table.
pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row(params![key], |r| r.get(0))
        .optional()?)
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// When a grant or its decision last changed: the latest audit time of the
/// grant (added, updated, paid) or the decision, as recorded (UTC).
pub fn last_modified(conn: &Connection, grant_ref: &str, decision_ref: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT max(at) FROM audit_log
             WHERE (entity = 'grant' AND key = ?1) OR (entity = 'decision' AND key = ?2)",
        )?
        .query_row(rusqlite::params![grant_ref, decision_ref], |r| r.get(0))?)
}
