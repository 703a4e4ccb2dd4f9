//! Assessments on cases and the return's `outcomes` and `equality`
//! sections (PRODUCT.md 6.2), run through the real binary on a small
//! made-up dataset at the Beth Centre and its Croydon spoke.

mod common;

use common::Pathway;

/// The Beth Centre hub, its Croydon spoke, and a separate service.
fn with_services(p: &Pathway) {
    let c = rusqlite::Connection::open(&p.db).expect("open db");
    c.execute_batch(
        "INSERT INTO organisations (name, kind) VALUES ('Women in Prison', 'provider');
         INSERT INTO services (name, provider_id, area, kind) VALUES ('Beth Centre', 1, 'Lambeth', 'hub');
         INSERT INTO services (name, provider_id, area, kind, hub_id) VALUES ('Croydon spoke', 1, 'Croydon', 'spoke', 1);
         INSERT INTO services (name, provider_id, area, kind) VALUES ('Juno Women''s Aid', 1, 'Nottingham', 'hub');",
    )
    .expect("services");
}

const CASES: &str = "client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n";

/// Cases:
/// - C-0001 BC-0001 Beth Centre, 2021-04-12 .. 2021-04-30 (closed positive)
/// - C-0002 BC-0001 Croydon spoke, 2021-05-03, open
/// - C-0003 BC-0002 Beth Centre, 2021-04-01, open
/// - C-0004 BC-0003 Croydon spoke, 2021-01-04 .. 2021-03-31 (closed before April)
/// - C-0005 BC-0004 Juno Women's Aid, 2021-04-01, open
fn setup() -> Pathway {
    let p = Pathway::new();
    with_services(&p);
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    p.file(
        "cases.csv",
        format!(
            "{CASES}BC-0001,KW01,Beth Centre,T2,2021-04-12,2021-04-30,Moved on,positive,C-0001\n\
             BC-0001,KW01,Croydon spoke,T2,2021-05-03,,,,C-0002\n\
             BC-0002,KW01,Beth Centre,T1,2021-04-01,,,,C-0003\n\
             BC-0003,KW01,Croydon spoke,T1,2021-01-04,2021-03-31,Moved on,neutral,C-0004\n\
             BC-0004,KW01,Juno Women's Aid,T1,2021-04-01,,,,C-0005\n"
        ),
    );
    p.ok(&["caseload", "import", "cases.csv"]);
    p
}

/// A second case of BC-0002, at the Croydon spoke while C-0003 is open.
fn open_c6(p: &Pathway) {
    p.ok(&[
        "caseload",
        "open",
        "--client",
        "BC-0002",
        "--worker",
        "KW01",
        "--service",
        "Croydon spoke",
        "--tier",
        "T1",
        "--opened",
        "2021-04-15",
        "--ref",
        "C-0006",
    ]);
}

fn stderr_of(p: &Pathway, args: &[&str]) -> String {
    let out = p.cmd(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stderr).unwrap()
}

fn assess(p: &Pathway, case: &str, pathway: &str, date: &str, score: &str) -> String {
    stderr_of(p, &["caseload", "assess", case, "--pathway", pathway, "--date", date, "--score", score])
}

fn csv(p: &Pathway, args: &[&str]) -> String {
    let mut a = args.to_vec();
    a.extend(["--format", "csv"]);
    p.ok(&a)
}

const ASSESSMENTS: &str = "case,pathway,assessed_on,score,stage\n";

// ------------------------------------------------------------- assessments

#[test]
fn assess_records_one_assessment_with_its_audit_row() {
    let p = setup();
    let said = stderr_of(
        &p,
        &[
            "caseload",
            "assess",
            "C-0001",
            "--pathway",
            "accommodation",
            "--date",
            "12/04/21",
            "--score",
            "3",
            "--stage",
            "start",
        ],
    );
    assert_eq!(said, "assessed case C-0001 on accommodation on 2021-04-12\n");
    assess(&p, "C-0001", "Health", "2021-04-20", "5");
    assert_eq!(
        csv(&p, &["caseload", "assessments"]),
        format!("{ASSESSMENTS}C-0001,accommodation,2021-04-12,3,start\nC-0001,health,2021-04-20,5,\n")
    );
    assert_eq!(
        p.sql_i64(
            "SELECT count(*) FROM audit_log WHERE entity = 'case' AND key = 'C-0001' AND action = 'assess'
             AND detail = 'accommodation on 2021-04-12' AND client_id = (SELECT id FROM clients WHERE client_ref = 'BC-0001')"
        ),
        1
    );
    // The audit never holds the score.
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE detail LIKE '%score%'"), 0);
}

