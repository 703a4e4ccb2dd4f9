//! The data's lifecycle (PRODUCT.md 6.5, issue 15): retention, duplicate
//! clients and linking them.

mod common;

use common::{root, Lcg, Pathway};
use std::collections::BTreeMap;

fn day(n: i64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Duration::days(n)
}

/// One generated woman: her refs and every date on her records.
#[derive(Debug, Default)]
struct Woman {
    client_ref: String,
    referral_refs: Vec<String>,
    case_ref: Option<String>,
    dates: Vec<chrono::NaiveDate>,
    open_case: bool,
    referrals: i64,
    cases: i64,
    assessments: i64,
}

/// `n` women with referrals, cases and assessments spread over five years
/// (2021 to 2025), loaded through the real imports.
fn five_years(n: usize) -> (Pathway, Vec<Woman>) {
    let p = Pathway::new();
    let ex = root().join("examples");
    p.ok(&["-q", "service", "import", ex.join("services.csv").to_str().unwrap()]);
    p.ok(&["-q", "caseload", "worker", "import", ex.join("workers.csv").to_str().unwrap()]);
    let mut g = Lcg(15);
    let services = ["Beth Centre", "Southwark spoke", "Croydon spoke", "Lewisham spoke"];
    let (mut referrals, mut cases, mut assessments) = (
        String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref,risk,marac\n"),
        String::from("client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n"),
        String::from("case,pathway,assessed_on,score,stage\n"),
    );
    let mut women = Vec::new();
    let mut rn = 0;
    for i in 0..n {
        let mut w = Woman { client_ref: format!("BC-{:04}", i + 1), ..Woman::default() };
        let start = g.below(5 * 365 - 60) as i64;
        for _ in 0..1 + g.below(3) {
            rn += 1;
            let on = day((start + g.below(200) as i64).min(5 * 365 - 1));
            let r = format!("R-{:04}", rn);
            let contact = if g.below(2) == 0 { Some(on + chrono::Duration::days(g.below(20) as i64)) } else { None };
            referrals.push_str(&format!(
                "{},{},police,{},Lambeth,housing,,{},{},,no\n",
                w.client_ref,
                on,
                services[g.below(4) as usize],
                contact.map(|d| d.to_string()).unwrap_or_default(),
                r
            ));
            w.dates.push(on);
            w.dates.extend(contact);
            w.referral_refs.push(r);
            w.referrals += 1;
        }
        if g.below(3) == 0 {
            let opened = day(start + g.below(30) as i64);
            let c = format!("K-{:05}", i + 1);
            let closed =
                if g.below(5) == 0 { None } else { Some(opened + chrono::Duration::days(30 + g.below(400) as i64)) };
            cases.push_str(&format!(
                "{},KW01,Beth Centre,T1,{},{},{},{},{}\n",
                w.client_ref,
                opened,
                closed.map(|d| d.to_string()).unwrap_or_default(),
                if closed.is_some() { "Completed" } else { "" },
                if closed.is_some() { "positive" } else { "" },
                c
            ));
            w.dates.push(opened);
            w.dates.extend(closed);
            w.open_case = closed.is_none();
            w.cases = 1;
            let last = closed.unwrap_or(opened + chrono::Duration::days(20));
            for (k, pathway) in ["accommodation", "health"].iter().enumerate() {
                if g.below(2) == 0 {
                    let on = opened + chrono::Duration::days(((last - opened).num_days() * k as i64) / 2);
                    assessments.push_str(&format!("{c},{pathway},{on},5,\n"));
                    w.dates.push(on);
                    w.assessments += 1;
                }
            }
            w.case_ref = Some(c);
        }
        women.push(w);
    }
    p.file("referrals.csv", referrals);
    p.file("cases.csv", cases);
    p.file("assessments.csv", assessments);
    p.ok(&["-q", "referral", "import", "referrals.csv"]);
    p.ok(&["-q", "caseload", "import", "cases.csv"]);
    p.ok(&["-q", "caseload", "import", "--assessments", "assessments.csv"]);
    (p, women)
}

