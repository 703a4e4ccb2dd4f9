//! The return's journey (PRODUCT.md 6.3): who a return is from, filing it,
//! what changed since, the returns grants ask for, and the commissioner's
//! merge of several providers' returns.

mod common;

use common::{Lcg as Rng, Pathway};
use serde_json::Value;
use std::fmt::Write as _;

const NOW: &str = "2022-05-03T09:00:00Z";

// ---------------------------------------------------------------- generator

fn day(offset: u64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2021, 4, 1).unwrap() + chrono::Duration::days(offset as i64);
    d.format("%Y-%m-%d").to_string()
}

/// One provider's made-up records, as the CSV files `pathway` imports.
struct Provider {
    name: String,
    code: String,
    services: String,
    clients: String,
    referrals: String,
    workers: String,
    cases: String,
    assessments: String,
}

const SOURCES: &[&str] =
    &["police", "probation", "crc", "liaison_diversion", "court", "self", "gp", "social_care", "housing", "other"];
const NEEDS: &[&str] =
    &["mental_health", "substance_misuse", "alcohol", "domestic_abuse", "housing", "debt", "children"];
const OUTCOMES: &[&str] = &["", "accepted", "declined", "no_contact", "engaged", "closed"];
const RISKS: &[&str] = &["", "standard", "medium", "high"];
const ETHNIC: &[&str] = &["white_british", "black_caribbean", "asian_indian", "mixed_other", "prefer_not_to_say"];
const PATHWAYS: &[&str] = &["accommodation", "health", "drugs_alcohol", "finance_benefit_debt", "abuse"];

fn provider(name: &str, code: &str, seed: u64) -> Provider {
    let mut r = Rng(seed);
    let hub = format!("{name} hub");
    let spoke = format!("{name} spoke");
    let services =
        format!("name,provider,area,kind,hub\n{hub},{name},Lambeth,hub,\n{spoke},{name},Croydon,spoke,{hub}\n");
    let women = 40;
    let mut clients = String::from("client_ref,birth_year,ethnicity,disability,dependent_children\n");
    for i in 0..women {
        let _ = writeln!(
            clients,
            "{code}-{i:04},{},{},{},{}",
            1960 + r.below(45),
            r.pick(ETHNIC),
            r.pick(&["yes", "no", "prefer_not_to_say"]),
            r.below(4)
        );
    }
    let mut referrals =
        String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref,risk,marac\n");
    for i in 0..90 {
        let on = r.below(365);
        let mut needs: Vec<&str> = NEEDS.iter().copied().filter(|_| r.below(3) == 0).collect();
        if needs.is_empty() {
            needs.push(NEEDS[0]);
        }
        let contact = if r.below(4) == 0 { String::new() } else { day(on + r.below(21)) };
        let _ = writeln!(
            referrals,
            "{code}-{:04},{},{},{},{},{},{},{},R-{code}-{i:04},{},no",
            r.below(women),
            day(on),
            r.pick(SOURCES),
            if r.below(3) == 0 { &spoke } else { &hub },
            r.pick(&["Lambeth", "Croydon", "Southwark", ""]),
            needs.join(";"),
            r.pick(OUTCOMES),
            contact,
            r.pick(RISKS),
        );
    }
    let workers = format!("code,name,capacity_hours,active\nKW-{code},,37.5,yes\n");
    let mut cases = String::from("client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n");
    let mut assessments = String::from("case,pathway,assessed_on,score,stage\n");
    for i in 0..30 {
        let opened = r.below(330);
        let closed = (r.below(3) > 0).then(|| opened + 5 + r.below(120)).filter(|c| *c < 395);
        let (closed_on, reason, outcome) = match closed {
            Some(c) => (day(c), "Completed the programme", r.pick(&["positive", "neutral", "negative"])),
            None => (String::new(), "", ""),
        };
        let _ = writeln!(
            cases,
            "{code}-{i:04},KW-{code},{},{},{},{closed_on},{reason},{outcome},C-{code}-{i:04}",
            if i % 4 == 0 { &spoke } else { &hub },
            r.pick(&["T1", "T2", "T3"]),
            day(opened),
        );
        let pathway = r.pick(PATHWAYS);
        let first = 1 + r.below(6);
        let _ = writeln!(assessments, "C-{code}-{i:04},{pathway},{},{first},start", day(opened));
        if r.below(2) == 0 {
            let _ = writeln!(
                assessments,
                "C-{code}-{i:04},{pathway},{},{},review",
                day(opened + 3),
                (first + r.below(5)).min(10)
            );
        }
    }
    Provider { name: name.into(), code: code.into(), services, clients, referrals, workers, cases, assessments }
}

