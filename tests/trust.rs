//! Trust: no import changes a record silently (PRODUCT.md §6.1). One table
//! of cases, one row per import, each run through the real binary: a row
//! that would re-point a record, a row that would blank a recorded value
//! (refused, then allowed with --allow-clear), two rows of one file that
//! describe one record differently, and an identical repeat. Then
//! --dry-run, spreadsheet-damaged refs and `referral update` corrections.

mod common;

use common::Pathway;

/// Everything in the database, audit log included, to show nothing was written.
fn state(p: &Pathway) -> (String, i64) {
    (p.dump(), p.sql_i64("SELECT count(*) FROM audit_log"))
}

fn stderr_of(p: &Pathway, args: &[&str], code: i32) -> String {
    p.fails(args, code)
}

/// The Beth Centre hub with the Croydon spoke, a second hub, two decisions
/// (approved), two workers and a case, for whichever import needs them.
fn seeds(p: &Pathway) {
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    p.ok(&["service", "add", "Lewisham Centre", "--provider", "London Women's Consortium", "--area", "Lewisham"]);
    for (r, amount) in [("2021.021", "47013"), ("2021.027", "28000")] {
        p.ok(&[
            "decision",
            "add",
            "--ref",
            r,
            "--commissioner",
            "Nottinghamshire OPCC",
            "--title",
            "Domestic Abuse Partnership Car Pilot",
            "--amount",
            amount,
            "--received",
            "09.03.21",
        ]);
    }
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    p.ok(&["caseload", "worker", "add", "--code", "KW06", "--capacity", "22.5"]);
}

