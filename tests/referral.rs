//! `pathway referral`: bulk import (atomic, idempotent, typo-safe), export
//! round trips, add/update/show/list.

mod common;

use common::Pathway;

const HEADER: &str = "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref,risk,marac";

fn setup() -> Pathway {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    p.ok(&["service", "add", "Southwark spoke", "--hub", "Beth Centre", "--provider", "London Women's Consortium"]);
    p.ok(&["service", "add", "Minerva Project", "--provider", "ADVANCE", "--area", "Hammersmith and Fulham"]);
    p
}

const SOURCES: &[&str] = &["police", "probation", "crc", "liaison_diversion", "court", "self", "gp", "housing"];
const NEEDS: &[&str] = &["housing;mental_health", "domestic_abuse", "", "substance_misuse;alcohol;debt", "children"];
const OUTCOMES: &[&str] = &["engaged", "accepted", "", "no_contact", "declined", "closed"];
const RISKS: &[&str] = &["", "standard", "medium", "high"];

/// Row `i` of the big test file, as CSV (without line ending).
fn row(i: usize) -> String {
    let day = 1 + (i * 7) % 28;
    let month = 1 + (i / 3) % 12;
    let year = if month >= 4 { 2021 } else { 2022 };
    // UK day-first dates in every third row.
    let referred =
        if i % 3 == 0 { format!("{day:02}/{month:02}/{year}") } else { format!("{year}-{month:02}-{day:02}") };
    let outcome = OUTCOMES[i % OUTCOMES.len()];
    let first = if matches!(outcome, "engaged" | "accepted" | "closed") {
        format!("{year}-{month:02}-{:02}", (day + i % 3).min(28))
    } else {
        String::new()
    };
    let service = ["Beth Centre", "Southwark spoke", "Minerva Project"][i % 3];
    // A quoted comma in some areas.
    let area = if i % 4 == 0 { "\"Lambeth, North\"" } else { "Southwark" };
    // Two thirds of rows have a provider ref; the rest are matched on the key.
    let (client, r) = if i % 3 == 2 {
        (format!("N{i:06}"), String::new())
    } else {
        (format!("W{:05}", i % 20_000), format!("R{i:06}"))
    };
    let risk = RISKS[i % RISKS.len()];
    let marac = if risk == "high" { "yes" } else { "no" };
    format!(
        "{client},{referred},{},{service},{area},{},{outcome},{first},{r},{risk},{marac}",
        SOURCES[i % SOURCES.len()],
        NEEDS[i % NEEDS.len()]
    )
}

/// A file of `n` rows with a byte-order mark and CRLF line endings;
/// `bad` replaces chosen rows.
fn big_file(n: usize, bad: &[(usize, String)]) -> Vec<u8> {
    let mut s = String::with_capacity(n * 90);
    s.push('\u{feff}');
    s.push_str(HEADER);
    s.push_str("\r\n");
    for i in 0..n {
        match bad.iter().find(|(k, _)| *k == i) {
            Some((_, line)) => s.push_str(line),
            None => s.push_str(&row(i)),
        }
        s.push_str("\r\n");
    }
    s.into_bytes()
}

fn summary(p: &Pathway, file: &str) -> serde_json::Value {
    p.json(&["referral", "import", file])
}

