//! Files that are not (or no longer) a sound pathway database: foreign
//! SQLite files, empty files, files that are not SQLite at all, odd schema
//! versions, and a database with damaged pages. Each is refused with its
//! own message, and nothing is changed in it.

mod common;

use common::Pathway;
use std::path::Path;

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Run `pathway --db NAME ARGS` in the test folder.
fn with_db(p: &Pathway, name: &str, args: &[&str]) -> std::process::Output {
    let mut a = vec!["--db", name];
    a.extend_from_slice(args);
    p.cmd(&a).output().unwrap()
}

/// The files beside `db` whose names start with its name (-wal, -shm, ...).
fn side_files(dir: &Path, db: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(db) && n != db)
        .collect();
    v.sort();
    v
}

#[test]
fn a_foreign_sqlite_file_is_refused_byte_for_byte_unchanged() {
    let p = Pathway::empty();
    for (name, journal) in [("other.db", "DELETE"), ("other-wal.db", "WAL")] {
        let path = p.path(name);
        let c = rusqlite::Connection::open(&path).unwrap();
        let _: String = c.query_row(&format!("PRAGMA journal_mode = {journal}"), [], |r| r.get(0)).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES ('kept');").unwrap();
        drop(c);
        let before = std::fs::read(&path).unwrap();
        for args in [&["db", "check"][..], &["referral", "list"], &["init"]] {
            let out = with_db(&p, name, args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr_of(&out));
            assert_eq!(
                stderr_of(&out),
                format!(
                    "pathway: {name} is not a pathway database (it is some other SQLite file); give another file with --db\n"
                ),
                "{args:?}"
            );
            assert!(std::fs::read(&path).unwrap() == before, "{name} was changed by {args:?}");
            assert_eq!(side_files(p.dir.path(), name), Vec::<String>::new(), "{args:?} left files beside {name}");
        }
    }
}

#[test]
fn an_empty_file_is_not_initialised_by_a_read() {
    let p = Pathway::empty();
    let empty = p.file("empty.db", "");
    let writes: [&[&str]; 2] = [
        &["service", "add", "Beth Centre", "--provider", "London Women's Consortium"],
        &["client", "erase", "BC-0042", "--yes"],
    ];
    for args in [&["referral", "list"][..], &["db", "check"], &["report", "caseload"]].into_iter().chain(writes) {
        let out = with_db(&p, "empty.db", args);
        assert_eq!(out.status.code(), Some(66), "{args:?}: {}", stderr_of(&out));
        assert_eq!(
            stderr_of(&out),
            "pathway: cannot read empty.db: the file is empty, not a pathway database yet; run `pathway init` to \
             create the database in it, or give another file with --db\n"
        );
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "{args:?} wrote into the empty file");
        assert_eq!(side_files(p.dir.path(), "empty.db"), Vec::<String>::new());
    }
    // Nor is a missing one created.
    let out = with_db(&p, "nothere.db", &["referral", "list"]);
    assert_eq!(out.status.code(), Some(66));
    assert_eq!(
        stderr_of(&out),
        "pathway: cannot read nothere.db: there is no database there yet; run `pathway init` to create it, or give \
         another file with --db\n"
    );
    assert!(!p.path("nothere.db").exists());
    // init may fill it, and makes it private.
    let out = with_db(&p, "empty.db", &["init"]);
    assert!(out.status.success());
    assert_eq!(
        stderr_of(&out),
        format!("created empty.db (schema version {})\n", pathway::db::migrate::CURRENT_VERSION)
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&empty).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(with_db(&p, "empty.db", &["referral", "list"]).status.success());
}

#[test]
fn a_file_that_is_not_a_database_exits_66_naming_it() {
    let p = Pathway::empty();
    p.file("notes.txt", "Beth Centre referrals, April 2021\n".repeat(20));
    let mut seed = 7u64;
    let noise: Vec<u8> = (0..8192).map(|_| (lcg(&mut seed) >> 24) as u8).collect();
    p.file("noise.db", noise);
    for name in ["notes.txt", "noise.db"] {
        let before = std::fs::read(p.path(name)).unwrap();
        for args in [&["referral", "list"][..], &["db", "check"], &["init"]] {
            let out = with_db(&p, name, args);
            assert_eq!(out.status.code(), Some(66), "{name} {args:?}: {}", stderr_of(&out));
            assert_eq!(
                stderr_of(&out),
                format!(
                    "pathway: cannot read {name}: it is not a database file (not SQLite at all); give the pathway \
                     database with --db\n"
                )
            );
            assert!(std::fs::read(p.path(name)).unwrap() == before);
        }
    }
}

