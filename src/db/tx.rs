//! Writing: every write is one `BEGIN IMMEDIATE` transaction with its audit
//! rows, and the only way to write is through `write`.

use anyhow::{Context, Result};
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use std::path::Path;

/// Run `f` in one IMMEDIATE transaction: the write lock is taken first (a
/// deferred transaction that reads and then writes would fail at once with
/// "database is locked" whatever the busy wait), every check inside `f` sees
/// the data it will change, and either all of `f` is committed or none.
pub fn write<T>(conn: &mut Connection, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Like `write`, but with `dry_run` everything `f` did is rolled back at
/// the end (an import's `--dry-run`: every check runs, nothing is kept, not
/// even the audit rows).
pub fn write_unless_dry<T>(
    conn: &mut Connection,
    dry_run: bool,
    f: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(out)
}

/// Record one change. `detail` must never hold personal detail: no
/// client_ref and no equality data, only refs of non-personal records and
/// counts.
pub fn audit(
    tx: &Transaction,
    command: &str,
    entity: &str,
    key: Option<&str>,
    action: &str,
    detail: Option<&str>,
) -> Result<()> {
    let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    tx.prepare_cached(
        "INSERT INTO audit_log (at, command, entity, key, action, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![at, command, entity, key, action, detail])?;
    Ok(())
}

/// A consistent copy of the live database in one step (`VACUUM INTO` reads
/// one snapshot), written to a temporary 0600 file beside `dest`, synced,
/// then renamed into place.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<()> {
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.exists() {
        super::create_private_dir(dir)?;
    }
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    // Made 0600 before SQLite writes into it.
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    }
    super::set_private(&tmp)?;
    let result = (|| -> Result<()> {
        // VACUUM INTO wants a missing or empty file: ours is empty.
        conn.execute("VACUUM INTO ?1", params![tmp.to_string_lossy()])
            .with_context(|| format!("cannot write the backup {}", tmp.display()))?;
        super::set_private(&tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, dest)
            .with_context(|| format!("cannot move the backup into place at {}", dest.display()))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
