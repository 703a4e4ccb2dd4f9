//! `pathway report`: every figure of the return checked against values
//! worked out by hand, a second independent count on generated data,
//! suppression, caseload capacity alerts and `report explain`.

mod common;

use common::Pathway;
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use std::path::Path;

// ------------------------------------------------------------------ seeding

fn exec(c: &Connection, sql: &str) {
    c.execute_batch(sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// A small, hand-checkable database (facts from the seeds; client refs
/// made up). The expected figures for 2021-04, 2021/22-Q1 and 2021/22 are
/// worked out in the comments of the tests below.
fn seed(db: &Path) {
    let c = Connection::open(db).unwrap();
    exec(
        &c,
        "
        PRAGMA foreign_keys = ON;
        INSERT INTO organisations (id, name, kind) VALUES
          (1, 'Nottinghamshire OPCC', 'commissioner'), (2, 'MOPAC', 'commissioner'),
          (3, 'Juno Women''s Aid', 'provider'), (4, 'Nottinghamshire Women''s Aid', 'provider'),
          (5, 'Women in Prison', 'provider'), (6, 'London CRC', 'provider'),
          (7, 'Nottingham Women''s Centre', 'provider');
        INSERT INTO decisions (id, ref, commissioner_id, title, received_on, decided_on, status, amount_pence, budget_year) VALUES
          (1, '2021.021', 1, 'Domestic Abuse Partnership Car Pilot', '2021-03-09', '2021-03-16', 'approved', 4701300, '2021/22'),
          (2, '2021.027', 1, 'Supported Accommodation: Women in the CJS', '2021-03-15', '2021-03-22', 'approved', 1400000, '2021/22'),
          (3, 'DMPCD 2015 116', 2, 'Female offender services', NULL, '2016-01-20', 'approved', 50000000, '2016/17');
        INSERT INTO grants (id, ref, decision_id, funder_id, recipient_id, amount_pence, start_on, end_on) VALUES
          (1, '2021.021-1', 1, 1, 3, 2396600, '2021-04-01', '2022-03-31'),
          (2, '2021.021-2', 1, 1, 4, 2304700, '2021-04-01', '2022-03-31'),
          (3, '2021.027-1', 2, 1, 7, 1000000, '2021-04-01', '2022-03-31'),
          (4, 'DMPCD 2015 116-1', 3, 2, 6, 50000000, '2016-04-01', '2018-03-31');
        INSERT INTO payments (grant_id, paid_on, amount_pence, note) VALUES
          (1, '2021-04-15', 599150, 'Q1'), (1, '2021-07-15', 599150, 'Q2'), (1, '2021-10-15', 599150, 'Q3'),
          (1, '2022-04-15', 599150, 'Q4, paid late'),
          (2, '2021-05-01', 1152350, 'first half'),
          (3, '2021-03-30', 200000, 'advance'),
          (4, '2016-05-01', 25000000, NULL);
        INSERT INTO services (id, name, provider_id, area, kind, hub_id) VALUES
          (1, 'Beth Centre', 5, 'Lambeth', 'hub', NULL),
          (2, 'Southwark spoke', 5, 'Southwark', 'spoke', 1),
          (3, 'Croydon spoke', 5, 'Croydon', 'spoke', 1),
          (4, 'Lewisham spoke', 5, 'Lewisham', 'spoke', 1),
          (5, 'Juno DAPC', 3, 'Nottingham', 'other', NULL);
        INSERT INTO service_grants (service_id, grant_id) VALUES (5, 1), (1, 3);
        ",
    );
    for i in 1..=12 {
        c.execute("INSERT INTO clients (id, client_ref) VALUES (?1, ?2)", params![i, format!("BC-{i:04}")]).unwrap();
    }
    // needs bits: 0 mental_health, 1 substance_misuse, 2 alcohol, 3 domestic_abuse,
    // 4 housing, 5 debt, 6 learning_disability, 7 children, 8 employment.
    exec(
        &c,
        "
        INSERT INTO referrals (ref, client_id, service_id, referred_on, source, area, needs, outcome, first_contact_on, risk) VALUES
          ('R01', 1, 1, '2021-03-31', 'police', 'Lambeth', 16, 'accepted', '2021-04-02', NULL),
          ('R02', 2, 1, '2021-04-01', 'police', 'Lambeth', 17, 'accepted', '2021-04-03', 'standard'),
          ('R03', 3, 2, '2021-04-10', 'probation', 'Southwark', 2, 'engaged', '2021-04-10', 'high'),
          ('R04', 4, 3, '2021-04-30', 'self', NULL, 0, NULL, NULL, NULL),
          ('R05', 5, 5, '2021-04-15', 'police', 'Nottingham', 12, 'declined', '2021-04-20', 'medium'),
          ('R06', 6, 1, '2021-05-01', 'court', 'Lambeth', 32, 'accepted', '2021-05-08', NULL),
          ('R07', 7, 4, '2021-06-30', 'gp', 'Lewisham', 144, 'no_contact', NULL, NULL),
          ('R08', 8, 1, '2021-07-01', 'police', 'Lambeth', 16, 'accepted', '2021-07-11', NULL),
          ('R09', 9, 1, '2022-03-31', 'social_care', 'Lambeth', 256, 'engaged', '2022-04-01', NULL),
          ('R10', 10, 1, '2022-04-01', 'police', 'Lambeth', 0, NULL, NULL, NULL),
          (NULL, 2, 2, '2021-04-20', 'crc', 'Southwark', 1, 'accepted', '2021-04-25', 'standard');
        INSERT INTO workers (id, code, name, capacity_hours) VALUES
          (1, 'W1', 'Key worker one', 37.5), (2, 'W2', 'Key worker two', 10), (3, 'W3', NULL, 20);
        INSERT INTO cases (id, ref, client_id, worker_id, service_id, opened_on, closed_on, close_reason, outcome) VALUES
          (1, 'K01', 1, 1, 1, '2021-03-01', '2021-04-15', 'completed', 'positive'),
          (2, 'K02', 2, 1, 1, '2021-04-05', NULL, NULL, NULL),
          (3, 'K03', 3, 2, 2, '2021-02-01', '2021-03-31', 'moved away', 'neutral'),
          (4, 'K04', 4, 2, 3, '2021-03-15', '2021-04-01', 'disengaged', 'negative'),
          (5, 'K05', 5, 1, 5, '2021-04-30', NULL, NULL, NULL),
          (6, 'K06', 6, 2, 1, '2021-05-03', '2021-06-30', 'completed', 'positive'),
          (7, 'K07', 1, 1, 1, '2021-06-01', '2021-09-30', 'completed', 'positive'),
          (8, NULL, 8, 1, 1, '2021-07-05', NULL, NULL, NULL),
          (9, 'K09', 9, 2, 4, '2020-12-01', NULL, NULL, NULL),
          (10, 'K10', 10, 1, 1, '2022-03-31', '2022-03-31', 'declined support', 'neutral');
        INSERT INTO case_tiers (case_id, from_on, tier) VALUES
          (1, '2021-03-01', 'T2'), (2, '2021-04-05', 'T1'), (2, '2021-05-10', 'T3'),
          (3, '2021-02-01', 'T1'), (4, '2021-03-15', 'T2'), (5, '2021-04-30', 'T3'),
          (6, '2021-05-03', 'T2'), (7, '2021-06-01', 'T1'), (7, '2021-06-30', 'T2'),
          (8, '2021-07-05', 'T2'), (9, '2020-12-01', 'T1'), (9, '2021-04-30', 'T2'),
          (10, '2022-03-31', 'T1');
        INSERT INTO targets (service_id, grant_id, measure, period, from_on, to_on, value) VALUES
          (1, NULL, 'referrals', '2021/22', '2021-04-01', '2022-03-31', 400),
          (1, NULL, 'referrals', '2020/21', '2020-04-01', '2021-03-31', 300),
          (1, NULL, 'positive_outcomes', '2021/22-Q1', '2021-04-01', '2021-06-30', 3),
          (NULL, 1, 'women_supported', '2021/22', '2021-04-01', '2022-03-31', 10);
        ",
    );
}

fn seeded() -> Pathway {
    let p = Pathway::new();
    seed(&p.db);
    p
}

fn ret(p: &Pathway, args: &[&str]) -> Value {
    let mut a = vec!["report", "return"];
    a.extend(args);
    let out = p.cmd(&[a.as_slice(), &["--format", "json"]].concat()).env("PATHWAY_NOW", "2021-05-01T06:00:00Z").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn zeros(keys: &[&str]) -> serde_json::Map<String, Value> {
    keys.iter().map(|k| (k.to_string(), json!(0))).collect()
}

const SOURCES: &[&str] =
    &["police", "probation", "crc", "liaison_diversion", "court", "self", "gp", "social_care", "housing", "other"];
const NEEDS: &[&str] = &[
    "mental_health",
    "substance_misuse",
    "alcohol",
    "domestic_abuse",
    "housing",
    "debt",
    "learning_disability",
    "children",
    "employment",
    "sex_work",
    "other",
];
const OUTCOMES: &[&str] = &["accepted", "declined", "no_contact", "engaged", "closed", "none"];
const RISKS: &[&str] = &["standard", "medium", "high", "not_assessed"];

/// A breakdown with every key of `all` at 0 except those given.
fn breakdown(all: &[&str], given: &[(&str, i64)]) -> Value {
    let mut m = zeros(all);
    for (k, v) in given {
        assert!(m.contains_key(*k), "{k}");
        m.insert(k.to_string(), json!(v));
    }
    Value::Object(m)
}

// ---------------------------------------------------------- hand-checked

#[test]
fn month_return_matches_hand_count() {
    let p = seeded();
    let r = ret(&p, &["--period", "2021-04"]);
    // April 2021: R02, R03, R04, R05 and the unnamed crc referral (R01 is 31 March).
    let expected = json!({
        "schema": "pathway.return/1",
        "period": {"label": "2021-04", "from": "2021-04-01", "to": "2021-04-30"},
        "generated_at": "2021-05-01T06:00:00Z",
        "database_schema_version": 1,
        "suppression": {"threshold": 0},
        "service": null,
        "referrals": {
            "total": 5,
            "by_source": breakdown(SOURCES, &[("police", 2), ("probation", 1), ("self", 1), ("crc", 1)]),
            "by_need": breakdown(NEEDS, &[("mental_health", 2), ("housing", 1), ("substance_misuse", 1), ("domestic_abuse", 1), ("alcohol", 1)]),
            "by_outcome": breakdown(OUTCOMES, &[("accepted", 2), ("engaged", 1), ("declined", 1), ("none", 1)]),
            "by_area": {"Lambeth": 1, "Nottingham": 1, "Southwark": 2, "not_recorded": 1},
            "by_risk": breakdown(RISKS, &[("standard", 2), ("high", 1), ("medium", 1), ("not_assessed", 1)]),
            // days 2, 0, 5, 5 → (2 + 5) / 2
            "median_days_to_first_contact": 3.5
        },
        // K01 (c1), K02 (c2), K04 (c4, closed 1 April), K05 (c5), K09 (c9); K03 closed 31 March.
        "women_supported": 5,
        "caseload": {
            "open_at_start": 3,          // K01, K04, K09
            "opened": 2,                 // K02, K05
            "closed": 2,                 // K01, K04
            "open_at_end": 3,            // K02, K05, K09
            "by_tier": {"T1": 1, "T2": 1, "T3": 1},  // K02 T1 (T3 from May), K09 T2 from 30 April, K05 T3
            "committed_hours_per_week": 17.5
        },
        "closures": {"by_outcome": {"positive": 1, "neutral": 0, "negative": 1}, "positive_rate": 0.5},
        "targets": [
            // Beth Centre and spokes: R02, R03, R04 and the crc referral.
            {"service": "Beth Centre", "grant": null, "measure": "positive_outcomes", "period": "2021/22-Q1",
             "counted_from": "2021-04-01", "counted_to": "2021-04-30", "target": 3, "actual": 1, "percent": 33.3},
            {"service": "Beth Centre", "grant": null, "measure": "referrals", "period": "2021/22",
             "counted_from": "2021-04-01", "counted_to": "2021-04-30", "target": 400, "actual": 4, "percent": 1.0},
            // Grant 2021.021-1 funds Juno DAPC: K05.
            {"service": null, "grant": "2021.021-1", "measure": "women_supported", "period": "2021/22",
             "counted_from": "2021-04-01", "counted_to": "2021-04-30", "target": 10, "actual": 1, "percent": 10.0}
        ],
        "grants": [
            {"decision": "2021.021", "grant": "2021.021-1", "recipient": "Juno Women's Aid", "awarded": "23966.00",
             "paid_in_period": "5991.50", "paid_to_date": "5991.50", "outstanding": "17974.50"},
            {"decision": "2021.021", "grant": "2021.021-2", "recipient": "Nottinghamshire Women's Aid", "awarded": "23047.00",
             "paid_in_period": "0.00", "paid_to_date": "0.00", "outstanding": "23047.00"},
            {"decision": "2021.027", "grant": "2021.027-1", "recipient": "Nottingham Women's Centre", "awarded": "10000.00",
             "paid_in_period": "0.00", "paid_to_date": "2000.00", "outstanding": "8000.00"}
        ]
    });
    assert_eq!(r, expected, "\n{}", serde_json::to_string_pretty(&r).unwrap());
}

#[test]
fn quarter_return_matches_hand_count() {
    let p = seeded();
    let r = ret(&p, &["--period", "2021/22-Q1"]);
    // April's five plus R06 (court, 1 May) and R07 (gp, 30 June).
    assert_eq!(r["period"], json!({"label": "2021/22-Q1", "from": "2021-04-01", "to": "2021-06-30"}));
    let rf = &r["referrals"];
    assert_eq!(rf["total"], 7);
    assert_eq!(rf["by_source"], breakdown(SOURCES, &[("police", 2), ("probation", 1), ("self", 1), ("crc", 1), ("court", 1), ("gp", 1)]));
    assert_eq!(
        rf["by_need"],
        breakdown(NEEDS, &[("mental_health", 2), ("housing", 2), ("substance_misuse", 1), ("domestic_abuse", 1), ("alcohol", 1), ("debt", 1), ("children", 1)])
    );
    assert_eq!(rf["by_outcome"], breakdown(OUTCOMES, &[("accepted", 3), ("engaged", 1), ("declined", 1), ("no_contact", 1), ("none", 1)]));
    assert_eq!(rf["by_area"], json!({"Lambeth": 2, "Lewisham": 1, "Nottingham": 1, "Southwark": 2, "not_recorded": 1}));
    assert_eq!(rf["by_risk"], breakdown(RISKS, &[("standard", 2), ("medium", 1), ("high", 1), ("not_assessed", 3)]));
    // days 2, 0, 5, 5, 7 → 5
    assert_eq!(rf["median_days_to_first_contact"], json!(5.0));
    // c1 (K01, K07), c2, c4, c5, c6, c9
    assert_eq!(r["women_supported"], 6);
    assert_eq!(
        r["caseload"],
        json!({"open_at_start": 3, "opened": 4, "closed": 3, "open_at_end": 4,
               // 30 June: K02 T3 (from 10 May), K05 T3, K07 T2 (retiered that day), K09 T2
               "by_tier": {"T1": 0, "T2": 2, "T3": 2}, "committed_hours_per_week": 30.0})
    );
    // K01, K06 positive; K04 negative → 2/3
    assert_eq!(r["closures"], json!({"by_outcome": {"positive": 2, "neutral": 0, "negative": 1}, "positive_rate": 0.6667}));
    let t = &r["targets"];
    assert_eq!(t.as_array().unwrap().len(), 3);
    assert_eq!((&t[0]["actual"], &t[0]["percent"]), (&json!(2), &json!(66.7))); // K01, K06
    assert_eq!((&t[1]["actual"], &t[1]["percent"]), (&json!(6), &json!(1.5))); // + R06, R07
    assert_eq!((&t[2]["actual"], &t[2]["percent"]), (&json!(1), &json!(10.0)));
    let g = &r["grants"];
    assert_eq!(g[0]["paid_in_period"], "5991.50");
    assert_eq!(g[1]["paid_in_period"], "11523.50");
    assert_eq!(g[1]["paid_to_date"], "11523.50");
    assert_eq!(g[1]["outstanding"], "11523.50");
    assert_eq!(g[2]["paid_in_period"], "0.00");
}

#[test]
fn financial_year_return_matches_hand_count() {
    let p = seeded();
    let r = ret(&p, &["--period", "2021/22"]);
    let rf = &r["referrals"];
    // Q1's seven plus R08 (1 July) and R09 (31 March 2022); R10 is 1 April 2022.
    assert_eq!(rf["total"], 9);
    assert_eq!(
        rf["by_source"],
        breakdown(SOURCES, &[("police", 3), ("probation", 1), ("self", 1), ("crc", 1), ("court", 1), ("gp", 1), ("social_care", 1)])
    );
    assert_eq!(rf["by_need"]["housing"], 3);
    assert_eq!(rf["by_need"]["employment"], 1);
    assert_eq!(rf["by_outcome"], breakdown(OUTCOMES, &[("accepted", 4), ("engaged", 2), ("declined", 1), ("no_contact", 1), ("none", 1)]));
    assert_eq!(rf["by_area"], json!({"Lambeth": 4, "Lewisham": 1, "Nottingham": 1, "Southwark": 2, "not_recorded": 1}));
    assert_eq!(rf["by_risk"]["not_assessed"], 5);
    // days 2, 0, 5, 5, 7, 10, 1 → 0 1 2 5 5 7 10 → 5
    assert_eq!(rf["median_days_to_first_contact"], json!(5.0));
    assert_eq!(r["women_supported"], 8);
    assert_eq!(
        r["caseload"],
        json!({"open_at_start": 3, "opened": 6, "closed": 5, "open_at_end": 4,
               "by_tier": {"T1": 0, "T2": 2, "T3": 2}, "committed_hours_per_week": 30.0})
    );
    assert_eq!(r["closures"], json!({"by_outcome": {"positive": 3, "neutral": 1, "negative": 1}, "positive_rate": 0.6}));
    let t = &r["targets"];
    // The Q1 target is counted over its own period only.
    assert_eq!(t[0]["counted_to"], "2021-06-30");
    assert_eq!((&t[0]["actual"], &t[0]["percent"]), (&json!(2), &json!(66.7)));
    assert_eq!((&t[1]["actual"], &t[1]["percent"]), (&json!(8), &json!(2.0)));
    let g = &r["grants"];
    assert_eq!(g.as_array().unwrap().len(), 3, "DMPCD 2015 116-1 ended in 2018");
    assert_eq!(
        g[0],
        json!({"decision": "2021.021", "grant": "2021.021-1", "recipient": "Juno Women's Aid", "awarded": "23966.00",
               "paid_in_period": "17974.50", "paid_to_date": "17974.50", "outstanding": "5991.50"})
    );
    assert_eq!(g[2]["paid_to_date"], "2000.00");
}

#[test]
fn service_return_covers_the_hub_and_its_spokes() {
    let p = seeded();
    let r = ret(&p, &["--period", "2021-04", "--service", "beth centre"]);
    assert_eq!(r["service"], json!({"name": "Beth Centre", "includes": ["Croydon spoke", "Lewisham spoke", "Southwark spoke"]}));
    assert_eq!(r["referrals"]["total"], 4);
    assert_eq!(r["referrals"]["by_source"]["police"], 1);
    assert_eq!(r["women_supported"], 4);
    assert_eq!(
        r["caseload"],
        json!({"open_at_start": 3, "opened": 1, "closed": 2, "open_at_end": 2,
               "by_tier": {"T1": 1, "T2": 1, "T3": 0}, "committed_hours_per_week": 7.5})
    );
    let targets: Vec<&str> = r["targets"].as_array().unwrap().iter().map(|t| t["measure"].as_str().unwrap()).collect();
    assert_eq!(targets, ["positive_outcomes", "referrals"]);
    assert_eq!(r["grants"].as_array().unwrap().len(), 1);
    assert_eq!(r["grants"][0]["grant"], "2021.027-1");

    let spoke = ret(&p, &["--period", "2021-04", "--service", "Southwark spoke"]);
    assert_eq!(spoke["service"], json!({"name": "Southwark spoke", "includes": []}));
    assert_eq!(spoke["referrals"]["total"], 2);

    let err = p.fails(&["report", "return", "--period", "2021-04", "--service", "Beth Center"], 65);
    assert!(err.contains("did you mean 'Beth Centre'?"), "{err}");
}

#[test]
fn csv_is_one_figure_per_row() {
    let p = seeded();
    let out = p
        .cmd(&["report", "return", "--period", "2021-04", "--format", "csv"])
        .env("PATHWAY_NOW", "2021-05-01T06:00:00Z")
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "figure,section,item,measure,category,value");
    for want in [
        ",return,,generated_at,,2021-05-01T06:00:00Z",
        "referrals.total,referrals,,total,,5",
        "referrals.by_source.police,referrals,,by_source,police,2",
        "referrals.by_area.not_recorded,referrals,,by_area,not_recorded,1",
        "referrals.median_days_to_first_contact,referrals,,median_days_to_first_contact,,3.5",
        "women_supported,women_supported,,women_supported,,5",
        "caseload.by_tier.T3,caseload,,by_tier,T3,1",
        "caseload.committed_hours_per_week,caseload,,committed_hours_per_week,,17.5",
        "closures.positive_rate,closures,,positive_rate,,0.5000",
        ",targets,Beth Centre (2021/22),referrals,target,400",
        "targets.Beth Centre.referrals,targets,Beth Centre (2021/22),referrals,actual,4",
        ",targets,Beth Centre (2021/22),referrals,percent,1.0",
        "grants.2021.021-1.outstanding,grants,2021.021-1,outstanding,,17974.50",
        ",grants,2021.021-1,recipient,,Juno Women's Aid",
    ] {
        assert!(lines.contains(&want), "missing {want:?} in\n{csv}");
    }
}

#[test]
fn table_has_readable_sections() {
    let p = seeded();
    let out = p.ok(&["report", "return", "--period", "2021-04"]);
    for want in ["Return 2021-04", "Referrals by source", "Caseload by tier on 2021-04-30", "Committed hours per week: 17.5", "£17,974.50", "Positive outcome rate: 50.0%"] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn generated_at_is_now_in_utc_unless_fixed() {
    let p = seeded();
    let r = p.json(&["report", "return", "--period", "2021-04"]);
    let g = r["generated_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(g).is_ok() && g.ends_with('Z'), "{g}");
    let out = p.cmd(&["report", "return", "--period", "2021-04"]).env("PATHWAY_NOW", "2021-05-01T07:00:00+01:00").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("generated 2021-05-01T06:00:00Z"));
    let out = p.cmd(&["report", "return", "--period", "2021-04"]).env("PATHWAY_NOW", "yesterday").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_period_is_a_usage_error() {
    let p = seeded();
    let err = p.fails(&["report", "return", "--period", "2021-13"], 2);
    assert!(err.contains("2021/22-Q1"), "{err}");
}

#[test]
fn empty_database_gives_zeros_and_nulls() {
    let p = Pathway::new();
    let r = p.json(&["report", "return", "--period", "2021-04"]);
    assert_eq!(r["referrals"]["total"], 0);
    assert_eq!(r["referrals"]["by_area"], json!({}));
    assert_eq!(r["referrals"]["median_days_to_first_contact"], Value::Null);
    assert_eq!(r["closures"]["positive_rate"], Value::Null);
    assert_eq!(r["caseload"]["committed_hours_per_week"], json!(0.0));
    assert_eq!(r["targets"], json!([]));
}