/// The rule counted independently of pathway's SQL: a woman ages out when
/// every date on her records is before the cutoff and no case is open.
fn independent(women: &[Woman], cutoff: chrono::NaiveDate) -> (Vec<&Woman>, BTreeMap<&'static str, i64>) {
    let out: Vec<&Woman> = women.iter().filter(|w| !w.open_case && w.dates.iter().all(|d| *d < cutoff)).collect();
    let mut c = BTreeMap::new();
    c.insert("women", out.len() as i64);
    c.insert("referrals", out.iter().map(|w| w.referrals).sum());
    c.insert("cases", out.iter().map(|w| w.cases).sum());
    c.insert("assessments", out.iter().map(|w| w.assessments).sum());
    (out, c)
}

fn plan_counts(p: &Pathway, as_of: &str) -> BTreeMap<&'static str, i64> {
    let j = p.json(&["retention", "plan", "--as-of", as_of]);
    ["women", "referrals", "cases", "assessments"].into_iter().map(|k| (k, j[k].as_i64().unwrap())).collect()
}

fn bytes_of(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn retention_plan_counts_equal_an_independent_count_of_the_rule() {
    let (p, women) = five_years(300);
    p.ok(&["retention", "set", "--years", "2"]);
    for as_of in ["2023-01-01", "2024-06-30", "2026-01-01", "2026-11-30"] {
        let d: chrono::NaiveDate = as_of.parse().unwrap();
        let cutoff = d.checked_sub_months(chrono::Months::new(24)).unwrap();
        let (_, expected) = independent(&women, cutoff);
        assert_eq!(plan_counts(&p, as_of), expected, "as of {as_of}");
    }
    let (_, c) = independent(&women, "2024-01-01".parse().unwrap());
    assert!(c["women"] > 50 && c["women"] < 250, "the data ages out some women but not all: {c:?}");
}

#[test]
fn retention_apply_erases_in_one_go_leaving_no_bytes_behind() {
    let (p, women) = five_years(300);
    let cutoff: chrono::NaiveDate = "2024-01-01".parse().unwrap();
    let (gone, expected) = independent(&women, cutoff);
    let kept: Vec<&Woman> = women.iter().filter(|w| !gone.iter().any(|g| g.client_ref == w.client_ref)).collect();
    p.ok(&["retention", "set", "--years", "2"]);
    // The refs are in the file before.
    p.ok(&["db", "backup", "before.db"]);
    assert!(holds(&bytes_of(&p.path("before.db")), &gone[0].client_ref));
    let out = p.cmd(&["retention", "apply", "--yes", "--as-of", "2026-01-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "retention: {} women erased ({} referrals, {} cases, {} assessments; {} audit entries about them removed), \
             last record before 2024-01-01\n",
            expected["women"],
            expected["referrals"],
            expected["cases"],
            expected["assessments"],
            // Audit rows about them: the imports write one row per file, none per record.
            0
        )
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), kept.len() as i64);
    p.ok(&["db", "backup", "after.db"]);
    let files = [p.db.clone(), p.path("pathway.db-wal"), p.path("after.db")];
    for f in &files {
        let b = bytes_of(f);
        for w in &gone {
            assert!(!holds(&b, &w.client_ref), "{} still holds an erased client_ref", f.display());
            for r in &w.referral_refs {
                assert!(!holds(&b, r), "{} still holds an erased referral ref", f.display());
            }
            if let Some(c) = &w.case_ref {
                assert!(!holds(&b, c), "{} still holds an erased case ref", f.display());
            }
        }
    }
    // The grep can fail: the women kept are found in the same bytes.
    let main = bytes_of(&p.db);
    assert!(kept.iter().all(|w| holds(&main, &w.client_ref) && w.referral_refs.iter().all(|r| holds(&main, r))));
    assert!(holds(&bytes_of(&p.path("after.db")), &kept[0].client_ref));
    // One audit entry, counts only.
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'retention' AND action = 'apply'"), 1);
    let c = rusqlite::Connection::open(&p.db).unwrap();
    let detail: String = c
        .query_row("SELECT detail FROM audit_log WHERE entity = 'retention' AND action = 'apply'", [], |r| r.get(0))
        .unwrap();
    assert!(!detail.contains("BC-") && !detail.contains("R-"), "{detail}");
    p.ok(&["db", "check"]);
    // Nothing is left to do.
    assert_eq!(plan_counts(&p, "2026-01-01")["women"], 0);
}

