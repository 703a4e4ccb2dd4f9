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