#[test]
fn schema_version_0_or_negative_is_a_clear_refusal() {
    let p = Pathway::new();
    for (name, version) in [("zero.db", 0), ("negative.db", -1)] {
        std::fs::copy(&p.db, p.path(name)).unwrap();
        let c = rusqlite::Connection::open(p.path(name)).unwrap();
        c.execute_batch(&format!("PRAGMA user_version = {version}")).unwrap();
        drop(c);
        let before = std::fs::read(p.path(name)).unwrap();
        let out = with_db(&p, name, &["db", "check"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        let why = if version == 0 {
            "it holds tables but its schema version (user_version) is 0: it is another program's file, or a damaged \
             pathway database; if it was yours, restore the latest backup"
                .to_string()
        } else {
            "its schema version is -1, and pathway's are 1 and up; it is another program's file".to_string()
        };
        assert_eq!(
            stderr_of(&out),
            format!("pathway: {name} is not a pathway database ({why}); give another file with --db\n")
        );
        assert!(!stderr_of(&out).contains("CREATE"), "no schema text in the message");
        assert!(std::fs::read(p.path(name)).unwrap() == before);
    }
}

// ------------------------------------------------------------------ damage

/// A tiny deterministic generator for the damage's bytes.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *seed >> 33
}

/// The file's page size, from its header (bytes 16 and 17, big-endian;
/// 1 stands for 65,536).
fn page_size(path: &Path) -> u64 {
    use std::io::Read;
    let mut head = [0u8; 18];
    std::fs::File::open(path).unwrap().read_exact(&mut head).unwrap();
    match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536,
        n => u64::from(n),
    }
}

/// The number of pages in the file.
fn pages(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len() / page_size(path)
}

/// Overwrite the first 64 bytes of page `page` (1-based) with random bytes.
fn damage_page(path: &Path, page: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let size = page_size(path);
    let mut seed = page;
    let bytes: Vec<u8> = (0..64).map(|_| (lcg(&mut seed) >> 16) as u8).collect();
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start((page - 1) * size)).unwrap();
    f.write_all(&bytes).unwrap();
    f.sync_all().unwrap();
}

/// The first page from `from` on that holds only tier history (a
/// WITHOUT ROWID leaf, type 0x0A, of case_tiers rows "...T1"), which a
/// referral import never reads, wherever the schema's tables put it.
fn tier_page_from(path: &Path, from: u64) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let size = page_size(path);
    (from..bytes.len() as u64 / size)
        .find(|&n| {
            let page = &bytes[((n - 1) * size) as usize..(n * size) as usize];
            page[0] == 0x0A && page.windows(12).any(|w| w.starts_with(b"2021-04-") && w.ends_with(b"T1"))
        })
        .expect("a tier history page")
}

/// A database of 20,000 open cases (about 270 pages of 16 KiB), checkpointed
/// into the one file.
fn many_cases() -> Pathway {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    let mut csv = String::from("client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n");
    for i in 0..20_000 {
        csv.push_str(&format!("BC-{i:05},KW01,Beth Centre,T1,2021-04-{:02},,,,C-{i:05}\n", 1 + i % 28));
    }
    let f = p.file("cases.csv", csv);
    p.ok(&["caseload", "import", f.to_str().unwrap()]);
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(c);
    p
}

fn referrals_csv(n: usize) -> String {
    let mut s = String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n");
    for i in 0..n {
        s.push_str(&format!("BC-{i:05},2021-04-01,police,Beth Centre,Lambeth,housing,,,R-2104-{i:04}\n"));
    }
    s
}

fn damage_message(db: &Path, sqlite: &str) -> String {
    format!(
        "pathway: the database {} is damaged (SQLite: {sqlite}); nothing was changed; restore the latest backup \
         (pathway db backup makes them) or run pathway db check for details\n",
        db.display()
    )
}

