//! `pathway caseload`: workers, tiers, cases and their rules, run through
//! the real binary.

mod common;

use common::Pathway;

/// The Beth Centre hub and its spokes. Written with plain SQL until
/// `pathway service add` exists; swap the body for that command then.
fn with_services(p: &Pathway) {
    let c = rusqlite::Connection::open(&p.db).expect("open db");
    c.execute_batch(
        "INSERT INTO organisations (name, kind) VALUES ('Women in Prison', 'provider');
         INSERT INTO services (name, provider_id, area, kind) VALUES ('Beth Centre', 1, 'Lambeth', 'hub');
         INSERT INTO services (name, provider_id, area, kind, hub_id) VALUES
             ('Southwark spoke', 1, 'Southwark', 'spoke', 1),
             ('Croydon spoke', 1, 'Croydon', 'spoke', 1),
             ('Lewisham spoke', 1, 'Lewisham', 'spoke', 1);",
    )
    .expect("services");
}

/// A database with services and workers KW01 (full time) and KW06 (22.5 h).
fn setup() -> Pathway {
    let p = Pathway::new();
    with_services(&p);
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    p.ok(&["caseload", "worker", "add", "--code", "KW06", "--capacity", "22.5"]);
    p
}

fn open_c1(p: &Pathway) {
    p.ok(&[
        "caseload",
        "open",
        "--client",
        "BC-0001",
        "--worker",
        "KW01",
        "--service",
        "Beth Centre",
        "--tier",
        "T1",
        "--opened",
        "12/04/21",
        "--ref",
        "C-0001",
    ]);
}

fn csv(p: &Pathway, args: &[&str]) -> String {
    let mut a = args.to_vec();
    a.extend(["--format", "csv"]);
    p.ok(&a)
}

// ----------------------------------------------------------------- workers

#[test]
fn worker_capacity_defaults_to_37_5() {
    let p = setup();
    assert_eq!(p.sql_i64("SELECT CAST(capacity_hours * 10 AS INTEGER) FROM workers WHERE code = 'KW01'"), 375);
    assert_eq!(
        csv(&p, &["caseload", "worker", "list"]),
        "code,name,capacity_hours,active\nKW01,,37.5,yes\nKW06,,22.5,yes\n"
    );
}

#[test]
fn worker_add_edit_and_errors() {
    let p = setup();
    let err = p.fails(&["caseload", "worker", "add", "--code", "kw01"], 65);
    assert_eq!(err, "pathway: there is already a worker KW01; change it with `pathway caseload worker edit KW01`\n");
    let err = p.fails(&["caseload", "worker", "add", "--code", "KW02", "--capacity", "lots"], 2);
    assert!(err.contains("\"lots\" is not a number of hours a week such as 37.5"), "{err}");
    p.fails(&["caseload", "worker", "add", "--code", "Key Worker"], 2);
    p.ok(&["caseload", "worker", "edit", "KW06", "--capacity", "30", "--inactive", "--name", "Part-time"]);
    assert_eq!(
        csv(&p, &["caseload", "worker", "list"]),
        "code,name,capacity_hours,active\nKW01,,37.5,yes\nKW06,Part-time,30,no\n"
    );
    let err = p.fails(&["caseload", "worker", "edit", "KW6", "--active"], 65);
    assert_eq!(err, "pathway: no worker with code 'KW6'; did you mean 'KW06'?\n");
}

