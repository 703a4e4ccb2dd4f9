//! Spreadsheets both ways (issue 14): workbooks out (`--format xlsx`),
//! workbooks in (every import), and CSV from older Excel
//! (`--encoding windows-1252`).

mod common;

use calamine::{Data, Reader as _};
use common::{root, Pathway};
use std::path::{Path, PathBuf};

/// Every sheet of a workbook: name → rows of cells.
fn workbook(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb = calamine::open_workbook_auto(path).expect("a workbook");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).expect("sheet");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (n, rows)
        })
        .collect()
}

fn sheet<'a>(book: &'a [(String, Vec<Vec<Data>>)], name: &str) -> &'a Vec<Vec<Data>> {
    &book.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no sheet {name}")).1
}

/// Whether a CSV value and a workbook cell say the same.
fn same(csv: &str, cell: &Data) -> bool {
    match cell {
        Data::Empty => csv.is_empty(),
        Data::String(s) => s == csv,
        Data::Float(f) => csv.parse::<f64>().is_ok_and(|x| (x - f).abs() < 1e-9),
        Data::Int(i) => csv == i.to_string(),
        Data::DateTime(d) => d.as_datetime().is_some_and(|dt| dt.date().format("%Y-%m-%d").to_string() == csv),
        other => panic!("unexpected cell {other:?}"),
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect()
}

fn fixture(name: &str) -> String {
    root().join("tests/fixtures/sheets").join(name).to_str().unwrap().to_string()
}

fn example(name: &str) -> String {
    root().join("examples").join(name).to_str().unwrap().to_string()
}

fn with_services() -> Pathway {
    let p = Pathway::new();
    p.ok(&["-q", "service", "import", &example("services.csv")]);
    p
}

/// Write rows of text into a worksheet, from its first row.
fn write_rows(ws: &mut rust_xlsxwriter::Worksheet, rows: &[&[&str]]) {
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
}

const FIVE: &[&str] = &["client_ref", "referred_on", "source", "service", "needs"];
const BC_0042: &[&str] = &["BC-0042", "2021-04-12", "probation", "Beth Centre", "housing"];

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ------------------------------------------------------------ workbooks out

#[test]
fn the_return_as_a_workbook_has_about_a_sheet_per_section_and_figures() {
    let p = Pathway::examples();
    p.ok(&["-q", "provider", "set", "London Women's Consortium", "--identifier", "GB-CHC-1234567"]);
    let out = p.path("return.xlsx");
    // Both outputs stamped with one time, so that generated_at agrees even
    // when the two runs fall either side of a second.
    let at = |args: &[&str]| -> String {
        let o = p.cmd(args).env("PATHWAY_NOW", "2022-05-03T09:00:00Z").output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    at(&["report", "return", "--period", "2021/22", "--format", "xlsx", "--output", out.to_str().unwrap()]);
    assert_eq!(mode(&out), 0o600);
    let book = workbook(&out);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"About"));
    assert_eq!(names.last(), Some(&"Figures"));
    for s in ["Return 2021-22", "Referrals by source", "Referrals by need", "Grants"] {
        assert!(names.contains(&s), "{s} in {names:?}");
    }
    // Figures: exactly the CSV's rows, typed.
    let csv = csv_rows(&at(&["report", "return", "--period", "2021/22", "--format", "csv"]));
    let figures = sheet(&book, "Figures");
    assert_eq!(figures.len(), csv.len());
    for (row, cells) in csv.iter().zip(figures) {
        for (value, cell) in row.iter().zip(cells) {
            assert!(same(value, cell), "{value:?} vs {cell:?} in {row:?}");
        }
    }
    let total = figures.iter().find(|r| r[0] == Data::String("referrals.total".into())).unwrap();
    assert!(matches!(total[5], Data::Float(_)), "a count is a number: {:?}", total[5]);
    // Grants: refs are text, money is a number.
    let grants = sheet(&book, "Grants");
    assert_eq!(grants[1][0], Data::String("2021.021".into()));
    assert!(grants[1].contains(&Data::Float(23966.0)), "{:?}", grants[1]);
    // About: the period's dates are date cells; the definitions are named.
    let about = sheet(&book, "About");
    let from = about.iter().find(|r| r[0] == Data::String("From".into())).unwrap();
    assert!(matches!(&from[1], Data::DateTime(d) if d.as_datetime().unwrap().date().to_string() == "2021-04-01"));
    let defs = about.iter().find(|r| r[0] == Data::String("Definitions".into())).unwrap();
    assert!(defs[1].to_string().contains("What the numbers in a return mean"), "{:?}", defs[1]);
    assert!(about.iter().any(|r| r[0] == Data::String("referrals.total".into())));
    let provider = about.iter().find(|r| r[0] == Data::String("Provider".into())).expect("a Provider line");
    assert_eq!(provider[1].to_string(), "London Women's Consortium (GB-CHC-1234567)");
}

