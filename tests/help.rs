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
