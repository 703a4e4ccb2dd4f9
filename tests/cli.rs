//! The error catalogue: every message pathway shows a person, with its
//! exact text and exit code, under `tests/cli/`. Each `NAME.md` there runs
//! the real binary in a fresh folder holding a copy of `tests/cli/data/`
//! (its `NAME.in` and `NAME.out` link to it, so the data is also checked to
//! be left as it was). `TRYCMD=overwrite cargo test --test cli` rewrites
//! the expected output after a deliberate change of wording; review the
//! diff before committing it.

#[test]
fn catalogue() {
    trycmd::TestCases::new()
        .env("PATHWAY_DB", "pathway.db")
        .env("NO_COLOR", "1")
        .env("PATHWAY_BUSY_TIMEOUT", "10")
        .env("PATHWAY_NOW", "2022-05-03T09:00:00Z")
        .case("tests/cli/*.md");
}
