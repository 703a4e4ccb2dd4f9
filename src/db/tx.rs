//! Writing: every write is one `BEGIN IMMEDIATE` transaction with its audit
//! rows, and the only way to write is through `write`.

use crate::error::Error;
use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::path::Path;

/// A write (other than an import, which checks first) that changes at
/// least this many rows runs SQLite's `quick_check` of the whole file
/// before it commits.
pub const CHECK_BULK_CHANGES: u64 = 100;

/// Run `f` in one IMMEDIATE transaction: the write lock is taken first (a
/// deferred transaction that reads and then writes would fail at once with
/// "database is locked" whatever the busy wait), every check inside `f` sees
/// the data it will change, and either all of `f` is committed or none.
///
/// A bulk write (`CHECK_BULK_CHANGES` rows or more) is committed only into
/// a file that passes `PRAGMA quick_check` (about a second per million
/// referrals): new records are not poured into a damaged file.
pub fn write<T>(conn: &mut Connection, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let before = tx.total_changes();
    let out = f(&tx)?;
    if tx.total_changes().saturating_sub(before) >= CHECK_BULK_CHANGES {
        quick_check(&tx)?;
    }
    tx.commit()?;
    Ok(out)
}

/// Told when a write's commit starts and how it ended, so that an import
/// can hold a signal that arrives during the commit until it is over.
pub trait CommitWatch {
    fn committing(&self);
    /// `ok`: the commit succeeded. An error here is what the write returns.
    fn committed(&self, ok: bool) -> Result<()>;
}

impl CommitWatch for () {
    fn committing(&self) {}
    fn committed(&self, _ok: bool) -> Result<()> {
        Ok(())
    }
}

/// How an import writes (see `write_watched`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Bulk<'a> {
    /// Roll everything back at the end (an import's `--dry-run`: every
    /// check runs, nothing is kept, not even the audit rows).
    pub dry_run: bool,
    /// Tables whose foreign keys are checked once, all rows together, just
    /// before the commit, instead of row by row as they are written (a
    /// bulk load whose ids come from pathway's own lookups inside the same
    /// transaction). A row that would break one refuses the whole write.
    pub keys_checked_at_end: &'a [&'a str],
}

/// An import's write: `write`, with `watch` told about the commit. The
/// whole file is checked (`quick_check`) before anything is written, so
/// that new records are never poured into a damaged file; on an empty or
/// small file this costs next to nothing.
pub fn write_watched<T>(
    conn: &mut Connection,
    watch: &dyn CommitWatch,
    bulk: Bulk<'_>,
    f: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let deferred = !bulk.keys_checked_at_end.is_empty() && !bulk.dry_run;
    if deferred {
        // Only outside a transaction does this pragma take effect.
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    }
    let out = write_checked_first(conn, watch, bulk, f);
    if deferred {
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
    }
    out
}

fn write_checked_first<T>(
    conn: &mut Connection,
    watch: &dyn CommitWatch,
    bulk: Bulk<'_>,
    f: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if bulk.dry_run {
        let out = f(&tx)?;
        tx.rollback()?;
        return Ok(out);
    }
    quick_check(&tx)?;
    let out = f(&tx)?;
    for table in bulk.keys_checked_at_end {
        foreign_key_check(&tx, table)?;
    }
    watch.committing();
    let done = tx.commit();
    watch.committed(done.is_ok())?;
    done?;
    Ok(out)
}

/// Refuse the write when a row of `table` points at a record that does
/// not exist (what `PRAGMA foreign_key_check` finds).
///
/// A key into a parent's rowid (`INTEGER PRIMARY KEY`) is checked with
/// `NOT IN`, which SQLite answers with a rowid look-up a row along the
/// index that starts with the key: a million referrals took 0.07 s where
/// looking up each distinct client once took 0.17 s (the distinct values
/// come through a subquery a row at a time). A parent column that is not
/// its rowid may hold NULL, which `NOT IN` cannot be trusted with, so such
/// a key is checked value by value with `NOT EXISTS`.
fn foreign_key_check(tx: &Transaction, table: &str) -> Result<()> {
    let keys: Vec<(String, String, String)> = tx
        .prepare("SELECT \"from\", \"table\", coalesce(\"to\", 'rowid') FROM pragma_foreign_key_list(?1)")?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut broken: i64 = 0;
    for (from, parent, to) in keys {
        let sql = if is_rowid(tx, &parent, &to)? {
            format!("SELECT count(DISTINCT \"{from}\") FROM \"{table}\" WHERE \"{from}\" NOT IN (SELECT \"{to}\" FROM \"{parent}\")")
        } else {
            format!(
                "SELECT count(*) FROM (SELECT DISTINCT \"{from}\" AS k FROM \"{table}\")
                 WHERE k IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \"{parent}\" WHERE \"{to}\" = k)"
            )
        };
        broken += tx.query_row(&sql, [], |r| r.get::<_, i64>(0))?;
    }
    if broken > 0 {
        anyhow::bail!(
            "internal error: the import would leave rows of {table} pointing at {broken} record(s) that do not \
             exist; nothing was written"
        );
    }
    Ok(())
}

