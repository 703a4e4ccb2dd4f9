//! SQL for clients (pseudonymous client_refs and equality data).

use crate::domain::client::{Attributes, CaseHeld, ClientRow, TierFrom};
use crate::value::names::{Disability, Ethnicity};
use crate::value::Date;
use anyhow::Result;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// The id of `client_ref`, if recorded.
pub fn id(conn: &Connection, client_ref: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM clients WHERE client_ref = ?1")?
        .query_row(params![client_ref], |r| r.get(0))
        .optional()?)
}

/// The id of `client_ref`, recording it as a new client if it was not
/// known. Returns (id, whether it was added).
pub fn id_or_insert(conn: &Connection, client_ref: &str) -> Result<(i64, bool)> {
    if let Some(id) = id(conn, client_ref)? {
        return Ok((id, false));
    }
    Ok((insert(conn, client_ref)?, true))
}

/// How many clients are recorded.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM clients", [], |r| r.get(0))?)
}

/// Every (client_ref, id), handed to `each` without collecting them.
pub fn each_ref(conn: &Connection, mut each: impl FnMut(&str, i64)) -> Result<()> {
    let mut st = conn.prepare("SELECT client_ref, id FROM clients")?;
    let mut rows = st.query([])?;
    while let Some(row) = rows.next()? {
        if let ValueRef::Text(t) = row.get_ref(0)? {
            each(std::str::from_utf8(t).unwrap_or_default(), row.get(1)?);
        }
    }
    Ok(())
}

/// Whether some recorded client_ref may be one a spreadsheet damages (see
/// `db::referral::any_fragile_ref`).
pub fn any_fragile_ref(conn: &Connection) -> Result<bool> {
    super::referral::any_fragile(conn, "clients", "client_ref")
}

/// Remove a client recorded by the current import for a row that was then
/// refused, if nothing refers to it.
pub fn delete_unused(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM clients WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM referrals WHERE client_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM cases WHERE client_id = ?1)",
    )?
    .execute(params![id])?;
    Ok(())
}

/// Record a new client (known not to exist); returns its id.
/// The SQL of `insert`.
pub const INSERT: &str = "INSERT INTO clients (client_ref) VALUES (?1)";

pub fn insert(conn: &Connection, client_ref: &str) -> Result<i64> {
    conn.prepare_cached(INSERT)?.execute(params![client_ref])?;
    Ok(conn.last_insert_rowid())
}

fn attribute_params(a: &Attributes) -> (Option<i64>, Option<&'static str>, Option<&'static str>, Option<i64>) {
    (a.birth_year, a.ethnicity.map(Ethnicity::as_str), a.disability.map(Disability::as_str), a.dependent_children)
}

