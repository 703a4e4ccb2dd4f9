//! Nobody let in: hostile or broken import files are refused whole, with a
//! message naming the line and column, and nothing is written.
//!
//! A read-only database is not tested: the tests run as root, for whom file
//! permissions do not stop writes, so such a test could not fail honestly.

mod common;

use common::Pathway;

const HEADER: &str = "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref";
const GOOD: &str = "W00001,2021-04-01,police,Beth Centre,Lambeth,housing,engaged,2021-04-03,R000001";
const DECISION_HEADER: &str = "ref,commissioner,title,amount,received_on";

fn setup() -> Pathway {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    // Something already there, so "nothing written" is not trivially true.
    let f =
        p.file("existing.csv", format!("{HEADER}\nW00900,2021-05-01,probation,Beth Centre,Lambeth,debt,,,R000900\n"));
    p.ok(&["referral", "import", f.to_str().unwrap()]);
    p
}

/// Import `contents` with `entity import`, insist on exit 65 with an error
/// line `FILE:LINE: COLUMN: ...` containing `says`, and that the database
/// did not change. Returns stderr.
fn refused(p: &Pathway, entity: &str, contents: impl AsRef<[u8]>, line: u64, column: &str, says: &str) -> String {
    let name = format!("hostile-{entity}.csv");
    let f = p.file(&name, contents);
    let before = p.dump();
    let audit = p.sql_i64("SELECT count(*) FROM audit_log");
    let err = p.fails(&[entity, "import", f.to_str().unwrap()], 65);
    let expect = format!("{}:{line}: {column}: ", f.display());
    let hit = err.lines().find(|l| l.starts_with(&expect));
    assert!(hit.is_some(), "expected a line starting {expect:?} in:\n{err}");
    assert!(hit.unwrap().contains(says), "expected {says:?} in:\n{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(p.dump(), before, "the database changed after a refused import");
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log"), audit, "an audit row was written");
    err
}

fn referral_file(row: &str) -> String {
    format!("{HEADER}\n{GOOD}\n{row}\n")
}

#[test]
fn invalid_utf8_in_a_field() {
    let p = setup();
    let mut bytes = format!("{HEADER}\n{GOOD}\nW00002,2021-04-01,police,Beth Centre,Lam").into_bytes();
    bytes.extend_from_slice(b"\xff\xfebeth,housing,,,R000002\n");
    refused(&p, "referral", bytes, 3, "area", "not valid UTF-8");
}

#[test]
fn a_ten_megabyte_field() {
    let p = setup();
    let huge = "A".repeat(10 * 1024 * 1024);
    let row = format!("W00002,2021-04-01,police,Beth Centre,{huge},housing,,,R000002");
    // Past the row limit of 1,000,000 bytes the file is not read further.
    let err = refused(&p, "referral", referral_file(&row), 3, "area", "a value may be at most 10000 bytes");
    assert!(err.len() < 10_000, "the error must not echo the value ({} bytes)", err.len());
    // Under it, a value too long is an error of its row.
    let row = format!("W00002,2021-04-01,police,Beth Centre,{},housing,,,R000002", "A".repeat(20_000));
    let err = refused(
        &p,
        "referral",
        referral_file(&row),
        3,
        "area",
        "the value is 20000 bytes long; at most 10000 are accepted",
    );
    assert!(err.len() < 10_000, "the error must not echo the value ({} bytes)", err.len());
}

#[test]
fn a_duplicated_header() {
    let p = setup();
    let file = format!("{HEADER},needs\n{GOOD},housing\n");
    refused(&p, "referral", file, 1, "header", "the column \"needs\" appears twice");
    let file = format!("{DECISION_HEADER},amount\n2021.021,Nottinghamshire OPCC,Car Pilot,47013,09.03.21,47013\n");
    refused(&p, "decision", file, 1, "header", "the column \"amount\" appears twice");
}

#[test]
fn a_missing_required_column() {
    let p = setup();
    let file = "client_ref,source,service,area,needs\nW00002,police,Beth Centre,Lambeth,housing\n";
    refused(&p, "referral", file, 1, "header", "the required column \"referred_on\" is missing");
    let file = "ref,commissioner,title\n2021.021,Nottinghamshire OPCC,Car Pilot\n";
    refused(&p, "decision", file, 1, "header", "the required column \"amount\" is missing");
}

#[test]
fn an_unclosed_quote_in_the_middle() {
    let p = setup();
    // The quote opened on line 3 swallows lines 4 and 5.
    let file = format!(
        "{HEADER}\n{GOOD}\nW00002,2021-04-01,police,Beth Centre,\"Lambeth,housing,,,R000002\n\
         W00003,2021-04-01,police,Beth Centre,Lambeth,housing,,,R000003\n\
         W00004,2021-04-01,police,Beth Centre,Lambeth,housing,,,R000004\n"
    );
    refused(&p, "referral", file, 3, "area", "unclosed quote");
}

#[test]
fn an_unclosed_quote_in_the_last_field() {
    // Without the check this row was imported with ref "R000002".
    let p = setup();
    let file = format!("{HEADER}\r\n{GOOD}\r\nW00002,2021-04-01,police,Beth Centre,Lambeth,housing,,,\"R000002\r\n");
    refused(&p, "referral", file, 3, "ref", "unclosed quote");
    let file = format!("{DECISION_HEADER}\n2021.021,Nottinghamshire OPCC,\"Car Pilot,47013,09.03.21\n");
    refused(&p, "decision", file, 2, "title", "unclosed quote");
}

#[test]
fn an_unclosed_quote_in_the_header() {
    let p = setup();
    let file = format!("client_ref,\"referred_on,source,service,area,needs\n{GOOD}\n");
    refused(&p, "referral", file, 1, "header", "unclosed quote");
}

#[test]
fn closed_quotes_with_newlines_and_doubled_quotes_still_import() {
    let p = setup();
    let file = format!(
        "{HEADER}\r\n{GOOD}\r\nW00002,2021-04-01,police,Beth Centre,\"Lambeth,\r\nNorth\",housing,,,R000002\r\n\
         W00003,2021-04-01,police,Beth Centre,\"Lamb\"\"eth\"\"\",housing,,,\"R000003\"\r\n"
    );
    let f = p.file("quoted.csv", file);
    p.ok(&["referral", "import", f.to_str().unwrap()]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 4);
}

#[test]
fn skip_invalid_keeps_an_unclosed_quote_row_in_the_rejects_file() {
    let p = setup();
    let file = format!("{HEADER}\n{GOOD}\nW00002,2021-04-01,police,Beth Centre,\"Lambeth,housing,,,R000002\n");
    let f = p.file("half.csv", file);
    let rejects = p.path("rejects.csv");
    p.ok(&["referral", "import", f.to_str().unwrap(), "--skip-invalid", "--rejects", rejects.to_str().unwrap()]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 2);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE ref = 'R000002'"), 0);
    let r = std::fs::read_to_string(rejects).unwrap();
    assert!(r.contains("W00002") && r.contains("unclosed quote"), "{r}");
}

#[test]
fn nul_bytes_in_a_field() {
    let p = setup();
    refused(
        &p,
        "referral",
        referral_file("W00002,2021-04-01,police,Beth Centre,Lam\0beth,housing,,,R000002"),
        3,
        "area",
        "NUL byte",
    );
    let file = format!("{DECISION_HEADER}\n2021.021,Nottinghamshire OPCC,Car\0Pilot,47013,09.03.21\n");
    refused(&p, "decision", file, 2, "title", "NUL byte");
}

#[test]
fn negative_or_exponent_money() {
    let p = setup();
    for (amount, says) in [("-5", "negative"), ("1e9", "not an amount of money"), ("12abc", "not an amount of money")] {
        let file = format!("{DECISION_HEADER}\n2021.027,Nottinghamshire OPCC,Supported Accommodation,14000,15.03.21\n2021.021,Nottinghamshire OPCC,Car Pilot,{amount},09.03.21\n");
        refused(&p, "decision", file, 3, "amount", says);
    }
}

#[test]
fn impossible_dates() {
    let p = setup();
    let err = refused(
        &p,
        "referral",
        referral_file("W00002,31/02/2021,police,Beth Centre,Lambeth,housing,,,R000002"),
        3,
        "referred_on",
        "February 2021 has no day 31",
    );
    assert!(err.contains("31/02/2021"), "{err}");
    refused(
        &p,
        "referral",
        referral_file("W00002,2021-04-01,police,Beth Centre,Lambeth,housing,engaged,2021-13-01,R000002"),
        3,
        "first_contact_on",
        "not a date",
    );
    let file = format!("{DECISION_HEADER}\n2021.021,Nottinghamshire OPCC,Car Pilot,47013,31/02/2021\n");
    refused(&p, "decision", file, 2, "received_on", "February 2021 has no day 31");
}

#[test]
fn sql_injection_is_stored_verbatim_and_harmless() {
    let p = setup();
    let area = "Lambeth'); DROP TABLE referrals;--";
    let file = format!("{HEADER}\nW00002,2021-04-01,police,Beth Centre,\"{area}\",housing,,,R000002\n");
    let f = p.file("inject.csv", &file);
    p.ok(&["referral", "import", f.to_str().unwrap()]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'referrals'"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 2);
    let out = p.ok(&["referral", "export", "--format", "csv"]);
    let row = out.lines().find(|l| l.contains("R000002")).expect("exported row");
    assert!(row.contains(&format!(",{area},")), "{row}");
    // Round trip: importing the export changes nothing.
    let back = p.file("back.csv", &out);
    let before = p.dump();
    p.ok(&["referral", "import", back.to_str().unwrap()]);
    assert_eq!(p.dump(), before);
    assert!(p.run(&["db", "check"]).status.success());
    // In a decision title too.
    let title = "Car Pilot'); DROP TABLE decisions;--";
    let file = format!("{DECISION_HEADER}\n2021.021,Nottinghamshire OPCC,{title},47013,09.03.21\n");
    let f = p.file("inject-d.csv", file);
    p.ok(&["decision", "import", f.to_str().unwrap()]);
    let out = p.ok(&["decision", "export", "--format", "csv"]);
    assert!(out.contains(title), "{out}");
    assert_eq!(p.sql_i64("SELECT count(*) FROM decisions"), 1);
}

#[test]
fn a_client_ref_that_looks_like_a_name_is_refused() {
    let p = setup();
    let err = refused(
        &p,
        "referral",
        referral_file("Jane Smith,2021-04-01,police,Beth Centre,Lambeth,housing,,,R000002"),
        3,
        "client_ref",
        "never a name",
    );
    assert!(!err.contains("Jane"), "the error must not echo the client_ref:\n{err}");
    refused(
        &p,
        "referral",
        referral_file("JaneSmith,2021-04-01,police,Beth Centre,Lambeth,housing,,,R000002"),
        3,
        "client_ref",
        "looks like a name",
    );
}

#[test]
fn a_client_ref_with_a_date_of_birth_is_refused() {
    let p = setup();
    let err = refused(
        &p,
        "referral",
        referral_file("AB-12/03/1985,2021-04-01,police,Beth Centre,Lambeth,housing,,,R000002"),
        3,
        "client_ref",
        "must not contain a date",
    );
    assert!(!err.contains("1985"), "the error must not echo the client_ref:\n{err}");
}
