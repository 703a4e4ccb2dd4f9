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

/// The 360Giving identifier of the organisation called `name`, if it has one.
pub fn identifier(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT identifier FROM organisations WHERE name = ?1 COLLATE NOCASE")?
        .query_row(params![name.trim()], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}