#[test]
fn retention_apply_is_cron_safe() {
    let p = Pathway::new();
    // No policy: refused, saying how to set one.
    let err = p.fails(&["retention", "plan"], 2);
    assert_eq!(
        err,
        "pathway: no retention policy is set; set one first, e.g. `pathway retention set --years 6` (or --action anonymise)\n"
    );
    p.ok(&["retention", "set", "--years", "6"]);
    let out = p.cmd(&["retention", "apply"]).write_stdin("y\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pathway: `retention apply` removes every woman past the retention policy for good; give --yes to confirm \
         (see what would go with `pathway retention plan`, and take a backup with `pathway db backup FILE` if in doubt)\n"
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'retention' AND action = 'apply'"), 0);
    let out = p.cmd(&["-q", "retention", "apply", "--yes"]).output().unwrap();
    assert_eq!((out.status.code(), out.stdout.len(), out.stderr.len()), (Some(0), 0, 0));
    let err = p.fails(&["retention", "apply", "--yes", "--as-of", "2999-01-01"], 2);
    assert!(err.starts_with("pathway: --as-of 2999-01-01 is after today ("), "{err}");
    assert!(err.ends_with("): retention never runs ahead of the calendar\n"), "{err}");
}

#[test]
fn retention_set_and_show() {
    let p = Pathway::new();
    let out = p.cmd(&["retention", "set", "--years", "6"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "retention policy: 6 years after a woman's last record, then erase\n"
    );
    let out = p.cmd(&["retention", "set", "--years", "7", "--action", "anonymise"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "retention policy: 7 years after a woman's last record, then anonymise (was: 6 years after a woman's last \
         record, then erase)\n"
    );
    let j = p.json(&["retention", "show"]);
    assert_eq!(j, serde_json::json!({"years": 7, "action": "anonymise"}));
    let err = p.fails(&["retention", "set", "--years", "0"], 2);
    assert!(err.contains("write a whole number of years from 1 to 100, e.g. 6"), "{err}");
    assert_eq!(p.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'retention' AND action = 'set'"), 2);
}

#[test]
fn retention_plan_lists_refs_only_when_asked() {
    let (p, women) = five_years(60);
    p.ok(&["retention", "set", "--years", "2"]);
    let counts = p.ok(&["retention", "plan", "--as-of", "2026-01-01", "--format", "csv"]);
    assert!(!counts.contains("BC-") && !counts.contains("R-"), "{counts}");
    let (gone, _) = independent(&women, "2024-01-01".parse().unwrap());
    let listed = p.ok(&["retention", "plan", "--as-of", "2026-01-01", "--list-refs", "--format", "csv"]);
    let refs: Vec<&str> = listed.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let mut expected: Vec<&str> = gone.iter().map(|w| w.client_ref.as_str()).collect();
    expected.sort();
    assert_eq!(refs, expected);
}

#[test]
fn retention_anonymises_keeping_historical_counts() {
    let (p, women) = five_years(120);
    p.ok(&["-q", "retention", "set", "--years", "2", "--action", "anonymise"]);
    let before = p.json(&["report", "return", "--period", "2021/22"]);
    let (gone, expected) = independent(&women, "2024-01-01".parse().unwrap());
    let out = p.cmd(&["retention", "apply", "--yes", "--as-of", "2026-01-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with(&format!(
        "retention: {} women anonymised ({} referrals,",
        expected["women"], expected["referrals"]
    )));
    let after = p.json(&["report", "return", "--period", "2021/22"]);
    assert_eq!(before["women_supported"], after["women_supported"]);
    assert_eq!(before["referrals"], after["referrals"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), women.len() as i64);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients WHERE client_ref GLOB 'anon#*'"), expected["women"]);
    p.ok(&["db", "backup", "after.db"]);
    for f in [p.db.clone(), p.path("pathway.db-wal"), p.path("after.db")] {
        let b = bytes_of(&f);
        for w in &gone {
            assert!(!holds(&b, &w.client_ref), "{} still holds an anonymised client_ref", f.display());
            assert!(w.referral_refs.iter().all(|r| !holds(&b, r)), "{} holds an old referral ref", f.display());
        }
    }
    // Anonymised women do not age out again.
    assert_eq!(plan_counts(&p, "2026-01-01")["women"], 0);
    p.ok(&["db", "check"]);
}

// ---------------------------------------------------------------------------
// Duplicate clients.

/// The database dump without the tables that say what happened (the audit
/// log and the links themselves).
fn dump_of_records(p: &Pathway) -> String {
    p.dump()
        .lines()
        .filter(|l| !l.starts_with("client_links: ") && !l.starts_with("client_link_moves: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn duplicates_csv(p: &Pathway) -> Vec<(String, String, String)> {
    p.ok(&["client", "duplicates", "--format", "csv"])
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string(), f[3].to_string())
        })
        .collect()
}

#[test]
fn duplicates_finds_every_planted_pair_and_no_false_one_among_10000_refs() {
    let p = Pathway::new();
    let mut g = Lcg(42);
    let prefixes = ["BC", "LAM", "SWK", "CR", "LEW", "NWC"];
    let mut seen = std::collections::HashSet::new();
    let mut refs: Vec<String> = Vec::new();
    while refs.len() < 10_000 {
        let pre = prefixes[g.below(6) as usize];
        // Distinct women: a distinct (prefix, numbers) each, written in
        // several styles, including the look-alikes BC-4-21 / BC-42-1.
        let (a, b) = (g.below(5000), if g.below(4) == 0 { Some(g.below(100)) } else { None });
        if !seen.insert((pre, a, b)) {
            continue;
        }
        let width = [3, 4, 5][g.below(3) as usize];
        let r = match (b, g.below(3)) {
            (Some(b), _) => format!("{pre}-{a}-{b}"),
            (None, 0) => format!("{pre}-{a:0width$}"),
            (None, 1) => format!("{}{a:0width$}", pre.to_lowercase()),
            (None, _) => format!("{pre}_{a:0width$}"),
        };
        refs.push(r);
    }
    // Planted: 40 women entered a second time, 10 of them a third time, in
    // the three spellings.
    let mut planted: Vec<(String, String)> = Vec::new();
    let mut extra = Vec::new();
    for (n, r) in refs.iter().filter(|r| r.starts_with("BC-") && r.matches('-').count() == 1).take(40).enumerate() {
        let num: u64 = r[3..].parse().unwrap();
        let mut spellings = vec![r.clone(), format!("BC-{num:03}"), format!("bc{num:04}")];
        spellings.dedup();
        spellings.retain(|s| s == r || !refs.contains(s));
        let k = if n < 10 { 3 } else { 2 };
        let group: Vec<String> = spellings.into_iter().take(k).collect();
        for s in &group[1..] {
            extra.push(s.clone());
        }
        for i in 0..group.len() {
            for j in i + 1..group.len() {
                let (x, y) = if group[i] < group[j] { (&group[i], &group[j]) } else { (&group[j], &group[i]) };
                planted.push((x.clone(), y.clone()));
            }
        }
    }
    let mut csv = String::from("client_ref,birth_year,ethnicity,disability,dependent_children\n");
    for r in refs.iter().chain(&extra) {
        csv.push_str(&format!("{r},1980,,,\n"));
    }
    p.file("clients.csv", csv);
    p.ok(&["-q", "client", "import", "clients.csv"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients"), (refs.len() + extra.len()) as i64);
    let mut found: Vec<(String, String)> = duplicates_csv(&p).into_iter().map(|(a, b, _)| (a, b)).collect();
    found.sort();
    planted.sort();
    assert!(planted.len() > 40, "{} planted pairs", planted.len());
    assert_eq!(found, planted, "exactly the planted pairs");
}

/// BC-0143 of the examples entered again as BC-143, with a referral.
fn bc_143_referral(p: &Pathway, service: &str, reference: Option<&str>) {
    let mut args = vec!["-q", "referral", "add", "--client", "BC-143", "--service", service, "--date", "2021-07-01"];
    args.extend(["--source", "self"]);
    if let Some(r) = reference {
        args.extend(["--ref", r]);
    }
    p.ok(&args);
}

#[test]
fn duplicates_show_the_evidence_and_nothing_personal() {
    let p = Pathway::examples();
    // BC-0143 (born 1965, white_british) entered again as BC-143 and bc0143.
    p.file(
        "dup.csv",
        "client_ref,birth_year,ethnicity,disability,dependent_children\nBC-143,1965,,,\nbc0143,1966,,,\n",
    );
    p.ok(&["-q", "client", "import", "dup.csv"]);
    bc_143_referral(&p, "Beth Centre", None);
    let csv = p.ok(&["client", "duplicates", "--format", "csv"]);
    assert_eq!(
        csv,
        "client_ref,other_ref,normalised,birth_year,referrals_days_apart,referrals_close\n\
         BC-0143,BC-143,bc|143,same,6,yes\n\
         BC-0143,bc0143,bc|143,different,,no\n\
         BC-143,bc0143,bc|143,different,,no\n"
    );
    assert!(!csv.contains("1965") && !csv.contains("white"), "{csv}");
    let help = p.ok(&["client", "duplicates", "--help"]);
    assert!(help
        .contains("This is a local data-quality list for the centre: it shows the two client refs and nothing else"));
}

#[test]
fn link_counts_her_once_and_unlink_restores_the_database_exactly() {
    let p = Pathway::examples();
    let women = |p: &Pathway| p.json(&["report", "return", "--period", "2021/22"])["women_supported"].as_i64().unwrap();
    let base = women(&p);
    // BC-0143 entered again as BC-143, with a referral and a case of her own.
    bc_143_referral(&p, "Lewisham spoke", Some("R-2107-9001"));
    p.ok(&[
        "-q",
        "caseload",
        "open",
        "--client",
        "BC-143",
        "--worker",
        "KW02",
        "--service",
        "Lewisham spoke",
        "--opened",
        "2021-07-02",
        "--tier",
        "T1",
        "--ref",
        "C-9143",
    ]);
    assert_eq!(women(&p), base + 1, "counted twice");
    let before = dump_of_records(&p);
    let held = p.json(&["client", "show", "BC-0143"]);
    let (referrals, cases, assessments) = (
        held["referrals"].as_array().unwrap().len(),
        held["cases"].as_array().unwrap().len(),
        held["assessments"].as_array().unwrap().len(),
    );
    assert!(cases > 0 && assessments > 0, "the linked client has cases and assessments to move");
    let out = p.cmd(&["client", "link", "BC-0143", "--into", "BC-143"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let counts = format!(
        "{}, {} and {}",
        plural(referrals, "referral", "referrals"),
        plural(cases, "case", "cases"),
        plural(assessments, "assessment", "assessments")
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("linked: moved {counts} into the other client; `pathway client unlink` with the first ref undoes it\n")
    );
    assert_eq!(women(&p), base, "counted once");
    let moved = p.json(&["client", "show", "BC-143"]);
    assert_eq!(moved["referrals"].as_array().unwrap().len(), referrals + 1);
    assert_eq!(moved["cases"].as_array().unwrap().len(), cases + 1);
    assert_eq!(moved["assessments"].as_array().unwrap().len(), assessments);
    p.ok(&["db", "check"]);
    // Linked pairs are no longer listed as duplicates.
    assert!(duplicates_csv(&p).is_empty());
    let audit: String = rusqlite::Connection::open(&p.db)
        .unwrap()
        .query_row("SELECT detail FROM audit_log WHERE action = 'link'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(audit, format!("moved {counts} into another client"));

    let out = p.cmd(&["client", "unlink", "BC-0143"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("unlinked: moved {counts} back\n"));
    assert_eq!(dump_of_records(&p), before, "unlink restores every record exactly");
    assert_eq!(women(&p), base + 1);
    assert_eq!(p.sql_i64("SELECT count(*) FROM client_links"), 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM client_link_moves"), 0);
}

#[test]
fn link_refusals_name_no_client_ref() {
    let p = Pathway::examples();
    let err = p.fails(&["client", "link", "BC-0143", "--into", "BC-0143"], 65);
    assert_eq!(err, "pathway: a client cannot be linked into herself: give two different client_refs\n");
    let err = p.fails(&["client", "unlink", "BC-0143"], 65);
    assert_eq!(err, "pathway: that client is not linked into another (see `pathway client duplicates`)\n");
    let err = p.fails(&["client", "link", "BC-0143", "--into", "BC-9999"], 65);
    assert_eq!(err, "pathway: no client is recorded with that client_ref (refs are matched exactly, case included)\n");
    // Both with an open case at one service.
    p.ok(&[
        "-q",
        "caseload",
        "open",
        "--client",
        "BC-0001",
        "--worker",
        "KW01",
        "--service",
        "Croydon spoke",
        "--opened",
        "2021-06-01",
        "--tier",
        "T1",
        "--ref",
        "C-9001",
    ]);
    p.ok(&[
        "-q",
        "caseload",
        "open",
        "--client",
        "BC-001",
        "--worker",
        "KW02",
        "--service",
        "Croydon spoke",
        "--opened",
        "2021-06-02",
        "--tier",
        "T1",
        "--ref",
        "C-9002",
    ]);
    let err = p.fails(&["client", "link", "BC-001", "--into", "BC-0001"], 65);
    assert_eq!(
        err,
        "pathway: cannot link: both clients have an open case at the same service (cases C-9002 and C-9001); a woman \
         has one open case at a service, so close or correct one of them first\n"
    );
    p.ok(&["-q", "client", "link", "BC-0062", "--into", "BC-0199"]);
    let err = p.fails(&["client", "link", "BC-0062", "--into", "BC-0001"], 65);
    assert_eq!(err, "pathway: the first client is linked into another already; `pathway client unlink` it first\n");
    let err = p.fails(&["client", "link", "BC-0001", "--into", "BC-0062"], 65);
    assert_eq!(err, "pathway: the client to link into is itself linked into another; link into that one instead\n");
    let err = p.fails(&["client", "link", "BC-0199", "--into", "BC-0001"], 65);
    assert_eq!(
        err,
        "pathway: other clients are linked into the first client; link the other client into it instead, or unlink \
         them first\n"
    );
}

#[test]
fn erasing_a_woman_erases_the_client_linked_into_her() {
    let p = Pathway::examples();
    bc_143_referral(&p, "Beth Centre", None);
    p.ok(&["-q", "client", "link", "BC-143", "--into", "BC-0143"]);
    p.ok(&["-q", "client", "erase", "BC-0143", "--yes"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM clients WHERE client_ref IN ('BC-0143', 'BC-143')"), 0);
    assert_eq!(p.sql_i64("SELECT count(*) FROM client_links"), 0);
    p.ok(&["db", "check"]);
}

#[test]
fn retention_counts_a_linked_client_as_the_same_woman() {
    let p = Pathway::examples();
    p.ok(&["-q", "retention", "set", "--years", "2"]);
    let listed = |p: &Pathway| -> Vec<String> {
        p.ok(&["retention", "plan", "--as-of", "2026-01-01", "--list-refs", "--format", "csv"])
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    assert!(listed(&p).contains(&"BC-0143".to_string()), "her 2021 records are all outside the window");
    // Entered again in 2025 as BC-143, and linked: that referral is hers.
    p.ok(&[
        "-q",
        "referral",
        "add",
        "--client",
        "BC-143",
        "--service",
        "Beth Centre",
        "--date",
        "2025-06-01",
        "--source",
        "self",
    ]);
    p.ok(&["-q", "client", "link", "BC-143", "--into", "BC-0143"]);
    let now = listed(&p);
    assert!(!now.contains(&"BC-0143".to_string()) && !now.contains(&"BC-143".to_string()), "{now:?}");
    p.ok(&["-q", "client", "unlink", "BC-143"]);
    assert!(listed(&p).contains(&"BC-0143".to_string()));
}

/// Retention erases women counted in a filed return: the return stays
/// exactly as it was filed, while the recomputed one changes.
#[test]
fn retention_leaves_filed_returns_as_they_were_filed() {
    for action in ["erase", "anonymise"] {
        let (p, women) = five_years(120);
        let cutoff: chrono::NaiveDate = "2024-01-01".parse().unwrap();
        let (gone, _) = independent(&women, cutoff);
        assert!(!gone.is_empty());
        let filed = p.ok(&["report", "file", "--period", "2021/22"]);
        let shown = p.ok(&["report", "filed", "--show", "1"]);
        assert_eq!(shown, filed, "the filed return is what was produced");
        p.ok(&["retention", "set", "--years", "2", "--action", action]);
        p.ok(&["-q", "retention", "apply", "--yes", "--as-of", "2026-01-01"]);
        assert_eq!(p.ok(&["report", "filed", "--show", "1"]), filed, "{action}: the filed return is unchanged");
        let filed_list = p.ok(&["report", "filed", "--format", "csv"]);
        assert_eq!(filed_list.lines().count(), 2, "{action}: {filed_list}");
        if action == "erase" {
            // The women erased were in 2021/22: the recomputed return differs.
            let diff = p.run(&["report", "diff", "--period", "2021/22", "--fail-changed"]);
            assert_eq!(diff.status.code(), Some(1), "{}", String::from_utf8_lossy(&diff.stderr));
        }
        p.ok(&["db", "check"]);
    }
}
