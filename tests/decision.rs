//! `pathway decision …` through the real binary.

mod common;

use common::{root, Pathway};

const ADD_2021_021: &[&str] = &[
    "decision",
    "add",
    "--ref",
    "2021.021",
    "--commissioner",
    "Nottinghamshire OPCC",
    "--title",
    "Domestic Abuse Partnership Car Pilot",
    "--amount",
    "£47,013",
    "--received",
    "09.03.21",
    "--fund",
    "Community Safety Grant",
    "--spend",
    "revenue",
    "--budget-year",
    "2021/22",
];

fn example(name: &str) -> String {
    root().join("examples").join(name).to_string_lossy().into_owned()
}

fn read(p: &Pathway, name: &str) -> String {
    std::fs::read_to_string(p.path(name)).unwrap()
}

#[test]
fn the_contract_examples_work_as_written() {
    let p = Pathway::new();
    p.ok(ADD_2021_021);
    let d = p.json(&["decision", "show", "2021.021"]);
    assert_eq!(d["status"], "submitted", "a decision with a date received starts as submitted");
    assert_eq!(d["amount"], "47013.00");
    assert_eq!(d["received_on"], "2021-03-09");
    assert_eq!(d["funding_source"], "Community Safety Grant");
    assert_eq!(d["spend_type"], "revenue");
    assert_eq!(d["budget_year"], "2021/22");
    assert_eq!(d["decided_on"], serde_json::Value::Null);

    p.ok(&["decision", "set-status", "2021.021", "approved", "--date", "16/3/21"]);
    let d = p.json(&["decision", "show", "2021.021"]);
    assert_eq!(d["status"], "approved");
    assert_eq!(d["decided_on"], "2021-03-16");
    assert_eq!(
        p.sql_i64("SELECT count(*) FROM organisations WHERE name = 'Nottinghamshire OPCC' AND kind = 'commissioner'"),
        1
    );
    // Every write leaves an audit row keyed by the decision's ref.
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'decision' AND key = '2021.021'"), 2);
    assert_eq!(
        p.sql_i64("SELECT count(*) FROM audit_log WHERE key = '2021.021' AND detail LIKE '%status: \"submitted\" → \"approved\"%'"),
        1
    );
}

#[test]
fn officer_approvals_are_recorded() {
    let p = Pathway::new();
    let mut args = ADD_2021_021.to_vec();
    args.extend(["--approval", "Chief Finance Officer=10/03/21", "--approval", "Chief Executive=15/3/21"]);
    p.ok(&args);
    let d = p.json(&["decision", "show", "2021.021"]);
    assert_eq!(
        d["approvals"],
        serde_json::json!([
            {"role": "Chief Executive", "approved_on": "2021-03-15"},
            {"role": "Chief Finance Officer", "approved_on": "2021-03-10"}
        ])
    );
    let err = p.fails(
        &["decision", "add", "--ref", "x", "--commissioner", "c", "--title", "t", "--amount", "1", "--approval", "CFO"],
        2,
    );
    assert!(err.contains("ROLE=DATE"), "{err}");
}

#[test]
fn status_moves_only_along_the_lifecycle() {
    let p = Pathway::new();
    // No date received: a draft.
    p.ok(&[
        "decision",
        "add",
        "--ref",
        "2021.030",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "Draft",
        "--amount",
        "1000",
    ]);
    assert_eq!(p.json(&["decision", "show", "2021.030"])["status"], "draft");
    let before = p.dump();
    let err = p.fails(&["decision", "set-status", "2021.030", "approved", "--date", "16/3/21"], 65);
    assert!(
        err.contains("cannot move from draft to approved; from draft it can move to submitted or withdrawn"),
        "{err}"
    );
    assert_eq!(p.dump(), before);

    p.ok(ADD_2021_021);
    // Approving needs the decision date.
    let err = p.fails(&["decision", "set-status", "2021.021", "approved"], 2);
    assert!(err.contains("--date"), "{err}");
    p.ok(&["decision", "set-status", "2021.021", "approved", "--date", "16/3/21"]);
    // Setting it again is harmless.
    p.ok(&["decision", "set-status", "2021.021", "approved", "--date", "16/3/21"]);
    let before = p.dump();
    for to in ["withdrawn", "submitted", "draft", "rejected"] {
        let err = p.fails(&["decision", "set-status", "2021.021", to], 65);
        assert!(err.contains("approved, which is final"), "{to}: {err}");
    }
    assert_eq!(p.dump(), before);

    // A draft may be withdrawn.
    p.ok(&["decision", "set-status", "2021.030", "withdrawn"]);
    assert_eq!(p.json(&["decision", "show", "2021.030"])["status"], "withdrawn");
    // Bad status names are usage errors that list the accepted ones.
    let err = p.fails(&["decision", "set-status", "2021.021", "aproved"], 2);
    assert!(err.contains("draft, submitted, approved, rejected, withdrawn"), "{err}");
    // Unknown refs suggest the closest.
    let err = p.fails(&["decision", "set-status", "2021.21", "approved", "--date", "16/3/21"], 65);
    assert!(err.contains("did you mean '2021.021'?"), "{err}");
}