#[test]
fn suppressed_counts_are_text_with_the_legend() {
    let p = Pathway::examples();
    let out = p.path("return.xlsx");
    p.ok(&[
        "report",
        "return",
        "--period",
        "2021-04",
        "--suppress",
        "10",
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ]);
    let book = workbook(&out);
    let figures = sheet(&book, "Figures");
    let hidden: Vec<&Data> =
        figures.iter().filter_map(|r| r.get(5)).filter(|c| c.to_string().starts_with('<')).collect();
    assert!(!hidden.is_empty());
    assert!(hidden.iter().all(|c| matches!(c, Data::String(s) if s == "<10")), "{hidden:?}");
    let about = sheet(&book, "About");
    let key = about.iter().find(|r| r[0] == Data::String("Key: <10".into())).expect("the legend");
    assert_eq!(key[1], Data::String("a count from 1 to 9, withheld (primary suppression)".into()));
    assert!(about.iter().any(|r| r[0] == Data::String("Key: [c]".into())));
    assert!(book.iter().any(|(n, _)| n == "Key to withheld counts"));
}

#[test]
fn refs_stay_text_and_dates_are_dates_in_an_export() {
    let p = with_services();
    p.ok(&[
        "-q",
        "decision",
        "add",
        "--ref",
        "2021.010",
        "--commissioner",
        "Nottinghamshire OPCC",
        "--title",
        "Women's Centre Core Costs",
        "--amount",
        "£12,000",
        "--received",
        "09.03.21",
    ]);
    let out = p.path("decisions.xlsx");
    p.ok(&["decision", "export", "--format", "xlsx", "--output", out.to_str().unwrap()]);
    let book = workbook(&out);
    let (name, rows) = &book[0];
    assert_eq!(name, "decision export");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    assert_eq!(rows[1][col("ref")], Data::String("2021.010".into()));
    assert_eq!(rows[1][col("amount")], Data::Float(12000.0));
    assert!(
        matches!(&rows[1][col("received_on")], Data::DateTime(d) if d.as_datetime().unwrap().date().to_string() == "2021-03-09")
    );
}

#[test]
fn every_list_and_export_takes_xlsx_with_the_csv_columns() {
    let p = Pathway::examples();
    let lists: &[&[&str]] = &[
        &["decision", "list"],
        &["decision", "export"],
        &["grant", "list"],
        &["grant", "export"],
        &["grant", "export", "--payments"],
        &["service", "list"],
        &["service", "export"],
        &["referral", "list"],
        &["referral", "export"],
        &["client", "list"],
        &["client", "export"],
        &["caseload", "list"],
        &["caseload", "export"],
        &["caseload", "export", "--tiers"],
        &["caseload", "export", "--assessments"],
        &["caseload", "worker", "list"],
        &["caseload", "worker", "export"],
        &["report", "caseload"],
        &["report", "grants", "--period", "2021/22"],
    ];
    for (i, args) in lists.iter().enumerate() {
        let out = p.path(&format!("list-{i}.xlsx"));
        let mut a = args.to_vec();
        a.extend(["--format", "csv"]);
        let csv = csv_rows(&p.ok(&a));
        let mut a = args.to_vec();
        a.extend(["--format", "xlsx", "--output", out.to_str().unwrap()]);
        p.ok(&a);
        let book = workbook(&out);
        assert_eq!(book.len(), 1, "{args:?}");
        let rows = &book[0].1;
        assert_eq!(rows.len(), csv.len(), "{args:?}");
        for (row, cells) in csv.iter().zip(rows) {
            for (value, cell) in row.iter().zip(cells) {
                // CSV neutralises formula-like text; a workbook cell is never a formula.
                let value = value.strip_prefix('\'').unwrap_or(value);
                assert!(same(value, cell), "{args:?}: {value:?} vs {cell:?}");
            }
        }
    }
}

