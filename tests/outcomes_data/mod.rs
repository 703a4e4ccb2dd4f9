//! Seeded, made-up data for the outcomes and equality sections, shared by
//! tests/recount.rs and tests/suppress.rs (included with `#[path]`; not a
//! test target of its own): a few hundred women at the Beth Centre hub, its
//! three spokes and Juno Women's Aid, each with one to three cases one after
//! another (some at another service), about three assessments a case, and
//! equality answers for most of them, some written as people write them.
//!
//! The data is kept as plain values so that a test can count it again
//! without pathway, and written to CSV files that pathway imports.

#![allow(dead_code)]

use crate::common::Pathway;
use chrono::{Datelike, Duration, NaiveDate};

pub const PATHWAYS: [&str; 9] = [
    "accommodation",
    "education_training_employment",
    "health",
    "drugs_alcohol",
    "finance_benefit_debt",
    "children_families",
    "attitudes_thinking_behaviour",
    "abuse",
    "sex_work",
];

/// Services by index: 0 is the hub, 1..=3 its spokes, 4 a separate service.
pub const SERVICES: [&str; 5] =
    ["Beth Centre", "Southwark spoke", "Croydon spoke", "Lewisham spoke", "Juno Women's Aid"];
/// The services of `--service "Beth Centre"`.
pub const HUB: &[usize] = &[0, 1, 2, 3];

/// What a woman answered, as written in the file, and the group pathway
/// should count it under.
pub struct Woman {
    pub client_ref: String,
    pub birth_year: Option<i64>,
    pub ethnicity: (&'static str, &'static str),
    pub disability: (&'static str, &'static str),
    pub children: Option<i64>,
    /// She has a row in clients.csv (else no answers at all).
    pub has_row: bool,
}

pub struct Case {
    pub woman: usize,
    pub service: usize,
    pub opened: NaiveDate,
    pub closed: Option<NaiveDate>,
    pub reference: String,
}

pub struct Assessment {
    pub case: usize,
    pub pathway: &'static str,
    pub on: NaiveDate,
    pub score: i64,
    pub stage: &'static str,
}

pub struct Data {
    pub women: Vec<Woman>,
    pub cases: Vec<Case>,
    pub assessments: Vec<Assessment>,
}

/// The shared seeded generator.
pub use crate::common::Lcg;

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Ethnicity answers: as written, and the ONS high-level group.
const ETHNICITY: &[(&str, &str)] = &[
    ("white_british", "white"),
    ("White British", "white"),
    ("White - British", "white"),
    ("white_irish", "white"),
    ("white_other", "white"),
    ("asian_indian", "asian"),
    ("asian_pakistani", "asian"),
    ("black_caribbean", "black"),
    ("black_african", "black"),
    ("mixed_white_black_caribbean", "mixed"),
    ("other_arab", "other"),
    ("prefer_not_to_say", "prefer_not_to_say"),
    ("Prefer not to say", "prefer_not_to_say"),
    ("Not stated", "not_recorded"),
    ("", "not_recorded"),
];
const DISABILITY: &[(&str, &str)] = &[
    ("no", "no"),
    ("no", "no"),
    ("yes", "yes"),
    ("Prefer not to say", "prefer_not_to_say"),
    ("Unknown", "not_recorded"),
    ("", "not_recorded"),
];

/// `n` women, their cases and assessments, from `seed`.
pub fn generate(seed: u64, n: usize) -> Data {
    let mut rng = Lcg(seed);
    let start = date("2020-10-01");
    let mut women = Vec::new();
    let mut cases = Vec::new();
    let mut assessments = Vec::new();
    for w in 0..n {
        let has_row = rng.chance(85);
        women.push(Woman {
            client_ref: format!("GW-{:04}", w + 1),
            // Born 1950..2007: every age band from under 18 to 65 plus.
            birth_year: (has_row && rng.chance(90)).then(|| 1950 + rng.below(58) as i64),
            ethnicity: if has_row { rng.pick(ETHNICITY) } else { ("", "not_recorded") },
            disability: if has_row { rng.pick(DISABILITY) } else { ("", "not_recorded") },
            children: (has_row && rng.chance(85)).then(|| if rng.chance(55) { 1 + rng.below(4) as i64 } else { 0 }),
            has_row,
        });
        // One to three cases, one after another; a later one may be at
        // another service.
        let mut opened = start + Duration::days(rng.below(520) as i64);
        let mut service = if rng.chance(80) { rng.below(4) as usize } else { 4 };
        for _ in 0..1 + rng.below(3) {
            let closed = rng.chance(65).then(|| opened + Duration::days(15 + rng.below(260) as i64));
            let c = cases.len();
            cases.push(Case { woman: w, service, opened, closed, reference: format!("GC-{:05}", c + 1) });
            // About three assessments a case: one or two pathways (now and
            // then five, so that some women complete), a first one
            // within days of opening (several pathways on the same day),
            // often a later one, sometimes a third.
            let k = if rng.chance(12) { 5 } else { 1 + rng.below(2) as usize };
            let mut chosen: Vec<&'static str> = Vec::new();
            while chosen.len() < k {
                let p = rng.pick(&PATHWAYS);
                if !chosen.contains(&p) {
                    chosen.push(p);
                }
            }
            let last = closed.unwrap_or(opened + Duration::days(300));
            for p in chosen {
                let mut on = opened + Duration::days(rng.below(4) as i64);
                if on > last {
                    on = opened;
                }
                let mut score = 1 + rng.below(10) as i64;
                assessments.push(Assessment { case: c, pathway: p, on, score, stage: "start" });
                for extra in 0..2 {
                    if !rng.chance(if extra == 0 { 60 } else { 25 }) {
                        break;
                    }
                    let room = (last - on).num_days();
                    if room < 2 {
                        break;
                    }
                    on += Duration::days(1 + rng.below(room as u64) as i64);
                    score = match rng.below(100) {
                        0..=54 => score + 1 + rng.below(4) as i64,
                        55..=74 => score - 1 - rng.below(3) as i64,
                        _ => score,
                    }
                    .clamp(1, 10);
                    let stage = if Some(on) == closed { "exit" } else { rng.pick(&["review", ""]) };
                    assessments.push(Assessment { case: c, pathway: p, on, score, stage });
                }
            }
            match closed {
                Some(d) => opened = d + Duration::days(5 + rng.below(90) as i64),
                None => break,
            }
            if opened > date("2022-06-30") {
                break;
            }
            if rng.chance(30) {
                service = rng.below(5) as usize;
            }
        }
    }
    Data { women, cases, assessments }
}

