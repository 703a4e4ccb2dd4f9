//! SQL for services.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The id of the service called `name` (case-insensitive).
pub fn id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM services WHERE name = ?1 COLLATE NOCASE")?
        .query_row(params![name.trim()], |r| r.get(0))
        .optional()?)
}

/// Every service as (id, name), for lookups held in memory during imports
/// and for "did you mean".
pub fn all_names(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached("SELECT id, name FROM services ORDER BY name")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
