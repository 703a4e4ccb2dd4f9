//! Opening the database: where it is, how it is created, what is refused.

mod common;

use common::Pathway;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_creates_a_private_wal_database_and_is_idempotent() {
    let p = Pathway::empty();
    let out = p.run(&["init"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("created"));
    assert_eq!(mode(&p.db), 0o600);
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let jm: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(jm, "wal");
    let app: i64 = c.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
    assert_eq!(app, 0x5041_5448);
    let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, pathway::db::migrate::CURRENT_VERSION);
    drop(c);
    let before = p.dump();
    let again = p.run(&["init"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to do"));
    assert_eq!(p.dump(), before);
}

#[test]
fn files_are_private_even_under_a_permissive_umask() {
    let p = Pathway::empty();
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000 && '{}' --db '{}' init && '{}' --db '{}' db backup '{}'",
            bin.display(),
            p.db.display(),
            bin.display(),
            p.db.display(),
            p.path("backup.db").display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&p.db), 0o600);
    assert_eq!(mode(&p.path("backup.db")), 0o600);
    for side in ["pathway.db-wal", "pathway.db-shm"] {
        let f = p.path(side);
        if f.exists() {
            assert_eq!(mode(&f), 0o600, "{side}");
        }
    }
}

#[test]
fn default_location_is_the_private_data_folder() {
    let p = Pathway::empty();
    let home = p.path("home");
    std::fs::create_dir(&home).unwrap();
    let mut cmd = p.cmd(&["init"]);
    cmd.env_remove("PATHWAY_DB").env("HOME", &home).env_remove("XDG_DATA_HOME");
    cmd.assert().success();
    let db = home.join(".local/share/pathway/pathway.db");
    assert!(db.exists(), "{} missing", db.display());
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    let mut path = p.cmd(&["db", "path", "--format", "json"]);
    path.env_remove("PATHWAY_DB").env("HOME", &home).env_remove("XDG_DATA_HOME");
    let out = path.output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["path"], db.display().to_string());
    assert!(v["reason"].as_str().unwrap().contains("default"));
}

#[test]
fn db_path_says_which_file_and_why() {
    let p = Pathway::new();
    let v = p.json(&["db", "path"]);
    assert_eq!(v["path"], p.db.display().to_string());
    assert_eq!(v["reason"], "from the PATHWAY_DB environment variable");
    assert_eq!(v["exists"], true);
    let v: serde_json::Value =
        serde_json::from_str(&p.ok(&["--db", "other.db", "db", "path", "--format", "json"])).unwrap();
    assert_eq!(v["path"], "other.db");
    assert_eq!(v["reason"], "given with --db");
    assert_eq!(v["exists"], false);
}

#[test]
fn a_missing_database_is_exit_66_with_the_fix() {
    let p = Pathway::empty();
    let err = p.fails(&["db", "check"], 66);
    assert!(err.contains("run `pathway init`"), "{err}");
    assert!(!p.db.exists(), "a read command must not create the file");
}

#[test]
fn a_newer_database_is_refused() {
    let p = Pathway::new();
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(c);
    let err = p.fails(&["db", "check"], 1);
    assert!(err.contains("newer version of pathway"), "{err}");
    assert!(err.contains("schema version 99"), "{err}");
}

#[test]
fn another_sqlite_file_is_refused() {
    let p = Pathway::empty();
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    drop(c);
    let err = p.fails(&["init"], 1);
    assert!(err.contains("not a pathway database"), "{err}");
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "the other file must be left alone");
}

#[test]
fn backup_is_a_checked_private_copy_and_never_overwrites_silently() {
    let p = Pathway::new();
    p.ok(&["db", "backup", "copy.db"]);
    let copy = p.path("copy.db");
    assert_eq!(mode(&copy), 0o600);
    let c = rusqlite::Connection::open(&copy).unwrap();
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let app: i64 = c.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
    assert_eq!(app, 0x5041_5448);
    drop(c);
    let err = p.fails(&["db", "backup", "copy.db"], 65);
    assert!(err.contains("--force"), "{err}");
    p.ok(&["db", "backup", "copy.db", "--force"]);
    let check = p.cmd(&["db", "check"]).env("PATHWAY_DB", &copy).output().unwrap();
    assert!(check.status.success());
}

