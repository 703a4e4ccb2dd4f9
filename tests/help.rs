//! Help that teaches: every subcommand has a purpose and examples that
//! start with `pathway `, and the clap definition is consistent.

use clap::CommandFactory;
use pathway::cli::Cli;

#[test]
fn clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

fn walk(cmd: &clap::Command, path: &str, problems: &mut Vec<String>) {
    for sub in cmd.get_subcommands() {
        let name = format!("{path} {}", sub.get_name());
        if sub.get_name() == "help" {
            continue;
        }
        if sub.get_about().is_none() {
            problems.push(format!("`{name}` has no one-line purpose"));
        }
        // -h shows after_help; --help shows after_long_help when there is one.
        let short = sub.get_after_help().map(|s| s.to_string()).unwrap_or_default();
        let long = sub.get_after_long_help().map(|s| s.to_string()).unwrap_or_else(|| short.clone());
        let has_example = |t: &str| {
            t.lines().any(|l| l.trim_start().starts_with("pathway ") || l.trim_start().starts_with("PATHWAY_DB="))
        };
        if !has_example(&short) || !has_example(&long) {
            problems.push(format!("`{name}` has no example line starting with `pathway ` in both -h and --help"));
        }
        walk(sub, &name, problems);
    }
}

#[test]
fn every_subcommand_has_a_purpose_and_examples() {
    let mut problems = Vec::new();
    walk(&Cli::command(), "pathway", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn pathway(args: &[&str]) -> std::process::Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("pathway")).args(args).output().unwrap()
}

#[test]
fn bash_completions_are_valid_bash() {
    let out = pathway(&["completions", "bash"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pathway.bash");
    std::fs::write(&f, &out.stdout).unwrap();
    let check = std::process::Command::new("bash").arg("-n").arg(&f).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("referral"));
    for shell in ["zsh", "fish", "powershell"] {
        let o = pathway(&["completions", shell]);
        assert!(o.status.success() && !o.stdout.is_empty(), "{shell}");
    }
}

#[test]
fn man_page_is_roff_that_groff_renders() {
    let out = pathway(&["man"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(".ie") || text.starts_with(".TH") || text.contains("\n.TH "), "not roff: {}", &text[..80]);
    assert!(text.contains("pathway"));
    let Ok(mut groff) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("groff is not installed: the roff was checked only for its header");
        return;
    };
    use std::io::Write;
    groff.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let res = groff.wait_with_output().unwrap();
    assert!(res.status.success());
    let warnings = String::from_utf8_lossy(&res.stderr);
    assert!(warnings.trim().is_empty(), "groff warnings: {warnings}");
}
