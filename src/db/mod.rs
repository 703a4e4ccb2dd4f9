//! All SQL and every rusqlite call live under this module.
//!
//! `open` is the one function that opens a database: it creates the file
//! readable by its owner only, sets the pragmas every connection needs, and
//! checks or migrates the schema version.

pub mod migrate;
pub mod tx;

pub mod assessment;
pub mod caseload;
pub mod check;
pub mod client;
pub mod decision;
pub mod equality;
pub mod filed;
pub mod grant;
pub mod org;
pub mod raw;
pub mod referral;
pub mod report;
pub mod retention;
pub(crate) mod row;

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

/// The page size of a database pathway creates: 16 KiB, where SQLite's
/// default is 4 KiB. An import writes every page twice (into the
/// write-ahead log, then into the file at the checkpoint) and the sorts that
/// build its indexes write and read runs a page at a time: a quarter of the
/// pages is a quarter of the system calls, the log's frames and the b-tree's
/// page splits, for the same bytes. A million-referral import took 0.89 of
/// the time (eight runs side by side). A file made before keeps the page
/// size it was made with: SQLite cannot change it in WAL mode, and every
/// size works the same.
pub const PAGE_SIZE: i64 = 16 * 1024;

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
    /// Opened for reading only: the file, its folder or its disk cannot be
    /// written here. Every write is refused with `Error::ReadOnly`.
    pub read_only: bool,
}

/// Create a new file readable and writable by its owner only (0600,
/// whatever the umask), failing if it exists. Every file pathway writes is
/// made through this.
pub fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// `create_private_file` for a temporary file whose name may be left over
/// from an earlier run: whatever is at `path` (a stale file, or a planted
/// link) is removed, not followed, and a new private file made.
pub fn replace_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    match create_private_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path)?;
            create_private_file(path)
        }
        other => other,
    }
}

/// Create `path` empty with mode 0600 before SQLite touches it, so that the
/// `-wal` and `-shm` files SQLite makes beside it get the same mode.
fn create_private(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_private_dir(dir)?;
        }
    }
    match create_private_file(path) {
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

/// What a read-only look at an existing file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// A pathway database (of some schema version).
    Pathway,
    /// An SQLite file with nothing in it: `pathway init` may fill it.
    Blank,
}

/// Open (or with `Open::Create`, create) the database at `path`.
///
/// An existing file is first looked at read-only (its header, then
/// `application_id`, `user_version` and its tables), and only a pathway
/// database (or, for `init`, an empty one) is then opened for writing and
/// given pathway's pragmas: a file that is refused is left byte for byte as
/// it was. A missing or empty file is never initialised except by `init`.
pub fn open(path: &Path, how: Open) -> Result<Db> {
    let size = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Error::NoInput {
                path: path.to_path_buf(),
                reason: "it is a folder, not a database file; give the database file with --db".into(),
            }
            .into())
        }
        Ok(m) => Some(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::NoInput { path: path.to_path_buf(), reason: e.to_string() }.into()),
    };
    match (size, how) {
        (None, Open::Existing) => {
            return Err(Error::NoInput {
                path: path.to_path_buf(),
                reason:
                    "there is no database there yet; run `pathway init` to create it, or give another file with --db"
                        .into(),
            }
            .into())
        }
        (Some(0), Open::Existing) => {
            return Err(Error::NoInput {
                path: path.to_path_buf(),
                reason: "the file is empty, not a pathway database yet; run `pathway init` to create the database \
                         in it, or give another file with --db"
                    .into(),
            }
            .into())
        }
        (None, Open::Create) => create_private(path)?,
        (Some(0), Open::Create) => set_private(path)?,
        _ => {}
    }
    let fresh = size.unwrap_or(0) == 0;
    if !fresh {
        let found = inspect(path)?;
        if found == Found::Blank && how == Open::Existing {
            return Err(Error::NoInput {
                path: path.to_path_buf(),
                reason: "it is an SQLite file with nothing in it, not a pathway database yet; run `pathway init` \
                         to create the database in it, or give another file with --db"
                    .into(),
            }
            .into());
        }
        // A migration backup killed half-way leaves its temporary file here.
        remove_stale_temporaries(path.parent().unwrap_or(Path::new("")), Some(&file_name(path)));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    // SQLite quietly opens a file it cannot write for reading only; then
    // the -wal and -shm files it would make beside it would be read-only
    // too, and left behind.
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        drop(conn);
        return open_read_only(path);
    }
    // Only a file with nothing in it yet takes a page size.
    if fresh {
        conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE};"))
            .with_context(|| format!("cannot create the database {}", path.display()))?;
    }
    if let Err(e) = configure(&conn, path) {
        if cannot_write(&e) && !writable(path) {
            drop(conn);
            return open_read_only(path);
        }
        return Err(classify(explain_open_error(e, path), path));
    }
    let migrated_from =
        migrate::ensure_current(&conn, path).map_err(|e| classify(explain_open_error(e, path), path))?;
    Ok(Db { conn, path: path.to_path_buf(), migrated_from, read_only: false })
}

