//! Schema versions. `schema.sql` is the newest schema; a new file gets it
//! whole. An older file is upgraded by the ordered steps below, in one
//! transaction, after a backup copy is left beside it. A newer file is
//! refused.

use super::APPLICATION_ID;
use crate::error::Error;
use anyhow::{Context, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};

/// The schema every new database gets.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// The schema version this binary writes and understands.
pub const CURRENT_VERSION: i64 = 1;

/// Steps from version N to N+1: `STEPS[0]` takes 1 to 2, and so on.
/// Each step is SQL run inside the migration's one transaction.
pub const STEPS: &[&str] = &[];

/// Check the file's versions; create the schema in a new file, migrate an
/// older one. Returns the version it migrated from, if it did.
pub fn ensure_current(conn: &Connection, path: &Path) -> Result<Option<i64>> {
    let (app_id, version): (i64, i64) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if app_id != APPLICATION_ID {
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        if app_id != 0 || tables > 0 {
            return Err(Error::NotPathway { path: path.to_path_buf() }.into());
        }
        create(conn)?;
        return Ok(None);
    }
    if version == 0 {
        create(conn)?;
        return Ok(None);
    }
    if version > CURRENT_VERSION {
        return Err(Error::NewerDatabase { path: path.to_path_buf(), found: version, known: CURRENT_VERSION }.into());
    }
    if version < CURRENT_VERSION {
        backup_before_migration(conn, path, version)?;
        migrate(conn, version)?;
        return Ok(Some(version));
    }
    Ok(None)
}

fn create(conn: &Connection) -> Result<()> {
    // IMMEDIATE: two processes creating the same new file at once must not
    // both apply the schema.
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let app_id: i64 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app_id == APPLICATION_ID && version > 0 {
        return Ok(()); // another process made it first
    }
    tx.execute_batch(SCHEMA).context("cannot create the schema")?;
    tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {CURRENT_VERSION};"))?;
    tx.commit()?;
    Ok(())
}

/// Where the automatic backup before a migration goes.
pub fn migration_backup_path(path: &Path, from: i64) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "pathway.db".into());
    path.with_file_name(format!("{name}.v{from}-{stamp}.bak"))
}

fn backup_before_migration(conn: &Connection, path: &Path, from: i64) -> Result<()> {
    let dest = migration_backup_path(path, from);
    super::tx::backup_to(conn, &dest).with_context(|| format!("cannot back up {} before migrating it", path.display()))
}

/// Run the steps from `from` to `CURRENT_VERSION` in one transaction.
pub fn migrate(conn: &Connection, from: i64) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if now != from {
        return Ok(()); // someone else migrated it meanwhile
    }
    for (i, step) in STEPS.iter().enumerate().skip((from - 1).max(0) as usize) {
        tx.execute_batch(step).with_context(|| format!("migration step {} to {} failed", i + 1, i + 2))?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {CURRENT_VERSION};"))?;
    tx.commit()?;
    Ok(())
}
