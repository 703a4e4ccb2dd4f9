//! SQL for decisions and their officer approvals.

use crate::db::row::{date_at, opt_date_at, opt_parsed_at, parsed_at};
use crate::domain::decision::{Approval, Decision, GrantLine, Listed, ResolvedFilter};
use crate::value::Pence;
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "d.id, d.ref, o.name, d.title, d.summary, d.author, d.received_on, d.decided_on,
        d.status, d.amount_pence, d.funding_source, d.spend_type, d.budget_year, d.confidential,
        d.confidential_category";
const FROM: &str = "FROM decisions d JOIN organisations o ON o.id = d.commissioner_id";

fn decision_row(r: &Row<'_>) -> rusqlite::Result<(i64, Decision)> {
    Ok((
        r.get(0)?,
        Decision {
            reference: r.get(1)?,
            commissioner: r.get(2)?,
            title: r.get(3)?,
            summary: r.get(4)?,
            author: r.get(5)?,
            received_on: opt_date_at(r, 6)?,
            decided_on: opt_date_at(r, 7)?,
            status: parsed_at(r, 8, "status")?,
            amount: Pence(r.get(9)?),
            funding_source: r.get(10)?,
            spend_type: opt_parsed_at(r, 11, "spend type")?,
            budget_year: opt_parsed_at(r, 12, "budget year")?,
            confidential: r.get::<_, i64>(13)? != 0,
            confidential_category: r.get(14)?,
            approvals: Vec::new(),
        },
    ))
}

/// The decision with this ref (exact), with its approvals.
pub fn get(conn: &Connection, reference: &str) -> Result<Option<(i64, Decision)>> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE d.ref = ?1"))?
        .query_row(params![reference.trim()], decision_row)
        .optional()?;
    match found {
        None => Ok(None),
        Some((id, mut d)) => {
            d.approvals = approvals(conn, id)?;
            Ok(Some((id, d)))
        }
    }
}

/// Every decision ref (for "did you mean").
pub fn refs(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT ref FROM decisions ORDER BY ref")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn approvals(conn: &Connection, id: i64) -> Result<Vec<Approval>> {
    let mut st =
        conn.prepare_cached("SELECT role, approved_on FROM decision_approvals WHERE decision_id = ?1 ORDER BY role")?;
    let rows = st.query_map(params![id], |r| Ok(Approval { role: r.get(0)?, approved_on: date_at(r, 1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn values(d: &Decision) -> [Box<dyn rusqlite::ToSql + '_>; 13] {
    [
        Box::new(d.reference.trim()),
        Box::new(d.title.trim()),
        Box::new(d.summary.as_deref()),
        Box::new(d.author.as_deref()),
        Box::new(d.received_on.map(|x| x.iso())),
        Box::new(d.decided_on.map(|x| x.iso())),
        Box::new(d.status.as_str()),
        Box::new(d.amount.0),
        Box::new(d.funding_source.as_deref()),
        Box::new(d.spend_type.map(|s| s.as_str())),
        Box::new(d.budget_year.as_ref().map(|b| b.to_string())),
        Box::new(i64::from(d.confidential)),
        Box::new(d.confidential_category.as_deref()),
    ]
}

pub fn insert(conn: &Connection, d: &Decision, commissioner_id: i64) -> Result<i64> {
    let v = values(d);
    let mut p: Vec<&dyn rusqlite::ToSql> = v.iter().map(|b| b.as_ref()).collect();
    p.push(&commissioner_id);
    conn.prepare_cached(
        "INSERT INTO decisions (ref, title, summary, author, received_on, decided_on, status, amount_pence,
            funding_source, spend_type, budget_year, confidential, confidential_category, commissioner_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(p.as_slice())?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, d: &Decision, commissioner_id: i64) -> Result<()> {
    let v = values(d);
    let mut p: Vec<&dyn rusqlite::ToSql> = v.iter().map(|b| b.as_ref()).collect();
    p.push(&commissioner_id);
    p.push(&id);
    conn.prepare_cached(
        "UPDATE decisions SET ref = ?1, title = ?2, summary = ?3, author = ?4, received_on = ?5, decided_on = ?6,
            status = ?7, amount_pence = ?8, funding_source = ?9, spend_type = ?10, budget_year = ?11,
            confidential = ?12, confidential_category = ?13, commissioner_id = ?14
         WHERE id = ?15",
    )?
    .execute(p.as_slice())?;
    Ok(())
}

pub fn replace_approvals(conn: &Connection, id: i64, approvals: &[Approval]) -> Result<()> {
    conn.prepare_cached("DELETE FROM decision_approvals WHERE decision_id = ?1")?.execute(params![id])?;
    let mut st =
        conn.prepare_cached("INSERT INTO decision_approvals (decision_id, role, approved_on) VALUES (?1, ?2, ?3)")?;
    for a in approvals {
        st.execute(params![id, a.role.trim(), a.approved_on.iso()])?;
    }
    Ok(())
}

/// The total of the grants under a decision.
pub fn granted(conn: &Connection, id: i64) -> Result<Pence> {
    Ok(Pence(
        conn.prepare_cached("SELECT coalesce(sum(amount_pence), 0) FROM grants WHERE decision_id = ?1")?
            .query_row(params![id], |r| r.get(0))?,
    ))
}

pub fn grant_lines(conn: &Connection, id: i64) -> Result<Vec<GrantLine>> {
    let mut st = conn.prepare_cached(
        "SELECT g.ref, o.name, g.amount_pence, g.status FROM grants g JOIN organisations o ON o.id = g.recipient_id
         WHERE g.decision_id = ?1 ORDER BY g.id",
    )?;
    let rows = st.query_map(params![id], |r| {
        Ok(GrantLine {
            reference: r.get(0)?,
            recipient: r.get(1)?,
            amount: Pence(r.get(2)?),
            status: parsed_at(r, 3, "grant status")?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Decisions matching the filter, in ref order, with their grant totals.
pub fn list(conn: &Connection, f: &ResolvedFilter, mut each: impl FnMut(Listed) -> Result<()>) -> Result<()> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS},
            (SELECT count(*) FROM grants g WHERE g.decision_id = d.id),
            (SELECT coalesce(sum(g.amount_pence), 0) FROM grants g WHERE g.decision_id = d.id)
         {FROM}
         WHERE (?1 IS NULL OR d.status = ?1)
           AND (?2 IS NULL OR d.budget_year = ?2)
           AND (?3 IS NULL OR d.commissioner_id = ?3)
           AND (?4 IS NULL OR EXISTS (SELECT 1 FROM grants g WHERE g.decision_id = d.id AND g.recipient_id = ?4))
           AND (?5 IS NULL OR d.decided_on BETWEEN ?5 AND ?6 OR d.received_on BETWEEN ?5 AND ?6)
         ORDER BY d.ref"
    ))?;
    let mut rows = st.query(params![
        f.status.map(|s| s.as_str()),
        f.budget_year,
        f.commissioner_id,
        f.recipient_id,
        f.period.as_ref().map(|p| p.from.iso()),
        f.period.as_ref().map(|p| p.to.iso()),
    ])?;
    let mut found = Vec::new();
    while let Some(r) = rows.next()? {
        let (id, decision) = decision_row(r)?;
        found.push((id, decision, r.get::<_, i64>(15)?, Pence(r.get(16)?)));
    }
    drop(rows);
    for (id, mut decision, grants, granted) in found {
        decision.approvals = approvals(conn, id)?;
        each(Listed { decision, grants, granted })?;
    }
    Ok(())
}