#[test]
fn assess_refuses_days_outside_the_case_scores_off_the_scale_and_a_second_on_the_day() {
    let p = setup();
    let before = p.dump();
    let err =
        p.fails(&["caseload", "assess", "C-0001", "--pathway", "health", "--date", "2021-04-11", "--score", "3"], 65);
    assert_eq!(err, "pathway: assessed_on: 2021-04-11 is before case C-0001 opened (2021-04-12)\n");
    let err =
        p.fails(&["caseload", "assess", "C-0001", "--pathway", "health", "--date", "2021-05-01", "--score", "3"], 65);
    assert_eq!(err, "pathway: assessed_on: 2021-05-01 is after case C-0001 closed (2021-04-30)\n");
    let out = p
        .cmd(&["caseload", "assess", "C-0002", "--pathway", "health", "--date", "2026-12-02", "--score", "3"])
        .env("PATHWAY_NOW", "2026-12-01T09:00:00Z")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(65));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pathway: assessed_on: 2026-12-02 is after today (2026-12-01); only what has happened can be recorded (dates are read day first: 01/04/2021 is 1 April)\n"
    );
    for bad in ["0", "11", "4.5"] {
        let err = p
            .fails(&["caseload", "assess", "C-0002", "--pathway", "health", "--date", "2021-05-04", "--score", bad], 2);
        assert!(
            err.contains(&format!("\"{bad}\" is not a score: give a whole number from 1 to 10 (10 best)")),
            "{err}"
        );
    }
    let err =
        p.fails(&["caseload", "assess", "C-0002", "--pathway", "housing", "--date", "2021-05-04", "--score", "3"], 2);
    assert!(
        err.contains("\"housing\" is not a pathway; use one of: accommodation, education_training_employment"),
        "{err}"
    );
    let err =
        p.fails(&["caseload", "assess", "C-0009", "--pathway", "health", "--date", "2021-05-04", "--score", "3"], 65);
    assert_eq!(
        err,
        "pathway: there is no case C-0009; `pathway caseload list` shows the cases (a case without a ref is #<id>)\n"
    );
    assert_eq!(p.dump(), before, "nothing refused was written");
    // The closing day itself is allowed (an exit assessment).
    assess(&p, "C-0001", "health", "2021-04-30", "6");
    // A second assessment of the same woman on the same pathway on the same
    // day is refused, on the same case or on another of hers.
    let err =
        p.fails(&["caseload", "assess", "C-0001", "--pathway", "health", "--date", "2021-04-30", "--score", "7"], 65);
    assert_eq!(
        err,
        "pathway: case C-0001: this woman already has an assessment on health on 2021-04-30 (case C-0001); one a pathway a \
         day, so that her first and latest scores are clear\n"
    );
    // Across her cases too.
    open_c6(&p);
    assess(&p, "C-0006", "health", "2021-04-30", "7");
    let err =
        p.fails(&["caseload", "assess", "C-0003", "--pathway", "health", "--date", "2021-04-30", "--score", "7"], 65);
    assert_eq!(
        err,
        "pathway: case C-0003: this woman already has an assessment on health on 2021-04-30 (case C-0006); one a pathway a \
         day, so that her first and latest scores are clear\n"
    );
    // Another woman on that day is fine; her other case on another day too.
    assess(&p, "C-0002", "health", "2021-05-03", "8");
    assert_eq!(p.sql_i64("SELECT count(*) FROM assessments"), 3);
    assert_eq!(
        csv(&p, &["caseload", "assessments", "--case", "C-0002"]),
        format!("{ASSESSMENTS}C-0002,health,2021-05-03,8,\n")
    );
}