#[test]
fn a_workbook_is_refused_on_a_terminal() {
    let p = Pathway::new();
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let line = format!("{} --db {} decision list --format xlsx", bin.display(), p.db.display());
    // `script` runs the command with a terminal as its standard output.
    let Ok(out) = std::process::Command::new("script").args(["-qec", &line, "/dev/null"]).output() else {
        eprintln!("skipped: no `script` here to give the command a terminal");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "pathway: --format xlsx writes a workbook, which a terminal cannot show: give --output FILE (e.g. --output return.xlsx) or redirect it to a file (> return.xlsx)"
        ),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(2));
    // A redirect is fine.
    let out = p.cmd(&["decision", "list", "--format", "xlsx"]).output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout.starts_with(b"PK\x03\x04"));
}

#[test]
fn output_is_written_only_when_the_command_succeeds() {
    let p = Pathway::examples();
    let out = p.path("return.xlsx");
    let err = p.fails(
        &[
            "report",
            "return",
            "--period",
            "2021-04",
            "--service",
            "Beth Centr",
            "--format",
            "xlsx",
            "--output",
            out.to_str().unwrap(),
        ],
        65,
    );
    assert!(err.contains("did you mean 'Beth Centre'?"), "{err}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(p.dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".tmp-"))
            .count(),
        0
    );
    // --output takes any format.
    let csv = p.path("referrals.csv");
    p.ok(&["referral", "export", "--output", csv.to_str().unwrap()]);
    assert_eq!(mode(&csv), 0o600);
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), p.ok(&["referral", "export"]));
}

// ------------------------------------------------------------- workbooks in

#[test]
fn referrals_saved_by_libreoffice_as_xlsx_ods_and_xls_import_alike() {
    let mut exports = Vec::new();
    for f in ["referrals.xlsx", "referrals.ods", "referrals.xls"] {
        let p = with_services();
        let err = p.run(&["referral", "import", &fixture(f)]);
        assert!(err.status.success(), "{f}: {}", String::from_utf8_lossy(&err.stderr));
        assert_eq!(
            String::from_utf8_lossy(&err.stderr),
            format!("{}: 3 referrals read: 3 new, 0 updated, 0 unchanged\n", fixture(f))
        );
        exports.push(p.ok(&["referral", "export"]));
        // The same file again: nothing new.
        let again = p.run(&["referral", "import", &fixture(f)]);
        assert!(String::from_utf8_lossy(&again.stderr).contains("0 new, 0 updated, 3 unchanged"));
    }
    assert_eq!(exports[0], exports[1]);
    assert_eq!(exports[0], exports[2]);
    assert_eq!(
        exports[0],
        "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref,risk,marac\n\
         BC-0042,2021-04-12,probation,Beth Centre,Lambeth,mental_health;housing,engaged,2021-04-15,R-2104-0004,,no\n\
         BC-0043,2021-04-13,police,Southwark spoke,Southwark,domestic_abuse;housing,accepted,2021-04-14,R-2104-0005,high,yes\n\
         BC-0044,2021-04-20,self,Beth Centre,Lambeth,debt,,,R-2104-0006,,no\n"
    );
}

