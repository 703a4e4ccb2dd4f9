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
pub const CURRENT_VERSION: i64 = 7;

/// Steps from version N to N+1: `STEPS[0]` takes 1 to 2, and so on.
/// Each step is SQL run inside the migration's one transaction.
pub const STEPS: &[&str] = &[
    // 1 to 2: audit rows about a referral or a case keep the internal id of
    // its client, so that `client erase` removes them with her.
    "ALTER TABLE audit_log ADD COLUMN client_id INTEGER;
     UPDATE audit_log SET client_id = coalesce(
         (SELECT r.client_id FROM referrals AS r WHERE r.ref = audit_log.key),
         (SELECT r.client_id FROM referrals AS r WHERE '#' || r.id = audit_log.key))
      WHERE entity = 'referral' AND key IS NOT NULL;
     UPDATE audit_log SET client_id = coalesce(
         (SELECT c.client_id FROM cases AS c WHERE c.ref = audit_log.key),
         (SELECT c.client_id FROM cases AS c WHERE '#' || c.id = audit_log.key))
      WHERE entity = 'case' AND key IS NOT NULL;",
    // 2 to 3: assessments on a case, per resettlement pathway (PRODUCT.md 6.2).
    "CREATE TABLE assessments (
         id           INTEGER PRIMARY KEY,
         case_id      INTEGER NOT NULL REFERENCES cases (id),
         client_id    INTEGER NOT NULL REFERENCES clients (id),
         pathway      TEXT NOT NULL CHECK (pathway IN (
                          'accommodation', 'education_training_employment', 'health', 'drugs_alcohol',
                          'finance_benefit_debt', 'children_families', 'attitudes_thinking_behaviour', 'abuse',
                          'sex_work')),
         assessed_on  TEXT NOT NULL CHECK (date(assessed_on) = assessed_on),
         score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
         stage        TEXT CHECK (stage IS NULL OR stage IN ('start', 'review', 'exit'))
     );
     CREATE UNIQUE INDEX assessments_one_a_day ON assessments (client_id, pathway, assessed_on);
     CREATE INDEX assessments_case ON assessments (case_id, pathway, assessed_on);",
    // 3 to 4: filed returns and grants' reporting schedules (PRODUCT.md 6.3).
    "CREATE TABLE filed_returns (
         id                   INTEGER PRIMARY KEY,
         filed_at             TEXT NOT NULL,
         period               TEXT NOT NULL,
         from_on              TEXT NOT NULL CHECK (date(from_on) = from_on),
         to_on                TEXT NOT NULL CHECK (date(to_on) = to_on),
         service              TEXT,
         suppress             INTEGER NOT NULL DEFAULT 0,
         round                INTEGER,
         completion_pathways  INTEGER NOT NULL,
         sha256               TEXT NOT NULL CHECK (length(sha256) = 64),
         audit_mark           INTEGER NOT NULL,
         figures              TEXT NOT NULL,
         body                 BLOB NOT NULL
     );
     CREATE INDEX filed_returns_period ON filed_returns (from_on, to_on, service);
     CREATE TABLE grant_schedules (
         grant_id  INTEGER PRIMARY KEY REFERENCES grants (id) ON DELETE CASCADE,
         returns   TEXT NOT NULL CHECK (returns IN ('monthly', 'quarterly')),
         due_days  INTEGER NOT NULL CHECK (due_days BETWEEN 0 AND 366)
     ) WITHOUT ROWID;",
    // 4 to 5: targets may be set on the outcomes measures women_progressed
    // and completions (the CHECK on measure is widened: the table is
    // rebuilt); an index the outcomes section reads its assessments from.
    "CREATE TABLE targets_new (
         id          INTEGER PRIMARY KEY,
         service_id  INTEGER REFERENCES services (id) ON DELETE CASCADE,
         grant_id    INTEGER REFERENCES grants (id) ON DELETE CASCADE,
         measure     TEXT NOT NULL CHECK (measure IN ('referrals', 'women_supported', 'positive_outcomes',
                                                   'women_progressed', 'completions')),
         period      TEXT NOT NULL,
         from_on     TEXT NOT NULL CHECK (date(from_on) = from_on),
         to_on       TEXT NOT NULL CHECK (date(to_on) = to_on AND to_on >= from_on),
         value       INTEGER NOT NULL CHECK (value >= 0),
         CHECK ((service_id IS NULL) <> (grant_id IS NULL))
     );
     INSERT INTO targets_new (id, service_id, grant_id, measure, period, from_on, to_on, value)
         SELECT id, service_id, grant_id, measure, period, from_on, to_on, value FROM targets;
     DROP TABLE targets;
     ALTER TABLE targets_new RENAME TO targets;
     CREATE UNIQUE INDEX targets_unique ON targets (coalesce(service_id, 0), coalesce(grant_id, 0), measure, from_on, to_on);
     CREATE INDEX assessments_counted ON assessments (client_id, pathway, assessed_on, score, case_id);",
    // 5 to 6: the data's lifecycle: retention policy, client links, service
    // area codes, unregistered 360Giving org ids (PRODUCT.md 6.5).
    "CREATE TABLE retention_policy (
         id      INTEGER PRIMARY KEY CHECK (id = 1),
         years   INTEGER NOT NULL CHECK (years BETWEEN 1 AND 100),
         action  TEXT NOT NULL CHECK (action IN ('erase', 'anonymise'))
     );
     CREATE TABLE client_links (
         id         INTEGER PRIMARY KEY,
         client_id  INTEGER NOT NULL UNIQUE REFERENCES clients (id),
         into_id    INTEGER NOT NULL REFERENCES clients (id),
         linked_at  TEXT NOT NULL,
         CHECK (client_id <> into_id)
     );
     CREATE INDEX client_links_into ON client_links (into_id);
     CREATE TABLE client_link_moves (
         link_id  INTEGER NOT NULL REFERENCES client_links (id) ON DELETE CASCADE,
         kind     TEXT NOT NULL CHECK (kind IN ('referral', 'case', 'assessment', 'audit')),
         row_id   INTEGER NOT NULL,
         PRIMARY KEY (link_id, kind, row_id)
     ) WITHOUT ROWID;
     CREATE TABLE service_area_codes (
         service_id  INTEGER PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
         gss_code    TEXT NOT NULL CHECK (gss_code GLOB '[EWSN][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]')
     );
     CREATE TABLE org_unregistered_ids (
         organisation_id  INTEGER PRIMARY KEY REFERENCES organisations (id),
         identifier       TEXT NOT NULL UNIQUE CHECK (identifier GLOB '360G-?*')
     );",
    // 6 to 7: the return's covering index has the id second (see
    // schema.sql): built again, the same rows.
    "DROP INDEX referrals_return;
     CREATE INDEX referrals_return ON referrals (referred_on, id, service_id, source, outcome, needs, risk,
                                                 first_contact_on, area);",
];

