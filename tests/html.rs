//! `report return --format html`: one well-formed, self-contained page
//! with the return's tables and two charts; suppression holds in it; other
//! commands refuse the format.

mod common;

use common::Pathway;
use pathway::value::names::Source;
use std::path::Path;

fn html(p: &Pathway, extra: &[&str]) -> String {
    let mut args = vec!["report", "return", "--period", "2021-04", "--format", "html"];
    args.extend_from_slice(extra);
    let mut c = p.cmd(&args);
    c.env("PATHWAY_NOW", "2021-05-01T06:00:00Z");
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

const VOID: &[&str] = &["meta", "br", "hr", "img", "link", "input", "col", "area", "base", "wbr", "source"];

/// Every opened tag closed, in order; void elements and `<x/>` need no end
/// tag; text holds no raw `<` or stray `&`. Returns the element names opened.
fn check_well_formed(doc: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut opened = Vec::new();
    let mut rest = doc.trim_start();
    rest = rest.strip_prefix("<!DOCTYPE html>").expect("doctype first");
    while let Some(i) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(i);
        assert!(!text.contains('>'), "raw > in text: {text:?}");
        if tail.starts_with('&') {
            let end = tail.find(';').expect("entity ends with ;");
            let ent = &tail[1..end];
            assert!(
                matches!(ent, "amp" | "lt" | "gt" | "quot" | "#39") || ent.starts_with("#x"),
                "unknown entity &{ent};"
            );
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail.find('>').expect("tag ends with >");
        let tag = &tail[1..end];
        assert!(!tag.contains('<'), "< inside a tag: {tag:?}");
        // Attribute values are quoted and hold no raw quote or <.
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in <{tag}>");
        rest = &tail[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().unwrap_or_else(|| panic!("</{name}> with nothing open"));
            assert_eq!(top, name, "</{name}> closes <{top}>");
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        opened.push(name.clone());
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            // CSS is raw text up to </style>.
            let close = rest.find("</style>").expect("</style>");
            rest = &rest[close..];
        }
        stack.push(name);
    }
    assert!(!rest.contains('>'), "raw > in trailing text");
    assert!(stack.is_empty(), "left open: {stack:?}");
    opened
}

/// The text of every <td> cell.
fn cells(doc: &str) -> Vec<String> {
    doc.split("<td").skip(1).map(|s| s[s.find('>').unwrap() + 1..s.find("</td>").unwrap()].to_string()).collect()
}

#[test]
fn the_page_is_well_formed_self_contained_and_complete() {
    let p = Pathway::examples();
    let doc = html(&p, &["--service", "Beth Centre"]);
    let tags = check_well_formed(&doc);
    assert_eq!(tags.iter().filter(|t| *t == "svg").count(), 3, "three charts");
    assert!(tags.iter().any(|t| t == "table"));
    let lower = doc.to_lowercase();
    assert!(!lower.contains("<script"), "no scripts");
    let without_xmlns = doc.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_xmlns.contains("http"), "no URLs but the SVG namespace");
    assert!(!lower.contains("url("), "no fetched CSS resources");
    assert!(doc.contains("Referrals by source") && doc.contains("Caseload by tier"));
    assert!(doc.contains("2021-04 (2021-04-01 to 2021-04-30)"), "period in the header");
    assert!(doc.contains("Beth Centre"), "service in the header");
    assert!(doc.contains("2021-05-01T06:00:00Z"), "generation time");
    assert!(doc.contains("@page"), "print CSS");
    for s in Source::ALL {
        // Each source in its table row and as a chart label.
        assert!(doc.matches(&format!(">{}<", s.label())).count() >= 2, "source {} missing", s.label());
    }
}

#[test]
fn suppressed_counts_never_appear_and_have_no_bar() {
    let p = Pathway::examples();
    let doc = html(&p, &["--service", "Beth Centre", "--suppress", "5"]);
    check_well_formed(&doc);
    assert!(doc.contains("&lt;5"), "withheld counts shown as <5");
    for c in cells(&doc) {
        assert!(!matches!(c.as_str(), "1" | "2" | "3" | "4"), "count {c} shown in a table under --suppress 5");
    }
    // In the charts: a value text for every bar label, and a withheld value never has a bar.
    for svg in doc.split("<svg").skip(1) {
        let svg = &svg[..svg.find("</svg>").unwrap()];
        let labels = svg.matches("text-anchor=\"end\"").count();
        let values = svg.matches("<text").count() - labels;
        let rects = svg.matches("<rect").count();
        let withheld = svg.matches(">&lt;5</text>").count();
        assert_eq!(values, labels);
        assert!(rects + withheld <= labels);
        for v in svg.split("<text").skip(1).filter(|t| !t.contains("text-anchor")) {
            let v = &v[v.find('>').unwrap() + 1..v.find("</text>").unwrap()];
            assert!(!matches!(v, "1" | "2" | "3" | "4"), "count {v} shown in a chart under --suppress 5");
        }
    }
}

#[test]
fn the_same_inputs_give_the_same_page() {
    let p = Pathway::examples();
    assert_eq!(html(&p, &[]), html(&p, &[]));
}

#[test]
fn text_is_escaped() {
    let p = Pathway::new();
    p.ok(&[
        "-q",
        "service",
        "add",
        "Tom & Jerry's <b>\"Hub\"</b>",
        "--provider",
        "Women in Prison",
        "--area",
        "Lambeth",
    ]);
    let doc = html(&p, &["--service", "Tom & Jerry's <b>\"Hub\"</b>"]);
    check_well_formed(&doc);
    assert!(doc.contains("Tom &amp; Jerry&#39;s &lt;b&gt;&quot;Hub&quot;&lt;/b&gt;"));
    assert!(!doc.contains("<b>"));
}

#[test]
fn other_commands_refuse_html() {
    let p = Pathway::examples();
    for args in [
        &["decision", "list", "--format", "html"][..],
        &["report", "grants", "--period", "2021/22", "--format", "html"],
        &["report", "caseload", "--format", "html"],
        &["report", "explain", "referrals.total", "--period", "2021-04", "--format", "html"],
    ] {
        let err = p.fails(args, 2);
        assert!(err.contains("--format html is only for `report return`"), "{args:?}: {err}");
    }
    // Refused before anything is read or written.
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/decisions.csv");
    let fresh = Pathway::new();
    fresh.fails(&["decision", "import", ex.to_str().unwrap(), "--format", "html"], 2);
    assert_eq!(fresh.ok(&["decision", "list", "--format", "csv"]).lines().count(), 1, "nothing imported");
}
