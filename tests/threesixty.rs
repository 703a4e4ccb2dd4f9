//! 360Giving that publishes cleanly (PRODUCT.md 6.5, issue 15): registered
//! identifiers, beneficiary locations with ONS area codes, last modified and
//! data source, and `grant export --360giving --check`.

mod common;

use common::{giving_errors, giving_validator, root, Pathway};

fn example(name: &str) -> String {
    root().join("examples").join(name).to_string_lossy().into_owned()
}

/// The seed decisions, grants and payments, exported with the publisher
/// prefix 360G-nottspcc.
fn seeds() -> Pathway {
    let p = Pathway::new();
    p.ok(&["-q", "decision", "import", &example("decisions.csv")]);
    p.ok(&["-q", "grant", "import", &example("grants.csv")]);
    p.ok(&["-q", "grant", "import", "--payments", &example("payments.csv")]);
    p.ok(&["-q", "grant", "export", "--360giving", "--prefix", "360G-nottspcc", "--format", "json"]);
    p
}

/// The seeds with every identifier, location, data source and licence set
/// (the numbers are made up for the test, in the registers' formats).
fn seeds_published() -> Pathway {
    let p = seeds();
    for (org, id) in [
        ("Nottinghamshire OPCC", "GB-GOR-TEST01"),
        ("MOPAC", "GB-GOR-TEST02"),
        ("Juno Women's Aid", "GB-CHC-1000001"),
        ("Nottinghamshire Women's Aid", "GB-CHC-1000002"),
        ("Nottingham Women's Centre", "GB-CHC-1000003"),
        ("London Community Rehabilitation Company", "GB-COH-09000001"),
    ] {
        p.ok(&["-q", "grant", "org-id", org, id]);
    }
    for (service, provider, area, code, grant) in [
        ("Partnership car: Juno", "Juno Women's Aid", "Nottinghamshire", "E10000024", "2021.021-1"),
        ("Partnership car: NWA", "Nottinghamshire Women's Aid", "Nottinghamshire", "E10000024", "2021.021-2"),
        ("Supported accommodation", "Nottingham Women's Centre", "Nottingham", "E06000018", "2021.027-1"),
        (
            "Female offender service",
            "London Community Rehabilitation Company",
            "London",
            "E12000007",
            "DMPCD 2015 116-1",
        ),
    ] {
        p.ok(&[
            "-q",
            "service",
            "add",
            service,
            "--provider",
            provider,
            "--area",
            area,
            "--area-code",
            code,
            "--grant",
            grant,
        ]);
    }
    p.ok(&[
        "-q",
        "grant",
        "export",
        "--360giving",
        "--data-source",
        "https://example.org/opcc/grants.json",
        "--license",
        "https://creativecommons.org/licenses/by/4.0/",
        "--format",
        "json",
    ]);
    p
}

fn check_rows(p: &Pathway, extra: &[&str]) -> (i32, Vec<Vec<String>>, String) {
    let mut args = vec!["grant", "export", "--360giving", "--check", "--format", "csv"];
    args.extend(extra);
    let out = p.run(&args);
    let rows = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (out.status.code().unwrap(), rows, String::from_utf8(out.stderr).unwrap())
}

/// The checks reported, as (check, grant) pairs.
fn checks(p: &Pathway, extra: &[&str]) -> Vec<(String, String)> {
    check_rows(p, extra).1.into_iter().map(|r| (r[1].clone(), r[2].clone())).collect()
}