#[test]
fn db_check_reports_broken_invariants_and_exits_non_zero() {
    let p = Pathway::new();
    assert!(p.run(&["db", "check"]).status.success());
    // Break a rule behind pathway's back: grants over their decision.
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch(
        "INSERT INTO organisations (id, name, kind) VALUES (1, 'Nottinghamshire OPCC', 'commissioner'), (2, 'Juno Women''s Aid', 'provider');
         INSERT INTO decisions (id, ref, commissioner_id, title, amount_pence) VALUES (1, '2021.021', 1, 'Domestic Abuse Partnership Car Pilot', 100);
         INSERT INTO grants (ref, decision_id, funder_id, recipient_id, amount_pence) VALUES ('2021.021-1', 1, 1, 2, 150);",
    )
    .unwrap();
    drop(c);
    let out = p.run(&["db", "check", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(65));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("grants within decision"), "{stdout}");
    assert!(stdout.contains("decision 2021.021: grants total £1.50, more than its amount of £1.00"), "{stdout}");
}

#[test]
fn bad_global_values_are_usage_errors() {
    let p = Pathway::new();
    let err = p.fails(&["--format", "xml", "db", "path"], 2);
    assert!(err.contains("table"), "{err}");
}

/// The id of a process that has finished (so no process has it now).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn a_killed_backups_temporary_files_go_at_the_next_backup() {
    let p = Pathway::new();
    let dir = p.path("backups");
    std::fs::create_dir(&dir).unwrap();
    let dead = dead_pid();
    // What a backup killed with -9 leaves: its half-written copy and journal.
    for stale in
        [format!(".copy.db.tmp-{dead}"), format!(".copy.db.tmp-{dead}-journal"), format!(".april.db.tmp-{dead}")]
    {
        std::fs::write(dir.join(stale), "BC-0042 half a copy").unwrap();
    }
    // A backup that is running now (this process is alive and started
    // before the file was written) keeps its file.
    let running = format!(".may.db.tmp-{}", std::process::id());
    std::fs::write(dir.join(&running), "in progress").unwrap();
    // Not pathway's: left alone.
    std::fs::write(dir.join("notes.tmp-1"), "mine").unwrap();
    p.ok(&["db", "backup", "backups/copy.db"]);
    assert_eq!(names_in(&dir), vec![running, "copy.db".to_string(), "notes.tmp-1".to_string()]);
    assert_eq!(mode(&dir.join("copy.db")), 0o600);
}

#[test]
fn a_killed_migration_backups_temporary_file_goes_at_the_next_open() {
    let p = Pathway::new();
    let dead = dead_pid();
    let stale = p.path(&format!(".pathway.db.v1-20211201T090000Z.bak.tmp-{dead}"));
    std::fs::write(&stale, "BC-0042 half a copy").unwrap();
    let other = p.path(&format!(".other.db.v1-20211201T090000Z.bak.tmp-{dead}"));
    std::fs::write(&other, "another database's").unwrap();
    p.ok(&["referral", "list"]);
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert!(other.exists(), "another database's files are left to it");
}

