//! Nothing lost under load: a writer (imports, adds, payments), a reporter
//! (as cron would run it) and a backup loop run at once for
//! PATHWAY_SOAK_SECONDS (default 60). No command may fail or report a
//! locked database, every write must be in the database at the end, and
//! every backup must pass `pathway db check`.

mod common;

use common::Pathway;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HEADER: &str = "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref";
const ROWS_PER_FILE: usize = 20;

/// What went wrong in any loop, for one assertion at the end.
type Failures = Arc<Mutex<Vec<String>>>;

/// Run one command to completion; record a failure or a "locked" message.
fn run(cmd: &mut std::process::Command, what: &str, failures: &Failures) -> bool {
    let out = cmd.output().expect("spawn pathway");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problem = None;
    if !out.status.success() {
        problem = Some(format!("{what}: exit {:?}: {stderr}", out.status.code()));
    } else if stderr.to_lowercase().contains("locked") {
        problem = Some(format!("{what}: stderr mentions a lock: {stderr}"));
    }
    match problem {
        Some(p) => {
            failures.lock().unwrap().push(p);
            false
        }
        None => true,
    }
}

#[test]
fn writers_reporters_and_backups_at_once() {
    let seconds: u64 = std::env::var("PATHWAY_SOAK_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let p = Arc::new(Pathway::new());
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
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
        "£1,000,000",
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
        "1000000",
    ]);
    let grant = p.json(&["grant", "list"])[0]["ref"].as_str().unwrap().to_string();
    std::fs::create_dir(p.path("backups")).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let failures: Failures = Arc::new(Mutex::new(Vec::new()));

    // The writer: a file of new referrals, one added referral, one payment of £1.
    let writer = {
        let (p, stop, failures, grant) = (p.clone(), stop.clone(), failures.clone(), grant.clone());
        std::thread::spawn(move || {
            let (mut imported, mut added, mut paid) = (0usize, 0usize, 0usize);
            let mut round = 0usize;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let mut s = format!("{HEADER}\n");
                for i in 0..ROWS_PER_FILE {
                    let day = 1 + (round + i) % 28;
                    s.push_str(&format!(
                        "W{round:05}-{i:02},2021-05-{day:02},police,Beth Centre,Lambeth,housing;debt,engaged,2021-06-{day:02},S{round:05}-{i:02}\n"
                    ));
                }
                let f = p.file(&format!("round-{round}.csv"), s);
                if run(
                    &mut p.spawnable(&["-q", "referral", "import", f.to_str().unwrap()]),
                    "referral import",
                    &failures,
                ) {
                    imported += ROWS_PER_FILE;
                }
                let client = format!("A{round:05}");
                let add =
                    ["-q", "referral", "add", "--client", &client, "--service", "Beth Centre", "--date", "2021-07-01"];
                let mut args = add.to_vec();
                args.extend(["--source", "probation", "--needs", "mental_health"]);
                if run(&mut p.spawnable(&args), "referral add", &failures) {
                    added += 1;
                }
                let pay = ["-q", "grant", "pay", &grant, "--amount", "1", "--date", "2021-08-01"];
                if run(&mut p.spawnable(&pay), "grant pay", &failures) {
                    paid += 1;
                }
            }
            (imported, added, paid)
        })
    };

    // The reporter, as cron would run it.
    let reporter = {
        let (p, stop, failures) = (p.clone(), stop.clone(), failures.clone());
        std::thread::spawn(move || {
            let mut reports = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let ret = ["-q", "report", "return", "--period", "2021/22", "--format", "json"];
                if run(&mut p.spawnable(&ret), "report return", &failures) {
                    reports += 1;
                }
                if run(&mut p.spawnable(&["-q", "report", "caseload", "--format", "csv"]), "report caseload", &failures)
                {
                    reports += 1;
                }
            }
            reports
        })
    };

    // Backups to numbered files, each checked.
    let backups = {
        let (p, stop, failures) = (p.clone(), stop.clone(), failures.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let file = p.path(&format!("backups/{n:04}.db"));
                if run(&mut p.spawnable(&["-q", "db", "backup", file.to_str().unwrap()]), "db backup", &failures) {
                    let mut check = p.spawnable(&["db", "check"]);
                    check.env("PATHWAY_DB", &file);
                    run(&mut check, &format!("db check of backup {n}"), &failures);
                }
            }
            n
        })
    };

    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_millis(200));
        if failures.lock().unwrap().len() > 20 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (imported, added, paid) = writer.join().unwrap();
    let reports = reporter.join().unwrap();
    let backed_up = backups.join().unwrap();
    eprintln!(
        "soak {seconds}s: {imported} referrals imported, {added} added, {paid} payments, {reports} reports, {backed_up} backups"
    );

    let failures = failures.lock().unwrap();
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
    assert!(imported > 0 && added > 0 && paid > 0 && reports > 0 && backed_up > 0, "every loop must have run");
    // No write lost.
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), (imported + added) as i64);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE ref LIKE 'S%'"), imported as i64);
    assert_eq!(p.sql_i64("SELECT count(*) FROM payments"), paid as i64);
    assert_eq!(p.sql_i64("SELECT coalesce(sum(amount_pence), 0) FROM payments"), paid as i64 * 100);
    assert!(p.run(&["db", "check"]).status.success());
}
