//! The layers stay apart: clap only in the command-line adapter, rusqlite
//! only in `src/db/`, and nothing printed outside `main.rs` and `output/`.
//!
//! Rendering has one layer, `src/output/`: the `Render` trait, the one
//! `emit` that picks a value's renderer from `--format`, `check` (which
//! formats a command can be written in, asked once before it starts),
//! `Out`, and what each command shows in `output/<command>.rs` (the columns
//! and cells of its lists, the `impl Render` of its records). A report's
//! renderer is its `impl Render` beside it in `src/report/`
//! (`returns_render.rs`, `merge_render.rs`, and the `impl Render` at the
//! end of `grants.rs`, `caseload.rs`, `explain.rs`, `diff.rs`, `due.rs`,
//! `filed.rs`), which calls `Out`'s methods by name and never looks at the
//! format. Commands in `src/cmd/` gather arguments, make the domain or
//! report call and hand the value to `emit` (or stream a list's rows into
//! `Out::rows`).

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    sources(&root.join("src"), &mut v);
    v.into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Lines of code (not comments) that mention `word`.
fn uses(text: &str, word: &str) -> Vec<String> {
    text.lines().filter(|l| !l.trim_start().starts_with("//") && l.contains(word)).map(str::to_string).collect()
}

/// Whether `line` has `word` on its own (`Format` but not `Formats`).
fn names(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        let joined_before = word.starts_with(ident) && before.is_some_and(ident);
        let joined_after = word.ends_with(ident) && after.is_some_and(ident);
        !joined_before && !joined_after
    })
}

#[test]
fn rusqlite_only_in_db() {
    for (path, text) in files() {
        if path.starts_with("src/db/") {
            continue;
        }
        let hits = uses(&text, "rusqlite");
        assert!(hits.is_empty(), "{path} uses rusqlite outside src/db/: {hits:?}");
    }
}

#[test]
fn clap_only_in_the_cli_adapter() {
    for (path, text) in files() {
        if path == "src/cli.rs" || path == "src/main.rs" || path.starts_with("src/cmd/") || path == "src/output/mod.rs"
        {
            continue;
        }
        let hits = uses(&text, "clap");
        assert!(hits.is_empty(), "{path} uses clap outside src/cli.rs and src/cmd/: {hits:?}");
    }
}

#[test]
fn printing_only_in_main() {
    for (path, text) in files() {
        if path == "src/main.rs" {
            continue;
        }
        for word in ["println!", "eprintln!", "print!(", "eprint!("] {
            let hits = uses(&text, word);
            assert!(hits.is_empty(), "{path} prints with {word}: {hits:?}");
        }
    }
}

#[test]
fn sql_only_in_db() {
    // Domain, import, report and command code reach SQLite through db:: functions.
    for (path, text) in files() {
        if path.starts_with("src/db/") || path.ends_with("tests.rs") {
            continue;
        }
        let code: String = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
        for word in ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"] {
            let hits: Vec<String> = uses(&code, word).into_iter().filter(|l| l.contains('"')).collect();
            assert!(hits.is_empty(), "{path} has SQL text outside src/db/: {hits:?}");
        }
    }
}

/// `Format::` outside the render layer (a `match` on the format, or a
/// comparison with one of its variants). `src/cli.rs` names the flag's
/// default and nothing else.
#[test]
fn format_matched_only_in_the_render_layer() {
    for (path, text) in files() {
        if path.starts_with("src/output/") {
            continue;
        }
        let hits: Vec<String> = uses(&text, "Format::")
            .into_iter()
            .filter(|l| !(path == "src/cli.rs" && l.contains("default_value_t = Format::Table")))
            .collect();
        assert!(hits.is_empty(), "{path} matches on the output format outside src/output/: {hits:?}");
    }
}

/// A command hands its value to the render layer: it never looks at the
/// format (`Format`, `ctx.format`, `out.format`), builds a cell of a row
/// (`Cell`), a titled table (`Section`), a page (`html::`), JSON of its own
/// (`serde_json::`), or writes sections or a workbook. A list streamed from
/// the database is the one thing a command writes itself: `out.rows` with
/// the columns and cells its `output/<command>.rs` gives.
#[test]
fn commands_do_not_render() {
    for (path, text) in files() {
        if !path.starts_with("src/cmd/") {
            continue;
        }
        for word in [
            "Format",
            "ctx.format",
            "out.format",
            "Cell",
            "Section",
            "html::",
            ".sections(",
            ".workbook(",
            "serde_json::",
        ] {
            let hits: Vec<String> = uses(&text, word).into_iter().filter(|l| names(l, word)).collect();
            assert!(hits.is_empty(), "{path} renders ({word}) instead of handing its value to output::emit: {hits:?}");
        }
    }
}

#[test]
fn domain_does_not_use_import() {
    // Dependencies point one way: import reads files into domain values and
    // calls the domain's rules; the domain never reaches back into import.
    for (path, text) in files() {
        if !path.starts_with("src/domain/") {
            continue;
        }
        let hits: Vec<String> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .filter(|l| {
                l.contains("crate::import")
                    || l.contains("super::import")
                    || (l.contains("use crate::{")
                        && l.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == "import"))
            })
            .map(str::to_string)
            .collect();
        assert!(hits.is_empty(), "{path} uses crate::import (the domain must not depend on import): {hits:?}");
    }
}