/// Whether `column` of `table` is its rowid: `rowid`, or the one column of
/// its primary key when that is declared `INTEGER` and SQLite made no index
/// for the key (it makes one for a WITHOUT ROWID table, and for a column
/// declared `INTEGER PRIMARY KEY DESC`, which is then no alias and may hold
/// NULL).
fn is_rowid(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    if column.eq_ignore_ascii_case("rowid") {
        return Ok(true);
    }
    let pk: Vec<(String, String)> = conn
        .prepare("SELECT name, upper(type) FROM pragma_table_info(?1) WHERE pk > 0")?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let key_index: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_index_list(?1) WHERE origin = 'pk')", [table], |r| {
            r.get(0)
        })?;
    Ok(!key_index && matches!(&pk[..], [(name, ty)] if name.eq_ignore_ascii_case(column) && ty == "INTEGER"))
}

/// `PRAGMA quick_check`: Ok when SQLite finds the file sound, else SQLite's
/// first finding as a corruption error (which `db::classify` names).
pub fn quick_check(conn: &Connection) -> Result<()> {
    let first: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
    if first == "ok" {
        return Ok(());
    }
    let finding = first.trim_start_matches("*** in database main ***").trim().to_string();
    Err(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some(format!("quick_check: {finding}")),
    )
    .into())
}

/// Record one change. `detail` must never hold personal detail: no
/// client_ref and no equality data, only refs of non-personal records and
/// counts.
///
/// A row about one referral or one case also records the internal id of
/// the client it belongs to (never shown), so that `client erase` can
/// remove every row about her.
pub fn audit(
    tx: &Transaction,
    command: &str,
    entity: &str,
    key: Option<&str>,
    action: &str,
    detail: Option<&str>,
) -> Result<()> {
    let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let client_id = match (entity, key) {
        ("referral", Some(k)) => client_of(tx, "referrals", k)?,
        ("case", Some(k)) => client_of(tx, "cases", k)?,
        _ => None,
    };
    tx.prepare_cached(
        "INSERT INTO audit_log (at, command, entity, key, action, detail, client_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![at, command, entity, key, action, detail, client_id])?;
    Ok(())
}

/// The client of the referral or case named by `key` (its ref, or `#ID`).
fn client_of(tx: &Transaction, table: &str, key: &str) -> Result<Option<i64>> {
    let by_ref = tx
        .prepare_cached(&format!("SELECT client_id FROM {table} WHERE ref = ?1"))?
        .query_row(params![key], |r| r.get(0))
        .optional()?;
    if by_ref.is_some() {
        return Ok(by_ref);
    }
    let Some(id) = key.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) else { return Ok(None) };
    Ok(tx
        .prepare_cached(&format!("SELECT client_id FROM {table} WHERE id = ?1"))?
        .query_row(params![id], |r| r.get(0))
        .optional()?)
}