#[test]
fn edit_changes_fields_but_not_below_the_grants() {
    let p = Pathway::new();
    p.ok(ADD_2021_021);
    p.ok(&["grant", "add", "--decision", "2021.021", "--recipient", "Juno Women's Aid", "--amount", "23966"]);
    p.ok(&["decision", "edit", "2021.021", "--title", "DA Partnership Car", "--amount", "50000", "--summary", "Pilot"]);
    let d = p.json(&["decision", "show", "2021.021"]);
    assert_eq!(d["title"], "DA Partnership Car");
    assert_eq!(d["amount"], "50000.00");
    assert_eq!(d["summary"], "Pilot");
    assert_eq!(d["unallocated"], "26034.00");
    assert_eq!(
        p.sql_i64("SELECT count(*) FROM audit_log WHERE action = 'update' AND key = '2021.021' AND detail LIKE '%amount: \"47013.00\" → \"50000.00\"%'"),
        1
    );
    let before = p.dump();
    let err = p.fails(&["decision", "edit", "2021.021", "--amount", "20000"], 65);
    assert!(err.contains("its grants already total £23,966.00, £3,966.00 more"), "{err}");
    assert_eq!(p.dump(), before);
    p.ok(&["decision", "edit", "2021.021", "--summary", ""]);
    assert_eq!(p.json(&["decision", "show", "2021.021"])["summary"], serde_json::Value::Null);
    p.fails(&["decision", "edit", "2021.021"], 2);
}

/// Issue 17: `none` clears a text field, as it clears a referral's area or
/// a service's area code; an empty text still does the same.
#[test]
fn none_clears_a_text_field_as_everywhere_else() {
    let p = Pathway::new();
    p.ok(ADD_2021_021);
    p.ok(&[
        "decision",
        "edit",
        "2021.021",
        "--summary",
        "Pilot",
        "--author",
        "Office of the PCC",
        "--fund",
        "Safer Streets",
    ]);
    p.ok(&["decision", "edit", "2021.021", "--summary", "none", "--author", "None", "--fund", ""]);
    let d = p.json(&["decision", "show", "2021.021"]);
    assert_eq!(
        (&d["summary"], &d["author"], &d["funding_source"]),
        (&serde_json::Value::Null, &serde_json::Value::Null, &serde_json::Value::Null),
        "{d}"
    );
}

#[test]
fn adding_a_ref_twice_is_refused() {
    let p = Pathway::new();
    p.ok(ADD_2021_021);
    let before = p.dump();
    let err = p.fails(ADD_2021_021, 65);
    assert!(err.contains("recorded already"), "{err}");
    assert_eq!(p.dump(), before);
}

#[test]
fn the_examples_import_and_export_unchanged() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    let out = p.ok(&["decision", "export", "--format", "csv"]);
    assert_eq!(out, std::fs::read_to_string(example("decisions.csv")).unwrap());
    let dmpcd = p.json(&["decision", "show", "DMPCD 2015 116"]);
    assert_eq!(dmpcd["amount"], "500000.00");
    assert_eq!(dmpcd["decided_on"], "2015-12-21");
    assert_eq!(dmpcd["commissioner"], "MOPAC");
}

