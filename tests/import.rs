//! The shared import reader: bounded memory, signals, the header row,
//! personal columns, every error of a row, semicolon files, month-first
//! dates, the rejects file and imports of nothing.

mod common;

use common::Pathway;
use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const HEADER: &str = "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref";
const CLIENT_HEADER: &str = "client_ref,birth_year,ethnicity,disability,dependent_children";

fn setup() -> Pathway {
    let p = Pathway::new();
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    p
}

fn referrals(n: usize) -> String {
    let mut s = format!("{HEADER}\n");
    for i in 0..n {
        s.push_str(&format!(
            "BC-{:04},2021-04-{:02},police,Beth Centre,Lambeth,housing;debt,engaged,2021-05-01,R-2104-{i:04}\n",
            i % 900,
            1 + i % 28
        ));
    }
    s
}

fn count(p: &Pathway) -> i64 {
    p.sql_i64("SELECT count(*) FROM referrals")
}

fn audits(p: &Pathway) -> i64 {
    p.sql_i64("SELECT count(*) FROM audit_log")
}

/// Wait for `child` at most `limit`; kill it and fail past that.
fn wait_for(child: &mut Child, limit: Duration, what: &str) -> (std::process::ExitStatus, Duration) {
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, t.elapsed());
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    child.stderr.take().unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The peak resident memory of a process, in kB, from /proc while it runs.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ------------------------------------------------------------ limits

