//! Nothing lost: kill -9, Ctrl-C and SIGTERM during an import, a busy file,
//! and several processes at once.
//!
//! The number of kill -9 trials is PATHWAY_KILL_TRIALS (default 12).

mod common;

use common::Pathway;
use std::time::{Duration, Instant};

/// A referral file of `n` rows at one service.
fn referrals(n: usize) -> String {
    let mut s = String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n");
    for i in 0..n {
        let day = 1 + i % 28;
        s.push_str(&format!(
            "W{:05},2021-04-{day:02},police,Beth Centre,Lambeth,housing;mental_health,engaged,2021-05-{day:02},R{i:06}\n",
            i % 5000
        ));
    }
    s
}

fn setup() -> Pathway {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    p
}

fn count(p: &Pathway) -> i64 {
    p.sql_i64("SELECT count(*) FROM referrals")
}

/// A tiny deterministic generator for kill moments.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn kill_9_mid_import_leaves_all_or_nothing() {
    let trials: usize = std::env::var("PATHWAY_KILL_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(12);
    let p = setup();
    let n = 40_000;
    let file = p.file("big.csv", referrals(n));
    // How long a whole import takes here, to spread the kills across it.
    let t = Instant::now();
    p.ok(&["referral", "import", file.to_str().unwrap()]);
    let full = t.elapsed();
    let mut seed = 42u64;
    let (mut none, mut all) = (0, 0);
    for trial in 0..trials {
        let q = Pathway::new();
        q.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
        let f = q.file("big.csv", referrals(n));
        let mut child = q.spawnable(&["referral", "import", f.to_str().unwrap()]).spawn().unwrap();
        let wait = Duration::from_micros(lcg(&mut seed) % (full.as_micros() as u64 * 11 / 10 + 1));
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let check = q.run(&["db", "check"]);
        assert!(
            check.status.success(),
            "trial {trial}: db check failed after kill -9 at {wait:?}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        match count(&q) {
            0 => none += 1,
            c if c == n as i64 => all += 1,
            c => panic!("trial {trial}: {c} of {n} referrals after kill -9 at {wait:?}: a partial import"),
        }
    }
    assert_eq!(none + all, trials);
    assert_eq!(count(&p), n as i64);
}

fn signal_mid_import(signal: &str, code: i32) {
    let p = setup();
    let f = p.file("big.csv", referrals(200_000));
    let child =
        p.spawnable(&["referral", "import", f.to_str().unwrap()]).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let status = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        // The import beat the signal; then it must be whole.
        assert_eq!(count(&p), 200_000);
        return;
    }
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    if stderr.contains("the import was written") {
        // The signal came during the commit, which was let finish.
        assert_eq!(count(&p), 200_000);
    } else {
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert_eq!(count(&p), 0);
    }
    assert!(p.run(&["db", "check"]).status.success());
}

#[test]
fn ctrl_c_rolls_back_with_a_message() {
    signal_mid_import("-INT", 130);
}

#[test]
fn sigterm_rolls_back_with_a_message() {
    signal_mid_import("-TERM", 143);
}

#[test]
fn a_busy_file_waits_then_exits_75() {
    let p = setup();
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch("BEGIN IMMEDIATE; INSERT INTO settings VALUES ('lock', 'held');").unwrap();
    let t = Instant::now();
    let out = p
        .cmd(&["service", "add", "Croydon spoke", "--provider", "London Women's Consortium"])
        .env("PATHWAY_BUSY_TIMEOUT", "1")
        .output()
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(900), "it must wait before giving up");
    assert_eq!(out.status.code(), Some(75));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("busy") && err.contains("try again"), "{err}");
    c.execute_batch("ROLLBACK").unwrap();
    // Waiting, not failing: a lock released within the wait is fine.
    c.execute_batch("BEGIN IMMEDIATE; INSERT INTO settings VALUES ('lock', 'held');").unwrap();
    let child = p.spawnable(&["service", "add", "Croydon spoke", "--provider", "London Women's Consortium"]).spawn();
    let mut child = child.unwrap();
    std::thread::sleep(Duration::from_millis(500));
    c.execute_batch("ROLLBACK").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn eight_payments_at_once_against_one_grant() {
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
        "£14,000",
        "--received",
        "15.03.21",
    ]);
    p.ok(&["grant", "add", "--decision", "2021.027", "--recipient", "Nottingham Women's Centre", "--amount", "100"]);
    let grant = p.json(&["grant", "list"])[0]["ref"].as_str().unwrap().to_string();
    let children: Vec<_> = (0..8)
        .map(|_| {
            p.spawnable(&["grant", "pay", &grant, "--amount", "60", "--date", "30/06/21"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 1, "exactly one payment of £60 fits in £100");
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert_eq!(o.status.code(), Some(65), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("locked"), "{err}");
    }
    assert_eq!(p.sql_i64("SELECT sum(amount_pence) FROM payments"), 6000);
}