#[test]
fn export_import_export_round_trips() {
    let a = Pathway::new();
    let mut args = ADD_2021_021.to_vec();
    args.extend([
        "--summary",
        "=SUM(A1) and, \"quoted\"\nsecond line",
        "--author",
        "Office of the PCC",
        "--confidential-category",
        "3",
        "--approval",
        "Chief Finance Officer=10/03/21",
    ]);
    a.ok(&args);
    a.ok(&[
        "decision",
        "add",
        "--ref",
        "DMPCD 2015 116",
        "--commissioner",
        "MOPAC",
        "--title",
        "Joint commission",
        "--amount",
        "500000",
        "--decided",
        "21/12/2015",
        "--budget-year",
        "2016/17",
    ]);
    let first = a.ok(&["decision", "export", "--format", "csv"]);
    assert!(first.contains("'=SUM(A1)"), "formulas are neutralised: {first}");

    let b = Pathway::new();
    b.file("decisions.csv", &first);
    b.ok(&["decision", "import", "decisions.csv"]);
    let second = b.ok(&["decision", "export", "--format", "csv"]);
    assert_eq!(first, second);
    let d = b.json(&["decision", "show", "2021.021"]);
    assert_eq!(d["summary"], "=SUM(A1) and, \"quoted\"\nsecond line");
    assert_eq!(d["confidential"], true);
    assert_eq!(d["confidential_category"], "3");
    // JSON export carries the same columns.
    let j = b.json(&["decision", "export"]);
    assert_eq!(j[0]["ref"], "2021.021");
    assert_eq!(j[0]["approvals"], "Chief Finance Officer=2021-03-10");
}

#[test]
fn importing_twice_adds_nothing() {
    let p = Pathway::new();
    let s1 = p.json(&["decision", "import", &example("decisions.csv")]);
    assert_eq!((s1["rows"].as_i64(), s1["new"].as_i64()), (Some(3), Some(3)));
    let before = p.dump();
    let s2 = p.json(&["decision", "import", &example("decisions.csv")]);
    assert_eq!(s2["new"], 0);
    assert_eq!(s2["updated"], 0);
    assert_eq!(s2["unchanged"], 3);
    assert_eq!(p.dump(), before);
    // A changed row updates, and the audit says what changed.
    let csv = std::fs::read_to_string(example("decisions.csv")).unwrap().replace("47013.00", "47500.00");
    p.file("changed.csv", csv);
    let s3 = p.json(&["decision", "import", "changed.csv"]);
    assert_eq!((s3["new"].as_i64(), s3["updated"].as_i64(), s3["unchanged"].as_i64()), (Some(0), Some(1), Some(2)));
    assert_eq!(p.json(&["decision", "show", "2021.021"])["amount"], "47500.00");
}

#[test]
fn malformed_values_in_an_import_write_nothing() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    let before = p.dump();
    p.file(
        "bad.csv",
        "ref,commissioner,title,amount,received_on,status\n\
         2021.040,Nottinghamshire OPCC,Good row,1000,2021-04-01,submitted\n\
         2021.041,Nottinghamshire OPCC,Bad amount,12abc,2021-04-01,submitted\n\
         2021.042,Nottinghamshire OPCC,Bad date,1000,31/02/2021,submitted\n\
         2021.043,Nottinghamshire OPCC,Bad status,1000,2021-04-01,aproved\n",
    );
    let err = p.fails(&["decision", "import", "bad.csv"], 65);
    assert!(err.contains("bad.csv: 3 invalid rows; nothing was imported"), "{err}");
    assert!(err.contains("bad.csv:3: amount: \"12abc\" is not an amount of money"), "{err}");
    assert!(err.contains("bad.csv:4: received_on: \"31/02/2021\" is not a date"), "{err}");
    assert!(err.contains("bad.csv:5: status: \"aproved\" is not a decision status"), "{err}");
    assert_eq!(p.dump(), before);

    // Rules between fields and against the database are row errors too.
    p.file(
        "rules.csv",
        "ref,commissioner,title,amount,status,decided_on\n\
         2021.050,Nottinghamshire OPCC,Approved without a date,1000,approved,\n\
         2021.021,Nottinghamshire OPCC,Domestic Abuse Partnership Car Pilot,47013,draft,\n",
    );
    // (--allow-clear: the row leaves summary and the like empty on purpose.)
    let err = p.fails(&["decision", "import", "--allow-clear", "rules.csv"], 65);
    assert!(err.contains("rules.csv:2: decided_on: decision 2021.050 is approved, so it needs the date"), "{err}");
    assert!(err.contains("rules.csv:3: status: decision 2021.021 is approved, which is final"), "{err}");
    assert_eq!(p.dump(), before);

    // Typo in a column name.
    p.file("typo.csv", "ref,comissioner,title,amount\n2021.060,X,Y,1\n");
    let err = p.fails(&["decision", "import", "typo.csv"], 65);
    assert!(err.contains("did you mean 'commissioner'?"), "{err}");
    assert_eq!(p.dump(), before);
}