/// A consistent copy of the live database in one step (`VACUUM INTO` reads
/// one snapshot), written to a temporary 0600 file `.NAME.tmp-PID` beside
/// `dest`, synced, then renamed into place.
///
/// The temporary file never outlives the copy: it is removed on any error
/// and on Ctrl-C or SIGTERM (which stop the copy; exit 130 or 143), and
/// those left in the folder by a copy that was killed outright (kill -9, a
/// power cut) are removed first.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<()> {
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.exists() {
        super::create_private_dir(dir)?;
    }
    super::remove_stale_temporaries(dir, None);
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let journal = dir.join(format!(".{name}.tmp-{}-journal", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    // Made 0600 before SQLite writes into it.
    super::create_private_file(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let signals = Interrupts::watch(conn);
    let result = (|| -> Result<()> {
        // VACUUM INTO wants a missing or empty file: ours is empty.
        let copied = conn.execute("VACUUM INTO ?1", params![tmp.to_string_lossy()]);
        signals.check()?;
        copied.with_context(|| format!("cannot write the backup {}", tmp.display()))?;
        super::set_private(&tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        signals.check()?;
        std::fs::rename(&tmp, dest)
            .with_context(|| format!("cannot move the backup into place at {}", dest.display()))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    drop(signals);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    let _ = std::fs::remove_file(&journal);
    result
}

/// Ctrl-C and SIGTERM while a copy runs: the copy is stopped (SQLite's
/// interrupt) instead of the process dying with the temporary file on disk.
/// Afterwards they act as before (end the process): a handler, once
/// installed, stays, so a default action is armed in its place.
struct Interrupts {
    got: std::sync::Arc<std::sync::atomic::AtomicI32>,
    handle: Option<signal_hook::iterator::Handle>,
    thread: Option<std::thread::JoinHandle<()>>,
    after: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Interrupts {
    fn watch(conn: &Connection) -> Interrupts {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let got = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
        let after = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            let _ = signal_hook::flag::register_conditional_default(sig, after.clone());
        }
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            after.store(true, std::sync::atomic::Ordering::SeqCst);
            return Interrupts { got, handle: None, thread: None, after };
        };
        let handle = signals.handle();
        let interrupt = conn.get_interrupt_handle();
        let seen = got.clone();
        let thread = std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                seen.store(sig, std::sync::atomic::Ordering::SeqCst);
                interrupt.interrupt();
            }
        });
        Interrupts { got, handle: Some(handle), thread: Some(thread), after }
    }

    /// `Error::Interrupted` once a signal came.
    fn check(&self) -> Result<()> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        match self.got.load(std::sync::atomic::Ordering::SeqCst) {
            SIGINT => Err(Error::Interrupted { signal: "Ctrl-C (SIGINT)", code: 130, written: false }.into()),
            SIGTERM => Err(Error::Interrupted { signal: "SIGTERM", code: 143, written: false }.into()),
            _ => Ok(()),
        }
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.close();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.after.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_tables() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));
             INSERT INTO parent VALUES (1);",
        )
        .unwrap();
        conn
    }

    fn foreign_keys(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn keys_checked_at_end_refuse_a_broken_row_and_are_enforced_again_after() {
        let mut conn = two_tables();
        let bulk = Bulk { dry_run: false, keys_checked_at_end: &["child"] };
        // Row by row the broken row is accepted (enforcement is off) ...
        let err = write_watched(&mut conn, &(), bulk, |tx| {
            tx.execute_batch("INSERT INTO child VALUES (1, 1); INSERT INTO child VALUES (2, 99);")?;
            Ok(())
        })
        .unwrap_err();
        // ... but the check at the end refuses the whole write.
        assert_eq!(
            err.to_string(),
            "internal error: the import would leave rows of child pointing at 1 record(s) that do not exist; nothing \
             was written"
        );
        let rows: i64 = conn.query_row("SELECT count(*) FROM child", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 0);
        assert_eq!(foreign_keys(&conn), 1, "enforced again after the write");

        write_watched(&mut conn, &(), bulk, |tx| Ok(tx.execute_batch("INSERT INTO child VALUES (1, 1)")?)).unwrap();
        let rows: i64 = conn.query_row("SELECT count(*) FROM child", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
        assert_eq!(foreign_keys(&conn), 1);
        assert!(conn.execute("INSERT INTO child VALUES (3, 99)", []).is_err(), "enforced row by row again");
    }

    #[test]
    fn keys_checked_at_end_count_each_missing_record_once_whatever_the_parent_column() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id),
                                 code TEXT REFERENCES parent (code));
             CREATE TABLE keyed (id INTEGER PRIMARY KEY, n) WITHOUT ROWID;
             CREATE TABLE descending (id INTEGER PRIMARY KEY DESC, n);
             INSERT INTO parent VALUES (1, 'a'), (2, NULL);",
        )
        .unwrap();
        assert!(is_rowid(&conn, "parent", "id").unwrap());
        assert!(is_rowid(&conn, "parent", "rowid").unwrap());
        assert!(!is_rowid(&conn, "parent", "code").unwrap());
        assert!(!is_rowid(&conn, "keyed", "id").unwrap(), "a WITHOUT ROWID table has none");
        assert!(!is_rowid(&conn, "descending", "id").unwrap(), "INTEGER PRIMARY KEY DESC is no alias");
        assert!(is_rowid(&conn, "PARENT", "ID").unwrap(), "names in any case, as SQLite reads them");
        let bulk = Bulk { dry_run: false, keys_checked_at_end: &["child"] };
        // Sound rows, NULL keys among them, are written.
        write_watched(&mut conn, &(), bulk, |tx| {
            Ok(tx.execute_batch("INSERT INTO child VALUES (1, 1, 'a'), (2, NULL, NULL), (3, 2, NULL)")?)
        })
        .unwrap();
        // Parent 99 missing from two rows, code 'z' from one: two records.
        let err = write_watched(&mut conn, &(), bulk, |tx| {
            Ok(tx.execute_batch("INSERT INTO child VALUES (4, 99, 'a'), (5, 99, NULL), (6, 1, 'z')")?)
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "internal error: the import would leave rows of child pointing at 2 record(s) that do not exist; nothing \
             was written"
        );
        let rows: i64 = conn.query_row("SELECT count(*) FROM child", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 3);
    }

    #[test]
    fn without_deferred_keys_an_import_is_checked_row_by_row() {
        let mut conn = two_tables();
        let err = write_watched(&mut conn, &(), Bulk::default(), |tx| {
            tx.execute_batch("INSERT INTO child VALUES (2, 99)")?;
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("FOREIGN KEY constraint failed"), "{err}");
    }
}
