//! SQL for organisations, recorded as they are first named.

use crate::value::names::OrgKind;
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The id of the organisation called `name` (exact, case-insensitive),
/// adding it with `kind` if it is new. Returns (id, whether it was added).
pub fn id_or_insert(conn: &Connection, name: &str, kind: OrgKind) -> Result<(i64, bool)> {
    if let Some(id) = id(conn, name)? {
        return Ok((id, false));
    }
    conn.prepare_cached("INSERT INTO organisations (name, kind) VALUES (?1, ?2)")?
        .execute(params![name.trim(), kind.as_str()])?;
    Ok((conn.last_insert_rowid(), true))
}

/// The id of the organisation called `name`, matched without regard to case.
pub fn id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM organisations WHERE name = ?1 COLLATE NOCASE")?
        .query_row(params![name.trim()], |r| r.get(0))
        .optional()?)
}

/// The name of organisation `id`.
pub fn name(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn.prepare_cached("SELECT name FROM organisations WHERE id = ?1")?.query_row(params![id], |r| r.get(0))?)
}

/// Every organisation's name (for "did you mean").
pub fn names(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT name FROM organisations ORDER BY name")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Set an organisation's 360Giving identifier (e.g. GB-CHC-1234567).
pub fn set_identifier(conn: &Connection, id: i64, identifier: Option<&str>) -> Result<()> {
    conn.prepare_cached("UPDATE organisations SET identifier = ?2 WHERE id = ?1")?.execute(params![id, identifier])?;
    Ok(())
}

/// Set an organisation's identifier, registered (GB-CHC-…, in
/// organisations.identifier) or in the publisher form (360G-…, in
/// org_unregistered_ids), clearing the other kind. Checked by the caller
/// (`domain::threesixty::check_org_id`).
pub fn set_any_identifier(conn: &Connection, id: i64, identifier: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM org_unregistered_ids WHERE organisation_id = ?1")?.execute(params![id])?;
    if identifier.starts_with("360G-") {
        set_identifier(conn, id, None)?;
        conn.prepare_cached("INSERT INTO org_unregistered_ids (organisation_id, identifier) VALUES (?1, ?2)")?
            .execute(params![id, identifier])?;
    } else {
        set_identifier(conn, id, Some(identifier))?;
    }
    Ok(())
}

/// The organisation that holds `identifier` (of either kind), if any.
pub fn holder_of(conn: &Connection, identifier: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM organisations WHERE identifier = ?1
             UNION ALL SELECT organisation_id FROM org_unregistered_ids WHERE identifier = ?1 LIMIT 1",
        )?
        .query_row(params![identifier], |r| r.get(0))
        .optional()?)
}

/// The 360Giving identifier of the organisation called `name`, if it has
/// one (registered, else in the publisher form).
pub fn identifier(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(o.identifier, u.identifier) FROM organisations AS o
             LEFT JOIN org_unregistered_ids AS u ON u.organisation_id = o.id WHERE o.name = ?1 COLLATE NOCASE",
        )?
        .query_row(params![name.trim()], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}
