//! `pathway report`: every figure of the return checked against values
//! worked out by hand, a second independent count on generated data,
//! suppression, caseload capacity alerts and `report explain`.

mod common;
#[path = "outcomes_data/mod.rs"]
mod outcomes_data;

use common::{Lcg, Pathway};
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
    let out = p
        .cmd(&[a.as_slice(), &["--format", "json"]].concat())
        .env("PATHWAY_NOW", "2021-05-01T06:00:00Z")
        .output()
        .unwrap();
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
        "database_schema_version": pathway::db::migrate::CURRENT_VERSION,
        "suppression": {"threshold": 0, "primary": 0, "secondary": 0, "legend": {}},
        "service": null,
        "provider": null,
        "referrals": {
            "total": 5,
            "by_source": breakdown(SOURCES, &[("police", 2), ("probation", 1), ("self", 1), ("crc", 1)]),
            "by_need": breakdown(NEEDS, &[("mental_health", 2), ("housing", 1), ("substance_misuse", 1), ("domestic_abuse", 1), ("alcohol", 1)]),
            "by_outcome": breakdown(OUTCOMES, &[("accepted", 2), ("engaged", 1), ("declined", 1), ("none", 1)]),
            "by_area": {"Lambeth": 1, "Nottingham": 1, "Southwark": 2, "not_recorded": 1},
            "by_risk": breakdown(RISKS, &[("standard", 2), ("high", 1), ("medium", 1), ("not_assessed", 1)]),
            // days 2, 0, 5, 5 → (2 + 5) / 2
            "median_days_to_first_contact": 3.5,
            "days_to_first_contact": {"0": 1, "2": 1, "5": 2}
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
        // No assessments are recorded here (tests/outcomes.rs counts them).
        "outcomes": {
            "by_pathway": {
                "accommodation": {"assessed": 0, "progressed": 0},
                "education_training_employment": {"assessed": 0, "progressed": 0},
                "health": {"assessed": 0, "progressed": 0},
                "drugs_alcohol": {"assessed": 0, "progressed": 0},
                "finance_benefit_debt": {"assessed": 0, "progressed": 0},
                "children_families": {"assessed": 0, "progressed": 0},
                "attitudes_thinking_behaviour": {"assessed": 0, "progressed": 0},
                "abuse": {"assessed": 0, "progressed": 0},
                "sex_work": {"assessed": 0, "progressed": 0}
            },
            "women_assessed": 0,
            "women_progressed": 0,
            "progress_rate": null,
            "completions": 0,
            "completion_pathways": 4
        },
        // No equality answers are recorded here: all 5 women not_recorded.
        "equality": {
            "by_age_band": {"under_18": 0, "18_24": 0, "25_34": 0, "35_44": 0, "45_54": 0, "55_64": 0, "65_plus": 0,
                            "not_recorded": 5},
            "by_ethnic_group": {"asian": 0, "black": 0, "mixed": 0, "white": 0, "other": 0, "prefer_not_to_say": 0,
                                "not_recorded": 5},
            "by_disability": {"yes": 0, "no": 0, "prefer_not_to_say": 0, "not_recorded": 5},
            "with_dependent_children": {"yes": 0, "no": 0, "not_recorded": 5}
        },
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
    assert_eq!(
        rf["by_source"],
        breakdown(SOURCES, &[("police", 2), ("probation", 1), ("self", 1), ("crc", 1), ("court", 1), ("gp", 1)])
    );
    assert_eq!(
        rf["by_need"],
        breakdown(
            NEEDS,
            &[
                ("mental_health", 2),
                ("housing", 2),
                ("substance_misuse", 1),
                ("domestic_abuse", 1),
                ("alcohol", 1),
                ("debt", 1),
                ("children", 1)
            ]
        )
    );
    assert_eq!(
        rf["by_outcome"],
        breakdown(OUTCOMES, &[("accepted", 3), ("engaged", 1), ("declined", 1), ("no_contact", 1), ("none", 1)])
    );
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
    assert_eq!(
        r["closures"],
        json!({"by_outcome": {"positive": 2, "neutral": 0, "negative": 1}, "positive_rate": 0.6667})
    );
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
        breakdown(
            SOURCES,
            &[("police", 3), ("probation", 1), ("self", 1), ("crc", 1), ("court", 1), ("gp", 1), ("social_care", 1)]
        )
    );
    assert_eq!(rf["by_need"]["housing"], 3);
    assert_eq!(rf["by_need"]["employment"], 1);
    assert_eq!(
        rf["by_outcome"],
        breakdown(OUTCOMES, &[("accepted", 4), ("engaged", 2), ("declined", 1), ("no_contact", 1), ("none", 1)])
    );
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
    assert_eq!(
        r["closures"],
        json!({"by_outcome": {"positive": 3, "neutral": 1, "negative": 1}, "positive_rate": 0.6})
    );
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
    assert_eq!(
        r["service"],
        json!({"name": "Beth Centre", "includes": ["Croydon spoke", "Lewisham spoke", "Southwark spoke"]})
    );
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
    for want in [
        "Return 2021-04",
        "Referrals by source",
        "Caseload by tier on 2021-04-30",
        "Committed hours per week: 17.5",
        "£17,974.50",
        "Positive outcome rate: 50.0%",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn generated_at_is_now_in_utc_unless_fixed() {
    let p = seeded();
    let r = p.json(&["report", "return", "--period", "2021-04"]);
    let g = r["generated_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(g).is_ok() && g.ends_with('Z'), "{g}");
    let out = p
        .cmd(&["report", "return", "--period", "2021-04"])
        .env("PATHWAY_NOW", "2021-05-01T07:00:00+01:00")
        .output()
        .unwrap();
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

// ------------------------------------------------------ generated data

fn day(offset: i64) -> String {
    (chrono::NaiveDate::from_ymd_opt(2021, 3, 1).unwrap() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// `seed` plus a year of random referrals and cases (from March 2021 to
/// April 2022), so that every period boundary is crossed.
fn seed_generated(db: &Path, rng_seed: u64) {
    seed(db);
    let mut c = Connection::open(db).unwrap();
    let tx = c.transaction().unwrap();
    let mut rng = Lcg(rng_seed);
    let areas = [Some("Lambeth"), Some("Southwark"), Some("Croydon"), Some("Lewisham"), Some("Nottingham"), None];
    let outcomes = [Some("accepted"), Some("declined"), Some("no_contact"), Some("engaged"), Some("closed"), None];
    let risks = [Some("standard"), Some("medium"), Some("high"), None, None];
    for i in 13..=600 {
        tx.execute("INSERT INTO clients (id, client_ref) VALUES (?1, ?2)", params![i, format!("GEN-{i:05}")]).unwrap();
    }
    for i in 0..3000 {
        let referred = rng.below(430) as i64;
        let fc = if rng.chance(70) { Some(day(referred + rng.below(30) as i64)) } else { None };
        tx.execute(
            "INSERT INTO referrals (ref, client_id, service_id, referred_on, source, area, needs, outcome, first_contact_on, risk)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                if rng.chance(80) { Some(format!("G{i:05}")) } else { None },
                13 + rng.below(588) as i64,
                1 + rng.below(5) as i64,
                day(referred),
                SOURCES[rng.below(SOURCES.len() as u64) as usize],
                areas[rng.below(areas.len() as u64) as usize],
                (rng.below(2048) & rng.below(2048)) as i64,
                outcomes[rng.below(outcomes.len() as u64) as usize],
                fc,
                risks[rng.below(risks.len() as u64) as usize],
            ],
        )
        .unwrap();
    }
    for w in 4..=9 {
        tx.execute("INSERT INTO workers (id, code, capacity_hours) VALUES (?1, ?2, 37.5)", params![w, format!("G{w}")])
            .unwrap();
    }
    let tiers = ["T1", "T2", "T3"];
    let case_outcomes = ["positive", "neutral", "negative"];
    for i in 0..700i64 {
        let opened = rng.below(430) as i64 - 60;
        let closed = if rng.chance(60) { Some(opened + rng.below(200) as i64) } else { None };
        let outcome = closed.map(|_| case_outcomes[rng.below(3) as usize]);
        let id = 100 + i;
        // Some women have several cases; a second open case at the same
        // service breaks the one-open-case rule and is skipped.
        let added = tx.execute(
            "INSERT OR IGNORE INTO cases (id, ref, client_id, worker_id, service_id, opened_on, closed_on, close_reason, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                if rng.chance(85) { Some(format!("GK{i:04}")) } else { None },
                13 + (i % 400),
                4 + rng.below(6) as i64,
                1 + rng.below(5) as i64,
                day(opened),
                closed.map(day),
                closed.map(|_| "ended"),
                outcome,
            ],
        )
        .unwrap();
        if added == 0 {
            continue;
        }
        let mut from = opened;
        for _ in 0..1 + rng.below(3) {
            tx.execute(
                "INSERT OR REPLACE INTO case_tiers (case_id, from_on, tier) VALUES (?1, ?2, ?3)",
                params![id, day(from), tiers[rng.below(3) as usize]],
            )
            .unwrap();
            from += 1 + rng.below(120) as i64;
        }
    }
    tx.commit().unwrap();
}

/// The return counted again the slow, obvious way, straight from the
/// tables, following PRODUCT.md word for word.
fn recount(db: &Path, from: &str, to: &str, services: Option<&[i64]>) -> Value {
    let c = Connection::open(db).unwrap();
    let in_scope = |sid: i64| services.map_or(true, |s| s.contains(&sid));
    let mut st = c
        .prepare("SELECT service_id, referred_on, source, area, needs, outcome, first_contact_on, risk FROM referrals")
        .unwrap();
    type Ref = (i64, String, String, Option<String>, i64, Option<String>, Option<String>, Option<String>);
    let refs: Vec<Ref> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .map(Result::unwrap)
        .filter(|r: &Ref| r.1.as_str() >= from && r.1.as_str() <= to && in_scope(r.0))
        .collect();
    let count_by = |key: &dyn Fn(&Ref) -> bool| refs.iter().filter(|r| key(r)).count() as i64;
    let mut by_source = serde_json::Map::new();
    for s in SOURCES {
        by_source.insert(s.to_string(), json!(count_by(&|r| r.2 == *s)));
    }
    let mut by_need = serde_json::Map::new();
    for (bit, n) in NEEDS.iter().enumerate() {
        by_need.insert(n.to_string(), json!(count_by(&|r| r.4 & (1 << bit) != 0)));
    }
    let mut by_outcome = serde_json::Map::new();
    for o in OUTCOMES {
        by_outcome.insert(o.to_string(), json!(count_by(&|r| r.5.as_deref().unwrap_or("none") == *o)));
    }
    let mut by_risk = serde_json::Map::new();
    for o in RISKS {
        by_risk.insert(o.to_string(), json!(count_by(&|r| r.7.as_deref().unwrap_or("not_assessed") == *o)));
    }
    let mut areas: std::collections::BTreeMap<String, i64> = Default::default();
    let mut no_area = 0;
    for r in &refs {
        match &r.3 {
            Some(a) => *areas.entry(a.clone()).or_default() += 1,
            None => no_area += 1,
        }
    }
    let mut by_area: serde_json::Map<String, Value> = areas.into_iter().map(|(k, v)| (k, json!(v))).collect();
    if no_area > 0 {
        by_area.insert("not_recorded".into(), json!(no_area));
    }
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut days: Vec<i64> =
        refs.iter().filter_map(|r| r.6.as_ref().map(|fc| (date(fc) - date(&r.1)).num_days())).collect();
    days.sort();
    let mut distribution = serde_json::Map::new();
    for d in &days {
        let n = distribution.get(&d.to_string()).and_then(Value::as_i64).unwrap_or(0);
        distribution.insert(d.to_string(), json!(n + 1));
    }
    let median = match days.len() {
        0 => Value::Null,
        n if n % 2 == 1 => json!(days[n / 2] as f64),
        n => json!((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    };

    // Cases, with each one's tier on `to` from the whole tier history.
    let mut st = c.prepare("SELECT id, client_id, service_id, opened_on, closed_on, outcome FROM cases").unwrap();
    type Case = (i64, i64, i64, String, Option<String>, Option<String>);
    let cases: Vec<Case> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .filter(|c: &Case| in_scope(c.2))
        .collect();
    let history: Vec<(i64, String, String)> = c
        .prepare("SELECT case_id, from_on, tier FROM case_tiers")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let tier_on = |case: i64, d: &str| {
        history.iter().filter(|h| h.0 == case && h.1.as_str() <= d).max_by(|a, b| a.1.cmp(&b.1)).map(|h| h.2.clone())
    };
    let closed_before = |c: &Case, d: &str| c.4.as_deref().is_some_and(|x| x < d);
    let open_at_start = cases.iter().filter(|c| c.3.as_str() < from && !closed_before(c, from)).count();
    let opened = cases.iter().filter(|c| c.3.as_str() >= from && c.3.as_str() <= to).count();
    let closed: Vec<&Case> = cases.iter().filter(|c| c.4.as_deref().is_some_and(|x| x >= from && x <= to)).collect();
    let open_end: Vec<&Case> =
        cases.iter().filter(|c| c.3.as_str() <= to && c.4.as_deref().map_or(true, |x| x > to)).collect();
    let mut women: Vec<i64> =
        cases.iter().filter(|c| c.3.as_str() <= to && !closed_before(c, from)).map(|c| c.1).collect();
    women.sort();
    women.dedup();
    let mut by_tier = serde_json::Map::new();
    let mut hours = 0.0;
    for (t, h) in [("T1", 2.5), ("T2", 5.0), ("T3", 10.0)] {
        let n = open_end.iter().filter(|c| tier_on(c.0, to).as_deref() == Some(t)).count();
        hours += h * n as f64;
        by_tier.insert(t.into(), json!(n));
    }
    let by = |o: &str| closed.iter().filter(|c| c.5.as_deref() == Some(o)).count();
    let rate = if closed.is_empty() {
        Value::Null
    } else {
        json!(((by("positive") as f64 / closed.len() as f64) * 10000.0).round() / 10000.0)
    };
    json!({
        "referrals": {
            "total": refs.len(), "by_source": by_source, "by_need": by_need, "by_outcome": by_outcome,
            "by_area": by_area, "by_risk": by_risk, "median_days_to_first_contact": median,
            "days_to_first_contact": distribution
        },
        "women_supported": women.len(),
        "caseload": {"open_at_start": open_at_start, "opened": opened, "closed": closed.len(),
                     "open_at_end": open_end.len(), "by_tier": by_tier, "committed_hours_per_week": hours},
        "closures": {"by_outcome": {"positive": by("positive"), "neutral": by("neutral"), "negative": by("negative")},
                     "positive_rate": rate}
    })
}

fn generated() -> Pathway {
    let p = Pathway::new();
    seed_generated(&p.db, 2021);
    p
}

const PERIODS: &[(&str, &str, &str)] = &[
    ("2021-04", "2021-04-01", "2021-04-30"),
    ("2021-12", "2021-12-01", "2021-12-31"),
    ("2021/22-Q3", "2021-10-01", "2021-12-31"),
    ("2021/22", "2021-04-01", "2022-03-31"),
    ("2021-05-17..2021-08-02", "2021-05-17", "2021-08-02"),
];

#[test]
fn return_agrees_with_an_independent_recount_on_generated_data() {
    let p = generated();
    for (label, from, to) in PERIODS {
        for (service, ids) in
            [(None, None), (Some("Beth Centre"), Some(&[1i64, 2, 3, 4][..])), (Some("Juno DAPC"), Some(&[5i64][..]))]
        {
            let mut args = vec!["--period", label];
            if let Some(s) = service {
                args.extend(["--service", s]);
            }
            let r = ret(&p, &args);
            let want = recount(&p.db, from, to, ids);
            for key in ["referrals", "women_supported", "caseload", "closures"] {
                assert_eq!(r[key], want[key], "{key} for {label} {service:?}");
            }
            assert!(r["referrals"]["total"].as_i64().unwrap() > 0);
        }
    }
}

// ------------------------------------------------------------ the schema

/// The return's JSON Schema as the binary ships it (`report schema`), the
/// one contract: src/report/schema/pathway.return-1.schema.json.
fn return_schema(p: &Pathway) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&p.ok(&["report", "schema"])).expect("report schema prints JSON");
    jsonschema::validator_for(&schema).expect("report schema prints a valid JSON Schema")
}

/// Where `r` breaks the schema: the instance paths, sorted.
fn schema_errors(v: &jsonschema::Validator, r: &Value) -> Vec<String> {
    let mut at: Vec<String> = v.iter_errors(r).map(|e| e.instance_path.to_string()).collect();
    at.sort();
    at
}

/// Returns of the shipped examples and of generated data, over months,
/// quarters, years and ranges, for the whole provider and one service (a
/// hub with its spokes, and a spoke), suppressed, rounded and neither.
#[test]
fn every_kind_of_return_validates_against_the_shipped_schema() {
    let views: &[&[&str]] = &[
        &["--period", "2021-04"],
        &["--period", "2021-12"],
        &["--period", "2021/22-Q2"],
        &["--period", "2021/22"],
        &["--period", "2021-05-17..2021-08-02"],
        &["--period", "2019-04"],
        &["--period", "2021/22", "--service", "Beth Centre"],
        &["--period", "2021-04", "--service", "Southwark spoke"],
        &["--period", "2021-04", "--suppress", "5"],
        &["--period", "2021/22", "--service", "Beth Centre", "--suppress", "10"],
        &["--period", "2021/22-Q3", "--suppress", "10", "--round", "5"],
    ];
    for (name, p) in [("examples", Pathway::examples()), ("generated", generated())] {
        let v = return_schema(&p);
        let (mut suppressed, mut hidden) = (0, 0);
        for args in views {
            let r = ret(&p, args);
            assert_eq!(r["schema"], "pathway.return/1");
            assert_eq!(schema_errors(&v, &r), Vec::<String>::new(), "{name} {args:?}");
            if r["suppression"]["threshold"].as_i64().is_some_and(|t| t > 0) {
                suppressed += 1;
                hidden += r["suppression"]["primary"].as_i64().unwrap();
            }
        }
        assert_eq!(suppressed, 3, "{name}: the suppressed returns were made suppressed");
        assert!(hidden > 0, "{name}: some counts were hidden, so their markers were validated");
    }
}

/// The schema rejects what is not the contract: a figure renamed, a count
/// given as text, a field the contract does not have, money as a number.
#[test]
fn a_corrupted_return_is_rejected() {
    let p = Pathway::examples();
    let v = return_schema(&p);
    let good = ret(&p, &["--period", "2021/22"]);
    assert_eq!(schema_errors(&v, &good), Vec::<String>::new());

    let mut r = good.clone();
    let total = r["referrals"].as_object_mut().unwrap().remove("total").unwrap();
    r["referrals"]["count"] = total;
    assert_eq!(schema_errors(&v, &r), vec!["/referrals".to_string(), "/referrals".to_string()], "renamed");

    let mut r = good.clone();
    r["women_supported"] = json!(r["women_supported"].to_string());
    assert_eq!(schema_errors(&v, &r), vec!["/women_supported".to_string()], "a count as text");

    let mut r = good.clone();
    r["referrals"]["by_source"]["polce"] = json!(1);
    r["grants"][0]["awarded"] = json!(23966);
    r["shoe_size"] = json!(5);
    assert_eq!(
        schema_errors(&v, &r),
        vec!["".to_string(), "/grants/0/awarded".to_string(), "/referrals/by_source".to_string()],
        "an unknown source, money as a number, a field not in the contract"
    );
}

#[allow(dead_code)]
mod contract {
    //! The return parsed into structs that refuse unknown fields, so an
    //! added or renamed field fails here (and in the schema above).
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(untagged)]
    pub enum Count {
        Value(u64),
        Hidden(String),
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Return {
        pub schema: String,
        pub period: Period,
        pub generated_at: String,
        pub database_schema_version: i64,
        pub suppression: Suppression,
        pub service: Option<Service>,
        pub provider: Option<Provider>,
        pub referrals: Referrals,
        pub women_supported: Count,
        pub caseload: Caseload,
        pub closures: Closures,
        pub outcomes: Outcomes,
        pub equality: BTreeMap<String, BTreeMap<String, Count>>,
        pub targets: Vec<Target>,
        pub grants: Vec<Grant>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Period {
        pub label: String,
        pub from: String,
        pub to: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Suppression {
        pub threshold: u32,
        pub rounding: Option<u32>,
        pub primary: u32,
        pub secondary: u32,
        pub legend: BTreeMap<String, String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Provider {
        pub name: String,
        pub identifier: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Service {
        pub name: String,
        pub includes: Vec<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Referrals {
        pub total: Count,
        pub by_source: BTreeMap<String, Count>,
        pub by_need: BTreeMap<String, Count>,
        pub by_outcome: BTreeMap<String, Count>,
        pub by_area: BTreeMap<String, Count>,
        pub by_risk: BTreeMap<String, Count>,
        pub median_days_to_first_contact: Option<f64>,
        pub days_to_first_contact: Option<BTreeMap<String, i64>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Caseload {
        pub open_at_start: Count,
        pub opened: Count,
        pub closed: Count,
        pub open_at_end: Count,
        pub by_tier: BTreeMap<String, Count>,
        pub committed_hours_per_week: Option<f64>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Closures {
        pub by_outcome: BTreeMap<String, Count>,
        pub positive_rate: Option<f64>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Outcomes {
        pub by_pathway: BTreeMap<String, PathwayCounts>,
        pub women_assessed: Count,
        pub women_progressed: Count,
        pub progress_rate: Option<f64>,
        pub completions: Count,
        pub completion_pathways: u32,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PathwayCounts {
        pub assessed: Count,
        pub progressed: Count,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Target {
        pub service: Option<String>,
        pub grant: Option<String>,
        pub measure: String,
        pub period: String,
        pub counted_from: String,
        pub counted_to: String,
        pub target: i64,
        pub actual: Count,
        pub percent: Option<f64>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Grant {
        pub decision: String,
        pub grant: String,
        pub recipient: String,
        pub awarded: String,
        pub paid_in_period: String,
        pub paid_to_date: String,
        pub outstanding: String,
    }
}

#[test]
fn json_parses_into_the_contract_structs() {
    let p = generated();
    for args in [
        vec!["--period", "2021/22", "--service", "Beth Centre"],
        vec!["--period", "2021-04", "--suppress", "10", "--round", "5"],
    ] {
        let r = ret(&p, &args);
        let c: contract::Return = serde_json::from_value(r).unwrap();
        assert_eq!(c.schema, "pathway.return/1");
        assert_eq!(c.database_schema_version, pathway::db::migrate::CURRENT_VERSION);
        assert!(!c.period.label.is_empty() && c.period.from <= c.period.to);
        assert!(c.generated_at.ends_with('Z'));
        assert!(c.service.map_or(true, |s| !s.name.is_empty()));
        assert_eq!(c.referrals.by_source.len(), 10);
        assert_eq!(c.referrals.by_need.len(), 11);
        assert_eq!(c.referrals.by_outcome.len(), 6);
        assert_eq!(c.referrals.by_risk.len(), 4);
        assert_eq!(c.caseload.by_tier.len(), 3);
        assert_eq!(c.closures.by_outcome.len(), 3);
        assert_eq!(c.outcomes.by_pathway.len(), 9);
        for v in c.outcomes.by_pathway.values() {
            let _ = (&v.assessed, &v.progressed);
        }
        assert!((1..=9).contains(&c.outcomes.completion_pathways));
        assert_eq!(c.equality.len(), 4);
        assert_eq!(c.equality["by_age_band"].len(), 8);
        assert_eq!(c.equality["by_ethnic_group"].len(), 7);
        let _ =
            (c.outcomes.women_assessed, c.outcomes.women_progressed, c.outcomes.progress_rate, c.outcomes.completions);
        assert!(c.grants.iter().all(|g| g.awarded.contains('.')));
        let _ = (c.referrals.total, c.women_supported, c.caseload.open_at_start, c.targets, c.suppression.rounding);
    }
}

// ----------------------------------------------------------- suppression

/// Every count of a return with the relations a reader could subtract along.
fn counts_and_relations(r: &Value) -> (Vec<(String, Value)>, Vec<Vec<String>>) {
    let mut cells = Vec::new();
    let mut rels = Vec::new();
    let rf = &r["referrals"];
    cells.push(("referrals.total".to_string(), rf["total"].clone()));
    for b in ["by_source", "by_need", "by_outcome", "by_area", "by_risk"] {
        let mut rel = vec!["referrals.total".to_string()];
        for (k, v) in rf[b].as_object().unwrap() {
            let name = format!("referrals.{b}.{k}");
            cells.push((name.clone(), v.clone()));
            rel.push(name);
        }
        if b != "by_need" {
            rels.push(rel);
        }
    }
    cells.push(("women_supported".into(), r["women_supported"].clone()));
    for k in ["open_at_start", "opened", "closed", "open_at_end"] {
        cells.push((format!("caseload.{k}"), r["caseload"][k].clone()));
    }
    rels.push(["open_at_start", "opened", "closed", "open_at_end"].iter().map(|k| format!("caseload.{k}")).collect());
    let mut rel = vec!["caseload.open_at_end".to_string()];
    for (k, v) in r["caseload"]["by_tier"].as_object().unwrap() {
        cells.push((format!("caseload.by_tier.{k}"), v.clone()));
        rel.push(format!("caseload.by_tier.{k}"));
    }
    rels.push(rel);
    let mut rel = vec!["caseload.closed".to_string()];
    for (k, v) in r["closures"]["by_outcome"].as_object().unwrap() {
        cells.push((format!("closures.by_outcome.{k}"), v.clone()));
        rel.push(format!("closures.by_outcome.{k}"));
    }
    rels.push(rel);
    for (i, t) in r["targets"].as_array().unwrap().iter().enumerate() {
        cells.push((format!("targets[{i}].actual"), t["actual"].clone()));
    }
    (cells, rels)
}

#[test]
fn suppress_five_hides_small_counts_and_what_would_reveal_them() {
    let p = generated();
    let mut hidden_somewhere = 0;
    for (label, _, _) in PERIODS {
        for service in [None, Some("Juno DAPC"), Some("Lewisham spoke")] {
            let mut plain_args = vec!["--period", *label];
            if let Some(s) = service {
                plain_args.extend(["--service", s]);
            }
            let args = [plain_args.as_slice(), &["--suppress", "5"]].concat();
            let r = ret(&p, &args);
            assert_eq!(r["suppression"]["threshold"], json!(5));
            assert_eq!(r["suppression"].get("rounding"), None);
            let plain = ret(&p, &plain_args);
            let (cells, rels) = counts_and_relations(&r);
            let (raw, _) = counts_and_relations(&plain);
            let is_hidden = |v: &Value| v == &json!("<5") || v == &json!("[c]");
            let hidden: Vec<&String> = cells.iter().filter(|(_, v)| is_hidden(v)).map(|(k, _)| k).collect();
            hidden_somewhere += hidden.len();
            for ((name, v), (_, raw)) in cells.iter().zip(&raw) {
                let n = raw.as_i64().unwrap();
                // No count from 1 to 4 appears, each is "<5"; "<5" is never
                // shown for anything else; a shown count is the true one.
                if (1..5).contains(&n) {
                    assert_eq!(v, &json!("<5"), "{name} = {n} shown for {label} {service:?}");
                } else if !is_hidden(v) {
                    assert_eq!(v, raw, "{name}");
                } else {
                    assert_eq!(v, &json!("[c]"), "{name} = {n} shown as {v} for {label} {service:?}");
                }
            }
            let count = |s: &str| cells.iter().filter(|(_, v)| v == &json!(s)).count();
            assert_eq!(r["suppression"]["primary"], json!(count("<5")), "{label} {service:?}");
            assert_eq!(r["suppression"]["secondary"], json!(count("[c]")), "{label} {service:?}");
            // No relation (breakdown + total, or the caseload flow) is left
            // with exactly one hidden count, which subtraction would reveal.
            for rel in &rels {
                let n = rel.iter().filter(|k| hidden.contains(k)).count();
                assert!(n != 1, "{rel:?} has one hidden count for {label} {service:?}");
            }
            // Derived figures over hidden bases are withheld.
            if r["caseload"]["by_tier"].as_object().unwrap().values().any(is_hidden) {
                assert_eq!(r["caseload"]["committed_hours_per_week"], Value::Null);
            }
            if r["closures"]["by_outcome"].as_object().unwrap().values().any(is_hidden) {
                assert_eq!(r["closures"]["positive_rate"], Value::Null);
            }
        }
    }
    assert!(hidden_somewhere > 20, "the data should exercise suppression ({hidden_somewhere})");

    // CSV and table show the same text.
    let csv = p.ok(&[
        "report",
        "return",
        "--period",
        "2021-04",
        "--service",
        "Lewisham spoke",
        "--suppress",
        "5",
        "--format",
        "csv",
    ]);
    assert!(csv.contains(",<5\n"), "{csv}");
    for line in csv
        .lines()
        .filter(|l| l.starts_with("referrals.") || l.starts_with("caseload.") || l.starts_with("closures.by"))
    {
        let value = line.rsplit(',').next().unwrap();
        assert!(!["1", "2", "3", "4"].contains(&value), "{line}");
    }
}

#[test]
fn ons_ten_five_rounds_what_it_shows() {
    let p = generated();
    let r = ret(&p, &["--period", "2021/22", "--suppress", "10", "--round", "5"]);
    assert_eq!(r["suppression"]["threshold"], json!(10));
    assert_eq!(r["suppression"]["rounding"], json!(5));
    let (cells, _) = counts_and_relations(&r);
    for (name, v) in cells {
        match v {
            Value::String(s) => assert!(s == "<10" || s == "[c]", "{name}: {s}"),
            Value::Number(n) => assert_eq!(n.as_i64().unwrap() % 5, 0, "{name} = {n}"),
            other => panic!("{name}: {other}"),
        }
    }
}

// --------------------------------------------------------------- explain

fn explain(p: &Pathway, figure: &str, args: &[&str]) -> Value {
    let mut a = vec!["report", "explain", figure];
    a.extend(args);
    p.json(&a)
}

/// Every figure of the return, by the name in the CSV's `figure` column,
/// with the return's value for it.
fn figures(p: &Pathway, args: &[&str]) -> Vec<(String, String)> {
    let mut a = vec!["report", "return", "--format", "csv"];
    a.extend(args);
    let csv = p.ok(&a);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records()
        .map(Result::unwrap)
        .filter(|rec| !rec[0].is_empty())
        .map(|rec| (rec[0].to_string(), rec[5].to_string()))
        .collect()
}

fn check_explains(p: &Pathway, args: &[&str]) -> usize {
    let figs = figures(p, args);
    for (name, value) in &figs {
        let e = explain(p, name, args);
        assert_eq!(&e["figure"], name);
        let records = e["records"].as_array().unwrap();
        let values: Vec<&Value> = records.iter().map(|r| &r["value"]).collect();
        if name.ends_with("median_days_to_first_contact") {
            let mut days: Vec<i64> = values.iter().map(|v| v.as_i64().unwrap()).collect();
            days.sort();
            let n = days.len();
            let median =
                if n == 0 { String::new() } else { format!("{:.1}", (days[(n - 1) / 2] + days[n / 2]) as f64 / 2.0) };
            assert_eq!(&median, value, "{name} {args:?}");
        } else if name.ends_with("positive_rate") {
            let pos = records.iter().filter(|r| r["detail"].as_str().unwrap().contains("(positive)")).count();
            let rate =
                if records.is_empty() { String::new() } else { format!("{:.4}", pos as f64 / records.len() as f64) };
            assert_eq!(&rate, value, "{name} {args:?}");
        } else if name == "outcomes.progress_rate" {
            // The women who progressed are listed; the base is women_assessed.
            let assessed = explain(p, "outcomes.women_assessed", args)["records"].as_array().unwrap().len();
            let rate =
                if assessed == 0 { String::new() } else { format!("{:.4}", records.len() as f64 / assessed as f64) };
            assert_eq!(&rate, value, "{name} {args:?}");
        } else if name.ends_with("committed_hours_per_week") {
            let sum: f64 = values.iter().map(|v| v.as_f64().unwrap()).sum();
            assert_eq!(&format!("{sum:.1}"), value, "{name}");
            assert_eq!(e["value"].as_f64().unwrap(), sum);
        } else if name.starts_with("grants.") {
            let pence: i64 = values
                .iter()
                .map(|v| {
                    let s = v.as_str().unwrap();
                    let neg = s.starts_with('-');
                    let n: i64 = s.trim_start_matches('-').replace('.', "").parse().unwrap();
                    if neg {
                        -n
                    } else {
                        n
                    }
                })
                .sum();
            assert_eq!(format!("{}.{:02}", pence / 100, pence % 100), *value, "{name}");
        } else {
            assert_eq!(records.len().to_string(), *value, "{name} {args:?}");
            assert_eq!(e["value"], json!(records.len()), "{name}");
        }
    }
    figs.len()
}

#[test]
fn explain_lists_as_many_records_as_every_figure_says() {
    let p = generated();
    let n = check_explains(&p, &["--period", "2021/22-Q1"]);
    assert!(n > 60, "{n} figures");
    check_explains(&p, &["--period", "2021-04", "--service", "Beth Centre"]);
}

#[test]
fn explain_names_records_and_rules() {
    let p = seeded();
    let e = explain(&p, "referrals.by_source.police", &["--period", "2021-04"]);
    assert_eq!(e["value"], 2);
    let refs: Vec<&str> = e["records"].as_array().unwrap().iter().map(|r| r["record"].as_str().unwrap()).collect();
    assert_eq!(refs, ["R02", "R05"]);
    assert!(e["rule"].as_str().unwrap().contains("whose source is police"), "{}", e["rule"]);
    let e = explain(&p, "referrals.by_source.crc", &["--period", "2021-04"]);
    assert_eq!(e["records"][0]["record"].as_str().unwrap(), "#11");
    let e = explain(&p, "caseload.by_tier.T2", &["--period", "2021-04"]);
    assert_eq!(e["records"][0]["record"], "K09");
    let e = explain(&p, "women_supported", &["--period", "2021/22-Q1"]);
    let women: Vec<&str> = e["records"].as_array().unwrap().iter().map(|r| r["record"].as_str().unwrap()).collect();
    // Explain is a local output, like `client show`: the women are named by
    // their client refs, so that a queried figure can be traced to them.
    assert_eq!(women, ["BC-0001", "BC-0002", "BC-0004", "BC-0005", "BC-0006", "BC-0009"]);
    assert!(e["records"][0]["detail"].as_str().unwrap().contains("K07"));
    assert!(!serde_json::to_string(&e).unwrap().contains("client #"));
    let e = explain(&p, "targets.Beth Centre.referrals", &["--period", "2021/22"]);
    assert_eq!(e["value"], 8);
    let e = explain(&p, "targets.Beth Centre.referrals.2021/22", &["--period", "2021/22"]);
    assert_eq!(e["value"], 8);
    let e = explain(&p, "grants.2021.021-1.outstanding", &["--period", "2021/22"]);
    let amounts: Vec<&str> = e["records"].as_array().unwrap().iter().map(|r| r["value"].as_str().unwrap()).collect();
    assert_eq!(amounts, ["23966.00", "-5991.50", "-5991.50", "-5991.50"]);
    let table = p.ok(&["report", "explain", "closures.by_outcome.positive", "--period", "2021/22-Q1"]);
    assert!(table.contains("closures.by_outcome.positive = 2"), "{table}");
    assert!(table.contains("K06"), "{table}");
}

/// `n` referrals made in the database directly (many at once, as a large
/// provider's year would hold): April 2021 at Beth Centre, all from
/// probation but the first, from the police.
fn many_referrals(p: &Pathway, n: i64) {
    p.ok(&["service", "add", "Beth Centre", "--provider", "London Women's Consortium", "--area", "Lambeth"]);
    let c = rusqlite::Connection::open(&p.db).unwrap();
    c.execute_batch(&format!(
        "INSERT INTO clients (client_ref) VALUES ('BC-0042');
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n})
         INSERT INTO referrals (client_id, service_id, referred_on, source, area, needs, ref)
         SELECT (SELECT id FROM clients), (SELECT id FROM services WHERE name = 'Beth Centre'),
                date('2021-04-01', '+' || (i % 30) || ' days'), CASE i WHEN 1 THEN 'police' ELSE 'probation' END,
                'Lambeth', 5, printf('R-2104-%06d', i)
         FROM k;"
    ))
    .unwrap();
}

#[test]
fn explain_streams_its_records_in_flat_memory() {
    let p = Pathway::new();
    many_referrals(&p, 60_000);
    // The peak memory of explaining FIGURE, and the lines it wrote.
    let run = |figure: &str, format: &str| -> (u64, usize) {
        let path = p.path(&format!("{figure}.{format}"));
        let args = ["report", "explain", figure, "--period", "2021-04", "--format", format];
        let kb = p.peak_kb(&args, std::fs::File::create(&path).unwrap());
        (kb, std::fs::read_to_string(&path).unwrap().lines().count())
    };
    // One record, after reading the same 60,000 referrals.
    let (one, lines) = run("referrals.by_source.police", "csv");
    assert_eq!(lines, 2);
    for format in ["csv", "jsonl", "json"] {
        let (all, lines) = run("referrals.total", format);
        assert!(lines >= 60_000, "{format}: {lines} lines");
        eprintln!("explain --format {format}: 60,000 records {all} kB, one record {one} kB");
        assert!(all < one + 8 * 1024, "{format}: 60,000 records took {all} kB, one record {one} kB");
    }
}

#[test]
fn unknown_figure_is_a_usage_error_listing_the_forms() {
    let p = seeded();
    let err = p.fails(&["report", "explain", "referrals.by_source.polise", "--period", "2021-04"], 2);
    assert!(err.contains("did you mean 'referrals.by_source.police'?"), "{err}");
    assert!(err.contains("caseload.by_tier.TIER"), "{err}");
    assert!(err.contains("grants.2021.021-1.awarded"), "{err}");
}

// -------------------------------------------------------------- caseload

#[test]
fn caseload_per_worker() {
    let p = seeded();
    let rows = p.json(&["report", "caseload", "--as-of", "2021-04-30"]);
    // W1: K02 T1, K05 T3 → 12.5 of 37.5; W2: K09 T2 → 5 of 10; W3: none.
    assert_eq!(
        rows,
        json!([
            {"as_of": "2021-04-30", "worker": "W1", "name": "Key worker one", "cases": 2, "t1": 1, "t2": 0, "t3": 1,
             "committed_hours": 12.5, "capacity_hours": 37.5, "utilisation_percent": 33.3, "over_capacity": false},
            {"as_of": "2021-04-30", "worker": "W2", "name": "Key worker two", "cases": 1, "t1": 0, "t2": 1, "t3": 0,
             "committed_hours": 5.0, "capacity_hours": 10.0, "utilisation_percent": 50.0, "over_capacity": false},
            {"as_of": "2021-04-30", "worker": "W3", "name": null, "cases": 0, "t1": 0, "t2": 0, "t3": 0,
             "committed_hours": 0.0, "capacity_hours": 20.0, "utilisation_percent": 0.0, "over_capacity": false}
        ])
    );
    p.ok(&["report", "caseload", "--as-of", "2021-04-30", "--fail-over-capacity"]);
}

#[test]
fn fail_over_capacity_exits_1_only_above_capacity() {
    let p = seeded();
    let c = Connection::open(&p.db).unwrap();
    // W2 (10 hours) on 30 April holds K09 at T2 (5 h). Add one more T2 case:
    // exactly 10 hours, at capacity, not over.
    exec(
        &c,
        "INSERT INTO cases (id, ref, client_id, worker_id, service_id, opened_on) VALUES (50, 'K50', 11, 2, 1, '2021-04-20');
         INSERT INTO case_tiers VALUES (50, '2021-04-20', 'T2');",
    );
    let out = p.ok(&["-q", "report", "caseload", "--as-of", "2021-04-30", "--fail-over-capacity", "--format", "csv"]);
    assert!(out.contains("2021-04-30,W2,Key worker two,2,0,2,0,10.0,10.0,100.0,no"), "{out}");
    // One T1 more: 12.5 of 10.
    exec(
        &c,
        "INSERT INTO cases (id, ref, client_id, worker_id, service_id, opened_on) VALUES (51, 'K51', 12, 2, 1, '2021-04-21');
         INSERT INTO case_tiers VALUES (51, '2021-04-21', 'T1');",
    );
    let run = p.run(&["-q", "report", "caseload", "--as-of", "2021-04-30", "--fail-over-capacity", "--format", "csv"]);
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(stdout.contains("W2,Key worker two,3,1,2,0,12.5,10.0,125.0,yes"), "the report is still written: {stdout}");
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(stderr, "pathway: 1 worker is over capacity on 2021-04-30: W2 (12.5 of 10.0 hours)\n");
    // Without the flag it is only a report; on another day nobody is over.
    p.ok(&["report", "caseload", "--as-of", "2021-04-30"]);
    p.ok(&["report", "caseload", "--as-of", "2021-03-01", "--fail-over-capacity"]);
}

// ---------------------------------------------------------------- grants

#[test]
fn grants_report_by_decision_and_grant() {
    let p = seeded();
    let r = p.json(&["report", "grants", "--period", "2021/22-Q1"]);
    assert_eq!(r["schema"], "pathway.grants/1");
    let grants = r["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 3);
    assert_eq!(
        grants[1],
        json!({"decision": "2021.021", "grant": "2021.021-2", "recipient": "Nottinghamshire Women's Aid", "status": "active",
               "start": "2021-04-01", "end": "2022-03-31", "awarded": "23047.00", "paid_in_period": "11523.50",
               "paid_to_date": "11523.50", "outstanding": "11523.50", "decision_amount": "47013.00", "decision_unallocated": "0.00"})
    );
    // 2021.027 approves £14,000 but grants only £10,000.
    assert_eq!(
        r["decisions_not_adding_up"],
        json!([{"decision": "2021.027", "title": "Supported Accommodation: Women in the CJS", "status": "approved",
                "amount": "14000.00", "granted": "10000.00", "difference": "4000.00", "problem": "under_allocated"}])
    );
    let table = p.ok(&["report", "grants", "--period", "2021/22"]);
    assert!(table.contains("under-allocated by £4,000.00"), "{table}");
    let csv = p.ok(&["report", "grants", "--period", "2021-04", "--format", "csv"]);
    assert!(csv.starts_with("decision,grant,recipient,status,awarded,paid_in_period,paid_to_date,outstanding,decision_amount,decision_unallocated\n"));
    assert!(
        csv.contains(
            "2021.027,2021.027-1,Nottingham Women's Centre,active,10000.00,0.00,2000.00,8000.00,14000.00,4000.00"
        ),
        "{csv}"
    );
}

// ------------------------------------------------------------ query plan

#[test]
fn referral_section_is_one_range_scan_over_the_covering_index() {
    use pathway::db::report::{referral_scan_plan, Scope};
    use pathway::value::Date;
    let p = Pathway::new();
    let c = Connection::open(&p.db).unwrap();
    for services in [None, Some(vec![1, 2, 3, 4])] {
        let scope = Scope { from: Date::ymd(2021, 4, 1), to: Date::ymd(2022, 3, 31), services };
        let plan = referral_scan_plan(&c, &scope, false).unwrap();
        assert_eq!(plan.len(), 1, "{plan:?}");
        assert!(
            plan[0].contains("USING COVERING INDEX referrals_return (referred_on>? AND referred_on<?)"),
            "{plan:?}"
        );
        // Explain's list, in date and id order, reads the same index in
        // its own order (the id is its second column): no sort, and only
        // each row's ref from the table.
        let plan = referral_scan_plan(&c, &scope, true).unwrap();
        assert_eq!(plan.len(), 1, "{plan:?}");
        assert!(plan[0].contains("USING INDEX referrals_return (referred_on>? AND referred_on<?)"), "{plan:?}");
    }
}

#[test]
fn caseload_counts_open_cases_from_one_scan_of_a_covering_index() {
    use pathway::db::report::worker_tiers_plan;
    use pathway::value::Date;
    let p = Pathway::new();
    let c = Connection::open(&p.db).unwrap();
    let plan = worker_tiers_plan(&c, Date::ymd(2021, 4, 30)).unwrap();
    assert!(plan.iter().any(|l| l.contains("USING COVERING INDEX cases_opened (opened_on<?)")), "{plan:?}");
    assert!(!plan.iter().any(|l| l.contains("cases_worker")), "{plan:?}");
}

// ------------------------------------------------------------------ cron

#[test]
fn cron_script_writes_last_month_quietly_and_fails_loudly() {
    use chrono::Datelike;
    let p = seeded();
    let bin = assert_cmd::cargo::cargo_bin("pathway");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let script = common::root().join("examples/cron-return.sh");
    let out_dir = p.path("returns");
    let run = |db: &Path| {
        std::process::Command::new("sh")
            .arg(&script)
            .arg(&out_dir)
            .args(["--suppress", "5"])
            .env("PATH", &path)
            .env("PATHWAY_BIN", &bin)
            .env("PATHWAY_DB", db)
            .output()
            .unwrap()
    };
    let ok = run(&p.db);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(ok.stdout.is_empty() && ok.stderr.is_empty(), "quiet on success");
    let today = chrono::Local::now().date_naive();
    let (y, m) = if today.month() == 1 { (today.year() - 1, 12) } else { (today.year(), today.month() - 1) };
    let label = format!("{y:04}-{m:02}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join(format!("return-{label}.json"))).unwrap()).unwrap();
    assert_eq!(json["period"]["label"], label.as_str());
    assert_eq!(json["suppression"]["threshold"], 5);
    let csv = std::fs::read_to_string(out_dir.join(format!("return-{label}.csv"))).unwrap();
    assert!(csv.starts_with("figure,section,item,measure,category,value\n"));

    let failed = run(&p.path("missing.db"));
    assert_eq!(failed.status.code(), Some(66));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("no database there yet") && err.contains("failed with exit code 66"), "{err}");
    assert!(std::fs::read_dir(&out_dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp.")));
}

/// `report explain` counts only the section of the figure it explains
/// (`returns::Parts`): the value it gives is the whole return's, for every
/// figure of the return, in a year and a quarter, for every service and a hub.
#[test]
fn explain_gives_every_figure_the_value_the_whole_return_gives() {
    let p = Pathway::examples();
    let mut checked = 0;
    for view in [
        &["--period", "2021/22"][..],
        &["--period", "2021/22-Q1"],
        &["--period", "2021/22", "--service", "Beth Centre"],
    ] {
        let csv = p.ok(&[&["report", "return", "--format", "csv"][..], view].concat());
        let mut prefixes = std::collections::BTreeSet::new();
        for r in csv::Reader::from_reader(csv.as_bytes()).records().map(Result::unwrap) {
            let (name, value) = (&r[0], &r[5]);
            if name.is_empty() {
                continue;
            }
            let e = p.json(&[&["report", "explain", name][..], view].concat());
            let given = match &e["value"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                v => v.to_string(),
            };
            let same =
                given == value || matches!((given.parse::<f64>(), value.parse::<f64>()), (Ok(a), Ok(b)) if a == b);
            assert!(same, "{name} {view:?}: explain gives {given:?}, the return {value:?}");
            prefixes.insert(name.split('.').next().unwrap().to_string());
            checked += 1;
        }
        // Every section's figures were asked for, targets and (for the
        // whole database, whose grants fund no one service) grants too.
        let grants = if view.len() == 2 { &["grants"][..] } else { &[] };
        for s in ["referrals", "women_supported", "caseload", "closures", "outcomes", "equality", "targets"]
            .iter()
            .chain(grants)
        {
            assert!(prefixes.contains(*s), "no {s} figure in {view:?}: {prefixes:?}");
        }
    }
    assert!(checked > 100, "{checked}");
}
