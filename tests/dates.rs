//! A referral, case or payment dated after today, or before 1900, is
//! refused by every command and import that takes one, naming the column
//! and the value. Today is fixed with PATHWAY_NOW.

mod common;

use common::{root, Pathway};

const NOW: &str = "2026-12-01T09:00:00Z";
const AFTER: &str = "is after today (2026-12-01); only what has happened can be recorded (dates are read day first: 01/04/2021 is 1 April)";

fn setup() -> Pathway {
    let p = Pathway::new();
    let ex = root().join("examples");
    let f = |name: &str| ex.join(name).to_str().unwrap().to_string();
    p.ok(&["-q", "decision", "import", &f("decisions.csv")]);
    p.ok(&["-q", "grant", "import", &f("grants.csv")]);
    p.ok(&["-q", "service", "import", &f("services.csv")]);
    p.ok(&["-q", "caseload", "worker", "import", &f("workers.csv")]);
    p
}

/// Run with today fixed; insist on `code`; stderr.
fn fails(p: &Pathway, args: &[&str], code: i32) -> String {
    let out = p.cmd(args).env("PATHWAY_NOW", NOW).output().unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stderr).unwrap()
}

fn ok(p: &Pathway, args: &[&str]) -> String {
    let out = p.cmd(args).env("PATHWAY_NOW", NOW).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// An import refused for these lines, each exactly as given, with nothing written.
fn import_refused(p: &Pathway, args: &[&str], lines: &[String]) {
    let before = p.dump();
    let err = fails(p, args, 65);
    for l in lines {
        assert!(err.lines().any(|x| x == l), "expected the line\n{l}\nin\n{err}");
    }
    assert_eq!(p.dump(), before, "nothing written");
}

#[test]
fn referrals_dated_after_today_are_refused() {
    let p = setup();
    let add = ["referral", "add", "--client", "BC-0042", "--service", "Beth Centre", "--source", "probation"];
    let err = fails(&p, &[&add[..], &["--date", "12/04/2031"]].concat(), 65);
    assert_eq!(err, format!("pathway: referred_on: 2031-04-12 {AFTER}\n"));
    let err = fails(&p, &[&add[..], &["--date", "2021-04-12", "--first-contact", "2026-12-02"]].concat(), 65);
    assert_eq!(err, format!("pathway: first_contact_on: 2026-12-02 {AFTER}\n"));
    let err = fails(&p, &[&add[..], &["--date", "1899-12-31"]].concat(), 65);
    assert_eq!(err, "pathway: referred_on: 1899-12-31 is before 1900-01-01; check the year\n");
    // Today itself is fine.
    ok(&p, &[&add[..], &["--date", "2026-12-01", "--ref", "R-2612-0001"]].concat());
    ok(&p, &[&add[..], &["--date", "2021-04-12", "--ref", "R-2104-0004"]].concat());
    let err = fails(&p, &["referral", "update", "R-2104-0004", "--first-contact", "2027-01-01"], 65);
    assert_eq!(err, format!("pathway: first_contact_on: 2027-01-01 {AFTER}\n"));

    let file = p.file(
        "referrals.csv",
        "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n\
         BC-0043,12/04/2031,probation,Beth Centre,,,,,R-2104-0005\n\
         BC-0044,2021-04-12,probation,Beth Centre,,,engaged,2027-01-01,R-2104-0006\n\
         BC-0045,2021-04-12,probation,Beth Centre,,,,,R-2104-0007\n",
    );
    let name = file.to_str().unwrap();
    import_refused(
        &p,
        &["referral", "import", name],
        &[
            format!("{name}:2: referred_on: 2031-04-12 {AFTER}"),
            format!("{name}:3: first_contact_on: 2027-01-01 {AFTER}"),
        ],
    );
}

#[test]
fn cases_dated_after_today_are_refused() {
    let p = setup();
    let open =
        ["caseload", "open", "--client", "BC-0042", "--worker", "KW01", "--service", "Beth Centre", "--tier", "T1"];
    let err = fails(&p, &[&open[..], &["--opened", "05/01/2027"]].concat(), 65);
    assert_eq!(err, format!("pathway: opened_on: 2027-01-05 {AFTER}\n"));
    ok(&p, &[&open[..], &["--opened", "2021-04-12", "--ref", "C-0042"]].concat());
    let err = fails(&p, &["caseload", "retier", "C-0042", "--tier", "T2", "--from", "2027-01-01"], 65);
    assert_eq!(err, format!("pathway: from_on: 2027-01-01 {AFTER}\n"));
    let err = fails(&p, &["caseload", "close", "C-0042", "--closed", "2027-01-01", "--outcome", "positive"], 65);
    assert_eq!(err, format!("pathway: closed_on: 2027-01-01 {AFTER}\n"));

    let cases = p.file(
        "cases.csv",
        "client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n\
         BC-0043,KW01,Beth Centre,T1,2031-04-12,,,,C-0043\n\
         BC-0044,KW01,Beth Centre,T1,2021-04-12,2027-02-01,Moved away,neutral,C-0044\n",
    );
    let name = cases.to_str().unwrap();
    import_refused(
        &p,
        &["caseload", "import", name],
        &[format!("{name}:2: opened_on: 2031-04-12 {AFTER}"), format!("{name}:3: closed_on: 2027-02-01 {AFTER}")],
    );
    let tiers = p.file("tiers.csv", "ref,client_ref,service,opened_on,from_on,tier\nC-0042,,,,2027-03-01,T3\n");
    let name = tiers.to_str().unwrap();
    import_refused(&p, &["caseload", "import", "--tiers", name], &[format!("{name}:2: from_on: 2027-03-01 {AFTER}")]);
}

#[test]
fn payments_dated_after_today_or_before_1900_are_refused() {
    let p = setup();
    let err = fails(&p, &["grant", "pay", "2021.021-1", "--amount", "100", "--date", "2027-01-01"], 65);
    assert_eq!(err, format!("pathway: paid_on: 2027-01-01 {AFTER}\n"));
    let err = fails(&p, &["grant", "pay", "2021.021-1", "--amount", "100", "--date", "0001-01-01"], 65);
    assert_eq!(err, "pathway: paid_on: 0001-01-01 is before 1900-01-01; check the year\n");
    ok(&p, &["grant", "pay", "2021.021-1", "--amount", "100", "--date", "2026-12-01"]);
    let file = p.file(
        "payments.csv",
        "grant,paid_on,amount,note\n2021.021-1,2031-04-12,100,Q1\n2021.021-1,0001-01-01,100,Q2\n",
    );
    let name = file.to_str().unwrap();
    import_refused(
        &p,
        &["grant", "import", "--payments", name],
        &[
            format!("{name}:2: paid_on: 2031-04-12 {AFTER}"),
            format!("{name}:3: paid_on: 0001-01-01 is before 1900-01-01; check the year"),
        ],
    );
}

#[test]
fn today_is_pathway_now_for_defaults_too() {
    let p = setup();
    let run = |args: &[&str]| {
        let out = p.cmd(args).env("PATHWAY_NOW", "2022-01-31T10:00:00Z").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    // grant pay without --date pays today: PATHWAY_NOW's day.
    let (_, said) = run(&["grant", "pay", "2021.021-1", "--amount", "100"]);
    assert!(said.starts_with("grant 2021.021-1: paid £100.00 on 2022-01-31;"), "{said}");
    // report caseload without --as-of reports on that day.
    let (csv, _) = run(&["report", "caseload", "--format", "csv"]);
    assert!(csv.lines().nth(1).is_some_and(|l| l.starts_with("2022-01-31,")), "{csv}");
}
