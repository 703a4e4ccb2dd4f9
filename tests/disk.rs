//! A full disk and a read-only disk, on small tmpfs mounts. These need
//! permission to mount (root, as in CI); elsewhere they skip with a note.

mod common;

use common::Pathway;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            Some(Mount(dir.to_path_buf()))
        } else {
            eprintln!("NOTE: cannot mount a tmpfs here (not root?): disk test skipped");
            None
        }
    }

    fn read_only(&self) {
        assert!(Command::new("mount").args(["-o", "remount,ro"]).arg(&self.0).status().unwrap().success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn referrals(n: usize) -> String {
    let mut s = String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n");
    for i in 0..n {
        s.push_str(&format!(
            "W{:06},2021-04-{:02},police,Beth Centre,\"Lambeth, North\",housing;debt,engaged,2021-05-01,R{i:07}\n",
            i,
            1 + i % 28
        ));
    }
    s
}

#[test]
fn a_full_disk_fails_cleanly_and_leaves_the_database_whole() {
    let scratch = Pathway::empty();
    let Some(m) = Mount::tmpfs(&scratch.path("small"), "3m") else { return };
    let mut p = Pathway::empty();
    p.db = m.0.join("pathway.db");
    p.ok(&["init"]);
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    // About 8 MB of referrals: far more than the 3 MB disk can hold.
    let file = scratch.file("big.csv", referrals(80_000));
    let out = p.run(&["referral", "import", file.to_str().unwrap()]);
    assert!(!out.status.success(), "the import cannot fit on a 3 MB disk");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("pathway: "), "a message, not a panic: {err}");
    assert!(!err.contains("panicked"), "{err}");
    // Still opens, still consistent, and the import is all-or-nothing.
    let check = p.run(&["db", "check"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM services"), 1);
}

#[test]
fn a_read_only_database_is_a_clear_error_not_a_panic() {
    let scratch = Pathway::empty();
    let Some(m) = Mount::tmpfs(&scratch.path("ro"), "4m") else { return };
    let mut p = Pathway::empty();
    p.db = m.0.join("pathway.db");
    p.ok(&["init"]);
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium"]);
    m.read_only();
    let err = p.fails(&["service", "add", "Croydon spoke", "--provider", "London Women's Consortium"], 1);
    assert!(err.contains("read-only") && err.contains("--db"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_read_only_database_is_read_without_leaving_files_beside_it() {
    let scratch = Pathway::empty();
    let Some(m) = Mount::tmpfs(&scratch.path("ro-read"), "4m") else { return };
    let mut p = Pathway::empty();
    p.db = m.0.join("pathway.db");
    p.ok(&["init"]);
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium"]);
    m.read_only();
    let note = format!(
        "note: {} is read-only here (the file, its folder or its disk cannot be written); it was opened for reading only\n",
        p.db.display()
    );
    let out = p.run(&["service", "list", "--format", "csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Beth Centre"));
    assert_eq!(String::from_utf8_lossy(&out.stderr), note);
    let err = p.fails(&["service", "add", "Croydon spoke", "--provider", "London Women's Consortium"], 1);
    assert_eq!(
        err,
        format!(
            "{note}pathway: the database {} is read-only (the file, its folder or its disk cannot be written): pathway \
             can read it but not change it; nothing was changed; copy it to a writable folder, or give another file \
             with --db\n",
            p.db.display()
        )
    );
    let beside: Vec<String> =
        std::fs::read_dir(&m.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(beside, vec!["pathway.db".to_string()], "no -wal or -shm left beside a read-only database");
}

#[test]
fn an_older_database_on_a_read_only_disk_says_it_needs_upgrading() {
    let scratch = Pathway::empty();
    let Some(m) = Mount::tmpfs(&scratch.path("ro-old"), "4m") else { return };
    let mut p = Pathway::empty();
    p.db = m.0.join("pathway.db");
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch(include_str!("fixtures/schema-v1.sql")).unwrap();
    c.execute_batch("PRAGMA application_id = 1346458696; PRAGMA user_version = 1;").unwrap();
    drop(c);
    m.read_only();
    let err = p.fails(&["referral", "list"], 1);
    assert_eq!(
        err,
        format!(
            "pathway: the database {} is from an older pathway (schema version 1) and must be upgraded to version {} \
             before use, but it is read-only here (the file, its folder or its disk cannot be written); copy it to a \
             writable folder, or give another file with --db\n",
            p.db.display(),
            pathway::db::migrate::CURRENT_VERSION
        )
    );
}
