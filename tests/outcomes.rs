//! Assessments on cases and the return's `outcomes` and `equality`
//! sections (PRODUCT.md 6.2), run through the real binary on a small
//! made-up dataset at the Beth Centre and its Croydon spoke.

mod common;
#[path = "outcomes_data/mod.rs"]
mod outcomes_data;

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
        "pathway: no case 'C-0009'; `pathway caseload list` shows the cases (a case without a ref is #<id>)\n"
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
         a.csv:5: case: no case 'C-0009'; `pathway caseload list` shows the cases (a case without a ref is #<id>)\n\
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

// ---------------------------------------------------------------- outcomes

/// The assessments of the made-up dataset (see `setup` for the cases):
///
/// - BC-0001, on C-0001 (Beth Centre, closed 2021-04-30) then C-0002
///   (Croydon spoke, from 2021-05-03): accommodation 3 → 6 in April, 8 in
///   May; health 5 in April, 4 in May (she regressed); drugs_alcohol 2 → 4,
///   abuse 2 → 5, children_families 4 → 6 in April. So in April she
///   progressed on 4 pathways, and her case closed in April.
/// - BC-0002, on C-0003 (Beth Centre, open): health 4 and 4 (no change);
///   accommodation 6 in April, 9 on 2021-05-20 (an assessment after April).
/// - BC-0003, on C-0004 (Croydon spoke, closed 2021-03-31, before April):
///   accommodation 2 → 7 in March.
/// - BC-0004, on C-0005 (Juno Women's Aid, outside the Beth Centre hub):
///   health 3 → 5 in April.
fn assessed() -> Pathway {
    let p = setup();
    p.file(
        "assessments.csv",
        format!(
            "{ASSESSMENTS}C-0001,accommodation,2021-04-12,3,start\n\
             C-0001,accommodation,2021-04-30,6,exit\n\
             C-0002,accommodation,2021-05-10,8,review\n\
             C-0001,health,2021-04-12,5,start\n\
             C-0002,health,2021-05-10,4,\n\
             C-0001,drugs_alcohol,2021-04-12,2,\n\
             C-0001,drugs_alcohol,2021-04-30,4,\n\
             C-0001,abuse,2021-04-12,2,\n\
             C-0001,abuse,2021-04-30,5,\n\
             C-0001,children_families,2021-04-12,4,\n\
             C-0001,children_families,2021-04-30,6,\n\
             C-0003,health,2021-04-05,4,\n\
             C-0003,health,2021-04-25,4,\n\
             C-0003,accommodation,2021-04-05,6,\n\
             C-0003,accommodation,2021-05-20,9,\n\
             C-0004,accommodation,2021-01-10,2,\n\
             C-0004,accommodation,2021-03-20,7,\n\
             C-0005,health,2021-04-10,3,\n\
             C-0005,health,2021-04-20,5,\n"
        ),
    );
    p.ok(&["caseload", "import", "--assessments", "assessments.csv"]);
    p
}

fn outcomes(p: &Pathway, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["report", "return"];
    a.extend(args);
    p.json(&a)["outcomes"].clone()
}

/// `by_pathway` with the given (pathway, assessed, progressed); every other
/// pathway 0 and 0.
fn by_pathway(given: &[(&str, i64, i64)]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for p in outcomes_data::PATHWAYS {
        let (a, g) = given.iter().find(|x| x.0 == p).map(|x| (x.1, x.2)).unwrap_or((0, 0));
        m.insert(p.into(), serde_json::json!({"assessed": a, "progressed": g}));
    }
    serde_json::Value::Object(m)
}

#[test]
fn outcomes_for_a_month_count_by_hand() {
    let p = assessed();
    // April: BC-0001, BC-0002 and BC-0004 are counted; BC-0003's case closed
    // before April, so she is not. BC-0002's May assessment is after T.
    assert_eq!(
        outcomes(&p, &["--period", "2021-04"]),
        serde_json::json!({
            "by_pathway": by_pathway(&[
                ("accommodation", 2, 1),
                ("health", 3, 1),
                ("drugs_alcohol", 1, 1),
                ("children_families", 1, 1),
                ("abuse", 1, 1),
            ]),
            "women_assessed": 3,
            "women_progressed": 2,
            "progress_rate": 0.6667,
            "completions": 1,
            "completion_pathways": 4
        })
    );
    // K = 5: BC-0001 progressed on 4 only.
    assert_eq!(outcomes(&p, &["--period", "2021-04", "--completion-pathways", "5"])["completions"], 0);
    assert_eq!(outcomes(&p, &["--period", "2021-04", "--completion-pathways", "5"])["completion_pathways"], 5);
}

#[test]
fn outcomes_follow_a_woman_across_her_cases_and_count_her_once() {
    let p = assessed();
    // May: BC-0001 is counted through C-0002; her assessments on C-0001 count
    // too (first accommodation 3 on C-0001, latest 8 on C-0002); health 5 → 4
    // is no progress. BC-0002 now progressed on accommodation (6 → 9). No case
    // closed in May, so no completions.
    assert_eq!(
        outcomes(&p, &["--period", "2021-05"]),
        serde_json::json!({
            "by_pathway": by_pathway(&[
                ("accommodation", 2, 2),
                ("health", 3, 1),
                ("drugs_alcohol", 1, 1),
                ("children_families", 1, 1),
                ("abuse", 1, 1),
            ]),
            "women_assessed": 3,
            "women_progressed": 3,
            "progress_rate": 1.0,
            "completions": 0,
            "completion_pathways": 4
        })
    );
    // The quarter before: BC-0003 alone, progressed on one pathway, her case
    // closed in it: a completion only when K is 1.
    let q4 = outcomes(&p, &["--period", "2020/21-Q4"]);
    assert_eq!(q4["by_pathway"], by_pathway(&[("accommodation", 1, 1)]));
    assert_eq!((q4["women_assessed"].clone(), q4["completions"].clone()), (1.into(), 0.into()));
    assert_eq!(outcomes(&p, &["--period", "2020/21-Q4", "--completion-pathways", "1"])["completions"], 1);
    // The financial year 2021/22: as May, plus nothing closed after April;
    // BC-0001's case closed in the year and she progressed on 4.
    let fy = outcomes(&p, &["--period", "2021/22"]);
    assert_eq!((fy["women_assessed"].clone(), fy["women_progressed"].clone()), (3.into(), 3.into()));
    assert_eq!(fy["completions"], 1);
}

#[test]
fn outcomes_of_a_hub_count_its_spokes_and_nothing_else() {
    let p = assessed();
    // The Beth Centre with its Croydon spoke: BC-0004 (Juno) is out.
    assert_eq!(
        outcomes(&p, &["--period", "2021-04", "--service", "Beth Centre"]),
        serde_json::json!({
            "by_pathway": by_pathway(&[
                ("accommodation", 2, 1),
                ("health", 2, 0),
                ("drugs_alcohol", 1, 1),
                ("children_families", 1, 1),
                ("abuse", 1, 1),
            ]),
            "women_assessed": 2,
            "women_progressed": 1,
            "progress_rate": 0.5,
            "completions": 1,
            "completion_pathways": 4
        })
    );
    // The Croydon spoke alone in May: BC-0001 is counted (C-0002), but only
    // her assessments on Croydon cases count: accommodation 8 and health 4,
    // one each, so no progress.
    assert_eq!(
        outcomes(&p, &["--period", "2021-05", "--service", "Croydon spoke"]),
        serde_json::json!({
            "by_pathway": by_pathway(&[("accommodation", 1, 0), ("health", 1, 0)]),
            "women_assessed": 1,
            "women_progressed": 0,
            "progress_rate": 0.0,
            "completions": 0,
            "completion_pathways": 4
        })
    );
    // No woman assessed: the rate is null.
    assert_eq!(outcomes(&p, &["--period", "2020-04"])["progress_rate"], serde_json::Value::Null);
}

#[test]
fn outcomes_in_the_csv_explain_and_the_table() {
    let p = assessed();
    let out = csv(&p, &["report", "return", "--period", "2021-04"]);
    for line in [
        "outcomes.by_pathway.accommodation.assessed,outcomes,,by_pathway,accommodation.assessed,2\n",
        "outcomes.by_pathway.health.progressed,outcomes,,by_pathway,health.progressed,1\n",
        "outcomes.by_pathway.sex_work.assessed,outcomes,,by_pathway,sex_work.assessed,0\n",
        "outcomes.women_assessed,outcomes,,women_assessed,,3\n",
        "outcomes.women_progressed,outcomes,,women_progressed,,2\n",
        "outcomes.progress_rate,outcomes,,progress_rate,,0.6667\n",
        "outcomes.completions,outcomes,,completions,,1\n",
        ",outcomes,,completion_pathways,,4\n",
    ] {
        assert!(out.contains(line), "{line} not in:\n{out}");
    }
    let e = p.json(&["report", "explain", "outcomes.completions", "--period", "2021-04"]);
    let records = e["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0]["detail"],
        "abuse 2 on 2021-04-12 to 5 on 2021-04-30 (2 assessments; C-0001); accommodation 3 on 2021-04-12 to 6 on \
         2021-04-30 (2 assessments; C-0001); children_families 4 on 2021-04-12 to 6 on 2021-04-30 (2 assessments; \
         C-0001); drugs_alcohol 2 on 2021-04-12 to 4 on 2021-04-30 (2 assessments; C-0001); health 5 on 2021-04-12 to \
         5 on 2021-04-12 (1 assessment; C-0001)"
    );
    // With another K, explain lists the completions of that K.
    let e = p.json(&["report", "explain", "outcomes.completions", "--period", "2021-04", "--completion-pathways", "5"]);
    assert_eq!(e["records"].as_array().unwrap().len(), 0);
    assert_eq!(e["value"], 0);
    // Every outcomes figure lists exactly as many women as it counts.
    let mut r = csv::Reader::from_reader(out.as_bytes());
    for rec in r.records().map(Result::unwrap) {
        let name = &rec[0];
        if !name.starts_with("outcomes.") || name == "outcomes.progress_rate" {
            continue;
        }
        let e = p.json(&["report", "explain", name, "--period", "2021-04"]);
        assert_eq!(e["records"].as_array().unwrap().len().to_string(), rec[5].to_string(), "{name}");
    }
    let table = p.ok(&["report", "return", "--period", "2021-04"]);
    assert!(table.contains("Outcomes by pathway"), "{table}");
    assert!(
        table.contains(
            "Women assessed: 3; progressed: 2; progress rate: 66.7%; completions (progressed on at least 4 pathways, \
             case closed in the period): 1"
        ),
        "{table}"
    );
}

#[test]
fn outcomes_are_suppressed_and_the_rate_withheld() {
    let p = assessed();
    let o = outcomes(&p, &["--period", "2021-04", "--suppress", "3"]);
    assert_eq!(o["women_assessed"], 3);
    assert_eq!(o["women_progressed"], "<3");
    assert_eq!(o["completions"], "<3");
    assert_eq!(o["by_pathway"]["accommodation"], serde_json::json!({"assessed": "<3", "progressed": "<3"}));
    assert_eq!(o["by_pathway"]["sex_work"], serde_json::json!({"assessed": 0, "progressed": 0}));
    assert_eq!(o["progress_rate"], serde_json::Value::Null, "the rate would give women_progressed back");
    let o = outcomes(&p, &["--period", "2021-04", "--suppress", "2", "--round", "5"]);
    assert_eq!(o["progress_rate"], serde_json::Value::Null, "no rate of exact counts under rounding");
}

// ---------------------------------------------------------------- equality

/// Equality answers for three of the four women (BC-0004 has none).
fn with_answers() -> Pathway {
    let p = assessed();
    p.file(
        "clients.csv",
        "client_ref,birth_year,ethnicity,disability,dependent_children\n\
         BC-0001,1990,asian_indian,yes,2\n\
         BC-0002,2003,white_british,no,0\n\
         BC-0003,1960,black_caribbean,no,1\n",
    );
    p.ok(&["client", "import", "clients.csv"]);
    p
}

#[test]
fn equality_for_a_month_counts_by_hand_and_adds_up_to_women_supported() {
    let p = with_answers();
    let r = p.json(&["report", "return", "--period", "2021-04"]);
    // April: BC-0001 (31 in 2021), BC-0002 (18) and BC-0004 (no answers);
    // BC-0003's case closed before April.
    assert_eq!(r["women_supported"], 3);
    assert_eq!(
        r["equality"],
        serde_json::json!({
            "by_age_band": {"under_18": 0, "18_24": 1, "25_34": 1, "35_44": 0, "45_54": 0, "55_64": 0, "65_plus": 0,
                            "not_recorded": 1},
            "by_ethnic_group": {"asian": 1, "black": 0, "mixed": 0, "white": 1, "other": 0, "prefer_not_to_say": 0,
                                "not_recorded": 1},
            "by_disability": {"yes": 1, "no": 1, "prefer_not_to_say": 0, "not_recorded": 1},
            "with_dependent_children": {"yes": 1, "no": 1, "not_recorded": 1}
        })
    );
    // The quarter before: BC-0003 alone (61 in 2021).
    let q4 = p.json(&["report", "return", "--period", "2020/21-Q4"]);
    assert_eq!(q4["equality"]["by_age_band"]["55_64"], 1);
    assert_eq!(q4["equality"]["by_ethnic_group"]["black"], 1);
    // The hub: BC-0004 (Juno) is out.
    let hub = p.json(&["report", "return", "--period", "2021-04", "--service", "Beth Centre"]);
    assert_eq!(
        hub["equality"]["by_disability"],
        serde_json::json!({"yes": 1, "no": 1, "prefer_not_to_say": 0, "not_recorded": 0})
    );
    // CSV rows, and explain lists as many women as each figure.
    let out = csv(&p, &["report", "return", "--period", "2021-04"]);
    assert!(out.contains("equality.by_ethnic_group.asian,equality,,by_ethnic_group,asian,1\n"), "{out}");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    for rec in r.records().map(Result::unwrap) {
        if rec[0].starts_with("equality.") {
            let e = p.json(&["report", "explain", &rec[0], "--period", "2021-04"]);
            assert_eq!(e["records"].as_array().unwrap().len().to_string(), rec[5].to_string(), "{}", &rec[0]);
        }
    }
    let table = p.ok(&["report", "return", "--period", "2021-04"]);
    assert!(table.contains("The women counted in women supported; each breakdown adds up to it."), "{table}");
}

#[test]
fn equality_breakdowns_are_protected_as_breakdowns_of_women_supported() {
    let p = with_answers();
    let r = p.json(&["report", "return", "--period", "2021-04", "--suppress", "3"]);
    assert_eq!(r["women_supported"], 3);
    for (which, b) in r["equality"].as_object().unwrap() {
        for (k, v) in b.as_object().unwrap() {
            assert!(v == 0 || v == "<3" || v == "[c]", "equality.{which}.{k} = {v} is shown");
        }
    }
    // With only one small count in a breakdown, a second one is hidden too.
    let p = Pathway::new();
    with_services(&p);
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    let mut cases = CASES.to_string();
    let mut clients = "client_ref,birth_year,ethnicity,disability,dependent_children\n".to_string();
    for i in 1..=12 {
        cases.push_str(&format!("BC-{i:04},KW01,Beth Centre,T1,2021-04-01,,,,\n"));
        let disability = if i == 1 { "yes" } else { "no" };
        clients.push_str(&format!("BC-{i:04},1990,white_british,{disability},0\n"));
    }
    p.file("cases.csv", cases);
    p.file("clients.csv", clients);
    p.ok(&["client", "import", "clients.csv"]);
    p.ok(&["caseload", "import", "cases.csv"]);
    let r = p.json(&["report", "return", "--period", "2021-04", "--suppress", "3"]);
    assert_eq!(r["women_supported"], 12);
    let d = &r["equality"]["by_disability"];
    assert_eq!(d["yes"], "<3");
    assert_eq!(d["no"], "[c]", "12 − no would give yes back");
}

#[test]
fn the_html_return_charts_progressed_against_assessed() {
    let p = assessed();
    let page = p.ok(&["report", "return", "--period", "2021-04", "--format", "html"]);
    assert!(page.contains("Women progressed against women assessed, by pathway"), "{page}");
    assert!(page.contains("Accommodation: assessed"), "{page}");
    assert!(page.contains("Sex work: progressed"), "{page}");
}

#[test]
fn under_ten_five_no_small_count_shows_in_the_new_sections() {
    let p = with_answers();
    let r = p.json(&["report", "return", "--period", "2021/22", "--suppress", "10", "--round", "5"]);
    let mut seen = 0;
    let mut check = |name: String, v: &serde_json::Value| {
        seen += 1;
        if let Some(n) = v.as_i64() {
            assert!(n == 0 || (n >= 10 && n % 5 == 0), "{name} = {n}");
        } else {
            assert!(v == "<10" || v == "[c]", "{name} = {v}");
        }
    };
    let o = &r["outcomes"];
    for (k, c) in o["by_pathway"].as_object().unwrap() {
        check(format!("{k}.assessed"), &c["assessed"]);
        check(format!("{k}.progressed"), &c["progressed"]);
    }
    for k in ["women_assessed", "women_progressed", "completions"] {
        check(k.into(), &o[k]);
    }
    for (which, b) in r["equality"].as_object().unwrap() {
        for (k, v) in b.as_object().unwrap() {
            check(format!("{which}.{k}"), v);
        }
    }
    assert_eq!(seen, 18 + 3 + 22);
    assert_eq!(o["progress_rate"], serde_json::Value::Null);
}

#[test]
fn a_case_cannot_close_before_its_last_assessment() {
    let p = setup();
    assess(&p, "C-0003", "health", "2021-06-01", "4");
    let before = p.dump();
    let err = p.fails(&["caseload", "close", "C-0003", "--closed", "2021-05-31", "--outcome", "positive"], 65);
    assert_eq!(
        err,
        "pathway: case C-0003 has an assessment on 2021-06-01, after 2021-05-31; a case cannot close before its last \
         assessment\n"
    );
    p.file("close.csv", format!("{CASES}BC-0002,KW01,Beth Centre,T1,2021-04-01,2021-05-31,,positive,C-0003\n"));
    let err = p.fails(&["caseload", "import", "close.csv"], 65);
    assert_eq!(
        err,
        "pathway: close.csv: 1 invalid row; nothing was imported\n\
         close.csv:2: closed_on: case C-0003 has an assessment on 2021-06-01, after 2021-05-31; a case cannot close \
         before its last assessment\n"
    );
    assert_eq!(p.dump(), before);
    // On the day of the last assessment, it can.
    p.ok(&["caseload", "close", "C-0003", "--closed", "2021-06-01", "--outcome", "positive"]);
}

#[test]
fn db_check_finds_an_assessment_outside_its_case() {
    let p = setup();
    assess(&p, "C-0001", "health", "2021-04-20", "4");
    assert!(p.run(&["db", "check"]).status.success());
    // Break the rule behind pathway's back.
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute("UPDATE assessments SET assessed_on = '2021-05-02'", []).unwrap();
    drop(c);
    let out = p.run(&["db", "check", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(65));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("assessments within their case"), "{stdout}");
    assert!(
        stdout.contains("case C-0001: an assessment on health on 2021-05-02 is after it closed on 2021-04-30"),
        "{stdout}"
    );
}

// ----------------------------------------------------------------- targets

#[test]
fn targets_on_women_progressed_and_completions() {
    let p = assessed();
    let set = |service: &str, measure: &str, value: &str| {
        stderr_of(&p, &["service", "target", service, "--measure", measure, "--period", "2021/22", "--value", value])
    };
    assert_eq!(
        set("Beth Centre", "women_progressed", "4"),
        "set target for 'Beth Centre': women_progressed 2021/22 (2021-04-01..2022-03-31) = 4\n"
    );
    assert_eq!(
        set("Beth Centre", "completions", "2"),
        "set target for 'Beth Centre': completions 2021/22 (2021-04-01..2022-03-31) = 2\n"
    );
    set("Croydon spoke", "women_progressed", "1");
    let targets = |args: &[&str]| {
        let mut a = vec!["report", "return"];
        a.extend(args);
        let t = p.json(&a)["targets"].clone();
        t.as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["service"].as_str().unwrap().to_string(),
                    t["measure"].as_str().unwrap().to_string(),
                    t["actual"].clone(),
                    t["percent"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    use serde_json::json;
    // The year 2021/22 at the Beth Centre and its Croydon spoke: BC-0001
    // (C-0001, C-0002) progressed on accommodation 3 → 8, drugs_alcohol,
    // abuse and children_families (health 5 → 4 is not progress), and C-0001
    // closed in the year: a completion. BC-0002 progressed on accommodation
    // 6 → 9. BC-0003's case closed before the year; BC-0004 is at Juno.
    // The Croydon spoke alone: BC-0001's Croydon assessments are one a
    // pathway (accommodation 8, health 4), so no progress.
    assert_eq!(
        targets(&["--period", "2021/22"]),
        [
            ("Beth Centre".into(), "completions".into(), json!(1), json!(50.0)),
            ("Beth Centre".into(), "women_progressed".into(), json!(2), json!(50.0)),
            ("Croydon spoke".into(), "women_progressed".into(), json!(0), json!(0.0)),
        ]
    );
    // April, year to date: BC-0002's accommodation 9 is on 2021-05-20, so
    // only BC-0001 has progressed; her case closed in April.
    assert_eq!(
        targets(&["--period", "2021-04"])[..2],
        [
            ("Beth Centre".into(), "completions".into(), json!(1), json!(50.0)),
            ("Beth Centre".into(), "women_progressed".into(), json!(1), json!(25.0)),
        ]
    );
    // The return's --completion-pathways is the K of a completions target.
    assert_eq!(
        targets(&["--period", "2021/22", "--completion-pathways", "5"])[0],
        ("Beth Centre".into(), "completions".into(), json!(0), json!(0.0))
    );
    // Explain lists the women behind each actual, with the rule.
    let e = p.json(&["report", "explain", "targets.Beth Centre.women_progressed", "--period", "2021/22"]);
    assert_eq!(e["value"], 2);
    let women: Vec<&str> = e["records"].as_array().unwrap().iter().map(|r| r["record"].as_str().unwrap()).collect();
    assert_eq!(women, ["BC-0001", "BC-0002"]);
    assert_eq!(
        e["rule"],
        "distinct women with a case at the services of Beth Centre (and its spokes, for a hub) open on at least one \
         day from 2021-04-01 to 2022-03-31 whose latest score on a pathway (of their assessments on or before \
         2022-03-31 on a case at those services) is higher than their first, on at least one pathway"
    );
    let e = p.json(&["report", "explain", "targets.Beth Centre.completions", "--period", "2021/22"]);
    assert_eq!(e["records"].as_array().unwrap().len(), 1);
    assert_eq!(e["records"][0]["record"], "BC-0001");
    assert!(e["rule"].as_str().unwrap().ends_with("on at least 4 pathways"), "{}", e["rule"]);
    let e = p.json(&["report", "explain", "targets.Croydon spoke.women_progressed", "--period", "2021/22"]);
    assert_eq!((e["value"].clone(), e["records"].as_array().unwrap().len()), (json!(0), 0));
    // The CSV carries them.
    let out = csv(&p, &["report", "return", "--period", "2021/22"]);
    assert!(
        out.contains("targets.Beth Centre.completions,targets,Beth Centre (2021/22),completions,actual,1\n"),
        "{out}"
    );
}

// ------------------------------------------------------ hand-built, by hand

/// Five women at the Beth Centre hub and its Croydon spoke, every figure of
/// both sections worked out by hand below:
///
/// - HB-0001 is assessed at start and exit on three pathways across two
///   cases: HC-01 (Beth Centre, 2021-04-06 .. 2021-06-30) at start on
///   2021-04-06 (accommodation 3, health 4, finance_benefit_debt 2), HC-02
///   (Croydon spoke, 2021-07-05 .. 2021-09-30) at exit on 2021-09-30
///   (accommodation 7, health 6, finance_benefit_debt 5). Born 1990,
///   white_british, not disabled, 2 children.
/// - HB-0002 regressed: HC-03 (Beth Centre, from 2021-04-12, open),
///   drugs_alcohol 6 on 2021-04-12, 3 on 2021-05-20. Born 2004 (17 in 2021,
///   18 in 2022), black_caribbean, disabled, no children.
/// - HB-0003 is assessed once: HC-04 (Croydon spoke, from 2021-05-04,
///   open), health 5 on 2021-05-04. Born 1958, "Prefer not to say" to
///   ethnicity and disability, children not recorded.
/// - HB-0004's case closed in April after she progressed on four:
///   HC-05 (Beth Centre, 2021-04-01 .. 2021-04-28), on 2021-04-01 and
///   2021-04-28: accommodation 2 → 5, education_training_employment 3 → 6,
///   children_families 4 → 7, attitudes_thinking_behaviour 5 → 8, sex_work
///   6 → 6 (no change). Birth year and disability not recorded, asian_indian,
///   1 child.
/// - HB-0005 is supported but never assessed: HC-06 (Beth Centre, from
///   2021-03-15, open). No equality answers at all.
fn hand_built() -> Pathway {
    let p = Pathway::new();
    with_services(&p);
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    p.file(
        "cases.csv",
        format!(
            "{CASES}HB-0001,KW01,Beth Centre,T1,2021-04-06,2021-06-30,Moved on,positive,HC-01\n\
             HB-0001,KW01,Croydon spoke,T1,2021-07-05,2021-09-30,Moved on,positive,HC-02\n\
             HB-0002,KW01,Beth Centre,T2,2021-04-12,,,,HC-03\n\
             HB-0003,KW01,Croydon spoke,T1,2021-05-04,,,,HC-04\n\
             HB-0004,KW01,Beth Centre,T3,2021-04-01,2021-04-28,Moved on,positive,HC-05\n\
             HB-0005,KW01,Beth Centre,T1,2021-03-15,,,,HC-06\n"
        ),
    );
    p.ok(&["caseload", "import", "cases.csv"]);
    p.file(
        "clients.csv",
        "client_ref,birth_year,ethnicity,disability,dependent_children\n\
         HB-0001,1990,white_british,no,2\n\
         HB-0002,2004,black_caribbean,yes,0\n\
         HB-0003,1958,Prefer not to say,Prefer not to say,\n\
         HB-0004,,asian_indian,,1\n",
    );
    p.ok(&["client", "import", "clients.csv"]);
    p.file(
        "assessments.csv",
        format!(
            "{ASSESSMENTS}HC-01,accommodation,2021-04-06,3,start\n\
             HC-01,health,2021-04-06,4,start\n\
             HC-01,finance_benefit_debt,2021-04-06,2,start\n\
             HC-02,accommodation,2021-09-30,7,exit\n\
             HC-02,health,2021-09-30,6,exit\n\
             HC-02,finance_benefit_debt,2021-09-30,5,exit\n\
             HC-03,drugs_alcohol,2021-04-12,6,start\n\
             HC-03,drugs_alcohol,2021-05-20,3,review\n\
             HC-04,health,2021-05-04,5,start\n\
             HC-05,accommodation,2021-04-01,2,start\n\
             HC-05,education_training_employment,2021-04-01,3,start\n\
             HC-05,children_families,2021-04-01,4,start\n\
             HC-05,attitudes_thinking_behaviour,2021-04-01,5,start\n\
             HC-05,sex_work,2021-04-01,6,start\n\
             HC-05,accommodation,2021-04-28,5,exit\n\
             HC-05,education_training_employment,2021-04-28,6,exit\n\
             HC-05,children_families,2021-04-28,7,exit\n\
             HC-05,attitudes_thinking_behaviour,2021-04-28,8,exit\n\
             HC-05,sex_work,2021-04-28,6,exit\n"
        ),
    );
    p.ok(&["caseload", "import", "--assessments", "assessments.csv"]);
    p
}

/// One breakdown, every member given in order.
fn members(pairs: &[(&str, i64)]) -> serde_json::Value {
    serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect())
}

#[test]
fn a_hand_built_database_counted_by_hand_for_a_month_a_quarter_and_a_year() {
    use serde_json::json;
    let p = hand_built();
    let sections = |args: &[&str]| {
        let mut a = vec!["report", "return"];
        a.extend(args);
        let r = p.json(&a);
        (r["women_supported"].clone(), r["outcomes"].clone(), r["equality"].clone())
    };

    // April 2021. Supported: HB-0001 (HC-01 from 04-06), HB-0002 (04-12),
    // HB-0004 (04-01..04-28), HB-0005 (open since March) = 4; HB-0003's case
    // opens in May. Assessments on or before 04-30: HB-0001 once on each of
    // accommodation, health, finance (no progress yet); HB-0002 drugs 6 once
    // (the 3 is in May); HB-0004 progressed on accommodation, ete, children
    // and attitudes, not sex_work (6 → 6). So accommodation assessed 2
    // (HB-0001, HB-0004), progressed 1 (HB-0004); women assessed 3,
    // progressed 1, rate 1/3 = 0.3333; HB-0004's case closed on 04-28 with 4
    // pathways progressed: 1 completion.
    let (women, outcomes, equality) = sections(&["--period", "2021-04"]);
    assert_eq!(women, 4);
    assert_eq!(
        outcomes,
        json!({
            "by_pathway": by_pathway(&[
                ("accommodation", 2, 1),
                ("education_training_employment", 1, 1),
                ("health", 1, 0),
                ("drugs_alcohol", 1, 0),
                ("finance_benefit_debt", 1, 0),
                ("children_families", 1, 1),
                ("attitudes_thinking_behaviour", 1, 1),
                ("sex_work", 1, 0),
            ]),
            "women_assessed": 3,
            "women_progressed": 1,
            "progress_rate": 0.3333,
            "completions": 1,
            "completion_pathways": 4
        })
    );
    // Ages in 2021: HB-0001 31, HB-0002 17; HB-0004 and HB-0005 have no
    // birth year. HB-0005 has no answers at all; HB-0004 no disability answer.
    assert_eq!(
        equality,
        json!({
            "by_age_band": members(&[("under_18", 1), ("18_24", 0), ("25_34", 1), ("35_44", 0), ("45_54", 0),
                                     ("55_64", 0), ("65_plus", 0), ("not_recorded", 2)]),
            "by_ethnic_group": members(&[("asian", 1), ("black", 1), ("mixed", 0), ("white", 1), ("other", 0),
                                         ("prefer_not_to_say", 0), ("not_recorded", 1)]),
            "by_disability": members(&[("yes", 1), ("no", 1), ("prefer_not_to_say", 0), ("not_recorded", 2)]),
            "with_dependent_children": members(&[("yes", 2), ("no", 1), ("not_recorded", 1)])
        })
    );

    // 2021/22-Q2 (July to September). Supported: HB-0001 (HC-02 from 07-05;
    // HC-01 closed 06-30, before the quarter), HB-0002, HB-0003, HB-0005 =
    // 4; HB-0004's case closed in April. HB-0001's start (HC-01) and exit
    // (HC-02) assessments both count: accommodation 3 → 7, health 4 → 6,
    // finance 2 → 5, progressed on 3. HB-0002 regressed (6 → 3). HB-0003 has
    // one health 5. Health assessed 2 (HB-0001, HB-0003), progressed 1.
    // Women assessed 3, progressed 1 (HB-0001), rate 0.3333. HC-02 closed
    // 09-30, but with 3 pathways: no completion at K = 4, one at K = 3.
    let (women, outcomes, equality) = sections(&["--period", "2021/22-Q2"]);
    assert_eq!(women, 4);
    assert_eq!(
        outcomes,
        json!({
            "by_pathway": by_pathway(&[
                ("accommodation", 1, 1),
                ("health", 2, 1),
                ("drugs_alcohol", 1, 0),
                ("finance_benefit_debt", 1, 1),
            ]),
            "women_assessed": 3,
            "women_progressed": 1,
            "progress_rate": 0.3333,
            "completions": 0,
            "completion_pathways": 4
        })
    );
    assert_eq!(sections(&["--period", "2021/22-Q2", "--completion-pathways", "3"]).1["completions"], 1);
    // HB-0003 is 63 in 2021 and preferred not to say; her children are not
    // recorded.
    assert_eq!(
        equality,
        json!({
            "by_age_band": members(&[("under_18", 1), ("18_24", 0), ("25_34", 1), ("35_44", 0), ("45_54", 0),
                                     ("55_64", 1), ("65_plus", 0), ("not_recorded", 1)]),
            "by_ethnic_group": members(&[("asian", 0), ("black", 1), ("mixed", 0), ("white", 1), ("other", 0),
                                         ("prefer_not_to_say", 1), ("not_recorded", 1)]),
            "by_disability": members(&[("yes", 1), ("no", 1), ("prefer_not_to_say", 1), ("not_recorded", 1)]),
            "with_dependent_children": members(&[("yes", 1), ("no", 1), ("not_recorded", 2)])
        })
    );
    // The Croydon spoke alone in Q2: HB-0001 (HC-02) and HB-0003 (HC-04);
    // only assessments on Croydon cases count, so HB-0001 has one on each of
    // her three pathways (the exit ones) and progressed on none.
    let (women, outcomes, _) = sections(&["--period", "2021/22-Q2", "--service", "Croydon spoke"]);
    assert_eq!(women, 2);
    assert_eq!(
        outcomes,
        json!({
            "by_pathway": by_pathway(&[("accommodation", 1, 0), ("health", 2, 0), ("finance_benefit_debt", 1, 0)]),
            "women_assessed": 2,
            "women_progressed": 0,
            "progress_rate": 0.0,
            "completions": 0,
            "completion_pathways": 4
        })
    );

    // The financial year 2021/22: all five women are supported. Assessed:
    // HB-0001 (3 progressed), HB-0002 (regressed), HB-0003 (once), HB-0004
    // (4 progressed) = 4; progressed HB-0001 and HB-0004 = 2, rate 0.5.
    // Closed in the year: HC-01, HC-02 (HB-0001, 3 pathways) and HC-05
    // (HB-0004, 4 pathways): 1 completion at K = 4, 2 at K = 3.
    let (women, outcomes, equality) = sections(&["--period", "2021/22"]);
    assert_eq!(women, 5);
    assert_eq!(
        outcomes,
        json!({
            "by_pathway": by_pathway(&[
                ("accommodation", 2, 2),
                ("education_training_employment", 1, 1),
                ("health", 2, 1),
                ("drugs_alcohol", 1, 0),
                ("finance_benefit_debt", 1, 1),
                ("children_families", 1, 1),
                ("attitudes_thinking_behaviour", 1, 1),
                ("sex_work", 1, 0),
            ]),
            "women_assessed": 4,
            "women_progressed": 2,
            "progress_rate": 0.5,
            "completions": 1,
            "completion_pathways": 4
        })
    );
    assert_eq!(sections(&["--period", "2021/22", "--completion-pathways", "3"]).1["completions"], 2);
    // Ages in 2022 (the year of the year's last day): HB-0002 is now 18.
    assert_eq!(
        equality,
        json!({
            "by_age_band": members(&[("under_18", 0), ("18_24", 1), ("25_34", 1), ("35_44", 0), ("45_54", 0),
                                     ("55_64", 1), ("65_plus", 0), ("not_recorded", 2)]),
            "by_ethnic_group": members(&[("asian", 1), ("black", 1), ("mixed", 0), ("white", 1), ("other", 0),
                                         ("prefer_not_to_say", 1), ("not_recorded", 1)]),
            "by_disability": members(&[("yes", 1), ("no", 1), ("prefer_not_to_say", 1), ("not_recorded", 2)]),
            "with_dependent_children": members(&[("yes", 2), ("no", 1), ("not_recorded", 2)])
        })
    );

    // Explain names the women by client ref; for one pathway, her first and
    // latest assessment on it.
    let e = p.json(&["report", "explain", "outcomes.by_pathway.accommodation.progressed", "--period", "2021/22"]);
    let records = e["records"].as_array().unwrap();
    let listed: Vec<(&str, &str)> =
        records.iter().map(|r| (r["record"].as_str().unwrap(), r["detail"].as_str().unwrap())).collect();
    assert_eq!(
        listed,
        [
            ("HB-0001", "accommodation 3 on 2021-04-06 to 7 on 2021-09-30 (2 assessments; HC-01, HC-02)"),
            ("HB-0004", "accommodation 2 on 2021-04-01 to 5 on 2021-04-28 (2 assessments; HC-05)"),
        ]
    );
    let e = p.json(&["report", "explain", "equality.by_age_band.not_recorded", "--period", "2021/22"]);
    let refs: Vec<&str> = e["records"].as_array().unwrap().iter().map(|r| r["record"].as_str().unwrap()).collect();
    assert_eq!(refs, ["HB-0004", "HB-0005"]);
    let e = p.json(&["report", "explain", "women_supported", "--period", "2021-04"]);
    let refs: Vec<&str> = e["records"].as_array().unwrap().iter().map(|r| r["record"].as_str().unwrap()).collect();
    assert_eq!(refs, ["HB-0001", "HB-0002", "HB-0004", "HB-0005"]);
}

#[test]
fn help_and_explain_name_the_new_measures_and_figures() {
    let p = assessed();
    // Help is wrapped to the terminal: compare its words.
    let help = p.ok(&["service", "target", "--help"]).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains(
            "positive_outcomes (cases closed with a positive outcome), women_progressed (women with a case open at \
             the service whose latest score on a resettlement pathway is higher than their first, on at least one \
             pathway) or completions (women with a case at the service closed in the period who progressed on at \
             least 4 pathways, or the return's --completion-pathways)"
        ),
        "{help}"
    );
    assert!(help.contains("referrals, women_supported, positive_outcomes, women_progressed or completions"), "{help}");
    let err = p.fails(&["report", "explain", "outcomes.by_pathway.acommodation.assessed", "--period", "2021-04"], 2);
    assert!(err.contains("did you mean 'outcomes.by_pathway.accommodation.assessed'?"), "{err}");
    for form in [
        "outcomes.by_pathway.PATHWAY.assessed, outcomes.by_pathway.PATHWAY.progressed\n",
        "outcomes.women_assessed, outcomes.women_progressed, outcomes.progress_rate,\noutcomes.completions\n",
        "equality.by_age_band.BAND      under_18, 18_24, 25_34, 35_44, 45_54, 55_64,\n",
        "equality.with_dependent_children.ANSWER\n",
        "positive_outcomes, women_progressed or\n",
    ] {
        assert!(err.contains(form), "{form:?} not in:\n{err}");
    }
    let help = p.ok(&["report", "explain", "--help"]);
    assert!(help.contains("equality.by_ethnic_group.GROUP asian, black, mixed, white, other,"), "{help}");
}

#[test]
fn the_outcomes_section_reads_covering_indexes() {
    let p = Pathway::new();
    let c = rusqlite::Connection::open(&p.db).unwrap();
    pathway::db::register_arrays(&c).unwrap();
    for services in [None, Some(&[1i64, 2, 3, 4][..])] {
        let plan = pathway::db::assessment::outcomes_plan(&c, services).unwrap();
        let steps = |what: &str| plan.iter().filter(|s| s.contains(what)).count();
        // The women's list first, then each woman's assessments from their
        // own index (no table lookups, no sort); the cases from cases_opened.
        assert!(plan[0].starts_with("SCAN w VIRTUAL TABLE"), "{plan:?}");
        assert_eq!(steps("SEARCH a USING COVERING INDEX assessments_counted (client_id=?)"), 1, "{plan:?}");
        assert_eq!(steps("USING COVERING INDEX cases_opened"), 1 + usize::from(services.is_some()), "{plan:?}");
        assert_eq!(steps("TEMP B-TREE"), 0, "{plan:?}");
        let reads =
            plan.iter().filter(|s| s.starts_with("SEARCH") || (s.starts_with("SCAN") && !s.contains("VIRTUAL TABLE")));
        assert!(reads.clone().all(|s| s.contains("USING COVERING INDEX")), "{plan:?}");
    }
}