#[test]
fn skip_invalid_writes_the_good_rows_and_rejects_the_bad() {
    let p = Pathway::new();
    p.file(
        "mixed.csv",
        "ref,commissioner,title,amount\n2021.040,Nottinghamshire OPCC,Good,1000\n2021.041,Nottinghamshire OPCC,Bad,-5\n",
    );
    p.ok(&["decision", "import", "mixed.csv", "--skip-invalid", "--rejects", "rejects.csv"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM decisions"), 1);
    let rejects = read(&p, "rejects.csv");
    assert!(rejects.starts_with("ref,commissioner,title,amount,error\n"), "{rejects}");
    assert!(rejects.contains("2021.041,Nottinghamshire OPCC,Bad,-5,"), "{rejects}");
}

#[test]
fn list_filters() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    p.ok(&["grant", "import", &example("grants.csv")]);
    let refs = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["decision", "list"];
        a.extend_from_slice(args);
        p.json(&a).as_array().unwrap().iter().map(|d| d["ref"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(refs(&[]), ["2021.021", "2021.027", "DMPCD 2015 116"]);
    assert_eq!(refs(&["--budget-year", "2021/22"]), ["2021.021", "2021.027"]);
    assert_eq!(refs(&["--commissioner", "mopac"]), ["DMPCD 2015 116"]);
    assert_eq!(refs(&["--recipient", "Juno Women's Aid"]), ["2021.021"]);
    assert_eq!(refs(&["--period", "2015/16"]), ["DMPCD 2015 116"]);
    assert_eq!(refs(&["--period", "2021-03-10..2021-03-15"]), ["2021.027"]);
    assert_eq!(refs(&["--status", "draft"]), Vec::<String>::new());
    let list = p.json(&["decision", "list", "--budget-year", "2021/22"]);
    assert_eq!(list[0]["granted"], "47013.00");
    assert_eq!(list[0]["unallocated"], "0.00");
    assert_eq!(list[0]["grants"], 2);
    let err = p.fails(&["decision", "list", "--commissioner", "Nottinghamshire OPC"], 65);
    assert!(err.contains("did you mean 'Nottinghamshire OPCC'?"), "{err}");
    let err = p.fails(&["decision", "list", "--period", "2021-13"], 2);
    assert!(err.contains("2021/22-Q1"), "{err}");
    let err = p.fails(&["decision", "list", "--budget-year", "2021/23"], 2);
    assert!(err.contains("2021/22"), "{err}");
}

#[test]
fn the_seed_script_records_the_same_as_the_csv_files() {
    if std::process::Command::new("sh").arg("-c").arg("true").status().is_err() {
        return;
    }
    let a = Pathway::new();
    let out = std::process::Command::new("sh")
        .arg(root().join("examples/seed-decisions.sh"))
        .env("PATHWAY", assert_cmd::cargo::cargo_bin("pathway"))
        .env("PATHWAY_DB", &a.db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(a.ok(&["decision", "export"]), std::fs::read_to_string(example("decisions.csv")).unwrap());
    assert_eq!(a.ok(&["grant", "export"]), std::fs::read_to_string(example("grants.csv")).unwrap());
    assert_eq!(a.ok(&["grant", "export", "--payments"]), std::fs::read_to_string(example("payments.csv")).unwrap());
}
