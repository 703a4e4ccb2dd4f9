//! The layers stay apart: clap only in the command-line adapter, rusqlite
//! only in `src/db/`, and nothing printed outside `main.rs` and `output/`.

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