#[test]
fn an_older_database_is_migrated_after_a_private_backup() {
    let p = Pathway::empty();
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch(include_str!("fixtures/schema-v1.sql")).unwrap();
    c.execute_batch(
        "PRAGMA application_id = 1346458696; PRAGMA user_version = 1;
         INSERT INTO organisations (id, name, kind) VALUES (1, 'London Women''s Consortium', 'provider');
         INSERT INTO services (id, name, provider_id) VALUES (1, 'Beth Centre', 1);
         INSERT INTO clients (id, client_ref) VALUES (1, 'BC-0042');
         INSERT INTO referrals (id, client_id, service_id, referred_on, source, ref)
             VALUES (1, 1, 1, '2021-04-01', 'police', 'R-2104-0004');
         INSERT INTO audit_log (at, command, entity, key, action)
             VALUES ('2021-04-01T09:00:00Z', 'referral add', 'referral', 'R-2104-0004', 'add');",
    )
    .unwrap();
    drop(c);
    let out = p.run(&["referral", "list", "--format", "csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "migrated {} from schema version 1 to {} (a backup was left beside it)\n",
            p.db.display(),
            pathway::db::migrate::CURRENT_VERSION
        )
    );
    let names = names_in(p.dir.path());
    let backups: Vec<&String> =
        names.iter().filter(|n| n.starts_with("pathway.db.v1-") && n.ends_with(".bak")).collect();
    assert_eq!(backups.len(), 1, "{names:?}");
    assert_eq!(mode(&p.path(backups[0])), 0o600);
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    // The old audit row now belongs to her, so erasure removes it.
    assert_eq!(p.sql_i64("SELECT client_id FROM audit_log WHERE key = 'R-2104-0004'"), 1);
    p.ok(&["client", "erase", "BC-0042", "--yes"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE key = 'R-2104-0004'"), 0);
}

/// `pathway ARGS` run as the user nobody (needs root and setpriv; None
/// where they are missing).
fn as_nobody(p: &Pathway, args: &[&str]) -> Option<std::process::Output> {
    let root = std::process::Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    if !root {
        eprintln!("NOTE: not root: the test as another user is skipped");
        return None;
    }
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("pathway"))
        .arg("--db")
        .arg(&p.db)
        .args(args)
        .env("NO_COLOR", "1")
        .output();
    match out {
        Ok(o) => Some(o),
        Err(_) => {
            eprintln!("NOTE: no setpriv: the test as another user is skipped");
            None
        }
    }
}

#[test]
fn a_database_you_cannot_write_is_read_without_leaving_files_beside_it() {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium"]);
    // Another user's database, readable by all, in a folder anyone may write.
    std::fs::set_permissions(p.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&p.db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let Some(out) = as_nobody(&p, &["service", "list", "--format", "csv"]) else { return };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Beth Centre"));
    let note = format!(
        "note: {} is read-only here (the file, its folder or its disk cannot be written); it was opened for reading only\n",
        p.db.display()
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), note);
    let out = as_nobody(&p, &["service", "add", "Croydon spoke", "--provider", "London Women's Consortium"]).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{note}pathway: the database {} is read-only (the file, its folder or its disk cannot be written): pathway \
             can read it but not change it; nothing was changed; copy it to a writable folder, or give another file \
             with --db\n",
            p.db.display()
        )
    );
    assert_eq!(names_in(p.dir.path()), vec!["pathway.db".to_string()], "no -wal or -shm left beside it");
}

/// The audit log names the command from what was parsed, wherever the
/// global options stand and whatever values look like words.
#[test]
fn the_audit_log_names_the_command_as_parsed() {
    let p = Pathway::new();
    let db = p.db.to_str().unwrap().to_string();
    let mut c = p.cmd(&[]);
    c.args([
        "-q",
        "--db",
        &db,
        "--format",
        "json",
        "service",
        "add",
        "Beth Centre",
        "--provider",
        "London Women's Consortium",
    ]);
    assert!(c.output().unwrap().status.success());
    let mut c = p.cmd(&[]);
    c.args(["--quiet", "caseload", "--format", "csv", "worker", "add", "--code", "KW01"]);
    assert!(c.output().unwrap().status.success());
    let conn = rusqlite::Connection::open(&p.db).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT command FROM audit_log ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(names, ["service add", "caseload worker add"]);
}
