//! SQL for clients (pseudonymous client_refs and equality data).

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

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
    conn.prepare_cached("INSERT INTO clients (client_ref) VALUES (?1)")?.execute(params![client_ref])?;
    Ok((conn.last_insert_rowid(), true))
}