#[test]
fn a_sheet_is_chosen_by_name_and_an_unknown_one_is_refused_with_the_names() {
    let p = with_services();
    let err = p.fails(&["referral", "import", &fixture("referrals.xlsx"), "--sheet", "April"], 65);
    assert_eq!(
        err,
        format!(
            "pathway: {} has no sheet called \"April\"; its sheets are \"Referrals\", \"Notes\"\n",
            fixture("referrals.xlsx")
        )
    );
    // A sheet named like a record is counted, never named.
    let mut wb = rust_xlsxwriter::Workbook::new();
    write_rows(wb.add_worksheet().set_name("Referrals").unwrap(), &[FIVE, BC_0042]);
    wb.add_worksheet().set_name("BC-0042").unwrap();
    let tabs = p.path("tabs.xlsx");
    wb.save(&tabs).unwrap();
    let err = p.fails(&["referral", "import", tabs.to_str().unwrap(), "--sheet", "April"], 65);
    assert_eq!(
        err,
        format!(
            "pathway: {} has no sheet called \"April\"; its sheets are \"Referrals\", 1 more whose names look like \
             data, not shown\n",
            tabs.display()
        )
    );
    let err = p.fails(&["referral", "import", &fixture("referrals.xlsx"), "--sheet", "Notes"], 65);
    assert!(err.contains(":Notes!A1: header: the first line is not a header row"), "{err}");
    p.ok(&["-q", "referral", "import", &fixture("referrals.xlsx"), "--sheet", "referrals"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 3);
    let err = p.fails(&["referral", "import", &example("referrals.csv"), "--sheet", "Referrals"], 2);
    assert_eq!(
        err,
        format!(
            "pathway: --sheet is for workbooks (.xlsx, .xlsm, .ods, .xls); {} is read as a CSV file\n",
            example("referrals.csv")
        )
    );
}

#[test]
fn refs_typed_as_numbers_and_formulas_are_read_as_typed() {
    let p = Pathway::new();
    p.ok(&["-q", "decision", "import", &fixture("decisions-typed.xlsx")]);
    let csv = p.ok(&["decision", "export"]);
    let rows = csv_rows(&csv);
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap();
    assert_eq!(rows[1][col("ref")], "2021.021");
    assert_eq!(rows[1][col("amount")], "47013.00");
    assert_eq!(rows[1][col("received_on")], "2021-03-09");
    assert_eq!(rows[2][col("ref")], "2021.027");
    assert_eq!(rows[2][col("amount")], "14000.00");
}

#[test]
fn a_ref_a_spreadsheet_turned_into_a_number_is_refused() {
    let p = Pathway::new();
    p.file(
        "decisions.csv",
        "ref,commissioner,title,amount\n2021.010,Nottinghamshire OPCC,Women's Centre Core Costs,12000\n",
    );
    p.ok(&["-q", "decision", "import", "decisions.csv"]);
    let before = p.dump();
    let f = fixture("decisions-damaged.xlsx");
    let err = p.fails(&["decision", "import", &f], 65);
    assert_eq!(
        err,
        format!(
            "pathway: {f}: 1 invalid row; nothing was imported\n\
             {f}:Decisions!A2: ref: 2021.01 is not a known decision, but 2021.010 is: a spreadsheet may have turned \
             the ref into a number; write it as text; in the workbook this cell is a number, not text, so zeros may \
             have been dropped: format the column as Text and type the refs again\n"
        )
    );
    assert_eq!(p.dump(), before);
}

#[test]
fn errors_name_the_sheet_and_the_cell() {
    let p = with_services();
    let f = fixture("referrals-problems.xlsx");
    let err = p.fails(&["referral", "import", &f], 65);
    assert_eq!(
        err,
        format!(
            "pathway: {f}: 1 invalid row; nothing was imported\n\
             {f}:April!B4: referred_on: the cell holds the error #N/A (a formula that failed, or a value the \
             spreadsheet could not work out); put the value itself in the cell\n"
        )
    );
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 0);
    // The good row with --skip-invalid: the title merged above the header is skipped.
    p.ok(&["-q", "referral", "import", &f, "--skip-invalid", "--rejects", "rejects.csv"]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 1);
    let rejects = std::fs::read_to_string(p.path("rejects.csv")).unwrap();
    assert!(rejects.starts_with("client_ref,referred_on,"), "{rejects}");
    assert_eq!(mode(&p.path("rejects.csv")), 0o600);
}

#[test]
fn a_bad_value_in_a_workbook_names_its_cell() {
    let p = with_services();
    // A bad source in column C, row 3.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    write_rows(ws, &[FIVE, BC_0042, &["BC-0043", "2021-04-13", "polise", "Beth Centre", "housing"]]);
    let bad = p.path("bad.xlsx");
    wb.save(&bad).unwrap();
    let err = p.fails(&["referral", "import", bad.to_str().unwrap()], 65);
    let b = bad.to_str().unwrap();
    assert!(err.contains(&format!("\n{b}:Sheet1!C3: source: ")), "{err}");
}

