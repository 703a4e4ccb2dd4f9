//! The SQL behind `db check`.

use crate::value::Pence;
use anyhow::Result;
use rusqlite::Connection;

/// One problem `db check` found: which check, and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: &'static str,
    pub message: String,
}

/// (name, query returning one text column per problem found)
const INVARIANTS: &[(&str, &str)] = &[
    (
        "grants within decision",
        "SELECT 'decision ' || d.ref || ': grants total ' || sum(g.amount_pence) || ' pence, more than its amount of ' || d.amount_pence || ' pence'
         FROM decisions d JOIN grants g ON g.decision_id = d.id
         GROUP BY d.id HAVING sum(g.amount_pence) > d.amount_pence",
    ),
    (
        "payments within grant",
        "SELECT 'grant ' || g.ref || ': payments total ' || sum(p.amount_pence) || ' pence, more than the grant of ' || g.amount_pence || ' pence'
         FROM grants g JOIN payments p ON p.grant_id = g.id
         GROUP BY g.id HAVING sum(p.amount_pence) > g.amount_pence",
    ),
    (
        "cases closed after opening",
        "SELECT 'case ' || coalesce(ref, '#' || id) || ': closed on ' || closed_on || ', before it opened on ' || opened_on
         FROM cases WHERE closed_on < opened_on",
    ),
    (
        "no overlapping cases",
        "SELECT 'cases ' || coalesce(a.ref, '#' || a.id) || ' and ' || coalesce(b.ref, '#' || b.id) || ' of one client at one service overlap'
         FROM cases a JOIN cases b ON a.client_id = b.client_id AND a.service_id = b.service_id AND a.id < b.id
         WHERE a.opened_on <= coalesce(b.closed_on, '9999-12-31') AND b.opened_on <= coalesce(a.closed_on, '9999-12-31')",
    ),
    (
        "tier history",
        "SELECT 'case ' || coalesce(c.ref, '#' || c.id) || ': ' ||
                CASE WHEN t.first IS NULL THEN 'has no tier'
                     WHEN t.first <> c.opened_on THEN 'first tier starts ' || t.first || ', not on the day it opened (' || c.opened_on || ')'
                     ELSE 'a tier change on ' || t.last || ' is after it closed on ' || c.closed_on END
         FROM cases c LEFT JOIN (SELECT case_id, min(from_on) AS first, max(from_on) AS last FROM case_tiers GROUP BY case_id) t
              ON t.case_id = c.id
         WHERE t.first IS NULL OR t.first <> c.opened_on OR (c.closed_on IS NOT NULL AND t.last > c.closed_on)",
    ),
    (
        "assessments within their case",
        "SELECT 'case ' || coalesce(c.ref, '#' || c.id) || ': ' ||
                CASE WHEN a.client_id <> c.client_id THEN 'an assessment on ' || a.pathway || ' on ' || a.assessed_on || ' is recorded for another client'
                     WHEN a.assessed_on < c.opened_on THEN 'an assessment on ' || a.pathway || ' on ' || a.assessed_on || ' is before it opened on ' || c.opened_on
                     ELSE 'an assessment on ' || a.pathway || ' on ' || a.assessed_on || ' is after it closed on ' || c.closed_on END
         FROM assessments a JOIN cases c ON c.id = a.case_id
         WHERE a.client_id <> c.client_id OR a.assessed_on < c.opened_on OR (c.closed_on IS NOT NULL AND a.assessed_on > c.closed_on)",
    ),
    (
        "first contact after referral",
        "SELECT 'referral ' || coalesce(ref, '#' || id) || ': first contact ' || first_contact_on || ' is before the referral on ' || referred_on
         FROM referrals WHERE first_contact_on < referred_on",
    ),
];

/// The name of SQLite's own check in `Finding::check`.
pub const INTEGRITY: &str = "integrity";

/// SQLite's `integrity_check` (every finding, one per row, e.g. "Tree 5
/// page 12 cell 3: …" or "Page 40: never used"), then foreign keys and the
/// domain's invariants. On a damaged file a check that meets the damage is
/// reported as a problem of its own and the others still run.
pub fn run(conn: &Connection) -> Result<Vec<Finding>> {
    let mut problems = Vec::new();
    match integrity(conn) {
        Ok(found) => problems.extend(found.into_iter().map(|message| Finding { check: INTEGRITY, message })),
        Err(e) => problems.push(Finding { check: INTEGRITY, message: damage_or(e)? }),
    }
    match foreign_keys(conn) {
        Ok(found) => problems.extend(found.into_iter().map(|message| Finding { check: "foreign keys", message })),
        Err(e) => problems.push(Finding { check: "foreign keys", message: damage_or(e)? }),
    }
    for (name, sql) in INVARIANTS {
        match rows(conn, sql) {
            Ok(found) => problems.extend(found.into_iter().map(|r| Finding { check: name, message: pence_words(&r) })),
            Err(e) => problems.push(Finding { check: name, message: damage_or(e)? }),
        }
    }
    Ok(problems)
}

/// A check that failed because the file is damaged becomes a problem
/// ("could not be checked: …"); any other failure stays an error.
fn damage_or(e: anyhow::Error) -> Result<String> {
    if super::is_damage(&e) {
        let why = e
            .chain()
            .find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
                Some(rusqlite::Error::SqliteFailure(_, Some(m))) => Some(m.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "database disk image is malformed".into());
        return Ok(format!("could not be checked: the file is damaged (SQLite: {why})"));
    }
    Err(e)
}

/// SQLite's findings; SQLite may stop with an error part-way through a
/// damaged file, after the findings it has made so far.
fn integrity(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut st = conn.prepare("PRAGMA integrity_check")?;
    let mut rows = st.query([])?;
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let r: String = row.get(0)?;
                // SQLite heads its first finding with the schema's name.
                for line in r.lines().map(str::trim) {
                    if !line.is_empty() && line != "ok" && line != "*** in database main ***" {
                        out.push(line.to_string());
                    }
                }
            }
            Ok(None) => break,
            Err(e)
                if !out.is_empty()
                    && matches!(
                        e.sqlite_error_code(),
                        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
                    ) =>
            {
                out.push(format!("SQLite stopped checking here ({e})"));
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

fn foreign_keys(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare("PRAGMA foreign_key_check")?;
    let rows =
        st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for r in rows {
        let (table, rowid, parent) = r?;
        out.push(format!(
            "{table} row {} refers to a missing {parent} row",
            rowid.map(|r| r.to_string()).unwrap_or_default()
        ));
    }
    Ok(out)
}

fn rows(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut st = conn.prepare(sql)?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Turn "1234 pence" in a message into "£12.34".
fn pence_words(s: &str) -> String {
    let mut out = Vec::new();
    let words: Vec<&str> = s.split(' ').collect();
    let mut i = 0;
    while i < words.len() {
        if i + 1 < words.len() && words[i + 1].starts_with("pence") {
            if let Ok(n) = words[i].parse::<i64>() {
                out.push(format!("{}{}", Pence(n).pretty(), &words[i + 1][5..]));
                i += 2;
                continue;
            }
        }
        out.push(words[i].to_string());
        i += 1;
    }
    out.join(" ")
}