#[test]
fn worker_import_is_idempotent_and_round_trips() {
    let p = Pathway::new();
    p.file("workers.csv", "code,name,capacity_hours,active\nKW01,,37.5,yes\nKW02,,,\nKW06,,22.5,no\n");
    let err = p.cmd(&["caseload", "worker", "import", "workers.csv"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&err.stderr), "workers.csv: 3 workers read: 3 new, 0 updated, 0 unchanged\n");
    let out = p.cmd(&["caseload", "worker", "import", "workers.csv"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "workers.csv: 3 workers read: 0 new, 0 updated, 3 unchanged\n");
    let listed = csv(&p, &["caseload", "worker", "list"]);
    assert_eq!(listed, "code,name,capacity_hours,active\nKW01,,37.5,yes\nKW02,,37.5,yes\nKW06,,22.5,no\n");
    p.file("again.csv", &listed);
    let out = p.cmd(&["caseload", "worker", "import", "again.csv"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "again.csv: 3 workers read: 0 new, 0 updated, 3 unchanged\n");
}

// ------------------------------------------------------------------- tiers

#[test]
fn tiers_are_editable() {
    let p = Pathway::new();
    assert_eq!(
        csv(&p, &["caseload", "tier", "list"]),
        "code,hours_per_week,description\nT1,2.5,Tier 1: 2.5 hours a week\nT2,5,Tier 2: 5 hours a week\nT3,10,Tier 3: 10 hours a week\n"
    );
    p.ok(&["caseload", "tier", "set", "T2", "--hours", "6"]);
    p.ok(&["caseload", "tier", "set", "t4", "--hours", "15"]);
    let err = p.fails(&["caseload", "tier", "set", "T5"], 65);
    assert_eq!(err, "pathway: T5 is a new tier: give its weekly hours with --hours\n");
    p.fails(&["caseload", "tier", "set", "Tier5", "--hours", "3"], 2);
    assert_eq!(
        csv(&p, &["caseload", "tier", "list"]),
        "code,hours_per_week,description\nT1,2.5,Tier 1: 2.5 hours a week\nT2,6,Tier 2: 6 hours a week\nT3,10,Tier 3: 10 hours a week\nT4,15,Tier 4: 15 hours a week\n"
    );
}

// ------------------------------------------------------------------- cases

#[test]
fn tier_history_shows_the_tier_on_the_day() {
    let p = setup();
    open_c1(&p);
    p.ok(&["caseload", "retier", "C-0001", "--tier", "T3", "--from", "01/06/21"]);
    let cols = "id,ref,client_ref,worker,service,tier,hours_per_week,opened_on,closed_on,close_reason,outcome\n";
    assert_eq!(
        csv(&p, &["caseload", "list", "--as-of", "2021-05-01"]),
        format!("{cols}1,C-0001,BC-0001,KW01,Beth Centre,T1,2.5,2021-04-12,,,\n")
    );
    assert_eq!(
        csv(&p, &["caseload", "list", "--as-of", "2021-07-01"]),
        format!("{cols}1,C-0001,BC-0001,KW01,Beth Centre,T3,10,2021-04-12,,,\n")
    );
    // Before it opened: not listed.
    assert_eq!(csv(&p, &["caseload", "list", "--as-of", "2021-04-11"]), cols);
    // Filtering on the tier of the day.
    assert_eq!(csv(&p, &["caseload", "list", "--as-of", "2021-05-01", "--tier", "T3"]), cols);
    assert_eq!(p.sql_i64("SELECT count(*) FROM case_tiers"), 2);

    p.ok(&[
        "caseload",
        "close",
        "C-0001",
        "--closed",
        "30/09/21",
        "--reason",
        "Moved out of area",
        "--outcome",
        "positive",
    ]);
    let listed = p.json(&["caseload", "list"]);
    assert_eq!(
        listed,
        serde_json::json!([{
            "id": 1, "ref": "C-0001", "client_ref": "BC-0001", "worker": "KW01", "service": "Beth Centre",
            "tier": "T3", "hours_per_week": 10, "opened_on": "2021-04-12", "closed_on": "2021-09-30",
            "close_reason": "Moved out of area", "outcome": "positive"
        }])
    );
    // Closed on 30 September: not open at the end of that day.
    assert_eq!(csv(&p, &["caseload", "list", "--as-of", "2021-09-30"]), cols);
    assert_eq!(csv(&p, &["caseload", "list", "--open"]), cols);
    assert_eq!(csv(&p, &["caseload", "list", "--closed", "--worker", "KW01"]).lines().count(), 2);
}

#[test]
fn a_first_client_ref_is_recorded_and_refs_are_checked() {
    let p = setup();
    open_c1(&p);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients WHERE client_ref = 'BC-0001'"), 1);
    let before = p.dump();
    let err = p.fails(
        &[
            "caseload",
            "open",
            "--client",
            "Jane Smith",
            "--worker",
            "KW01",
            "--service",
            "Beth Centre",
            "--tier",
            "T1",
            "--opened",
            "2021-04-12",
        ],
        65,
    );
    assert!(err.contains("no spaces"), "{err}");
    assert!(!err.contains("Jane"), "the client_ref is not echoed: {err}");
    let long = format!("BC-{}", "9".repeat(70));
    let err = p.fails(
        &[
            "caseload",
            "open",
            "--client",
            &long,
            "--worker",
            "KW01",
            "--service",
            "Beth Centre",
            "--tier",
            "T1",
            "--opened",
            "2021-04-12",
        ],
        65,
    );
    assert_eq!(err, "pathway: the client_ref is too long (at most 64 characters)\n");
    assert_eq!(p.dump(), before);
}

#[test]
fn unknown_names_suggest_the_closest() {
    let p = setup();
    let base = ["caseload", "open", "--client", "BC-0002", "--opened", "2021-04-13"];
    let run = |w: &str, s: &str, t: &str| {
        let mut a = base.to_vec();
        a.extend(["--worker", w, "--service", s, "--tier", t]);
        p.fails(&a, 65)
    };
    assert_eq!(run("KW1", "Beth Centre", "T1"), "pathway: no worker with code 'KW1'; did you mean 'KW01'?\n");
    assert_eq!(
        run("KW01", "Beth Center", "T1"),
        "pathway: no service called 'Beth Center'; did you mean 'Beth Centre'?\n"
    );
    assert_eq!(
        run("KW01", "Beth Centre", "T9"),
        "pathway: no tier 'T9': the tiers are T1, T2, T3; add one with `pathway caseload tier set`\n"
    );
    // A malformed tier is a usage error.
    p.fails(
        &[
            "caseload",
            "open",
            "--client",
            "BC-0002",
            "--opened",
            "2021-04-13",
            "--worker",
            "KW01",
            "--service",
            "Beth Centre",
            "--tier",
            "gold",
        ],
        2,
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM cases"), 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), 0);
}

#[test]
fn two_open_cases_at_one_service_are_refused() {
    let p = setup();
    open_c1(&p);
    let before = p.dump();
    let err = p.fails(
        &[
            "caseload",
            "open",
            "--client",
            "BC-0001",
            "--worker",
            "KW06",
            "--service",
            "Beth Centre",
            "--tier",
            "T2",
            "--opened",
            "2021-05-01",
        ],
        65,
    );
    assert_eq!(
        err,
        "pathway: this client already has an open case at Beth Centre (case C-0001, open since 2021-04-12); close it first with `pathway caseload close`\n"
    );
    assert_eq!(p.dump(), before);
    // At another service she can.
    p.ok(&[
        "caseload",
        "open",
        "--client",
        "BC-0001",
        "--worker",
        "KW06",
        "--service",
        "Croydon spoke",
        "--tier",
        "T2",
        "--opened",
        "2021-05-01",
    ]);
}

#[test]
fn a_backdated_case_is_told_it_overlaps_a_later_episode() {
    let p = setup();
    open_c1(&p);
    p.ok(&["caseload", "close", "C-0001", "--closed", "2021-06-30", "--outcome", "neutral"]);
    // Opened before C-0001 and still open: it would run into C-0001.
    let err = p.fails(
        &[
            "caseload",
            "open",
            "--client",
            "BC-0001",
            "--worker",
            "KW01",
            "--service",
            "Beth Centre",
            "--tier",
            "T1",
            "--opened",
            "2021-03-01",
        ],
        65,
    );
    assert_eq!(
        err,
        "pathway: this case would overlap a later episode of the same client at Beth Centre (case C-0001, 2021-04-12 to 2021-06-30); a case that opens before it closes on or before the day it opened, 2021-04-12\n"
    );
    // Imported, opened before and closed after C-0001 opened.
    p.file(
        "back.csv",
        format!("{HEADER}BC-0001,KW01,Beth Centre,T1,2021-03-01,2021-05-01,Moved away,neutral,C-0009\n"),
    );
    let err = p.fails(&["caseload", "import", "back.csv"], 65);
    let line = "back.csv:2: closed_on: this case would overlap a later episode of the same client at Beth Centre (case C-0001, 2021-04-12 to 2021-06-30); a case that opens before it closes on or before the day it opened, 2021-04-12";
    assert!(err.lines().any(|l| l == line), "{err}");
    // Closed on the day C-0001 opened is fine.
    p.file(
        "back.csv",
        format!("{HEADER}BC-0001,KW01,Beth Centre,T1,2021-03-01,2021-04-12,Moved away,neutral,C-0009\n"),
    );
    p.ok(&["caseload", "import", "back.csv"]);
}

#[test]
fn episodes_of_one_client_at_one_service_do_not_overlap() {
    let p = setup();
    open_c1(&p);
    p.ok(&["caseload", "close", "C-0001", "--closed", "2021-06-30", "--outcome", "neutral"]);
    let err = p.fails(
        &[
            "caseload",
            "open",
            "--client",
            "BC-0001",
            "--worker",
            "KW01",
            "--service",
            "Beth Centre",
            "--tier",
            "T1",
            "--opened",
            "2021-06-01",
        ],
        65,
    );
    assert_eq!(
        err,
        "pathway: this case would overlap an earlier episode of the same client at Beth Centre (case C-0001, 2021-04-12 to 2021-06-30); a new case opens on or after the day the earlier one closed\n"
    );
    // On the closing day is fine; without a ref it is known as #2.
    p.ok(&[
        "caseload",
        "open",
        "--client",
        "BC-0001",
        "--worker",
        "KW01",
        "--service",
        "Beth Centre",
        "--tier",
        "T2",
        "--opened",
        "2021-06-30",
    ]);
    p.ok(&["caseload", "retier", "#2", "--tier", "T3", "--from", "2021-08-01"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM case_tiers WHERE case_id = 2"), 2);
}

#[test]
fn close_rules() {
    let p = setup();
    open_c1(&p);
    let before = p.dump();
    let err = p.fails(&["caseload", "close", "C-0001", "--closed", "2021-04-11", "--outcome", "positive"], 65);
    assert_eq!(err, "pathway: case C-0001: the case cannot close on 2021-04-11, before it opened on 2021-04-12\n");
    p.fails(&["caseload", "close", "C-0001", "--closed", "2021-09-30", "--outcome", "great"], 2);
    p.fails(&["caseload", "close", "C-0001", "--closed", "2021-09-30"], 2);
    let err = p.fails(&["caseload", "close", "C-9999", "--closed", "2021-09-30", "--outcome", "positive"], 65);
    assert_eq!(
        err,
        "pathway: no case 'C-9999'; `pathway caseload list` shows the cases (a case without a ref is #<id>)\n"
    );
    assert_eq!(p.dump(), before);
    // Same day as opening is allowed.
    p.ok(&["caseload", "close", "C-0001", "--closed", "2021-04-12", "--outcome", "negative"]);
    let err = p.fails(&["caseload", "close", "C-0001", "--closed", "2021-05-12", "--outcome", "negative"], 65);
    assert_eq!(err, "pathway: case C-0001 is already closed (on 2021-04-12)\n");
}

#[test]
fn retier_rules() {
    let p = setup();
    open_c1(&p);
    let before = p.dump();
    let err = p.fails(&["caseload", "retier", "C-0001", "--tier", "T2", "--from", "2021-04-01"], 65);
    assert_eq!(err, "pathway: case C-0001: a tier change on 2021-04-01 is before the case opened on 2021-04-12\n");
    let err = p.fails(&["caseload", "retier", "C-0001", "--tier", "T2", "--from", "2021-04-12"], 65);
    assert_eq!(
        err,
        "pathway: case C-0001: a tier change must come after the last one: on 2021-04-12 it opened at T1; give a date after 2021-04-12\n"
    );
    let err = p.fails(&["caseload", "retier", "C-0001", "--tier", "T1", "--from", "2021-05-01"], 65);
    assert_eq!(err, "pathway: case C-0001: the case is already at T1 (since 2021-04-12)\n");
    p.fails(&["caseload", "retier", "C-0001", "--tier", "T2", "--from", "2021-02-30"], 2);
    assert_eq!(p.dump(), before);
    p.ok(&["caseload", "retier", "C-0001", "--tier", "T2", "--from", "2021-05-01"]);
    let err = p.fails(&["caseload", "retier", "C-0001", "--tier", "T3", "--from", "2021-04-20"], 65);
    assert_eq!(
        err,
        "pathway: case C-0001: a tier change must come after the last one: on 2021-05-01 it changed to T2; give a date after 2021-05-01\n"
    );
    p.ok(&["caseload", "close", "C-0001", "--closed", "2021-06-30", "--outcome", "positive"]);
    let err = p.fails(&["caseload", "retier", "C-0001", "--tier", "T3", "--from", "2021-07-01"], 65);
    assert_eq!(err, "pathway: case C-0001: a tier change on 2021-07-01 is after the case closed on 2021-06-30\n");
}

#[test]
fn an_inactive_worker_takes_no_new_open_cases() {
    let p = setup();
    p.ok(&["caseload", "worker", "edit", "KW06", "--inactive"]);
    let err = p.fails(
        &[
            "caseload",
            "open",
            "--client",
            "BC-0003",
            "--worker",
            "KW06",
            "--service",
            "Beth Centre",
            "--tier",
            "T1",
            "--opened",
            "2021-04-12",
        ],
        65,
    );
    assert!(err.starts_with("pathway: worker KW06 is marked inactive"), "{err}");
    // A closed episode of hers imports; her open cases stay hers when the
    // file is imported again after she left.
    p.ok(&["caseload", "worker", "edit", "KW06", "--active"]);
    p.file("cases.csv", format!("{HEADER}BC-0003,KW06,Beth Centre,T1,2021-04-12,,,,C-0003\n"));
    p.ok(&["caseload", "import", "cases.csv"]);
    p.ok(&["caseload", "worker", "edit", "KW06", "--inactive"]);
    let out = p.json(&["caseload", "import", "cases.csv"]);
    assert_eq!(out["unchanged"], 1);
    p.file("new.csv", format!("{HEADER}BC-0004,KW06,Beth Centre,T1,2021-04-12,,,,\nBC-0005,KW06,Beth Centre,T1,2021-04-12,2021-05-12,,positive,\n"));
    let err = p.fails(&["caseload", "import", "new.csv"], 65);
    assert!(err.contains("new.csv:2: worker: worker KW06 is marked inactive"), "{err}");
    assert!(!err.contains("new.csv:3"), "{err}");
}

#[test]
fn the_audit_log_names_cases_never_clients() {
    let p = setup();
    open_c1(&p);
    p.ok(&[
        "caseload",
        "open",
        "--client",
        "BC-0002",
        "--worker",
        "KW01",
        "--service",
        "Beth Centre",
        "--tier",
        "T2",
        "--opened",
        "2021-04-13",
    ]);
    p.ok(&["caseload", "retier", "C-0001", "--tier", "T3", "--from", "01/06/21"]);
    p.ok(&["caseload", "close", "#2", "--closed", "2021-06-30", "--outcome", "positive"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'case' AND key = 'C-0001'"), 2);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'case' AND key = '#2'"), 2);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE key LIKE '%BC-%' OR detail LIKE '%BC-%'"), 0);
}

// ------------------------------------------------------------------ import

const HEADER: &str = "client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n";

#[test]
fn import_is_atomic() {
    let p = setup();
    let before = p.dump();
    p.file(
        "cases.csv",
        format!(
            "{HEADER}BC-0001,KW01,Beth Centre,T1,12/04/21,,,,C-0001\n\
             BC-0002,KW1,Beth Centre,T2,2021-04-13,,,,\n\
             BC-0003,KW06,Croydon spoke,T2,2021-04-14,2021-04-01,,positive,\n\
             BC-0004,KW06,Croydon spoke,T2,31/02/2021,,,,\n\
             BC-0001,KW06,Beth Centre,T2,2021-05-01,,,,\n"
        ),
    );
    let err = p.fails(&["caseload", "import", "cases.csv"], 65);
    assert_eq!(
        err,
        "pathway: cases.csv: 4 invalid rows; nothing was imported\n\
         cases.csv:3: worker: no worker with code 'KW1'; did you mean 'KW01'?\n\
         cases.csv:4: closed_on: the case cannot close on 2021-04-01, before it opened on 2021-04-14\n\
         cases.csv:5: opened_on: \"31/02/2021\" is not a date (February 2021 has no day 31); write 2021-04-01, 01/04/2021, 1/4/21 or 15.03.21 (day first)\n\
         cases.csv:6: client_ref: this client already has an open case at Beth Centre (case C-0001, open since 2021-04-12); close it first with `pathway caseload close`\n"
    );
    assert_eq!(p.dump(), before);

    // --skip-invalid imports the good row and writes the rejects.
    p.ok(&["caseload", "import", "cases.csv", "--skip-invalid", "--rejects", "rejects.csv"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM cases"), 1);
    let rejects = std::fs::read_to_string(p.path("rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 5);
    assert!(rejects.starts_with(&format!("{},error\n", HEADER.trim_end())), "{rejects}");
}

#[test]
fn import_is_idempotent_and_a_closing_row_is_an_update() {
    let p = setup();
    p.file(
        "cases.csv",
        format!(
            "{HEADER}BC-0001,KW01,Beth Centre,T1,12/04/21,,,,C-0001\n\
             BC-0002,KW01,Beth Centre,T2,2021-04-13,,,,\n\
             BC-0003,KW06,Croydon spoke,T3,2021-04-14,2021-07-01,Moved out of area,positive,\n"
        ),
    );
    let out = p.cmd(&["caseload", "import", "cases.csv"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "cases.csv: 3 cases read: 3 new, 0 updated, 0 unchanged\n");
    let before = p.dump();
    let out = p.json(&["caseload", "import", "cases.csv"]);
    assert_eq!(
        out,
        serde_json::json!({"file": "cases.csv", "rows": 3, "new": 0, "updated": 0, "unchanged": 3, "rejected": 0, "repeated": 0})
    );
    assert_eq!(p.dump(), before);

    p.file(
        "later.csv",
        format!(
            "{HEADER}BC-0001,KW01,Beth Centre,T1,2021-04-12,2021-09-30,Moved out of area,positive,C-0001\n\
             BC-0002,KW06,Beth Centre,T2,2021-04-13,,,,C-0002\n\
             BC-0003,KW06,Croydon spoke,T3,2021-04-14,2021-07-01,Moved out of area,positive,\n"
        ),
    );
    let out = p.json(&["caseload", "import", "later.csv"]);
    assert_eq!(
        out,
        serde_json::json!({"file": "later.csv", "rows": 3, "new": 0, "updated": 2, "unchanged": 1, "rejected": 0, "repeated": 0})
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM cases WHERE closed_on = '2021-09-30' AND outcome = 'positive'"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM cases WHERE ref = 'C-0002' AND worker_id = 2"), 1);

    // A file that would reopen a closed case is refused.
    p.fails(&["caseload", "import", "cases.csv"], 65);
}

#[test]
fn export_import_export_is_identical() {
    let p = setup();
    p.file(
        "cases.csv",
        format!(
            "{HEADER}BC-0001,KW01,Beth Centre,T1,12/04/21,,,,C-0001\n\
             BC-0002,KW01,Beth Centre,T2,2021-04-13,,,,\n\
             BC-0003,KW06,Croydon spoke,T3,2021-04-14,2021-07-01,\"Moved out of area, to Kent\",positive,\n\
             BC-0004,kw06,southwark spoke,t2,2021-05-02,2021-05-02,=cmd,negative,C-0004\n"
        ),
    );
    p.ok(&["caseload", "import", "cases.csv"]);
    p.ok(&["caseload", "retier", "C-0001", "--tier", "T3", "--from", "01/06/21"]);
    p.ok(&["caseload", "retier", "#2", "--tier", "T1", "--from", "2021-05-01"]);
    let cases = p.ok(&["caseload", "export"]);
    let tiers = p.ok(&["caseload", "export", "--tiers"]);
    assert_eq!(
        cases,
        format!(
            "{HEADER}BC-0001,KW01,Beth Centre,T1,2021-04-12,,,,C-0001\n\
             BC-0002,KW01,Beth Centre,T2,2021-04-13,,,,\n\
             BC-0003,KW06,Croydon spoke,T3,2021-04-14,2021-07-01,\"Moved out of area, to Kent\",positive,\n\
             BC-0004,KW06,Southwark spoke,T2,2021-05-02,2021-05-02,'=cmd,negative,C-0004\n"
        )
    );
    assert_eq!(
        tiers,
        "ref,client_ref,service,opened_on,from_on,tier\nC-0001,,,,2021-06-01,T3\n,BC-0002,Beth Centre,2021-04-13,2021-05-01,T1\n"
    );

    let q = setup();
    q.file("cases.csv", &cases);
    q.file("tiers.csv", &tiers);
    q.ok(&["caseload", "import", "cases.csv"]);
    q.ok(&["caseload", "import", "--tiers", "tiers.csv"]);
    assert_eq!(q.ok(&["caseload", "export"]), cases);
    assert_eq!(q.ok(&["caseload", "export", "--tiers"]), tiers);
    assert_eq!(csv(&q, &["caseload", "list"]), csv(&p, &["caseload", "list"]));
    // And again: nothing new.
    let out = q.json(&["caseload", "import", "--tiers", "tiers.csv"]);
    assert_eq!(out["unchanged"], 2);
    assert_eq!(out["new"], 0);
}

#[test]
fn unknown_columns_are_refused() {
    let p = setup();
    p.file("cases.csv", "client_ref,worker,service,tier,opened_on,outcom\nBC-0001,KW01,Beth Centre,T1,2021-04-12,\n");
    let err = p.fails(&["caseload", "import", "cases.csv"], 65);
    assert!(err.contains("cases.csv:1: header: unknown column \"outcom\"; did you mean 'outcome'?"), "{err}");
}

// ---------------------------------------------------------------- examples

#[test]
fn the_examples_import() {
    let p = Pathway::new();
    with_services(&p);
    let ex = common::root().join("examples");
    let workers = ex.join("workers.csv");
    let cases = ex.join("cases.csv");
    let retiers = ex.join("retiers.csv");
    p.ok(&["caseload", "worker", "import", workers.to_str().unwrap()]);
    p.ok(&["caseload", "import", cases.to_str().unwrap()]);
    p.ok(&["caseload", "import", "--tiers", retiers.to_str().unwrap()]);
    let assessments = ex.join("assessments.csv");
    p.ok(&["caseload", "import", "--assessments", assessments.to_str().unwrap()]);
    let n = p.sql_i64("SELECT count(*) FROM cases");
    assert!((200..=300).contains(&n), "{n} cases");
    assert_eq!(p.sql_i64("SELECT count(*) FROM workers"), 6);
    assert!(p.sql_i64("SELECT count(*) FROM case_tiers") > n);
    // Round trip of the examples themselves.
    assert_eq!(p.ok(&["caseload", "export"]), std::fs::read_to_string(&cases).unwrap());
    assert_eq!(p.ok(&["caseload", "export", "--tiers"]), std::fs::read_to_string(&retiers).unwrap());
    assert_eq!(p.ok(&["caseload", "export", "--assessments"]), std::fs::read_to_string(&assessments).unwrap());
}

#[test]
fn worker_export_imports_back_unchanged() {
    let p = setup();
    p.ok(&[
        "caseload",
        "worker",
        "add",
        "--code",
        "KW09",
        "--name",
        "Key worker, nine",
        "--capacity",
        "22.5",
        "--inactive",
    ]);
    let export = p.ok(&["caseload", "worker", "export"]);
    assert_eq!(
        export,
        "code,name,capacity_hours,active\nKW01,,37.5,yes\nKW06,,22.5,yes\nKW09,\"Key worker, nine\",22.5,no\n"
    );
    // Export → import into a fresh database → export: the same bytes.
    let q = Pathway::new();
    q.file("workers.csv", &export);
    assert_eq!(q.json(&["caseload", "worker", "import", "workers.csv"])["new"], 3);
    assert_eq!(q.ok(&["caseload", "worker", "export"]), export);
    assert_eq!(q.json(&["caseload", "worker", "import", "workers.csv"])["unchanged"], 3);
    let j = p.json(&["caseload", "worker", "export"]);
    assert_eq!(
        j[2],
        serde_json::json!({"code": "KW09", "name": "Key worker, nine", "capacity_hours": 22.5, "active": false})
    );
}