#[test]
fn a_file_that_is_not_a_workbook_is_refused() {
    let p = with_services();
    let f = p.file("referrals.xlsx", "client_ref,referred_on\n");
    let err = p.fails(&["referral", "import", f.to_str().unwrap()], 65);
    assert!(
        err.starts_with(&format!("pathway: {}: the file is not a workbook pathway can read (", f.display())),
        "{err}"
    );
    assert!(err.ends_with("); save it as .xlsx, .ods or CSV; nothing was imported\n"), "{err}");
    // Workbook bytes under another name are read as a workbook.
    let renamed = p.path("referrals.csv");
    std::fs::copy(fixture("referrals.xlsx"), &renamed).unwrap();
    p.ok(&["-q", "referral", "import", renamed.to_str().unwrap()]);
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 3);
}

/// A small .xlsx whose sheet expands to more than the limit.
fn zip_bomb(path: &Path) {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file("[Content_Types].xml", o).unwrap();
    z.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..300 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_read() {
    let p = with_services();
    let bomb = p.path("bomb.xlsx");
    zip_bomb(&bomb);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 2_000_000);
    let before = p.dump();
    let err = p.fails(&["referral", "import", bomb.to_str().unwrap()], 65);
    assert_eq!(
        err,
        format!(
            "pathway: {}: the workbook's part \"xl/worksheets/sheet1.xml\" expands to more than 268435456 bytes, \
             more than pathway reads (a file that expands like this may be a zip bomb); is this the right file?; \
             nothing was imported\n",
            bomb.display()
        )
    );
    assert_eq!(p.dump(), before);
}

#[test]
fn a_sheet_a_million_columns_wide_is_refused() {
    let p = with_services();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    write_rows(ws, &[FIVE, BC_0042]);
    // Empty but formatted cells out to the last column, and one value there.
    let f = rust_xlsxwriter::Format::new().set_bold();
    for c in 5..16_383u16 {
        ws.write_blank(2, c, &f).unwrap();
    }
    ws.write_string(2, 16_383, "x").unwrap();
    let wide = p.path("wide.xlsx");
    wb.save(&wide).unwrap();
    let before = p.dump();
    let err = p.fails(&["referral", "import", wide.to_str().unwrap()], 65);
    let w = wide.display();
    assert_eq!(
        err,
        format!(
            "pathway: {w}: 1 invalid row; nothing was imported\n\
             {w}:Sheet1!A3: row: the row has a value in column XFD, past the 1000 columns pathway reads; the sheet \
             was not read further\n"
        )
    );
    assert_eq!(p.dump(), before);
}

// -------------------------------------------------------- CSV from old Excel

/// "Hackney – East" with the en dash as Windows-1252 writes it (0x96).
fn cp1252_referrals(sep: u8, sep_line: bool) -> Vec<u8> {
    let s = sep as char;
    let mut v = Vec::new();
    if sep_line {
        v.extend_from_slice(format!("sep={s}\r\n").as_bytes());
    }
    v.extend_from_slice(format!("client_ref{s}referred_on{s}source{s}service{s}area{s}needs\r\n").as_bytes());
    v.extend_from_slice(format!("BC-0042{s}12/04/2021{s}probation{s}Beth Centre{s}Hackney ").as_bytes());
    v.push(0x96);
    v.extend_from_slice(format!(" East{s}housing\r\n").as_bytes());
    v
}

#[test]
fn windows_1252_csv_is_read_with_encoding_and_the_error_names_the_option() {
    let p = with_services();
    p.file("old.csv", cp1252_referrals(b',', false));
    let err = p.fails(&["referral", "import", "old.csv"], 65);
    assert_eq!(
        err,
        "pathway: old.csv: 1 invalid row; nothing was imported\n\
         old.csv:2: area: the value is not valid UTF-8 text; save the file as \"CSV UTF-8\", or, if older Excel \
         saved it as \"CSV\", import it with --encoding windows-1252\n"
    );
    p.ok(&["-q", "referral", "import", "old.csv", "--encoding", "windows-1252"]);
    let csv = p.ok(&["referral", "export"]);
    assert!(csv.contains(",Hackney – East,"), "{csv}");
    // The aliases.
    for alias in ["cp1252", "latin1"] {
        p.ok(&["-q", "referral", "import", "old.csv", "--encoding", alias]);
    }
    assert_eq!(p.sql_i64("SELECT count(*) FROM referrals"), 1);
    let err = p.fails(&["referral", "import", "old.csv", "--encoding", "ebcdic"], 2);
    assert!(
        err.contains("\"ebcdic\" is not an encoding pathway reads; use utf-8 (the default) or windows-1252"),
        "{err}"
    );
}

