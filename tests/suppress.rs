//! `report return --suppress`: a count shown as "<N" is always from 1 to
//! N−1. A count withheld only because it would reveal one (secondary
//! suppression) shows as "[c]", whatever its size, in the table, CSV, JSON
//! and HTML alike, and each of them carries the key to the symbols. Checked
//! cell by cell against the unsuppressed return, on the shipped examples and
//! on a database made so that a secondary count is large.

mod common;
#[path = "outcomes_data/mod.rs"]
mod outcomes_data;

use common::Pathway;
use serde_json::{json, Value};

/// April 2021 at one service: 30 referrals, 3 from police, 12 from
/// probation, 15 self-referrals. Under --suppress 5 the 3 is "<5" and the
/// total would give it away, so the next smallest, 12, is withheld: "[c]".
fn crafted() -> Pathway {
    let p = Pathway::new();
    p.ok(&["-q", "service", "add", "Croydon Women's Centre", "--provider", "Juno Women's Aid", "--area", "Croydon"]);
    let mut csv = String::from("client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref\n");
    let sources = std::iter::repeat("police")
        .take(3)
        .chain(std::iter::repeat("probation").take(12))
        .chain(std::iter::repeat("self").take(15));
    for (i, source) in sources.enumerate() {
        let day = i % 28 + 1;
        csv.push_str(&format!(
            "CW-{i:04},2021-04-{day:02},{source},Croydon Women's Centre,Croydon,housing,,,R-2104-{i:04}\n"
        ));
    }
    let file = p.file("referrals.csv", csv);
    p.ok(&["-q", "referral", "import", file.to_str().unwrap()]);
    p
}