#[test]
fn a_damaged_page_in_the_middle_is_listed_by_db_check_and_refused_by_an_import() {
    let p = many_cases();
    let pages = pages(&p.db);
    assert!(pages > 200, "{pages} pages");
    let middle = tier_page_from(&p.db, pages / 2);
    damage_page(&p.db, middle);

    let out = p.run(&["db", "check", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(74), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "check,problem");
    assert!(
        lines[1].starts_with("integrity,") && lines[1].to_lowercase().contains(&format!("page {middle}")),
        "the first finding names the damaged page {middle}:\n{stdout}"
    );
    assert!(lines[1..].iter().all(|l| !l.contains('\n')), "one finding per line");
    assert!(!stdout.contains("*** in database main ***"), "{stdout}");
    let problems = lines.len() - 1;
    assert_eq!(
        stderr_of(&out),
        format!(
            "pathway: {problems} problem(s) found in {}: SQLite finds the file damaged (its findings are listed \
             above); restore the latest backup (pathway db backup makes them), then run pathway db check on it\n",
            p.db.display()
        )
    );

    // An import is refused before it commits anything into the damaged file.
    let before: i64 = p.sql_i64("SELECT count(*) FROM audit_log");
    let f = p.file("referrals.csv", referrals_csv(150));
    let out = p.run(&["referral", "import", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(74), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let sqlite = err
        .split("(SQLite: ")
        .nth(1)
        .and_then(|s| s.split("); nothing").next())
        .unwrap_or_else(|| panic!("no SQLite finding in {err}"));
    assert!(sqlite.starts_with("quick_check: ") && sqlite.contains(&format!("page {middle}")), "{err}");
    assert_eq!(err, damage_message(&p.db, sqlite));
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log"), before, "nothing was written");
}

/// `init` on an existing file and `client erase` look at every page first:
/// damage anywhere is reported, not "nothing to do", and no erasure is
/// written into a damaged file.
#[test]
fn init_and_erase_check_the_whole_file_first() {
    let p = many_cases();
    damage_page(&p.db, pages(&p.db) / 2);
    for args in [&["init"][..], &["client", "erase", "BC-00001", "--yes"]] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(74), "{args:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            err.starts_with(&format!("pathway: the database {} is damaged (SQLite: quick_check: ", p.db.display())),
            "{args:?}: {err}"
        );
        assert!(!err.contains("BC-00001"), "no client_ref in the message: {err}");
    }
}

#[test]
fn a_report_that_reads_a_damaged_page_says_the_file_is_damaged() {
    // A read meets damage only on the pages it reads: damage the middle
    // page of what each command reads (the caseload report counts from
    // the index cases_opened; the list reads the cases themselves).
    for (args, btree) in [(&["report", "caseload"][..], "cases_opened"), (&["caseload", "list"], "cases")] {
        let p = many_cases();
        let c = rusqlite::Connection::open(&p.db).unwrap();
        let page: i64 = c
            .query_row(
                "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' ORDER BY pageno
                 LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dbstat WHERE name = ?1 AND pagetype = 'leaf')",
                [btree],
                |r| r.get(0),
            )
            .unwrap();
        drop(c);
        damage_page(&p.db, page as u64);
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(74), "{args:?}: {}", stderr_of(&out));
        assert_eq!(stderr_of(&out), damage_message(&p.db, "database disk image is malformed"), "{args:?}");
    }
}

#[test]
fn an_sqlite_file_with_nothing_in_it_or_a_folder_is_not_a_database_yet() {
    let p = Pathway::empty();
    let blank = p.path("blank.db");
    let c = rusqlite::Connection::open(&blank).unwrap();
    c.execute_batch("CREATE TABLE t (x); DROP TABLE t;").unwrap();
    drop(c);
    let before = std::fs::read(&blank).unwrap();
    assert!(!before.is_empty());
    let out = with_db(&p, "blank.db", &["referral", "list"]);
    assert_eq!(out.status.code(), Some(66));
    assert_eq!(
        stderr_of(&out),
        "pathway: cannot read blank.db: it is an SQLite file with nothing in it, not a pathway database yet; run \
         `pathway init` to create the database in it, or give another file with --db\n"
    );
    assert!(std::fs::read(&blank).unwrap() == before);
    assert!(with_db(&p, "blank.db", &["init"]).status.success());
    assert!(with_db(&p, "blank.db", &["referral", "list"]).status.success());

    std::fs::create_dir(p.path("folder.db")).unwrap();
    let out = with_db(&p, "folder.db", &["referral", "list"]);
    assert_eq!(out.status.code(), Some(66));
    assert_eq!(
        stderr_of(&out),
        "pathway: cannot read folder.db: it is a folder, not a database file; give the database file with --db\n"
    );
}