/// One import's cases. `None` where the rule cannot arise for that import
/// (said in `why`).
struct Case {
    name: &'static str,
    import: &'static [&'static str],
    header: &'static str,
    /// Recorded first (after `seeds`), by the same import.
    base: &'static str,
    repoint: Option<(&'static str, &'static str)>,
    blank: Option<(&'static str, &'static str)>,
    /// Two rows and the error on the second.
    conflict: Option<(&'static str, &'static str, &'static str)>,
    /// A row written twice in one file.
    repeat: &'static str,
    why: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "decision",
        import: &["decision", "import"],
        header: "ref,commissioner,title,summary,amount",
        base: "2021.010,Nottinghamshire OPCC,Women's centre,Whole-system approach,14000",
        repoint: Some((
            "2021.010,MOPAC,Women's centre,Whole-system approach,14000",
            "commissioner: decision 2021.010 is recorded with another commissioner; an import never moves a record: correct it with `pathway decision edit 2021.010`",
        )),
        blank: Some((
            "2021.010,Nottinghamshire OPCC,Women's centre,,14000",
            "summary: no value is given, but decision 2021.010 has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "2021.030,Nottinghamshire OPCC,Housing pilot,,14000",
            "2021.030,Nottinghamshire OPCC,Housing pilot,,15000",
            "amount: lines 2 and 3 describe the same decision 2021.030 differently: amount",
        )),
        repeat: "2021.030,Nottinghamshire OPCC,Housing pilot,,14000",
        why: "",
    },
    Case {
        name: "grant",
        import: &["grant", "import"],
        header: "ref,decision,recipient,amount,title",
        base: "2021.021-1,2021.021,Juno Women's Aid,23966,Car pilot",
        repoint: Some((
            "2021.021-1,2021.027,Juno Women's Aid,23966,Car pilot",
            "decision: grant 2021.021-1 is recorded with another decision; an import never moves a record: give the row its own ref, or add the grant under that decision with `pathway grant add`; to correct a recorded recipient or funder, use `pathway grant edit`",
        )),
        blank: Some((
            "2021.021-1,2021.021,Juno Women's Aid,23966,",
            "title: no value is given, but grant 2021.021-1 has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "2021.021-2,2021.021,Nottinghamshire Women's Aid,23047,Car pilot",
            "2021.021-2,2021.021,Nottinghamshire Women's Aid,23047,Car pilot (2)",
            "title: lines 2 and 3 describe the same grant 2021.021-2 differently: title",
        )),
        repeat: "2021.021-2,2021.021,Nottinghamshire Women's Aid,23047,Car pilot",
        why: "",
    },
    Case {
        name: "payment",
        import: &["grant", "import", "--payments"],
        header: "grant,paid_on,amount,note",
        base: "2021.021-1,2021-06-30,5991.50,Q1 instalment",
        repoint: None,
        blank: None,
        conflict: None,
        repeat: "",
        why: "a payment has no key of its own (grant, date, amount and note are what it is), so it cannot be \
              re-pointed, blanked or contradicted; two equal rows are two equal instalments",
    },
    Case {
        name: "service",
        import: &["service", "import"],
        header: "name,provider,area,kind,hub",
        base: "Croydon spoke,London Women's Consortium,Croydon,spoke,Beth Centre",
        repoint: Some((
            "Croydon spoke,London Women's Consortium,Croydon,spoke,Lewisham Centre",
            "hub: service Croydon spoke is recorded with another hub; an import never moves a record: a spoke stays with its hub; record a new spoke for the other hub",
        )),
        blank: Some((
            "Croydon spoke,London Women's Consortium,,spoke,Beth Centre",
            "area: no value is given, but service Croydon spoke has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "Southwark spoke,London Women's Consortium,Southwark,spoke,Beth Centre",
            "Southwark spoke,London Women's Consortium,Peckham,spoke,Beth Centre",
            "area: lines 2 and 3 describe the same service Southwark spoke differently: area",
        )),
        repeat: "Southwark spoke,London Women's Consortium,Southwark,spoke,Beth Centre",
        why: "",
    },
    Case {
        name: "client",
        import: &["client", "import"],
        header: "client_ref,birth_year,ethnicity,disability,dependent_children",
        base: "BC-0042,1984,white_british,no,2",
        repoint: None,
        blank: Some((
            "BC-0042,,white_british,no,2",
            "birth_year: no value is given, but client (this row's client_ref) has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "BC-0043,1990,black_african,no,0",
            "BC-0043,1990,asian_indian,no,0",
            "ethnicity: lines 2 and 3 describe the same client (this row's client_ref) differently: ethnicity",
        )),
        repeat: "BC-0043,1990,black_african,no,0",
        why: "a client row is the client itself: it has no client, service, date or parent to re-point",
    },
    Case {
        name: "referral",
        import: &["referral", "import"],
        header: "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref",
        base: "BC-0042,2021-04-12,probation,Beth Centre,Lambeth,housing,engaged,2021-04-15,R-2104-0004",
        repoint: Some((
            "BC-0043,2021-04-12,probation,Beth Centre,Lambeth,housing,engaged,2021-04-15,R-2104-0004",
            "client_ref: referral R-2104-0004 is recorded with another client_ref; an import never moves a record: to correct its client or date, use `pathway referral update R-2104-0004 --client … --date …`; for another referral, give the row its own ref",
        )),
        blank: Some((
            "BC-0042,2021-04-12,probation,Beth Centre,Lambeth,housing,,2021-04-15,R-2104-0004",
            "outcome: no value is given, but referral R-2104-0004 has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "BC-0050,2021-04-20,police,Beth Centre,Lambeth,housing,engaged,,",
            "BC-0050,2021-04-20,police,Beth Centre,Lambeth,housing,declined,,",
            "outcome: lines 2 and 3 describe the same referral #2 differently: outcome",
        )),
        repeat: "BC-0050,2021-04-20,police,Beth Centre,Lambeth,housing,engaged,,",
        why: "",
    },
    Case {
        name: "worker",
        import: &["caseload", "worker", "import"],
        header: "code,name,capacity_hours,active",
        base: "KW02,Outreach,30,yes",
        repoint: None,
        blank: Some((
            "KW02,,30,yes",
            "name: no value is given, but worker KW02 has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "KW03,,22.5,yes",
            "KW03,,30,yes",
            "capacity_hours: lines 2 and 3 describe the same worker KW03 differently: capacity_hours",
        )),
        repeat: "KW03,,22.5,yes",
        why: "a worker row is the worker itself: it has no parent to re-point",
    },
    Case {
        name: "case",
        import: &["caseload", "import"],
        header: "client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref",
        base: "BC-0042,KW01,Beth Centre,T2,2021-04-16,2021-09-30,Support plan completed,positive,C-0042",
        repoint: Some((
            "BC-0043,KW01,Beth Centre,T2,2021-04-16,2021-09-30,Support plan completed,positive,C-0042",
            "client_ref: case C-0042 is recorded for a different client_ref",
        )),
        blank: Some((
            "BC-0042,KW01,Beth Centre,T2,2021-04-16,2021-09-30,,positive,C-0042",
            "close_reason: no value is given, but case C-0042 has one recorded; an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose",
        )),
        conflict: Some((
            "BC-0050,KW01,Beth Centre,T1,2021-05-01,,,,C-0050",
            "BC-0050,KW01,Beth Centre,T2,2021-05-01,,,,C-0050",
            "tier: lines 2 and 3 describe the same case C-0050 differently: tier",
        )),
        repeat: "BC-0050,KW01,Beth Centre,T1,2021-05-01,,,,C-0050",
        why: "",
    },
    Case {
        name: "tier change",
        import: &["caseload", "import", "--tiers"],
        header: "ref,client_ref,service,opened_on,from_on,tier",
        base: "C-0042,,,,2021-06-01,T3",
        repoint: Some((
            "C-0042,BC-0043,,,2021-06-01,T3",
            "client_ref: case C-0042 is recorded with another client_ref; an import never moves a record: give the ref of the case the tier change belongs to, or leave client_ref, service and opened_on empty",
        )),
        blank: None,
        conflict: Some((
            "C-0042,,,,2021-07-01,T1",
            "C-0042,,,,2021-07-01,T3",
            "tier: lines 2 and 3 describe the same tier change C-0042 from 2021-07-01 differently: tier",
        )),
        repeat: "C-0042,,,,2021-07-01,T1",
        why: "a tier row has no optional value to blank (its tier is required)",
    },
];

