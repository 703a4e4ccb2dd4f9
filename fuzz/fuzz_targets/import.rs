#![no_main]
//! Every CSV import on arbitrary bytes: never a panic, and whatever it does,
//! the database stays consistent (`db check` finds nothing). The first byte
//! picks the import; the rest is the file. One database per process, seeded
//! with the shipped examples' services, workers and decisions so that valid
//! rows can land too.
use libfuzzer_sys::fuzz_target;
use pathway::db::{self, Db, Open};
use pathway::import::{self, ImportOptions};
use std::sync::Mutex;

struct State {
    _dir: tempfile::TempDir,
    db: Db,
    file: std::path::PathBuf,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn setup() -> State {
    let dir = tempfile::tempdir().unwrap();
    let mut db = db::open(&dir.path().join("fuzz.db"), Open::Create).unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/");
    let opts = |f: &str| ImportOptions { path: format!("{root}{f}"), ..ImportOptions::default() };
    import::decision::run(&mut db, &opts("decisions.csv"), "fuzz").unwrap();
    import::grant::run(&mut db, &opts("grants.csv"), "fuzz").unwrap();
    import::service::run(&mut db, &opts("services.csv"), "fuzz").unwrap();
    import::caseload::run_workers(&mut db, &opts("workers.csv"), "fuzz").unwrap();
    let file = dir.path().join("input.csv");
    State { _dir: dir, db, file }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    let mut guard = STATE.lock().unwrap();
    let state = guard.get_or_insert_with(setup);
    std::fs::write(&state.file, body).unwrap();
    let opts = ImportOptions { path: state.file.to_string_lossy().into_owned(), ..ImportOptions::default() };
    let db = &mut state.db;
    let _ = match which % 9 {
        0 => import::referral::run(db, &opts, "fuzz"),
        1 => import::caseload::run(db, &opts, "fuzz"),
        2 => import::caseload::run_tiers(db, &opts, "fuzz"),
        3 => import::caseload::run_workers(db, &opts, "fuzz"),
        4 => import::client::run(db, &opts, "fuzz"),
        5 => import::decision::run(db, &opts, "fuzz"),
        6 => import::grant::run(db, &opts, "fuzz"),
        7 => import::grant::run_payments(db, &opts, "fuzz"),
        _ => import::service::run(db, &opts, "fuzz"),
    };
    let problems = pathway::domain::db::check(&db.conn).unwrap();
    assert!(problems.is_empty(), "inconsistent after an import: {problems:?}");
});
