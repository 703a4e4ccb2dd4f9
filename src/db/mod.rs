//! All SQL and every rusqlite call live under this module.
//!
//! `open` is the one function that opens a database: it creates the file
//! readable by its owner only, sets the pragmas every connection needs, and
//! checks or migrates the schema version.

pub mod migrate;
pub mod tx;

pub mod caseload;
pub mod check;
pub mod client;
pub mod decision;
pub mod grant;
pub mod org;
pub mod referral;
pub mod report;

pub mod service;

use crate::error::Error;
use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use rusqlite::Connection as Conn;
pub use rusqlite::Transaction as Tx;
pub use rusqlite::{params, OptionalExtension, Row};

/// `PRAGMA application_id` of every pathway database: "PATH".
pub const APPLICATION_ID: i64 = 0x5041_5448;

/// Default busy wait: how long a command waits for another process to
/// finish writing before it gives up with exit code 75.
pub const DEFAULT_BUSY_SECONDS: u64 = 10;

/// The page cache used for bulk work (imports, big reports): 64 MiB.
/// This is the documented memory cap of an import, whatever the file size.
pub const BULK_CACHE_KIB: i64 = 64 * 1024;

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Create the file if it is missing (`pathway init`).
    Create,
    /// The file must exist already.
    Existing,
}

/// How long to wait when the file is busy: `PATHWAY_BUSY_TIMEOUT` seconds,
/// else `DEFAULT_BUSY_SECONDS`.
pub fn busy_seconds() -> u64 {
    std::env::var("PATHWAY_BUSY_TIMEOUT").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(DEFAULT_BUSY_SECONDS)
}

/// A database connection with the path it came from.
pub struct Db {
    pub conn: Connection,
    pub path: PathBuf,
    /// Set when opening the file migrated it from an older version.
    pub migrated_from: Option<i64>,
}

/// Create `path` empty with mode 0600 before SQLite touches it, so that the
/// `-wal` and `-shm` files SQLite makes beside it get the same mode.
fn create_private(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_private_dir(dir)?;
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot create the database {}", path.display())),
    }
    set_private(path)
}

/// Make a directory (and its parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).with_context(|| format!("cannot create the folder {}", dir.display()))
}

/// chmod 0600, whatever the umask.
pub fn set_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private (mode 0600)", path.display()))?;
    }
    Ok(())
}

/// Open (or with `Open::Create`, create) the database at `path`.
pub fn open(path: &Path, how: Open) -> Result<Db> {
    let exists = path.exists();
    if !exists {
        match how {
            Open::Existing => return Err(Error::NoInput {
                path: path.to_path_buf(),
                reason:
                    "there is no database there yet; run `pathway init` to create it, or give another file with --db"
                        .into(),
            }
            .into()),
            Open::Create => create_private(path)?,
        }
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    configure(&conn, path).map_err(|e| explain_open_error(e, path))?;
    let migrated_from = migrate::ensure_current(&conn, path).map_err(|e| explain_open_error(e, path))?;
    Ok(Db { conn, path: path.to_path_buf(), migrated_from })
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(busy_seconds()))?;
    let busy = || Error::Busy { path: path.to_path_buf(), seconds: busy_seconds() };
    // Foreign keys on, removed data overwritten, full durability of commits.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;")
        .map_err(|e| map_busy(e.into(), busy))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| map_busy(e.into(), busy))
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    if !mode.eq_ignore_ascii_case("wal") {
        anyhow::bail!("cannot put the database {} into WAL mode (it reports {mode:?})", path.display());
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Whether pathway can write the file and create files beside it.
fn writable(path: &Path) -> bool {
    let file_ok = std::fs::OpenOptions::new().append(true).open(path).is_ok();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let probe = dir.join(format!(".pathway-write-test-{}", std::process::id()));
    let dir_ok = std::fs::OpenOptions::new().write(true).create_new(true).open(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    file_ok && dir_ok
}

/// A read-only file, folder or disk shows up from SQLite as "unable to open
/// database file" or "readonly database": say what it means.
fn explain_open_error(e: anyhow::Error, path: &Path) -> anyhow::Error {
    let sqlite_code = e.chain().find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
        Some(rusqlite::Error::SqliteFailure(f, _)) => Some(f.code),
        _ => None,
    });
    match sqlite_code {
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly) if !writable(path) => anyhow::anyhow!(
            "cannot use the database {}: the file, its folder or its disk is read-only, and pathway needs to write \
             the file and its -wal and -shm files beside it; copy it to a writable folder, or give another file with --db",
            path.display()
        ),
        _ => e,
    }
}

/// Give the connection a page cache sized for bulk work.
pub fn use_bulk_cache(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}; PRAGMA temp_store = MEMORY;"))?;
    Ok(())
}

fn map_busy(e: anyhow::Error, busy: impl Fn() -> Error) -> anyhow::Error {
    if is_busy(&e) {
        busy().into()
    } else {
        e
    }
}

/// Whether an error is SQLite saying the file stayed locked past the wait.
pub fn is_busy(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _))
                if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    })
}

/// Whether an error is SQLite refusing to write a read-only file.
pub fn is_read_only(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ReadOnly
        )
    })
}

/// `PRAGMA user_version` of an open database.
pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// The version of SQLite linked into this binary.
pub fn sqlite_version() -> &'static str {
    rusqlite::version()
}