#[test]
fn endless_input_without_a_line_end_is_refused_in_bounded_memory() {
    let p = setup();
    let time = std::path::Path::new("/usr/bin/time");
    let zero = || std::fs::File::open("/dev/zero").unwrap();
    let (mut child, via_time) = if time.exists() {
        let mut c = std::process::Command::new(time);
        c.arg("-f").arg("peak-kb %M").arg(assert_cmd::cargo::cargo_bin("pathway"));
        c.current_dir(p.dir.path()).env("PATHWAY_DB", &p.db).args(["referral", "import", "-"]);
        (c.stdin(zero()).stderr(Stdio::piped()).spawn().unwrap(), true)
    } else {
        (p.spawnable(&["referral", "import", "-"]).stdin(zero()).stderr(Stdio::piped()).spawn().unwrap(), false)
    };
    let pid = child.id();
    let mut peak_kb = 0;
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if !via_time {
            peak_kb = peak_kb.max(vm_hwm(pid).unwrap_or(0));
        }
        if t.elapsed() > Duration::from_secs(20) || peak_kb > 500_000 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still reading /dev/zero after {:?}, at {peak_kb} kB", t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut err = stderr_of(&mut child);
    if via_time {
        // GNU time's own lines: "Command exited with non-zero status 65", "peak-kb N".
        let mut kept = String::new();
        for line in err.lines() {
            if let Some(kb) = line.strip_prefix("peak-kb ") {
                peak_kb = kb.trim().parse().expect("GNU time's figure");
            } else if !line.starts_with("Command exited with") {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        err = kept;
    }
    assert_eq!(status.code(), Some(65), "{err}");
    assert_eq!(
        err,
        "pathway: <stdin>: the header row has 1 problem; nothing was imported\n\
         <stdin>:1: header: the first line is more than 1000000 bytes long, more than pathway reads in one row; \
         is this a CSV file with a header row?\n"
    );
    eprintln!("peak memory of `referral import - </dev/zero`: {peak_kb} kB");
    assert!(peak_kb > 0 && peak_kb < 100 * 1024, "peak memory {peak_kb} kB");
}

#[test]
fn a_row_past_the_size_limit_stops_the_file() {
    let p = setup();
    let huge = "A".repeat(3_000_000);
    let f = p.file("long.csv", format!("{}W-0002,2021-04-01,police,Beth Centre,{huge}", referrals(1)));
    for extra in [&[][..], &["--skip-invalid"][..]] {
        let mut args = vec!["referral", "import", f.to_str().unwrap()];
        args.extend_from_slice(extra);
        let err = p.fails(&args, 65);
        assert_eq!(
            err,
            format!(
                "pathway: {f}: 1 invalid row; nothing was imported\n\
                 {f}:3: area: the row is more than 1000000 bytes long (a value may be at most 10000 bytes); \
                 the file was not read further\n",
                f = f.display()
            )
        );
    }
    assert_eq!(count(&p), 0);
}

#[test]
fn a_row_with_too_many_fields_just_after_the_header_is_a_row_problem() {
    let p = setup();
    // Line 2, read ahead together with the header, is the wide one: not
    // the header.
    let wide = vec!["a"; 1_500].join(",");
    for (name, body) in
        [("wide.csv", format!("{HEADER}\n{wide}\n")), ("later.csv", format!("{}{wide}\n", referrals(300)))]
    {
        p.file(name, body);
        let line = if name == "wide.csv" { 2 } else { 302 };
        let err = p.fails(&["referral", "import", name], 65);
        assert_eq!(
            err,
            format!(
                "pathway: {name}: 1 invalid row; nothing was imported\n\
                 {name}:{line}: row: the row has more than 1000 fields, more than pathway reads; \
                 the file was not read further\n"
            )
        );
    }
    assert_eq!(count(&p), 0);
}

// ------------------------------------------------------------ signals

/// Start `referral import -` on a pipe that is written `start` and then
/// never written to or closed, send `signal`, and return the exit code,
/// how long the exit took and stderr.
fn signal_while_waiting_on_stdin(signal: &str, start: &str) -> (Option<i32>, Duration, String) {
    let p = setup();
    let mut child = p
        .spawnable(&["referral", "import", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(start.as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(child.try_wait().unwrap().is_none(), "the import ended before the signal");
    let sent = Instant::now();
    assert!(std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
    let (status, _) = wait_for(&mut child, Duration::from_secs(10), "the signalled import");
    let took = sent.elapsed();
    drop(stdin);
    let err = stderr_of(&mut child);
    assert_eq!(count(&p), 0);
    assert!(p.run(&["db", "check"]).status.success());
    (status.code(), took, err)
}

#[test]
fn sigterm_is_honoured_while_waiting_on_stdin() {
    let (code, took, err) = signal_while_waiting_on_stdin("-TERM", "");
    assert_eq!(code, Some(143), "{err}");
    assert!(took < Duration::from_secs(1), "SIGTERM took {took:?}");
    assert_eq!(err, "pathway: interrupted by SIGTERM; nothing was written\n");
}

#[test]
fn ctrl_c_is_honoured_inside_a_row_while_waiting_on_stdin() {
    // The header and a row are in, the next row is half written.
    let start = format!("{}BC-0002,2021-04-02,pol", referrals(1));
    let (code, took, err) = signal_while_waiting_on_stdin("-INT", &start);
    assert_eq!(code, Some(130), "{err}");
    assert!(took < Duration::from_secs(1), "SIGINT took {took:?}");
    assert_eq!(err, "pathway: interrupted by Ctrl-C (SIGINT); nothing was written\n");
}

#[test]
fn ctrl_c_is_honoured_while_waiting_for_the_write_lock() {
    let p = setup();
    p.file("r.csv", referrals(10));
    // Another writer holds the write lock.
    let other = rusqlite::Connection::open(&p.db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut child = p.spawnable(&["referral", "import", "r.csv"]).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(child.try_wait().unwrap().is_none(), "the import did not wait for the lock");
    let sent = Instant::now();
    assert!(std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let (status, _) = wait_for(&mut child, Duration::from_secs(15), "the import waiting for the lock");
    let took = sent.elapsed();
    other.execute_batch("ROLLBACK").unwrap();
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(took < Duration::from_secs(1), "SIGINT took {took:?}");
    assert_eq!(err, "pathway: interrupted by Ctrl-C (SIGINT); nothing was written\n");
    assert_eq!(count(&p), 0);
}

/// A signal that arrives once the commit has begun (the write-ahead log,
/// empty while the rows are read into the page cache, starts to grow) is
/// held until the commit ends, and the import says it was written.
#[test]
fn sigterm_during_the_commit_waits_for_it_and_says_the_import_was_written() {
    let p = setup();
    let n = 100_000;
    p.file("big.csv", referrals(n));
    let wal = p.path("pathway.db-wal");
    let mut child =
        p.spawnable(&["referral", "import", "big.csv"]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let t = Instant::now();
    loop {
        if std::fs::metadata(&wal).map(|m| m.len() > 0).unwrap_or(false) {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the import ended before its commit was seen");
        assert!(t.elapsed() < Duration::from_secs(120), "no commit seen");
        std::thread::sleep(Duration::from_micros(200));
    }
    assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let (status, _) = wait_for(&mut child, Duration::from_secs(60), "the import signalled during its commit");
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(143), "{err}");
    assert_eq!(
        err,
        "pathway: interrupted by SIGTERM during the commit; pathway waited for the commit to finish, so the import was written\n"
    );
    assert_eq!(count(&p), n as i64);
    assert!(p.run(&["db", "check"]).status.success());
}

// ------------------------------------------------------------ the header row

#[test]
fn a_million_column_header_is_one_header_problem() {
    let p = setup();
    let f = p.file("wide.csv", format!("{}\n", vec!["x"; 1_000_000].join(",")));
    let err = p.fails(&["referral", "import", "wide.csv"], 65);
    assert!(err.len() < 20_000, "{} bytes on stderr", err.len());
    assert_eq!(
        err,
        "pathway: wide.csv: the header row has 1 problem; nothing was imported\n\
         wide.csv:1: header: the header row has more than 1000 columns, more than pathway reads; is this the right file?\n"
    );
    assert!(f.exists());
}

#[test]
fn header_problems_are_counted_once_and_listed_at_most_fifty() {
    let p = setup();
    p.file("notes.csv", format!("{HEADER}{}\n", ",notes".repeat(900)));
    let err = p.fails(&["referral", "import", "notes.csv"], 65);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 52, "{err}");
    assert_eq!(lines[0], "pathway: notes.csv: the header row has 900 problems; nothing was imported");
    assert_eq!(
        lines[1],
        "notes.csv:1: header: unknown column \"notes\" (known: client_ref, referred_on, source, service, area, needs, outcome, first_contact_on); use --ignore-unknown to skip columns pathway does not know"
    );
    assert_eq!(lines[51], "... and 850 more");
    assert!(!err.contains("invalid row"), "{err}");
}

#[test]
fn a_file_without_a_header_row_is_refused_without_its_values() {
    let p = setup();
    p.file("clients.csv", "C-000001,1990,black_african,no,0\nC-000002,1985,white_british,yes,2\n");
    let before = p.dump();
    for extra in [&[][..], &["--ignore-unknown"][..]] {
        let mut args = vec!["client", "import", "clients.csv"];
        args.extend_from_slice(extra);
        let err = p.fails(&args, 65);
        assert_eq!(
            err,
            "pathway: clients.csv: no header row; nothing was imported\n\
             clients.csv:1: header: the first line is not a header row: none of its 5 cells is a column of this import \
             (expected: client_ref,birth_year,ethnicity,disability,dependent_children); add the header row\n"
        );
        for secret in ["C-000001", "1990", "black_african", "C-000002"] {
            assert!(!err.contains(secret), "{secret} repeated in: {err}");
        }
    }
    assert_eq!(p.dump(), before);
}

#[test]
fn a_header_cell_that_could_be_data_is_never_repeated() {
    let p = setup();
    p.file("clients.csv", format!("{CLIENT_HEADER},BC-0042\nBC-0001,1985,,,,x\n"));
    let err = p.fails(&["client", "import", "clients.csv"], 65);
    assert_eq!(
        err,
        "pathway: clients.csv: the header row has 1 problem; nothing was imported\n\
         clients.csv:1: header: column 6 is not a column of this import (its name is not repeated here: it looks like \
         a value, not a column name) (known: client_ref, birth_year, ethnicity, disability, dependent_children); \
         use --ignore-unknown to skip columns pathway does not know\n"
    );
    assert!(!err.contains("BC-0042"), "{err}");
}

// ------------------------------------------------------------ personal columns, read once

#[test]
fn personal_columns_are_refused_by_every_import_even_when_ignoring_unknown() {
    let p = setup();
    p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
    p.file(
        "cases.csv",
        "client_ref,worker,service,tier,opened_on,date_of_birth\nBC-0001,KW01,Beth Centre,T1,2021-04-12,1985-03-12\n",
    );
    let before = p.dump();
    let err = p.fails(&["caseload", "import", "cases.csv", "--ignore-unknown"], 65);
    assert_eq!(
        err,
        "pathway: cases.csv: the header row has 1 problem; nothing was imported\n\
         cases.csv:1: header: the column \"date_of_birth\" would hold a name, address, date of birth or contact detail; \
         pathway never records these (data minimisation): remove the column and identify women only by the \
         provider's pseudonymous client_ref\n"
    );
    assert!(!err.contains("1985"), "{err}");
    p.file(
        "decisions.csv",
        "ref,commissioner,title,amount,Email\n2021.021,Nottinghamshire OPCC,Car Pilot,47013,x@example.org\n",
    );
    let err = p.fails(&["decision", "import", "decisions.csv", "--ignore-unknown"], 65);
    assert!(err.contains("decisions.csv:1: header: the column \"Email\" would hold a name"), "{err}");
    assert_eq!(p.dump(), before);
}

#[test]
fn an_import_from_a_fifo_reads_the_whole_file() {
    let p = setup();
    let fifo = p.path("referrals.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let text = referrals(3000);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = w.write_all(text.as_bytes());
            }
        })
    };
    let mut child = p
        .spawnable(&["referral", "import", fifo.to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (status, _) = wait_for(&mut child, Duration::from_secs(60), "the import from a FIFO");
    let err = stderr_of(&mut child);
    if !writer.is_finished() {
        // Unblock a writer still waiting for a reader.
        let _ = std::fs::File::open(&fifo);
    }
    writer.join().unwrap();
    assert!(status.success(), "{err}");
    assert_eq!(err, format!("{}: 3000 referrals read: 3000 new, 0 updated, 0 unchanged\n", fifo.display()));
    assert_eq!(count(&p), 3000);
}

#[test]
fn an_import_from_a_process_substitution_reads_the_whole_file() {
    let p = setup();
    p.file("referrals.csv", referrals(3000));
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let mut child = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("exec '{}' -q referral import <(cat referrals.csv)", bin.display()))
        .current_dir(p.dir.path())
        .env("PATHWAY_DB", &p.db)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (status, _) = wait_for(&mut child, Duration::from_secs(60), "the import from <(…)");
    let err = stderr_of(&mut child);
    assert!(status.success(), "{err}");
    assert_eq!(count(&p), 3000);
}

// ------------------------------------------------------------ every error of a row

#[test]
fn every_bad_cell_of_a_row_is_listed() {
    let p = setup();
    p.file(
        "bad.csv",
        format!("{HEADER}\nBC-0001,31/02/2021,polise,Beth Centre,Lambeth,housing,engagd,2021-05-01,R-2104-0001\n"),
    );
    let err = p.fails(&["referral", "import", "bad.csv"], 65);
    assert_eq!(
        err,
        "pathway: bad.csv: 1 invalid row; nothing was imported\n\
         bad.csv:2: referred_on: \"31/02/2021\" is not a date (February 2021 has no day 31); write 2021-04-01, 01/04/2021, 1/4/21 or 15.03.21 (day first)\n\
         bad.csv:2: source: \"polise\" is not a referral source; use one of: police, probation, crc, liaison_diversion, court, self, gp, social_care, housing, other\n\
         bad.csv:2: outcome: \"engagd\" is not a referral outcome; use one of: accepted, declined, no_contact, engaged, closed\n"
    );
    // Thirty such rows: ninety errors, fifty listed.
    let row = "BC-0001,31/02/2021,polise,Beth Centre,Lambeth,housing,engagd,2021-05-01,\n";
    p.file("bad.csv", format!("{HEADER}\n{}", row.repeat(30)));
    let err = p.fails(&["referral", "import", "bad.csv"], 65);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 52, "{err}");
    assert_eq!(lines[0], "pathway: bad.csv: 30 invalid rows; nothing was imported");
    assert_eq!(lines[51], "... and 40 more");
    assert_eq!(count(&p), 0);
}

// ------------------------------------------------------------ semicolons

#[test]
fn semicolon_files_from_european_excel_import() {
    let p = setup();
    let rows = "BC-0001;01/04/2021;police;Beth Centre;Lambeth;\"housing;debt\";engaged;03/04/2021;R-2104-0001\n\
                BC-0002;02/04/2021;self;Beth Centre;Lambeth;housing;;;R-2104-0002\n";
    let header = HEADER.replace(',', ";");
    p.file("semi.csv", format!("{header}\n{rows}"));
    let out = p.json(&["referral", "import", "semi.csv"]);
    assert_eq!(out["new"], 2);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals WHERE ref = 'R-2104-0001' AND needs = (16 | 32)"), 1);
    // With Excel's "sep=;" first line, and the lines still counted from the top.
    let crlf = rows.replace('\n', "\r\n");
    p.file("sep.csv", format!("sep=;\r\n{header}\r\n{crlf}BC-0003;2021-04-31;police;Beth Centre;;housing;;;\r\n"));
    let err = p.fails(&["referral", "import", "sep.csv"], 65);
    assert!(err.contains("sep.csv:5: referred_on: \"2021-04-31\" is not a date"), "{err}");
    p.file("sep.csv", format!("sep=;\r\n{header}\r\n{crlf}BC-0003;2021-04-03;police;Beth Centre;;housing;;;\r\n"));
    let out = p.json(&["referral", "import", "sep.csv"]);
    assert_eq!((out["new"].as_u64(), out["unchanged"].as_u64()), (Some(1), Some(2)));
    assert_eq!(count(&p), 3);
}

// ------------------------------------------------------------ month-first dates

#[test]
fn a_month_first_file_is_refused_whole() {
    let p = setup();
    p.file(
        "us.csv",
        format!(
            "{HEADER}\n\
             BC-0001,04/05/2021,police,Beth Centre,Lambeth,housing,,,R-2104-0001\n\
             BC-0002,04/13/2021,police,Beth Centre,Lambeth,housing,,,R-2104-0002\n\
             BC-0003,04/20/2021,police,Beth Centre,Lambeth,housing,,,R-2104-0003\n"
        ),
    );
    for extra in [&[][..], &["--skip-invalid"][..]] {
        let mut args = vec!["referral", "import", "us.csv"];
        args.extend_from_slice(extra);
        let err = p.fails(&args, 65);
        assert_eq!(
            err,
            "pathway: us.csv: its dates are month-first; nothing was imported\n\
             us.csv:3: referred_on: \"04/13/2021\" can only be read month-first (there is no month 13), so this file \
             writes its dates month-first and a date such as 04/05/2021 in it would be misread as 4 May; pathway reads \
             dates day-first: save the file with dates as 2021-04-13 or 13/04/2021 and import it again\n"
        );
    }
    assert_eq!(count(&p), 0);
}

// ------------------------------------------------------------ the rejects file

#[test]
fn the_rejects_file_is_private_under_umask_000_and_holds_exactly_the_refused_rows() {
    let p = setup();
    p.file(
        "mixed.csv",
        format!(
            "{HEADER}\n\
             BC-0001,2021-04-01,police,Beth Centre,Lambeth,housing,,,R-2104-0001\n\
             BC-0002,2021-04-31,polise,Beth Centre,Lambeth,housing,,,R-2104-0002\n"
        ),
    );
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec '{}' -q referral import mixed.csv --skip-invalid --rejects rejects.csv",
            bin.display()
        ))
        .current_dir(p.dir.path())
        .env("PATHWAY_DB", &p.db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p.path("rejects.csv")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "rejects file mode {mode:o}");
    assert_eq!(
        std::fs::read_to_string(p.path("rejects.csv")).unwrap(),
        format!(
            "{HEADER},error\n\
             BC-0002,2021-04-31,polise,Beth Centre,Lambeth,housing,,,R-2104-0002,\"referred_on: \"\"2021-04-31\"\" is not a date \
             (April 2021 has no day 31); write 2021-04-01, 01/04/2021, 1/4/21 or 15.03.21 (day first); source: \"\"polise\"\" \
             is not a referral source; use one of: police, probation, crc, liaison_diversion, court, self, gp, social_care, \
             housing, other\"\n"
        )
    );
    let left: Vec<String> = std::fs::read_dir(p.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    assert_eq!(count(&p), 1);
}

#[cfg(unix)]
#[test]
fn the_rejects_file_is_never_written_through_a_planted_link() {
    let p = setup();
    p.file(
        "mixed.csv",
        format!(
            "{HEADER}\n\
             BC-0001,2021-04-01,police,Beth Centre,Lambeth,housing,,,R-2104-0001\n\
             BC-0002,2021-04-31,police,Beth Centre,Lambeth,housing,,,R-2104-0002\n"
        ),
    );
    let victim = p.file("victim.txt", "untouched");
    // The temporary name the rejects file used to be written under.
    std::os::unix::fs::symlink(&victim, p.path("rejects.tmp-rejects")).unwrap();
    p.ok(&["referral", "import", "mixed.csv", "--skip-invalid", "--rejects", "rejects.csv"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    let meta = std::fs::symlink_metadata(p.path("rejects.csv")).unwrap();
    assert!(meta.file_type().is_file(), "the rejects file is a link");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(p.path("rejects.csv")).unwrap().contains("R-2104-0002"));
}

// ------------------------------------------------------------ imports of nothing

#[test]
fn a_header_only_file_leaves_no_audit_row() {
    let p = setup();
    p.file("empty.csv", format!("{HEADER}\n"));
    p.file("clients.csv", format!("{CLIENT_HEADER}\r\n"));
    let before = audits(&p);
    let err = String::from_utf8(p.cmd(&["referral", "import", "empty.csv"]).output().unwrap().stderr).unwrap();
    assert_eq!(err, "empty.csv: 0 referrals read: 0 new, 0 updated, 0 unchanged\n");
    p.ok(&["client", "import", "clients.csv"]);
    assert_eq!(audits(&p), before);
}

// ------------------------------------------------------------ rows read ahead

/// A file of `n` good rows (`referrals`) with some lines replaced: the
/// line numbers are the file's, the header being line 1.
fn referrals_with(n: usize, replaced: &[(usize, &str)]) -> String {
    let mut lines: Vec<String> = referrals(n).lines().map(str::to_string).collect();
    for &(line, row) in replaced {
        lines[line - 1] = row.to_string();
    }
    lines.join("\n") + "\n"
}

/// A CSV file is read a few batches of 512 rows ahead of the rows being
/// written: the problems are still found and told in the file's order,
/// with the file's line numbers, across the batches' edges.
#[test]
fn rows_read_ahead_are_judged_in_the_files_order() {
    let p = setup();
    let bad = [
        (2, "BC-0001,2021-04-01,polise,Beth Centre,Lambeth,housing,,,R-X-1"),
        (513, "BC-0002,2021-04-01,police,Beth Centre"),
        (514, ""),
        (515, "BC-0003,2021-04-01,police,Beth Center,Lambeth,housing,,,R-X-2"),
        (1026, "BC-0004,31/02/2021,polise,Beth Centre,Lambeth,housing,,,R-X-3"),
        (2999, "Jane Smith,2021-04-01,police,Beth Centre,Lambeth,housing,,,R-X-4"),
    ];
    p.file("mixed.csv", referrals_with(3000, &bad));
    let err = p.fails(&["referral", "import", "mixed.csv"], 65);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "pathway: mixed.csv: 5 invalid rows; nothing was imported", "{err}");
    let at: Vec<&str> = lines[1..].iter().map(|l| l.split(": ").take(2).last().unwrap()).collect();
    let wheres: Vec<String> = lines[1..].iter().map(|l| l.split(": ").next().unwrap().to_string()).collect();
    assert_eq!(
        wheres,
        ["mixed.csv:2", "mixed.csv:513", "mixed.csv:515", "mixed.csv:1026", "mixed.csv:1026", "mixed.csv:2999",],
        "{err}"
    );
    assert_eq!(at, ["source", "row", "service", "referred_on", "source", "client_ref"], "{err}");
    assert_eq!(lines[2], "mixed.csv:513: row: the row has 4 fields but the header has 9");
    assert_eq!(count(&p), 0);

    // Skipping them: the good rows are written, the refused ones kept in
    // the file's order.
    p.ok(&["referral", "import", "mixed.csv", "--skip-invalid", "--rejects", "rejects.csv"]);
    assert_eq!(count(&p), 2994);
    let rejects = std::fs::read_to_string(p.path("rejects.csv")).unwrap();
    let refs: Vec<&str> = rejects.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(refs, ["BC-0001", "BC-0002", "BC-0003", "BC-0004", "Jane Smith"]);
}

/// A month-first date found far into the file, while the rows before it
/// were being written, still refuses the whole file.
#[test]
fn a_month_first_date_deep_in_the_file_refuses_it_whole() {
    let p = setup();
    let f = referrals_with(3000, &[(2501, "BC-0001,04/13/2021,police,Beth Centre,Lambeth,housing,,,R-X-1")]);
    p.file("us.csv", f);
    let err = p.fails(&["referral", "import", "us.csv", "--skip-invalid"], 65);
    assert!(
        err.starts_with("pathway: us.csv: its dates are month-first; nothing was imported\nus.csv:2501: referred_on:"),
        "{err}"
    );
    assert_eq!(count(&p), 0);
}

/// A row past the size limit deep in the file stops the reading there:
/// nothing of the rows before it is kept.
#[test]
fn a_row_past_the_size_limit_deep_in_the_file_stops_it() {
    let p = setup();
    let huge = format!("W-0002,2021-04-01,police,Beth Centre,{}", "A".repeat(3_000_000));
    let f = referrals_with(3000, &[(2001, &huge)]);
    p.file("long.csv", f);
    let err = p.fails(&["referral", "import", "long.csv", "--skip-invalid"], 65);
    assert_eq!(
        err,
        "pathway: long.csv: 1 invalid row; nothing was imported\n\
         long.csv:2001: area: the row is more than 1000000 bytes long (a value may be at most 10000 bytes); \
         the file was not read further\n"
    );
    assert_eq!(count(&p), 0);
}

/// An error names the line the row begins on, as an editor numbers it,
/// after blank lines, CRLF line ends and a value with line breaks in it.
#[test]
fn an_error_names_the_line_the_row_begins_on() {
    let p = setup();
    let rows = [
        HEADER,
        "BC-0001,2021-04-01,police,Beth Centre,\"Lambeth\nnorth\nside\",housing,,,R-1",
        "",
        "",
        "BC-0002,2021-04-01,polise,Beth Centre,Lambeth,housing,,,R-2",
    ];
    p.file("lines.csv", rows.join("\r\n") + "\r\n");
    let err = p.fails(&["referral", "import", "lines.csv"], 65);
    assert!(err.contains("\nlines.csv:7: source: \"polise\" is not a referral source"), "{err}");
    p.file("lines.csv", rows.join("\n") + "\n");
    let err = p.fails(&["referral", "import", "lines.csv"], 65);
    assert!(err.contains("\nlines.csv:7: source: \"polise\" is not a referral source"), "{err}");
}

/// Long rows read ahead make short batches, and the records that held
/// them are not kept for reuse: the reading thread's rows stay a few
/// megabytes, whatever their length.
#[test]
fn long_rows_read_ahead_stay_within_bounded_memory() {
    let p = setup();
    let long = "A".repeat(900_000);
    let mut s = format!("{HEADER}\n");
    for i in 0..60 {
        s.push_str(&format!("BC-{i:04},2021-04-01,police,Beth Centre,{long},housing,,,R-L-{i}\n"));
        s.push_str(&format!("BC-{i:04},2021-04-02,police,Beth Centre,Lambeth,housing,,,R-S-{i}\n"));
    }
    p.file("long.csv", s);
    let null = std::fs::File::create("/dev/null").unwrap();
    let peak = p.peak_kb(&["-q", "referral", "import", "long.csv", "--skip-invalid"], null);
    // 54 MB of long rows; a batch of them held whole would be most of it.
    assert!(peak < 45_000, "peak {peak} kB");
    assert_eq!(count(&p), 60);
}

/// A byte-order mark before a blank first line is not a row: the lines
/// after it are numbered as an editor numbers them.
#[test]
fn a_byte_order_mark_before_a_blank_line_keeps_the_line_numbers() {
    let p = setup();
    p.file("bom.csv", format!("\u{feff}\n{HEADER}\nBC-0001,2021-04-01,polise,Beth Centre,Lambeth,housing,,,R-1\n"));
    let err = p.fails(&["referral", "import", "bom.csv"], 65);
    assert!(err.contains("\nbom.csv:3: source: \"polise\" is not a referral source"), "{err}");
}
