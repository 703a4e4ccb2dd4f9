//! The scripts in examples/ work on a fresh machine: `sh
//! examples/first-return.sh` finds the binary wherever cargo builds it, and
//! the README's crontab line works under cron's bare environment.

mod common;

use common::{root, Pathway};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn first_return(dir: &Path, target: Option<&Path>) -> std::process::Output {
    let mut c = Command::new("sh");
    c.arg("examples/first-return.sh").current_dir(dir).env_remove("PATHWAY_DB").env("NO_COLOR", "1");
    match target {
        Some(t) => c.env("CARGO_TARGET_DIR", t),
        None => c.env_remove("CARGO_TARGET_DIR"),
    };
    c.output().unwrap()
}

fn assert_return(out: &std::process::Output, how: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{how}: exit {:?}\n{stderr}", out.status.code());
    assert!(stdout.starts_with("Return 2021-04\n2021-04-01 to 2021-04-30;"), "{how}:\n{stdout}");
    assert!(stdout.contains("Service: Beth Centre (with "), "{how}:\n{stdout}");
    assert!(stderr.starts_with("database: "), "{how}:\n{stderr}");
}

/// One release build in all: the checkout's own (CARGO_TARGET_DIR unset),
/// then a copy of the sources, with no target/ of its own, built into that
/// same folder through CARGO_TARGET_DIR (only pathway itself is rebuilt).
#[test]
fn first_return_runs_with_and_without_cargo_target_dir() {
    let out = first_return(root(), None);
    assert_return(&out, "CARGO_TARGET_DIR unset");

    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("pathway");
    for d in ["src", "examples", "benches"] {
        copy_dir(&root().join(d), &copy.join(d));
    }
    for f in ["Cargo.toml", "Cargo.lock", "schema.sql"] {
        std::fs::create_dir_all(copy.join(f).parent().unwrap()).unwrap();
        std::fs::copy(root().join(f), copy.join(f)).unwrap();
    }
    let elsewhere = root().join("target");
    let out = first_return(&copy, Some(&elsewhere));
    assert_return(&out, "CARGO_TARGET_DIR set to another folder");
    assert!(!copy.join("target").exists(), "built into CARGO_TARGET_DIR, not the copy");
}

/// The crontab entry of the README, without its schedule.
fn readme_cron_line() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("# 0 6 1 * *") && l.contains("cron-return.sh"))
        .expect("a crontab line in the README");
    let script = std::fs::read_to_string(root().join("examples/cron-return.sh")).unwrap();
    let own = script
        .lines()
        .find(|l| l.starts_with("#   0 6 1 * *"))
        .expect("a crontab line in the script's comment")
        .trim_start_matches(['#', ' ']);
    assert_eq!(line.trim_start_matches(['#', ' ']), own, "README and examples/cron-return.sh show the same line");
    own.splitn(6, ' ').nth(5).unwrap().trim().to_string()
}

/// A checkout as the README's line expects at /opt/pathway: the script,
/// and (when `built`) a release binary (here, the test build of pathway).
fn checkout(p: &Pathway, built: bool) -> PathBuf {
    let opt = p.path("opt/pathway");
    std::fs::create_dir_all(opt.join("examples")).unwrap();
    std::fs::copy(root().join("examples/cron-return.sh"), opt.join("examples/cron-return.sh")).unwrap();
    if built {
        std::fs::create_dir_all(opt.join("target/release")).unwrap();
        std::fs::copy(assert_cmd::cargo::cargo_bin("pathway"), opt.join("target/release/pathway")).unwrap();
    }
    opt
}

fn under_cron(p: &Pathway, line: &str) -> std::process::Output {
    let home = p.path("home");
    std::fs::create_dir_all(&home).unwrap();
    Command::new("/usr/bin/env")
        .args(["-i", "PATH=/usr/bin:/bin", &format!("HOME={}", home.display()), "sh", "-c", line])
        .current_dir(&home)
        .output()
        .unwrap()
}

#[test]
fn readme_crontab_line_runs_under_crons_environment() {
    use chrono::Datelike;
    let p = Pathway::new();
    p.ok(&["-q", "service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    let opt = checkout(&p, true);
    let returns = p.path("srv/returns");
    let line = readme_cron_line()
        .replace("/srv/centre/pathway.db", p.db.to_str().unwrap())
        .replace("/opt/pathway", opt.to_str().unwrap())
        .replace("/srv/centre/returns", returns.to_str().unwrap());
    // Under the most permissive umask, too: what it writes is still private.
    let out = under_cron(&p, &format!("umask 000; {line}"));
    assert!(out.status.success(), "{line}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "quiet on success");
    for d in [returns.parent().unwrap(), &returns] {
        assert_eq!(std::fs::metadata(d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
    }

    let today = chrono::Local::now().date_naive();
    let (y, m) = if today.month() == 1 { (today.year() - 1, 12) } else { (today.year(), today.month() - 1) };
    let label = format!("{y:04}-{m:02}");
    let json = returns.join(format!("return-{label}.json"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schema"], "pathway.return/1");
    assert_eq!(v["period"]["label"], label.as_str());
    let csv = returns.join(format!("return-{label}.csv"));
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("figure,section,item,measure,category,value\n"));
    for f in [json, csv] {
        assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
    }
    assert_eq!(std::fs::read_dir(&returns).unwrap().count(), 2);
}

#[test]
fn cron_script_says_what_to_do_when_it_cannot_find_pathway() {
    let p = Pathway::new();
    let opt = checkout(&p, false);
    let returns = p.path("returns");
    let line = readme_cron_line()
        .replace("/srv/centre/pathway.db", p.db.to_str().unwrap())
        .replace("/opt/pathway", opt.to_str().unwrap())
        .replace("/srv/centre/returns", returns.to_str().unwrap());
    let out = under_cron(&p, &line);
    assert_eq!(out.status.code(), Some(1));
    let o = opt.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "cron-return: cannot find pathway: not in $PATHWAY_BIN, not built in {o}/target/release, not on PATH \
             (/usr/bin:/bin), not in ~/.cargo/bin. Build it (cd {o} && cargo build --release) or put \
             PATHWAY_BIN=/path/to/pathway in the crontab line\n"
        )
    );
    assert!(!returns.exists());

    // PATHWAY_BIN that is not a program.
    let out = under_cron(&p, &format!("PATHWAY_BIN=/nowhere/pathway {line}"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "cron-return: PATHWAY_BIN=/nowhere/pathway is not an executable file\n"
    );

    // PATHWAY_BIN that is: used before anything else.
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let out = under_cron(&p, &format!("PATHWAY_BIN={} {line}", bin.display()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_dir(&returns).unwrap().count(), 2);
}