/// The file name of `path`, for naming files beside it.
fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "pathway.db".into())
}

/// `path` as an SQLite `file:` URI with `query`.
fn uri(path: &Path, query: &str) -> String {
    let mut out = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

/// The write-ahead log beside `path`.
fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// Whether a write-ahead log or its index (`-shm`) is beside `path`: the
/// file is in use in WAL mode, or was left so by a process that was killed.
fn in_wal_use(path: &Path) -> bool {
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    wal_path(path).exists() || Path::new(&shm).exists()
}

/// Open `path` for reading only, creating nothing beside it: when no other
/// connection has it open in WAL mode (no -wal or -shm beside it) the file
/// is all there is, and SQLite is told it is immutable (so it makes no -shm
/// file); otherwise it is opened read-only, sharing the files already there.
fn open_read_only_conn(path: &Path) -> Result<Connection> {
    let query = if in_wal_use(path) { "mode=ro" } else { "mode=ro&immutable=1" };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(uri(path, query), flags)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(busy_seconds()))?;
    register_arrays(&conn)?;
    Ok(conn)
}

/// Let the connection's SQL read a list of values bound as one parameter,
/// `rarray(?1)` (see `id_array`): every connection pathway opens has it.
pub fn register_arrays(conn: &Connection) -> Result<()> {
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

/// Ids as one parameter for `rarray(?N)`.
pub fn id_array(ids: &[i64]) -> rusqlite::vtab::array::Array {
    std::rc::Rc::new(ids.iter().copied().map(rusqlite::types::Value::from).collect())
}

/// Look at an existing, non-empty file without changing it: refuse what is
/// not SQLite (exit 66), not pathway's, or damaged.
fn inspect(path: &Path) -> Result<Found> {
    let mut head = [0u8; 100];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|e| Error::NoInput { path: path.to_path_buf(), reason: e.to_string() })?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(Error::NoInput { path: path.to_path_buf(), reason: e.to_string() }.into()),
            }
        }
        n
    };
    if n < head.len() || &head[..16] != b"SQLite format 3\0" {
        return Err(Error::NoInput {
            path: path.to_path_buf(),
            reason: "it is not a database file (not SQLite at all); give the pathway database with --db".into(),
        }
        .into());
    }
    let look = || -> Result<(i64, i64, i64, bool)> {
        let conn = open_read_only_conn(path)?;
        Ok(conn.query_row(
            "SELECT (SELECT application_id FROM pragma_application_id),
                    (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema),
                    (SELECT count(*) = 2 FROM sqlite_schema WHERE type = 'table' AND name IN ('referrals', 'audit_log'))",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    };
    let busy = || Error::Busy { path: path.to_path_buf(), seconds: busy_seconds() };
    let (app_id, version, objects, pathway_tables) = look().map_err(|e| classify(map_busy(e, busy), path))?;
    let not_pathway = |why: String| -> anyhow::Error { Error::NotPathway { path: path.to_path_buf(), why }.into() };
    if version < 0 {
        return Err(not_pathway(format!(
            "its schema version is {version}, and pathway's are 1 and up; it is another program's file"
        )));
    }
    if app_id == APPLICATION_ID || pathway_tables {
        if version == 0 {
            return Err(not_pathway(
                "it holds tables but its schema version (user_version) is 0: it is another program's file, or a \
                 damaged pathway database; if it was yours, restore the latest backup"
                    .into(),
            ));
        }
        if app_id != APPLICATION_ID {
            return Err(not_pathway("it is some other SQLite file".into()));
        }
        return Ok(Found::Pathway);
    }
    if app_id == 0 && version == 0 && objects == 0 {
        return Ok(Found::Blank);
    }
    Err(not_pathway("it is some other SQLite file".into()))
}

/// Open a pathway database that cannot be written here for reading only.
fn open_read_only(path: &Path) -> Result<Db> {
    let conn = open_read_only_conn(path).map_err(|e| classify(e, path))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;").map_err(|e| classify(e.into(), path))?;
    use_read_cache(&conn).map_err(|e| classify(e, path))?;
    let version = user_version(&conn).map_err(|e| classify(e, path))?;
    if version > migrate::CURRENT_VERSION {
        return Err(
            Error::NewerDatabase { path: path.to_path_buf(), found: version, known: migrate::CURRENT_VERSION }.into()
        );
    }
    if version == 0 {
        // An empty file for `init`: it needs its schema written.
        return Err(Error::ReadOnly { path: path.to_path_buf() }.into());
    }
    if version < migrate::CURRENT_VERSION {
        anyhow::bail!(
            "the database {} is from an older pathway (schema version {version}) and must be upgraded to version {} \
             before use, but it is read-only here (the file, its folder or its disk cannot be written); copy it to a \
             writable folder, or give another file with --db",
            path.display(),
            migrate::CURRENT_VERSION
        );
    }
    Ok(Db { conn, path: path.to_path_buf(), migrated_from: None, read_only: true })
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(busy_seconds()))?;
    register_arrays(conn)?;
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
    use_read_cache(conn)?;
    Ok(())
}

/// Whether pathway can write the file and create files beside it.
fn writable(path: &Path) -> bool {
    let file_ok = std::fs::OpenOptions::new().append(true).open(path).is_ok();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let probe = dir.join(format!(".pathway-write-test-{}", std::process::id()));
    let dir_ok = create_private_file(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    file_ok && dir_ok
}

/// The SQLite result code somewhere in an error's chain, with SQLite's
/// own words.
fn sqlite_failure(e: &anyhow::Error) -> Option<(rusqlite::ErrorCode, String)> {
    e.chain().find_map(|c| match c.downcast_ref::<rusqlite::Error>() {
        Some(rusqlite::Error::SqliteFailure(f, msg)) => {
            Some((f.code, msg.clone().unwrap_or_else(|| rusqlite::Error::SqliteFailure(*f, None).to_string())))
        }
        _ => None,
    })
}

fn cannot_write(e: &anyhow::Error) -> bool {
    matches!(sqlite_failure(e), Some((rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly, _)))
}

/// Whether an error is SQLite finding the file damaged.
pub fn is_damage(e: &anyhow::Error) -> bool {
    matches!(sqlite_failure(e), Some((rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase, _)))
}

/// Turn SQLite's "database disk image is malformed" / "file is not a
/// database" into `Error::Damaged`, and "attempt to write a readonly
/// database" into `Error::ReadOnly`, and a lock held past the wait into
/// `Error::Busy`, each naming the file. Errors that already say what they
/// are pass through.
pub fn classify(err: anyhow::Error, path: &Path) -> anyhow::Error {
    if err.chain().any(|c| c.downcast_ref::<Error>().is_some()) {
        return err;
    }
    match sqlite_failure(&err) {
        Some((rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase, sqlite)) => {
            Error::Damaged { path: path.to_path_buf(), sqlite }.into()
        }
        Some((rusqlite::ErrorCode::ReadOnly, _)) => Error::ReadOnly { path: path.to_path_buf() }.into(),
        _ if is_busy(&err) => Error::Busy { path: path.to_path_buf(), seconds: busy_seconds() }.into(),
        _ => err,
    }
}

/// A read-only file, folder or disk shows up from SQLite as "unable to open
/// database file" or "readonly database": say what it means.
fn explain_open_error(e: anyhow::Error, path: &Path) -> anyhow::Error {
    if cannot_write(&e) && !writable(path) {
        return Error::ReadOnly { path: path.to_path_buf() }.into();
    }
    e
}

/// Remove temporary files that a killed `db backup` (or a killed backup
/// before a migration) left in `dir`: `.NAME.tmp-PID` and its `-journal`,
/// whose process is gone (or is not the one that made it). With `only`,
/// just those whose NAME starts with `only` and a dot (the database's own
/// migration backups). Best effort: a file that cannot be removed stays.
pub fn remove_stale_temporaries(dir: &Path, only: Option<&str>) {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((target, pid)) = temporary_name(&name) else { continue };
        if only.is_some_and(|o| !target.starts_with(&format!("{o}."))) {
            continue;
        }
        if stale(pid, &entry.path()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `.NAME.tmp-PID` or `.NAME.tmp-PID-journal` → (NAME, PID).
pub fn temporary_name(name: &str) -> Option<(&str, u32)> {
    let rest = name.strip_prefix('.')?;
    let rest = rest.strip_suffix("-journal").unwrap_or(rest);
    let (target, pid) = rest.rsplit_once(".tmp-")?;
    if target.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((target, pid.parse().ok()?))
}

/// Whether the temporary file `file` of process `pid` is left over: the
/// process is gone, it is this process (an earlier one with the same id
/// made it), or the process with that id started after the file was last
/// written (the id was reused).
fn stale(pid: u32, file: &Path) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_dir = Path::new("/proc");
    if proc_dir.join("self").exists() {
        let Some(started) = process_start(pid) else { return true };
        let written = std::fs::metadata(file).and_then(|m| m.modified()).ok();
        return written.is_some_and(|w| started > w + Duration::from_secs(1));
    }
    // No /proc: ask the system whether the process exists.
    !std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(true)
}

/// When process `pid` started (Linux), or None when there is no such
/// process.
fn process_start(pid: u32) -> Option<std::time::SystemTime> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and brackets: fields follow the last ')'.
    let after = &stat[stat.rfind(')')? + 1..];
    let ticks: u64 = after.split_whitespace().nth(19)?.parse().ok()?;
    let btime: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    // USER_HZ is 100 on every Linux pathway runs on.
    Some(std::time::UNIX_EPOCH + Duration::from_secs(btime) + Duration::from_millis(ticks * 10))
}

/// The page cache of every connection, KiB: a report or an export that
/// reads a table in one order and its rows in another re-reads pages a
/// small cache has let go (SQLite's default is 2 MB).
pub const READ_CACHE_KIB: i64 = 64 * 1024;

/// How much of the file SQLite may map into memory while an export reads
/// a whole table, bytes: its pages are then read from the operating
/// system's cache without a copy or a system call each (a
/// 1,000,000-referral file is about 300 MB; the export of it takes 0.75 of
/// the time). Only exports map the whole file: a report reads through the
/// page cache alone, so its memory stays within the cache (mapped pages
/// count in a process's memory, and a report touches most of the file);
/// `report explain` maps at most `MMAP_LOOKUP_BYTES`.
pub const MMAP_BYTES: i64 = 1 << 30;

/// How much of the file `report explain` may map while it looks up each
/// referral's row: most of a referrals table's pages lie near the start of
/// the file (its indexes are built after it), so the map spares most
/// lookups a read, and memory stays within the map plus the page cache
/// whatever the size of the file.
pub const MMAP_LOOKUP_BYTES: i64 = 64 << 20;

/// Give a connection the read cache (see `READ_CACHE_KIB`), and no memory map.
pub fn use_read_cache(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!("PRAGMA cache_size = -{READ_CACHE_KIB}; PRAGMA mmap_size = 0;"))?;
    Ok(())
}

/// While it lives, the connection reads through a memory map of the file
/// (`MMAP_BYTES`): for an export's one pass over a whole table.
pub struct MappedReads<'c>(&'c Connection);

