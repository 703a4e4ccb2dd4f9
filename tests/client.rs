//! `pathway client`: equality data, data minimisation, subject access and
//! erasure that leaves no trace in the file.

mod common;

use common::Pathway;

const HEADER: &str = "client_ref,birth_year,ethnicity,disability,dependent_children";

fn setup() -> Pathway {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    p
}

#[test]
fn import_list_export_idempotent() {
    let p = setup();
    p.file(
        "clients.csv",
        format!(
            "{HEADER}\nBC-0001,1985,white_british,no,2\nBC-0002,,Black: Caribbean,prefer_not_to_say,\nBC-0003,1999,,yes,0\n"
        ),
    );
    let s = p.json(&["client", "import", "clients.csv"]);
    assert_eq!((s["rows"].as_u64(), s["new"].as_u64()), (Some(3), Some(3)));
    let s = p.json(&["client", "import", "clients.csv"]);
    assert_eq!((s["new"].as_u64(), s["unchanged"].as_u64()), (Some(0), Some(3)));
    let export = p.ok(&["client", "export"]);
    assert_eq!(
        export,
        format!("{HEADER}\nBC-0001,1985,white_british,no,2\nBC-0002,,black_caribbean,prefer_not_to_say,\nBC-0003,1999,,yes,0\n")
    );
    p.file("changed.csv", format!("{HEADER}\nBC-0003,1999,asian_indian,yes,0\n"));
    assert_eq!(p.json(&["client", "import", "changed.csv"])["updated"], 1);
    // Clients first seen in referrals appear, with counts.
    p.file(
        "r.csv",
        "client_ref,referred_on,source,service,needs\nBC-0003,2021-04-01,police,Beth Centre,\nBC-0009,2021-04-02,self,Beth Centre,\n",
    );
    p.ok(&["referral", "import", "r.csv"]);
    let list = p.json(&["client", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 4);
    assert_eq!(list[2]["ethnicity"], "asian_indian");
    assert_eq!(list[2]["referrals"], 1);
    assert_eq!(list[3]["client_ref"], "BC-0009");
    assert_eq!(list[3]["birth_year"], serde_json::Value::Null);
    // Export -> import into a fresh database -> export: identical.
    let export = p.ok(&["client", "export"]);
    let q = Pathway::new();
    q.file("e.csv", &export);
    q.ok(&["client", "import", "e.csv"]);
    assert_eq!(q.ok(&["client", "export"]), export);
    // All five columns are needed, so a narrower file cannot blank values.
    p.file("narrow.csv", "client_ref,ethnicity\nBC-0001,white_irish\n");
    let err = p.fails(&["client", "import", "narrow.csv"], 65);
    assert!(err.contains("the required column \"birth_year\" is missing"), "{err}");
}

#[test]
fn equality_answers_as_people_write_them_are_accepted() {
    let p = setup();
    p.file(
        "people.csv",
        format!(
            "{HEADER}\n\
             BC-0001,1985,White British,Yes,No\n\
             BC-0002,1990,White - British,Y,None\n\
             BC-0003,1979,  black   BRITISH ,N,2\n\
             BC-0004,1988,Asian British,Prefer not to say,Unknown\n\
             BC-0005,1992,Mixed,Unknown,Not known\n\
             BC-0006,1970,Not stated,Not known,Prefer not to say\n\
             BC-0007,1966,Prefer not to say,no,1\n\
             BC-0008,1999,Unknown,Not stated,0\n"
        ),
    );
    let s = p.json(&["client", "import", "people.csv"]);
    assert_eq!(s["new"], 8, "{s}");
    assert_eq!(
        p.ok(&["client", "export"]),
        format!(
            "{HEADER}\n\
             BC-0001,1985,white_british,yes,0\n\
             BC-0002,1990,white_british,yes,0\n\
             BC-0003,1979,black_other,no,2\n\
             BC-0004,1988,asian_other,prefer_not_to_say,\n\
             BC-0005,1992,mixed_other,,\n\
             BC-0006,1970,,,\n\
             BC-0007,1966,prefer_not_to_say,no,1\n\
             BC-0008,1999,,,0\n"
        )
    );
    // "Yes" children is refused: the number is what is recorded.
    p.file("yes.csv", format!("{HEADER}\nBC-0009,1985,white_british,no,Yes\n"));
    let err = p.fails(&["client", "import", "yes.csv"], 65);
    assert!(
        err.lines().any(|l| l
            == "yes.csv:2: dependent_children: the value says yes but not how many; write the number of dependent children (1 to 30)"),
        "{err}"
    );
    // The help lists what is accepted.
    let help = p.ok(&["client", "import", "--help"]);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for listed in [
        "\"White British\" → white_british",
        "\"Black British\" → black_other",
        "\"Asian British\" → asian_other",
        "\"Mixed\" → mixed_other",
        "\"Y\" → yes",
        "\"N\" → no",
        "\"Unknown\", \"Not known\", \"Not stated\"",
        "\"Prefer not to say\"",
        "(\"White - British\" is \"white british\")",
    ] {
        assert!(flat.contains(listed), "{listed} not in:\n{help}");
    }
}

#[test]
fn errors_never_repeat_equality_data_or_refs() {
    let p = setup();
    let before = p.dump();
    p.file("bad.csv", format!("{HEADER}\nBC-1,1885,white_british,no,1\nBC-2,1980,martian,no,1\nBC-3,1980,white_irish,sometimes,1\nBC-4,1980,,,31\n"));
    let err = p.fails(&["client", "import", "bad.csv"], 65);
    assert!(err.contains("bad.csv:2: birth_year: the value is not a birth year"), "{err}");
    assert!(err.contains("bad.csv:3: ethnicity: the value is not one of the ONS 2021 ethnic groups"), "{err}");
    assert!(err.contains("bad.csv:4: disability: the value is not a disability answer"), "{err}");
    assert!(err.contains("bad.csv:5: dependent_children: the value is not a number of dependent children"), "{err}");
    for secret in ["1885", "martian", "sometimes", "BC-1", "BC-2"] {
        assert!(!err.contains(secret), "{secret} repeated in: {err}");
    }
    assert_eq!(p.dump(), before);
}

#[test]
fn names_addresses_and_dates_of_birth_are_refused() {
    let p = setup();
    let before = p.dump();
    for column in ["name", "dob", "Date of birth", "postcode", "first_name", "surname", "address"] {
        p.file("c.csv", format!("{HEADER},{column}\nBC-0001,1985,,,,x\n"));
        for extra in [&[][..], &["--ignore-unknown"][..]] {
            let mut args = vec!["client", "import", "c.csv"];
            args.extend_from_slice(extra);
            let err = p.fails(&args, 65);
            assert!(err.contains("data minimisation"), "{column}: {err}");
        }
    }
    // Refs that look like names or dates of birth.
    for bad in ["Jane Smith", "JaneSmith", "12/03/1985", "BC-19850312", "jane@example.org"] {
        p.file("c.csv", format!("{HEADER}\n\"{bad}\",,,,\n"));
        let err = p.fails(&["client", "import", "c.csv"], 65);
        assert!(err.contains("c.csv:2: client_ref:"), "{bad}: {err}");
        assert!(!err.contains(bad), "{bad} repeated in: {err}");
        let err = p.fails(&["client", "show", bad], 65);
        assert!(!err.contains(bad), "{err}");
    }
    assert_eq!(p.dump(), before);
}

/// A client with referrals and a case with tier history; the case rows are
/// written directly (caseloads are another command's business).
fn client_with_everything(p: &Pathway, client_ref: &str) {
    p.file("c.csv", format!("{HEADER}\n{client_ref},1988,mixed_other,no,3\nBC-0100,1990,white_british,no,0\n"));
    p.ok(&["client", "import", "c.csv"]);
    p.file(
        "r.csv",
        format!(
            "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n\
             {client_ref},2021-04-12,probation,Beth Centre,Lambeth,housing;mental_health,engaged,2021-04-15,ZREF-1\n\
             {client_ref},2021-09-01,police,Beth Centre,Lambeth,domestic_abuse,accepted,2021-09-02,ZREF-2\n\
             {client_ref},2022-01-10,self,Beth Centre,Lambeth,,,,\n\
             BC-0100,2021-05-01,gp,Beth Centre,Lambeth,debt,,,KEEP-1\n"
        ),
    );
    p.ok(&["referral", "import", "r.csv"]);
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch(&format!(
        "INSERT INTO workers (code, capacity_hours) VALUES ('KW01', 37.5);
         INSERT INTO cases (ref, client_id, worker_id, service_id, opened_on)
             SELECT 'CASE-1', id, 1, 1, '2021-04-20' FROM clients WHERE client_ref = '{client_ref}';
         INSERT INTO case_tiers (case_id, from_on, tier) VALUES (1, '2021-04-20', 'T2'), (1, '2021-07-01', 'T1');"
    ))
    .unwrap();
}

#[test]
fn show_lists_everything_held() {
    let p = setup();
    client_with_everything(&p, "BC-0042");
    let held = p.json(&["client", "show", "BC-0042"]);
    assert_eq!(held["client"]["client_ref"], "BC-0042");
    assert_eq!(held["client"]["birth_year"], 1988);
    assert_eq!(held["client"]["ethnicity"], "mixed_other");
    assert_eq!(held["client"]["dependent_children"], 3);
    let refs: Vec<&serde_json::Value> = held["referrals"].as_array().unwrap().iter().map(|r| &r["ref"]).collect();
    assert_eq!(refs, [&serde_json::json!("ZREF-1"), &serde_json::json!("ZREF-2"), &serde_json::Value::Null]);
    assert_eq!(held["referrals"][0]["needs"], serde_json::json!(["mental_health", "housing"]));
    assert_eq!(held["cases"].as_array().unwrap().len(), 1);
    assert_eq!(held["cases"][0]["ref"], "CASE-1");
    assert_eq!(held["cases"][0]["worker"], "KW01");
    assert_eq!(
        held["cases"][0]["tiers"],
        serde_json::json!([{"from_on": "2021-04-20", "tier": "T2"}, {"from_on": "2021-07-01", "tier": "T1"}])
    );
    let table = p.ok(&["client", "show", "BC-0042"]);
    assert!(
        table.contains("Referrals (3)") && table.contains("Cases (1)") && table.contains("T2 from 2021-04-20"),
        "{table}"
    );
    let csv = p.ok(&["client", "show", "BC-0042", "--format", "csv"]);
    assert!(csv.starts_with("section,item,field,value\nclient,1,client_ref,BC-0042\n"), "{csv}");
    assert!(csv.contains("referrals,2,ref,ZREF-2\n"), "{csv}");
    let err = p.fails(&["client", "show", "BC-0043"], 65);
    assert!(err.contains("no client is recorded with that client_ref"), "{err}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn file_bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[test]
fn erase_leaves_no_trace_in_the_files() {
    let p = setup();
    let secret = "QX-7731";
    client_with_everything(&p, secret);
    let wal = p.db.with_extension("db-wal");
    let everywhere = || [file_bytes(&p.db), file_bytes(&wal)].concat();
    assert!(contains(&everywhere(), secret.as_bytes()), "the client_ref should be in the files before erasure");

    // --yes is required, and nothing happens without it.
    let before = p.dump();
    let err = p.fails(&["client", "erase", secret], 2);
    assert!(err.contains("give --yes to confirm"), "{err}");
    assert_eq!(p.dump(), before);

    let out = p.run(&["client", "erase", secret, "--yes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "erased: 1 client, 3 referrals, 1 case, 0 assessments removed, with 0 audit entries about them"
    );

    // Nothing of hers is left in the database file or its write-ahead log.
    let bytes = everywhere();
    for gone in [secret, "ZREF-1", "ZREF-2", "CASE-1"] {
        assert!(!contains(&bytes, gone.as_bytes()), "{gone} is still in the database files");
    }
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM cases"), 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM case_tiers"), 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE ref = 'KEEP-1'"), 1);

    // The audit log says an erasure happened, without naming her.
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let (key, detail): (Option<String>, String) = c
        .query_row("SELECT key, detail FROM audit_log WHERE entity = 'client' AND action = 'erase'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(key, None);
    assert_eq!(detail, "1 client, 3 referrals, 1 case, 0 assessments removed, with 0 audit entries about them");
    let all: String = c
        .query_row(
            "SELECT group_concat(coalesce(key, '') || ' ' || coalesce(detail, ''), '|') FROM audit_log",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!all.contains(secret), "{all}");
    drop(c);

    // Erasing again: there is nothing to erase.
    let err = p.fails(&["client", "erase", secret, "--yes"], 65);
    assert!(err.contains("no client is recorded with that client_ref"), "{err}");
    assert!(p.run(&["db", "check"]).status.success());
}

/// Her referrals and cases made one by one (each with its own audit row),
/// changed, closed, and then erased: no ref of hers survives in the file,
/// its write-ahead log or a backup made afterwards.
#[test]
fn erase_removes_her_refs_from_the_audit_log_and_later_backups() {
    let p = setup();
    p.ok(&["caseload", "worker", "add", "--code", "KW06"]);
    let her = "BC-0042";
    p.ok(&[
        "referral",
        "add",
        "--client",
        her,
        "--service",
        "Beth Centre",
        "--date",
        "01/04/21",
        "--source",
        "police",
        "--needs",
        "housing",
        "--ref",
        "R-2104-0004",
    ]);
    p.ok(&["referral", "update", "R-2104-0004", "--outcome", "engaged", "--ref", "R-2104-0044"]);
    p.ok(&["referral", "add", "--client", her, "--service", "Beth Centre", "--date", "02/04/21", "--source", "self"]);
    p.ok(&["referral", "update", "#2", "--risk", "high"]);
    p.ok(&[
        "caseload",
        "open",
        "--client",
        her,
        "--worker",
        "KW06",
        "--service",
        "Beth Centre",
        "--tier",
        "T2",
        "--opened",
        "12/04/21",
        "--ref",
        "CASE-0042",
    ]);
    p.ok(&["caseload", "retier", "CASE-0042", "--tier", "T3", "--from", "01/06/21"]);
    p.ok(&["caseload", "close", "CASE-0042", "--closed", "2021-06-30", "--outcome", "positive"]);
    // Someone else's records stay, with their audit rows.
    p.ok(&[
        "referral",
        "add",
        "--client",
        "BC-0043",
        "--service",
        "Beth Centre",
        "--date",
        "03/04/21",
        "--source",
        "gp",
        "--ref",
        "R-2104-0005",
    ]);
    let wal = p.db.with_extension("db-wal");
    let files = || [file_bytes(&p.db), file_bytes(&wal)].concat();
    assert!(contains(&files(), b"R-2104-0044"), "her referral ref should be in the files before erasure");

    let out = p.run(&["client", "erase", her, "--yes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "erased: 1 client, 2 referrals, 1 case, 0 assessments removed, with 7 audit entries about them"
    );
    p.ok(&["db", "backup", "later.db"]);
    let backup = file_bytes(&p.path("later.db"));
    for (name, bytes) in [("the database and its log", files()), ("a later backup", backup)] {
        for gone in [her, "R-2104-0004", "R-2104-0044", "CASE-0042"] {
            assert!(!contains(&bytes, gone.as_bytes()), "{gone} is still in {name}");
        }
        assert!(contains(&bytes, b"R-2104-0005"), "someone else's referral must stay in {name}");
    }
    // One entry says that an erasure happened, naming nobody.
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let (n, key, detail): (i64, Option<String>, String) = c
        .query_row(
            "SELECT count(*), key, detail FROM audit_log WHERE entity = 'client' AND action = 'erase'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((n, key.as_deref()), (1, None));
    assert_eq!(detail, "1 client, 2 referrals, 1 case, 0 assessments removed, with 7 audit entries about them");
    let left: i64 =
        c.query_row("SELECT count(*) FROM audit_log WHERE entity IN ('referral', 'case')", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 1, "only the other woman's referral is still in the audit log");
}