#[test]
fn a_hundred_thousand_rows_import_once_and_round_trip() {
    let n = 100_000;
    let p = setup();
    p.file("big.csv", big_file(n, &[]));
    let s = summary(&p, "big.csv");
    assert_eq!(s["rows"], n as u64);
    assert_eq!(s["new"], n as u64);
    assert_eq!(s["rejected"], 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), n as i64);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE area = 'Lambeth, North'"), (n / 4) as i64);
    // UK dates were read day first: row 9 has 08/04/2021.
    assert!(row(9).contains(",08/04/2021,"), "{}", row(9));
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE ref = 'R000009' AND referred_on = '2021-04-08'"), 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), 20_000 + (n / 3) as i64);

    // A second import adds nothing.
    let again = p.run(&["referral", "import", "big.csv"]);
    assert!(again.status.success());
    let msg = String::from_utf8_lossy(&again.stderr);
    assert_eq!(msg.trim(), format!("big.csv: {n} referrals read: 0 new, 0 updated, {n} unchanged"));
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), n as i64);

    // export -> import into a fresh database -> export: the same bytes.
    let first = p.ok(&["referral", "export"]);
    assert_eq!(first.lines().next(), Some(HEADER));
    assert_eq!(first.lines().count(), n + 1);
    let q = setup();
    q.file("export.csv", &first);
    let s = summary(&q, "export.csv");
    assert_eq!(s["new"], n as u64);
    let second = q.ok(&["referral", "export"]);
    assert!(first == second, "export -> import -> export changed the file");

    // A changed row is reported as updated, by its ref.
    let changed = first.replacen(",engaged,", ",closed,", 1);
    q.file("changed.csv", &changed);
    let s = summary(&q, "changed.csv");
    assert_eq!(
        (s["new"].as_u64(), s["updated"].as_u64(), s["unchanged"].as_u64()),
        (Some(0), Some(1), Some(n as u64 - 1))
    );
}