#[test]
fn the_seeds_with_identifiers_set_publish_cleanly() {
    let p = seeds_published();
    for funder in ["Nottinghamshire OPCC", "MOPAC"] {
        let (code, rows, err) = check_rows(&p, &["--commissioner", funder]);
        assert_eq!(rows, Vec::<Vec<String>>::new(), "{funder}");
        assert_eq!(code, 0);
        let n = if funder == "MOPAC" { 1 } else { 3 };
        assert_eq!(err, format!("360Giving checks: 22 checks, no findings in {n} grant(s)\n"));
    }
    // Both funders in one file: the one finding is that there are two.
    assert_eq!(
        checks(&p, &[]),
        [("more_than_one_funding_org".to_string(), "360G-nottspcc-DMPCD_2015_116-1".to_string())]
    );

    let doc = p.json(&["grant", "export", "--360giving", "--commissioner", "Nottinghamshire OPCC"]);
    assert_eq!(giving_errors(&giving_validator(), &doc), Vec::<String>::new());
    assert_eq!(doc["license"], "https://creativecommons.org/licenses/by/4.0/");
    assert_eq!(doc["publisher"]["identifier"], "GB-GOR-TEST01");
    let juno = &doc["grants"][0];
    assert_eq!(
        juno["recipientOrganization"],
        serde_json::json!([{"id": "GB-CHC-1000001", "name": "Juno Women's Aid", "charityNumber": "1000001"}])
    );
    assert_eq!(juno["fundingOrganization"][0]["id"], "GB-GOR-TEST01");
    assert_eq!(
        juno["beneficiaryLocation"],
        serde_json::json!([{"name": "Nottinghamshire", "countryCode": "GB", "geoCode": "E10000024", "geoCodeType": "CTY"}])
    );
    assert_eq!(juno["dataSource"], "https://example.org/opcc/grants.json");
    // Last modified: the latest audit time of the grant or its decision.
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let latest: String = c
        .query_row(
            "SELECT max(at) FROM audit_log WHERE (entity = 'grant' AND key = '2021.021-1')
               OR (entity = 'decision' AND key = '2021.021')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(juno["dateModified"], latest.as_str());
    let mopac = p.json(&["grant", "export", "--360giving", "--commissioner", "MOPAC"]);
    assert_eq!(giving_errors(&giving_validator(), &mopac), Vec::<String>::new());
    assert_eq!(mopac["grants"][0]["recipientOrganization"][0]["companyNumber"], "09000001");
    assert_eq!(mopac["grants"][0]["beneficiaryLocation"][0]["geoCodeType"], "RGN/GOR");
    // A payment changes the grant's last modified time, not the others'.
    p.ok(&["-q", "grant", "pay", "2021.021-1", "--amount", "10", "--date", "2021-12-31"]);
    let paid: String = c
        .query_row(
            "SELECT max(at) FROM audit_log WHERE entity = 'grant' AND key = '2021.021-1' AND action = 'pay'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let after = p.json(&["grant", "export", "--360giving", "--commissioner", "Nottinghamshire OPCC"]);
    assert_eq!(after["grants"][0]["dateModified"], paid.as_str());
    assert_eq!(after["grants"][1]["dateModified"], doc["grants"][1]["dateModified"]);
}

#[test]
fn check_reports_made_up_identifiers_and_missing_locations_per_grant() {
    let p = seeds();
    let (code, rows, err) = check_rows(&p, &["--commissioner", "MOPAC"]);
    assert_eq!(code, 1);
    assert_eq!(err, "360Giving checks: 5 finding(s) in 1 grant(s); put them right before publishing\n");
    let g = "360G-nottspcc-DMPCD_2015_116-1";
    let first_four: Vec<Vec<&str>> = rows.iter().map(|r| r[..4].iter().map(String::as_str).collect()).collect();
    assert_eq!(
        first_four,
        [
            ["usefulness", "recipient_org_360g_prefix", g, "grants/0/recipientOrganization/0/id"],
            ["usefulness", "funding_org_360g_prefix", g, "grants/0/fundingOrganization/0/id"],
            ["usefulness", "no_recipient_charity_or_company_number", g, "grants/0/recipientOrganization/0/id"],
            ["usefulness", "no_beneficiary_location", g, "grants/0/id"],
            ["usefulness", "no_data_source", g, "grants/0/id"],
        ]
    );
    let json: serde_json::Value = serde_json::from_slice(
        &p.run(&["grant", "export", "--360giving", "--check", "--commissioner", "MOPAC", "--format", "json"]).stdout,
    )
    .unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({
            "kind": "usefulness",
            "check": "recipient_org_360g_prefix",
            "grant": g,
            "field": "grants/0/recipientOrganization/0/id",
            "message": "the recipient's identifier starts 360G-: record its charity or company number with `pathway grant org-id`"
        })
    );
    // A service with an area but no code: the location is there, its code missing.
    p.ok(&[
        "-q",
        "service",
        "add",
        "Female offender service",
        "--provider",
        "London Community Rehabilitation Company",
        "--area",
        "London",
        "--grant",
        "DMPCD 2015 116-1",
    ]);
    let found = checks(&p, &["--commissioner", "MOPAC"]);
    assert!(found.contains(&("no_beneficiary_geocode".to_string(), g.to_string())), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == "no_beneficiary_location"), "{found:?}");
    p.ok(&["-q", "service", "edit", "Female offender service", "--area-code", "E12000007"]);
    assert!(!checks(&p, &["--commissioner", "MOPAC"]).iter().any(|(c, _)| c == "no_beneficiary_geocode"));
}

