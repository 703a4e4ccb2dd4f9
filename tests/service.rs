//! `pathway service`: hubs and spokes, providers, grants, targets, import.

mod common;

use common::Pathway;

const LWC: &str = "London Women's Consortium";

/// Decision DMPCD 2015 116 with one grant, 2015.116-1, written directly
/// (grants are another command's business).
fn with_grant(p: &Pathway) {
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch(
        "INSERT INTO organisations (name, kind) VALUES ('MOPAC', 'commissioner'), ('London CRC', 'partner');
         INSERT INTO decisions (ref, commissioner_id, title, amount_pence, status)
             VALUES ('DMPCD 2015 116', 1, 'Joint commission of a service for female offenders', 50000000, 'draft');
         INSERT INTO grants (ref, decision_id, funder_id, recipient_id, amount_pence, start_on, end_on)
             VALUES ('2015.116-1', 1, 1, 2, 50000000, '2016-04-01', '2018-03-31');",
    )
    .unwrap();
}

#[test]
fn hubs_spokes_providers_and_grants() {
    let p = Pathway::new();
    with_grant(&p);
    p.ok(&["service", "add", "Beth Centre", "--provider", LWC, "--area", "Lambeth", "--grant", "2015.116-1"]);
    for spoke in ["Southwark", "Croydon", "Lewisham"] {
        p.ok(&[
            "service",
            "add",
            &format!("{spoke} spoke"),
            "--kind",
            "spoke",
            "--hub",
            "Beth Centre",
            "--provider",
            LWC,
            "--area",
            spoke,
        ]);
    }
    p.ok(&["service", "add", "St Mary's Outreach", "--kind", "outreach", "--provider", LWC]);
    // The provider is recorded once, as a provider.
    assert_eq!(
        p.sql_i64(&format!("SELECT count(*) FROM organisations WHERE name = \"{LWC}\" AND kind = 'provider'")),
        1
    );

    let list = p.json(&["service", "list"]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Beth Centre", "Croydon spoke", "Lewisham spoke", "Southwark spoke", "St Mary's Outreach"]);
    assert_eq!(list[0]["grants"], serde_json::json!(["2015.116-1"]));
    assert_eq!(list[1]["hub"], "Beth Centre");
    assert_eq!(list[1]["kind"], "spoke");

    let show = p.json(&["service", "show", "beth centre"]);
    assert_eq!(show["spokes"], serde_json::json!(["Croydon spoke", "Lewisham spoke", "Southwark spoke"]));
    assert_eq!(show["funded_by"][0]["grant"], "2015.116-1");
    assert_eq!(show["funded_by"][0]["decision"], "DMPCD 2015 116");
    assert_eq!(show["funded_by"][0]["amount"], "500000.00");
    let table = p.ok(&["service", "show", "Beth Centre"]);
    assert!(table.contains("Southwark spoke") && table.contains("£500,000.00"), "{table}");

    // Typos name the closest known one; nothing is written.
    let before = p.dump();
    let err = p.fails(&["service", "add", "Ealing spoke", "--hub", "Beth Center", "--provider", LWC], 65);
    assert!(err.contains("no service called 'Beth Center'; did you mean 'Beth Centre'?"), "{err}");
    // One lookup, one message, whichever command names the service.
    for (args, code) in [
        (&["report", "return", "--period", "2021-04", "--service", "Beth Center"][..], 65),
        (&["service", "show", "Beth Center"][..], 65),
    ] {
        let err = p.fails(args, code);
        assert_eq!(err, "pathway: no service called 'Beth Center'; did you mean 'Beth Centre'?\n", "{args:?}");
    }
    let err = p.fails(&["service", "add", "Brent spoke", "--provider", LWC, "--grant", "2015.116-l"], 65);
    assert!(err.contains("--grant: no grant with ref '2015.116-l'; did you mean '2015.116-1'?"), "{err}");
    let err = p.fails(&["service", "add", "Beth Centre", "--provider", LWC], 65);
    assert!(err.contains("a service called 'Beth Centre' is recorded already"), "{err}");
    let err = p.fails(&["service", "add", "Hounslow spoke", "--kind", "spoke", "--provider", LWC], 2);
    assert!(err.contains("a spoke needs its hub"), "{err}");
    let err = p.fails(&["service", "add", "Ealing spoke", "--hub", "Croydon spoke", "--provider", LWC], 2);
    assert!(err.contains("'Croydon spoke' is a spoke, not a hub"), "{err}");
    p.fails(&["service", "add", "Ealing spoke", "--kind", "satellite", "--provider", LWC], 2);
    assert_eq!(p.dump(), before);
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'service' AND action = 'add'"), 5);
}

#[test]
fn targets_are_set_and_changed() {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", LWC, "--area", "Lambeth"]);
    let out =
        p.run(&["service", "target", "Beth Centre", "--measure", "referrals", "--period", "2016/17", "--value", "400"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "set target for 'Beth Centre': referrals 2016/17 (2016-04-01..2017-03-31) = 400"
    );
    p.ok(&[
        "service",
        "target",
        "Beth Centre",
        "--measure",
        "women_supported",
        "--period",
        "2016/17-Q1",
        "--value",
        "60",
    ]);
    // The same service, measure and period again: the value changes, no new target.
    p.ok(&["service", "target", "Beth Centre", "--measure", "referrals", "--period", "2016/17", "--value", "527"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM targets"), 2);
    let show = p.json(&["service", "show", "Beth Centre"]);
    assert_eq!(
        show["targets"],
        serde_json::json!([
            {"measure": "women_supported", "period": "2016/17-Q1", "from_on": "2016-04-01", "to_on": "2016-06-30", "value": 60},
            {"measure": "referrals", "period": "2016/17", "from_on": "2016-04-01", "to_on": "2017-03-31", "value": 527}
        ])
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'target'"), 3);
    let err = p.fails(
        &["service", "target", "Beth Centre", "--measure", "referals", "--period", "2016/17", "--value", "1"],
        2,
    );
    assert!(err.contains("referrals, women_supported, positive_outcomes, women_progressed, completions"), "{err}");
    p.fails(&["service", "target", "Beth Centre", "--measure", "referrals", "--period", "2016/18", "--value", "1"], 2);
    p.fails(&["service", "target", "Beth Centre", "--measure", "referrals", "--period", "2016/17", "--value", "-1"], 2);
    let err =
        p.fails(&["service", "target", "Beth", "--measure", "referrals", "--period", "2016/17", "--value", "1"], 65);
    assert!(err.contains("no service called 'Beth'"), "{err}");
}

#[test]
fn import_is_idempotent_and_round_trips_through_list() {
    let p = Pathway::new();
    let file = "name,provider,area,kind,hub\n\
                Beth Centre,London Women's Consortium,Lambeth,hub,\n\
                Southwark spoke,London Women's Consortium,Southwark,spoke,Beth Centre\n\
                \"Women's Centre, Mansfield\",\"Women's Centres Consortium, England\",Mansfield,outreach,\n";
    p.file("services.csv", file);
    let s = p.json(&["service", "import", "services.csv"]);
    assert_eq!((s["new"].as_u64(), s["unchanged"].as_u64()), (Some(3), Some(0)));
    let s = p.json(&["service", "import", "services.csv"]);
    assert_eq!((s["new"].as_u64(), s["unchanged"].as_u64()), (Some(0), Some(3)));
    p.file(
        "moved.csv",
        "name,provider,area,kind,hub\nSouthwark spoke,London Women's Consortium,Peckham,spoke,Beth Centre\n",
    );
    let s = p.json(&["service", "import", "moved.csv"]);
    assert_eq!(s["updated"], 1);

    let listed = p.ok(&["service", "list", "--format", "csv"]);
    let q = Pathway::new();
    q.file("listed.csv", &listed);
    q.ok(&["service", "import", "listed.csv"]);
    assert_eq!(q.ok(&["service", "list", "--format", "csv"]), listed);

    // A misspelt hub is named by line and column; nothing is written.
    let before = q.dump();
    q.file("bad.csv", "name,provider,kind,hub\nCroydon spoke,London Women's Consortium,spoke,Beth Center\nX,Y,hubb,\n");
    let err = q.fails(&["service", "import", "bad.csv"], 65);
    assert!(err.contains("bad.csv:2: hub: no service called 'Beth Center'; did you mean 'Beth Centre'?"), "{err}");
    assert!(err.contains("bad.csv:3: kind: \"hubb\" is not a kind of service"), "{err}");
    assert_eq!(q.dump(), before);
}

/// The seed decisions and grants, as examples/first-return.sh loads them.
fn with_example_grants(p: &Pathway) {
    let ex = common::root().join("examples");
    p.ok(&["-q", "decision", "import", ex.join("decisions.csv").to_str().unwrap()]);
    p.ok(&["-q", "grant", "import", ex.join("grants.csv").to_str().unwrap()]);
}

#[test]
fn service_export_imports_back_unchanged() {
    let p = Pathway::new();
    with_example_grants(&p);
    p.ok(&["-q", "service", "import", common::root().join("examples/services.csv").to_str().unwrap()]);
    p.ok(&[
        "service",
        "add",
        "Juno DAPC",
        "--provider",
        "Juno Women's Aid",
        "--area",
        "Nottingham",
        "--kind",
        "other",
        "--grant",
        "2021.021-1",
        "--grant",
        "2021.021-2",
    ]);
    let export = p.ok(&["service", "export"]);
    let lines: Vec<&str> = export.lines().collect();
    assert_eq!(lines[0], "name,provider,area,kind,hub,grants");
    assert_eq!(lines[1], "Beth Centre,London Women's Consortium,Lambeth,hub,,");
    assert_eq!(lines[2], "Croydon spoke,London Women's Consortium,Croydon,spoke,Beth Centre,");
    assert!(lines.contains(&"Juno DAPC,Juno Women's Aid,Nottingham,other,,2021.021-1;2021.021-2"), "{export}");
    assert!(lines.contains(&"\"Women's Outreach, Lambeth\",London Women's Consortium,Lambeth,outreach,,"), "{export}");

    // Export → import into a fresh database → export: the same bytes.
    let q = Pathway::new();
    with_example_grants(&q);
    q.file("services.csv", &export);
    let s = q.json(&["service", "import", "services.csv"]);
    assert_eq!(s["new"], lines.len() as u64 - 1, "{s}");
    assert_eq!(q.ok(&["service", "export"]), export);
    // Importing it again changes nothing.
    assert_eq!(q.json(&["service", "import", "services.csv"])["unchanged"], lines.len() as u64 - 1);
    // JSON and JSON Lines carry the same fields.
    let j = p.json(&["service", "export"]);
    assert_eq!(
        j[0],
        serde_json::json!({"name": "Beth Centre", "provider": "London Women's Consortium", "area": "Lambeth",
                           "kind": "hub", "hub": null, "grants": []})
    );
    let jl = p.ok(&["service", "export", "--format", "jsonl"]);
    assert_eq!(jl.lines().count(), lines.len() - 1);
}

#[test]
fn a_hubs_target_counts_its_spokes_and_says_so() {
    let p = Pathway::empty();
    let help = p.ok(&["service", "target", "--help"]);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "A hub's target counts the referrals and cases of its spokes as well as its own, as `report return --service HUB` does"
        ),
        "{help}"
    );
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "A hub's target counts the referrals and cases of its spokes as well as its own (as `--service` does)"
        ),
        "README"
    );
}