/// Check the file's versions; create the schema in a new file, migrate an
/// older one. Returns the version it migrated from, if it did.
pub fn ensure_current(conn: &Connection, path: &Path) -> Result<Option<i64>> {
    ensure_version(conn, path, CURRENT_VERSION, STEPS)
}

/// `ensure_current` for a given newest version and its steps (so that the
/// mechanism is tested before there is a version 2).
fn ensure_version(conn: &Connection, path: &Path, current: i64, steps: &[&str]) -> Result<Option<i64>> {
    let (app_id, version): (i64, i64) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    let not_pathway =
        |why: &str| -> anyhow::Error { Error::NotPathway { path: path.to_path_buf(), why: why.into() }.into() };
    if version < 0 {
        return Err(not_pathway("its schema version is negative; it is another program's file"));
    }
    if app_id != APPLICATION_ID {
        if app_id != 0 || tables > 0 {
            return Err(not_pathway("it is some other SQLite file"));
        }
        create(conn)?;
        return Ok(None);
    }
    if version == 0 {
        if tables > 0 {
            return Err(not_pathway(
                "it holds tables but its schema version (user_version) is 0: it is another program's file, or a \
                 damaged pathway database; if it was yours, restore the latest backup",
            ));
        }
        create(conn)?;
        return Ok(None);
    }
    if version > current {
        return Err(Error::NewerDatabase { path: path.to_path_buf(), found: version, known: current }.into());
    }
    if version < current {
        backup_before_migration(conn, path, version)?;
        migrate(conn, version, current, steps)?;
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

/// Run the steps from `from` to `current` in one transaction.
fn migrate(conn: &Connection, from: i64, current: i64, steps: &[&str]) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if now != from {
        return Ok(()); // someone else migrated it meanwhile
    }
    for (i, step) in steps.iter().enumerate().skip((from - 1).max(0) as usize) {
        tx.execute_batch(step).with_context(|| format!("migration step {} to {} failed", i + 1, i + 2))?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {current};"))?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema of version 1, as pathway 0.1 wrote it.
    const SCHEMA_V1: &str = include_str!("../../tests/fixtures/schema-v1.sql");

    fn v1(dir: &Path) -> (Connection, std::path::PathBuf) {
        let path = dir.join("old.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;")).unwrap();
        conn.execute("INSERT INTO settings (key, value) VALUES ('kept', 'yes')", []).unwrap();
        (conn, path)
    }

    /// A version 1 file with provider 1 and its service 1, the Beth Centre.
    fn v1_with_service(dir: &Path) -> (Connection, std::path::PathBuf) {
        let (conn, path) = v1(dir);
        conn.execute_batch(
            "INSERT INTO organisations (id, name, kind) VALUES (1, 'London Women''s Consortium', 'provider');
             INSERT INTO services (id, name, provider_id) VALUES (1, 'Beth Centre', 1);",
        )
        .unwrap();
        (conn, path)
    }

    fn backups(dir: &Path) -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".v1-") && p.to_string_lossy().ends_with(".bak"))
            .collect()
    }

    #[test]
    fn steps_match_the_version() {
        assert_eq!(STEPS.len() as i64, CURRENT_VERSION - 1);
    }

    #[test]
    fn an_older_file_is_migrated_in_one_step_after_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path) = v1(dir.path());
        let steps = ["ALTER TABLE settings ADD COLUMN note TEXT; UPDATE settings SET note = 'migrated';"];
        assert_eq!(ensure_version(&conn, &path, 2, &steps).unwrap(), Some(1));
        let (v, note): (i64, String) = conn
            .query_row("SELECT (SELECT user_version FROM pragma_user_version), note FROM settings", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((v, note.as_str()), (2, "migrated"));
        let b = backups(dir.path());
        assert_eq!(b.len(), 1, "one backup beside the file");
        let old = Connection::open(&b[0]).unwrap();
        let bv: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(bv, 1, "the backup is the file before migration");
        // Opening again does nothing more.
        assert_eq!(ensure_version(&conn, &path, 2, &steps).unwrap(), None);
    }

    #[test]
    fn a_failing_step_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path) = v1(dir.path());
        let steps = ["ALTER TABLE settings ADD COLUMN note TEXT; SELECT * FROM no_such_table;"];
        assert!(ensure_version(&conn, &path, 2, &steps).is_err());
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 1);
        let cols: i64 = conn.query_row("SELECT count(*) FROM pragma_table_info('settings')", [], |r| r.get(0)).unwrap();
        assert_eq!(cols, 2, "the half-done step was rolled back");
        let kept: String = conn.query_row("SELECT value FROM settings WHERE key = 'kept'", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, "yes");
    }

    /// Every table's columns and every index, as SQLite reports them.
    fn shape(conn: &Connection) -> Vec<String> {
        let mut st = conn
            .prepare(
                "SELECT m.type || ' ' || m.name || ': ' || coalesce((SELECT group_concat(p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || coalesce(p.dflt_value, '') || ' ' || p.pk, ', ')
                        FROM pragma_table_info(m.name) AS p), '')
                        || coalesce(' on ' || (SELECT group_concat(coalesce(i.name, 'rowid'), ', ') FROM pragma_index_info(m.name) AS i), '')
                 FROM sqlite_schema AS m WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name",
            )
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    }

    #[test]
    fn the_steps_from_version_1_give_the_schema_of_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let (old, path) = v1(dir.path());
        assert_eq!(ensure_current(&old, &path).unwrap(), Some(1));
        let fresh_path = dir.path().join("new.db");
        let fresh = Connection::open(&fresh_path).unwrap();
        assert_eq!(ensure_current(&fresh, &fresh_path).unwrap(), None);
        assert_eq!(shape(&old), shape(&fresh), "schema.sql and the migration steps disagree");
        let v: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, CURRENT_VERSION);
    }

    #[test]
    fn step_2_finds_the_client_of_older_audit_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path) = v1_with_service(dir.path());
        conn.execute_batch(
            "INSERT INTO clients (id, client_ref) VALUES (7, 'BC-0042');
             INSERT INTO referrals (id, client_id, service_id, referred_on, source, ref) VALUES (3, 7, 1, '2021-04-01', 'police', 'R-2104-0004');
             INSERT INTO referrals (id, client_id, service_id, referred_on, source) VALUES (4, 7, 1, '2021-04-02', 'self');
             INSERT INTO audit_log (at, command, entity, key, action) VALUES
                 ('2021-04-01T09:00:00Z', 'referral add', 'referral', 'R-2104-0004', 'add'),
                 ('2021-04-02T09:00:00Z', 'referral add', 'referral', '#4', 'add'),
                 ('2021-04-02T09:00:00Z', 'service add', 'service', 'Beth Centre', 'add');",
        )
        .unwrap();
        ensure_current(&conn, &path).unwrap();
        let ids: Vec<Option<i64>> = conn
            .prepare("SELECT client_id FROM audit_log ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(ids, vec![Some(7), Some(7), None]);
    }

    /// A 2021/22 target for service 1.
    fn add_target(conn: &Connection, measure: &str, value: i64) -> rusqlite::Result<usize> {
        conn.execute(
            "INSERT INTO targets (service_id, measure, period, from_on, to_on, value)
             VALUES (1, ?1, '2021/22', '2021-04-01', '2022-03-31', ?2)",
            rusqlite::params![measure, value],
        )
    }

    #[test]
    fn step_4_keeps_the_targets_and_allows_the_outcomes_measures() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path) = v1_with_service(dir.path());
        conn.execute_batch(
            "INSERT INTO targets (id, service_id, measure, period, from_on, to_on, value)
                 VALUES (5, 1, 'referrals', '2021/22', '2021-04-01', '2022-03-31', 400);",
        )
        .unwrap();
        assert!(add_target(&conn, "completions", 40).is_err());
        ensure_current(&conn, &path).unwrap();
        let kept: (i64, String, i64) = conn
            .query_row("SELECT id, measure, value FROM targets", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        assert_eq!(kept, (5, "referrals".to_string(), 400));
        for m in ["women_progressed", "completions"] {
            add_target(&conn, m, 40).unwrap();
        }
        // The unique index is back: the same target twice is refused.
        assert!(add_target(&conn, "completions", 41).is_err());
    }
}
