//! The return's `outcomes` and `equality` sections counted a second time,
//! apart from the report code: seeded data is generated as plain values
//! (tests/outcomes_data), imported through pathway's CSV imports, and
//! counted again here from the generated values alone, in plain Rust; every
//! figure must be equal. Then `report explain` must list, for every figure
//! of both sections, exactly the women the recount finds.

mod common;
#[path = "outcomes_data/mod.rs"]
mod outcomes_data;

use chrono::NaiveDate;
use common::Pathway;
use outcomes_data::{date, Data, HUB, PATHWAYS};
use serde_json::{json, Map, Value};

const SEED: u64 = 2021;
const WOMEN: usize = 320;

fn loaded() -> (Pathway, Data) {
    let p = Pathway::new();
    let d = outcomes_data::generate(SEED, WOMEN);
    d.load(&p);
    (p, d)
}

/// A woman's (pathway, first score, latest score), each pathway she was
/// assessed on.
type Runs = Vec<(&'static str, i64, i64)>;

/// The member of an equality breakdown a woman falls in.
type MemberOf<'a> = dyn Fn(usize) -> &'static str + 'a;

/// Which women count in each figure, by name, counted again from `d`.
fn recount(
    d: &Data,
    from: NaiveDate,
    to: NaiveDate,
    services: Option<&[usize]>,
    k: usize,
) -> Vec<(String, Vec<usize>)> {
    let women = d.supported(from, to, services);
    let mut out = Vec::new();
    let runs: Vec<(usize, Runs)> = women.iter().map(|w| (*w, d.runs(*w, to, services))).collect();
    let who =
        |f: &dyn Fn(&Runs) -> bool| -> Vec<usize> { runs.iter().filter(|(_, r)| f(r)).map(|(w, _)| *w).collect() };
    for p in PATHWAYS {
        out.push((format!("outcomes.by_pathway.{p}.assessed"), who(&|r| r.iter().any(|x| x.0 == p))));
        out.push((format!("outcomes.by_pathway.{p}.progressed"), who(&|r| r.iter().any(|x| x.0 == p && x.2 > x.1))));
    }
    out.push(("outcomes.women_assessed".into(), who(&|r| !r.is_empty())));
    out.push(("outcomes.women_progressed".into(), who(&|r| r.iter().any(|x| x.2 > x.1))));
    let closed_in: Vec<usize> = d
        .cases
        .iter()
        .filter(|c| services.map_or(true, |s| s.contains(&c.service)))
        .filter(|c| c.closed.is_some_and(|x| x >= from && x <= to))
        .map(|c| c.woman)
        .collect();
    let completed: Vec<usize> =
        who(&|r| r.iter().filter(|x| x.2 > x.1).count() >= k).into_iter().filter(|w| closed_in.contains(w)).collect();
    out.push(("outcomes.completions".into(), completed));
    let equality: [(&str, &[&str], &MemberOf); 4] = [
        ("by_age_band", &["under_18", "18_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "not_recorded"], &|w| {
            d.age_band(w, to)
        }),
        (
            "by_ethnic_group",
            &["asian", "black", "mixed", "white", "other", "prefer_not_to_say", "not_recorded"],
            &|w| d.women[w].ethnicity.1,
        ),
        ("by_disability", &["yes", "no", "prefer_not_to_say", "not_recorded"], &|w| d.women[w].disability.1),
        ("with_dependent_children", &["yes", "no", "not_recorded"], &|w| match d.women[w].children {
            None => "not_recorded",
            Some(0) => "no",
            Some(_) => "yes",
        }),
    ];
    for (which, members, of) in equality {
        for m in members {
            out.push((format!("equality.{which}.{m}"), women.iter().copied().filter(|w| of(*w) == *m).collect()));
        }
    }
    out.push(("women_supported".into(), women));
    out
}

/// The recount in the JSON layout of the two sections.
fn sections(figures: &[(String, Vec<usize>)], k: usize) -> Value {
    let n = |name: &str| figures.iter().find(|f| f.0 == name).map(|f| f.1.len()).unwrap();
    let mut by_pathway = Map::new();
    for p in PATHWAYS {
        by_pathway.insert(
            p.into(),
            json!({"assessed": n(&format!("outcomes.by_pathway.{p}.assessed")),
                   "progressed": n(&format!("outcomes.by_pathway.{p}.progressed"))}),
        );
    }
    let (assessed, progressed) = (n("outcomes.women_assessed"), n("outcomes.women_progressed"));
    let rate = if assessed == 0 {
        Value::Null
    } else {
        json!(((progressed as f64 / assessed as f64) * 10000.0).round() / 10000.0)
    };
    let mut equality = Map::new();
    for (name, women) in figures.iter().filter(|f| f.0.starts_with("equality.")) {
        let mut parts = name.splitn(3, '.').skip(1);
        let (which, member) = (parts.next().unwrap(), parts.next().unwrap());
        equality
            .entry(which)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .unwrap()
            .insert(member.into(), json!(women.len()));
    }
    json!({
        "women_supported": n("women_supported"),
        "outcomes": {
            "by_pathway": by_pathway,
            "women_assessed": assessed,
            "women_progressed": progressed,
            "progress_rate": rate,
            "completions": n("outcomes.completions"),
            "completion_pathways": k
        },
        "equality": equality
    })
}

/// The five periods and the hub view, as (label, from, to, --service).
const VIEWS: &[(&str, &str, &str, Option<&str>)] = &[
    ("2021-06", "2021-06-01", "2021-06-30", None),
    ("2021/22-Q2", "2021-07-01", "2021-09-30", None),
    ("2021/22", "2021-04-01", "2022-03-31", None),
    // Before any case opened: every figure zero, the rate null.
    ("2019-02", "2019-02-01", "2019-02-28", None),
    // A quarter in which many cases close.
    ("2021/22-Q4", "2022-01-01", "2022-03-31", None),
    ("2021/22", "2021-04-01", "2022-03-31", Some("Beth Centre")),
];

fn args<'a>(label: &'a str, service: Option<&'a str>) -> Vec<&'a str> {
    let mut a = vec!["--period", label];
    if let Some(s) = service {
        a.extend(["--service", s]);
    }
    a
}

#[test]
fn both_sections_agree_with_a_recount_for_five_periods_and_a_hub() {
    let (p, d) = loaded();
    // The generated data has what the rules are about.
    let (na, nc) = (d.assessments.len(), d.cases.len());
    assert!(na >= 2 * nc && na <= 4 * nc, "{na} assessments of {nc} cases");
    let scores = |a: &outcomes_data::Assessment| (d.cases[a.case].woman, a.pathway, a.on);
    let same_day_other_pathway = d
        .assessments
        .iter()
        .any(|a| d.assessments.iter().any(|b| scores(a).0 == scores(b).0 && a.on == b.on && a.pathway != b.pathway));
    assert!(same_day_other_pathway);
    for (label, from, to, service) in VIEWS {
        let services = service.map(|_| HUB);
        for k in [4, 2] {
            let mut a = args(label, *service);
            let ks = k.to_string();
            a.extend(["--completion-pathways", &ks]);
            let r = p.json(&[&["report", "return"][..], &a].concat());
            let want = sections(&recount(&d, date(from), date(to), services, k), k);
            for key in ["women_supported", "outcomes", "equality"] {
                assert_eq!(r[key], want[key], "{key} for {label} {service:?} K={k}");
            }
        }
    }
    // The periods are what they claim: the quiet month is empty, the others
    // are not, the hub is a part of the whole, and the closing quarter has
    // closures and completions.
    let fy = recount(&d, date("2021-04-01"), date("2022-03-31"), None, 4);
    let n = |f: &[(String, Vec<usize>)], name: &str| f.iter().find(|x| x.0 == name).unwrap().1.len();
    assert_eq!(n(&recount(&d, date("2019-02-01"), date("2019-02-28"), None, 4), "women_supported"), 0);
    let hub = recount(&d, date("2021-04-01"), date("2022-03-31"), Some(HUB), 4);
    assert!(n(&hub, "women_supported") < n(&fy, "women_supported") && n(&hub, "outcomes.women_assessed") > 50);
    let q4 = recount(&d, date("2022-01-01"), date("2022-03-31"), None, 2);
    assert!(n(&q4, "outcomes.completions") > 5, "completions in the closing quarter");
    assert!(n(&fy, "outcomes.women_progressed") < n(&fy, "outcomes.women_assessed"), "some women did not progress");
    let june = recount(&d, date("2021-06-01"), date("2021-06-30"), None, 4);
    let small = june.iter().filter(|f| (1..10).contains(&f.1.len())).count();
    assert!(small > 5, "small cells occur: {small}");
}

#[test]
fn explain_lists_the_women_of_every_figure_of_both_sections() {
    let (p, d) = loaded();
    for (label, from, to, service) in [VIEWS[2], VIEWS[3], VIEWS[5]] {
        let a = args(label, service);
        let figures = recount(&d, date(from), date(to), service.map(|_| HUB), 4);
        // The figures the return lists, by the CSV's figure column.
        let csv = p.ok(&[&["report", "return"][..], &a, &["--format", "csv"]].concat());
        let listed: Vec<(String, String)> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(Result::unwrap)
            .filter(|r| r[0].starts_with("outcomes.") || r[0].starts_with("equality."))
            .map(|r| (r[0].to_string(), r[5].to_string()))
            .collect();
        assert_eq!(listed.len(), 18 + 4 + 22, "{label}");
        for (name, value) in &listed {
            let e = p.json(&[&["report", "explain", name][..], &a].concat());
            let mut refs: Vec<String> =
                e["records"].as_array().unwrap().iter().map(|r| r["record"].as_str().unwrap().to_string()).collect();
            refs.sort();
            if name == "outcomes.progress_rate" {
                // The women who progressed are listed; the rate is of them.
                let assessed = figures.iter().find(|f| f.0 == "outcomes.women_assessed").unwrap().1.len();
                let want = if assessed == 0 {
                    String::new()
                } else {
                    let r = refs.len() as f64 / assessed as f64;
                    format!("{:.4}", (r * 10000.0).round() / 10000.0)
                };
                assert_eq!(want.trim_end_matches('0'), value.trim_end_matches('0'), "{name} {label}");
                continue;
            }
            let mut want: Vec<String> = figures
                .iter()
                .find(|f| &f.0 == name)
                .unwrap_or_else(|| panic!("{name} not recounted"))
                .1
                .iter()
                .map(|w| d.women[*w].client_ref.clone())
                .collect();
            want.sort();
            assert_eq!(refs.len().to_string(), *value, "{name} {label} {service:?}: explain count = figure");
            assert_eq!(refs, want, "{name} {label} {service:?}: the women listed");
        }
    }
}