/// Import the providers' records into `p`, one provider after another.
fn load(p: &Pathway, providers: &[&Provider]) {
    type Part = (&'static str, fn(&Provider) -> &String, &'static [&'static str]);
    let parts: [Part; 6] = [
        ("services", |x| &x.services, &["service", "import"]),
        ("clients", |x| &x.clients, &["client", "import"]),
        ("referrals", |x| &x.referrals, &["referral", "import"]),
        ("workers", |x| &x.workers, &["caseload", "worker", "import"]),
        ("cases", |x| &x.cases, &["caseload", "import"]),
        ("assessments", |x| &x.assessments, &["caseload", "import", "--assessments"]),
    ];
    for (what, csv, args) in parts {
        let mut body = String::new();
        for (i, x) in providers.iter().enumerate() {
            let text = csv(x);
            body.push_str(if i == 0 { text } else { text.split_once('\n').unwrap().1 });
        }
        let f = p.file(&format!("{what}.csv"), body);
        let mut a = vec!["-q"];
        a.extend_from_slice(args);
        a.push(f.to_str().unwrap());
        p.ok(&a);
    }
}

fn one(x: &Provider) -> Pathway {
    let p = Pathway::new();
    load(&p, &[x]);
    p.ok(&[
        "-q",
        "provider",
        "set",
        &x.name,
        "--identifier",
        &format!("GB-CHC-{}", 1000000 + x.code.len() * 7 + x.code.as_bytes()[0] as usize),
    ]);
    p
}

fn run_with_now(p: &Pathway, args: &[&str]) -> std::process::Output {
    p.cmd(args).env("PATHWAY_NOW", NOW).output().unwrap()
}

fn ok_now(p: &Pathway, args: &[&str]) -> String {
    let out = run_with_now(p, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The sections of a return (or merged return) that are counts.
const COUNTED: &[&str] = &["referrals", "women_supported", "caseload", "closures", "outcomes", "equality"];

// ---------------------------------------------------------------- merge = one database

fn merged_equals_one_database(providers: &[&Provider]) {
    let single = Pathway::new();
    load(&single, providers);
    let each: Vec<Pathway> = providers.iter().map(|x| one(x)).collect();
    for period in ["2021-06", "2021/22"] {
        let mut files = Vec::new();
        let work = Pathway::empty();
        for (x, p) in providers.iter().zip(&each) {
            let json = p.ok(&["report", "return", "--period", period, "--format", "json"]);
            files.push(work.file(&format!("{}.json", x.code), json).to_str().unwrap().to_string());
        }
        let mut args = vec!["report", "merge"];
        args.extend(files.iter().map(String::as_str));
        args.extend(["--format", "json"]);
        let merged: Value = serde_json::from_str(&work.ok(&args)).unwrap();
        let whole = single.json(&["report", "return", "--period", period]);
        assert!(whole["referrals"]["total"].as_i64().unwrap() > 0, "the period has referrals");
        assert!(whole["referrals"]["median_days_to_first_contact"].is_number());
        for section in COUNTED {
            assert_eq!(merged[section], whole[section], "{period}: section {section} of {} providers", providers.len());
        }
        assert_eq!(merged["inputs"].as_array().unwrap().len(), providers.len());
        // --suppress/--round apply to the merged figures exactly as to a return.
        let mut args_s = args.clone();
        args_s.extend(["--suppress", "10", "--round", "5"]);
        let merged_s: Value = serde_json::from_str(&work.ok(&args_s)).unwrap();
        let whole_s = single.json(&["report", "return", "--period", period, "--suppress", "10", "--round", "5"]);
        for section in COUNTED.iter().chain(&["suppression"]) {
            assert_eq!(merged_s[section], whole_s[section], "{period}: suppressed section {section}");
        }
        // Targets and grants per provider; the note on women_supported.
        assert!(merged["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("women_supported is the sum of the providers' counts"));
    }
}

#[test]
fn two_providers_merged_equal_one_database_holding_both() {
    let a = provider("Juno Women's Aid", "JU", 11);
    let b = provider("Nottinghamshire Women's Aid", "NW", 22);
    merged_equals_one_database(&[&a, &b]);
}

#[test]
fn three_providers_merged_equal_one_database_holding_all_three() {
    let a = provider("Juno Women's Aid", "JU", 31);
    let b = provider("Nottinghamshire Women's Aid", "NW", 32);
    let c = provider("Beth Centre", "BC", 33);
    merged_equals_one_database(&[&a, &b, &c]);
}

#[test]
fn the_median_is_recomputed_from_the_distributions_not_averaged() {
    // Provider A: days 0, 0, 10 (median 0); provider B: days 9, 9 (median 9).
    // The mean of the two medians would be 4.5; the median of all five days
    // (0, 0, 9, 9, 10) is 9.
    let work = Pathway::empty();
    let mk = |name: &str, rows: &[(&str, &str)]| -> String {
        let p = Pathway::new();
        p.ok(&["-q", "service", "add", "Hub", "--provider", name]);
        let mut csv = String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n");
        for (i, (on, fc)) in rows.iter().enumerate() {
            let _ = writeln!(csv, "X-{i},{on},police,Hub,,housing,,{fc},");
        }
        let f = p.file("r.csv", csv);
        p.ok(&["-q", "referral", "import", f.to_str().unwrap()]);
        p.ok(&["-q", "provider", "set", name]);
        let out = p.ok(&["report", "return", "--period", "2021-04", "--format", "json"]);
        work.file(&format!("{name}.json"), out).to_str().unwrap().to_string()
    };
    let a = mk("A", &[("2021-04-01", "2021-04-01"), ("2021-04-02", "2021-04-02"), ("2021-04-03", "2021-04-13")]);
    let b = mk("B", &[("2021-04-01", "2021-04-10"), ("2021-04-05", "2021-04-14")]);
    let m: Value = serde_json::from_str(&work.ok(&["report", "merge", &a, &b, "--format", "json"])).unwrap();
    assert_eq!(m["referrals"]["median_days_to_first_contact"], 9.0);
    assert_eq!(m["referrals"]["days_to_first_contact"], serde_json::json!({"0": 2, "9": 2, "10": 1}));
}

// ---------------------------------------------------------------- refusals

/// A folder with two providers' returns for 2021-06 (a.json, b.json).
fn two_returns() -> (Pathway, Pathway, Pathway) {
    let a = one(&provider("Juno Women's Aid", "JU", 41));
    let b = one(&provider("Nottinghamshire Women's Aid", "NW", 42));
    let work = Pathway::empty();
    work.file("a.json", ok_now(&a, &["report", "return", "--period", "2021-06", "--format", "json"]));
    work.file("b.json", ok_now(&b, &["report", "return", "--period", "2021-06", "--format", "json"]));
    (work, a, b)
}

fn refused(work: &Pathway, args: &[&str]) -> String {
    let mut a = vec!["report", "merge"];
    a.extend_from_slice(args);
    work.fails(&a, 65)
}

#[test]
fn merge_refuses_a_suppressed_return_naming_the_file() {
    let (work, a, _) = two_returns();
    work.file("s.json", a.ok(&["report", "return", "--period", "2021-06", "--suppress", "5", "--format", "json"]));
    assert_eq!(
        refused(&work, &["b.json", "s.json"]),
        "pathway: 1 file is refused; nothing was merged\ns.json: the return is suppressed (--suppress 5); suppressed \
         counts cannot be added: ask the provider for the unsuppressed return, and apply --suppress to the merged \
         one\n"
    );
    work.file(
        "r.json",
        a.ok(&["report", "return", "--period", "2021-06", "--suppress", "10", "--round", "5", "--format", "json"]),
    );
    assert!(refused(&work, &["r.json"]).contains("r.json: the return is suppressed (--suppress 10 --round 5);"));
}

#[test]
fn merge_refuses_different_periods_naming_the_file() {
    let (work, a, _) = two_returns();
    work.file("may.json", a.ok(&["report", "return", "--period", "2021-05", "--format", "json"]));
    assert_eq!(
        refused(&work, &["b.json", "may.json"]),
        "pathway: 1 file is refused; nothing was merged\nmay.json: the return is for 2021-05 (2021-05-01 to \
         2021-05-31), not 2021-06 (2021-06-01 to 2021-06-30) as b.json is; merge returns for one period\n"
    );
}

#[test]
fn merge_refuses_an_unknown_schema_and_what_is_not_a_return() {
    let (work, _, _) = two_returns();
    let a = std::fs::read_to_string(work.path("a.json")).unwrap();
    work.file("v2.json", a.replace("\"pathway.return/1\"", "\"pathway.return/2\""));
    assert_eq!(
        refused(&work, &["b.json", "v2.json"]),
        "pathway: 1 file is refused; nothing was merged\nv2.json: unknown schema \"pathway.return/2\"; report merge \
         reads pathway.return/1 files (from `pathway report return --format json` or `report file`)\n"
    );
    work.file("grants.json", "{\"schema\": \"pathway.grants/1\"}");
    assert!(refused(&work, &["grants.json"]).contains("grants.json: unknown schema \"pathway.grants/1\";"));
    work.file("notes.txt", "hello");
    let e = refused(&work, &["notes.txt", "a.json"]);
    assert!(e.starts_with("pathway: 1 file is refused; nothing was merged\nnotes.txt: not a JSON document ("), "{e}");
    // A missing file: exit 66, named.
    assert_eq!(
        work.fails(&["report", "merge", "a.json", "gone.json"], 66),
        "pathway: cannot read gone.json: no such file\n"
    );
}

#[test]
fn merge_refuses_the_same_file_or_provider_twice() {
    let (work, a, _) = two_returns();
    std::fs::copy(work.path("a.json"), work.path("copy.json")).unwrap();
    let e = refused(&work, &["a.json", "b.json", "copy.json"]);
    assert!(
        e.starts_with("pathway: 1 file is refused; nothing was merged\ncopy.json: the same return as a.json (sha256 "),
        "{e}"
    );
    assert!(e.ends_with("); each return is merged once\n"), "{e}");
    // The same provider's return again, made later (other bytes).
    let again = run_with_now(&a, &["report", "return", "--period", "2021-06", "--format", "json"]);
    let again = String::from_utf8(again.stdout).unwrap().replace(NOW, "2022-05-04T10:00:00Z");
    work.file("again.json", again);
    assert_eq!(
        refused(&work, &["a.json", "b.json", "again.json"]),
        "pathway: 1 file is refused; nothing was merged\nagain.json: a second return from Juno Women's Aid (the \
         first is a.json); merge one return per provider\n"
    );
}

#[test]
fn merge_refuses_a_return_from_before_the_distribution_and_lists_every_refusal() {
    let (work, _, _) = two_returns();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(work.path("a.json")).unwrap()).unwrap();
    v["referrals"].as_object_mut().unwrap().remove("days_to_first_contact");
    work.file("old.json", serde_json::to_string_pretty(&v).unwrap());
    let mut w: Value = serde_json::from_str(&std::fs::read_to_string(work.path("b.json")).unwrap()).unwrap();
    w.as_object_mut().unwrap().remove("provider");
    work.file("anon.json", serde_json::to_string_pretty(&w).unwrap());
    assert_eq!(
        refused(&work, &["old.json", "anon.json"]),
        "pathway: 2 files are refused; nothing was merged\nold.json: made by an older pathway: it does not carry the \
         distribution of days to first contact, so a faithful median cannot be made; ask the provider to make it \
         again with this version (`pathway report file` or `report return --format json`)\nanon.json: the return \
         does not say who it is from; ask the provider to record it with `pathway provider set NAME` and make the \
         return again\n"
    );
}

#[test]
fn merge_expect_gives_the_reporting_rate_and_who_is_missing() {
    let (work, _, _) = two_returns();
    work.file(
        "expected.csv",
        "provider,identifier\nJuno Women's Aid,\n,GB-CHC-1000092\nWomen in Prison,\n# closed in 2021\n\nBeth Centre,\n",
    );
    let m: Value = serde_json::from_str(&work.ok(&[
        "report",
        "merge",
        "a.json",
        "b.json",
        "--expect",
        "expected.csv",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        m["expected"],
        serde_json::json!({"expected": 4, "received": 2, "reporting_rate": 0.5,
                           "missing": ["Women in Prison", "Beth Centre"], "not_expected": []})
    );
    let table = work.ok(&["report", "merge", "a.json", "b.json", "--expect", "expected.csv"]);
    assert!(table.contains("Reporting rate: 2 of 4 expected returns received (50.0%)"), "{table}");
    let csv = work.ok(&["report", "merge", "a.json", "b.json", "--expect", "expected.csv", "--format", "csv"]);
    assert!(csv.contains("\n,expected,,reporting_rate,,0.5\n"), "{csv}");
    assert!(csv.contains("\n,expected,Women in Prison,missing,,Women in Prison\n"), "{csv}");
}

#[test]
fn merged_return_in_every_format_names_its_inputs() {
    let (work, _, _) = two_returns();
    let json: Value =
        serde_json::from_str(&work.ok(&["report", "merge", "a.json", "b.json", "--format", "json"])).unwrap();
    assert_eq!(json["schema"], "pathway.merged-return/1");
    assert_eq!(json["inputs"][0]["provider"]["name"], "Juno Women's Aid");
    assert_eq!(json["inputs"][1]["file"], "b.json");
    assert_eq!(json["inputs"][0]["generated_at"], NOW);
    assert_eq!(json["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert!(json["targets"].is_array() && json["grants"].is_array());
    let schema: Value = serde_json::from_str(&work.ok(&["report", "schema", "--merged"])).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    assert!(v.is_valid(&json), "{:?}", v.iter_errors(&json).map(|e| e.to_string()).collect::<Vec<_>>());
    let table = work.ok(&["report", "merge", "a.json", "b.json"]);
    assert!(
        table.starts_with("Merged return 2021-06: 2 providers' returns\nNote: women_supported is the sum"),
        "{table}"
    );
    assert!(table.contains("Nottinghamshire Women's Aid"));
    let csv = work.ok(&["report", "merge", "a.json", "b.json", "--format", "csv"]);
    assert!(csv.contains("\n,input,Juno Women's Aid,file,,a.json\n"), "{csv}");
    assert!(csv.contains("\n,return,,schema,,pathway.merged-return/1\n"), "{csv}");
    assert!(csv.contains("\nreferrals.total,referrals,,total,,"), "{csv}");
    let html = work.ok(&["report", "merge", "a.json", "b.json", "--format", "html"]);
    for want in ["Merged return 2021-06", "a.json", "b.json", "Nottinghamshire Women", "not de-duplicated"] {
        assert!(html.contains(want), "{want}: {html}");
    }
    // The workbook: About first, the inputs, Figures exactly the CSV's rows.
    let book = work.path("merged.xlsx");
    work.ok(&["report", "merge", "a.json", "b.json", "--format", "xlsx", "--output", book.to_str().unwrap()]);
    use calamine::{DataType, Reader};
    let mut wb = calamine::open_workbook_auto(&book).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.first().map(String::as_str), Some("About"), "{names:?}");
    assert_eq!(names.last().map(String::as_str), Some("Figures"), "{names:?}");
    let figures = wb.worksheet_range("Figures").unwrap();
    let csv_rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    for (i, want) in csv_rows.iter().take(20).enumerate() {
        let got: Vec<String> = figures.rows().nth(i + 1).unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(&got, want, "Figures row {}", i + 1);
    }
    let data_rows = figures.rows().skip(1).filter(|r| !r.iter().all(|c| c.is_empty())).count();
    assert!(data_rows >= csv_rows.len(), "{data_rows} rows for {} CSV rows", csv_rows.len());
    let inputs = wb.worksheet_range(&names[1]).unwrap();
    assert!(
        inputs.rows().any(|r| r.iter().any(|c| c.as_string().as_deref() == Some("Nottinghamshire Women's Aid"))),
        "{names:?}"
    );
}

// ---------------------------------------------------------------- provider

#[test]
fn the_provider_is_recorded_once_and_carried_in_every_format() {
    let p = Pathway::examples();
    assert_eq!(
        p.fails(&["provider", "show"], 65),
        "pathway: no provider is recorded; record one with `pathway provider set NAME [--identifier ORG-ID]`\n"
    );
    let out =
        p.cmd(&["provider", "set", "London Women's Consortium", "--identifier", "GB-CHC-1234567"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "returns are from London Women's Consortium (GB-CHC-1234567)\n");
    assert_eq!(
        p.fails(&["provider", "set", "London Women's Consortium", "--identifier", "1234567"], 2),
        "pathway: \"1234567\" is not an organisation identifier from the org-id register; it starts with one of \
         GB-CHC, GB-SC, GB-NIC, GB-COH, GB-GOR, GB-LAE, GB-LAS, GB-PLA, GB-NHS, GB-EDU, GB-MPR, or 360G- for an \
         organisation with no registered number\n"
    );
    let out = p.cmd(&["provider", "set", "Beth Centre Trust"]).output().unwrap();
    assert_eq!(stderr(&out), "returns are from Beth Centre Trust (recorded as a new provider)\n");
    assert_eq!(
        p.fails(&["provider", "set", "Beth Centre Trust", "--identifier", "GB-CHC-1234567"], 65),
        "pathway: GB-CHC-1234567 is the identifier of London Women's Consortium already; one org-id names one \
         organisation\n"
    );
    p.ok(&["-q", "provider", "set", "London Women's Consortium"]);
    assert_eq!(
        p.ok(&["provider", "show", "--format", "csv"]),
        "name,identifier\nLondon Women's Consortium,GB-CHC-1234567\n"
    );
    let json = p.json(&["report", "return", "--period", "2021-04"]);
    assert_eq!(
        json["provider"],
        serde_json::json!({"name": "London Women's Consortium", "identifier": "GB-CHC-1234567"})
    );
    let schema: Value = serde_json::from_str(&p.ok(&["report", "schema"])).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    assert!(v.is_valid(&json));
    let table = p.ok(&["report", "return", "--period", "2021-04"]);
    assert!(table.contains("\nProvider: London Women's Consortium (GB-CHC-1234567)\n"), "{table}");
    let csv = p.ok(&["report", "return", "--period", "2021-04", "--format", "csv"]);
    assert!(
        csv.contains("\n,return,,provider,,London Women's Consortium\n,return,,provider_identifier,,GB-CHC-1234567\n"),
        "{csv}"
    );
    let html = p.ok(&["report", "return", "--period", "2021-04", "--format", "html"]);
    assert!(html.contains("Provider") && html.contains("GB-CHC-1234567"), "{html}");
}

// ---------------------------------------------------------------- file, filed, diff

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_filed_return_is_byte_for_byte_what_was_produced() {
    let p = Pathway::examples();
    p.ok(&["-q", "provider", "set", "London Women's Consortium"]);
    let args = ["report", "return", "--period", "2021/22-Q1", "--service", "Beth Centre", "--format", "json"];
    let shown = ok_now(&p, &args);
    let out = run_with_now(&p, &["report", "file", "--period", "2021/22-Q1", "--service", "Beth Centre"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout.clone()).unwrap(), shown, "report file prints the return");
    let digest = {
        let f = p.file("shown.json", &shown);
        let o = std::process::Command::new("sha256sum").arg(&f).output().unwrap();
        String::from_utf8(o.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    };
    assert_eq!(stderr(&out), format!("filed return #1 for 2021/22-Q1, Beth Centre (sha256 {digest})\n"));
    assert_eq!(ok_now(&p, &["report", "filed", "--show", "1"]), shown);
    let list = p.ok(&["report", "filed", "--format", "csv"]);
    assert_eq!(
        list,
        format!(
            "id,period,from,to,service,suppress,round,filed_at,sha256,bytes\n1,2021/22-Q1,2021-04-01,2021-06-30,Beth Centre,0,,{NOW},{digest},{}\n",
            shown.len()
        )
    );
    // To a file: mode 0600, the same bytes; filing again is a resubmission.
    let out = run_with_now(
        &p,
        &["report", "file", "--period", "2021/22-Q1", "--service", "Beth Centre", "--output", "sent.json"],
    );
    assert_eq!(
        stderr(&out),
        format!("filed return #2 for 2021/22-Q1, Beth Centre, written to sent.json (sha256 {digest}); a resubmission (1 filed before)\n")
    );
    assert_eq!(std::fs::read_to_string(p.path("sent.json")).unwrap(), shown);
    assert_eq!(mode(&p.path("sent.json")), 0o600);
    p.ok(&["report", "filed", "--show", "2", "--output", "again.json"]);
    assert_eq!(std::fs::read_to_string(p.path("again.json")).unwrap(), shown);
    assert_eq!(mode(&p.path("again.json")), 0o600);
    assert_eq!(
        p.fails(&["report", "filed", "--show", "9"], 65),
        "pathway: there is no filed return #9; `pathway report filed` lists them\n"
    );
}

/// The CSV rows of a return, figure name → value (named figures only).
fn figures(csv: &str) -> std::collections::BTreeMap<String, String> {
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let (name, _) = l.split_once(',')?;
            (!name.is_empty()).then(|| (name.to_string(), l.rsplit(',').next().unwrap().to_string()))
        })
        .collect()
}

#[test]
fn diff_names_exactly_the_changed_figures_and_the_three_changes_behind_them() {
    let x = provider("Juno Women's Aid", "JU", 51);
    let p = one(&x);
    let nothing = p.fails(&["report", "diff", "--period", "2021-06"], 65);
    assert_eq!(
        nothing,
        "pathway: no return for 2021-06 has been filed; file one with `pathway report file --period 2021-06`\n"
    );
    ok_now(&p, &["-q", "report", "file", "--period", "2021-06"]);
    let out = run_with_now(&p, &["report", "diff", "--period", "2021-06"]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), format!("no figure changed since filing on {NOW} (return #1)\n"));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "");
    let before = figures(&p.ok(&["report", "return", "--period", "2021-06", "--format", "csv"]));

    // A referral added, one updated, a client erased: each in June.
    let june: Vec<&str> = x.referrals.lines().filter(|l| l.contains(",2021-06-")).collect();
    assert!(june.len() >= 3, "June has referrals");
    let fields = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    let (updated, erased) = (fields(june[0]), fields(june[1]));
    let updated_ref = updated[8].clone();
    let erased_client = erased[0].clone();
    assert_ne!(updated[0], erased_client, "the updated referral is another woman's");
    p.ok(&[
        "-q",
        "referral",
        "add",
        "--client",
        "JU-9999",
        "--date",
        "2021-06-15",
        "--source",
        "court",
        "--service",
        "Juno Women's Aid hub",
        "--needs",
        "housing",
        "--ref",
        "R-JU-NEW",
    ]);
    p.ok(&[
        "-q",
        "referral",
        "update",
        &updated_ref,
        "--outcome",
        if updated[6] == "engaged" { "declined" } else { "engaged" },
    ]);
    p.ok(&["-q", "client", "erase", &erased_client, "--yes"]);

    let after = figures(&p.ok(&["report", "return", "--period", "2021-06", "--format", "csv"]));
    let mut expected: Vec<&String> =
        after.keys().chain(before.keys()).filter(|k| before.get(*k) != after.get(*k)).collect();
    expected.sort();
    expected.dedup();
    let d = p.json(&["report", "diff", "--period", "2021-06"]);
    let mut changed: Vec<&str> =
        d["changed"].as_array().unwrap().iter().map(|c| c["figure"].as_str().unwrap()).collect();
    changed.sort();
    assert_eq!(changed, expected, "exactly the figures whose values differ");
    assert!(changed.len() > 2, "{changed:?}");
    for c in d["changed"].as_array().unwrap() {
        let f = c["figure"].as_str().unwrap();
        assert_eq!(c["filed"].as_str(), before.get(f).map(String::as_str), "{f} as filed");
        assert_eq!(c["now"].as_str(), after.get(f).map(String::as_str), "{f} now");
        assert!(!c["explained_by"].as_array().unwrap().is_empty(), "{f} is explained");
    }
    let named: Vec<(String, String, String)> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["entity"].as_str().unwrap().into(),
                c["record"].as_str().unwrap().into(),
                c["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("referral".to_string(), "R-JU-NEW".to_string(), "add".to_string()),
            ("referral".into(), updated_ref.clone(), "update".into()),
            ("client".into(), "a client erased".into(), "erase".into()),
        ]
    );
    // Never the erased woman's reference, in any format.
    for format in ["table", "csv", "json", "jsonl"] {
        let out = p.ok(&["report", "diff", "--period", "2021-06", "--format", format]);
        assert!(!out.contains(&erased_client), "{format}: {out}");
        assert!(!out.contains("JU-9999"), "{format}: no client ref");
    }
    // --fail-changed: 1 when figures changed.
    let out = p.run(&["report", "diff", "--period", "2021-06", "--fail-changed", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), format!("{} figures changed since filing on {NOW} (return #1)\n", changed.len()));
}

// ---------------------------------------------------------------- due

#[test]
fn report_due_fails_exactly_when_a_scheduled_return_is_overdue_and_not_filed() {
    let p = Pathway::examples();
    let out = p.cmd(&["grant", "edit", "2021.021-1", "--returns", "monthly", "--due-days", "15"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "grant 2021.021-1: monthly returns, due 15 days after each month ends\n");
    assert_eq!(
        p.json(&["grant", "show", "2021.021-1"])["reporting"],
        "monthly returns, due 15 days after each month ends"
    );
    assert_eq!(p.json(&["grant", "show", "2021.021-2"])["reporting"], Value::Null);
    // Before the due date of April's return (15 May): due, exit 0.
    let out = p.run(&["report", "due", "--as-of", "2021-05-10", "--fail-overdue", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "grant,decision,recipient,period,from,to,due_on,status,filed_id,filed_at\n\
         2021.021-1,2021.021,Juno Women's Aid,2021-04,2021-04-01,2021-04-30,2021-05-15,due,,\n"
    );
    // After it: overdue, exit 1, said even with -q.
    let out = p.run(&["-q", "report", "due", "--as-of", "2021-05-16", "--fail-overdue", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "pathway: 1 return is overdue and not filed on 2021-05-16: 2021.021-1 2021-04 (due 2021-05-15)\n"
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains("2021-05-15,overdue,,"));
    // Using today (PATHWAY_NOW) instead of --as-of.
    let out = p.cmd(&["report", "due", "--fail-overdue"]).env("PATHWAY_NOW", "2021-05-16T08:00:00Z").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Filed (the grant names no service: a whole-database return counts): exit 0.
    p.cmd(&["-q", "report", "file", "--period", "2021-04"])
        .env("PATHWAY_NOW", "2021-05-16T08:00:00Z")
        .output()
        .unwrap();
    let out = p.run(&["report", "due", "--as-of", "2021-05-16", "--fail-overdue", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "grant,decision,recipient,period,from,to,due_on,status,filed_id,filed_at\n\
         2021.021-1,2021.021,Juno Women's Aid,2021-04,2021-04-01,2021-04-30,2021-05-15,filed,1,2021-05-16T08:00:00Z\n\
         2021.021-1,2021.021,Juno Women's Aid,2021-05,2021-05-01,2021-05-31,2021-06-15,due,,\n"
    );
    // Without --fail-overdue an overdue return is listed and the exit is 0.
    let out = p.run(&["report", "due", "--as-of", "2021-06-20"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_schedule_needs_both_options_and_grant_add_takes_them() {
    let p = Pathway::examples();
    p.fails(&["grant", "edit", "2021.021-1", "--returns", "monthly"], 2);
    p.fails(&["grant", "edit", "2021.021-1", "--returns", "weekly", "--due-days", "5"], 2);
    p.ok(&[
        "-q",
        "decision",
        "add",
        "--ref",
        "2021.099",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "Test",
        "--amount",
        "1000",
        "--received",
        "2021-03-01",
    ]);
    p.ok(&["-q", "decision", "set-status", "2021.099", "approved", "--date", "2021-03-02"]);
    let out = p
        .cmd(&[
            "grant",
            "add",
            "--decision",
            "2021.099",
            "--recipient",
            "Juno Women's Aid",
            "--amount",
            "500",
            "--start",
            "2021-04-01",
            "--end",
            "2021-09-30",
            "--returns",
            "quarterly",
            "--due-days",
            "30",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with("grant 2021.099-1: quarterly returns, due 30 days after each quarter ends\n"),
        "{}",
        stderr(&out)
    );
    let csv = p.ok(&["report", "due", "--as-of", "2021-11-01", "--format", "csv"]);
    assert!(
        csv.contains("2021.099-1,2021.099,Juno Women's Aid,2021/22-Q1,2021-04-01,2021-06-30,2021-07-30,overdue,,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2021.099-1,2021.099,Juno Women's Aid,2021/22-Q2,2021-07-01,2021-09-30,2021-10-30,overdue,,\n"),
        "{csv}"
    );
    assert!(!csv.contains("2021/22-Q3"), "the grant ends in Q2");
}

#[test]
fn a_return_counts_as_filed_for_a_grant_only_for_the_services_it_funds() {
    let p = Pathway::examples();
    p.ok(&[
        "-q",
        "service",
        "add",
        "Juno outreach",
        "--provider",
        "Juno Women's Aid",
        "--kind",
        "outreach",
        "--grant",
        "2021.021-1",
    ]);
    p.ok(&["-q", "grant", "edit", "2021.021-1", "--returns", "monthly", "--due-days", "15"]);
    let due = |p: &Pathway| p.run(&["-q", "report", "due", "--as-of", "2021-05-16", "--fail-overdue"]).status.code();
    assert_eq!(due(&p), Some(1));
    // Another service's return does not count for this grant...
    p.cmd(&["-q", "report", "file", "--period", "2021-04", "--service", "Beth Centre"]).output().unwrap();
    assert_eq!(due(&p), Some(1));
    // ... the funded service's does.
    p.cmd(&["-q", "report", "file", "--period", "2021-04", "--service", "Juno outreach"]).output().unwrap();
    assert_eq!(due(&p), Some(0));
    // And diff finds the latest return of that service.
    let out = p.run(&["report", "diff", "--period", "2021-04", "--service", "Juno outreach"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).ends_with("(return #2)\n"), "{}", stderr(&out));
    assert_eq!(
        p.fails(&["report", "diff", "--period", "2021-05", "--service", "Juno outreach"], 65),
        "pathway: no return for 2021-05 and Juno outreach has been filed; file one with `pathway report file \
         --period 2021-05 --service \"Juno outreach\"`\n"
    );
}
