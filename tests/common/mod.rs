//! The test builder: a fresh database in a temporary folder, and the real
//! `pathway` binary run against it.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

pub struct Pathway {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Pathway {
    /// A temporary folder with an initialised database.
    pub fn new() -> Pathway {
        let p = Pathway::empty();
        p.ok(&["init"]);
        p
    }

    /// A database holding the shipped examples (as examples/first-return.sh loads them).
    pub fn examples() -> Pathway {
        let p = Pathway::new();
        let ex = root().join("examples");
        let f = |name: &str| ex.join(name).to_str().unwrap().to_string();
        p.ok(&["-q", "decision", "import", &f("decisions.csv")]);
        p.ok(&["-q", "grant", "import", &f("grants.csv")]);
        p.ok(&["-q", "grant", "import", "--payments", &f("payments.csv")]);
        p.ok(&["-q", "service", "import", &f("services.csv")]);
        p.ok(&[
            "-q",
            "service",
            "target",
            "Beth Centre",
            "--measure",
            "referrals",
            "--period",
            "2021/22",
            "--value",
            "400",
        ]);
        p.ok(&["-q", "client", "import", &f("clients.csv")]);
        p.ok(&["-q", "referral", "import", &f("referrals.csv")]);
        p.ok(&["-q", "caseload", "worker", "import", &f("workers.csv")]);
        p.ok(&["-q", "caseload", "import", &f("cases.csv")]);
        p.ok(&["-q", "caseload", "import", "--tiers", &f("retiers.csv")]);
        p.ok(&["-q", "caseload", "import", "--assessments", &f("assessments.csv")]);
        p
    }

    /// A temporary folder with no database yet.
    pub fn empty() -> Pathway {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("pathway.db");
        Pathway { dir, db }
    }

    /// `pathway ARGS` against this database, not yet run.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("pathway").expect("binary");
        c.current_dir(self.dir.path())
            .env("PATHWAY_DB", &self.db)
            .env("NO_COLOR", "1")
            .env("PATHWAY_BUSY_TIMEOUT", "10")
            .env_remove("PATHWAY_360G_PREFIX")
            .args(args);
        c
    }

    /// The same command as a plain std::process::Command (to spawn, signal, kill).
    pub fn spawnable(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("pathway"));
        c.current_dir(self.dir.path())
            .env("PATHWAY_DB", &self.db)
            .env("NO_COLOR", "1")
            .env("PATHWAY_BUSY_TIMEOUT", "10")
            .args(args);
        c
    }

    /// Run and return the output whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run pathway")
    }

    /// Run, insist on success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "pathway {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Run, insist on exit `code`, return stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "pathway {args:?}: expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    /// Run with JSON output and parse it.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&a)).expect("valid JSON")
    }

    /// Run `pathway ARGS` with its stdout into `stdout`, insisting on
    /// success; its peak resident memory in kB (GNU time's figure, else
    /// the kernel's high-water mark read while it runs).
    pub fn peak_kb(&self, args: &[&str], stdout: std::fs::File) -> u64 {
        use std::process::Stdio;
        let time = Path::new("/usr/bin/time");
        let mut c = if time.exists() {
            let mut c = std::process::Command::new(time);
            c.arg("-f").arg("peak-kb %M").arg(assert_cmd::cargo::cargo_bin("pathway")).args(args);
            c.current_dir(self.dir.path()).env("PATHWAY_DB", &self.db).env("NO_COLOR", "1");
            c
        } else {
            self.spawnable(args)
        };
        let mut child = c.stdout(stdout).stderr(Stdio::piped()).spawn().expect("spawn pathway");
        let mut peak = 0;
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if let Ok(st) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
                let hwm = st
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()));
                peak = peak.max(hwm.unwrap_or(0));
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(status.success(), "pathway {args:?} failed: {err}");
        for line in err.lines() {
            if let Some(kb) = line.strip_prefix("peak-kb ") {
                peak = kb.trim().parse().expect("GNU time's figure");
            }
        }
        peak
    }

    /// Write a file in the temporary folder.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, contents).expect("write file");
        p
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// One value from the database, read directly (for checking effects).
    pub fn sql_i64(&self, q: &str) -> i64 {
        let c = rusqlite::Connection::open(&self.db).expect("open db");
        c.query_row(q, [], |r| r.get(0)).expect("query")
    }

    /// The database's whole content as SQL text, to compare before/after.
    pub fn dump(&self) -> String {
        let c = rusqlite::Connection::open(&self.db).expect("open db");
        let mut out = String::new();
        let mut tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'audit_log' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        tables.sort();
        for t in tables {
            let mut st = c.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1")).unwrap();
            let n = st.column_count();
            let rows = st
                .query_map([], |r| {
                    Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"))
                })
                .unwrap();
            for r in rows {
                out.push_str(&format!("{t}: {}\n", r.unwrap()));
            }
        }
        out
    }
}

/// The repository's root (for examples/ and fixtures).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The 360Giving package schema with both grant-schema addresses (1.4.2, as
/// the package refers to it, and 1.4.3, its own $id) mapped to the local copy.
pub fn giving_validator() -> jsonschema::Validator {
    let dir = root().join("tests/fixtures/360giving");
    // The schemas name their draft as http://json-schema.org/draft/2020-12/schema,
    // not the draft's canonical https address, which the validator would try
    // to fetch: drop that key in memory and say which draft it is instead.
    let load = |name: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        assert_eq!(v["$schema"], "http://json-schema.org/draft/2020-12/schema");
        v.as_object_mut().unwrap().remove("$schema");
        v
    };
    let grant = load("360-giving-schema.json");
    let package = load("360-giving-package-schema.json");
    let draft = jsonschema::Draft::Draft202012;
    let mut opts = jsonschema::options().with_draft(draft).should_validate_formats(true);
    for v in ["1.4.2", "1.4.3"] {
        opts = opts.with_resource(
            format!("https://raw.githubusercontent.com/ThreeSixtyGiving/standard/{v}/schema/360-giving-schema.json"),
            draft.create_resource(grant.clone()),
        );
    }
    opts.build(&package).expect("the 360Giving schema compiles offline")
}

/// Every schema error of `doc`, with its path.
pub fn giving_errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path)).collect()
}

/// A small deterministic generator (no dependency needed), for generated
/// test data that is the same on every run.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}