impl<'c> MappedReads<'c> {
    pub fn new(conn: &'c Connection) -> Result<MappedReads<'c>> {
        MappedReads::bounded(conn, MMAP_BYTES)
    }

    /// Map at most the first `bytes` of the file.
    pub fn bounded(conn: &'c Connection, bytes: i64) -> Result<MappedReads<'c>> {
        conn.execute_batch(&format!("PRAGMA mmap_size = {bytes};"))?;
        Ok(MappedReads(conn))
    }
}

impl Drop for MappedReads<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("PRAGMA mmap_size = 0;");
    }
}

/// Give the connection a page cache sized for bulk work. Temporary data
/// (the sorts that build an index) goes to files, not memory, so memory
/// stays within the page cache however big the table; it is set here,
/// before the transaction, because SQLite cannot change it inside one.
pub fn use_bulk_cache(conn: &Connection) -> Result<()> {
    // No memory map while writing: an import's memory stays its own.
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{BULK_CACHE_KIB}; PRAGMA temp_store = FILE; PRAGMA mmap_size = 0;"
    ))?;
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

/// `PRAGMA user_version` of an open database.
pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// The version of SQLite linked into this binary.
pub fn sqlite_version() -> &'static str {
    rusqlite::version()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_export_maps_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
        let mmap = |c: &Connection| -> i64 { c.query_row("PRAGMA mmap_size", [], |r| r.get(0)).unwrap() };
        use_read_cache(&conn).unwrap();
        assert_eq!(mmap(&conn), 0, "a report reads through the page cache alone");
        {
            let _m = MappedReads::new(&conn).unwrap();
            assert_eq!(mmap(&conn), MMAP_BYTES);
        }
        assert_eq!(mmap(&conn), 0, "the map goes with the export");
    }

    #[test]
    fn a_new_database_has_large_pages_and_an_older_file_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let page_size = |db: &Db| -> i64 { db.conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap() };
        let new = open(&dir.path().join("new.db"), Open::Create).unwrap();
        assert_eq!(page_size(&new), PAGE_SIZE);
        // An SQLite file made elsewhere with SQLite's default pages, emptied.
        let old = dir.path().join("old.db");
        Connection::open(&old).unwrap().execute_batch("CREATE TABLE x (a); DROP TABLE x;").unwrap();
        let old = open(&old, Open::Create).unwrap();
        assert_eq!(page_size(&old), 4096);
        assert_eq!(old.conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).unwrap(), "wal");
    }

    #[test]
    fn temporary_names_are_recognised() {
        assert_eq!(temporary_name(".copy.db.tmp-123"), Some(("copy.db", 123)));
        assert_eq!(temporary_name(".copy.db.tmp-123-journal"), Some(("copy.db", 123)));
        assert_eq!(
            temporary_name(".pathway.db.v1-20211201T090000Z.bak.tmp-9"),
            Some(("pathway.db.v1-20211201T090000Z.bak", 9))
        );
        for not_ours in ["copy.db.tmp-1", ".copy.db.tmp-", ".copy.db.tmp-12a", "..tmp-3", ".copy.db", ".x.tmp-1-wal"] {
            assert_eq!(temporary_name(not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn paths_become_uris_that_sqlite_reads_back() {
        assert_eq!(uri(Path::new("/tmp/a b/p#1?.db"), "mode=ro"), "file:/tmp/a%20b/p%231%3F.db?mode=ro");
    }

    #[test]
    fn a_live_process_that_started_before_the_file_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(".copy.db.tmp-1");
        std::fs::write(&f, "x").unwrap();
        // pid 1 started before the file was written; this process is "an
        // earlier run with the same id" of itself.
        assert!(!stale(1, &f));
        assert!(stale(std::process::id(), &f));
    }
}
