//! The README stays true: every `sh` block of `pathway` commands runs, in
//! order, on a fresh database; every subcommand appears in the README.

mod common;

use clap::CommandFactory;
use common::{root, Pathway};

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The ```sh blocks whose first command is `pathway …`.
fn pathway_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        match (&mut cur, line.trim_start()) {
            (None, "```sh") => cur = Some(String::new()),
            (Some(b), "```") => {
                let first = b.lines().find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
                if first.is_some_and(|l| l.starts_with("pathway ")) {
                    blocks.push(b.clone());
                }
                cur = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn readme_commands_run_in_order() {
    let p = Pathway::empty();
    let home = p.path("home");
    std::fs::create_dir(&home).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let blocks = pathway_blocks(&readme());
    assert!(blocks.len() >= 6, "expected the guide's blocks, found {}", blocks.len());
    for block in blocks {
        let script = format!("set -e\npathway() {{ '{}' \"$@\"; }}\n{block}", bin.display());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(p.dir.path())
            .env("PATHWAY_DB", &p.db)
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README block failed ({:?}):\n{block}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_subcommand_is_in_the_readme() {
    let text = readme();
    let cli = pathway::cli::Cli::command();
    for sub in cli.get_subcommands() {
        let name = format!("pathway {}", sub.get_name());
        if sub.get_name() == "help" {
            continue;
        }
        assert!(text.contains(&name), "README does not mention `{name}`");
    }
}

/// The README's section "What the numbers in a return mean", one bullet per
/// item.
fn definitions() -> Vec<String> {
    let text = readme();
    let start = text.find("\n## What the numbers in a return mean\n").expect("the README defines the figures");
    let body = &text[start + 1..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut items: Vec<String> = Vec::new();
    for line in body.lines() {
        if line.starts_with("- ") {
            items.push(line.to_string());
        } else if line.starts_with("  ") && !items.is_empty() {
            let last = items.last_mut().unwrap();
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    items
}

/// Placeholders that stand for a member of a closed set: the member must be
/// named in the same item. The others (an area, a target's subject or
/// period, a grant ref) are names from the records.
const CLOSED: &[&str] = &["SOURCE", "NEED", "OUTCOME", "RISK", "TIER", "MEASURE", "PATHWAY", "BAND", "GROUP", "ANSWER"];
const OPEN: &[&str] = &["AREA", "SUBJECT", "PERIOD", "GRANT"];

/// Whether `name` is defined by the figure pattern `pattern` of `item`:
/// literal segments equal, an open placeholder takes one or more segments
/// (a grant ref such as 2021.021-1 has dots), a closed one takes one segment
/// that the item names in backticks.
fn defines(pattern: &str, item: &str, name: &str) -> bool {
    fn go(parts: &[&str], segs: &[&str], item: &str) -> bool {
        match (parts.split_first(), segs.is_empty()) {
            (None, end) => end,
            (Some(_), true) => false,
            (Some((p, rest)), false) if OPEN.contains(p) => (1..=segs.len()).any(|k| go(rest, &segs[k..], item)),
            (Some((p, rest)), false) if CLOSED.contains(p) => {
                item.contains(&format!("`{}`", segs[0])) && go(rest, &segs[1..], item)
            }
            (Some((p, rest)), false) => *p == segs[0] && go(rest, &segs[1..], item),
        }
    }
    let parts: Vec<&str> = pattern.split('.').collect();
    let segs: Vec<&str> = name.split('.').collect();
    go(&parts, &segs, item)
}

#[test]
fn the_readme_defines_every_figure_of_the_return() {
    let p = Pathway::new();
    let ex = root().join("examples");
    let f = |name: &str| ex.join(name).to_str().unwrap().to_string();
    p.ok(&["-q", "decision", "import", &f("decisions.csv")]);
    p.ok(&["-q", "grant", "import", &f("grants.csv")]);
    p.ok(&["-q", "service", "import", &f("services.csv")]);
    for (measure, period, value) in
        [("referrals", "2021/22", "400"), ("referrals", "2021/22-Q1", "100"), ("positive_outcomes", "2021/22", "40")]
    {
        p.ok(&["-q", "service", "target", "Beth Centre", "--measure", measure, "--period", period, "--value", value]);
    }
    p.ok(&["-q", "client", "import", &f("clients.csv")]);
    p.ok(&["-q", "referral", "import", &f("referrals.csv")]);
    p.ok(&["-q", "caseload", "worker", "import", &f("workers.csv")]);
    p.ok(&["-q", "caseload", "import", &f("cases.csv")]);

    let items = definitions();
    let prefixes =
        ["referrals.", "women_supported", "caseload.", "closures.", "outcomes.", "equality.", "targets.", "grants."];
    let patterns: Vec<(String, &String)> = items
        .iter()
        .flat_map(|item| {
            item.split('`')
                .skip(1)
                .step_by(2)
                .filter(|t| prefixes.iter().any(|p| t.starts_with(p)))
                .map(move |t| (t.to_string(), item))
        })
        .collect();
    assert!(patterns.len() > 15, "{patterns:?}");

    let csv = p.ok(&["report", "return", "--period", "2021/22", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let names: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).filter(|n| !n.is_empty()).collect();
    for kind in ["referrals.by_area.", "targets.", "grants.", "caseload.by_tier.", "closures.by_outcome."] {
        assert!(names.iter().any(|n| n.starts_with(kind)), "the return should have {kind} figures");
    }
    assert!(names.iter().any(|n| n.ends_with(".2021/22-Q1")), "two targets for one measure: {names:?}");
    let undefined: Vec<&String> =
        names.iter().filter(|n| !patterns.iter().any(|(pat, item)| defines(pat, item, n))).collect();
    assert!(undefined.is_empty(), "figures the README does not define: {undefined:?}");
    // The matcher can fail: a figure that is not defined.
    for made_up in ["referrals.by_source.carrier_pigeon", "caseload.waiting", "grants.2021.021-1.clawed_back"] {
        assert!(!patterns.iter().any(|(pat, item)| defines(pat, item, made_up)), "{made_up}");
    }
    // The key to suppression is there too.
    let all = items.join("\n");
    assert!(all.contains("- `<N`: a count from 1 to N−1") && all.contains("- `[c]`: a count withheld"), "{all}");
}

#[test]
fn report_return_help_says_where_the_definitions_are() {
    let p = Pathway::empty();
    let help = p.ok(&["report", "return", "--help"]);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "Every figure is defined in the section \"What the numbers in a return mean\" of README.md, at the top of pathway's source repository;"
        ),
        "{help}"
    );
    assert!(readme().contains("\n## What the numbers in a return mean\n"));
}
