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
    println!("kill -9 mid-import: {trials} trials; {none} left none of the import, {all} all of it, 0 partial");
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

/// kill -9 while the commit is being written: the moment the write-ahead
/// log starts to grow. The import's pages stay in the page cache until the
/// commit (a 40,000-row import fits in it), so a growing `-wal` file means
/// the commit has begun; the kill then lands at a random point of it.
/// The file must hold all of the import or none of it, and pass `db check`.
#[test]
fn kill_9_during_the_commit_leaves_all_or_nothing() {
    let trials: usize = std::env::var("PATHWAY_KILL_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(6);
    let n = 40_000;
    let mut seed = 7u64;
    let (mut none, mut all, mut in_commit) = (0, 0, 0);
    for trial in 0..trials {
        let q = setup();
        let f = q.file("big.csv", referrals(n));
        let wal = q.path("pathway.db-wal");
        let before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let mut child = q.spawnable(&["referral", "import", f.to_str().unwrap()]).spawn().unwrap();
        let started = Instant::now();
        // Wait for the commit to start writing (or the import to end).
        let mut grew = false;
        while started.elapsed() < Duration::from_secs(60) {
            if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > before {
                grew = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        // A random moment within the next 30 ms (a 40,000-row commit here
        // takes longer than that), then kill.
        std::thread::sleep(Duration::from_micros(lcg(&mut seed) % 30_000));
        if grew && child.try_wait().unwrap().is_none() {
            in_commit += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let check = q.run(&["db", "check"]);
        assert!(
            check.status.success(),
            "trial {trial}: db check failed after kill -9 during the commit: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        match count(&q) {
            0 => none += 1,
            c if c == n as i64 => all += 1,
            c => panic!("trial {trial}: {c} of {n} referrals after kill -9 during the commit: a partial import"),
        }
    }
    assert_eq!(none + all, trials);
    // Printed for the README's reliability figures (cargo test -- --nocapture).
    println!("kill -9 during the commit: {trials} trials, {in_commit} landed after the commit had begun writing and before the process ended; {none} left none of the import, {all} all of it, 0 partial");
}

// ------------------------------------------------------------------ backup

/// Temporary files of a backup (`.NAME.tmp-PID`, `-journal`) in `dir`.
fn temporaries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".tmp-"))
        .collect()
}

/// A database big enough that a backup takes a while.
fn big_database() -> Pathway {
    let p = setup();
    let f = p.file("big.csv", referrals(100_000));
    p.ok(&["referral", "import", f.to_str().unwrap()]);
    p
}

#[test]
fn kill_9_mid_backup_leaves_no_temporary_file_after_the_next_backup() {
    let trials: usize = std::env::var("PATHWAY_KILL_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(12);
    let p = big_database();
    let dir = p.path("backups");
    std::fs::create_dir(&dir).unwrap();
    let t = Instant::now();
    p.ok(&["db", "backup", "backups/timed.db"]);
    let full = t.elapsed();
    let mut seed = 7u64;
    let mut left = 0;
    for trial in 0..trials {
        let target = format!("backups/copy-{trial}.db");
        let mut child = p.spawnable(&["db", "backup", &target]).stderr(std::process::Stdio::null()).spawn().unwrap();
        let wait = Duration::from_micros(lcg(&mut seed) % (full.as_micros() as u64 * 11 / 10 + 1));
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let temps = temporaries(&dir);
        if !temps.is_empty() {
            left += 1;
        }
        for t in &temps {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(t)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "trial {trial}: the temporary file {t} is readable by others");
        }
        // A copy is either whole or absent.
        let copy = p.path(&target);
        if copy.exists() {
            let c = rusqlite::Connection::open(&copy).unwrap();
            let ok: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok", "trial {trial}: a partial backup at {}", copy.display());
        }
        // The next backup to the folder clears what the killed one left.
        p.ok(&["db", "backup", "--force", "backups/next.db"]);
        assert_eq!(temporaries(&dir), Vec::<String>::new(), "trial {trial}: killed at {wait:?}");
    }
    println!("kill -9 mid-backup: {trials} trials; {left} left a temporary file, each removed by the next backup");
}

fn signal_mid_backup(signal: &str, code: i32, name: &str) {
    let p = big_database();
    let t = Instant::now();
    p.ok(&["db", "backup", "timed.db"]);
    let full = t.elapsed();
    let child = p.spawnable(&["db", "backup", "copy.db"]).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(full / 3);
    let status = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(temporaries(p.dir.path()), Vec::<String>::new(), "the temporary file outlived {signal}");
    if out.status.success() {
        return; // the backup beat the signal
    }
    assert_eq!(out.status.code(), Some(code));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("pathway: interrupted by {name}; nothing was written\n"));
    assert!(!p.path("copy.db").exists());
}

#[test]
fn ctrl_c_mid_backup_removes_the_temporary_file() {
    signal_mid_backup("-INT", 130, "Ctrl-C (SIGINT)");
}

#[test]
fn sigterm_mid_backup_removes_the_temporary_file() {
    signal_mid_backup("-TERM", 143, "SIGTERM");
}