/// A database with the seeds and what the case's import needs first.
fn prepared(c: &Case) -> Pathway {
    let p = Pathway::new();
    seeds(&p);
    match c.name {
        "payment" => {
            p.ok(&["grant", "add", "--decision", "2021.021", "--recipient", "Juno Women's Aid", "--amount", "23966"]);
        }
        "service" => {}
        "tier change" => {
            p.ok(&[
                "caseload",
                "open",
                "--client",
                "BC-0042",
                "--worker",
                "KW01",
                "--service",
                "Beth Centre",
                "--tier",
                "T2",
                "--opened",
                "16/04/21",
                "--ref",
                "C-0042",
            ]);
            p.ok(&[
                "client",
                "import",
                &p.file("c.csv", "client_ref,birth_year,ethnicity,disability,dependent_children\nBC-0043,,,,\n")
                    .to_string_lossy(),
            ]);
        }
        "case" => {
            p.ok(&[
                "client",
                "import",
                &p.file("c.csv", "client_ref,birth_year,ethnicity,disability,dependent_children\nBC-0043,,,,\n")
                    .to_string_lossy(),
            ]);
        }
        _ => {}
    }
    let base = format!("{}\n{}\n", c.header, c.base);
    p.file("base.csv", base);
    let mut args = c.import.to_vec();
    args.push("base.csv");
    p.ok(&args);
    p
}

fn import(c: &Case, file: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = c.import.iter().map(|s| s.to_string()).collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(file.to_string());
    args
}