/// The client with `client_ref`: (id, whether its attributes equal `a`).
pub fn find_with(conn: &Connection, client_ref: &str, a: &Attributes) -> Result<Option<(i64, bool)>> {
    let (b, e, d, c) = attribute_params(a);
    Ok(conn
        .prepare_cached(
            "SELECT id, (birth_year IS ?2 AND ethnicity IS ?3 AND disability IS ?4 AND dependent_children IS ?5)
             FROM clients WHERE client_ref = ?1",
        )?
        .query_row(params![client_ref, b, e, d, c], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// A client's equality-monitoring attributes, by id.
pub fn attributes(conn: &Connection, id: i64) -> Result<Option<Attributes>> {
    Ok(conn
        .prepare_cached("SELECT birth_year, ethnicity, disability, dependent_children FROM clients WHERE id = ?1")?
        .query_row(params![id], |r| {
            let e: Option<String> = r.get(1)?;
            let d: Option<String> = r.get(2)?;
            Ok(Attributes {
                birth_year: r.get(0)?,
                ethnicity: e.and_then(|s| s.parse().ok()),
                disability: d.and_then(|s| s.parse().ok()),
                dependent_children: r.get(3)?,
            })
        })
        .optional()?)
}

/// Record a new client with attributes; returns its id.
pub fn insert_with(conn: &Connection, client_ref: &str, a: &Attributes) -> Result<i64> {
    let (b, e, d, c) = attribute_params(a);
    conn.prepare_cached(
        "INSERT INTO clients (client_ref, birth_year, ethnicity, disability, dependent_children)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![client_ref, b, e, d, c])?;
    Ok(conn.last_insert_rowid())
}

/// Overwrite a client's attributes.
pub fn update_attributes(conn: &Connection, id: i64, a: &Attributes) -> Result<()> {
    let (b, e, d, c) = attribute_params(a);
    conn.prepare_cached(
        "UPDATE clients SET birth_year = ?2, ethnicity = ?3, disability = ?4, dependent_children = ?5 WHERE id = ?1",
    )?
    .execute(params![id, b, e, d, c])?;
    Ok(())
}

const ROW: &str = "SELECT c.id, c.client_ref, c.birth_year, c.ethnicity, c.disability, c.dependent_children,
        (SELECT count(*) FROM referrals AS r WHERE r.client_id = c.id),
        (SELECT count(*) FROM cases AS k WHERE k.client_id = c.id)
    FROM clients AS c";

fn client_row(r: &Row<'_>) -> rusqlite::Result<ClientRow> {
    Ok(ClientRow {
        id: r.get(0)?,
        client_ref: r.get(1)?,
        attributes: Attributes {
            birth_year: r.get(2)?,
            ethnicity: r.get::<_, Option<String>>(3)?.and_then(|s| s.parse().ok()),
            disability: r.get::<_, Option<String>>(4)?.and_then(|s| s.parse().ok()),
            dependent_children: r.get(5)?,
        },
        referrals: r.get(6)?,
        cases: r.get(7)?,
    })
}

/// One client with counts of their referrals and cases.
pub fn row(conn: &Connection, id: i64) -> Result<Option<ClientRow>> {
    Ok(conn.prepare_cached(&format!("{ROW} WHERE c.id = ?1"))?.query_row(params![id], client_row).optional()?)
}

/// Every client, in client_ref order.
pub fn each_row(conn: &Connection, mut each: impl FnMut(&ClientRow) -> Result<()>) -> Result<()> {
    let mut st = conn.prepare(&format!("{ROW} ORDER BY c.client_ref"))?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        each(&client_row(r)?)?;
    }
    Ok(())
}

/// A client's cases with their tier history, oldest first.
pub fn cases_of(conn: &Connection, client_id: i64) -> Result<Vec<CaseHeld>> {
    let date = |s: Option<String>| s.as_deref().and_then(Date::from_db);
    let mut st = conn.prepare_cached(
        "SELECT k.id, k.ref, w.code, s.name, k.opened_on, k.closed_on, k.close_reason, k.outcome
         FROM cases AS k JOIN workers AS w ON w.id = k.worker_id JOIN services AS s ON s.id = k.service_id
         WHERE k.client_id = ?1 ORDER BY k.opened_on, k.id",
    )?;
    let mut cases: Vec<CaseHeld> = st
        .query_map(params![client_id], |r| {
            Ok(CaseHeld {
                id: r.get(0)?,
                ref_: r.get(1)?,
                worker: r.get(2)?,
                service: r.get(3)?,
                opened_on: date(r.get(4)?),
                closed_on: date(r.get(5)?),
                close_reason: r.get(6)?,
                outcome: r.get::<_, Option<String>>(7)?.and_then(|s| s.parse().ok()),
                tiers: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare_cached("SELECT from_on, tier FROM case_tiers WHERE case_id = ?1 ORDER BY from_on")?;
    for c in &mut cases {
        c.tiers = st
            .query_map(params![c.id], |r| Ok(TierFrom { from_on: date(r.get(0)?), tier: r.get(1)? }))?
            .collect::<Result<_, _>>()?;
    }
    Ok(cases)
}

/// What `erase` removed, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub referrals: usize,
    pub cases: usize,
    pub case_tiers: usize,
    pub assessments: usize,
    pub audit_rows: usize,
}

impl std::ops::AddAssign for Removed {
    fn add_assign(&mut self, o: Removed) {
        self.referrals += o.referrals;
        self.cases += o.cases;
        self.case_tiers += o.case_tiers;
        self.assessments += o.assessments;
        self.audit_rows += o.audit_rows;
    }
}

/// The clients linked into `client_id` (`client link A --into B`: the A's
/// of a B), and the links themselves removed: erasing or anonymising B
/// does the same to them, since they are the same woman.
fn take_links(conn: &Connection, client_id: i64) -> Result<Vec<i64>> {
    let linked: Vec<i64> = conn
        .prepare_cached("SELECT client_id FROM client_links WHERE into_id = ?1 ORDER BY client_id")?
        .query_map(params![client_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    conn.prepare_cached("DELETE FROM client_links WHERE into_id = ?1 OR client_id = ?1")?
        .execute(params![client_id])?;
    Ok(linked)
}

/// Remove a client and everything held about them: the audit rows about
/// her referrals and cases, assessments, tier history, cases, referrals,
/// then the client; and the same for the clients linked into her. Call
/// inside a write transaction.
pub fn erase(conn: &Connection, client_id: i64) -> Result<Removed> {
    let linked = take_links(conn, client_id)?;
    let mut r = erase_one(conn, client_id)?;
    for a in linked {
        r += erase_one(conn, a)?;
    }
    Ok(r)
}

fn erase_one(conn: &Connection, client_id: i64) -> Result<Removed> {
    let audit_rows = delete_audit_about(conn, client_id)?;
    let assessments =
        conn.prepare_cached("DELETE FROM assessments WHERE client_id = ?1")?.execute(params![client_id])?;
    let case_tiers = conn
        .prepare_cached("DELETE FROM case_tiers WHERE case_id IN (SELECT id FROM cases WHERE client_id = ?1)")?
        .execute(params![client_id])?;
    let cases = conn.prepare_cached("DELETE FROM cases WHERE client_id = ?1")?.execute(params![client_id])?;
    let referrals = conn.prepare_cached("DELETE FROM referrals WHERE client_id = ?1")?.execute(params![client_id])?;
    conn.prepare_cached("DELETE FROM clients WHERE id = ?1")?.execute(params![client_id])?;
    Ok(Removed { referrals, cases, case_tiers, assessments, audit_rows })
}

/// Remove the audit rows about a client's referrals and cases (found by her
/// id, or, for rows written before audit rows carried it, by the referrals'
/// and cases' refs and `#ID`s). Returns how many went.
fn delete_audit_about(conn: &Connection, client_id: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM audit_log WHERE client_id = ?1
                OR (entity = 'referral' AND key IN (SELECT ref FROM referrals WHERE client_id = ?1 AND ref IS NOT NULL
                                                    UNION ALL SELECT '#' || id FROM referrals WHERE client_id = ?1))
                OR (entity = 'case' AND key IN (SELECT ref FROM cases WHERE client_id = ?1 AND ref IS NOT NULL
                                                UNION ALL SELECT '#' || id FROM cases WHERE client_id = ?1))",
        )?
        .execute(params![client_id])?)
}

/// Anonymise a client in place, so that her records still count in
/// historical returns: her client_ref becomes `anon#<id>`, her referrals'
/// and cases' refs `anon#r<id>` and `anon#c<id>` (no import can name
/// these: a ref never holds `#`), her equality answers and cases' close
/// reasons are cleared, and the audit rows about her go; the same for the
/// clients linked into her. With secure_delete the old values are
/// overwritten in the file. Call inside a write transaction. Counts what it
/// changed (case_tiers: 0).
pub fn anonymise(conn: &Connection, client_id: i64) -> Result<Removed> {
    let linked = take_links(conn, client_id)?;
    let mut r = anonymise_one(conn, client_id)?;
    for a in linked {
        r += anonymise_one(conn, a)?;
    }
    Ok(r)
}

fn anonymise_one(conn: &Connection, client_id: i64) -> Result<Removed> {
    let audit_rows = delete_audit_about(conn, client_id)?;
    let referrals = conn
        .prepare_cached(
            "UPDATE referrals SET ref = CASE WHEN ref IS NULL THEN NULL ELSE 'anon#r' || id END WHERE client_id = ?1",
        )?
        .execute(params![client_id])?;
    let cases = conn
        .prepare_cached(
            "UPDATE cases SET ref = CASE WHEN ref IS NULL THEN NULL ELSE 'anon#c' || id END, close_reason = NULL
             WHERE client_id = ?1",
        )?
        .execute(params![client_id])?;
    let assessments: i64 = conn
        .prepare_cached("SELECT count(*) FROM assessments WHERE client_id = ?1")?
        .query_row(params![client_id], |r| r.get(0))?;
    conn.prepare_cached(
        "UPDATE clients SET client_ref = 'anon#' || id, birth_year = NULL, ethnicity = NULL, disability = NULL,
                dependent_children = NULL WHERE id = ?1",
    )?
    .execute(params![client_id])?;
    Ok(Removed { referrals, cases, case_tiers: 0, assessments: assessments as usize, audit_rows })
}

/// Rebuild the indexes that hold refs (referrals' and cases' refs, client
/// refs). An interior page of a b-tree keeps copies
/// of keys as dividers after the rows under them are deleted, and
/// secure_delete overwrites only the rows: rebuilding the index frees those
/// pages, and secure_delete zeroes them. Call once per erasing transaction.
pub fn purge_index_copies(conn: &Connection) -> Result<()> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index'
               AND (name = 'referrals_ref' OR (tbl_name IN ('clients', 'cases')
                                               AND name GLOB 'sqlite_autoindex_*'))
             ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for n in names {
        conn.execute_batch(&format!("REINDEX \"{n}\""))?;
    }
    Ok(())
}

/// Copy the write-ahead log into the database file and empty it
/// (`wal_checkpoint(TRUNCATE)`), so that erased rows survive in neither
/// file. Returns false when a reader kept it from finishing.
pub fn checkpoint(conn: &Connection) -> Result<bool> {
    let (busy, _log, _done): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(busy == 0)
}

/// Every client that may have a duplicate: (id, client_ref, birth_year),
/// leaving out anonymised clients and those linked into another already.
pub fn each_candidate(conn: &Connection, mut each: impl FnMut(i64, &str, Option<i64>)) -> Result<()> {
    let mut st = conn.prepare(
        "SELECT id, client_ref, birth_year FROM clients
         WHERE client_ref NOT GLOB 'anon#*' AND id NOT IN (SELECT client_id FROM client_links)",
    )?;
    let mut rows = st.query([])?;
    while let Some(row) = rows.next()? {
        if let ValueRef::Text(t) = row.get_ref(1)? {
            each(row.get(0)?, std::str::from_utf8(t).unwrap_or_default(), row.get(2)?);
        }
    }
    Ok(())
}

/// The fewest days between a referral of client `a` and one of client `b`.
pub fn nearest_referrals_days(conn: &Connection, a: i64, b: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT CAST(min(abs(julianday(x.referred_on) - julianday(y.referred_on))) AS INTEGER)
             FROM referrals AS x JOIN referrals AS y ON x.client_id = ?1 AND y.client_id = ?2",
        )?
        .query_row(params![a, b], |r| r.get(0))?)
}

/// Why `a`'s records cannot move to `b`, if they cannot: both have an open
/// case at one service, or an assessment on one pathway on one day. Names
/// the case refs (or `#ID`s), never a client_ref.
pub fn link_conflict(conn: &Connection, a: i64, b: i64) -> Result<Option<String>> {
    let case = conn
        .prepare_cached(
            "SELECT coalesce(x.ref, '#' || x.id), coalesce(y.ref, '#' || y.id) FROM cases AS x JOIN cases AS y
               ON x.service_id = y.service_id AND x.client_id = ?1 AND y.client_id = ?2
             WHERE x.closed_on IS NULL AND y.closed_on IS NULL LIMIT 1",
        )?
        .query_row(params![a, b], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    if let Some((x, y)) = case {
        return Ok(Some(format!(
            "both clients have an open case at the same service (cases {x} and {y}); a woman has one open case at a \
             service, so close or correct one of them first"
        )));
    }
    let assessed = conn
        .prepare_cached(
            "SELECT x.pathway, x.assessed_on FROM assessments AS x JOIN assessments AS y
               ON x.pathway = y.pathway AND x.assessed_on = y.assessed_on AND x.client_id = ?1 AND y.client_id = ?2
             LIMIT 1",
        )?
        .query_row(params![a, b], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    Ok(assessed.map(|(p, d)| {
        format!(
            "both clients have an assessment on {p} on {d}; a woman has one assessment on a pathway a day, so \
             correct one of them first"
        )
    }))
}

/// How many clients are linked into `id`.
pub fn links_into(conn: &Connection, id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM client_links WHERE into_id = ?1")?
        .query_row(params![id], |r| r.get(0))?)
}

/// The link of client `id` into another, if it is linked: (link id, into).
pub fn linked_into(conn: &Connection, id: i64) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached("SELECT id, into_id FROM client_links WHERE client_id = ?1")?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The tables a link moves, with the kind named in client_link_moves.
const MOVED: &[(&str, &str)] =
    &[("referral", "referrals"), ("case", "cases"), ("assessment", "assessments"), ("audit", "audit_log")];

/// How many rows of each kind a link or unlink moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    pub referrals: usize,
    pub cases: usize,
    pub assessments: usize,
}

fn moved(counts: &[usize]) -> Moved {
    Moved { referrals: counts[0], cases: counts[1], assessments: counts[2] }
}

/// Link client `a` into `b`: record the link, list every row of `a`'s in
/// referrals, cases, assessments and the audit log, and move them to `b`.
/// `a`'s own row stays as it was. Neither may be in another link (the
/// caller checks). Call inside a write transaction.
pub fn link(conn: &Connection, a: i64, b: i64, at: &str) -> Result<Moved> {
    conn.prepare_cached("INSERT INTO client_links (client_id, into_id, linked_at) VALUES (?1, ?2, ?3)")?
        .execute(params![a, b, at])?;
    let link = conn.last_insert_rowid();
    let mut counts = Vec::new();
    for (kind, table) in MOVED {
        conn.prepare_cached(&format!(
            "INSERT INTO client_link_moves (link_id, kind, row_id) SELECT ?1, ?2, id FROM {table} WHERE client_id = ?3"
        ))?
        .execute(params![link, kind, a])?;
        counts.push(
            conn.prepare_cached(&format!("UPDATE {table} SET client_id = ?2 WHERE client_id = ?1"))?
                .execute(params![a, b])?,
        );
    }
    Ok(moved(&counts))
}

/// Undo link `link` of client `a` (now into `into`): every listed row still
/// with `into` goes back to `a`, and the link is removed. Call inside a
/// write transaction.
pub fn unlink(conn: &Connection, link: i64, a: i64, into: i64) -> Result<Moved> {
    let mut counts = Vec::new();
    for (kind, table) in MOVED {
        counts.push(
            conn.prepare_cached(&format!(
                "UPDATE {table} SET client_id = ?3 WHERE client_id = ?4
                   AND id IN (SELECT row_id FROM client_link_moves WHERE link_id = ?1 AND kind = ?2)"
            ))?
            .execute(params![link, kind, a, into])?,
        );
    }
    conn.prepare_cached("DELETE FROM client_links WHERE id = ?1")?.execute(params![link])?;
    Ok(moved(&counts))
}