#[test]
fn bad_rows_write_nothing_and_are_named_by_line_and_column() {
    let n = 100_000;
    let p = setup();
    let bad = vec![
        (12, row(12).replacen(&row(12).split(',').nth(1).unwrap().to_string(), "31/02/2021", 1)),
        (498, row(498).replacen(",crc,", ",polise,", 1)),
        (999, row(999).replacen(",Beth Centre,", ",Beth Center,", 1)),
    ];
    for (i, line) in &bad {
        assert_ne!(line, &row(*i), "row {i} was not spoiled");
    }
    p.file("bad.csv", big_file(n, &bad));
    let before = p.dump();
    let err = p.fails(&["referral", "import", "bad.csv"], 65);
    assert!(err.contains("bad.csv: 3 invalid rows; nothing was imported"), "{err}");
    assert!(
        err.contains("bad.csv:14: referred_on: \"31/02/2021\" is not a date (February 2021 has no day 31)"),
        "{err}"
    );
    assert!(err.contains("bad.csv:500: source: \"polise\" is not a referral source; use one of: police,"), "{err}");
    assert!(
        err.contains("bad.csv:1001: service: no service called 'Beth Center'; did you mean 'Beth Centre'?"),
        "{err}"
    );
    assert_eq!(p.dump(), before, "a failed import must write nothing");

    // --skip-invalid --rejects: the good rows land, the bad ones go to the file.
    let out = p.run(&["referral", "import", "bad.csv", "--skip-invalid", "--rejects", "r.csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), (n - 3) as i64);
    let rejects = std::fs::read_to_string(p.path("r.csv")).unwrap();
    let mut r = csv::Reader::from_reader(rejects.as_bytes());
    assert_eq!(r.headers().unwrap().iter().next_back(), Some("error"));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    for ((_, line), rec) in bad.iter().zip(&rows) {
        let fields: Vec<&str> = rec.iter().collect();
        let mut expect = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let want = expect.records().next().unwrap().unwrap();
        assert_eq!(&fields[..11], want.iter().collect::<Vec<_>>().as_slice());
    }
    assert!(rows[0][11].starts_with("referred_on: \"31/02/2021\" is not a date"));
    assert!(rows[1][11].starts_with("source: \"polise\""));
    assert_eq!(&rows[2][11], "service: no service called 'Beth Center'; did you mean 'Beth Centre'?");
}

#[test]
fn add_show_update_by_ref_or_id() {
    let p = setup();
    p.ok(&[
        "referral",
        "add",
        "--client",
        "BC-0042",
        "--service",
        "Beth Centre",
        "--date",
        "12/04/21",
        "--source",
        "probation",
        "--needs",
        "housing;mental_health",
        "--ref",
        "R-2021-0042",
    ]);
    p.ok(&[
        "referral",
        "add",
        "--client",
        "BC-0043",
        "--service",
        "beth centre",
        "--date",
        "2021-04-13",
        "--source",
        "self",
    ]);
    let list = p.json(&["referral", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["needs"], serde_json::json!(["mental_health", "housing"]));
    assert_eq!(list[1]["ref"], serde_json::Value::Null);
    assert_eq!(list[1]["service"], "Beth Centre");

    // The same referral again is refused, naming how to change it.
    let err = p.fails(
        &[
            "referral",
            "add",
            "--client",
            "BC-0043",
            "--service",
            "Beth Centre",
            "--date",
            "13/4/21",
            "--source",
            "self",
        ],
        65,
    );
    assert!(err.contains("recorded already as #2"), "{err}");

    p.ok(&["referral", "update", "R-2021-0042", "--outcome", "engaged", "--first-contact", "15/04/21"]);
    let r = p.json(&["referral", "show", "R-2021-0042"]);
    assert_eq!(r["outcome"], "engaged");
    assert_eq!(r["first_contact_on"], "2021-04-15");
    assert_eq!(r["days_to_first_contact"], 3);

    p.ok(&["referral", "update", "#2", "--risk", "high", "--marac", "yes", "--ref", "R-2021-0043"]);
    let r = p.json(&["referral", "show", "R-2021-0043"]);
    assert_eq!((r["id"].as_i64(), r["risk"].as_str(), r["marac"].as_bool()), (Some(2), Some("high"), Some(true)));
    p.ok(&["referral", "update", "#2", "--risk", "none"]);
    assert_eq!(p.json(&["referral", "show", "#2"])["risk"], serde_json::Value::Null);

    // First contact is never before the referral; nothing is changed.
    let before = p.dump();
    let err = p.fails(&["referral", "update", "R-2021-0042", "--first-contact", "2021-04-11"], 65);
    assert!(
        err.contains("first_contact_on: the first contact (2021-04-11) is before the referral date (2021-04-12)"),
        "{err}"
    );
    assert_eq!(p.dump(), before);
    let err = p.fails(&["referral", "update", "R-2021-9999", "--outcome", "engaged"], 65);
    assert!(err.contains("no referral with ref 'R-2021-9999'"), "{err}");
    let err = p.fails(&["referral", "update", "2", "--outcome", "engaged"], 65);
    assert!(err.contains("write '#2'"), "{err}");
    p.fails(&["referral", "update", "#2"], 2);
    p.fails(&["referral", "update", "#2", "--outcome", "engagd"], 2);
    p.fails(
        &["referral", "add", "--client", "BC-1", "--service", "Beth Centre", "--date", "31/02/2021", "--source", "gp"],
        2,
    );

    // The audit log names refs and ids, never the client.
    let audit = p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'referral'");
    assert_eq!(audit, 5);
    assert_eq!(
        p.sql_i64("SELECT count(*) FROM audit_log WHERE coalesce(key, '') || coalesce(detail, '') LIKE '%BC-00%'"),
        0
    );
}

#[test]
fn list_filters() {
    let p = setup();
    p.file(
        "r.csv",
        format!(
            "{HEADER}\nBC-0001,2021-04-01,police,Beth Centre,Lambeth,housing,engaged,2021-04-03,A1,,\n\
             BC-0002,2021-04-20,self,Southwark spoke,Southwark,,,,A2,,\n\
             BC-0003,2021-05-02,police,Minerva Project,Ealing,,declined,,A3,,\n\
             BC-0001,2021-06-30,gp,Beth Centre,Lambeth,,no_contact,,A4,,\n"
        ),
    );
    p.ok(&["referral", "import", "r.csv"]);
    let refs = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["referral", "list"];
        a.extend_from_slice(args);
        p.json(&a).as_array().unwrap().iter().map(|r| r["ref"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(refs(&[]), ["A1", "A2", "A3", "A4"]);
    assert_eq!(refs(&["--period", "2021-04"]), ["A1", "A2"]);
    assert_eq!(refs(&["--period", "2021/22-Q1", "--source", "police"]), ["A1", "A3"]);
    assert_eq!(refs(&["--service", "Beth Centre"]), ["A1", "A2", "A4"], "a hub includes its spokes");
    assert_eq!(refs(&["--service", "Southwark spoke"]), ["A2"]);
    assert_eq!(refs(&["--outcome", "none"]), ["A2"]);
    assert_eq!(refs(&["--outcome", "declined"]), ["A3"]);
    assert_eq!(refs(&["--client", "BC-0001"]), ["A1", "A4"]);
    let err = p.fails(&["referral", "list", "--service", "Beth Center"], 65);
    assert!(err.contains("did you mean 'Beth Centre'?"), "{err}");
    let err = p.fails(&["referral", "list", "--period", "2021-13"], 2);
    assert!(err.contains("2021/22-Q1"), "{err}");
    // CSV and JSON Lines carry the same columns.
    let csv = p.ok(&["referral", "list", "--format", "csv", "--period", "2021-04"]);
    assert_eq!(
        csv,
        "id,ref,client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,days_to_first_contact,risk,marac\n\
         1,A1,BC-0001,2021-04-01,police,Beth Centre,Lambeth,housing,engaged,2021-04-03,2,,no\n\
         2,A2,BC-0002,2021-04-20,self,Southwark spoke,Southwark,,,,,,no\n"
    );
}

#[test]
fn marac_risk_and_optional_columns() {
    let p = setup();
    p.file(
        "r.csv",
        "client_ref,referred_on,source,service,needs,marac,risk\n\
         BC-1,2021-04-01,police,Beth Centre,,yes,high\n\
         BC-2,2021-04-01,police,Beth Centre,,TRUE,medium\n\
         BC-3,2021-04-01,police,Beth Centre,,1,\n\
         BC-4,2021-04-01,police,Beth Centre,,0,standard\n\
         BC-5,2021-04-01,police,Beth Centre,,,\n\
         BC-6,2021-04-01,police,Beth Centre,,n,\n",
    );
    p.ok(&["referral", "import", "r.csv"]);
    assert_eq!(
        p.sql_i64("SELECT CAST(group_concat(marac, '') AS INTEGER) FROM (SELECT marac FROM referrals ORDER BY id)"),
        111000
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE risk IS NULL"), 3);
    p.file(
        "bad.csv",
        "client_ref,referred_on,source,service,needs,marac,risk\nBC-7,2021-04-01,police,Beth Centre,,maybe,high\n",
    );
    let err = p.fails(&["referral", "import", "bad.csv"], 65);
    assert!(err.contains("bad.csv:2: marac: \"maybe\" is not a MARAC answer; use yes or no"), "{err}");
    // Stdin works, and needs parse with friendly spellings.
    let out = p
        .cmd(&["referral", "import", "-"])
        .write_stdin("client_ref,referred_on,source,service,needs\nBC-8,1.4.21,Liaison and diversion,Beth Centre,Mental health; housing\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        p.sql_i64("SELECT needs FROM referrals WHERE source = 'liaison_diversion' AND referred_on = '2021-04-01'"),
        17
    );
}

#[test]
fn names_and_dates_of_birth_are_never_accepted() {
    let p = setup();
    let before = p.dump();
    p.file("names.csv", format!("{HEADER},name\nBC-1,2021-04-01,police,Beth Centre,,,,,,,,Jane Smith\n"));
    for extra in [&[][..], &["--ignore-unknown"][..]] {
        let mut args = vec!["referral", "import", "names.csv"];
        args.extend_from_slice(extra);
        let err = p.fails(&args, 65);
        assert!(err.contains("names.csv:1: header: the column \"name\" would hold a name"), "{err}");
        assert!(err.contains("data minimisation"), "{err}");
        assert!(!err.contains("Jane"), "{err}");
    }
    p.file("refs.csv", format!("{HEADER}\nJane Smith,2021-04-01,police,Beth Centre,,,,,,,\nAB-12031985,2021-04-01,police,Beth Centre,,,,,,,\n"));
    let err = p.fails(&["referral", "import", "refs.csv"], 65);
    assert!(err.contains("refs.csv:2: client_ref:"), "{err}");
    assert!(err.contains("refs.csv:3: client_ref: a client_ref must not contain a date"), "{err}");
    assert!(!err.contains("Jane") && !err.contains("12031985"), "errors never repeat a client_ref: {err}");
    assert_eq!(p.dump(), before);
}

#[test]
fn the_examples_import_cleanly_and_twice_add_nothing() {
    let p = Pathway::new();
    let ex = common::root().join("examples");
    let path = |f: &str| ex.join(f).to_string_lossy().into_owned();
    p.ok(&["service", "import", &path("services.csv")]);
    p.ok(&["client", "import", &path("clients.csv")]);
    let s = p.json(&["referral", "import", &path("referrals.csv")]);
    assert_eq!((s["new"].as_u64(), s["rejected"].as_u64()), (Some(601), Some(0)));
    let s = p.json(&["referral", "import", &path("referrals.csv")]);
    assert_eq!((s["new"].as_u64(), s["unchanged"].as_u64()), (Some(0), Some(601)));
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), 400);
    assert_eq!(
        p.sql_i64("SELECT count(*) FROM referrals WHERE referred_on NOT BETWEEN '2021-04-01' AND '2022-03-31'"),
        0
    );
}

/// An area that is a full postcode points at a handful of homes: refused,
/// in `referral add` and in imports, without repeating it.
#[test]
fn a_postcode_is_refused_as_an_area() {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    let msg = "area: the value looks like a full postcode, which points at a home; record the area (a borough or district such as Lambeth), or only the postcode district (SW9)";
    let err = p.fails(
        &[
            "referral",
            "add",
            "--client",
            "BC-0042",
            "--service",
            "Beth Centre",
            "--date",
            "12/04/21",
            "--source",
            "probation",
            "--area",
            "SW9 8AA",
        ],
        65,
    );
    assert_eq!(err, format!("pathway: {msg}\n"));
    p.file(
        "r.csv",
        "client_ref,referred_on,source,service,area,needs\nBC-0042,2021-04-12,probation,Beth Centre,SW9 8AA,housing\n",
    );
    let err = p.fails(&["referral", "import", "r.csv"], 65);
    assert!(err.contains(&format!("r.csv:2: {msg}")), "{err}");
    assert!(!err.contains("8AA"), "{err}");
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 0);
}

/// The indexes of `referrals`, by name, as SQL.
fn referral_indexes(p: &Pathway) -> Vec<String> {
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let mut st = c
        .prepare("SELECT name || ': ' || coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'referrals' ORDER BY name")
        .unwrap();
    let rows = st.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
    rows
}

/// A load into an empty table builds two indexes once, at the end; the
/// client index is built again as soon as a row without a ref needs it.
#[test]
fn a_load_into_an_empty_table_ends_with_every_index_and_matches_rows_without_a_ref() {
    let p = setup();
    let fresh = referral_indexes(&p);
    assert_eq!(fresh.len(), 3, "{fresh:?}");
    let rows = [
        "W00001,2021-04-01,police,Beth Centre,Lambeth,housing,,,R-2104-0001,,",
        "W00002,2021-04-02,court,Beth Centre,Lambeth,housing,,,R-2104-0002,,",
        "N00001,2021-04-03,self,Beth Centre,Lambeth,debt,,,,,",
        "W00003,2021-04-04,probation,Beth Centre,Lambeth,housing,,,R-2104-0004,,",
        "N00001,2021-04-03,self,Beth Centre,Lambeth,debt,,,,,",
        "W00001,2021-04-05,gp,Beth Centre,Lambeth,,,,R-2104-0005,,",
    ];
    let f = p.file("referrals.csv", format!("{HEADER}\n{}\n", rows.join("\n")));
    // A dry run into the empty table leaves the indexes as they were.
    p.ok(&["referral", "import", f.to_str().unwrap(), "--dry-run"]);
    assert_eq!(referral_indexes(&p), fresh);
    let s = summary(&p, f.to_str().unwrap());
    assert_eq!((s["new"].as_i64(), s["repeated"].as_i64()), (Some(5), Some(1)), "{s}");
    assert_eq!(referral_indexes(&p), fresh, "every index is back, as schema.sql defines it");
    let s = summary(&p, f.to_str().unwrap());
    assert_eq!((s["new"].as_i64(), s["unchanged"].as_i64()), (Some(0), Some(5)), "{s}");
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 5);
}