#[test]
fn check_reports_what_grants_and_decisions_leave_out() {
    let p = seeds_published();
    // A decision with no funding source, a grant without dates whose title
    // is its purpose, and one whose purpose holds an email address.
    p.ok(&[
        "-q",
        "decision",
        "add",
        "--ref",
        "2021.050",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "Small grants",
        "--amount",
        "2000",
        "--received",
        "01/04/21",
    ]);
    p.ok(&["-q", "decision", "set-status", "2021.050", "approved", "--date", "2021-04-10"]);
    // A £500 grant under 2021.050 to Juno Women's Aid, with these options.
    let small = |extra: &[&str]| {
        let mut args = vec!["-q", "grant", "add", "--decision", "2021.050", "--recipient", "Juno Women's Aid"];
        args.extend(["--amount", "500"]);
        args.extend(extra);
        p.ok(&args);
    };
    let dated = ["--start", "2021-05-01", "--end", "2021-10-31"];
    small(&["--title", "Helpline", "--purpose", "Helpline"]);
    small(&[&["--title", "Outreach", "--purpose", "Outreach: write to jo.worker@example.org"][..], &dated].concat());
    let long = "A very long title ".repeat(9);
    small(&[&["--title", long.as_str()][..], &dated].concat());
    let found = checks(&p, &["--decision", "2021.050"]);
    let g = |n: u8| format!("360G-nottspcc-2021_050-{n}");
    let want: Vec<(String, String)> = [
        ("no_grant_programme", 1),
        ("no_beneficiary_location", 1),
        ("title_description_same", 1),
        ("planned_duration_not_present", 1),
        ("looks_like_email", 2),
        ("no_grant_programme", 2),
        ("no_beneficiary_location", 2),
        ("no_grant_programme", 3),
        ("no_beneficiary_location", 3),
        ("title_length", 3),
    ]
    .into_iter()
    .map(|(c, n)| (c.to_string(), g(n)))
    .collect();
    assert_eq!(found, want);
}

#[test]
fn organisation_identifiers_accept_only_the_org_id_registers() {
    let p = seeds();
    let err = p.fails(&["grant", "org-id", "Juno Women's Aid", "GB-XYZ-1"], 2);
    assert_eq!(
        err,
        "pathway: \"GB-XYZ-1\" is not an organisation identifier from the org-id register; it starts with one of \
         GB-CHC, GB-SC, GB-NIC, GB-COH, GB-GOR, GB-LAE, GB-LAS, GB-PLA, GB-NHS, GB-EDU, GB-MPR, or 360G- for an \
         organisation with no registered number\n"
    );
    let err = p.fails(&["grant", "org-id", "Juno Women's Aid", "GB-CHC-12345"], 2);
    assert_eq!(
        err,
        "pathway: \"GB-CHC-12345\" is not a GB-CHC identifier: a charity number in England and Wales is 6 or 7 \
         digits (GB-CHC-1164883)\n"
    );
    let err = p.fails(&["grant", "org-id", "Jno Women's Aid", "GB-CHC-1000001"], 65);
    assert_eq!(
        err,
        "pathway: no organisation is recorded as \"Jno Women's Aid\"; organisations are recorded as decisions, grants \
         and services name them\n"
    );
    let out = p.cmd(&["grant", "org-id", "Juno Women's Aid", "GB-CHC-1000001"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "Juno Women's Aid: 360Giving identifier GB-CHC-1000001\n");
    let err = p.fails(&["grant", "org-id", "Nottinghamshire Women's Aid", "GB-CHC-1000001"], 65);
    assert_eq!(
        err,
        "pathway: GB-CHC-1000001 is the identifier of Juno Women's Aid already; one org-id names one organisation\n"
    );
    // The publisher form, for an organisation with no registered number.
    p.ok(&["-q", "grant", "org-id", "Nottinghamshire Women's Aid", "360G-nottspcc-NWA"]);
    let doc = p.json(&["grant", "export", "--360giving"]);
    assert_eq!(doc["grants"][0]["recipientOrganization"][0]["id"], "GB-CHC-1000001");
    assert_eq!(doc["grants"][1]["recipientOrganization"][0]["id"], "360G-nottspcc-NWA");
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'organisation' AND action = 'set'"), 2);
}

#[test]
fn area_codes_are_ons_gss_codes() {
    let p = Pathway::examples();
    let err = p.fails(&["service", "edit", "Beth Centre", "--area-code", "SW2 1RW"], 2);
    assert_eq!(
        err,
        "pathway: --area-code: \"SW2 1RW\" is not an ONS area code (GSS code): write E, W, S or N and 8 digits, e.g. \
         E09000022 for Lambeth\n"
    );
    let err = p.fails(&["service", "add", "New hub", "--provider", "X", "--area-code", "E99000001"], 2);
    assert_eq!(
        err,
        "pathway: --area-code: E99000001 is shaped like a GSS code, but its entity E99 is not in the 360Giving \
         geoCodeType codelist\n"
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM services WHERE name = 'New hub'"), 0);
    let out = p.cmd(&["service", "edit", "Beth Centre", "--area-code", "e09000022"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "service 'Beth Centre': area code E09000022\n");
    assert_eq!(p.sql_i64("SELECT count(*) FROM service_area_codes WHERE gss_code = 'E09000022'"), 1);
    let out = p.cmd(&["service", "edit", "Beth Centre", "--area-code", "none"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "service 'Beth Centre': no area code\n");
    assert_eq!(p.sql_i64("SELECT count(*) FROM service_area_codes"), 0);
}