fn refused_with(p: &Pathway, c: &Case, file: &str, body: &str, line: u64, message: &str) {
    p.file(file, format!("{}\n{body}\n", c.header));
    let before = state(p);
    let args = import(c, file, &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = stderr_of(p, &args, 65);
    assert_eq!(
        err,
        format!("pathway: {file}: 1 invalid row; nothing was imported\n{file}:{line}: {message}\n"),
        "{}: {file}",
        c.name
    );
    assert_eq!(state(p), before, "{}: {file} wrote something", c.name);
}

#[test]
fn every_import_refuses_silent_changes() {
    for c in CASES {
        let p = prepared(c);
        assert!(
            c.repoint.is_some() || c.blank.is_some() || c.conflict.is_some() || !c.why.is_empty(),
            "{}: say why a rule cannot arise",
            c.name
        );
        if let Some((row, message)) = c.repoint {
            refused_with(&p, c, "repoint.csv", row, 2, message);
        }
        if let Some((row, message)) = c.blank {
            refused_with(&p, c, "blank.csv", row, 2, message);
            // On purpose, with --allow-clear: cleared and counted as updated.
            let before = state(&p);
            let args = import(c, "blank.csv", &["--allow-clear", "--format", "json"]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let s: serde_json::Value = serde_json::from_str(&p.ok(&args)).unwrap();
            assert_eq!(s["updated"], 1, "{}: {s}", c.name);
            assert_ne!(state(&p), before, "{}: --allow-clear cleared nothing", c.name);
        }
        if let Some((a, b, message)) = c.conflict {
            refused_with(&p, c, "conflict.csv", &format!("{a}\n{b}"), 3, message);
        }
        if !c.repeat.is_empty() {
            p.file("repeat.csv", format!("{}\n{}\n{}\n", c.header, c.repeat, c.repeat));
            let args = import(c, "repeat.csv", &[]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = p.cmd(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}: {}", c.name, String::from_utf8_lossy(&out.stderr));
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(err.ends_with(": 1 new, 0 updated, 0 unchanged, 1 repeated\n"), "{}: {err}", c.name);
            let args = import(c, "repeat.csv", &["--format", "json"]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let s: serde_json::Value = serde_json::from_str(&p.ok(&args)).unwrap();
            assert_eq!(
                (s["new"].as_u64(), s["unchanged"].as_u64(), s["repeated"].as_u64()),
                (Some(0), Some(1), Some(1))
            );
        }
    }
}

/// Every blanked column of a row is listed, each on its own line, and with
/// a re-pointing error too: one run shows everything to fix.
#[test]
fn every_blanked_column_of_a_row_is_listed() {
    let p = Pathway::new();
    seeds(&p);
    let header = "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n";
    let base = p.file(
        "base.csv",
        format!("{header}BC-0042,2021-04-12,probation,Beth Centre,Lambeth,housing,engaged,2021-04-15,R-2104-0004\n"),
    );
    p.ok(&["referral", "import", base.to_str().unwrap()]);
    let before = state(&p);
    p.file("blank.csv", format!("{header}BC-0042,2021-04-12,probation,Beth Centre,,housing,,,R-2104-0004\n"));
    let err = stderr_of(&p, &["referral", "import", "blank.csv"], 65);
    let rule = "an import never blanks a recorded value: give the value, or pass --allow-clear to clear it on purpose";
    for column in ["area", "outcome", "first_contact_on"] {
        let line =
            format!("blank.csv:2: {column}: no value is given, but referral R-2104-0004 has one recorded; {rule}");
        assert!(err.lines().any(|l| l == line), "missing {line:?} in\n{err}");
    }
    p.file("moved.csv", format!("{header}BC-0043,2021-04-12,probation,Beth Centre,,housing,,,R-2104-0004\n"));
    let err = stderr_of(&p, &["referral", "import", "moved.csv"], 65);
    assert!(err.contains("moved.csv:2: client_ref: referral R-2104-0004 is recorded with another client_ref"), "{err}");
    assert!(err.contains("moved.csv:2: outcome: no value is given"), "{err}");
    assert!(!err.contains("BC-0043") && !err.contains("BC-0042"), "no client_ref in messages: {err}");
    assert_eq!(state(&p), before, "nothing written");
}

/// Another recipient (or funder) under the same grant ref would move the
/// grant and its payments to another organisation: refused.
#[test]
fn a_grant_import_never_moves_money_to_another_recipient_or_funder() {
    let p = Pathway::new();
    seeds(&p);
    let base = p.file("base.csv", "ref,decision,recipient,amount\n2021.021-1,2021.021,Juno Women's Aid,23966\n");
    p.ok(&["grant", "import", base.to_str().unwrap()]);
    let before = state(&p);
    for (row, column) in [
        ("ref,decision,recipient,amount\n2021.021-1,2021.021,Beth Centre,23966\n", "recipient"),
        ("ref,decision,funder,recipient,amount\n2021.021-1,2021.021,MOPAC,Juno Women's Aid,23966\n", "funder"),
    ] {
        let f = p.file("moved.csv", row);
        let err = stderr_of(&p, &["grant", "import", f.to_str().unwrap(), "--allow-clear"], 65);
        assert!(
            err.contains(&format!(
                "moved.csv:2: {column}: grant 2021.021-1 is recorded with another {column}; an import never moves a record: give the row its own ref, or add the grant under that decision with `pathway grant add`; to correct a recorded recipient or funder, use `pathway grant edit`\n"
            )),
            "{err}"
        );
        assert_eq!(state(&p), before, "nothing written");
    }
}

#[test]
fn two_equal_payments_in_one_file_stay_two() {
    let c = CASES.iter().find(|c| c.name == "payment").unwrap();
    let p = prepared(c);
    p.file(
        "two.csv",
        format!("{}\n{}\n{}\n", c.header, "2021.021-1,2021-09-30,100,Q2", "2021.021-1,2021-09-30,100,Q2"),
    );
    p.ok(&["grant", "import", "--payments", "two.csv"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM payments"), 3);
}

#[test]
fn every_import_takes_dry_run_and_writes_nothing() {
    for c in CASES {
        let p = prepared(c);
        // The base row again, changed where it can be, plus a new record.
        let extra = if c.repeat.is_empty() { "2021.021-1,2021-12-31,10,Q3" } else { c.repeat };
        p.file("dry.csv", format!("{}\n{}\n{extra}\n", c.header, c.base));
        let before = state(&p);
        let args = import(c, "dry.csv", &["--dry-run", "--format", "csv"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = p.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}: {}", c.name, String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(stdout.starts_with("line,record,key,action,column,old,new\n3,"), "{}: {stdout}", c.name);
        assert!(stdout.contains(",new,"), "{}: {stdout}", c.name);
        assert!(err.ends_with("; dry run: nothing was written\n"), "{}: {err}", c.name);
        assert_eq!(state(&p), before, "{}: --dry-run wrote something", c.name);
    }
}

#[test]
fn dry_run_lists_each_change_of_a_referral_import() {
    let c = CASES.iter().find(|c| c.name == "referral").unwrap();
    let p = prepared(c);
    p.file(
        "dry.csv",
        format!(
            "{}\n{}\n{}\n",
            c.header,
            "BC-0042,2021-04-12,probation,Beth Centre,Lambeth,housing,,2021-04-16,R-2104-0004",
            "BC-0044,2021-04-13,self,Beth Centre,Lambeth,debt,,,R-2104-0005"
        ),
    );
    let before = state(&p);
    let out = p.ok(&["--format", "csv", "referral", "import", "--dry-run", "--allow-clear", "dry.csv"]);
    assert_eq!(
        out,
        "line,record,key,action,column,old,new\n\
         2,referral,R-2104-0004,clear,outcome,engaged,\n\
         2,referral,R-2104-0004,update,first_contact_on,2021-04-15,2021-04-16\n\
         3,referral,R-2104-0005,new,,,\n"
    );
    assert_eq!(state(&p), before);
    let err = p.cmd(&["referral", "import", "--dry-run", "--allow-clear", "dry.csv"]).output().unwrap().stderr;
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "dry.csv: 2 referrals read: 1 new, 1 updated, 0 unchanged; dry run: nothing was written\n"
    );
    // Refused rows are refused in a dry run too.
    p.file("bad.csv", format!("{}\n{}\n", c.header, CASES[5].blank.unwrap().0));
    let err = p.fails(&["referral", "import", "--dry-run", "bad.csv"], 65);
    assert!(err.contains("bad.csv:2: outcome: no value is given"), "{err}");
}

#[test]
fn dry_run_lists_each_change_of_a_decision_import() {
    let c = CASES.iter().find(|c| c.name == "decision").unwrap();
    let p = prepared(c);
    p.file(
        "dry.csv",
        format!(
            "{}\n{}\n",
            c.header, "2021.010,Nottinghamshire OPCC,Women's centre (Beth Centre),Whole-system approach,15000"
        ),
    );
    let before = state(&p);
    let out = p.json(&["decision", "import", "--dry-run", "dry.csv"]);
    assert_eq!(
        out,
        serde_json::json!([
            {"line": 2, "record": "decision", "key": "2021.010", "action": "update", "column": "title",
             "old": "Women's centre", "new": "Women's centre (Beth Centre)"},
            {"line": 2, "record": "decision", "key": "2021.010", "action": "update", "column": "amount",
             "old": "14000.00", "new": "15000.00"}
        ])
    );
    assert_eq!(state(&p), before);
}

#[test]
fn a_spreadsheet_round_trip_does_not_duplicate_decisions() {
    let p = Pathway::new();
    for r in ["2021.010", "0042"] {
        p.ok(&[
            "decision",
            "add",
            "--ref",
            r,
            "--commissioner",
            "Nottinghamshire OPCC",
            "--title",
            "Pilot",
            "--amount",
            "1000",
        ]);
    }
    let export = p.ok(&["decision", "export"]);
    // What a spreadsheet makes of the refs when it reads them as numbers.
    let damaged = export.replace("\n2021.010,", "\n2021.01,").replace("\n0042,", "\n42,");
    assert_ne!(damaged, export);
    p.file("d.csv", damaged);
    let before = state(&p);
    let err = p.fails(&["decision", "import", "d.csv"], 65);
    assert_eq!(
        err,
        "pathway: d.csv: 2 invalid rows; nothing was imported\n\
         d.csv:2: ref: 42 is not a known decision, but 0042 is: a spreadsheet may have turned the ref into a number; write it as text\n\
         d.csv:3: ref: 2021.01 is not a known decision, but 2021.010 is: a spreadsheet may have turned the ref into a number; write it as text\n"
    );
    assert_eq!(state(&p), before);
    // The same in a reference to a decision from another import.
    p.file("g.csv", "decision,recipient,amount\n2021.01,Juno Women's Aid,10\n");
    let err = p.fails(&["grant", "import", "g.csv"], 65);
    assert!(
        err.ends_with("g.csv:2: decision: 2021.01 is not a known decision, but 2021.010 is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
}

#[test]
fn damaged_case_referral_and_client_refs_are_refused() {
    let c = CASES.iter().find(|c| c.name == "case").unwrap();
    let p = prepared(c);
    p.ok(&[
        "referral",
        "add",
        "--client",
        "0042",
        "--service",
        "Beth Centre",
        "--date",
        "12/04/21",
        "--source",
        "self",
        "--ref",
        "2104.10",
    ]);
    p.file("r.csv", format!("{}\n{}\n", CASES[5].header, "BC-0042,2021-04-12,self,Beth Centre,,,,,2104.1"));
    let err = p.fails(&["referral", "import", "r.csv"], 65);
    assert!(
        err.ends_with("r.csv:2: ref: 2104.1 is not a known referral, but 2104.10 is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
    // A client_ref: refused without naming either ref.
    p.file("r2.csv", format!("{}\n{}\n", CASES[5].header, "42,2021-04-12,self,Beth Centre,,,,,"));
    let err = p.fails(&["referral", "import", "r2.csv"], 65);
    assert!(
        err.ends_with("r2.csv:2: client_ref: this client_ref is not known, but one that differs from it only by the zeros a spreadsheet drops is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
    assert!(!err.contains("0042"), "{err}");
    p.ok(&[
        "caseload",
        "open",
        "--client",
        "BC-0044",
        "--worker",
        "KW01",
        "--service",
        "Beth Centre",
        "--tier",
        "T1",
        "--opened",
        "01/05/21",
        "--ref",
        "0050",
    ]);
    p.file("k.csv", format!("{}\n{}\n", c.header, "BC-0045,KW01,Beth Centre,T1,2021-05-01,,,,50"));
    let err = p.fails(&["caseload", "import", "k.csv"], 65);
    assert!(
        err.ends_with("k.csv:2: ref: 50 is not a known case, but 0050 is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
    // In the tier changes' reference to a case, and a service's to a grant.
    p.file("t.csv", "ref,from_on,tier\n50,2021-06-01,T2\n");
    let err = p.fails(&["caseload", "import", "--tiers", "t.csv"], 65);
    assert!(
        err.ends_with("t.csv:2: ref: 50 is not a known case, but 0050 is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
    p.ok(&[
        "grant",
        "add",
        "--decision",
        "2021.021",
        "--recipient",
        "Juno Women's Aid",
        "--amount",
        "10",
        "--ref",
        "2021.10",
    ]);
    p.file("s.csv", "name,provider,grants\nCroydon spoke,London Women's Consortium,2021.1\n");
    let err = p.fails(&["service", "import", "s.csv"], 65);
    assert!(
        err.ends_with("s.csv:2: grants: 2021.1 is not a known grant, but 2021.10 is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
}

#[test]
fn referral_update_corrects_the_client_and_the_date() {
    let c = CASES.iter().find(|c| c.name == "referral").unwrap();
    let p = prepared(c);
    let audit = p.sql_i64("SELECT count(*) FROM audit_log");
    p.ok(&["referral", "update", "R-2104-0004", "--client", "BC-0043", "--date", "13/04/21"]);
    let r = p.json(&["referral", "show", "R-2104-0004"]);
    assert_eq!((r["client_ref"].as_str(), r["referred_on"].as_str()), (Some("BC-0043"), Some("2021-04-13")));
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log"), audit + 1);
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let detail: String =
        c.query_row("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(detail, "client_ref, referred_on");
    // Now the file that was refused imports.
    p.file(
        "again.csv",
        format!(
            "{}\n{}\n",
            CASES[5].header, "BC-0043,2021-04-13,probation,Beth Centre,Lambeth,housing,engaged,2021-04-15,R-2104-0004"
        ),
    );
    p.ok(&["referral", "import", "again.csv"]);
    // The same validations as `referral add`.
    let err = p.fails(&["referral", "update", "R-2104-0004", "--client", "Jane Smith"], 65);
    assert!(err.starts_with("pathway: --client: "), "{err}");
    let err = p.fails(&["referral", "update", "R-2104-0004", "--date", "16/04/21"], 65);
    assert_eq!(
        err,
        "pathway: first_contact_on: the first contact (2021-04-15) is before the referral date (2021-04-16); first contact is never earlier\n"
    );
}

#[test]
fn an_import_never_reopens_a_case_even_with_allow_clear() {
    let c = CASES.iter().find(|c| c.name == "case").unwrap();
    let p = prepared(c);
    p.file("reopen.csv", format!("{}\n{}\n", c.header, "BC-0042,KW01,Beth Centre,T2,2021-04-16,,,,C-0042"));
    let before = state(&p);
    let err = p.fails(&["caseload", "import", "--allow-clear", "reopen.csv"], 65);
    assert_eq!(
        err,
        "pathway: reopen.csv: 1 invalid row; nothing was imported\n\
         reopen.csv:2: closed_on: case C-0042 was closed on 2021-09-30; an import does not reopen a case: open a new case instead\n"
    );
    assert_eq!(state(&p), before);
}

#[test]
fn a_damaged_ref_is_refused_when_its_original_is_earlier_in_the_same_file() {
    let c = CASES.iter().find(|c| c.name == "referral").unwrap();
    let p = prepared(c);
    p.file(
        "r.csv",
        format!(
            "{}\n{}\n{}\n",
            c.header, "0077,2021-04-12,self,Beth Centre,,,,,2104.10", "77,2021-04-13,self,Beth Centre,,,,,2104.1"
        ),
    );
    let before = state(&p);
    let err = p.fails(&["referral", "import", "r.csv"], 65);
    assert_eq!(
        err,
        "pathway: r.csv: 1 invalid row; nothing was imported\n\
         r.csv:3: client_ref: this client_ref is not known, but one that differs from it only by the zeros a spreadsheet drops is: a spreadsheet may have turned the ref into a number; write it as text\n"
    );
    assert_eq!(state(&p), before);
    p.file(
        "r2.csv",
        format!(
            "{}\n{}\n{}\n",
            c.header,
            "BC-0077,2021-04-12,self,Beth Centre,,,,,2104.10",
            "BC-0077,2021-04-13,self,Beth Centre,,,,,2104.1"
        ),
    );
    let err = p.fails(&["referral", "import", "r2.csv"], 65);
    assert!(
        err.ends_with("r2.csv:3: ref: 2104.1 is not a known referral, but 2104.10 is: a spreadsheet may have turned the ref into a number; write it as text\n"),
        "{err}"
    );
}