fn output(p: &Pathway, args: &[&str], format: &str) -> String {
    let mut a = vec!["report", "return"];
    a.extend(args);
    a.extend(["--format", format]);
    let out = p.cmd(&a).env("PATHWAY_NOW", "2021-05-01T06:00:00Z").output().unwrap();
    assert!(out.status.success(), "{a:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// What one shown cell may be, given the true value: "<N" only for 1..N−1,
/// "[c]" for anything but 1..N−1, else the value (rounded under --round).
/// Returns whether the cell was "[c]" over a value of N or more.
fn check_cell(where_: &str, shown: &str, raw: &str, threshold: i64, rounding: Option<i64>) -> bool {
    if let Some(n) = shown.strip_prefix('<') {
        let n: i64 = n.parse().unwrap_or_else(|_| panic!("{where_}: {shown:?}"));
        assert_eq!(n, threshold, "{where_}");
        let v: i64 = raw.parse().unwrap_or_else(|_| panic!("{where_}: {shown:?} for {raw:?}"));
        assert!((1..n).contains(&v), "{where_}: the count {v} is shown as {shown:?}");
        return false;
    }
    if shown == "[c]" {
        let v: i64 = raw.parse().unwrap_or_else(|_| panic!("{where_}: [c] for {raw:?}"));
        assert!(!(1..threshold).contains(&v), "{where_}: the count {v} is shown as [c], not <{threshold}");
        return v >= threshold;
    }
    if shown != raw {
        if let (Ok(s), Ok(v), Some(r)) = (shown.parse::<i64>(), raw.parse::<i64>(), rounding) {
            assert_eq!(s, (v + r / 2).div_euclid(r) * r, "{where_}: {v} rounded");
        }
    }
    false
}

/// Every leaf of a JSON document with its path.
fn leaves(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| leaves(x, format!("{at}.{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| leaves(x, format!("{at}[{i}]"), out)),
        _ => out.push((at, v.clone())),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The cells of a table's rows, in order (rows drawn with │ and ┆).
fn table_cells(t: &str) -> Vec<String> {
    t.lines()
        .filter(|l| l.starts_with('│'))
        .flat_map(|l| l.split(['│', '┆']).map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect::<Vec<_>>())
        .collect()
}

/// The text of every chart label and table cell of a page, charts first
/// (they come first on the page), so that the key at the end comes last.
fn html_cells(h: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [("<text", "</text>"), ("<td", "</td>")] {
        let mut rest = h;
        while let Some(i) = rest.find(open) {
            let after = &rest[i..];
            let start = after.find('>').unwrap() + 1;
            let end = after.find(close).unwrap();
            out.push(after[start..end].replace("&lt;", "<").replace("&#39;", "'").replace("&amp;", "&"));
            rest = &after[end..];
        }
    }
    out
}

/// The value column of the CSV, by figure row (figure, section, item, measure, category).
fn csv_rows(c: &str) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_reader(c.as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let key = (0..5).map(|i| rec[i].to_string()).collect::<Vec<_>>().join(",");
            (key, rec[5].to_string())
        })
        .collect()
}

/// Compare the suppressed return with the plain one in every format;
/// returns how many "[c]" stand for a count of N or more.
fn compare(p: &Pathway, plain: &[&str], suppress: &[&str]) -> usize {
    let threshold: i64 = suppress[1].parse().unwrap();
    let rounding: Option<i64> = suppress.get(3).map(|r| r.parse().unwrap());
    let with: Vec<&str> = [plain, suppress].concat();
    let mut large = 0;

    let (a, b) = (output(p, plain, "json"), output(p, &with, "json"));
    let (a, b): (Value, Value) = (serde_json::from_str(&a).unwrap(), serde_json::from_str(&b).unwrap());
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    leaves(&a, "$".into(), &mut la);
    leaves(&b, "$".into(), &mut lb);
    let raw: std::collections::BTreeMap<String, Value> = la.into_iter().collect();
    let mut json_large = 0;
    let (mut primary, mut secondary) = (0, 0);
    for (path, v) in &lb {
        // The distribution of days to first contact is withheld whole
        // (null) under suppression.
        if path.starts_with("$.suppression") || path == "$.referrals.days_to_first_contact" {
            assert!(!path.starts_with("$.referrals.days") || v.is_null(), "{path} is withheld: {v}");
            continue;
        }
        let r = raw.get(path).unwrap_or_else(|| panic!("{path} only in the suppressed JSON"));
        primary += usize::from(text_of(v).starts_with('<'));
        secondary += usize::from(v == "[c]");
        if check_cell(&format!("json {with:?} {path}"), &text_of(v), &text_of(r), threshold, rounding) {
            json_large += 1;
        }
    }
    assert_eq!(b["suppression"]["primary"], json!(primary), "{with:?}");
    assert_eq!(b["suppression"]["secondary"], json!(secondary), "{with:?}");
    let legend = &b["suppression"]["legend"];
    assert_eq!(
        legend[format!("<{threshold}")],
        json!(format!("a count from 1 to {}, withheld (primary suppression)", threshold - 1))
    );
    assert!(legend["[c]"].as_str().unwrap().starts_with("withheld to protect confidentiality"), "{legend}");
    large += json_large;

    let (a, b) = (csv_rows(&output(p, plain, "csv")), csv_rows(&output(p, &with, "csv")));
    let raw: std::collections::BTreeMap<String, String> = a.into_iter().collect();
    let mut csv_large = 0;
    for (key, v) in &b {
        if key.starts_with(",return,") {
            continue;
        }
        let r = raw.get(key).unwrap_or_else(|| panic!("{key} only in the suppressed CSV"));
        if check_cell(&format!("csv {with:?} {key}"), v, r, threshold, rounding) {
            csv_large += 1;
        }
    }
    assert_eq!(csv_large, json_large, "CSV and JSON withhold the same large counts");
    assert!(b.iter().any(|(k, v)| k == &format!(",return,,legend,<{threshold}") && v.starts_with("a count from 1 to")));
    assert!(b.iter().any(|(k, v)| k == ",return,,legend,[c]" && v.starts_with("withheld to protect confidentiality")));

    for (format, cells) in [("table", table_cells as fn(&str) -> Vec<String>), ("html", html_cells)] {
        let (ta, tb) = (output(p, plain, format), output(p, &with, format));
        let (ca, cb) = (cells(&ta), cells(&tb));
        assert!(cb.len() >= ca.len(), "{format}");
        let mut n = 0;
        for (i, (s, r)) in cb.iter().zip(&ca).enumerate() {
            if check_cell(&format!("{format} {with:?} cell {i}"), s, r, threshold, rounding) {
                n += 1;
            }
        }
        assert!(n >= usize::from(json_large > 0), "{format} shows [c] too");
        assert!(tb.contains("Key to withheld counts"), "{format}: the key");
        assert!(tb.contains("withheld to protect confidentiality"), "{format}: the key");
    }
    large
}

#[test]
fn no_count_of_n_or_more_is_shown_as_below_n_in_the_examples() {
    let p = Pathway::examples();
    let mut large = 0;
    for period in ["2021-04", "2021/22-Q1", "2021/22"] {
        for service in [None, Some("Beth Centre"), Some("Croydon spoke")] {
            let mut plain = vec!["--period", period];
            if let Some(s) = service {
                plain.extend(["--service", s]);
            }
            for s in [&["--suppress", "5"][..], &["--suppress", "10", "--round", "5"]] {
                large += compare(&p, &plain, s);
            }
        }
    }
    assert!(large > 0, "the examples should withhold a count of N or more");
}

#[test]
fn a_large_secondary_count_shows_as_c() {
    let p = crafted();
    let plain = ["--period", "2021-04"];
    assert_eq!(compare(&p, &plain, &["--suppress", "5"]), 1);
    let r: Value = serde_json::from_str(&output(&p, &["--period", "2021-04", "--suppress", "5"], "json")).unwrap();
    assert_eq!(r["referrals"]["total"], json!(30));
    assert_eq!(r["referrals"]["by_source"]["police"], json!("<5"));
    assert_eq!(r["referrals"]["by_source"]["probation"], json!("[c]"));
    assert_eq!(r["referrals"]["by_source"]["self"], json!(15));
    assert_eq!(r["suppression"]["primary"], json!(1));
    assert_eq!(r["suppression"]["secondary"], json!(1));
    let csv = output(&p, &["--period", "2021-04", "--suppress", "5"], "csv");
    assert!(csv.contains("referrals.by_source.probation,referrals,,by_source,probation,[c]\n"), "{csv}");
    assert!(csv.ends_with(
        ",return,,legend,<5,\"a count from 1 to 4, withheld (primary suppression)\"\n\
         ,return,,legend,[c],withheld to protect confidentiality: a count of any size that would let a count \
         below 5 be worked out from the figures shown (secondary suppression)\n"
    ));
    let table = output(&p, &["--period", "2021-04", "--suppress", "5"], "table");
    assert!(
        table.contains(
            "Suppressed: counts from 1 to 4 show as <5; counts that would reveal them show as [c] (key at the end)\n"
        ),
        "{table}"
    );
    assert!(table.contains("Key to withheld counts\n1 count withheld as <5, 1 as [c].\n"), "{table}");
    let html = output(&p, &["--period", "2021-04", "--suppress", "5"], "html");
    assert!(html.contains("<td class=\"n\">[c]</td>"), "{html}");
    // Without suppression there is no key.
    let plain_table = output(&p, &plain, "table");
    assert!(!plain_table.contains("Key to withheld counts"));
    assert!(!output(&p, &plain, "csv").contains("legend"));
}

// ------------------------------------------- outcomes and equality, 10-5

/// A shown count of the new sections under `--suppress 10 --round 5`: 0, a
/// multiple of 5 from 10 up, "<10" or "[c]"; anything else is a leak.
/// Returns whether it was withheld.
fn ten_five(where_: &str, shown: &str) -> bool {
    match shown {
        "<10" | "[c]" => true,
        s => {
            let n: i64 = s.parse().unwrap_or_else(|_| panic!("{where_}: {s:?} is not a count"));
            assert!(n == 0 || (n >= 10 && n % 5 == 0), "{where_}: the count {n} is shown");
            false
        }
    }
}

/// The text between `from` and `to` in `s`.
fn between<'a>(s: &'a str, from: &str, to: &str) -> &'a str {
    let i = s.find(from).unwrap_or_else(|| panic!("{from:?} not in the output"));
    let j = s[i..].find(to).map_or(s.len(), |j| i + j);
    &s[i..j]
}

/// The counts of the note "Women assessed: 55; progressed: 20; progress
/// rate: withheld; completions (…): <10".
fn note_counts(note: &str) -> Vec<String> {
    note.split("; ")
        .filter(|part| !part.starts_with("progress rate"))
        .map(|part| part.rsplit(": ").next().unwrap().trim().to_string())
        .collect()
}

#[test]
fn under_ten_five_the_new_sections_of_generated_data_show_no_small_count_in_any_format() {
    let p = Pathway::new();
    outcomes_data::generate(2021, 320).load(&p);
    let mut withheld = 0;
    for period in ["2021-06", "2021/22-Q2", "2021/22"] {
        for service in [None, Some("Beth Centre"), Some("Croydon spoke")] {
            let mut plain = vec!["--period", period];
            if let Some(s) = service {
                plain.extend(["--service", s]);
            }
            let ten_five_args = ["--suppress", "10", "--round", "5"];
            // Cell by cell against the plain return, every section.
            compare(&p, &plain, &ten_five_args);
            let args: Vec<&str> = [&plain[..], &ten_five_args].concat();
            let at = format!("{args:?}");

            // JSON: every count of both sections; no breakdown of
            // women_supported with exactly one hidden member (it would be
            // the total less the others).
            let r: Value = serde_json::from_str(&output(&p, &args, "json")).unwrap();
            let o = &r["outcomes"];
            for (k, c) in o["by_pathway"].as_object().unwrap() {
                for m in ["assessed", "progressed"] {
                    withheld += usize::from(ten_five(&format!("json {at} {k}.{m}"), &text_of(&c[m])));
                }
            }
            for k in ["women_assessed", "women_progressed", "completions"] {
                withheld += usize::from(ten_five(&format!("json {at} {k}"), &text_of(&o[k])));
            }
            assert_eq!(o["progress_rate"], Value::Null, "{at}: no rate of exact counts under rounding");
            let total_hidden = ten_five(&format!("json {at} women_supported"), &text_of(&r["women_supported"]));
            for (which, b) in r["equality"].as_object().unwrap() {
                let mut hidden = 0;
                for (k, v) in b.as_object().unwrap() {
                    hidden += usize::from(ten_five(&format!("json {at} equality.{which}.{k}"), &text_of(v)));
                }
                assert!(total_hidden || hidden != 1, "{at}: equality.{which} has one hidden member");
                withheld += hidden;
            }

            // CSV: every row of both sections.
            let csv = output(&p, &args, "csv");
            let mut rows = 0;
            for rec in csv::Reader::from_reader(csv.as_bytes()).records().map(Result::unwrap) {
                if (rec[0].starts_with("outcomes.") || rec[0].starts_with("equality."))
                    && &rec[0] != "outcomes.progress_rate"
                {
                    ten_five(&format!("csv {at} {}", &rec[0]), &rec[5]);
                    rows += 1;
                }
            }
            assert_eq!(rows, 18 + 3 + 22, "{at}");

            // The table: the note and every cell from "Outcomes by pathway"
            // to the targets.
            let table = output(&p, &args, "table");
            let part = between(&table, "Outcomes by pathway", "\nTargets\n");
            let note = part.lines().find(|l| l.starts_with("Women assessed: ")).unwrap();
            for c in note_counts(note) {
                ten_five(&format!("table {at} note"), &c);
            }
            let cells = table_cells(part);
            assert_eq!(cells.len(), 3 * (1 + 9) + 3 * (1 + 22), "{at}");
            for row in cells.chunks(3).skip(1).filter(|r| r[0] != "Breakdown") {
                let counts = if row[1].parse::<i64>().is_ok() || row[1].starts_with('<') || row[1] == "[c]" {
                    &row[1..]
                } else {
                    &row[2..]
                };
                for c in counts {
                    ten_five(&format!("table {at} {row:?}"), c);
                }
            }

            // The page: the chart's labels and the two sections' cells.
            let html = output(&p, &args, "html");
            let chart = between(&html, "<h2>Women progressed against women assessed", "</section>");
            let values: Vec<String> = html_cells(chart).into_iter().filter(|t| !t.contains(": ")).collect();
            assert_eq!(values.len(), 18, "{at}: one value a bar");
            for v in &values {
                ten_five(&format!("html chart {at}"), v);
            }
            let part = between(&html, "<h2>Outcomes by pathway</h2>", "<h2>Targets</h2>");
            let note = between(part, "<p class=\"note\">Women assessed: ", "</p>").replace("&lt;", "<");
            for c in note_counts(note.trim_start_matches("<p class=\"note\">")) {
                ten_five(&format!("html {at} note"), &c);
            }
            let tds: Vec<String> = part
                .split("<td class=\"n\">")
                .skip(1)
                .map(|t| t[..t.find("</td>").unwrap()].replace("&lt;", "<"))
                .collect();
            assert_eq!(tds.len(), 18 + 22, "{at}");
            for t in &tds {
                ten_five(&format!("html {at}"), t);
            }
        }
    }
    assert!(withheld > 50, "the generated data has small cells to withhold ({withheld})");
}
