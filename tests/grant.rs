//! `pathway grant …` through the real binary.

mod common;

use common::{giving_errors as errors, giving_validator, root, Pathway};

fn example(name: &str) -> String {
    root().join("examples").join(name).to_string_lossy().into_owned()
}

/// 2021.021 as the contract records it, approved.
fn decision_2021_021(p: &Pathway) {
    p.ok(&[
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
    ]);
    p.ok(&["decision", "set-status", "2021.021", "approved", "--date", "16/3/21"]);
}

fn both_grants(p: &Pathway) {
    p.ok(&[
        "grant",
        "add",
        "--decision",
        "2021.021",
        "--recipient",
        "Juno Women's Aid",
        "--amount",
        "23966",
        "--start",
        "2021-04-01",
        "--end",
        "2022-03-31",
    ]);
    p.ok(&[
        "grant",
        "add",
        "--decision",
        "2021.021",
        "--recipient",
        "Nottinghamshire Women's Aid",
        "--amount",
        "23047",
        "--start",
        "2021-04-01",
        "--end",
        "2022-03-31",
        "--intermediary",
        "Nottinghamshire County Council",
    ]);
}

#[test]
fn the_two_grants_of_2021_021() {
    let p = Pathway::new();
    decision_2021_021(&p);
    both_grants(&p);
    let list = p.json(&["grant", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["ref"], "2021.021-1");
    assert_eq!(list[0]["amount"], "23966.00");
    assert_eq!(list[0]["recipient"], "Juno Women's Aid");
    assert_eq!(list[0]["funder"], "Nottinghamshire OPCC", "the funder defaults to the commissioner");
    assert_eq!(list[1]["ref"], "2021.021-2");
    assert_eq!(list[1]["amount"], "23047.00");
    assert_eq!(list[1]["intermediary"], "Nottinghamshire County Council");
    assert_eq!(list[1]["outstanding"], "23047.00");
    let kinds = |name: &str| p.sql_i64(&format!("SELECT count(*) FROM organisations WHERE name = \"{name}\""));
    assert_eq!(kinds("Juno Women's Aid"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM organisations WHERE kind = 'provider'"), 2);
    assert_eq!(p.sql_i64("SELECT count(*) FROM organisations WHERE kind = 'partner'"), 1);
    assert_eq!(
        p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'grant' AND key = '2021.021-2' AND action = 'add'"),
        1
    );
}

#[test]
fn a_grant_beyond_the_decision_is_refused_and_nothing_written() {
    let p = Pathway::new();
    decision_2021_021(&p);
    both_grants(&p);
    let before = p.dump();
    let err =
        p.fails(&["grant", "add", "--decision", "2021.021", "--recipient", "Juno Women's Aid", "--amount", "1"], 65);
    assert!(
        err.contains(
            "the grants under decision 2021.021 would total £47,014.00, £1.00 more than its amount of £47,013.00; \
             £0.00 is left to grant"
        ),
        "{err}"
    );
    assert_eq!(p.dump(), before);
    // A brand-new recipient named in a refused grant is not recorded either.
    p.fails(&["grant", "add", "--decision", "2021.021", "--recipient", "New Provider", "--amount", "1"], 65);
    assert_eq!(p.dump(), before);
}

#[test]
fn an_unknown_decision_suggests_the_closest_ref() {
    let p = Pathway::new();
    decision_2021_021(&p);
    let before = p.dump();
    let err =
        p.fails(&["grant", "add", "--decision", "2021.012", "--recipient", "Juno Women's Aid", "--amount", "1"], 65);
    assert!(err.contains("no decision with ref '2021.012'; did you mean '2021.021'?"), "{err}");
    assert_eq!(p.dump(), before);
}

#[test]
fn no_grants_under_a_withdrawn_decision() {
    let p = Pathway::new();
    p.ok(&[
        "decision",
        "add",
        "--ref",
        "2021.030",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "T",
        "--amount",
        "100",
    ]);
    p.ok(&["decision", "set-status", "2021.030", "withdrawn"]);
    let err =
        p.fails(&["grant", "add", "--decision", "2021.030", "--recipient", "Juno Women's Aid", "--amount", "1"], 65);
    assert!(err.contains("decision 2021.030 is withdrawn; grants cannot be made under it"), "{err}");
}

#[test]
fn payments_never_exceed_the_grant() {
    let p = Pathway::new();
    decision_2021_021(&p);
    both_grants(&p);
    p.ok(&["grant", "pay", "2021.021-1", "--amount", "5991.50", "--date", "30/06/21", "--note", "Q1 instalment"]);
    p.ok(&["grant", "pay", "2021.021-1", "--amount", "5991.50", "--date", "30/09/21", "--note", "Q2 instalment"]);
    let before = p.dump();
    let err = p.fails(&["grant", "pay", "2021.021-1", "--amount", "12000", "--date", "31/12/21"], 65);
    assert!(err.contains("£11,983.00 is left to pay"), "{err}");
    assert!(err.contains("£17.00 more than the grant of £23,966.00"), "{err}");
    assert_eq!(p.dump(), before);
    let err = p.fails(&["grant", "pay", "2021.021-3", "--amount", "1", "--date", "31/12/21"], 65);
    assert!(err.contains("did you mean '2021.021-1'?") || err.contains("did you mean '2021.021-2'?"), "{err}");

    let g = p.json(&["grant", "show", "2021.021-1"]);
    assert_eq!(g["paid"], "11983.00");
    assert_eq!(g["outstanding"], "11983.00");
    assert_eq!(
        g["payments"],
        serde_json::json!([
            {"paid_on": "2021-06-30", "amount": "5991.50", "note": "Q1 instalment"},
            {"paid_on": "2021-09-30", "amount": "5991.50", "note": "Q2 instalment"}
        ])
    );
    let table = p.ok(&["grant", "show", "2021.021-1"]);
    assert!(table.contains("Q2 instalment") && table.contains("£11,983.00"), "{table}");
    // A grant's amount may not drop below what has been paid.
    p.file("lower.csv", "ref,decision,recipient,amount\n2021.021-1,2021.021,Juno Women's Aid,10000\n");
    let err = p.fails(&["grant", "import", "--allow-clear", "lower.csv"], 65);
    assert!(
        err.contains("lower.csv:2: amount: grant 2021.021-1 cannot be £10,000.00: £11,983.00 has been paid"),
        "{err}"
    );
}

#[test]
fn match_funding_is_recorded() {
    let p = Pathway::new();
    p.ok(&[
        "decision",
        "add",
        "--ref",
        "2021.027",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "Supported Accommodation: Women in the CJS",
        "--amount",
        "14000",
        "--received",
        "15.03.21",
    ]);
    p.ok(&[
        "grant",
        "add",
        "--decision",
        "2021.027",
        "--recipient",
        "Nottingham Women's Centre",
        "--amount",
        "14000",
        "--match-amount",
        "14000",
        "--match-funder",
        "National Probation Service",
    ]);
    let g = p.json(&["grant", "show", "2021.027-1"]);
    assert_eq!(g["match_amount"], "14000.00");
    assert_eq!(g["match_funder"], "National Probation Service");
    p.fails(&["grant", "add", "--decision", "2021.027", "--recipient", "X", "--amount", "1", "--match-amount", "1"], 2);
}

#[test]
fn the_examples_import_and_export_unchanged() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    p.ok(&["grant", "import", &example("grants.csv")]);
    p.ok(&["grant", "import", "--payments", &example("payments.csv")]);
    assert_eq!(p.ok(&["grant", "export", "--format", "csv"]), std::fs::read_to_string(example("grants.csv")).unwrap());
    assert_eq!(
        p.ok(&["grant", "export", "--payments", "--format", "csv"]),
        std::fs::read_to_string(example("payments.csv")).unwrap()
    );
    let g = p.json(&["grant", "show", "2021.021-1"]);
    assert_eq!(g["paid"], "11983.00");
}

#[test]
fn export_import_export_round_trips() {
    let a = Pathway::new();
    decision_2021_021(&a);
    both_grants(&a);
    a.ok(&["grant", "pay", "2021.021-2", "--amount", "100", "--date", "2021-05-01", "--note=-advance, \"first\""]);
    a.ok(&["grant", "pay", "2021.021-2", "--amount", "100", "--date", "2021-05-01", "--note=-advance, \"first\""]);
    let decisions = a.ok(&["decision", "export", "--format", "csv"]);
    let grants = a.ok(&["grant", "export", "--format", "csv"]);
    let payments = a.ok(&["grant", "export", "--payments", "--format", "csv"]);

    let b = Pathway::new();
    b.file("d.csv", &decisions);
    b.file("g.csv", &grants);
    b.file("p.csv", &payments);
    b.ok(&["decision", "import", "d.csv"]);
    b.ok(&["grant", "import", "g.csv"]);
    b.ok(&["grant", "import", "--payments", "p.csv"]);
    assert_eq!(b.ok(&["decision", "export", "--format", "csv"]), decisions);
    assert_eq!(b.ok(&["grant", "export", "--format", "csv"]), grants);
    assert_eq!(b.ok(&["grant", "export", "--payments", "--format", "csv"]), payments);
    assert_eq!(b.sql_i64("SELECT count(*) FROM payments"), 2, "two equal instalments stay two");
}

#[test]
fn importing_twice_adds_nothing() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    let s = p.json(&["grant", "import", &example("grants.csv")]);
    assert_eq!(s["new"], 4);
    let s = p.json(&["grant", "import", "--payments", &example("payments.csv")]);
    assert_eq!(s["new"], 5);
    let before = p.dump();
    let s = p.json(&["grant", "import", &example("grants.csv")]);
    assert_eq!((s["new"].as_i64(), s["updated"].as_i64(), s["unchanged"].as_i64()), (Some(0), Some(0), Some(4)));
    let s = p.json(&["grant", "import", "--payments", &example("payments.csv")]);
    assert_eq!((s["new"].as_i64(), s["unchanged"].as_i64()), (Some(0), Some(5)));
    assert_eq!(p.dump(), before);

    // Rows without a ref are matched on decision, recipient and dates.
    // Columns left out count as empty, which would blank the intermediary:
    // refused unless --allow-clear.
    p.file(
        "noref.csv",
        "decision,recipient,amount,start_on,end_on\n2021.021,Juno Women's Aid,23000,2021-04-01,2022-03-31\n",
    );
    let err = p.fails(&["grant", "import", "noref.csv"], 65);
    assert!(
        err.contains("noref.csv:2: intermediary: no value is given, but grant 2021.021-1 has one recorded"),
        "{err}"
    );
    let s = p.json(&["grant", "import", "--allow-clear", "noref.csv"]);
    assert_eq!((s["new"].as_i64(), s["updated"].as_i64()), (Some(0), Some(1)));
    let g = p.json(&["grant", "show", "2021.021-1"]);
    assert_eq!((g["amount"].as_str(), g["intermediary"].as_str()), (Some("23000.00"), None));
}

#[test]
fn an_import_may_not_overspend_a_decision_even_across_its_own_rows() {
    let p = Pathway::new();
    decision_2021_021(&p);
    let before = p.dump();
    p.file(
        "over.csv",
        "ref,decision,recipient,amount\n\
         2021.021-1,2021.021,Juno Women's Aid,23966\n\
         2021.021-2,2021.021,Nottinghamshire Women's Aid,23047\n\
         2021.021-3,2021.021,Another Provider,500\n",
    );
    let err = p.fails(&["grant", "import", "over.csv"], 65);
    assert!(err.contains("over.csv: 1 invalid row; nothing was imported"), "{err}");
    assert!(
        err.contains("over.csv:4: amount: the grants under decision 2021.021 would total £47,513.00, £500.00 more"),
        "{err}"
    );
    assert_eq!(p.dump(), before);

    // With --skip-invalid the first two go in.
    p.ok(&["grant", "import", "over.csv", "--skip-invalid", "--rejects", "rejects.csv"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM grants"), 2);
    assert_eq!(p.sql_i64("SELECT count(*) FROM organisations WHERE name = 'Another Provider'"), 0);
    let rejects = std::fs::read_to_string(p.path("rejects.csv")).unwrap();
    assert!(rejects.contains("2021.021-3,2021.021,Another Provider,500,\"amount: the grants under"), "{rejects}");
}

#[test]
fn malformed_values_in_an_import_write_nothing() {
    let p = Pathway::new();
    decision_2021_021(&p);
    let before = p.dump();
    p.file(
        "bad.csv",
        "ref,decision,recipient,amount,start_on,end_on,status\n\
         2021.021-1,2021.021,Juno Women's Aid,23966,2021-04-01,2022-03-31,active\n\
         2021.021-2,2021.021,Nottinghamshire Women's Aid,1e9,2021-04-01,2022-03-31,active\n\
         2021.021-3,2021.021,X,1,2021-04-31,2022-03-31,active\n\
         2021.021-4,2021.021,Y,1,2021-04-01,2022-03-31,finished\n\
         2021.021-5,2021.12,Z,1,2021-04-01,2022-03-31,active\n\
         2021.021-6,2021.021,Z,1,2022-04-01,2021-03-31,active\n",
    );
    let err = p.fails(&["grant", "import", "bad.csv"], 65);
    assert!(err.contains("bad.csv: 5 invalid rows; nothing was imported"), "{err}");
    assert!(err.contains("bad.csv:3: amount: \"1e9\" is not an amount of money"), "{err}");
    assert!(err.contains("bad.csv:4: start_on: \"2021-04-31\" is not a date"), "{err}");
    assert!(err.contains("bad.csv:5: status: \"finished\" is not a grant status"), "{err}");
    assert!(err.contains("bad.csv:6: decision: no decision with ref '2021.12'; did you mean '2021.021'?"), "{err}");
    assert!(err.contains("bad.csv:7: end_on: the grant ends on 2021-03-31, before it starts on 2022-04-01"), "{err}");
    assert_eq!(p.dump(), before);

    p.file("pay.csv", "grant,paid_on,amount,note\n2021.021-1,30/02/21,10,x\n");
    let err = p.fails(&["grant", "import", "--payments", "pay.csv"], 65);
    assert!(err.contains("pay.csv:2: paid_on: \"30/02/21\" is not a date"), "{err}");
    assert_eq!(p.dump(), before);
}

#[test]
fn list_filters() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    p.ok(&["grant", "import", &example("grants.csv")]);
    let refs = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["grant", "list"];
        a.extend_from_slice(args);
        p.json(&a).as_array().unwrap().iter().map(|d| d["ref"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(refs(&[]), ["2021.021-1", "2021.021-2", "2021.027-1", "DMPCD 2015 116-1"]);
    assert_eq!(refs(&["--decision", "2021.021"]), ["2021.021-1", "2021.021-2"]);
    assert_eq!(refs(&["--recipient", "Juno Women's Aid"]), ["2021.021-1"]);
    assert_eq!(refs(&["--commissioner", "MOPAC"]), ["DMPCD 2015 116-1"]);
    assert_eq!(refs(&["--budget-year", "2021/22"]), ["2021.021-1", "2021.021-2", "2021.027-1"]);
    assert_eq!(refs(&["--period", "2017-06"]), ["DMPCD 2015 116-1"]);
    assert_eq!(refs(&["--period", "2018-04-01..2021-03-31"]), Vec::<String>::new());
    assert_eq!(refs(&["--period", "2022-03"]).len(), 3);
    assert_eq!(refs(&["--status", "cancelled"]), Vec::<String>::new());
    let err = p.fails(&["grant", "list", "--decision", "2021.02"], 65);
    assert!(err.contains("did you mean"), "{err}");
    let err = p.fails(&["grant", "list", "--recipient", "Juno Womens Aid"], 65);
    assert!(err.contains("did you mean 'Juno Women's Aid'?"), "{err}");
    // Exports take the same filters.
    let csv = p.ok(&["grant", "export", "--decision", "2021.027"]);
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

#[test]
fn threesixty_giving_export_validates_against_the_standard() {
    let p = Pathway::new();
    p.ok(&["decision", "import", &example("decisions.csv")]);
    p.ok(&["grant", "import", &example("grants.csv")]);
    p.ok(&["grant", "import", "--payments", &example("payments.csv")]);
    // A grant under a decision that is not approved yet is left out.
    p.ok(&[
        "decision",
        "add",
        "--ref",
        "2021.040",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "Pending",
        "--amount",
        "1000",
        "--received",
        "01/04/21",
    ]);
    p.ok(&["grant", "add", "--decision", "2021.040", "--recipient", "Juno Women's Aid", "--amount", "1000"]);

    // No prefix yet: told how to give one.
    let err = p.fails(&["grant", "export", "--360giving"], 2);
    assert!(err.contains("--prefix"), "{err}");
    let err = p.fails(&["grant", "export", "--360giving", "--prefix", "nottspcc"], 2);
    assert!(err.contains("360G-"), "{err}");

    let doc = p.json(&["grant", "export", "--360giving", "--prefix", "360G-nottspcc"]);
    let v = giving_validator();
    assert_eq!(errors(&v, &doc), Vec::<String>::new());
    let grants = doc["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 4);
    let juno = &grants[0];
    assert_eq!(juno["id"], "360G-nottspcc-2021_021-1");
    assert_eq!(juno["amountAwarded"], 23966);
    assert_eq!(juno["amountDisbursed"], 11983);
    assert_eq!(juno["awardDate"], "2021-03-16");
    assert_eq!(juno["currency"], "GBP");
    assert_eq!(juno["plannedDates"][0]["duration"], 12.0);
    assert_eq!(juno["recipientOrganization"][0]["id"], "360G-nottspcc-Juno-Womens-Aid");
    assert_eq!(juno["fundingOrganization"][0]["name"], "Nottinghamshire OPCC");
    assert_eq!(juno["grantProgramme"][0]["title"], "Community Safety Grant");
    assert_eq!(juno["disbursementTransaction"][0]["value"], 5991.5);
    assert_eq!(juno["decisionReference"], "2021.021");
    assert_eq!(juno["intermediary"], "Nottinghamshire County Council");
    assert_eq!(grants[2]["matchFunding"]["funder"], "National Probation Service");
    assert_eq!(grants[3]["id"], "360G-nottspcc-DMPCD_2015_116-1");
    assert_eq!(grants[3]["plannedDates"][0]["duration"], 24.0);

    // The prefix is remembered, and the check really checks.
    let again = p.json(&["grant", "export", "--360giving"]);
    assert_eq!(again, doc);
    let mut broken = doc.clone();
    broken["grants"][0].as_object_mut().unwrap().remove("awardDate");
    broken["grants"][1]["currency"] = serde_json::json!("GBPX");
    assert_eq!(errors(&v, &broken).len(), 2, "{:?}", errors(&v, &broken));

    // CSV with the standard's column titles.
    let csv = p.ok(&["grant", "export", "--360giving", "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with(
        "Identifier,Title,Description,Currency,Amount Awarded,Amount Disbursed,Award Date,\
         Planned Dates:Start Date,Planned Dates:End Date,Planned Dates:Duration (months),\
         Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Charity Number,Recipient Org:Company Number,\
         Beneficiary Location:Name,Beneficiary Location:Country Code,Beneficiary Location:Geographic Code,\
         Beneficiary Location:Geographic Code Type,Funding Org:Identifier,Funding Org:Name"
    ));
    assert!(lines.next().unwrap().starts_with("360G-nottspcc-2021_021-1,"), "{csv}");
    // The standard's "grants" sheet titles come first, in the standard's
    // order (tests/fixtures/360giving/grants-sheet-columns.csv); custom
    // columns, which the standard allows, only after them.
    let standard = std::fs::read_to_string(root().join("tests/fixtures/360giving/grants-sheet-columns.csv")).unwrap();
    let standard: Vec<&str> = standard.trim().split(',').collect();
    let ours: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let known = ours.iter().take_while(|c| standard.contains(c)).count();
    assert!(known >= 14, "the standard's columns must come first: {ours:?}");
    for custom in &ours[known..] {
        assert!(!standard.contains(custom), "{custom:?} is a standard title placed after a custom column");
        assert!(!custom.contains('.'), "the standard warns against full stops in titles: {custom:?}");
    }
    let positions: Vec<usize> = ours[..known].iter().map(|c| standard.iter().position(|s| s == c).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "columns out of the standard's order: {ours:?}");
    assert_eq!(csv.lines().count(), 5);
}

/// `grant edit` corrects a mistyped recipient on purpose (an import refuses
/// to), audited, with the payments staying on the grant.
#[test]
fn grant_edit_corrects_a_recipient_on_purpose() {
    let p = Pathway::new();
    decision_2021_021(&p);
    p.ok(&["grant", "add", "--decision", "2021.021", "--recipient", "Juno Womens Aid", "--amount", "23966"]);
    p.ok(&["grant", "pay", "2021.021-1", "--amount", "5991.50", "--date", "30/06/21"]);
    let out = p.run(&["grant", "edit", "2021.021-1", "--recipient", "Juno Women's Aid"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "recorded Juno Women's Aid as a new provider (close to the recorded 'Juno Womens Aid': check the spelling)\n\
         grant 2021.021-1: changed recipient: \"Juno Womens Aid\" → \"Juno Women's Aid\"\n"
    );
    let g = p.json(&["grant", "show", "2021.021-1"]);
    assert_eq!(g["recipient"], "Juno Women's Aid", "{g}");
    assert_eq!(p.sql_i64("SELECT count(*) FROM payments"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE action = 'update' AND entity = 'grant'"), 1);
    assert_eq!(
        p.fails(&["grant", "edit", "2021.021-1", "--recipient", "Juno Women's Aid"], 0),
        "grant 2021.021-1: nothing changed\n"
    );
    let err = p.fails(&["grant", "edit", "2021.021-9", "--title", "x"], 65);
    assert!(err.starts_with("pathway: no grant with ref '2021.021-9'"), "{err}");
}
