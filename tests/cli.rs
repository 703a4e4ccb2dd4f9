//! The error catalogue: every message pathway shows a person, with its
//! exact text and exit code, under `tests/cli/`. Each `NAME.md` there runs
//! the real binary in a fresh folder holding a copy of `tests/cli/data/`
//! (its `NAME.in` and `NAME.out` link to it, so the data is also checked to
//! be left as it was). `TRYCMD=overwrite cargo test --test cli` rewrites
//! the expected output after a deliberate change of wording; review the
//! diff before committing it.
//!
//! Messages no command line reaches, kept as guards (each named by where
//! it is made):
//! - a stored value that breaks schema.sql's CHECKs (report/returns.rs "a
//!   referral has the unknown source …", "a target has a bad from_on …"),
//!   or rows that vanish inside one transaction (domain/referral.rs,
//!   domain/client.rs, domain/service.rs "… vanished", db/tx.rs "internal
//!   error"): pathway never writes them, and `db check` names such rows;
//! - what clap refuses first: `report merge` with no file ("no return to
//!   merge"), `--rejects` without `--skip-invalid`, `service target
//!   --value=-1` ("a target is a count of 0 or more"), `retention set
//!   --years 0`, `grant add --ref ""` (an empty ref is no ref: "the ref is
//!   empty");
//! - what needs another machine: no home folder for the default database
//!   (app.rs), a file system without WAL (db/mod.rs), a workbook of more
//!   than 65,535 columns (output/xlsx.rs), a workbook to a terminal (exact
//!   in tests/sheets.rs), a read-only file (exact in tests/db.rs and
//!   tests/disk.rs: the tests run as root), a damaged file and `db check`
//!   finding damage (exact in tests/damage.rs), a signal (exact in
//!   tests/import.rs);
//! - `--format xlsx is not available for this command's output`: every
//!   command that writes through `Out` takes xlsx today.

#[test]
fn catalogue() {
    trycmd::TestCases::new()
        .env("PATHWAY_DB", "pathway.db")
        .env("NO_COLOR", "1")
        .env("PATHWAY_BUSY_TIMEOUT", "10")
        .env("PATHWAY_NOW", "2022-05-03T09:00:00Z")
        .case("tests/cli/*.md");
}

// The messages a command line alone cannot reach: they need another
// process holding the file, or a file written by another version. (A
// read-only file is in tests/db.rs and tests/disk.rs, a damaged one in
// tests/damage.rs, a signal in tests/import.rs: each with its exact text.)

mod common;
use common::Pathway;

#[test]
fn a_file_locked_past_the_wait_is_busy() {
    let p = Pathway::new();
    let lock = rusqlite::Connection::open(&p.db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE; INSERT INTO settings VALUES ('lock', 'held');").unwrap();
    for (seconds, wait) in [("1", "1 second"), ("2", "2 seconds")] {
        let out = p
            .cmd(&["service", "add", "Croydon spoke", "--provider", "London Women's Consortium"])
            .env("PATHWAY_BUSY_TIMEOUT", seconds)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(75));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "pathway: the database {} is busy: another pathway (or another program) is writing to it and did \
                 not finish within {wait}; nothing was changed, try again later\n",
                p.db.display()
            )
        );
    }
    lock.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_file_from_a_newer_pathway_is_named() {
    let p = Pathway::new();
    rusqlite::Connection::open(&p.db).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
    let known = pathway::db::migrate::CURRENT_VERSION;
    assert_eq!(
        p.fails(&["decision", "list"], 1),
        format!(
            "pathway: the database {} was written by a newer version of pathway (schema version 99; this pathway \
             knows up to {known}); install the newer pathway to use it\n",
            p.db.display()
        )
    );
}