impl Data {
    /// Write the CSV files and import them into `p`'s database through
    /// pathway: services, one worker, cases, clients' answers, assessments.
    pub fn load(&self, p: &Pathway) {
        let c = rusqlite::Connection::open(&p.db).expect("open db");
        c.execute_batch(
            "INSERT INTO organisations (name, kind) VALUES ('Women in Prison', 'provider');
             INSERT INTO services (name, provider_id, area, kind) VALUES ('Beth Centre', 1, 'Lambeth', 'hub');
             INSERT INTO services (name, provider_id, area, kind, hub_id) VALUES ('Southwark spoke', 1, 'Southwark', 'spoke', 1);
             INSERT INTO services (name, provider_id, area, kind, hub_id) VALUES ('Croydon spoke', 1, 'Croydon', 'spoke', 1);
             INSERT INTO services (name, provider_id, area, kind, hub_id) VALUES ('Lewisham spoke', 1, 'Lewisham', 'spoke', 1);
             INSERT INTO services (name, provider_id, area, kind) VALUES ('Juno Women''s Aid', 1, 'Nottingham', 'hub');",
        )
        .expect("services");
        drop(c);
        p.ok(&["caseload", "worker", "add", "--code", "KW01"]);
        let mut cases = String::from("client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref\n");
        for k in &self.cases {
            let (closed, reason, outcome) = match k.closed {
                Some(d) => (d.to_string(), "Moved on", "positive"),
                None => (String::new(), "", ""),
            };
            cases.push_str(&format!(
                "{},KW01,{},T1,{},{closed},{reason},{outcome},{}\n",
                self.women[k.woman].client_ref, SERVICES[k.service], k.opened, k.reference
            ));
        }
        p.file("gen-cases.csv", cases);
        p.ok(&["caseload", "import", "gen-cases.csv"]);
        let mut clients = String::from("client_ref,birth_year,ethnicity,disability,dependent_children\n");
        for w in self.women.iter().filter(|w| w.has_row) {
            clients.push_str(&format!(
                "{},{},{},{},{}\n",
                w.client_ref,
                w.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                w.ethnicity.0,
                w.disability.0,
                w.children.map(|n| n.to_string()).unwrap_or_default()
            ));
        }
        p.file("gen-clients.csv", clients);
        p.ok(&["client", "import", "gen-clients.csv"]);
        let mut rows = String::from("case,pathway,assessed_on,score,stage\n");
        for a in &self.assessments {
            rows.push_str(&format!(
                "{},{},{},{},{}\n",
                self.cases[a.case].reference, a.pathway, a.on, a.score, a.stage
            ));
        }
        p.file("gen-assessments.csv", rows);
        p.ok(&["caseload", "import", "--assessments", "gen-assessments.csv"]);
    }

    /// The women counted in `women_supported` over `from..=to` at
    /// `services` (None: all), by index.
    pub fn supported(&self, from: NaiveDate, to: NaiveDate, services: Option<&[usize]>) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .cases
            .iter()
            .filter(|k| services.map_or(true, |s| s.contains(&k.service)))
            .filter(|k| k.opened <= to && k.closed.map_or(true, |c| c >= from))
            .map(|k| k.woman)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// A woman's (first, latest) score on each pathway over `..=to` at
    /// `services`, counted again from the generated values.
    pub fn runs(&self, woman: usize, to: NaiveDate, services: Option<&[usize]>) -> Vec<(&'static str, i64, i64)> {
        let mut out = Vec::new();
        for p in PATHWAYS {
            let mut mine: Vec<&Assessment> = self
                .assessments
                .iter()
                .filter(|a| a.pathway == p && a.on <= to)
                .filter(|a| {
                    let k = &self.cases[a.case];
                    k.woman == woman && services.map_or(true, |s| s.contains(&k.service))
                })
                .collect();
            mine.sort_by_key(|a| a.on);
            if let (Some(f), Some(l)) = (mine.first(), mine.last()) {
                out.push((p, f.score, l.score));
            }
        }
        out
    }

    pub fn age_band(&self, woman: usize, to: NaiveDate) -> &'static str {
        match self.women[woman].birth_year.map(|b| i64::from(to.year()) - b) {
            None => "not_recorded",
            Some(a) if a < 18 => "under_18",
            Some(a) if a <= 24 => "18_24",
            Some(a) if a <= 34 => "25_34",
            Some(a) if a <= 44 => "35_44",
            Some(a) if a <= 54 => "45_54",
            Some(a) if a <= 64 => "55_64",
            Some(_) => "65_plus",
        }
    }
}
