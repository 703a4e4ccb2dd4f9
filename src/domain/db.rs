//! Keeping the file healthy: backup and check.

use crate::db::{self, Conn, Db};
use crate::error::invalid;
use anyhow::Result;
use std::path::Path;

use crate::db::check::Finding;

/// Copy the live database to `dest` in one consistent step.
pub fn backup(db: &Db, dest: &Path, force: bool) -> Result<()> {
    if dest.exists() && !force {
        return Err(invalid(format!(
            "{} exists already; give another file name, or --force to replace it",
            dest.display()
        )));
    }
    if same_file(&db.path, dest) {
        return Err(invalid("the backup cannot be the database itself; give another file name"));
    }
    db::tx::backup_to(&db.conn, dest)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// SQLite's integrity and foreign-key checks, then the domain's invariants.
pub fn check(conn: &Conn) -> Result<Vec<Finding>> {
    db::check::run(conn)
}

/// Whether the problems include SQLite's own findings: the file is damaged,
/// and the way out is the latest backup.
pub fn damaged(problems: &[Finding]) -> bool {
    problems.iter().any(|p| p.check == db::check::INTEGRITY)
}