#[test]
fn european_excel_semicolon_csv_in_windows_1252_is_read() {
    for sep_line in [false, true] {
        let p = with_services();
        p.file("eu.csv", cp1252_referrals(b';', sep_line));
        p.ok(&["-q", "referral", "import", "eu.csv", "--encoding", "windows-1252"]);
        let csv = p.ok(&["referral", "export"]);
        assert!(csv.contains("BC-0042,2021-04-12,probation,Beth Centre,Hackney – East,housing,"), "{csv}");
    }
}

// ------------------------------------------------------------- round trips

#[test]
fn every_export_to_a_workbook_imports_back_to_the_same_records() {
    let from = Pathway::examples();
    // Export → import order: what each import needs is there before it.
    let entities: &[(&[&str], &[&str])] = &[
        (&["decision", "export"], &["decision", "import"]),
        (&["grant", "export"], &["grant", "import"]),
        (&["grant", "export", "--payments"], &["grant", "import", "--payments"]),
        (&["service", "export"], &["service", "import"]),
        (&["client", "export"], &["client", "import"]),
        (&["referral", "export"], &["referral", "import"]),
        (&["caseload", "worker", "export"], &["caseload", "worker", "import"]),
        (&["caseload", "export"], &["caseload", "import"]),
        (&["caseload", "export", "--tiers"], &["caseload", "import", "--tiers"]),
        (&["caseload", "export", "--assessments"], &["caseload", "import", "--assessments"]),
    ];
    let to = Pathway::new();
    for (i, (export, import)) in entities.iter().enumerate() {
        let file: PathBuf = to.path(&format!("export-{i}.xlsx"));
        let mut a = export.to_vec();
        a.extend(["--format", "xlsx", "--output", file.to_str().unwrap()]);
        from.ok(&a);
        let mut a = import.to_vec();
        a.push(file.to_str().unwrap());
        to.ok(&a);
    }
    for (export, _) in entities {
        assert_eq!(to.ok(export), from.ok(export), "{export:?}");
        assert!(!from.ok(export).lines().nth(1).unwrap_or_default().is_empty(), "{export:?} exports rows");
    }
}

#[test]
fn a_header_cell_merged_across_columns_names_the_first() {
    let p = with_services();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Referrals").unwrap();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    write_rows(ws, &[&FIVE[..4], BC_0042]);
    // "needs" over two columns, bold; its values are in the first of them.
    ws.merge_range(0, 4, 0, 5, "needs", &bold).unwrap();
    let f = p.path("merged.xlsx");
    wb.save(&f).unwrap();
    p.ok(&["-q", "referral", "import", f.to_str().unwrap()]);
    assert!(p.ok(&["referral", "export"]).contains("\nBC-0042,2021-04-12,probation,Beth Centre,,housing,"));
    // A value under the merged part has no column of its own.
    ws_value_under_merge(&p);
}

fn ws_value_under_merge(p: &Pathway) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    write_rows(ws, &[&FIVE[..4], &["BC-0043", "2021-04-13", "police", "Beth Centre", "housing", "debt"]]);
    ws.merge_range(0, 4, 0, 5, "needs", &rust_xlsxwriter::Format::new()).unwrap();
    let f = p.path("merged-2.xlsx");
    wb.save(&f).unwrap();
    let err = p.fails(&["referral", "import", f.to_str().unwrap()], 65);
    let f = f.display();
    assert_eq!(
        err,
        format!(
            "pathway: {f}: 1 invalid row; nothing was imported\n\
             {f}:Sheet1!A2: row: the cell F2 has a value, but there is no column name above it in the header row; \
             name the column or clear the cell\n"
        )
    );
}