#[test]
fn assessments_import_is_atomic_idempotent_and_trusts_nothing_silently() {
    let p = setup();
    let before = p.dump();
    p.file(
        "a.csv",
        format!(
            "{ASSESSMENTS}C-0001,accommodation,12/04/21,3,start\n\
             C-0001,health,2021-04-10,3,\n\
             C-0001,health,2021-04-20,11,\n\
             C-0009,health,2021-04-20,5,\n\
             C-0003,housing,2021-04-20,5,\n\
             C-0003,health,2021-04-20,5,middle\n"
        ),
    );
    let err = p.fails(&["caseload", "import", "--assessments", "a.csv"], 65);
    assert_eq!(
        err,
        "pathway: a.csv: 5 invalid rows; nothing was imported\n\
         a.csv:3: assessed_on: 2021-04-10 is before case C-0001 opened (2021-04-12)\n\
         a.csv:4: score: \"11\" is not a score: give a whole number from 1 to 10 (10 best)\n\
         a.csv:5: case: there is no case C-0009; import the cases first\n\
         a.csv:6: pathway: \"housing\" is not a pathway; use one of: accommodation, education_training_employment, health, drugs_alcohol, finance_benefit_debt, children_families, attitudes_thinking_behaviour, abuse, sex_work\n\
         a.csv:7: stage: \"middle\" is not a assessment stage; use one of: start, review, exit\n"
    );
    assert_eq!(p.dump(), before);

    p.file(
        "good.csv",
        format!(
            "{ASSESSMENTS}C-0001,accommodation,12/04/21,3,start\n\
             C-0001,accommodation,2021-04-30,6,exit\n\
             C-0002,accommodation,2021-05-03,5,\n"
        ),
    );
    assert_eq!(
        stderr_of(&p, &["caseload", "import", "--assessments", "good.csv"]),
        "good.csv: 3 assessments read: 3 new, 0 updated, 0 unchanged\n"
    );
    let again = p.dump();
    assert_eq!(
        stderr_of(&p, &["caseload", "import", "--assessments", "good.csv"]),
        "good.csv: 3 assessments read: 0 new, 0 updated, 3 unchanged\n"
    );
    assert_eq!(p.dump(), again);

    // Export gives the file back, and imports back unchanged.
    let exported = p.ok(&["caseload", "export", "--assessments"]);
    assert_eq!(
        exported,
        format!(
            "{ASSESSMENTS}C-0001,accommodation,2021-04-12,3,start\nC-0001,accommodation,2021-04-30,6,exit\n\
             C-0002,accommodation,2021-05-03,5,\n"
        )
    );
    p.file("exported.csv", &exported);
    assert_eq!(
        stderr_of(&p, &["caseload", "import", "--assessments", "exported.csv"]),
        "exported.csv: 3 assessments read: 0 new, 0 updated, 3 unchanged\n"
    );

    // A changed score is an update; a blanked stage is refused without --allow-clear.
    p.file("changed.csv", format!("{ASSESSMENTS}C-0001,accommodation,2021-04-30,7,exit\n"));
    let dry = p.ok(&["caseload", "import", "--assessments", "changed.csv", "--dry-run"]);
    assert!(dry.contains("C-0001 accommodation 2021-04-30"), "{dry}");
    assert_eq!(p.dump(), again, "--dry-run writes nothing");
    assert_eq!(
        stderr_of(&p, &["caseload", "import", "--assessments", "changed.csv"]),
        "changed.csv: 1 assessments read: 0 new, 1 updated, 0 unchanged\n"
    );
    assert_eq!(p.sql_i64("SELECT score FROM assessments WHERE assessed_on = '2021-04-30'"), 7);
    p.file("blank.csv", format!("{ASSESSMENTS}C-0001,accommodation,2021-04-30,7,\n"));
    let err = p.fails(&["caseload", "import", "--assessments", "blank.csv"], 65);
    assert!(err.contains("blank.csv:2: stage: "), "{err}");
    assert_eq!(
        stderr_of(&p, &["caseload", "import", "--assessments", "blank.csv", "--allow-clear"]),
        "blank.csv: 1 assessments read: 0 new, 1 updated, 0 unchanged\n"
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM assessments WHERE stage IS NULL"), 2);

    // Two rows of one file for the same assessment, differently: refused.
    p.file("conflict.csv", format!("{ASSESSMENTS}C-0003,health,2021-04-20,5,\nC-0003,health,2021-04-20,6,\n"));
    let err = p.fails(&["caseload", "import", "--assessments", "conflict.csv"], 65);
    assert_eq!(
        err,
        "pathway: conflict.csv: 1 invalid row; nothing was imported\n\
         conflict.csv:3: score: lines 2 and 3 describe the same assessment C-0003 health 2021-04-20 differently: score\n"
    );
    // The same woman on the same pathway and day on another of her cases
    // (open at the same time at another service): refused.
    open_c6(&p);
    p.file("other.csv", format!("{ASSESSMENTS}C-0006,health,2021-04-20,5,\n"));
    p.ok(&["caseload", "import", "--assessments", "other.csv"]);
    p.file("other2.csv", format!("{ASSESSMENTS}C-0003,health,2021-04-20,6,\n"));
    let err = p.fails(&["caseload", "import", "--assessments", "other2.csv"], 65);
    assert_eq!(
        err,
        "pathway: other2.csv: 1 invalid row; nothing was imported\n\
         other2.csv:2: assessed_on: case C-0003: this woman already has an assessment on health on 2021-04-20 (case \
         C-0006); one a pathway a day, so that her first and latest scores are clear\n"
    );
}

#[test]
fn client_show_lists_assessments_and_erase_removes_them_with_their_audit_rows() {
    let p = setup();
    assess(&p, "C-0001", "accommodation", "2021-04-12", "3");
    assess(&p, "C-0002", "accommodation", "2021-05-10", "6");
    assess(&p, "C-0003", "health", "2021-04-20", "5");
    let held = p.json(&["client", "show", "BC-0001"]);
    assert_eq!(
        held["assessments"],
        serde_json::json!([
            {"case": "C-0001", "pathway": "accommodation", "assessed_on": "2021-04-12", "score": 3, "stage": null},
            {"case": "C-0002", "pathway": "accommodation", "assessed_on": "2021-05-10", "score": 6, "stage": null}
        ])
    );
    let table = p.ok(&["client", "show", "BC-0001"]);
    assert!(table.contains("Assessments (2)"), "{table}");
    let said = stderr_of(&p, &["client", "erase", "BC-0001", "--yes"]);
    assert_eq!(
        said,
        "erased: 1 client, 0 referrals, 2 cases, 2 assessments removed, with 2 audit entries about them\n"
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM assessments"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE action = 'assess'"), 1);
}
